//! Links: a cable between two node ports, with propagation delay, rate, loss, MTU and up/down.
//!
//! The seed's "light and electricity": a frame's arrival time is the time it waits for the
//! cable to be free, plus its serialization delay (bits / rate: 1500 bytes at 10 Mbit/s take
//! 1.2 ms), plus the propagation delay (distance / signal speed).

use super::time::{Time, SEC};

/// One end of a link: a node and its port (a host's interface index or a switch port).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Endpoint {
    pub node: usize,
    pub port: usize,
}

#[derive(Clone, Debug)]
pub struct LinkParams {
    pub delay_ns: u64,
    /// Bits per second; serialization delay is zero when `None` (an ideal wire).
    pub rate_bps: Option<u64>,
    pub loss_pct: f64,
    pub mtu: u16,
}

impl Default for LinkParams {
    /// 1 Gbit/s Ethernet with no propagation delay, no loss, MTU 1500.
    fn default() -> Self {
        LinkParams {
            delay_ns: 0,
            rate_bps: Some(1_000_000_000),
            loss_pct: 0.0,
            mtu: 1500,
        }
    }
}

/// Why a frame did not make it onto the wire.
#[derive(Debug, PartialEq)]
pub enum Refused {
    Down,
    TooBig { len: usize, mtu: u16 },
}

#[derive(Clone, Debug)]
pub struct Link {
    pub ends: [Endpoint; 2],
    pub params: LinkParams,
    pub up: bool,
    /// When each direction's transmitter is free again (side 0 sends towards side 1).
    busy_until: [Time; 2],
}

impl Link {
    pub fn new(a: Endpoint, b: Endpoint, params: LinkParams) -> Link {
        Link {
            ends: [a, b],
            params,
            up: true,
            busy_until: [Time::ZERO; 2],
        }
    }

    /// Which side `end` is (0 or 1), if it is on this link.
    pub fn side_of(&self, end: Endpoint) -> Option<usize> {
        self.ends.iter().position(|e| *e == end)
    }

    pub fn peer(&self, side: usize) -> Endpoint {
        self.ends[1 - side]
    }

    /// Time to clock `len` bytes onto the wire.
    pub fn serialization_ns(&self, len: usize) -> u64 {
        match self.params.rate_bps {
            Some(bps) => (len as u64 * 8).saturating_mul(SEC) / bps.max(1),
            None => 0,
        }
    }

    /// Puts a frame on the wire from `side` at `now`; returns when its last bit arrives at the
    /// peer. Frames queue behind each other, as on a real transmitter.
    pub fn transmit(&mut self, side: usize, now: Time, len: usize) -> Result<Time, Refused> {
        if !self.up {
            return Err(Refused::Down);
        }
        // The MTU limits the IP packet; the 14-byte Ethernet header comes on top.
        if len > self.params.mtu as usize + 14 {
            return Err(Refused::TooBig {
                len,
                mtu: self.params.mtu,
            });
        }
        let start = now.max(self.busy_until[side]);
        let done = start + self.serialization_ns(len);
        self.busy_until[side] = done;
        Ok(done + self.params.delay_ns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(rate: Option<u64>, delay: u64) -> Link {
        let p = LinkParams {
            delay_ns: delay,
            rate_bps: rate,
            ..LinkParams::default()
        };
        Link::new(
            Endpoint { node: 0, port: 0 },
            Endpoint { node: 1, port: 0 },
            p,
        )
    }

    #[test]
    fn full_frame_at_10mbit_takes_1_2ms() {
        let mut l = link(Some(10_000_000), 0);
        assert_eq!(l.transmit(0, Time::ZERO, 1500), Ok(Time(1_200_000)));
    }

    #[test]
    fn frames_queue_behind_each_other_and_add_propagation() {
        let mut l = link(Some(10_000_000), 5_000);
        assert_eq!(l.transmit(0, Time::ZERO, 1500), Ok(Time(1_205_000)));
        assert_eq!(l.transmit(0, Time::ZERO, 1500), Ok(Time(2_405_000)));
        // The other direction has its own transmitter.
        assert_eq!(l.transmit(1, Time::ZERO, 1500), Ok(Time(1_205_000)));
    }

    #[test]
    fn down_and_oversized_frames_are_refused() {
        let mut l = link(None, 0);
        assert_eq!(
            l.transmit(0, Time::ZERO, 1515),
            Err(Refused::TooBig {
                len: 1515,
                mtu: 1500
            })
        );
        l.up = false;
        assert_eq!(l.transmit(0, Time::ZERO, 60), Err(Refused::Down));
    }
}
