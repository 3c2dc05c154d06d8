//! IPv4 forwarding (net/ipv4/ip_forward.c): what a router (ip_forward=1) does with a packet
//! that is not for it.

use super::fib::FibResult;
use super::netfilter::{nf_hook, Hook, Skb, Verdict};
use super::{icmp, ip_output, Kernel};
use crate::sim::Ctx;
use crate::why;
use smoltcp::wire::Ipv4Packet;

/// ip_forward: TTL, route, MTU, then the FORWARD hook (the filter table's FORWARD chain;
/// IPVS turns an LVS-NAT reply's source back into the virtual service), then out through
/// POST_ROUTING.
pub fn ip_forward(k: &mut Kernel, ctx: &mut Ctx, in_dev: usize, skb: Skb) {
    let p = Ipv4Packet::new_unchecked(&skb.data[..]);
    let (src, dst, ttl) = (p.src_addr(), p.dst_addr(), p.hop_limit());
    if ttl <= 1 {
        why!(
            ctx,
            "ip_forward",
            "TTL {ttl} expires here: time exceeded to {src}"
        );
        icmp::send_error(k, ctx, &skb.data, icmp::TIME_EXCEEDED, 0);
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
            icmp::send_error(k, ctx, &skb.data, icmp::DEST_UNREACH, icmp::HOST_UNREACH);
            return;
        }
        FibResult::NoRoute | FibResult::Local => {
            why!(ctx, "ip_forward", "no route to {dst}: net unreachable");
            icmp::send_error(k, ctx, &skb.data, icmp::DEST_UNREACH, icmp::NET_UNREACH);
            return;
        }
    };
    let mtu = k.devs.get(dev).map_or(1500, |d| d.mtu) as usize;
    if skb.data.len() > mtu {
        forward_too_big(k, ctx, &skb.data, mtu);
        return;
    }
    let mut skb = skb;
    {
        let out = skb.make_writable();
        let mut q = Ipv4Packet::new_unchecked(&mut out[..]);
        q.set_hop_limit(ttl - 1);
        q.fill_checksum();
    }
    skb.oif = Some(dev);
    if nf_hook(k, ctx, Hook::Forward, &mut skb) != Verdict::Accept {
        return;
    }
    if ctx.explain {
        // After FORWARD: an LVS-NAT reply already carries the virtual service's source.
        let src = Ipv4Packet::new_unchecked(&skb.data[..]).src_addr();
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
    }
    ip_output::ip_output(k, ctx, dev, nexthop, skb);
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
