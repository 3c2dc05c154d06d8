//! net/ipv4/tcp_ipv4.c: connect(2) (tcp_v4_connect), and TCP input: find the connection a
//! segment belongs to, or the listener a SYN is for (creating the connection, within the
//! backlog), or answer as a closed port does, with a reset.

use super::inet_hashtables::ephemeral_port;
use super::ip_output::{route_output, Errno, OutRoute};
use super::socket::Pid;
use super::tcp::{self, lower, poll_conn, Tcp, TcpId};
use super::tcp_glue::send_emitted;
use super::tcp_timer::fail;
use super::Kernel;
use crate::sim::Ctx;
use crate::why;
use smoltcp::socket::tcp as stcp;
use smoltcp::socket::tcp::{Socket, State};
use smoltcp::wire::{IpAddress, IpEndpoint, IpListenEndpoint, Ipv4Packet, TcpPacket};
use std::net::Ipv4Addr;

/// tcp_v4_rcv: a unicast TCP segment for one of our addresses (`pkt` is the whole IP packet).
pub fn tcp_rcv(k: &mut Kernel, ctx: &mut Ctx, pkt: &[u8]) {
    let ip = Ipv4Packet::new_unchecked(pkt);
    let Ok(seg) = TcpPacket::new_checked(ip.payload()) else {
        why!(ctx, "tcp", "truncated TCP header: dropped");
        return;
    };
    let local = (ip.dst_addr(), seg.dst_port());
    let remote = (ip.src_addr(), seg.src_port());
    if let Some(id) = k.tcp.find(local, remote) {
        tcp::poll_conn(k, ctx, id, Some(pkt));
        return;
    }
    if super::tcp_minisocks::tcp_timewait_state_process(k, ctx, (local, remote), &seg) {
        return;
    }
    let new_syn = seg.syn() && !seg.ack() && !seg.rst();
    if new_syn {
        if let Some(lid) = listener_for(&k.tcp, local) {
            syn_to_listener(k, ctx, lid, local, remote, pkt);
            return;
        }
    }
    if !seg.rst() {
        why!(
            ctx,
            "tcp",
            "nothing listens on {}:{}: reset",
            local.0,
            local.1
        );
    }
    k.tcp.now = ctx.now;
    k.tcp.glue.poll(ctx.now, Some(pkt), &mut k.tcp.closed);
    send_emitted(k, ctx);
}

/// A listener on exactly this address wins over one on 0.0.0.0.
fn listener_for(t: &Tcp, local: (Ipv4Addr, u16)) -> Option<TcpId> {
    let on_port = || t.listeners.iter().filter(|(_, l)| l.port == local.1);
    on_port()
        .find(|(_, l)| l.addr == Some(local.0))
        .or_else(|| on_port().find(|(_, l)| l.addr.is_none()))
        .map(|(id, _)| *id)
}

/// A SYN for a listener: a new connection in SYN_RECV, unless the backlog is full, in which
/// case Linux drops the SYN silently (the client will retry), never a reset.
fn syn_to_listener(
    k: &mut Kernel,
    ctx: &mut Ctx,
    lid: TcpId,
    local: (Ipv4Addr, u16),
    remote: (Ipv4Addr, u16),
    pkt: &[u8],
) {
    let waiting = k
        .tcp
        .conns
        .values()
        .filter(|c| c.listener == Some(lid))
        .count();
    let backlog = k.tcp.listeners.get(&lid).map_or(0, |l| l.backlog);
    if waiting >= backlog {
        why!(
            ctx,
            "tcp",
            "SYN from {}:{} dropped: listen queue of {}:{} is full ({waiting}/{backlog})",
            remote.0,
            remote.1,
            local.0,
            local.1
        );
        return;
    }
    let (id, conn) = k.tcp.new_conn(local, remote);
    conn.listener = Some(lid);
    conn.passive = true;
    let sock = conn.set.get_mut::<Socket>(conn.handle);
    let ep = IpListenEndpoint {
        addr: Some(IpAddress::Ipv4(local.0)),
        port: local.1,
    };
    if sock.listen(ep).is_err() {
        k.tcp.remove(id);
        return;
    }
    conn.state = State::Listen;
    why!(
        ctx,
        "tcp",
        "SYN for the listener on port {}: new connection",
        local.1
    );
    tcp::poll_conn(k, ctx, id, Some(pkt));
}

/// tcp_v4_err: an ICMP error quoting one of our segments. While connecting it is fatal
/// (host/net unreachable, or refused for port/protocol unreachable); later Linux treats it
/// as a soft error, which we leave to retransmission.
pub fn err_rcv(
    k: &mut Kernel,
    ctx: &mut Ctx,
    local: (Ipv4Addr, u16),
    remote: (Ipv4Addr, u16),
    icmp_type: u8,
    code: u8,
) -> bool {
    let Some(id) = k.tcp.find(local, remote) else {
        return false;
    };
    if tcp::state(k, id) != State::SynSent || icmp_type != super::icmp::DEST_UNREACH {
        return true;
    }
    let err = match code {
        super::icmp::NET_UNREACH => Errno::NetUnreach,
        super::icmp::PORT_UNREACH | super::icmp::PROT_UNREACH => Errno::ConnRefused,
        _ => Errno::HostUnreach,
    };
    fail(k, ctx, id, err);
    true
}

/// connect(2): picks the route and source as Linux does (no packet when there is no route),
/// an ephemeral port, and sends the SYN.
pub fn connect(
    k: &mut Kernel,
    ctx: &mut Ctx,
    pid: Pid,
    dst: Ipv4Addr,
    port: u16,
) -> Result<TcpId, Errno> {
    connect_from(k, ctx, pid, (dst, port), None)
}

/// bind(2) to `lport` (when given, as `curl --local-port` does; EADDRINUSE while any socket
/// of ours holds it, TIME_WAIT included), then connect(2).
pub fn connect_from(
    k: &mut Kernel,
    ctx: &mut Ctx,
    pid: Pid,
    (dst, port): (Ipv4Addr, u16),
    lport: Option<u16>,
) -> Result<TcpId, Errno> {
    let src = match route_output(k, dst, None)? {
        OutRoute::Local { src } | OutRoute::Remote { src, .. } => src,
    };
    let lport = match lport {
        Some(p) if k.tcp.port_in_use(p) => return Err(Errno::AddrInUse),
        Some(p) => p,
        None => ephemeral_port(k).ok_or(Errno::AddrNotAvail)?,
    };
    let (id, _) = k.tcp.new_conn((src, lport), (dst, port));
    let t = &mut k.tcp;
    let Some(conn) = t.conns.get_mut(&id) else {
        return Err(Errno::BadFd);
    };
    conn.owner = Some(pid);
    let local = IpListenEndpoint {
        addr: Some(IpAddress::Ipv4(src)),
        port: lport,
    };
    let sock = conn.set.get_mut::<stcp::Socket>(conn.handle);
    let cx = t.glue.iface.context();
    if sock
        .connect(cx, IpEndpoint::new(IpAddress::Ipv4(dst), port), local)
        .is_err()
    {
        k.tcp.remove(id);
        return Err(Errno::AddrNotAvail);
    }
    let retries = k.sysctl.syn_retries;
    if let Some(c) = k.tcp.conns.get_mut(&id) {
        c.deadline = Some(ctx.now + syn_timeout_secs(retries) * 1_000_000_000);
        lower(&mut k.tcp.earliest, c.deadline);
    }
    poll_conn(k, ctx, id, None);
    Ok(id)
}

/// How long connect() tries: SYNs leave at 0, 1, 3, 7 … s (the wait doubles from 1 s, up
/// to TCP_RTO_MAX, 120 s) and the attempt fails when the wait after the last one ends:
/// 127 s for the default 6 retries.
fn syn_timeout_secs(retries: u32) -> u64 {
    (0..=retries).map(|i| (1u64 << i.min(7)).min(120)).sum()
}
