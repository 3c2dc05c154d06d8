//! The rate estimator behind `ipvsadm -L --rate` (net/netfilter/ipvs/ip_vs_est.c): every 2 s
//! the kernel takes each counter's growth since the last tick and moves a smoothed rate a
//! quarter of the way toward it (rates kept ×1024 for connections and packets, ×32 for
//! bytes). Counters change only when packets pass, so netstep runs the ticks lazily, just
//! before a counter changes and when the rates are read: the result is what a 2 s timer
//! would have computed, without the timer's events.

use super::ctl::Stats;
use crate::sim::time::SEC;
use crate::sim::Time;

const TICK: u64 = 2 * SEC;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Est {
    /// Ticks done since time 0.
    tick: u64,
    last: [u64; 5],
    rate: [i64; 5],
}

fn counters(s: &Stats) -> [u64; 5] {
    [s.conns, s.inpkts, s.outpkts, s.inbytes, s.outbytes]
}

impl Est {
    /// Runs the ticks due by `now` with the counters as they stood (they have not changed
    /// since the last packet). Once every rate has decayed to 0, later ticks change nothing.
    pub fn advance(&mut self, now: Time, s: &Stats) {
        let due = now.nanos() / TICK;
        while self.tick < due {
            self.tick += 1;
            let cur = counters(s);
            let idle = cur == self.last && self.rate.iter().all(|r| *r == 0);
            if idle {
                self.tick = due;
                break;
            }
            for (i, (c, l)) in cur.iter().zip(self.last).enumerate() {
                // ×1024 per second over 2 s is <<9; bytes ×32 over 2 s is <<4.
                let shift = if i < 3 { 9 } else { 4 };
                let r = (c.saturating_sub(l) << shift) as i64;
                self.rate[i] += (r - self.rate[i]) >> 2;
            }
            self.last = cur;
        }
    }

    /// CPS, InPPS, OutPPS, InBPS, OutBPS as ipvsadm reads them (rounded as the kernel does).
    pub fn rates(&self) -> [u64; 5] {
        let r = |i: usize, round: i64, shift: u32| ((self.rate[i] + round).max(0) >> shift) as u64;
        [
            r(0, 0x1FF, 10),
            r(1, 0x1FF, 10),
            r(2, 0x1FF, 10),
            r(3, 0xF, 5),
            r(4, 0xF, 5),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steady_load_converges_and_an_idle_one_decays() {
        let mut e = Est::default();
        let mut s = Stats::default();
        // 10 connections and 100 packets of 100 bytes a second, for five minutes (the
        // smoothing needs a few dozen ticks to settle).
        for t in 1..=300u64 {
            e.advance(Time::from_secs(t), &s);
            s.conns += 10;
            s.inpkts += 100;
            s.inbytes += 10_000;
        }
        e.advance(Time::from_secs(301), &s);
        assert_eq!(e.rates(), [10, 100, 0, 10_000, 0]);
        e.advance(Time::from_secs(3600), &s);
        assert_eq!(e.rates(), [0; 5]);
    }

    #[test]
    fn the_first_tick_moves_a_quarter_of_the_way() {
        let mut e = Est::default();
        let s = Stats {
            conns: 8,
            ..Stats::default()
        };
        e.advance(Time::from_secs(2), &s);
        // 8 connections in 2 s is 4/s; a quarter of that is 1.
        assert_eq!(e.rates()[0], 1);
    }
}
