//! Raw IP sockets (net/ipv4/raw.c): `socket(AF_INET, SOCK_RAW, proto)`. keepalived sends and
//! receives its VRRP adverts (IP protocol 112) on them.
//!
//! Input: every packet of the socket's protocol that this host delivers locally is copied,
//! IP header and all, to each matching raw socket *before* the protocol's own handler runs
//! (raw_local_deliver). A protocol the kernel has no handler for counts as delivered when a
//! raw socket took it, so no "protocol unreachable" goes back. Output with IP_HDRINCL: the
//! program wrote the header itself; the kernel fills in the total length, an id when it is
//! 0, and the checksum (raw_send_hdrinc), then routes it like any packet.

use super::ip_output::{self, Errno, OutRoute};
use super::socket::{Msg, Pid, SockId, SockKind};
use super::Kernel;
use crate::sim::{Ctx, Time};
use crate::why;
use smoltcp::wire::Ipv4Packet;
use std::net::Ipv4Addr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawSock {
    pub proto: u8,
    /// SO_BINDTODEVICE: only packets that came in on this device, and output through it.
    pub dev: Option<usize>,
    /// IP_MULTICAST_LOOP: whether our own multicast comes back to this host's sockets. On by
    /// default, as in Linux; keepalived turns it off.
    pub mc_loop: bool,
}

pub fn socket(k: &mut Kernel, pid: Pid, proto: u8) -> SockId {
    let raw = RawSock {
        proto,
        dev: None,
        mc_loop: true,
    };
    k.sockets.open(pid, SockKind::Raw(raw))
}

fn raw_mut(k: &mut Kernel, id: SockId) -> Option<&mut RawSock> {
    match k.sockets.get_mut(id).map(|s| &mut s.kind) {
        Some(SockKind::Raw(r)) => Some(r),
        _ => None,
    }
}

fn raw(k: &Kernel, id: SockId) -> Option<RawSock> {
    match k.sockets.get(id).map(|s| s.kind) {
        Some(SockKind::Raw(r)) => Some(r),
        _ => None,
    }
}

/// setsockopt(SO_BINDTODEVICE).
pub fn bind_device(k: &mut Kernel, id: SockId, dev: usize) -> Result<(), Errno> {
    if k.devs.get(dev).is_none() {
        return Err(Errno::NoDev);
    }
    let r = raw_mut(k, id).ok_or(Errno::BadFd)?;
    r.dev = Some(dev);
    Ok(())
}

/// setsockopt(IP_MULTICAST_LOOP).
pub fn set_mc_loop(k: &mut Kernel, id: SockId, on: bool) {
    if let Some(r) = raw_mut(k, id) {
        r.mc_loop = on;
    }
}

/// raw_local_deliver: copies a packet that arrived on `dev` to the raw sockets of its
/// protocol. True when some socket took it.
pub fn raw_local_deliver(k: &mut Kernel, ctx: &mut Ctx, dev: usize, pkt: &[u8]) -> bool {
    if !k.sockets.has_raw() {
        return false;
    }
    let proto = u8::from(Ipv4Packet::new_unchecked(pkt).next_header());
    let takers: Vec<SockId> = k
        .sockets
        .iter()
        .filter(|(_, s)| {
            matches!(s.kind, SockKind::Raw(r) if r.proto == proto && r.dev.is_none_or(|d| d == dev))
        })
        .map(|(id, _)| *id)
        .collect();
    for id in &takers {
        let msg = Msg::Ip {
            at: ctx.now,
            packet: pkt.to_vec(),
        };
        if !k.sockets.queue(*id, msg) {
            why!(ctx, "raw", "socket receive queue full: packet dropped");
        }
    }
    !takers.is_empty()
}

/// recvfrom(): the next packet with its IP header, and when it arrived.
pub fn recv(k: &mut Kernel, id: SockId) -> Option<(Time, Vec<u8>)> {
    match k.sockets.recv(id)? {
        Msg::Ip { at, packet } => Some((at, packet)),
        _ => None,
    }
}

/// sendto() on an IP_HDRINCL socket: `pkt` is a whole IPv4 packet the program built.
pub fn send_hdrincl(
    k: &mut Kernel,
    ctx: &mut Ctx,
    id: SockId,
    mut pkt: Vec<u8>,
) -> Result<(), Errno> {
    let sock = raw(k, id).ok_or(Errno::BadFd)?;
    if pkt.len() < 20 || pkt.len() > u16::MAX as usize || pkt[0] >> 4 != 4 || (pkt[0] & 0x0f) < 5 {
        return Err(Errno::Inval);
    }
    let total = pkt.len() as u16;
    let id_field = k.next_ip_id();
    let mut p = Ipv4Packet::new_unchecked(&mut pkt[..]);
    p.set_total_len(total);
    if p.ident() == 0 {
        p.set_ident(id_field);
    }
    let dst = p.dst_addr();
    let route = ip_output::route_output(k, dst, sock.dev)?;
    match route {
        OutRoute::Local { .. } => ip_output::local_out(k, ctx, finish(pkt), route, sock.dev)?,
        OutRoute::Remote { dev, src, .. } => {
            let mut p = Ipv4Packet::new_unchecked(&mut pkt[..]);
            if p.src_addr().is_unspecified() {
                p.set_src_addr(src);
            }
            let pkt = finish(pkt);
            if dst.is_multicast() && sock.mc_loop && k.sockets.is_member(dev, dst) {
                k.backlog.push_back((dev, pkt.clone()));
            }
            ip_output::local_out(k, ctx, pkt, route, sock.dev)?;
        }
    }
    Ok(())
}

/// The header checksum over what the program wrote.
fn finish(mut pkt: Vec<u8>) -> Vec<u8> {
    Ipv4Packet::new_unchecked(&mut pkt[..]).fill_checksum();
    pkt
}

/// IP_ADD_MEMBERSHIP on `dev` for `group`.
pub fn join(k: &mut Kernel, id: SockId, dev: usize, group: Ipv4Addr) -> Result<(), Errno> {
    if !group.is_multicast() {
        return Err(Errno::Inval);
    }
    if k.devs.get(dev).is_none() {
        return Err(Errno::NoDev);
    }
    if k.sockets.join(id, dev, group) {
        Ok(())
    } else {
        Err(Errno::AddrInUse)
    }
}

/// IP_DROP_MEMBERSHIP.
pub fn leave(k: &mut Kernel, id: SockId, dev: usize, group: Ipv4Addr) -> Result<(), Errno> {
    if k.sockets.leave(id, dev, group) {
        Ok(())
    } else {
        Err(Errno::AddrNotAvail)
    }
}

#[cfg(test)]
#[path = "raw_tests.rs"]
mod tests;
