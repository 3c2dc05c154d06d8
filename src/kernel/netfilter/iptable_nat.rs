//! The nat table (net/ipv4/netfilter/iptable_nat.c, nf_nat_proto.c's nf_nat_ipv4_fn): its
//! chains run only for a connection's first packet, to choose the mapping; destinations are
//! mapped at PREROUTING and OUTPUT (-100, before routing decides where the packet goes),
//! sources at POSTROUTING and INPUT (100). After that, every packet of the connection is
//! rewritten from the mapping alone. A new connection no rule maps still gets a "null
//! binding": its own addresses, kept unique like any other mapping.

use super::ip_tables::{decide, TableId};
use super::nf_conntrack::{CtInfo, ORIGINAL};
use super::nf_nat::{self, masquerade, Manip, Range};
use super::x_tables::{Outcome, Table};
use super::xt_target::{NatKind, NatTarget};
use super::{Hook, Skb, Verdict};
use crate::kernel::Kernel;
use crate::sim::Ctx;
use crate::why;
use std::net::Ipv4Addr;

pub fn table() -> Table {
    Table::new("nat", &["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"])
}

/// HOOK2MANIP: what a hook's NAT changes.
pub fn manip_of(hook: Hook) -> Manip {
    match hook {
        Hook::PostRouting | Hook::LocalIn => Manip::Src,
        _ => Manip::Dst,
    }
}

pub fn nat_hook(k: &mut Kernel, ctx: &mut Ctx, hook: Hook, skb: &mut Skb) -> Verdict {
    let Some(r) = skb.ct else {
        return Verdict::Accept;
    };
    if !k.nf.busy.nat && !has_nat(k, r.id) {
        return Verdict::Accept;
    }
    let m = manip_of(hook);
    match r.info {
        CtInfo::Related => {
            let pkt = skb.make_writable();
            if nf_nat::icmp_reply_translation(&k.nf.ct, r.id, r.dir, m, pkt) {
                why!(
                    ctx,
                    "nat",
                    "ICMP error about a NATed connection: quoted packet and {} translated",
                    side(m)
                );
            }
            return Verdict::Accept;
        }
        CtInfo::New if r.dir == ORIGINAL && !set_up(k, ctx, hook, skb, r.id, m) => {
            return Verdict::Drop;
        }
        _ => {}
    }
    // Copy the packet only when its mapping changes this side in this direction.
    let st = k.nf.ct.conns.get(&r.id).map_or(0, |c| c.status);
    if nf_nat::needs(st, r.dir, m) {
        nf_nat::packet(&k.nf.ct, r.id, r.dir, m, skb.make_writable());
    }
    Verdict::Accept
}

fn side(m: Manip) -> &'static str {
    match m {
        Manip::Src => "source",
        Manip::Dst => "destination",
    }
}

fn has_nat(k: &Kernel, id: u32) -> bool {
    use super::nf_conntrack::status;
    k.nf.ct
        .conns
        .get(&id)
        .is_some_and(|c| c.has(status::SRC_NAT | status::DST_NAT))
}

/// The first packet: the nat chain picks a target (or none: a null binding), and nf_nat
/// sets the mapping up. False when the packet must be dropped.
fn set_up(k: &mut Kernel, ctx: &mut Ctx, hook: Hook, skb: &mut Skb, id: u32, m: Manip) -> bool {
    let target = match decide(k, ctx, hook, skb, TableId::Nat) {
        Outcome::Nat(t) => Some(t),
        _ => None,
    };
    let range = match &target {
        Some(t) => match range_for(k, ctx, hook, skb, t) {
            Some(r) => r,
            None => return false,
        },
        None => null_binding(k, id, m),
    };
    let now = ctx.now;
    let Some((curr, chosen)) = nf_nat::setup_info(&mut k.nf.ct, &mut k.rng, id, &range, m, now)
    else {
        return true;
    };
    if let (Some(t), Some(c)) = (&target, k.nf.ct.conns.get_mut(&id)) {
        if t.kind == NatKind::Masquerade {
            c.masq_dev = skb.oif.map(|d| d as u16);
        }
    }
    if ctx.explain {
        explain(ctx, hook, &target, &curr, &chosen, m);
    }
    true
}

/// alloc_null_binding: the range is the connection's own address on that side.
fn null_binding(k: &Kernel, id: u32, m: Manip) -> Range {
    let curr =
        k.nf.ct
            .conns
            .get(&id)
            .map(|c| c.tuple[super::nf_conntrack::REPLY].invert());
    let addr = curr.map(|t| match m {
        Manip::Src => t.src,
        Manip::Dst => t.dst,
    });
    Range {
        addrs: addr.map(|a| (a, a)),
        ports: None,
        random_fully: false,
        persistent: false,
    }
}

/// What a target's options mean for this packet: MASQUERADE takes the outgoing interface's
/// address, REDIRECT the incoming one's (127.0.0.1 for the host's own packets).
fn range_for(k: &Kernel, ctx: &mut Ctx, hook: Hook, skb: &Skb, t: &NatTarget) -> Option<Range> {
    let plain = Range {
        addrs: t.addrs,
        ports: t.ports,
        random_fully: t.fully_random,
        persistent: t.persistent,
    };
    match t.kind {
        NatKind::Snat | NatKind::Dnat => Some(plain),
        NatKind::Masquerade => {
            let oif = skb.oif?;
            let dst = Ipv4Addr::from(<[u8; 4]>::try_from(skb.data.get(16..20)?).ok()?);
            let r = masquerade::range(k, oif, dst, t);
            if r.is_none() {
                why!(
                    ctx,
                    "nat",
                    "MASQUERADE: {} ate my IP address: dropped",
                    k.dev_name(oif)
                );
            }
            r
        }
        NatKind::Redirect => {
            let addr = match (hook, skb.iif) {
                (Hook::LocalOut, _) => Some(Ipv4Addr::LOCALHOST),
                (_, Some(dev)) => k
                    .devs
                    .get(dev)
                    .and_then(|d| d.primaries().next())
                    .map(|a| a.addr),
                _ => None,
            };
            let Some(addr) = addr else {
                why!(
                    ctx,
                    "nat",
                    "REDIRECT: the interface has no address: dropped"
                );
                return None;
            };
            Some(Range {
                addrs: Some((addr, addr)),
                ..plain
            })
        }
    }
}

/// `nat: 10.0.0.3:40000 → 203.0.113.2:80 source 203.0.113.1:40000 is taken by
/// 10.0.0.2's connection: source port remapped to 1024`.
fn explain(
    ctx: &mut Ctx,
    hook: Hook,
    target: &Option<NatTarget>,
    curr: &super::nf_conntrack::Tuple,
    chosen: &nf_nat::Chosen,
    m: Manip,
) {
    let by = match target {
        Some(t) => format!("nat {} {}", hook.chain(), t.kind.name()),
        None => format!("nat {}: no rule, null binding", hook.chain()),
    };
    let (a, p) = match m {
        Manip::Src => (chosen.tuple.src, chosen.tuple.sport),
        Manip::Dst => (chosen.tuple.dst, chosen.tuple.dport),
    };
    let flow = endpoints(curr);
    let unit = if curr.proto == 1 { "ICMP id" } else { "port" };
    let (from, _) = endpoint(curr, m);
    let side = side(m);
    if chosen.exhausted {
        why!(
            ctx,
            "nat",
            "{flow}: no free {side} {unit} in the range ({by}): the connection cannot be tracked"
        );
        return;
    }
    match &chosen.moved_from {
        Some((old, Some(owner))) => why!(
            ctx,
            "nat",
            "{from} → {a}:{old} is taken by {}'s connection: {side} {unit} remapped to {p}",
            owner.src
        ),
        Some((_, None)) => why!(ctx, "nat", "{flow}: {side} → {a}:{p} ({by})"),
        None if target.is_some() => why!(ctx, "nat", "{flow}: {side} → {a}:{p} ({by})"),
        None => {}
    }
}

/// The endpoint a manip changes, as `addr:port`, and its address.
fn endpoint(t: &super::nf_conntrack::Tuple, m: Manip) -> (String, Ipv4Addr) {
    let (a, p) = match (m, t.proto) {
        (Manip::Src, _) | (_, 1) => (t.src, t.sport),
        (Manip::Dst, _) => (t.dst, t.dport),
    };
    (format!("{a}:{p}"), a)
}

fn endpoints(t: &super::nf_conntrack::Tuple) -> String {
    match t.proto {
        6 | 17 => format!("{}:{} → {}:{}", t.src, t.sport, t.dst, t.dport),
        1 => format!("{} → {} id {}", t.src, t.dst, t.sport),
        _ => format!("{} → {}", t.src, t.dst),
    }
}
