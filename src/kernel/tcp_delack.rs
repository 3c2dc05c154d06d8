//! When an ACK leaves: Linux's delayed-ACK engine (`icsk_ack` in inet_connection_sock.h;
//! tcp_input.c's tcp_event_data_recv, tcp_measure_rcv_mss and __tcp_ack_snd_check;
//! tcp_output.c's tcp_send_delayed_ack and tcp_event_data_sent; tcp.c's tcp_cleanup_rbuf;
//! tcp_timer.c's tcp_delack_timer_handler).
//!
//! smoltcp acknowledges every segment at once. Linux does not, and the course teaches why:
//! an ACK that can wait a little rides on the reply or on our FIN for free. So every pure ACK
//! smoltcp emits comes through here and either leaves now or is held until the delayed-ACK
//! timer, and any segment we send in the meantime (it carries the same acknowledgement)
//! makes the held one unnecessary. What decides, as recorded on Linux 6.18
//! (docs/fidelity-real.md §3):
//!
//! - **quick-ACK mode**: the first 16 segments of data, and data after a silence longer than
//!   the retransmission timeout, are acknowledged at once, unless the connection is
//!   interactive;
//! - **ping-pong (interactive) mode**: entered when we send data less than `ato` after data
//!   arrived (we answered a request), and when the peer's FIN moves us to CLOSE_WAIT (the
//!   application will answer with its own FIN); ACKs then wait, to ride on the answer. A
//!   delayed ACK that had to leave alone ends ping-pong mode;
//! - more than one segment's worth unacknowledged, out-of-order or repeated data, and a FIN in
//!   any other state are acknowledged at once;
//! - otherwise the ACK waits `ato` (40 ms, TCP_ATO_MIN, for a connection on a LAN), or less if
//!   the application reads the data first and the connection is not interactive: reading a
//!   small pushed segment sends the ACK (tcp_cleanup_rbuf).

use crate::sim::Time;
use smoltcp::socket::tcp::State;
use smoltcp::wire::{IpAddress, Ipv4Packet, TcpPacket};

const MS: u64 = 1_000_000;
/// TCP_ATO_MIN and TCP_DELACK_MIN (HZ/25): the shortest delayed-ACK timeout.
const ATO_MIN: u64 = 40 * MS;
/// TCP_DELACK_MAX (HZ/5): the longest, for an interactive connection or a pushed segment.
const DELACK_MAX: u64 = 200 * MS;
/// HZ/2: the longest otherwise.
const DELACK_BULK_MAX: u64 = 500 * MS;
/// One jiffy of Debian's HZ=250: a timer armed for "now" fires at the next tick.
const JIFFY: u64 = 4 * MS;
/// TCP_MAX_QUICKACKS.
const MAX_QUICKACKS: u32 = 16;
/// TCP_MSS_DEFAULT: what tcp_initialize_rcv_mss starts the estimate of the peer's MSS at.
const MSS_DEFAULT: u32 = 536;
/// Our advertised MSS (advmss on an Ethernet of 1500 bytes).
const ADVMSS: u32 = 1460;
/// TCP_RTO_MIN and TCP_TIMEOUT_INIT: the retransmission timeout is the smoothed RTT plus at
/// least 200 ms, and 1 s before the first measurement.
const RTO_MIN: u64 = 200 * MS;
const RTO_INIT: u64 = 1_000 * MS;
/// ICSK_ACK_PUSHED and ICSK_ACK_PUSHED2: a small (pushed) segment arrived, and a second one.
const PUSHED: u8 = 1;
const PUSHED2: u8 = 2;

/// The delayed-ACK state of one connection.
#[derive(Default)]
pub struct DelAck {
    /// Segments still to acknowledge at once (icsk_ack.quick).
    quick: u32,
    pingpong: bool,
    /// The delayed-ACK timeout (icsk_ack.ato), 0 until the first data.
    ato: u64,
    /// When data last arrived (icsk_ack.lrcvtime).
    lrcvtime: Time,
    /// The estimate of the peer's segment size (icsk_ack.rcv_mss; 0 = not yet set) and the
    /// size of the last segment between 536 bytes and it (last_seg_size).
    rcv_mss: u32,
    last_seg: u32,
    /// The acknowledgement number of the last segment we sent (rcv_wup).
    rcv_wup: u32,
    /// Data or a FIN arrived that no segment of ours has acknowledged yet (ICSK_ACK_SCHED).
    scheduled: bool,
    pushed: u8,
    /// The pure ACK waiting for the timer, and when the timer fires.
    held: Option<Vec<u8>>,
    pub timer: Option<Time>,
    /// The smoothed round-trip time, and the segment being timed: its end and when it left.
    srtt: Option<u64>,
    timing: Option<(u32, Time)>,
}

/// A TCP segment as far as the ACK policy cares.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Seg {
    pub seq: u32,
    pub ack: Option<u32>,
    pub len: u32,
    pub syn: bool,
    pub fin: bool,
    pub rst: bool,
    pub psh: bool,
}

impl Seg {
    /// The TCP segment inside an IPv4 packet.
    pub fn parse(pkt: &[u8]) -> Option<Seg> {
        let ip = Ipv4Packet::new_checked(pkt).ok()?;
        let t = TcpPacket::new_checked(ip.payload()).ok()?;
        Some(Seg {
            seq: t.seq_number().0 as u32,
            ack: t.ack().then_some(t.ack_number().0 as u32),
            len: t.payload().len() as u32,
            syn: t.syn(),
            fin: t.fin(),
            rst: t.rst(),
            psh: t.psh(),
        })
    }

    /// The sequence number after it.
    fn end(&self) -> u32 {
        self.seq
            .wrapping_add(self.len)
            .wrapping_add(u32::from(self.syn) + u32::from(self.fin))
    }

    fn is_pure_ack(&self) -> bool {
        self.len == 0 && !self.syn && !self.fin && !self.rst && self.ack.is_some()
    }
}

/// Sorts what one poll of a connection emitted, after smoltcp was fed `input` (expecting
/// `rcv_nxt`) and left the socket in `st`: a pure ACK that may wait is taken out of `tx` and
/// held. Returns when the timer fires if it held one.
pub fn sort(
    d: &mut DelAck,
    now: Time,
    input: Option<&[u8]>,
    rcv_nxt: u32,
    st: State,
    tx: &mut Vec<Vec<u8>>,
) -> Option<Time> {
    let acked = tx
        .iter()
        .rev()
        .find_map(|p| Seg::parse(p))
        .and_then(|s| s.ack);
    let may_wait = input
        .and_then(Seg::parse)
        .is_some_and(|s| d.input(now, &s, rcv_nxt, acked, st));
    let mut held = None;
    let mut i = 0;
    while i < tx.len() {
        let wait = Seg::parse(&tx[i]).is_some_and(|seg| d.output(now, &seg, may_wait, st));
        if wait {
            d.hold(tx.remove(i));
            held = d.timer;
        } else {
            i += 1;
        }
    }
    // A segment after it in the same poll carried the acknowledgement instead.
    held.filter(|_| d.held.is_some())
}

/// `a` is at or before `b` in sequence space.
fn before_eq(a: u32, b: u32) -> bool {
    b.wrapping_sub(a) as i32 >= 0
}

impl DelAck {
    /// A segment arrived. `rcv_nxt` is what we expected before it and `acked` the
    /// acknowledgement smoltcp answered with (None: it answered nothing). True when the ACK it
    /// calls for may wait; false when it must leave at once.
    pub fn input(
        &mut self,
        now: Time,
        seg: &Seg,
        rcv_nxt: u32,
        acked: Option<u32>,
        st: State,
    ) -> bool {
        self.time_rtt(now, seg.ack);
        if seg.len == 0 && !seg.fin {
            return false;
        }
        if seg.seq != rcv_nxt || acked != Some(seg.end()) {
            // A retransmission of what we had: our ACK was lost, so ACK quickly from now on.
            if before_eq(seg.end(), rcv_nxt) {
                self.enter_quickack_mode();
            }
            return false; // out of order or repeated: a duplicate ACK at once
        }
        self.scheduled = true;
        if seg.len > 0 {
            self.data_recv(now, seg.len, seg.psh);
        }
        if seg.fin {
            // tcp_fin: ESTABLISHED → CLOSE_WAIT goes interactive (our FIN will answer);
            // a FIN in a closing state is acknowledged at once.
            if st != State::CloseWait {
                return false;
            }
            self.pingpong = true;
        }
        true
    }

    /// A segment smoltcp emitted. True when it is a pure ACK to hold (the caller keeps it in
    /// `hold`); false when it leaves now.
    pub fn output(&mut self, now: Time, seg: &Seg, may_wait: bool, st: State) -> bool {
        let ack = seg.ack.unwrap_or(self.rcv_wup);
        if !seg.is_pure_ack() {
            if seg.len > 0 {
                self.data_sent(now);
            }
            self.time_segment(now, seg);
            self.ack_sent(ack);
            return false;
        }
        let open = matches!(
            st,
            State::Established | State::CloseWait | State::FinWait1 | State::FinWait2
        );
        let wait = may_wait
            && open
            && self.scheduled
            && !self.in_quickack_mode()
            && ack.wrapping_sub(self.rcv_wup) <= self.rcv_mss()
            && self.arm(now);
        if !wait {
            self.ack_sent(ack);
        }
        wait
    }

    /// Keeps a pure ACK for the timer (a newer one replaces it).
    pub fn hold(&mut self, pkt: Vec<u8>) {
        self.held = Some(pkt);
    }

    /// The delayed-ACK timer fired: the held ACK, to send now (with the window of now).
    pub fn fire(&mut self, now: Time, window: u16) -> Option<Vec<u8>> {
        if self.timer.is_none_or(|t| t > now) {
            return None;
        }
        self.timer = None;
        let pkt = self.held.take()?;
        if self.pingpong {
            // The answer did not come in time: not interactive after all.
            self.pingpong = false;
            self.ato = ATO_MIN;
        } else {
            self.ato = (self.ato * 2).min(self.rto());
        }
        Some(self.release(pkt, window))
    }

    /// The application read `copied` bytes and left the queue `drained` (tcp_cleanup_rbuf):
    /// the held ACK, when it should go now.
    pub fn read(&mut self, copied: usize, drained: bool, window: u16) -> Option<Vec<u8>> {
        let pkt = self.held.as_ref()?;
        let acked = Seg::parse(pkt).and_then(|s| s.ack).unwrap_or(self.rcv_wup);
        let many = acked.wrapping_sub(self.rcv_wup) > self.rcv_mss();
        let small = self.pushed & PUSHED2 != 0 || (self.pushed & PUSHED != 0 && !self.pingpong);
        if !(many || (copied > 0 && small && drained)) {
            return None;
        }
        let pkt = self.held.take()?;
        Some(self.release(pkt, window))
    }

    /// A held ACK leaving: it advertises the window of now, and counts as an ACK sent.
    fn release(&mut self, mut pkt: Vec<u8>, window: u16) -> Vec<u8> {
        let ack = Seg::parse(&pkt).and_then(|s| s.ack).unwrap_or(self.rcv_wup);
        if let Ok(mut ip) = Ipv4Packet::new_checked(&mut pkt[..]) {
            let (src, dst) = (
                IpAddress::Ipv4(ip.src_addr()),
                IpAddress::Ipv4(ip.dst_addr()),
            );
            if let Ok(mut t) = TcpPacket::new_checked(ip.payload_mut()) {
                t.set_window_len(window);
                t.fill_checksum(&src, &dst);
            }
        }
        self.ack_sent(ack);
        pkt
    }

    /// tcp_event_data_recv: data arrived in order.
    fn data_recv(&mut self, now: Time, len: u32, psh: bool) {
        self.measure_rcv_mss(len, psh);
        if self.ato == 0 {
            // The first data: start in quick-ACK mode.
            self.incr_quickack();
            self.ato = ATO_MIN;
        } else {
            let m = now.0.saturating_sub(self.lrcvtime.0);
            if m <= ATO_MIN / 2 {
                self.ato = self.ato / 2 + ATO_MIN / 2;
            } else if m < self.ato {
                self.ato = (self.ato / 2 + m).min(self.rto());
            } else if m > self.rto() {
                // A long silence: the sender may be waiting for ACKs to grow its window.
                self.incr_quickack();
            }
        }
        self.lrcvtime = now;
    }

    /// tcp_measure_rcv_mss: learns the peer's segment size; a smaller segment was pushed.
    fn measure_rcv_mss(&mut self, len: u32, psh: bool) {
        let (lss, mss) = (std::mem::take(&mut self.last_seg), self.rcv_mss());
        if len >= mss {
            self.rcv_mss = len.min(ADVMSS);
            if psh {
                self.pushed |= PUSHED;
            }
            return;
        }
        if len >= MSS_DEFAULT {
            self.last_seg = len;
            if len == lss {
                self.rcv_mss = len;
                return;
            }
        }
        if self.pushed & PUSHED != 0 {
            self.pushed |= PUSHED2;
        }
        self.pushed |= PUSHED;
    }

    /// tcp_event_data_sent: an answer within `ato` of the request makes us interactive.
    fn data_sent(&mut self, now: Time) {
        if now.0.saturating_sub(self.lrcvtime.0) < self.ato {
            self.pingpong = true;
        }
    }

    /// tcp_event_ack_sent: a segment carrying our acknowledgement left.
    fn ack_sent(&mut self, ack: u32) {
        if self.quick > 0 && self.scheduled {
            self.quick -= 1;
            if self.quick == 0 {
                self.ato = ATO_MIN;
            }
        }
        self.scheduled = false;
        self.pushed = 0;
        self.timer = None;
        self.held = None;
        self.rcv_wup = ack;
    }

    /// tcp_send_delayed_ack: arms the timer; false when the one already armed is about to
    /// fire (the ACK then leaves now).
    fn arm(&mut self, now: Time) -> bool {
        let mut ato = self.ato;
        if ato > ATO_MIN {
            let mut max = match self.pingpong || self.pushed & PUSHED != 0 {
                true => DELACK_MAX,
                false => DELACK_BULK_MAX,
            };
            if let Some(srtt) = self.srtt {
                max = max.min(srtt.max(ATO_MIN));
            }
            ato = ato.min(max);
        }
        let mut at = Time(now.0 + ato.max(JIFFY));
        if let Some(t) = self.timer {
            if t.0 <= now.0 + ato / 4 {
                return false;
            }
            at = at.min(t);
        }
        self.timer = Some(at);
        true
    }

    fn in_quickack_mode(&self) -> bool {
        self.quick > 0 && !self.pingpong
    }

    /// tcp_incr_quickack: enough quick ACKs for half a window of segments, at most 16.
    fn incr_quickack(&mut self) {
        let n = (super::tcp::BUF as u32 / (2 * self.rcv_mss())).clamp(2, MAX_QUICKACKS);
        self.quick = self.quick.max(n);
    }

    /// tcp_enter_quickack_mode.
    fn enter_quickack_mode(&mut self) {
        self.incr_quickack();
        self.pingpong = false;
        self.ato = ATO_MIN;
    }

    fn rcv_mss(&self) -> u32 {
        match self.rcv_mss {
            0 => MSS_DEFAULT,
            m => m,
        }
    }

    /// What /proc/net/tcp shows of it: rto and ato (ns), and quick << 1 | pingpong.
    pub fn proc_fields(&self) -> (u64, u64, u32) {
        (
            self.rto(),
            self.ato,
            self.quick << 1 | u32::from(self.pingpong),
        )
    }

    fn rto(&self) -> u64 {
        self.srtt.map_or(RTO_INIT, |s| s + RTO_MIN)
    }

    /// Times one segment at a time (the first that occupies sequence space while none is
    /// timed); a retransmission of it spoils the sample (Karn).
    fn time_segment(&mut self, now: Time, seg: &Seg) {
        if seg.end() == seg.seq {
            return;
        }
        match self.timing {
            Some((end, _)) if before_eq(seg.end(), end) => self.timing = None,
            Some(_) => {}
            None => self.timing = Some((seg.end(), now)),
        }
    }

    /// An acknowledgement covering the timed segment gives a sample (srtt = 7/8 srtt + 1/8).
    fn time_rtt(&mut self, now: Time, ack: Option<u32>) {
        let (Some(ack), Some((end, sent))) = (ack, self.timing) else {
            return;
        };
        if before_eq(end, ack) {
            let sample = now.0.saturating_sub(sent.0);
            self.srtt = Some(self.srtt.map_or(sample, |s| s - s / 8 + sample / 8));
            self.timing = None;
        }
    }
}

#[cfg(test)]
#[path = "tcp_delack_tests.rs"]
mod tests;
