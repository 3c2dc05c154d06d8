//! TIME_WAIT as Linux keeps it (net/ipv4/tcp_minisocks.c): when a connection enters
//! TIME_WAIT, its full socket and buffers go away and a small timewait sock takes its place
//! for 60 seconds (TCP_TIMEWAIT_LEN), holding only the 4-tuple and the two sequence numbers.
//! It answers the peer's retransmitted FIN with the same ACK (and waits 60 s again), lets a
//! reset or a fresh SYN end it early, and keeps the port pair from being reused by a new
//! connection that could take the old one's stray segments. smoltcp's own TIME_WAIT (10 s,
//! full buffers) never runs: the connection leaves smoltcp the moment it enters TIME_WAIT.

use super::tcp::{TcpId, Tuple};
use super::tcp_glue::send_emitted;
use super::Kernel;
use crate::sim::time::SEC;
use crate::sim::{Ctx, Time};
use crate::why;
use smoltcp::wire::{IpAddress, Ipv4Packet, TcpPacket, TcpSeqNumber};
use std::collections::{BTreeMap, BTreeSet};

/// TCP_TIMEWAIT_LEN: 60 seconds.
pub const TCP_TIMEWAIT_LEN: u64 = 60 * SEC;
/// The window a timewait sock advertises: the last one the connection offered (its buffer).
const WINDOW: u16 = 64240;

/// struct tcp_timewait_sock, the part netstep needs.
#[derive(Clone, Debug)]
pub struct TimeWait {
    pub snd_nxt: u32,
    pub rcv_nxt: u32,
    /// When it will be gone (netstat -o counts down to it).
    pub expires: Time,
}

/// The timewait socks by 4-tuple, and their expiry times in order (the timer wheel's job).
#[derive(Default)]
pub struct TwTable {
    pub socks: BTreeMap<Tuple, TimeWait>,
    expiry: BTreeSet<(Time, Tuple)>,
}

impl TwTable {
    pub fn find(&self, tuple: &Tuple) -> Option<&TimeWait> {
        self.socks.get(tuple)
    }

    pub fn next_expiry(&self) -> Option<Time> {
        self.expiry.first().map(|(t, _)| *t)
    }

    pub fn local_port_in_use(&self, port: u16) -> bool {
        self.socks.keys().any(|(local, _)| local.1 == port)
    }

    fn insert(&mut self, tuple: Tuple, tw: TimeWait) {
        self.expiry.insert((tw.expires, tuple));
        if let Some(old) = self.socks.insert(tuple, tw) {
            self.expiry.remove(&(old.expires, tuple));
        }
    }

    fn remove(&mut self, tuple: &Tuple) {
        if let Some(old) = self.socks.remove(tuple) {
            self.expiry.remove(&(old.expires, *tuple));
        }
    }

    /// inet_twsk_reschedule: another full TCP_TIMEWAIT_LEN from `now`.
    fn reschedule(&mut self, tuple: &Tuple, now: Time) {
        if let Some(tw) = self.socks.get(tuple).cloned() {
            self.insert(
                *tuple,
                TimeWait {
                    expires: now + TCP_TIMEWAIT_LEN,
                    ..tw
                },
            );
        }
    }
}

/// tcp_time_wait: connection `id` just entered TIME_WAIT, with the sequence numbers of the
/// last segment it sent. The timewait sock replaces it; a process still holding the socket
/// keeps a closed one with whatever it had not read yet.
pub fn tcp_time_wait(k: &mut Kernel, ctx: &mut Ctx, id: TcpId, snd_nxt: u32, rcv_nxt: u32) {
    let Some(conn) = k.tcp.conns.get(&id) else {
        return;
    };
    let tuple = (conn.local, conn.remote);
    let expires = ctx.now + TCP_TIMEWAIT_LEN;
    let tw = TimeWait {
        snd_nxt,
        rcv_nxt,
        expires,
    };
    k.tcp.tw.insert(tuple, tw);
    why!(
        ctx,
        "tcp",
        "TIME_WAIT for 60 s: the socket's buffers are freed, a timewait sock keeps the port pair"
    );
    super::tcp::detach(k, id);
}

/// tcp_timewait_state_process: a segment for a 4-tuple in TIME_WAIT. Returns false when the
/// segment should go on as if there were no timewait sock (a new SYN for the listener).
pub fn tcp_timewait_state_process(
    k: &mut Kernel,
    ctx: &mut Ctx,
    tuple: Tuple,
    seg: &TcpPacket<&[u8]>,
) -> bool {
    let Some(tw) = k.tcp.tw.find(&tuple).cloned() else {
        return false;
    };
    let seq = seg.seq_number();
    let rcv_nxt = TcpSeqNumber(tw.rcv_nxt as i32);
    if seg.rst() {
        // net.ipv4.tcp_rfc1337 = 0: a reset kills the timewait sock (RFC 1337's hazard).
        why!(ctx, "tcp", "RST in TIME_WAIT: the timewait sock is gone");
        k.tcp.tw.remove(&tuple);
        return true;
    }
    if seg.syn() && !seg.ack() && seq > rcv_nxt {
        why!(
            ctx,
            "tcp",
            "SYN in TIME_WAIT with a higher sequence number: a new connection may reuse the pair"
        );
        k.tcp.tw.remove(&tuple);
        return false;
    }
    let len = seg.payload().len() + usize::from(seg.syn()) + usize::from(seg.fin());
    if seg.fin() && seq + len == rcv_nxt {
        why!(
            ctx,
            "tcp",
            "FIN again in TIME_WAIT: our ACK was lost; ACK again, wait another 60 s"
        );
        k.tcp.tw.reschedule(&tuple, ctx.now);
        send_ack(k, ctx, tuple, &tw);
    } else if len > 0 || seq != rcv_nxt {
        why!(ctx, "tcp", "segment in TIME_WAIT: answered with an ACK");
        send_ack(k, ctx, tuple, &tw);
    } else {
        why!(ctx, "tcp", "ACK in TIME_WAIT: nothing to do");
    }
    true
}

/// tcp_v4_timewait_ack: the ACK of the connection's last state, from the timewait sock.
fn send_ack(k: &mut Kernel, ctx: &mut Ctx, tuple: Tuple, tw: &TimeWait) {
    let ((lip, lport), (rip, rport)) = tuple;
    let mut seg = vec![0u8; 20];
    let mut t = TcpPacket::new_unchecked(&mut seg[..]);
    t.set_src_port(lport);
    t.set_dst_port(rport);
    t.set_seq_number(TcpSeqNumber(tw.snd_nxt as i32));
    t.set_ack_number(TcpSeqNumber(tw.rcv_nxt as i32));
    t.set_header_len(20);
    t.clear_flags();
    t.set_ack(true);
    t.set_window_len(WINDOW);
    t.fill_checksum(&IpAddress::Ipv4(lip), &IpAddress::Ipv4(rip));
    let mut ip = vec![0u8; 20];
    let mut p = Ipv4Packet::new_unchecked(&mut ip[..]);
    p.set_version(4);
    p.set_header_len(20);
    p.set_total_len(40);
    p.set_src_addr(lip);
    p.set_dst_addr(rip);
    ip.extend_from_slice(&seg);
    // The same output path as smoltcp's segments: our IP header, routing and ARP.
    k.tcp.glue.dev.tx.push(ip);
    send_emitted(k, ctx);
}

/// The timer: timewait socks whose 60 s are over disappear.
pub fn expire(k: &mut Kernel, ctx: &mut Ctx) {
    while let Some((at, tuple)) = k.tcp.tw.expiry.first().copied() {
        if at > ctx.now {
            return;
        }
        k.tcp.tw.remove(&tuple);
        let ((lip, lport), (rip, rport)) = tuple;
        why!(
            ctx,
            "tcp",
            "{lip}:{lport} > {rip}:{rport} TIME_WAIT → CLOSE: 60 s are over"
        );
    }
}

#[cfg(test)]
#[path = "tcp_minisocks_tests.rs"]
mod tests;
