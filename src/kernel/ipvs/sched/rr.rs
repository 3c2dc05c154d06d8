//! rr: round robin (ip_vs_rr.c, lvs.md §1.2), and the few helpers every scheduler's reason uses.

use super::{Change, DestView, Packet, Scheduler};

/// `10.0.0.11:80`: how a reason names a destination.
pub(super) fn ep(d: &DestView) -> String {
    format!("{}:{}", d.addr, d.port)
}

/// The explicit test of rr, lc and nq (and what the others amount to): not OVERLOAD-flagged
/// and weight > 0.
pub(super) fn usable(d: &DestView) -> bool {
    !d.overloaded && d.weight > 0
}

/// ip_vs_scheduler_err's text, the reason when nothing is chosen.
pub(super) fn no_dest(name: &str) -> String {
    format!("{name}: no destination available")
}

/// The pointer to the last dest chosen; None is the list head (init_service).
#[derive(Default)]
pub struct Rr {
    ptr: Option<u32>,
}

impl Rr {
    pub fn new() -> Rr {
        Rr::default()
    }
}

impl Scheduler for Rr {
    fn name(&self) -> &'static str {
        "rr"
    }

    /// From the element after the pointer to the tail, then from the head up to and including
    /// the pointer's own dest; the first usable one wins and becomes the pointer. When nothing
    /// qualifies the pointer stays. A pointer not in the list (the core always reports a delete,
    /// so this does not happen) counts as the head.
    fn schedule(&mut self, dests: &[DestView], _pkt: &Packet) -> Result<(u32, String), String> {
        let last = self
            .ptr
            .and_then(|id| dests.iter().position(|d| d.id == id));
        let walk: Vec<usize> = match last {
            None => (0..dests.len()).collect(),
            Some(l) => (l + 1..dests.len()).chain(0..=l).collect(),
        };
        let mut skipped = 0;
        for i in walk {
            let Some(d) = dests.get(i) else { continue };
            if !usable(d) {
                skipped += 1;
                continue;
            }
            self.ptr = Some(d.id);
            let after = match last.and_then(|l| dests.get(l)) {
                Some(p) => format!("next after {}", ep(p)),
                None => "first in the list".to_string(),
            };
            let skip = match skipped {
                0 => String::new(),
                n => format!(", skipping {n} overloaded or weight 0"),
            };
            return Ok((d.id, format!("rr → {} ({after}{skip})", ep(d))));
        }
        Err(no_dest("rr"))
    }

    /// ip_vs_rr_del_dest: a pointer on the deleted dest moves to its predecessor (or the head),
    /// so the walk goes on with the deleted dest's successor.
    fn update(&mut self, _dests: &[DestView], change: Change) {
        if let Change::Del { id, prev } = change {
            if self.ptr == Some(id) {
                self.ptr = prev;
            }
        }
    }
}

/// Builders shared by every scheduler's tests.
#[cfg(test)]
pub(super) mod fixture {
    use super::super::{Change, DestView, Packet, Scheduler};
    use crate::sim::Time;
    use std::net::Ipv4Addr;

    /// rsN: id N, 10.0.0.(10+N):80.
    pub fn rs(n: u8, weight: u32) -> DestView {
        DestView {
            id: n as u32,
            addr: Ipv4Addr::new(10, 0, 0, 10 + n),
            port: 80,
            weight,
            active: 0,
            inactive: 0,
            overloaded: false,
        }
    }

    /// A list given oldest-added first, as the kernel holds it: newest first.
    pub fn added(order: &[(u8, u32)]) -> Vec<DestView> {
        order.iter().rev().map(|&(n, w)| rs(n, w)).collect()
    }

    /// A SYN from `client` (port `sport`) to `vip` at `secs`.
    pub fn syn(client: [u8; 4], sport: u16, vip: [u8; 4], secs: u64) -> Packet {
        Packet {
            saddr: client.into(),
            sport,
            daddr: vip.into(),
            now: Time::from_secs(secs),
            explain: true,
            expiration: (
                86_400 * crate::sim::time::SEC,
                86_400 * crate::sim::time::SEC,
            ),
        }
    }

    pub fn pkt() -> Packet {
        syn([192, 168, 1, 5], 40000, [10, 0, 0, 100], 0)
    }

    /// `n` schedules of the same packet; with `count`, each pick adds an active connection.
    pub fn picks(s: &mut dyn Scheduler, dests: &mut [DestView], n: usize, count: bool) -> Vec<u32> {
        let mut out = Vec::new();
        for _ in 0..n {
            match s.schedule(dests, &pkt()) {
                Ok((id, _)) => {
                    out.push(id);
                    if count {
                        if let Some(d) = dests.iter_mut().find(|d| d.id == id) {
                            d.active += 1;
                        }
                    }
                }
                Err(_) => out.push(0),
            }
        }
        out
    }

    /// (weights of rs1..rs3, (active, inactive) of rs1..rs3, the OVERLOAD-flagged rs or 0,
    /// the pick or 0 for none).
    pub type Case = ([u32; 3], [(u32, u32); 3], u32, u32);

    /// Each case on [rs3, rs2, rs1] (added rs1 first).
    pub fn check_cases(s: &mut dyn Scheduler, cases: &[Case]) {
        for (w, load, over, want) in cases {
            let mut d = added(&[(1, w[0]), (2, w[1]), (3, w[2])]);
            for x in d.iter_mut() {
                (x.active, x.inactive) = load[x.id as usize - 1];
                x.overloaded = x.id == *over;
            }
            let got = s.schedule(&d, &pkt()).map_or(0, |r| r.0);
            assert_eq!(got, *want, "{} {w:?} {load:?} {over}", s.name());
        }
    }

    /// (weight, active, OVERLOAD flag) of one dest.
    pub type Fig = (u32, u32, bool);

    /// One step of a cache scheduler's table: at `secs`, with rs2 and rs1 (rs2 ahead in the
    /// list) set to their figures, a SYN from 192.168.1.5 to 10.0.0.`vip` goes to rsN (0: none).
    pub type Step = (u64, u8, Fig, Fig, u32);

    /// Runs the steps on [rs2, rs1]; the reasons, for the test to read.
    pub fn run_steps(s: &mut dyn Scheduler, steps: &[Step]) -> Vec<String> {
        let mut d = added(&[(1, 1), (2, 1)]);
        let mut why = Vec::new();
        for (n, &(t, vip, rs2, rs1, want)) in steps.iter().enumerate() {
            for (x, f) in d.iter_mut().zip([rs2, rs1]) {
                (x.weight, x.active, x.overloaded) = f;
            }
            let r = s.schedule(&d, &syn([192, 168, 1, 5], 1000, [10, 0, 0, vip], t));
            let got = r.as_ref().map_or(0, |r| r.0);
            let text = r.map_or_else(|e| e, |r| r.1);
            assert_eq!(got, want, "step {n} at {t}s: {text}");
            why.push(text);
        }
        why
    }

    /// Adds dests to `list` one at a time as `ipvsadm -a` does (head insert, then the hook).
    pub fn add_each(s: &mut dyn Scheduler, list: &mut Vec<DestView>, order: &[(u8, u32)]) {
        for &(n, w) in order {
            list.insert(0, rs(n, w));
            s.update(list, Change::Add(n as u32));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::{added, picks, pkt};
    use super::*;

    #[test]
    fn order_is_newest_first_and_wraps() {
        let mut d = added(&[(1, 1), (2, 1), (3, 1)]);
        let mut s = Rr::new();
        assert_eq!(picks(&mut s, &mut d, 7, false), [3, 2, 1, 3, 2, 1, 3]);
        let (_, why) = s.schedule(&d, &pkt()).expect("rr");
        assert_eq!(why, "rr → 10.0.0.12:80 (next after 10.0.0.13:80)");
    }

    /// (weights of rs1..rs3, the overloaded rs, the picks; 0 is none)
    type Seq = ([u32; 3], Option<u8>, &'static [u32]);

    #[test]
    fn skips_weight_zero_and_overloaded() {
        // (weights of rs1..rs3, overloaded rs, picks)
        let cases: &[Seq] = &[
            ([1, 0, 1], None, &[3, 1, 3, 1]),
            ([1, 1, 1], Some(1), &[3, 2, 3, 2]),
            ([0, 0, 0], None, &[0, 0]),
            ([0, 1, 0], Some(2), &[0]),
        ];
        for (w, over, want) in cases {
            let mut d = added(&[(1, w[0]), (2, w[1]), (3, w[2])]);
            d.iter_mut()
                .for_each(|x| x.overloaded = Some(x.id as u8) == *over);
            let mut s = Rr::new();
            assert_eq!(
                picks(&mut s, &mut d, want.len(), false),
                *want,
                "{w:?} {over:?}"
            );
        }
        let d = added(&[(1, 0)]);
        assert_eq!(
            Rr::new().schedule(&d, &pkt()),
            Err("rr: no destination available".into())
        );
    }

    #[test]
    fn no_scheduler_picks_weight_0_or_overloaded() {
        use super::super::{new, Flags, NAMES};
        use super::fixture::syn;
        // rs3 weight 0, rs2 overloaded: only rs1 may ever be chosen (or nothing: dh, sh).
        let mut d = added(&[(1, 1), (2, 5), (3, 0)]);
        d[1].overloaded = true;
        for name in NAMES {
            let flags = Flags {
                fallback: true,
                port: true,
            };
            let mut s = new(name, &d, flags).expect("known");
            assert_eq!(s.name(), *name);
            for n in 0..60u8 {
                let p = syn([192, 168, n, 1], 1000 + n as u16, [10, 0, 0, n], n as u64);
                if let Ok((id, why)) = s.schedule(&d, &p) {
                    assert_eq!(id, 1, "{name}: {why}");
                }
            }
        }
        assert!(new("fo", &d, Flags::default()).is_none());
    }

    #[test]
    fn delete_moves_the_pointer_to_the_predecessor() {
        // (picks before the delete, deleted rs, picks after)
        let cases: &[(usize, u32, &[u32])] = &[
            (2, 2, &[1, 3, 1]), // pointer on rs2 → rs3: next is rs1
            (1, 3, &[2, 1, 2]), // pointer on the head element → list head
            (2, 1, &[3, 2, 3]), // pointer elsewhere: unchanged
        ];
        for &(before, del, after) in cases {
            let mut d = added(&[(1, 1), (2, 1), (3, 1)]);
            let mut s = Rr::new();
            picks(&mut s, &mut d, before, false);
            let i = d.iter().position(|x| x.id == del).expect("listed");
            let prev = i.checked_sub(1).and_then(|p| d.get(p)).map(|p| p.id);
            d.remove(i);
            s.update(&d, Change::Del { id: del, prev });
            assert_eq!(
                picks(&mut s, &mut d, after.len(), false),
                after,
                "del rs{del}"
            );
        }
    }
}
