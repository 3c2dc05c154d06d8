//! The IPVS transmitters (net/netfilter/ipvs/ip_vs_xmit.c), lvs.md §2:
//! * DR: the IP packet is untouched but for TTL−1; routed toward the real server, so only the
//!   Ethernet destination changes (the real server's MAC);
//! * NAT: destination address and port become the real server's, checksums updated; the
//!   reply's source goes back to the VIP and virtual port at FORWARD (`snat`);
//! * TUN: the packet (TTL−1) inside a new IPv4 header, protocol 4, from the director's address
//!   toward the real server, TTL and DF copied from the inner packet.
//!
//! A DF packet too big for the route's MTU (less the outer header for TUN) gets ICMP
//! fragmentation needed back to the client instead (ensure_mtu_is_adequate).

use super::conn::Conn;
use super::ctl::{Method, Proto};
use crate::kernel::ip_output::{self, route_output, IpOut, OutRoute};
use crate::kernel::{icmp, ip_input, Kernel};
use crate::sim::Ctx;
use crate::why;
use smoltcp::wire::{IpAddress, IpProtocol, Ipv4Packet, TcpPacket, UdpPacket};
use std::net::Ipv4Addr;

/// Sends a client's packet on to the connection's real server.
pub fn transmit(k: &mut Kernel, ctx: &mut Ctx, c: &Conn, pkt: &[u8]) {
    let ttl = Ipv4Packet::new_unchecked(pkt).hop_limit();
    if ttl <= 1 {
        why!(ctx, "ipvs", "TTL {ttl} expires here: time exceeded");
        icmp::send_error(k, ctx, pkt, icmp::TIME_EXCEEDED, 0);
        return;
    }
    let mut out = pkt.to_vec();
    let mut p = Ipv4Packet::new_unchecked(&mut out[..]);
    p.set_hop_limit(ttl - 1);
    p.fill_checksum();
    match c.method {
        Method::Route => dr(k, ctx, c, out),
        Method::Masq => nat(k, ctx, c, out),
        Method::Tunnel => tun(k, ctx, c, out),
    }
}

/// Where a packet to the real server leaves: (device, next hop), or None (already said why).
fn route(
    k: &mut Kernel,
    ctx: &mut Ctx,
    c: &Conn,
    pkt: &[u8],
) -> Option<(usize, Ipv4Addr, Ipv4Addr)> {
    match route_output(k, c.daddr, None) {
        Ok(OutRoute::Remote { dev, nexthop, src }) => Some((dev, nexthop, src)),
        Ok(OutRoute::Local { .. }) => {
            // A destination on the director itself (Forward "Local"): deliver here.
            why!(
                ctx,
                "ipvs",
                "real server {} is this host: local delivery",
                c.daddr
            );
            ip_input::ip_local_deliver(k, ctx, 1, pkt, false);
            None
        }
        Err(e) => {
            why!(
                ctx,
                "ipvs",
                "no route to real server {}: {}",
                c.daddr,
                e.message()
            );
            None
        }
    }
}

/// ensure_mtu_is_adequate: whether `pkt` plus `overhead` bytes of outer header fits the
/// device's MTU. A DF packet that does not gets ICMP fragmentation needed (never rate
/// limited), from the VIP it was sent to; without DF the kernel would fragment, netstep drops.
fn fits(k: &mut Kernel, ctx: &mut Ctx, dev: usize, overhead: usize, pkt: &[u8]) -> bool {
    let mtu = k.devs.get(dev).map_or(1500, |d| d.mtu as usize);
    let mtu = mtu.saturating_sub(overhead);
    if pkt.len() <= mtu {
        return true;
    }
    let p = Ipv4Packet::new_unchecked(pkt);
    if !p.dont_frag() {
        why!(
            ctx,
            "ipvs",
            "{} bytes > MTU {mtu}: netstep does not fragment, dropped",
            pkt.len()
        );
        return false;
    }
    why!(
        ctx,
        "ipvs",
        "{} bytes > MTU {mtu} and DF set: fragmentation needed to {}",
        pkt.len(),
        p.src_addr()
    );
    let mut rest = [0u8; 4];
    rest[2..].copy_from_slice(&(mtu.min(u16::MAX as usize) as u16).to_be_bytes());
    let msg = icmp::build(icmp::DEST_UNREACH, 4, rest, &pkt[..pkt.len().min(548)]);
    let from = k.devs.is_local(p.dst_addr()).then_some(p.dst_addr());
    let _ = ip_output::ip_local_out(k, ctx, IpOut::icmp(from, p.src_addr()), &msg);
    false
}

fn dr(k: &mut Kernel, ctx: &mut Ctx, c: &Conn, pkt: Vec<u8>) {
    let Some((dev, nexthop, _)) = route(k, ctx, c, &pkt) else {
        return;
    };
    if !fits(k, ctx, dev, 0, &pkt) {
        return;
    }
    if ctx.explain {
        let name = k.dev_name(dev);
        let mac = k.neigh.find(dev, nexthop).and_then(|n| n.mac).map_or_else(
            || "(to be resolved)".to_string(),
            |m| crate::kernel::netdev::fmt_mac(&m),
        );
        let note = match nexthop == c.daddr {
            true => String::new(),
            false => format!(" (through gateway {nexthop}: DR needs the real server on the LAN)"),
        };
        why!(
            ctx,
            "ipvs",
            "DR: dst MAC → {mac} ({nexthop}) on {name}; IP header untouched but TTL{note}"
        );
    }
    ip_output::send_via(k, ctx, dev, nexthop, pkt);
}

fn nat(k: &mut Kernel, ctx: &mut Ctx, c: &Conn, orig: Vec<u8>) {
    let mut pkt = orig.clone();
    rewrite(&mut pkt, c.proto, None, Some((c.daddr, c.dport)));
    why!(
        ctx,
        "ipvs",
        "NAT: dst {}:{} → {}:{}, checksums updated",
        c.vaddr,
        c.vport,
        c.daddr,
        c.dport
    );
    if let Some((dev, nexthop, _)) = route(k, ctx, c, &pkt) {
        // The client hears about its own packet, to the VIP.
        if fits(k, ctx, dev, 0, &orig) {
            ip_output::send_via(k, ctx, dev, nexthop, pkt);
        }
    }
}

fn tun(k: &mut Kernel, ctx: &mut Ctx, c: &Conn, inner: Vec<u8>) {
    let Some((dev, nexthop, src)) = route(k, ctx, c, &inner) else {
        return;
    };
    if !fits(k, ctx, dev, 20, &inner) {
        return;
    }
    if inner.len() + 20 > ip_output::MAX_PACKET {
        why!(
            ctx,
            "ipvs",
            "TUN: {} bytes with the outer header pass 65535: dropped",
            inner.len() + 20
        );
        return;
    }
    let p = Ipv4Packet::new_unchecked(&inner[..]);
    let (ttl, df) = (p.hop_limit(), p.dont_frag());
    let mut outer = vec![0u8; 20];
    outer.extend_from_slice(&inner);
    let total = u16::try_from(outer.len()).unwrap_or(u16::MAX);
    let id = k.next_ip_id();
    let mut o = Ipv4Packet::new_unchecked(&mut outer[..]);
    o.set_version(4);
    o.set_header_len(20);
    o.set_total_len(total);
    o.set_ident(id);
    o.clear_flags();
    o.set_dont_frag(df);
    o.set_hop_limit(ttl);
    o.set_next_header(IpProtocol::from(4u8));
    o.set_src_addr(src);
    o.set_dst_addr(c.daddr);
    o.fill_checksum();
    why!(ctx, "ipvs", "TUN: encapsulate in IPIP {src} → {}", c.daddr);
    ip_output::send_via(k, ctx, dev, nexthop, outer);
}

/// A NAT reply: source address and port back to the VIP and virtual port.
pub fn snat(ctx: &mut Ctx, c: &Conn, pkt: &[u8]) -> Vec<u8> {
    let mut out = pkt.to_vec();
    rewrite(&mut out, c.proto, Some((c.vaddr, c.vport)), None);
    why!(
        ctx,
        "ipvs",
        "NAT reply: src {}:{} → {}:{}, checksums updated",
        c.daddr,
        c.dport,
        c.vaddr,
        c.vport
    );
    out
}

/// Replaces the source and/or destination address and port, then recomputes the L4 and IP
/// checksums (the kernel patches them incrementally; the result is the same).
fn rewrite(
    pkt: &mut [u8],
    proto: Proto,
    src: Option<(Ipv4Addr, u16)>,
    dst: Option<(Ipv4Addr, u16)>,
) {
    let mut ip = Ipv4Packet::new_unchecked(&mut pkt[..]);
    if let Some((a, _)) = src {
        ip.set_src_addr(a);
    }
    if let Some((a, _)) = dst {
        ip.set_dst_addr(a);
    }
    ip.fill_checksum();
    let (s, d) = (
        IpAddress::Ipv4(ip.src_addr()),
        IpAddress::Ipv4(ip.dst_addr()),
    );
    let hl = ip.header_len() as usize;
    let total = (ip.total_len() as usize).min(pkt.len());
    let Some(l4) = pkt.get_mut(hl..total) else {
        return;
    };
    match proto {
        Proto::Tcp => {
            let mut t = TcpPacket::new_unchecked(l4);
            if let Some((_, p)) = src {
                t.set_src_port(p);
            }
            if let Some((_, p)) = dst {
                t.set_dst_port(p);
            }
            t.fill_checksum(&s, &d);
        }
        Proto::Udp => {
            let mut u = UdpPacket::new_unchecked(l4);
            if let Some((_, p)) = src {
                u.set_src_port(p);
            }
            if let Some((_, p)) = dst {
                u.set_dst_port(p);
            }
            u.fill_checksum(&s, &d);
        }
        Proto::Ip => {} // templates only: never a packet
    }
}

#[cfg(test)]
#[path = "xmit_tests.rs"]
mod tests;
