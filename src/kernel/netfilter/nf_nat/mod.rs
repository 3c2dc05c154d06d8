//! NAT (net/netfilter/nf_nat_core.c): a connection's mapping is chosen once, on its first
//! packet, by changing the tuple replies will carry (the REPLY tuple); every later packet of
//! the connection, either way, is rewritten to match. A mapping must leave the connection's
//! tuples unique: when the wanted one is taken, the source port (or ICMP id) is moved, as
//! get_unique_tuple and nf_nat_l4proto_unique_tuple search for a free one.

pub mod manip;
pub mod masquerade;

use super::nf_conntrack::{status, Conntrack, Tuple, REPLY};
use crate::sim::rng::Rng;
use crate::sim::Time;
pub use manip::Manip;
use std::net::Ipv4Addr;

/// struct nf_nat_range2: where a mapping may go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    /// NF_NAT_RANGE_MAP_IPS: addresses to choose from.
    pub addrs: Option<(Ipv4Addr, Ipv4Addr)>,
    /// NF_NAT_RANGE_PROTO_SPECIFIED: ports (or ICMP ids).
    pub ports: Option<(u16, u16)>,
    /// NF_NAT_RANGE_PROTO_RANDOM_ALL (`--random-fully`): never keep the original port.
    pub random_fully: bool,
    /// NF_NAT_RANGE_PERSISTENT: the same client always gets the same address.
    pub persistent: bool,
}

impl Range {
    fn in_range(&self, t: &Tuple, m: Manip) -> bool {
        let (addr, port) = side(t, m);
        self.addrs.is_none_or(|(lo, hi)| (lo..=hi).contains(&addr))
            && self.ports.is_none_or(|(lo, hi)| (lo..=hi).contains(&port))
    }
}

/// The address and port (or id) a manip changes.
fn side(t: &Tuple, m: Manip) -> (Ipv4Addr, u16) {
    match (m, t.proto) {
        (_, 1) => (if m == Manip::Src { t.src } else { t.dst }, t.sport),
        (Manip::Src, _) => (t.src, t.sport),
        (Manip::Dst, _) => (t.dst, t.dport),
    }
}

fn set_side(t: &mut Tuple, m: Manip, addr: Option<Ipv4Addr>, port: Option<u16>) {
    match m {
        Manip::Src => {
            t.src = addr.unwrap_or(t.src);
            if t.proto != 1 {
                t.sport = port.unwrap_or(t.sport);
            }
        }
        Manip::Dst => {
            t.dst = addr.unwrap_or(t.dst);
            if t.proto != 1 {
                t.dport = port.unwrap_or(t.dport);
            }
        }
    }
    if t.proto == 1 {
        t.sport = port.unwrap_or(t.sport);
    }
}

/// nf_nat_used_tuple: a mapped tuple is in use when its reply is some other connection's.
fn used(ct: &Conntrack, t: &Tuple, except: u32, now: Time) -> bool {
    ct.taken(&t.invert(), except, now)
}

/// What a mapping turned out to be, for the trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chosen {
    pub tuple: Tuple,
    /// The port (or id) had to move from this one: the original tuple of the connection
    /// that holds it (None: it was free but outside the range).
    pub moved_from: Option<(u16, Option<Tuple>)>,
    /// No free tuple was found: the connection will fail to confirm.
    pub exhausted: bool,
}

/// get_unique_tuple: the tuple `orig` should become under `range`.
pub fn unique_tuple(
    ct: &Conntrack,
    rng: &mut Rng,
    id: u32,
    orig: &Tuple,
    range: &Range,
    m: Manip,
    now: Time,
) -> Chosen {
    let keep = |t: Tuple| Chosen {
        tuple: t,
        moved_from: None,
        exhausted: false,
    };
    if m == Manip::Src && !range.random_fully {
        if range.in_range(orig, m) {
            if !used(ct, orig, id, now) {
                return keep(*orig);
            }
        } else if let Some(t) = appropriate_src(ct, orig, range, now) {
            if !used(ct, &t, id, now) {
                return keep(t);
            }
        }
    }
    let mut t = *orig;
    best_ip(&mut t, range, m);
    if !range.random_fully {
        match range.ports {
            Some((lo, hi)) => {
                let port = side(&t, m).1;
                if (lo..=hi).contains(&port) && (lo == hi || !used(ct, &t, id, now)) {
                    return keep(t);
                }
            }
            None if !used(ct, &t, id, now) => return keep(t),
            None => {}
        }
    }
    let before = side(&t, m).1;
    let owner = ct.conns_by_reply(&t.invert(), now);
    unique_port(ct, rng, id, &mut t, range, m, now);
    let after = side(&t, m).1;
    Chosen {
        tuple: t,
        moved_from: (after != before).then_some((before, owner)),
        exhausted: used(ct, &t, id, now),
    }
}

/// find_appropriate_src: a connection from the same source address and port that was
/// already mapped gives its mapping again (so one client keeps one outside address).
fn appropriate_src(ct: &Conntrack, orig: &Tuple, range: &Range, now: Time) -> Option<Tuple> {
    let c = ct
        .by_source((orig.proto, orig.src, orig.sport))
        .filter(|c| c.timeout > now)?;
    let mapped = c.tuple[REPLY];
    let mut t = *orig;
    set_side(&mut t, Manip::Src, Some(mapped.dst), Some(mapped.dport));
    if orig.proto == 1 {
        t.sport = mapped.sport;
    }
    range.in_range(&t, Manip::Src).then_some(t)
}

/// find_best_ips_proto: one address, or a hash of the client (and, unless persistent, the
/// server) spread over the range, so one client stays on one address.
fn best_ip(t: &mut Tuple, range: &Range, m: Manip) {
    let Some((lo, hi)) = range.addrs else {
        return;
    };
    let chosen = if lo == hi {
        lo
    } else {
        let mut h: u32 = 0x811c_9dc5;
        let dst = if range.persistent {
            0
        } else {
            u32::from(t.dst)
        };
        for b in u32::from(t.src)
            .to_be_bytes()
            .iter()
            .chain(&dst.to_be_bytes())
        {
            h = (h ^ u32::from(*b)).wrapping_mul(0x0100_0193);
        }
        let dist = u64::from(u32::from(hi).saturating_sub(u32::from(lo))) + 1;
        let off = (u64::from(h) * dist) >> 32;
        Ipv4Addr::from(u32::from(lo) + off as u32)
    };
    set_side(t, m, Some(chosen), None);
}

/// nf_nat_l4proto_unique_tuple: tries ports (ids) from a random offset in the range (or, with
/// no range, in the port's class: 1-511, 600-1023 or 1024-65535); a destination without a
/// range keeps its port. At most 128 tries, then halves and starts again elsewhere.
fn unique_port(
    ct: &Conntrack,
    rng: &mut Rng,
    id: u32,
    t: &mut Tuple,
    range: &Range,
    m: Manip,
    now: Time,
) {
    if !matches!(t.proto, 1 | 6 | 17) {
        return;
    }
    let current = side(t, m).1;
    let (min, size): (u32, u32) = match (range.ports, t.proto) {
        (Some((lo, hi)), _) => (u32::from(lo), u32::from(hi.saturating_sub(lo)) + 1),
        (None, 1) => (0, 65_536),
        (None, _) if m == Manip::Dst => return,
        (None, _) if current < 512 => (1, 511),
        (None, _) if current < 1024 => (600, 424),
        (None, _) => (1024, 64_512),
    };
    let mut off = if m == Manip::Dst && !range.random_fully {
        0
    } else {
        rng.below(65_536) as u32
    };
    let mut attempts = size.min(128);
    loop {
        for _ in 0..attempts {
            let port = (min + off % size) as u16;
            set_side(t, m, None, Some(port));
            if !used(ct, t, id, now) {
                return;
            }
            off = off.wrapping_add(1);
        }
        if attempts >= size || attempts < 16 {
            return;
        }
        attempts /= 2;
        off = rng.below(65_536) as u32;
    }
}

/// nf_nat_setup_info: gives connection `id` its mapping for `m`. Returns what was chosen,
/// or None when the connection already had one for this manip.
pub fn setup_info(
    ct: &mut Conntrack,
    rng: &mut Rng,
    id: u32,
    range: &Range,
    m: Manip,
    now: Time,
) -> Option<(Tuple, Chosen)> {
    let c = ct.conns.get(&id)?;
    let done = match m {
        Manip::Src => status::SRC_NAT_DONE,
        Manip::Dst => status::DST_NAT_DONE,
    };
    if c.has(done) {
        return None;
    }
    // The original tuple as it looks after the manips already made.
    let curr = c.tuple[REPLY].invert();
    let chosen = unique_tuple(ct, rng, id, &curr, range, m, now);
    let c = ct.conns.get_mut(&id)?;
    if chosen.tuple != curr {
        c.tuple[REPLY] = chosen.tuple.invert();
        c.status |= match m {
            Manip::Src => status::SRC_NAT,
            Manip::Dst => status::DST_NAT,
        };
    }
    c.status |= done;
    Some((curr, chosen))
}

/// nf_nat_packet: rewrites a packet of connection `id` travelling in `dir` at a hook doing
/// manip `m`, when the connection's mapping changes that side in that direction.
pub fn packet(ct: &Conntrack, id: u32, dir: usize, m: Manip, pkt: &mut [u8]) -> bool {
    let Some(c) = ct.conns.get(&id) else {
        return false;
    };
    if !needs(c.status, dir, m) {
        return false;
    }
    let target = c.tuple[1 - dir].invert();
    manip::manip_pkt(pkt, 0, &target, m);
    true
}

/// Whether a connection's status says packets in `dir` get manip `m`: a source NAT changes
/// sources going out and destinations coming back, and the other way for destination NAT.
pub fn needs(st: u32, dir: usize, m: Manip) -> bool {
    let bit = match (m, dir == REPLY) {
        (Manip::Src, false) | (Manip::Dst, true) => status::SRC_NAT,
        (Manip::Dst, false) | (Manip::Src, true) => status::DST_NAT,
    };
    st & bit != 0
}

/// nf_nat_icmp_reply_translation: an ICMP error about a NATed connection gets its quoted
/// packet turned back into what that host sent (the opposite manip), and its own address
/// changed as the connection's packets are.
pub fn icmp_reply_translation(
    ct: &Conntrack,
    id: u32,
    dir: usize,
    m: Manip,
    pkt: &mut [u8],
) -> bool {
    let Some(c) = ct.conns.get(&id) else {
        return false;
    };
    if !needs(c.status, dir, m) {
        return false;
    }
    let ihl = usize::from(pkt.first().copied().unwrap_or(0x45) & 0x0f) * 4;
    let Some(off) = super::nf_conntrack::proto_icmp::quoted_offset(pkt) else {
        return false;
    };
    manip::manip_pkt(pkt, off, &c.tuple[1 - dir], m.other());
    manip::icmp_checksum(pkt, ihl);
    let mut target = c.tuple[1 - dir].invert();
    target.proto = 1;
    manip::manip_pkt(pkt, 0, &target, m);
    true
}

#[cfg(test)]
#[path = "nat_tests.rs"]
mod tests;
