//! TCP's timers (net/ipv4/tcp_timer.c's job): smoltcp's own retransmissions and TIME_WAIT run
//! when due; on top, Linux's limit on SYN retries (tcp_syn_retries), the connect timeout and
//! the delayed-ACK timer (tcp_delack.rs).

use super::ip_output::Errno;
use super::tcp::{poll_conn, reap, state, window, TcpId};
use super::tcp_glue::send_emitted;
use super::Kernel;
use crate::sim::Ctx;
use crate::why;
use smoltcp::socket::tcp::State;
use smoltcp::wire::{Ipv4Packet, TcpPacket};

/// Runs smoltcp's timers (retransmissions, TIME_WAIT) for every connection that is due.
pub fn timers(k: &mut Kernel, ctx: &mut Ctx) {
    k.tcp.now = ctx.now;
    if k.tcp.next_timer().is_none_or(|t| t > ctx.now) {
        return; // the bound is in the future: nothing is due
    }
    let due: Vec<TcpId> = k
        .tcp
        .conns
        .iter()
        .filter(|(_, c)| c.next_poll.is_some_and(|t| t <= ctx.now))
        .map(|(id, _)| *id)
        .collect();
    for id in due {
        poll_conn(k, ctx, id, None);
    }
    let acks: Vec<TcpId> = k
        .tcp
        .conns
        .iter()
        .filter(|(_, c)| c.delack.timer.is_some_and(|t| t <= ctx.now))
        .map(|(id, _)| *id)
        .collect();
    for id in acks {
        delack(k, ctx, id);
    }
    super::tcp_minisocks::expire(k, ctx);
    let expired: Vec<TcpId> = k
        .tcp
        .conns
        .iter()
        .filter(|(_, c)| c.deadline.is_some_and(|d| d <= ctx.now))
        .map(|(id, _)| *id)
        .collect();
    for id in expired {
        if state(k, id) == State::SynSent {
            fail(k, ctx, id, Errno::TimedOut);
        } else if state(k, id) == State::FinWait2 {
            fin_wait2_over(k, ctx, id);
        } else if let Some(c) = k.tcp.conns.get_mut(&id) {
            c.deadline = None;
        }
    }
    k.tcp.recompute_timer();
}

/// An orphan (closed by its program) waiting in FIN_WAIT2 for the peer's FIN waits
/// net.ipv4.tcp_fin_timeout seconds (60) at most (tcp_close's tcp_fin_time).
pub(super) fn arm_fin_wait2(k: &mut Kernel, ctx: &Ctx, id: TcpId) {
    let secs = k.sysctl.int("net.ipv4.tcp_fin_timeout").max(0) as u64;
    let Some(c) = k.tcp.conns.get_mut(&id) else {
        return;
    };
    if c.state == State::FinWait2 && c.owner.is_none() && c.deadline.is_none() {
        c.deadline = Some(ctx.now + secs * 1_000_000_000);
        super::tcp::lower(&mut k.tcp.earliest, c.deadline);
    }
}

/// The peer never sent its FIN: the orphan is dropped without a word on the wire.
fn fin_wait2_over(k: &mut Kernel, ctx: &mut Ctx, id: TcpId) {
    let secs = k.sysctl.int("net.ipv4.tcp_fin_timeout");
    let Some(conn) = k.tcp.conns.get_mut(&id) else {
        return;
    };
    let (l, r) = (conn.local, conn.remote);
    why!(
        ctx,
        "tcp",
        "{}:{} > {}:{} FIN_WAIT2 → CLOSE: no FIN from the peer in tcp_fin_timeout ({secs} s)",
        l.0,
        l.1,
        r.0,
        r.1
    );
    k.tcp.remove(id);
}

/// tcp_delack_timer_handler: nothing carried the held ACK in time; it leaves alone.
fn delack(k: &mut Kernel, ctx: &mut Ctx, id: TcpId) {
    let Some(conn) = k.tcp.conns.get_mut(&id) else {
        return;
    };
    let win = window(conn);
    if let Some(ack) = conn.delack.fire(ctx.now, win) {
        why!(
            ctx,
            "tcp",
            "delayed ACK timer: nothing to ride on, ACK sent alone"
        );
        k.tcp.glue.dev.tx.push(ack);
        send_emitted(k, ctx);
    }
}

/// smoltcp retransmits a SYN for ever; Linux sends 1 + tcp_syn_retries of them. Extra ones
/// are not sent (the deadline in `timers` then ends the attempt).
pub(super) fn limit_syns(k: &mut Kernel, ctx: &mut Ctx, id: TcpId) {
    // Only a connecting socket sends SYNs; the sysctl is read only then (it is a string-keyed
    // lookup, and this runs after every segment).
    if k.tcp
        .conns
        .get(&id)
        .is_none_or(|c| c.state != State::SynSent)
    {
        return;
    }
    let limit = 1 + k.sysctl.syn_retries;
    let Some(conn) = k.tcp.conns.get_mut(&id) else {
        return;
    };
    let syns = &mut conn.syns;
    k.tcp.glue.dev.tx.retain(|p| {
        let ip = Ipv4Packet::new_unchecked(&p[..]);
        let is_syn = TcpPacket::new_checked(ip.payload()).is_ok_and(|t| t.syn() && !t.ack());
        if !is_syn {
            return true;
        }
        *syns += 1;
        if *syns > 1 {
            why!(
                ctx,
                "tcp",
                "SYN retransmission {} of {}",
                *syns - 1,
                limit - 1
            );
        }
        *syns <= limit
    });
}

/// Ends a connection attempt with `err` (timeout, or an ICMP error while in SYN_SENT): the
/// smoltcp socket is replaced by a closed one, so nothing more is sent, not even a reset.
pub(super) fn fail(k: &mut Kernel, ctx: &mut Ctx, id: TcpId, err: Errno) {
    let Some(conn) = k.tcp.conns.get_mut(&id) else {
        return;
    };
    conn.drop_socket();
    conn.error = Some(err);
    conn.deadline = None;
    conn.since = ctx.now;
    let (l, r) = (conn.local, conn.remote);
    why!(
        ctx,
        "tcp",
        "client {}:{} > {}:{} SYN_SENT → CLOSE: {}",
        l.0,
        l.1,
        r.0,
        r.1,
        err.message()
    );
    reap(k, id);
}
