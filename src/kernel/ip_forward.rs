//! IPv4 forwarding (net/ipv4/ip_forward.c): what a router (ip_forward=1) does with a packet
//! that is not for it.

use super::fib::FibResult;
use super::{icmp, ip_output, Kernel};
use crate::sim::Ctx;
use crate::why;
use smoltcp::wire::Ipv4Packet;

pub fn ip_forward(k: &mut Kernel, ctx: &mut Ctx, in_dev: usize, pkt: &[u8]) {
    // FORWARD: a NAT reply from a real server leaves with the VIP as its source.
    let snat = super::ipvs::core::ip_vs_out(k, ctx, pkt);
    let pkt = snat.as_deref().unwrap_or(pkt);
    let p = Ipv4Packet::new_unchecked(pkt);
    let (src, dst, ttl) = (p.src_addr(), p.dst_addr(), p.hop_limit());
    if ttl <= 1 {
        why!(
            ctx,
            "ip_forward",
            "TTL {ttl} expires here: time exceeded to {src}"
        );
        icmp::send_error(k, ctx, pkt, icmp::TIME_EXCEEDED, 0);
        return;
    }
    let (dev, nexthop) = match k.fib.lookup(&k.devs, dst) {
        FibResult::Unicast { dev, nexthop, .. } => (dev, nexthop),
        FibResult::Unreachable { route } => {
            why!(
                ctx,
                "ip_forward",
                "{dst} hits reject route {}/{}: host unreachable",
                route.dst,
                route.prefix
            );
            icmp::send_error(k, ctx, pkt, icmp::DEST_UNREACH, icmp::HOST_UNREACH);
            return;
        }
        FibResult::NoRoute | FibResult::Local => {
            why!(ctx, "ip_forward", "no route to {dst}: net unreachable");
            icmp::send_error(k, ctx, pkt, icmp::DEST_UNREACH, icmp::NET_UNREACH);
            return;
        }
    };
    let mtu = k.devs.get(dev).map_or(1500, |d| d.mtu) as usize;
    if pkt.len() > mtu {
        forward_too_big(k, ctx, pkt, mtu);
        return;
    }
    let mut out = pkt.to_vec();
    let mut q = Ipv4Packet::new_unchecked(&mut out[..]);
    q.set_hop_limit(ttl - 1);
    q.fill_checksum();
    let (inn, outn) = (k.dev_name(in_dev), k.dev_name(dev));
    let via = if nexthop == dst {
        String::from("directly")
    } else {
        format!("via {nexthop}")
    };
    why!(
        ctx,
        "ip_forward",
        "{src} > {dst}: in {inn}, out {outn} {via}; TTL {ttl} → {}",
        ttl - 1
    );
    ip_output::send_via(k, ctx, dev, nexthop, out);
}

/// Fragmentation is not simulated: with DF the sender learns the MTU (fragmentation needed),
/// without DF the packet is dropped with a reason.
fn forward_too_big(k: &mut Kernel, ctx: &mut Ctx, pkt: &[u8], mtu: usize) {
    let p = Ipv4Packet::new_unchecked(pkt);
    if p.dont_frag() {
        why!(
            ctx,
            "ip_forward",
            "{} bytes > MTU {mtu} and DF set: fragmentation needed",
            pkt.len()
        );
        let mut rest = [0u8; 4];
        rest[2..].copy_from_slice(&(mtu as u16).to_be_bytes());
        let msg = icmp::build(icmp::DEST_UNREACH, 4, rest, &pkt[..pkt.len().min(548)]);
        let out = ip_output::IpOut::icmp(None, p.src_addr());
        let _ = ip_output::ip_local_out(k, ctx, out, &msg);
    } else {
        why!(
            ctx,
            "ip_forward",
            "{} bytes > MTU {mtu}: netstep does not fragment, dropped",
            pkt.len()
        );
    }
}
