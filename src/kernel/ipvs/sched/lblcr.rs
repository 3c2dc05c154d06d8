//! lblcr: locality-based least connection with replication (ip_vs_lblcr.c, lvs.md §1.12):
//! each daddr maps to a set of dests (newest member first); the least loaded member serves,
//! the set grows by the wlc choice when that member is missing or lblc-overloaded, and loses
//! its most loaded member once it has gone lblcr_expiration without a change. The table and
//! its expiry are lblc's (see lblc.rs for how the timer is modelled).

use super::lblc::{lblc_overloaded, overloaded_why, resolve, Table, EXPIRATION};
use super::rr::{ep, no_dest};
use super::wlc::{lower, weighted_least, weighted_reason, wlc_pick};
use super::{DestView, Packet, Scheduler};
use crate::sim::Time;

/// ip_vs_dest_set: the members as last seen (a deleted member keeps its last figures, the
/// kernel's trashed object being out of our sight) and `lastmod`.
pub(super) struct Set {
    members: Vec<DestView>,
    lastmod: Time,
}

impl Set {
    /// ip_vs_dest_set_insert (with check): at the front unless present; lastmod = now if added.
    fn insert(&mut self, d: &DestView, now: Time) -> bool {
        if self.members.iter().any(|m| m.id == d.id) {
            return false;
        }
        self.members.insert(0, *d);
        self.lastmod = now;
        true
    }
}

/// ip_vs_dest_set_max: the first member with weight > 0 (OVERLOAD and availability are not
/// looked at), replaced by a later member with weight > 0 and strictly more overhead / weight.
fn set_max(members: &[DestView]) -> Option<usize> {
    let mut rest = members.iter().enumerate();
    let (mut mi, mut most) = rest.by_ref().find(|(_, d)| d.weight > 0)?;
    for (i, d) in rest {
        if d.weight > 0 && lower(most.overhead(), most.weight, d.overhead(), d.weight) {
            (mi, most) = (i, d);
        }
    }
    Some(mi)
}

pub struct Lblcr {
    table: Table<Set>,
}

impl Lblcr {
    pub fn new() -> Lblcr {
        Lblcr {
            table: Table::new(EXPIRATION),
        }
    }
}

impl Default for Lblcr {
    fn default() -> Lblcr {
        Lblcr::new()
    }
}

impl Scheduler for Lblcr {
    fn name(&self) -> &'static str {
        "lblcr"
    }

    fn schedule(&mut self, dests: &[DestView], pkt: &Packet) -> Result<(u32, String), String> {
        let (now, daddr) = (pkt.now, pkt.daddr);
        // sysctl_lblcr_expiration, read as the kernel reads it: at each use.
        let expiration = pkt.expiration.1;
        self.table.expiration = expiration;
        self.table.run_timer(now);
        let Some(e) = self.table.get_mut(daddr) else {
            let (d, wlc) = wlc_pick(dests).ok_or_else(|| no_dest("lblcr"))?;
            let set = Set {
                members: vec![*d],
                lastmod: now,
            };
            self.table.insert(daddr, set, now);
            return Ok((
                d.id,
                format!("lblcr → {} (new set for {daddr}; wlc: {wlc})", ep(d)),
            ));
        };
        e.lastuse = now;
        let set = &mut e.val;
        for m in set.members.iter_mut() {
            if let Some(d) = resolve(dests, m) {
                *m = *d;
            }
        }
        // ip_vs_dest_set_min: the wlc search over the members still listed (the kernel skips
        // unavailable ones at both stages, so leaving them out is the same).
        let listed: Vec<DestView> = set
            .members
            .iter()
            .filter(|m| dests.iter().any(|d| d.id == m.id))
            .copied()
            .collect();
        let size = set.members.len();
        let min = weighted_least(&listed, DestView::overhead, None)
            .and_then(|i| Some((*listed.get(i)?, i)))
            .map(|(d, i)| {
                (
                    d,
                    weighted_reason(&listed, &d, i, DestView::overhead, "overhead"),
                )
            });
        let mut dropped = String::new();
        if size > 1 && now > set.lastmod + expiration {
            if let Some(m) = set_max(&set.members) {
                let gone = set.members.remove(m);
                set.lastmod = now;
                dropped = format!(
                    "; dropped {}, the most loaded, after {} s unchanged",
                    ep(&gone),
                    expiration / crate::sim::time::SEC
                );
            }
        }
        let why_not = match &min {
            None => format!("no usable member in {daddr}'s set of {size}"),
            Some((d, why)) => match lblc_overloaded(d, dests) {
                None => {
                    let why = format!("least loaded of {daddr}'s set of {size}: {why}{dropped}");
                    return Ok((d.id, format!("lblcr → {} ({why})", ep(d))));
                }
                Some(w) => overloaded_why(d, w),
            },
        };
        let (d, wlc) = wlc_pick(dests).ok_or_else(|| no_dest("lblcr"))?;
        let added = match set.insert(d, now) {
            true => "; added to the set",
            false => "",
        };
        Ok((
            d.id,
            format!("lblcr → {} ({why_not}{dropped}; wlc: {wlc}{added})", ep(d)),
        ))
    }
}

#[cfg(test)]
#[path = "lblcr_tests.rs"]
mod tests;
