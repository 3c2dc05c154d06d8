//! lblc: locality-based least connection (ip_vs_lblc.c, lvs.md §1.11): a cache from the
//! packet's destination address to a dest, else the wlc choice. The cache table and its
//! expiry timer are lblcr's too (ip_vs_lblcr.c has the same code).
//!
//! Expiry is modelled lazily: the kernel's timer fires every 60 s from init_service; here each
//! schedule() first runs, in order, the firings due up to `pkt.now`. Nothing but schedule()
//! touches the table, so the result at that moment is what the timer would have left. A firing
//! whose counter reaches 30 does the full check (entries idle ≥ lblc_expiration, 24 h, go:
//! every 30 min), otherwise one with more than 16384 entries does the partial sweep (entries
//! idle ≥ 6 min, up to its goal, bucket by bucket from the rover, newest first in a bucket).
//! Two differences: `new()` is given no clock, so the firings are counted from the first
//! schedule() rather than from the service's creation; and lblc_expiration / lblcr_expiration
//! are their defaults (24 h): netstep has no such sysctl.

use super::dh::{hash_32, host};
use super::rr::{ep, no_dest};
use super::wlc::wlc_pick;
use super::{DestView, Packet, Scheduler};
use crate::sim::time::SEC;
use crate::sim::Time;
use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

const CHECK_EXPIRE_INTERVAL: u64 = 60 * SEC;
const ENTRY_TIMEOUT: u64 = 6 * 60 * SEC;
/// DEFAULT_EXPIRATION, the default of both lblc_expiration and lblcr_expiration (the tables
/// start with it; each schedule reads the sysctl's current value).
pub(super) const EXPIRATION: u64 = 24 * 60 * 60 * SEC;
const COUNT_FOR_FULL_EXPIRATION: u32 = 30;
/// CONFIG_IP_VS_LBLC_TAB_BITS (and LBLCR's): 1024 hash buckets, 16 entries each before the
/// partial sweep starts.
const TAB_BITS: u32 = 10;
const TAB_SIZE: u32 = 1 << TAB_BITS;
const MAX_SIZE: usize = TAB_SIZE as usize * 16;

pub(super) struct Entry<V> {
    pub(super) val: V,
    pub(super) lastuse: Time,
    /// Insertion order: a hash chain is newest first (hlist_add_head).
    seq: u64,
}

/// The daddr-keyed table with its periodic timer's state (tbl->counter, tbl->rover).
pub(super) struct Table<V> {
    map: BTreeMap<Ipv4Addr, Entry<V>>,
    pub(super) expiration: u64,
    next_tick: Option<Time>,
    counter: u32,
    rover: u32,
    seq: u64,
}

impl<V> Table<V> {
    pub(super) fn new(expiration: u64) -> Table<V> {
        Table {
            map: BTreeMap::new(),
            expiration,
            next_tick: None,
            counter: 1,
            rover: 0,
            seq: 0,
        }
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.map.len()
    }

    pub(super) fn get_mut(&mut self, daddr: Ipv4Addr) -> Option<&mut Entry<V>> {
        self.map.get_mut(&daddr)
    }

    /// A new entry (replacing any for `daddr`), at the head of its hash chain.
    pub(super) fn insert(&mut self, daddr: Ipv4Addr, val: V, now: Time) {
        self.seq += 1;
        let seq = self.seq;
        self.map.insert(
            daddr,
            Entry {
                val,
                lastuse: now,
                seq,
            },
        );
    }

    /// The timer's firings due by `now` (ip_vs_lblc_check_expire); the first call only sets
    /// the phase.
    pub(super) fn run_timer(&mut self, now: Time) {
        let Some(mut t) = self.next_tick else {
            self.next_tick = Some(now + CHECK_EXPIRE_INTERVAL);
            return;
        };
        while t <= now {
            if self.counter.is_multiple_of(COUNT_FOR_FULL_EXPIRATION) {
                self.full_check(t);
                self.counter = 1;
            } else if self.map.len() <= MAX_SIZE {
                // Firings that only count, skipped together up to the next full check.
                let due = (now - t) / CHECK_EXPIRE_INTERVAL + 1;
                let left = COUNT_FOR_FULL_EXPIRATION
                    .saturating_sub(self.counter)
                    .max(1);
                let k = due.min(left as u64);
                self.counter += k as u32;
                t = t + (k - 1) * CHECK_EXPIRE_INTERVAL;
            } else {
                self.partial_check(t);
            }
            t = t + CHECK_EXPIRE_INTERVAL;
        }
        self.next_tick = Some(t);
    }

    /// ip_vs_lblc_full_check: every entry with now ≥ lastuse + expiration goes (a full turn
    /// of the buckets leaves the rover where it was).
    fn full_check(&mut self, t: Time) {
        let exp = self.expiration;
        self.map.retain(|_, e| t < e.lastuse + exp);
    }

    /// The over-size sweep: goal = min((entries − 16384)·4/3, 8192); from the bucket after
    /// the rover, remove the entries idle ≥ 6 min of a whole bucket at a time until the goal
    /// is met; the rover stays on the last bucket swept.
    fn partial_check(&mut self, t: Time) {
        let goal = (self.map.len().saturating_sub(MAX_SIZE) * 4 / 3).min(MAX_SIZE / 2);
        let mut goal = goal as i64;
        let rover = self.rover;
        let mut order: Vec<(u32, Reverse<u64>, Ipv4Addr, bool)> = self
            .map
            .iter()
            .map(|(a, e)| {
                let b = hash_32(host(*a), TAB_BITS);
                let from_rover = (b + TAB_SIZE - rover - 1) % TAB_SIZE;
                (
                    from_rover,
                    Reverse(e.seq),
                    *a,
                    t >= e.lastuse + ENTRY_TIMEOUT,
                )
            })
            .collect();
        order.sort();
        for chain in order.chunk_by(|x, y| x.0 == y.0) {
            for (_, _, a, stale) in chain {
                if *stale {
                    self.map.remove(a);
                    goal -= 1;
                }
            }
            if goal <= 0 {
                if let Some(first) = chain.first() {
                    self.rover = (rover + 1 + first.0) % TAB_SIZE;
                }
                break;
            }
        }
    }
}

/// The cached dest as it is now: by id, or by ip:port (the cache's reference keeps a deleted
/// dest in the kernel's trash, so re-adding the same ip:port revives the very object).
pub(super) fn resolve<'a>(dests: &'a [DestView], cached: &DestView) -> Option<&'a DestView> {
    dests.iter().find(|d| d.id == cached.id).or_else(|| {
        dests
            .iter()
            .find(|d| (d.addr, d.port) == (cached.addr, cached.port))
    })
}

/// lblc's is_overloaded (lblcr's too): active > weight, and some dest of the service, any, has
/// 2·active < weight. Returns that dest, the witness. The OVERLOAD flag plays no part.
pub(super) fn lblc_overloaded<'a>(d: &DestView, dests: &'a [DestView]) -> Option<&'a DestView> {
    if d.active <= d.weight {
        return None;
    }
    dests
        .iter()
        .find(|x| (x.active as u64) * 2 < x.weight as u64)
}

/// `10.0.0.12:80 overloaded (active 3 > weight 2; 10.0.0.11:80 2·0 < 1)`.
pub(super) fn overloaded_why(d: &DestView, w: &DestView) -> String {
    format!(
        "{} overloaded (active {} > weight {}; {} 2·{} < {})",
        ep(d),
        d.active,
        d.weight,
        ep(w),
        w.active,
        w.weight
    )
}

pub struct Lblc {
    table: Table<DestView>,
}

impl Lblc {
    pub fn new() -> Lblc {
        Lblc {
            table: Table::new(EXPIRATION),
        }
    }
}

impl Default for Lblc {
    fn default() -> Lblc {
        Lblc::new()
    }
}

impl Scheduler for Lblc {
    fn name(&self) -> &'static str {
        "lblc"
    }

    /// A cached entry is used (lastuse = now) when its dest is still listed, has weight > 0
    /// and is not lblc-overloaded; otherwise the wlc choice replaces it (kept if the same).
    fn schedule(&mut self, dests: &[DestView], pkt: &Packet) -> Result<(u32, String), String> {
        let (now, daddr) = (pkt.now, pkt.daddr);
        // sysctl_lblc_expiration is read each time the timer looks.
        self.table.expiration = pkt.expiration.0;
        self.table.run_timer(now);
        let mut why_not = format!("new for {daddr}");
        let mut cached = None;
        if let Some(e) = self.table.get_mut(daddr) {
            e.lastuse = now;
            match resolve(dests, &e.val) {
                None => why_not = format!("cached {} deleted", ep(&e.val)),
                Some(d) if d.weight == 0 => why_not = format!("cached {} has weight 0", ep(d)),
                Some(d) => match lblc_overloaded(d, dests) {
                    None => {
                        e.val = *d;
                        return Ok((d.id, format!("lblc → {} (cached for {daddr})", ep(d))));
                    }
                    Some(w) => {
                        cached = Some(d.id);
                        why_not = overloaded_why(d, w);
                    }
                },
            }
        }
        let (d, wlc) = wlc_pick(dests).ok_or_else(|| no_dest("lblc"))?;
        match self.table.get_mut(daddr) {
            Some(e) if cached == Some(d.id) => e.val = *d,
            _ => self.table.insert(daddr, *d, now),
        }
        Ok((d.id, format!("lblc → {} ({why_not}; wlc: {wlc})", ep(d))))
    }
}

#[cfg(test)]
#[path = "lblc_tests.rs"]
mod tests;
