//! IPv4 input (net/ipv4/ip_input.c): check the header, then deliver locally, forward, or drop.

use super::arp::PktType;
use super::netfilter::{nf_hook, Hook, Skb, Verdict};
use super::{icmp, ip_forward, tcp_ipv4, Kernel};
use crate::sim::Ctx;
use crate::why;
use smoltcp::wire::Ipv4Packet;
use std::net::Ipv4Addr;

/// ip_rcv: an IPv4 packet arrived on `dev` (`pkt_type` says how the frame was addressed;
/// `mac` is the Ethernet header it came in, for `-m mac` and LOG).
pub fn ip_rcv(
    k: &mut Kernel,
    ctx: &mut Ctx,
    dev: usize,
    pkt_type: PktType,
    data: &[u8],
    mac: Option<&[u8]>,
) {
    let Some(pkt) = checked_packet(ctx, data) else {
        return;
    };
    let mut skb = Skb::new(pkt);
    skb.iif = Some(dev);
    skb.mac = mac.and_then(|m| m.get(..14));
    if nf_hook(k, ctx, Hook::PreRouting, &mut skb) != Verdict::Accept {
        return;
    }
    ip_rcv_finish(k, ctx, dev, pkt_type, skb);
}

/// ip_rcv_finish: the routing decision, on the packet as PRE_ROUTING left it (a DNAT
/// mapping may have changed where it goes).
fn ip_rcv_finish(k: &mut Kernel, ctx: &mut Ctx, dev: usize, pkt_type: PktType, skb: Skb) {
    let dst = skb.dst();
    if k.sysctl.rp_filter_any && !fib_validate_source(k, ctx, dev, &skb.data) {
        return;
    }
    if dst.is_multicast() {
        ip_rcv_multicast(k, ctx, dev, skb, dst);
        return;
    }
    let broadcast = k.devs.is_broadcast(dst);
    if k.devs.is_local(dst) || broadcast {
        local_in(k, ctx, dev, skb, broadcast);
        return;
    }
    if pkt_type != PktType::Host {
        why!(
            ctx,
            "ip",
            "link-layer broadcast for {dst}, which is not ours: dropped"
        );
        return;
    }
    let name = k.dev_name(dev);
    if !k.sysctl.forwarding(&name) {
        why!(ctx, "ip", "{dst} is not ours and ip_forward=0: dropped");
        return;
    }
    ip_forward::ip_forward(k, ctx, dev, skb);
}

/// A packet this host sent itself, back in on `dev` (lo, or the device of a looped-back
/// multicast): PRE_ROUTING and LOCAL_IN see it as they see any other.
pub fn ip_rcv_looped(k: &mut Kernel, ctx: &mut Ctx, dev: usize, pkt: &[u8]) {
    let dst = Ipv4Packet::new_unchecked(pkt).dst_addr();
    let broadcast = dst.is_multicast() || k.devs.is_broadcast(dst);
    let mut skb = Skb::new(pkt);
    skb.iif = Some(dev);
    if nf_hook(k, ctx, Hook::PreRouting, &mut skb) != Verdict::Accept {
        return;
    }
    local_in(k, ctx, dev, skb, broadcast);
}

/// ip_local_deliver: LOCAL_IN (the filter table's INPUT, IPVS, source NAT, conntrack
/// confirm), then the protocols.
fn local_in(k: &mut Kernel, ctx: &mut Ctx, dev: usize, mut skb: Skb, broadcast: bool) {
    if nf_hook(k, ctx, Hook::LocalIn, &mut skb) != Verdict::Accept {
        return;
    }
    ip_local_deliver(k, ctx, dev, &skb.data, broadcast);
}

/// A multicast packet is for this host when some socket joined its group on the device it
/// came in on (ip_check_mc_rcu); a host without multicast routing never forwards it.
fn ip_rcv_multicast(k: &mut Kernel, ctx: &mut Ctx, dev: usize, skb: Skb, group: Ipv4Addr) {
    if k.sockets.is_member(dev, group) {
        local_in(k, ctx, dev, skb, true);
    } else {
        why!(
            ctx,
            "ip",
            "multicast {group}: no socket joined it on {}: dropped",
            k.dev_name(dev)
        );
    }
}

/// rp_filter (fib_validate_source): 1 (strict) wants the route back to the source to leave by
/// the device the packet came in on; 2 (loose) wants any route back; 0 checks nothing.
fn fib_validate_source(k: &Kernel, ctx: &mut Ctx, dev: usize, pkt: &[u8]) -> bool {
    let src = Ipv4Packet::new_unchecked(pkt).src_addr();
    let name = k.dev_name(dev);
    let mode = k.sysctl.conf_max(&name, "rp_filter");
    if mode == 0 || src.is_unspecified() || k.devs.is_local(src) {
        return true;
    }
    let back = match k.fib.lookup(&k.devs, src) {
        super::fib::FibResult::Unicast { dev: out, .. } => Some(out),
        _ => None,
    };
    let ok = match mode {
        1 => back == Some(dev),
        _ => back.is_some(),
    };
    if !ok {
        why!(
            ctx,
            "ip",
            "rp_filter={mode} on {name}: the route back to {src} does not leave by {name}: dropped"
        );
    }
    ok
}

/// Validates version, header length, checksum and total length; returns the packet without
/// Ethernet padding.
fn checked_packet<'a>(ctx: &mut Ctx, data: &'a [u8]) -> Option<&'a [u8]> {
    let Ok(p) = Ipv4Packet::new_checked(data) else {
        why!(ctx, "ip", "truncated or malformed IPv4 header: dropped");
        return None;
    };
    if p.version() != 4 {
        why!(ctx, "ip", "IP version {} is not 4: dropped", p.version());
        return None;
    }
    if !p.verify_checksum() {
        why!(ctx, "ip", "bad IP header checksum: dropped");
        return None;
    }
    data.get(..p.total_len() as usize)
}

/// ip_local_deliver_finish: hand the packet that came in on `dev` to the raw sockets of its
/// protocol, then to the protocol itself. `broadcast` covers multicast too: neither is
/// answered with ICMP errors or taken by TCP.
pub fn ip_local_deliver(k: &mut Kernel, ctx: &mut Ctx, dev: usize, pkt: &[u8], broadcast: bool) {
    let p = Ipv4Packet::new_unchecked(pkt);
    let proto = u8::from(p.next_header());
    let raw = super::raw::raw_local_deliver(k, ctx, dev, pkt);
    match proto {
        1 => icmp::icmp_rcv(k, ctx, pkt, broadcast),
        17 => super::udp::udp_rcv(k, ctx, pkt, broadcast),
        4 if !broadcast => super::ipip::ipip_rcv(k, ctx, pkt),
        // Linux drops TCP that was not sent to this host alone (not PACKET_HOST).
        6 if broadcast => why!(ctx, "tcp", "TCP to a broadcast address dropped"),
        6 => tcp_ipv4::tcp_rcv(k, ctx, pkt),
        _ if raw => {}
        _ => {
            why!(ctx, "ip", "no handler for IP protocol {proto} here");
            if !broadcast {
                icmp::send_error(k, ctx, pkt, icmp::DEST_UNREACH, icmp::PROT_UNREACH);
            }
        }
    }
}
