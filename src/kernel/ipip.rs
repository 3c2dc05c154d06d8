//! IP-in-IP (net/ipv4/ipip.c), the real server's side of LVS-TUN: the fallback device `tunl0`
//! appears when the module loads (here: the first time a command names it, as the kernel's
//! netdev autoload does), and an IPv4 packet of protocol 4 to one of our addresses is
//! unwrapped on it when it is up; the inner packet then goes through input again as if it
//! had arrived on tunl0 (so rp_filter judges it there, as the LVS-TUN HOWTOs warn).

use super::arp::PktType;
use super::netdev::DevKind;
use super::{icmp, ip_input, Kernel};
use crate::sim::Ctx;
use crate::why;
use smoltcp::wire::Ipv4Packet;

pub const TUNL0: &str = "tunl0";

/// dev_load: a command named `name`; tunl0 is created on first use. Returns its ifindex.
pub fn dev_load(k: &mut Kernel, name: &str) -> Option<usize> {
    if let Some(i) = k.devs.index_of(name) {
        return Some(i);
    }
    if name != TUNL0 {
        return None;
    }
    k.sysctl.add_interface(TUNL0);
    let i = k.devs.add(TUNL0, DevKind::Ipip, [0; 6]);
    if let Some(d) = k.devs.get_mut(i) {
        // No link to lose: a tunnel is "running" whenever it is up.
        d.carrier = true;
        d.mtu = 1480;
    }
    Some(i)
}

/// ipip_rcv: unwraps `pkt` (protocol 4) on tunl0, or answers protocol unreachable when no
/// tunnel is there to take it.
pub fn ipip_rcv(k: &mut Kernel, ctx: &mut Ctx, pkt: &[u8]) {
    let tunnel = k
        .devs
        .index_of(TUNL0)
        .filter(|&i| k.devs.get(i).is_some_and(|d| d.up));
    let Some(dev) = tunnel else {
        why!(
            ctx,
            "ip",
            "IPIP packet but no tunl0 up: protocol unreachable"
        );
        icmp::send_error(k, ctx, pkt, icmp::DEST_UNREACH, icmp::PROT_UNREACH);
        return;
    };
    let outer = Ipv4Packet::new_unchecked(pkt);
    let inner = outer.payload();
    if let Some(d) = k.devs.get_mut(dev) {
        d.stats.rx_packets += 1;
        d.stats.rx_bytes += inner.len() as u64;
    }
    let to = Ipv4Packet::new_checked(inner).map(|p| p.dst_addr());
    match to {
        Ok(dst) => why!(
            ctx,
            "ipip",
            "tunl0 decapsulated a packet from {} for {dst}",
            outer.src_addr()
        ),
        Err(_) => why!(ctx, "ipip", "tunl0: the inner packet is not valid IPv4"),
    }
    ip_input::ip_rcv(k, ctx, dev, PktType::Host, inner, None);
}
