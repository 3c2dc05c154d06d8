//! MASQUERADE (nf_nat_masquerade.c): source NAT to whatever address the outgoing interface
//! has now, chosen per connection when it starts. A dial-up or DHCP address can change: when
//! an address goes away, the connections masqueraded behind it are deleted (masq_inet_event),
//! since their replies could never come back to it.

use super::Range;
use crate::kernel::fib::FibResult;
use crate::kernel::netfilter::nf_conntrack::{status, Conntrack, REPLY};
use crate::kernel::netfilter::xt_target::NatTarget;
use crate::kernel::Kernel;
use std::net::Ipv4Addr;

/// nf_nat_masquerade_ipv4: the range for a connection leaving by `oif` toward `dst`: the
/// device's address for the next hop (inet_select_addr), or None when it has none.
pub fn range(k: &Kernel, oif: usize, dst: Ipv4Addr, t: &NatTarget) -> Option<Range> {
    let nexthop = match k.fib.lookup(&k.devs, dst) {
        FibResult::Unicast { nexthop, .. } => nexthop,
        _ => dst,
    };
    let addr = k.devs.select_addr(oif, nexthop)?;
    Some(Range {
        addrs: Some((addr, addr)),
        ports: t.ports,
        random_fully: t.fully_random,
        persistent: false,
    })
}

/// masq_inet_event: `addr` left device `dev`; the connections masqueraded to it there go.
pub fn address_gone(ct: &mut Conntrack, dev: usize, addr: Ipv4Addr) -> usize {
    let doomed: Vec<u32> = ct
        .conns
        .iter()
        .filter(|(_, c)| {
            c.masq_dev == Some(dev as u16) && c.has(status::SRC_NAT) && c.tuple[REPLY].dst == addr
        })
        .map(|(id, _)| id)
        .collect();
    doomed.iter().filter(|id| ct.delete(**id).is_some()).count()
}
