//! Conntrack's hook functions (nf_conntrack_proto.c's ipv4_conntrack_in / _local /
//! ipv4_confirm, nf_conntrack_core.c's nf_conntrack_in): find or make the packet's
//! connection, move its protocol state, and confirm new connections last.

use super::{proto_icmp, proto_tcp, proto_udp, status, CtInfo, CtRef, Tuple, ORIGINAL, REPLY};
use crate::kernel::netfilter::{Hook, Skb, Verdict};
use crate::kernel::Kernel;
use crate::sim::Ctx;
use crate::why;

/// PRE_ROUTING, priority -200. A packet looped back through `lo` was tracked when it left
/// (the kernel keeps the skb's connection across the loop): it is only re-attached.
pub fn conntrack_in(k: &mut Kernel, ctx: &mut Ctx, _: Hook, skb: &mut Skb) -> Verdict {
    if !k.nf.ct.enabled {
        return Verdict::Accept;
    }
    if skb.iif == Some(crate::kernel::netdev::LO) {
        reattach(k, ctx, skb);
        return Verdict::Accept;
    }
    nf_conntrack_in(k, ctx, skb)
}

/// LOCAL_OUT, priority -200: the host's own packets.
pub fn conntrack_local(k: &mut Kernel, ctx: &mut Ctx, _: Hook, skb: &mut Skb) -> Verdict {
    if !k.nf.ct.enabled {
        return Verdict::Accept;
    }
    nf_conntrack_in(k, ctx, skb)
}

/// LOCAL_IN and POST_ROUTING, last: a new connection enters the table.
pub fn confirm(k: &mut Kernel, ctx: &mut Ctx, _: Hook, skb: &mut Skb) -> Verdict {
    let Some(r) = skb.ct else {
        return Verdict::Accept;
    };
    if k.nf.ct.confirm(r.id, ctx.now) {
        return Verdict::Accept;
    }
    skb.ct = None;
    why!(
        ctx,
        "conntrack",
        "its reply tuple is already another connection's: insert failed, dropped"
    );
    Verdict::Drop
}

pub fn forget_unconfirmed(k: &mut Kernel, skb: &mut Skb) {
    if let Some(r) = skb.ct.take() {
        k.nf.ct.forget_unconfirmed(r.id);
    }
}

fn reattach(k: &mut Kernel, ctx: &mut Ctx, skb: &mut Skb) {
    let Some(t) = Tuple::of(&skb.data) else {
        return;
    };
    if let Some((id, dir)) = k.nf.ct.find(&t, ctx.now) {
        skb.ct = Some(CtRef {
            id,
            dir,
            info: info(k, id, dir),
        });
    } else if is_icmp_error(&skb.data) {
        related(k, ctx, skb);
    }
}

fn is_icmp_error(pkt: &[u8]) -> bool {
    let ihl = pkt.first().map_or(20, |b| usize::from(b & 0x0f) * 4);
    pkt.get(9) == Some(&1) && pkt.get(ihl).is_some_and(|t| proto_icmp::is_error(*t))
}

/// nf_conntrack_in.
pub fn nf_conntrack_in(k: &mut Kernel, ctx: &mut Ctx, skb: &mut Skb) -> Verdict {
    k.nf.ct.gc(ctx.now);
    skb.ct = None;
    if is_icmp_error(&skb.data) {
        related(k, ctx, skb);
        return Verdict::Accept;
    }
    let Some(t) = Tuple::of(&skb.data) else {
        return invalid(k, ctx, "no tuple can be read from it");
    };
    match k.nf.ct.find(&t, ctx.now) {
        Some((id, dir)) => {
            k.nf.ct.stats.found += 1;
            established(k, ctx, skb, id, dir, t)
        }
        None => new(k, ctx, skb, t),
    }
}

/// The packet is INVALID to conntrack: it goes on without a connection.
fn invalid(k: &mut Kernel, ctx: &mut Ctx, why: &str) -> Verdict {
    k.nf.ct.stats.invalid += 1;
    why!(ctx, "conntrack", "INVALID: {why}");
    Verdict::Accept
}

/// ctinfo: the reply direction is ESTABLISHED, the original is NEW until a reply was seen.
fn info(k: &Kernel, id: u32, dir: usize) -> CtInfo {
    match k.nf.ct.conns.get(&id) {
        Some(c) => proto_tcp::info(c, dir),
        None => CtInfo::New,
    }
}

fn tcp_flags(pkt: &[u8]) -> u8 {
    let ihl = pkt.first().map_or(20, |b| usize::from(b & 0x0f) * 4);
    pkt.get(ihl + 13).copied().unwrap_or(0)
}

/// init_conntrack: a packet of no known connection starts one, if its protocol allows.
fn new(k: &mut Kernel, ctx: &mut Ctx, skb: &mut Skb, t: Tuple) -> Verdict {
    let p = &k.sysctl.ct;
    let (state, secs) = match t.proto {
        6 => match proto_tcp::new_state(tcp_flags(&skb.data), p.tcp_loose) {
            Some(s) => (s, p.timeouts.tcp[usize::from(s)]),
            None => return invalid(k, ctx, "a TCP segment that cannot start a connection"),
        },
        17 => (0, p.timeouts.udp),
        1 if t.icmp_request() => (0, p.timeouts.icmp),
        1 => return invalid(k, ctx, "an ICMP reply to no request"),
        _ => (0, p.timeouts.generic),
    };
    let max = p.max;
    let id = match k.nf.ct.create(t, ctx.now, max) {
        Ok(id) => id,
        Err(_) => {
            k.nf.log(
                ctx.now,
                "nf_conntrack: nf_conntrack: table full, dropping packet".into(),
            );
            why!(
                ctx,
                "conntrack",
                "table full (nf_conntrack_max {max}): dropping packet"
            );
            return Verdict::Drop;
        }
    };
    if let Some(c) = k.nf.ct.conns.get_mut(&id) {
        c.state = state;
        c.timeout = ctx.now + secs * crate::sim::time::SEC;
        c.mark = skb.mark;
    }
    if ctx.explain {
        let st = match t.proto {
            6 => format!(" {}", proto_tcp::NAMES[usize::from(state)]),
            _ => String::new(),
        };
        why!(ctx, "conntrack", "new connection {}{st}", t.show());
    }
    skb.ct = Some(CtRef {
        id,
        dir: ORIGINAL,
        info: CtInfo::New,
    });
    Verdict::Accept
}

/// A packet of a known connection: its protocol moves the state and the timeout.
fn established(
    k: &mut Kernel,
    ctx: &mut Ctx,
    skb: &mut Skb,
    id: u32,
    dir: usize,
    t: Tuple,
) -> Verdict {
    let now = ctx.now;
    let Some(c) = k.nf.ct.conns.get(&id).cloned() else {
        return Verdict::Accept;
    };
    let timeouts = &k.sysctl.ct.timeouts.clone();
    let mut next = c.clone();
    match t.proto {
        6 => match proto_tcp::packet(&c, dir, tcp_flags(&skb.data), timeouts) {
            proto_tcp::Step::Moved { state, timeout } => {
                if proto_tcp::assures(&c, state) {
                    next.status |= status::ASSURED;
                }
                next.state = state;
                next.timeout = now + timeout * crate::sim::time::SEC;
            }
            proto_tcp::Step::Ignored => {}
            proto_tcp::Step::Invalid => {
                return invalid(
                    k,
                    ctx,
                    "a TCP segment out of place in the connection's state",
                );
            }
            proto_tcp::Step::Reopen => {
                why!(
                    ctx,
                    "conntrack",
                    "SYN on a closed connection: it is tracked anew"
                );
                k.nf.ct.delete(id);
                return new(k, ctx, skb, t);
            }
            proto_tcp::Step::Kill => {
                why!(
                    ctx,
                    "conntrack",
                    "RST before any reply: the connection is over"
                );
                // nf_ct_kill: gone from lookups now; the packet still gets its NAT.
                next.timeout = now;
                k.nf.ct.conns.insert(id, next);
                skb.ct = Some(CtRef {
                    id,
                    dir,
                    info: CtInfo::Established,
                });
                return Verdict::Accept;
            }
        },
        17 => {
            let replied = c.has(status::SEEN_REPLY) || dir == REPLY;
            let (secs, assured) = proto_udp::packet(&c, now, replied, timeouts);
            next.timeout = now + secs * crate::sim::time::SEC;
            if assured {
                next.status |= status::ASSURED;
            }
        }
        1 => next.timeout = now + timeouts.icmp * crate::sim::time::SEC,
        _ => next.timeout = now + timeouts.generic * crate::sim::time::SEC,
    }
    if dir == REPLY {
        next.status |= status::SEEN_REPLY;
    }
    commit(k, ctx, id, &c, next);
    skb.ct = Some(CtRef {
        id,
        dir,
        info: info(k, id, dir),
    });
    Verdict::Accept
}

/// Stores the connection's new state, saying what changed.
fn commit(k: &mut Kernel, ctx: &mut Ctx, id: u32, old: &super::Conn, next: super::Conn) {
    let changed = old.state != next.state || old.status != next.status;
    if changed && old.tuple[ORIGINAL].proto == 6 && old.state != next.state {
        why!(
            ctx,
            "conntrack",
            "{} {} → {}",
            old.tuple[ORIGINAL].show(),
            proto_tcp::NAMES[usize::from(old.state.min(9))],
            proto_tcp::NAMES[usize::from(next.state.min(9))]
        );
    }
    if changed && next.has(status::CONFIRMED) {
        k.nf.ct.events.update(&next, ctx.now);
    }
    k.nf.ct.conns.insert(id, next);
}

/// An ICMP error is RELATED to the connection of the packet it quotes.
fn related(k: &mut Kernel, ctx: &mut Ctx, skb: &mut Skb) {
    let Some(inner) = proto_icmp::quoted(&skb.data) else {
        invalid(k, ctx, "an ICMP error too short to quote a packet");
        return;
    };
    match k.nf.ct.find(&inner.invert(), ctx.now) {
        Some((id, dir)) => {
            why!(ctx, "conntrack", "RELATED to {}", inner.show());
            skb.ct = Some(CtRef {
                id,
                dir,
                info: CtInfo::Related,
            });
        }
        None => {
            invalid(k, ctx, "an ICMP error about no tracked connection");
        }
    }
}
