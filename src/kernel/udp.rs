//! UDP (net/ipv4/udp.c): bind, connect, sendmsg, recvmsg, the socket lookup that picks one
//! socket per datagram, and what an ICMP error does to a socket.
//!
//! Linux scores every socket bound to the destination port (udp4_lib_lookup's
//! compute_score): a socket bound to that exact address, or connected to that exact peer,
//! beats a wildcard one, and the datagram goes to the best socket only. A datagram nobody
//! wants is answered with ICMP port unreachable. When that ICMP error comes back to the
//! sender, a *connected* socket remembers it, so its next send or receive fails with
//! `Connection refused`; an unconnected socket never hears of it, unless it asked for the
//! error queue (IP_RECVERR, which traceroute sets).

use super::icmp;
use super::ip_output::{ip_local_out, route_output, Errno, IpOut, OutRoute};
use super::socket::{Msg, Pid, SockId, SockKind};
use super::Kernel;
use crate::sim::Ctx;
use crate::why;
use smoltcp::phy::ChecksumCapabilities;
use smoltcp::wire::{IpAddress, Ipv4Packet, UdpPacket, UdpRepr};
use std::net::Ipv4Addr;

/// A UDP socket's addresses and options (struct inet_sock's part that UDP uses).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UdpSock {
    /// The bound address; UNSPECIFIED is INADDR_ANY.
    pub addr: Ipv4Addr,
    /// 0 until bind() or the first send picks a port.
    pub port: u16,
    /// connect(): the only peer this socket talks to and hears from.
    pub peer: Option<(Ipv4Addr, u16)>,
    /// sk_err: an ICMP error reported to a connected socket, returned by the next call.
    pub error: Option<Errno>,
    /// IP_RECVERR: ICMP errors are queued as whole packets (traceroute reads them).
    pub recverr: bool,
    /// IP_TTL; None is net.ipv4.ip_default_ttl.
    pub ttl: Option<u8>,
    /// IP_MTU_DISCOVER: Linux sets DF on UDP by default (IP_PMTUDISC_WANT).
    pub df: bool,
}

impl Default for UdpSock {
    fn default() -> UdpSock {
        UdpSock {
            addr: Ipv4Addr::UNSPECIFIED,
            port: 0,
            peer: None,
            error: None,
            recverr: false,
            ttl: None,
            df: true,
        }
    }
}

/// A datagram as recvfrom(2) returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Datagram {
    pub from: (Ipv4Addr, u16),
    pub to: Ipv4Addr,
    pub data: Vec<u8>,
}

/// socket(AF_INET, SOCK_DGRAM, 0): unbound until bind(), connect() or the first send.
pub fn socket(k: &mut Kernel, pid: Pid) -> SockId {
    k.sockets.open(pid, SockKind::Udp(UdpSock::default()))
}

fn sock(k: &Kernel, id: SockId) -> Option<UdpSock> {
    match k.sockets.get(id)?.kind {
        SockKind::Udp(u) => Some(u),
        _ => None,
    }
}

fn update(k: &mut Kernel, id: SockId, f: impl FnOnce(&mut UdpSock)) {
    if let Some(SockKind::Udp(u)) = k.sockets.get_mut(id).map(|s| &mut s.kind) {
        f(u);
    }
}

/// setsockopt: IP_TTL, IP_RECVERR and IP_MTU_DISCOVER in one place.
pub fn set_options(k: &mut Kernel, id: SockId, ttl: Option<u8>, recverr: bool, df: bool) {
    update(k, id, |u| {
        u.ttl = ttl;
        u.recverr = recverr;
        u.df = df;
    });
}

/// The local (address, port) of a socket, for netstat and getsockname.
pub fn local(k: &Kernel, id: SockId) -> Option<(Ipv4Addr, u16)> {
    sock(k, id).map(|u| (u.addr, u.port))
}

/// bind(2). Port 0 picks an ephemeral port. Two sockets may not share an address and port
/// (no SO_REUSEADDR in netstep's programs); a wildcard conflicts with every address.
pub fn bind(k: &mut Kernel, id: SockId, addr: Ipv4Addr, port: u16) -> Result<u16, Errno> {
    if !addr.is_unspecified() && !k.devs.is_local(addr) {
        return Err(Errno::AddrNotAvail);
    }
    let port = match port {
        0 => ephemeral_port(k, addr).ok_or(Errno::AddrInUse)?,
        p if port_taken(k, addr, p) => return Err(Errno::AddrInUse),
        p => p,
    };
    update(k, id, |u| {
        u.addr = addr;
        u.port = port;
    });
    Ok(port)
}

fn port_taken(k: &Kernel, addr: Ipv4Addr, port: u16) -> bool {
    k.sockets.iter().any(|(_, s)| match s.kind {
        SockKind::Udp(u) => {
            u.port == port && (u.addr == addr || u.addr.is_unspecified() || addr.is_unspecified())
        }
        _ => false,
    })
}

/// udp_lib_get_port with snum 0: a random start in ip_local_port_range (32768–60999), then
/// the next free port, drawn from the host's seeded RNG so a lab is the same on every run.
fn ephemeral_port(k: &mut Kernel, addr: Ipv4Addr) -> Option<u16> {
    let (lo, hi) = k.sysctl.port_range;
    let (lo, n) = (u32::from(lo), u32::from(hi) - u32::from(lo) + 1);
    let start = k.rng.below(n as u64) as u32;
    (0..n)
        .map(|i| (lo + (start + i) % n) as u16)
        .find(|&p| !port_taken(k, addr, p))
}

/// connect(2) on a datagram socket: fixes the peer, and (ip4_datagram_connect) the source
/// address the route gives, binding a port if there is none. Nothing is sent.
pub fn connect(k: &mut Kernel, id: SockId, dst: Ipv4Addr, port: u16) -> Result<(), Errno> {
    let src = match route_output(k, dst, None)? {
        OutRoute::Local { src } | OutRoute::Remote { src, .. } => src,
    };
    let u = sock(k, id).ok_or(Errno::BadFd)?;
    if u.port == 0 {
        bind(k, id, Ipv4Addr::UNSPECIFIED, 0)?;
    }
    update(k, id, |u| {
        if u.addr.is_unspecified() {
            u.addr = src;
        }
        u.peer = Some((dst, port));
        u.error = None;
    });
    Ok(())
}

/// The largest UDP payload: 65535 - 20 (IP) - 8 (UDP).
pub const MAX_PAYLOAD: usize = super::ip_output::MAX_PACKET - 28;

/// sendto(2) (`to` = None: send(2) on a connected socket). A pending ICMP error is returned
/// first and cleared, as sock_error() does.
pub fn sendto(
    k: &mut Kernel,
    ctx: &mut Ctx,
    id: SockId,
    to: Option<(Ipv4Addr, u16)>,
    data: &[u8],
) -> Result<usize, Errno> {
    let u = sock(k, id).ok_or(Errno::BadFd)?;
    if let Some(e) = take_error(k, id) {
        return Err(e);
    }
    // udp_sendmsg / ip_make_skb: header and data must fit one IPv4 packet (65,507 bytes).
    if data.len() > MAX_PAYLOAD {
        return Err(Errno::MsgSize);
    }
    let (dst, dport) = to.or(u.peer).ok_or(Errno::DestAddrReq)?;
    if u.port == 0 {
        bind(k, id, Ipv4Addr::UNSPECIFIED, 0)?;
    }
    let u = sock(k, id).ok_or(Errno::BadFd)?;
    let src = match (u.addr.is_unspecified(), route_output(k, dst, None)?) {
        (false, _) => u.addr,
        (true, OutRoute::Local { src } | OutRoute::Remote { src, .. }) => src,
    };
    why!(
        ctx,
        "udp",
        "send {} bytes {src}:{} > {dst}:{dport}",
        data.len(),
        u.port
    );
    let datagram = datagram(src, dst, u.port, dport, data);
    let out = IpOut {
        src: Some(src),
        dst,
        proto: 17,
        ttl: u.ttl,
        df: u.df,
        oif: None,
    };
    ip_local_out(k, ctx, out, &datagram)?;
    Ok(data.len())
}

fn take_error(k: &mut Kernel, id: SockId) -> Option<Errno> {
    let e = sock(k, id)?.error;
    update(k, id, |u| u.error = None);
    e
}

/// recvfrom(2), non-blocking: a datagram, a pending error, or None when nothing is queued.
pub fn recvfrom(k: &mut Kernel, id: SockId) -> Option<Result<Datagram, Errno>> {
    if let Some(e) = take_error(k, id) {
        return Some(Err(e));
    }
    loop {
        match k.sockets.recv(id)? {
            Msg::Dgram { from, to, data, .. } => return Some(Ok(Datagram { from, to, data })),
            // IP_RECVERR packets are for programs that read the error queue themselves.
            _ => continue,
        }
    }
}

/// True when recvfrom would return at once (a datagram or an error is waiting).
pub fn readable(k: &Kernel, id: SockId) -> bool {
    k.sockets.has_data(id) || sock(k, id).is_some_and(|u| u.error.is_some())
}

/// A UDP header and data with the checksum over the IPv4 pseudo-header (RFC 768).
pub fn datagram(src: Ipv4Addr, dst: Ipv4Addr, sport: u16, dport: u16, data: &[u8]) -> Vec<u8> {
    let repr = UdpRepr {
        src_port: sport,
        dst_port: dport,
    };
    let mut buf = vec![0u8; repr.header_len() + data.len()];
    repr.emit(
        &mut UdpPacket::new_unchecked(&mut buf[..]),
        &IpAddress::Ipv4(src),
        &IpAddress::Ipv4(dst),
        data.len(),
        |payload| payload.copy_from_slice(data),
        &ChecksumCapabilities::default(),
    );
    buf
}

/// udp4_lib_lookup: the best socket for a datagram to dst:dport from src:sport. Each exact
/// match (bound address, connected peer address and port) scores; a mismatch disqualifies.
fn lookup(k: &Kernel, dst: (Ipv4Addr, u16), src: (Ipv4Addr, u16)) -> Option<SockId> {
    let score = |u: &UdpSock| -> Option<u32> {
        if u.port != dst.1 {
            return None;
        }
        let mut score = 1;
        if !u.addr.is_unspecified() {
            if u.addr != dst.0 {
                return None;
            }
            score += 4;
        }
        if let Some(peer) = u.peer {
            if peer != src {
                return None;
            }
            score += 8;
        }
        Some(score)
    };
    let mut best: Option<(u32, SockId)> = None;
    for (id, s) in k.sockets.iter() {
        if let SockKind::Udp(u) = &s.kind {
            if let Some(sc) = score(u) {
                // The first socket wins a tie: the table is in creation order.
                if best.is_none_or(|(b, _)| sc > b) {
                    best = Some((sc, *id));
                }
            }
        }
    }
    best.map(|(_, id)| id)
}

/// udp_rcv: check the datagram, find its socket, or answer port unreachable.
pub fn udp_rcv(k: &mut Kernel, ctx: &mut Ctx, pkt: &[u8], broadcast: bool) {
    let ip = Ipv4Packet::new_unchecked(pkt);
    let (src, dst) = (ip.src_addr(), ip.dst_addr());
    let Ok(udp) = UdpPacket::new_checked(ip.payload()) else {
        why!(ctx, "udp", "truncated UDP datagram from {src}: dropped");
        return;
    };
    if udp.checksum() != 0 && !udp.verify_checksum(&IpAddress::Ipv4(src), &IpAddress::Ipv4(dst)) {
        why!(
            ctx,
            "udp",
            "bad UDP checksum from {src}: dropped (InCsumErrors)"
        );
        return;
    }
    let (sport, dport) = (udp.src_port(), udp.dst_port());
    let Some(id) = lookup(k, (dst, dport), (src, sport)) else {
        if broadcast {
            why!(
                ctx,
                "udp",
                "broadcast to port {dport}: nobody listens, dropped"
            );
        } else {
            why!(
                ctx,
                "udp",
                "nothing listens on UDP port {dport}: port unreachable"
            );
            icmp::send_error(k, ctx, pkt, icmp::DEST_UNREACH, icmp::PORT_UNREACH);
        }
        return;
    };
    let msg = Msg::Dgram {
        at: ctx.now,
        from: (src, sport),
        to: dst,
        data: udp.payload().to_vec(),
    };
    if k.sockets.queue(id, msg) {
        why!(
            ctx,
            "udp",
            "datagram {src}:{sport} > {dst}:{dport} to its socket"
        );
    } else {
        why!(
            ctx,
            "udp",
            "receive queue full: datagram dropped (RcvbufErrors)"
        );
    }
}

/// __udp4_lib_err: an ICMP error quoting a datagram we sent from `local` to `remote`.
/// Returns whether a socket was told.
pub fn err_rcv(
    k: &mut Kernel,
    ctx: &mut Ctx,
    pkt: &[u8],
    local: (Ipv4Addr, u16),
    remote: (Ipv4Addr, u16),
    icmp_type: u8,
    code: u8,
) -> bool {
    let Some(id) = lookup(k, local, remote) else {
        return false;
    };
    let Some(u) = sock(k, id) else {
        return false;
    };
    if u.recverr {
        let msg = Msg::Ip {
            at: ctx.now,
            packet: pkt.to_vec(),
        };
        return k.sockets.queue(id, msg);
    }
    if u.peer.is_none() {
        // Linux reports errors only to connected sockets (RFC 1122 4.1.3.3 leaves it open).
        return false;
    }
    // Only hard errors reach a socket without IP_RECVERR (icmp_err_convert's `fatal`): port
    // unreachable is one; net/host unreachable and time exceeded may be transient.
    if (icmp_type, code) != (icmp::DEST_UNREACH, icmp::PORT_UNREACH) {
        return false;
    }
    update(k, id, |u| u.error = Some(Errno::ConnRefused));
    true
}

#[cfg(test)]
#[path = "udp_tests.rs"]
mod tests;
