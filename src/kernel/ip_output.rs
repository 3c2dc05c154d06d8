//! IPv4 output (net/ipv4/ip_output.c, route.c's output path): route a locally generated
//! packet, pick its source address, build the header, and hand it to the neighbour layer.

use super::arp;
use super::fib::FibResult;
use super::netfilter::{nf_hook, Hook, Skb, Verdict};
use super::Kernel;
use crate::sim::Ctx;
use crate::why;
use smoltcp::wire::{IpProtocol, Ipv4Packet};
use std::net::Ipv4Addr;

/// The largest IPv4 packet: its total length is a 16-bit field.
pub const MAX_PACKET: usize = 65_535;

/// Errors a socket sees when it sends (errno names as strerror prints them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Errno {
    /// ENETUNREACH: no route.
    NetUnreach,
    /// EHOSTUNREACH: a reject route, or failed ARP.
    HostUnreach,
    /// EADDRNOTAVAIL: a source address that is not ours.
    AddrNotAvail,
    /// ENODEV: an interface that does not exist.
    NoDev,
    ConnRefused,
    ConnReset,
    TimedOut,
    AddrInUse,
    Pipe,
    BadFd,
    /// EDESTADDRREQ: send() on an unconnected datagram socket.
    DestAddrReq,
    /// EINVAL.
    Inval,
    /// ENETDOWN: the device is down.
    NetDown,
    /// EAGAIN: a full queue.
    Again,
    /// EMSGSIZE: the datagram would not fit an IPv4 packet.
    MsgSize,
    /// EPERM: netfilter dropped the packet on its way out.
    Perm,
}

impl Errno {
    pub fn message(self) -> &'static str {
        match self {
            Errno::NetUnreach => "Network is unreachable",
            Errno::HostUnreach => "No route to host",
            Errno::AddrNotAvail => "Cannot assign requested address",
            Errno::NoDev => "No such device",
            Errno::ConnRefused => "Connection refused",
            Errno::ConnReset => "Connection reset by peer",
            Errno::TimedOut => "Connection timed out",
            Errno::AddrInUse => "Address already in use",
            Errno::Pipe => "Broken pipe",
            Errno::BadFd => "Bad file descriptor",
            Errno::DestAddrReq => "Destination address required",
            Errno::Inval => "Invalid argument",
            Errno::NetDown => "Network is down",
            Errno::Again => "Resource temporarily unavailable",
            Errno::MsgSize => "Message too long",
            Errno::Perm => "Operation not permitted",
        }
    }
}

/// How to send one packet: what a socket knows when it calls sendmsg.
#[derive(Clone, Copy, Debug)]
pub struct IpOut {
    pub src: Option<Ipv4Addr>,
    pub dst: Ipv4Addr,
    pub proto: u8,
    /// None: net.ipv4.ip_default_ttl.
    pub ttl: Option<u8>,
    pub df: bool,
    /// SO_BINDTODEVICE (`ping -I eth0`).
    pub oif: Option<usize>,
}

impl IpOut {
    /// An ICMP message from the kernel itself: default TTL, no DF, routed normally.
    pub fn icmp(src: Option<Ipv4Addr>, dst: Ipv4Addr) -> IpOut {
        IpOut {
            src,
            dst,
            proto: 1,
            ttl: None,
            df: false,
            oif: None,
        }
    }
}

/// The outcome of an output route lookup.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OutRoute {
    Local {
        src: Ipv4Addr,
    },
    Remote {
        dev: usize,
        nexthop: Ipv4Addr,
        src: Ipv4Addr,
    },
}

/// ip_route_output: where a packet to `dst` goes and which source address it gets.
pub fn route_output(k: &Kernel, dst: Ipv4Addr, oif: Option<usize>) -> Result<OutRoute, Errno> {
    if let (Some(dev), true) = (oif, dst.is_multicast() || dst.is_broadcast()) {
        return route_link_scope(k, dst, dev);
    }
    if let Some(dev) = oif {
        return route_bound(k, dst, dev);
    }
    match k.fib.lookup(&k.devs, dst) {
        FibResult::Local => Ok(OutRoute::Local { src: dst }),
        FibResult::Unicast {
            dev, nexthop, src, ..
        } => {
            let src = src
                .or_else(|| k.devs.select_addr(dev, nexthop))
                .ok_or(Errno::NetUnreach)?;
            Ok(OutRoute::Remote { dev, nexthop, src })
        }
        FibResult::Unreachable { .. } => Err(Errno::HostUnreach),
        FibResult::NoRoute => Err(Errno::NetUnreach),
    }
}

/// Multicast or limited broadcast out of a chosen device needs no route: it goes on that
/// link, from the device's own address (ip_route_output_key_hash_rcu's link-scope case).
fn route_link_scope(k: &Kernel, dst: Ipv4Addr, dev: usize) -> Result<OutRoute, Errno> {
    let d = k.devs.get(dev).ok_or(Errno::NoDev)?;
    let src = d
        .primaries()
        .next()
        .map(|a| a.addr)
        .or_else(|| k.devs.select_addr(dev, dst))
        .unwrap_or(Ipv4Addr::UNSPECIFIED);
    Ok(OutRoute::Remote {
        dev,
        nexthop: dst,
        src,
    })
}

/// With SO_BINDTODEVICE only routes through that device count.
fn route_bound(k: &Kernel, dst: Ipv4Addr, dev: usize) -> Result<OutRoute, Errno> {
    let d = k.devs.get(dev).ok_or(Errno::NoDev)?;
    if d.addrs.iter().any(|a| a.addr == dst) {
        return Ok(OutRoute::Local { src: dst });
    }
    let route = k
        .fib
        .routes(&k.devs)
        .into_iter()
        .filter(|r| r.dev == Some(dev) && r.contains(dst))
        .min_by_key(|r| (std::cmp::Reverse(r.prefix), r.metric))
        .ok_or(Errno::NetUnreach)?;
    let nexthop = route.gw.unwrap_or(dst);
    let src = route
        .src
        .or_else(|| k.devs.select_addr(dev, nexthop))
        .ok_or(Errno::NetUnreach)?;
    Ok(OutRoute::Remote { dev, nexthop, src })
}

/// Builds an IPv4 header around `payload`. The id counts up per host from a random start.
pub fn build(k: &mut Kernel, src: Ipv4Addr, out: &IpOut, payload: &[u8]) -> Vec<u8> {
    let ttl = out.ttl.unwrap_or(k.sysctl.default_ttl);
    let mut buf = vec![0u8; 20 + payload.len()];
    let mut p = Ipv4Packet::new_unchecked(&mut buf[..]);
    p.set_version(4);
    p.set_header_len(20);
    // ip_local_out refused anything longer, so the length fits.
    p.set_total_len(u16::try_from(20 + payload.len()).unwrap_or(u16::MAX));
    p.set_ident(k.next_ip_id());
    p.clear_flags();
    p.set_dont_frag(out.df);
    p.set_hop_limit(ttl);
    p.set_next_header(IpProtocol::from(out.proto));
    p.set_src_addr(src);
    p.set_dst_addr(out.dst);
    p.fill_checksum();
    buf[20..].copy_from_slice(payload);
    buf
}

/// ip_local_out: route, build and send a packet of our own. Local destinations loop back
/// through `lo`.
pub fn ip_local_out(
    k: &mut Kernel,
    ctx: &mut Ctx,
    out: IpOut,
    payload: &[u8],
) -> Result<(), Errno> {
    // ip_append_data: an IPv4 packet's total length is 16 bits.
    if 20 + payload.len() > MAX_PACKET {
        why!(
            ctx,
            "ip",
            "{} bytes do not fit an IPv4 packet: EMSGSIZE",
            20 + payload.len()
        );
        return Err(Errno::MsgSize);
    }
    let route = route_output(k, out.dst, out.oif);
    let route = match route {
        Ok(r) => r,
        Err(e) => {
            why!(ctx, "ip", "no way to {}: {}", out.dst, e.message());
            return Err(e);
        }
    };
    if let Some(src) = out.src {
        if !k.devs.is_local(src) {
            return Err(Errno::AddrNotAvail);
        }
    }
    let src = match route {
        OutRoute::Local { src } => out.src.unwrap_or(src),
        OutRoute::Remote { dev, nexthop, src } => {
            let src = out.src.unwrap_or(src);
            if ctx.explain {
                let via = match nexthop == out.dst {
                    true => String::new(),
                    false => format!(" via {nexthop}"),
                };
                let dev_name = k.dev_name(dev);
                why!(
                    ctx,
                    "ip",
                    "route to {}{via} dev {dev_name}, src {src}",
                    out.dst
                );
            }
            src
        }
    };
    let pkt = build(k, src, &out, payload);
    local_out(k, ctx, pkt, route, out.oif)
}

/// Sends a whole IPv4 packet the kernel built itself (a REJECT's reset), routed by its
/// destination.
pub fn ip_local_out_packet(k: &mut Kernel, ctx: &mut Ctx, pkt: Vec<u8>) {
    let dst = Ipv4Packet::new_unchecked(&pkt[..]).dst_addr();
    match route_output(k, dst, None) {
        Ok(route) => {
            let _ = local_out(k, ctx, pkt, route, None);
        }
        Err(e) => why!(ctx, "ip", "no way to {dst}: {}", e.message()),
    }
}

/// __ip_local_out: the LOCAL_OUT hook (conntrack, the OUTPUT chains, destination NAT), a
/// new route if NAT moved the destination (ip_route_me_harder), then out.
pub fn local_out(
    k: &mut Kernel,
    ctx: &mut Ctx,
    pkt: Vec<u8>,
    route: OutRoute,
    oif: Option<usize>,
) -> Result<(), Errno> {
    if k.nf.idle() {
        dispatch(k, ctx, route, Skb::owned(pkt));
        return Ok(());
    }
    let dst = Ipv4Packet::new_unchecked(&pkt[..]).dst_addr();
    let mut skb = Skb::owned(pkt);
    skb.oif = Some(out_dev(route));
    match nf_hook(k, ctx, Hook::LocalOut, &mut skb) {
        Verdict::Accept => {}
        Verdict::Drop => return Err(Errno::Perm),
        Verdict::Stolen => return Ok(()),
    }
    let now_dst = skb.dst();
    let route = match now_dst == dst {
        true => route,
        false => route_output(k, now_dst, oif)?,
    };
    dispatch(k, ctx, route, skb);
    Ok(())
}

fn out_dev(route: OutRoute) -> usize {
    match route {
        OutRoute::Local { .. } => super::netdev::LO,
        OutRoute::Remote { dev, .. } => dev,
    }
}

/// dst_output: through `lo` back to ourselves, or toward the next hop.
fn dispatch(k: &mut Kernel, ctx: &mut Ctx, route: OutRoute, skb: Skb) {
    match route {
        OutRoute::Local { .. } => {
            let mut skb = skb;
            skb.oif = Some(super::netdev::LO);
            if nf_hook(k, ctx, Hook::PostRouting, &mut skb) == Verdict::Accept {
                loopback(k, skb.data.into_owned());
            }
        }
        OutRoute::Remote { dev, nexthop, .. } => ip_output(k, ctx, dev, nexthop, skb),
    }
}

/// ip_output: POST_ROUTING (source NAT, conntrack confirm), then the neighbour layer.
pub fn ip_output(k: &mut Kernel, ctx: &mut Ctx, dev: usize, nexthop: Ipv4Addr, mut skb: Skb) {
    skb.oif = Some(dev);
    if nf_hook(k, ctx, Hook::PostRouting, &mut skb) != Verdict::Accept {
        return;
    }
    send_via(k, ctx, dev, nexthop, skb.data.into_owned());
}

/// Hands a finished packet to the neighbour layer (ip_finish_output2).
pub fn send_via(k: &mut Kernel, ctx: &mut Ctx, dev: usize, nexthop: Ipv4Addr, pkt: Vec<u8>) {
    arp::neigh_output(k, ctx, dev, nexthop, pkt);
}

/// The loopback device: the packet comes back in on `lo` once the current work is done.
pub fn loopback(k: &mut Kernel, pkt: Vec<u8>) {
    if let Some(lo) = k.devs.get_mut(1) {
        lo.stats.tx_packets += 1;
        lo.stats.tx_bytes += pkt.len() as u64;
        lo.stats.rx_packets += 1;
        lo.stats.rx_bytes += pkt.len() as u64;
    }
    k.backlog.push_back((1, pkt));
}
