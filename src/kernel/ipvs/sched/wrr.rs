//! wrr: weighted round robin (ip_vs_wrr.c, lvs.md §1.3).

use super::rr::{ep, no_dest};
use super::{Change, DestView, Packet, Scheduler};

/// The kernel's `ip_vs_wrr_mark`: `cl` the current position (None is the list head), `cw` the
/// current weight, `mw` the maximum weight less (di − 1), `di` the gcd of the positive weights.
pub struct Wrr {
    cl: Option<u32>,
    cw: i64,
    mw: i64,
    di: i64,
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// ip_vs_wrr_gcd_weight: the gcd of all positive weights, 1 when there are none.
fn gcd_weight(dests: &[DestView]) -> i64 {
    let g = dests
        .iter()
        .map(|d| d.weight as i64)
        .filter(|&w| w > 0)
        .fold(0, gcd);
    g.max(1)
}

/// (di, mw): mw = max weight − (di − 1), 0 when every weight is 0.
fn marks(dests: &[DestView]) -> (i64, i64) {
    let di = gcd_weight(dests);
    let max = dests.iter().map(|d| d.weight as i64).max().unwrap_or(0);
    (di, max - (di - 1))
}

impl Wrr {
    /// init_service: cl at the head, cw = mw.
    pub fn new(dests: &[DestView]) -> Wrr {
        let (di, mw) = marks(dests);
        Wrr {
            cl: None,
            cw: mw,
            mw,
            di,
        }
    }

    /// ip_vs_wrr_dest_changed, the hook for add, delete and edit alike.
    fn dest_changed(&mut self, dests: &[DestView]) {
        self.cl = None;
        (self.di, self.mw) = marks(dests);
        if self.cw > self.mw || self.cw == 0 {
            self.cw = self.mw;
        } else if self.di > 1 {
            self.cw = (self.cw / self.di) * self.di + 1;
        }
    }
}

impl Scheduler for Wrr {
    fn name(&self) -> &'static str {
        "wrr"
    }

    /// ip_vs_wrr_schedule: scan on from cl for a dest with weight ≥ cw; each run off the tail
    /// lowers cw by di; cw ≤ 0 resets it to mw and ends the call when the scan began at the head
    /// or a last pass (cw ≤ di) was already made; a call begun mid-list that restarted stops at
    /// its starting dest once cw ≤ di. (A cl not in the list, which the hooks prevent, counts
    /// as the head.)
    fn schedule(&mut self, dests: &[DestView], _pkt: &Packet) -> Result<(u32, String), String> {
        if self.mw == 0 {
            return Err(no_dest("wrr"));
        }
        let overloaded = || format!("{}: all destinations are overloaded", no_dest("wrr"));
        let last = self.cl.and_then(|id| dests.iter().position(|d| d.id == id));
        let mut pos = last;
        let mut stop: Option<usize> = None;
        let (mut last_pass, mut restarted) = (false, false);
        loop {
            for (i, d) in dests.iter().enumerate().skip(pos.map_or(0, |p| p + 1)) {
                if !d.overloaded && d.weight as i64 >= self.cw {
                    self.cl = Some(d.id);
                    let why = format!("wrr → {} (weight {} ≥ cw {})", ep(d), d.weight, self.cw);
                    return Ok((d.id, why));
                }
                if stop == Some(i) {
                    self.cl = Some(d.id);
                    return Err(overloaded());
                }
            }
            pos = None;
            self.cw -= self.di;
            if self.cw <= 0 {
                self.cw = self.mw;
                if last_pass || last.is_none() {
                    self.cl = None;
                    return Err(overloaded());
                }
                restarted = true;
            }
            last_pass = self.cw <= self.di;
            if last_pass && restarted && last.is_some() {
                stop = last;
            }
        }
    }

    fn update(&mut self, dests: &[DestView], _change: Change) {
        self.dest_changed(dests);
    }
}

#[cfg(test)]
mod tests {
    use super::super::rr::fixture::{add_each, added, picks, pkt};
    use super::*;

    const CYCLE: [u32; 9] = [1, 2, 1, 3, 2, 1, 3, 2, 1];

    #[test]
    fn nine_slot_cycle_when_bound_after_the_dests() {
        let mut d = added(&[(1, 4), (2, 3), (3, 2)]);
        let mut s = Wrr::new(&d);
        assert_eq!((s.di, s.mw, s.cw), (1, 4, 4));
        let mut want = CYCLE.to_vec();
        want.extend(CYCLE);
        assert_eq!(picks(&mut s, &mut d, 18, false), want);
    }

    #[test]
    fn added_one_at_a_time_starts_with_cw_1() {
        let mut s = Wrr::new(&[]);
        let mut d = Vec::new();
        add_each(&mut s, &mut d, &[(1, 4)]);
        assert_eq!((s.di, s.mw, s.cw), (4, 1, 1));
        add_each(&mut s, &mut d, &[(2, 3), (3, 2)]);
        assert_eq!((s.di, s.mw, s.cw), (1, 4, 1));
        let mut want = vec![3, 2, 1];
        want.extend(CYCLE);
        assert_eq!(picks(&mut s, &mut d, 12, false), want);
        let (_, why) = s.schedule(&d, &pkt()).expect("wrr");
        assert_eq!(why, "wrr → 10.0.0.11:80 (weight 4 ≥ cw 4)");
    }

    #[test]
    fn edit_resets_to_the_head() {
        let mut d = added(&[(1, 4), (2, 3), (3, 2)]);
        let mut s = Wrr::new(&d);
        assert_eq!(picks(&mut s, &mut d, 4, false), [1, 2, 1, 3]); // cw 2, cl on rs3
        s.update(&d, Change::Edit(2)); // nothing changed, but cl goes back to the head
        assert_eq!(picks(&mut s, &mut d, 3, false), [3, 2, 1]);
    }

    /// (cw before, weights of rs1 and rs2, (di, mw, cw) after)
    type Changed = (i64, [u32; 2], (i64, i64, i64));

    #[test]
    fn dest_changed_recomputes_di_mw_and_cw() {
        let cases: &[Changed] = &[
            (6, [8, 12], (4, 9, 5)),  // di > 1: (6 / 4)·4 + 1
            (10, [8, 12], (4, 9, 9)), // above mw: mw
            (0, [8, 12], (4, 9, 9)),  // 0: mw
            (3, [3, 5], (1, 5, 3)),   // di 1: unchanged
            (3, [0, 0], (1, 0, 0)),   // no weight: mw 0
        ];
        for &(cw, w, want) in cases {
            let d = added(&[(1, w[0]), (2, w[1])]);
            let mut s = Wrr::new(&d);
            s.cw = cw;
            s.cl = Some(1);
            s.update(&d, Change::Edit(1));
            assert_eq!(((s.di, s.mw, s.cw), s.cl), (want, None), "{cw} {w:?}");
        }
    }

    /// (weights of rs1..rs3, the overloaded rs, the picks; 0 is none)
    type Seq = ([u32; 3], Option<u32>, &'static [u32]);

    #[test]
    fn never_weight_0_nor_overloaded() {
        // (weights rs1..rs3, overloaded rs, picks); 0 is "no destination"
        let cases: &[Seq] = &[
            ([2, 0, 1], None, &[1, 3, 1, 1, 3, 1]),
            ([1, 1, 1], Some(2), &[3, 1, 3, 1]),
            ([1, 1, 1], Some(0), &[3, 2, 1, 3]),
            ([0, 0, 0], None, &[0, 0]),
        ];
        for (w, over, want) in cases {
            let mut d = added(&[(1, w[0]), (2, w[1]), (3, w[2])]);
            d.iter_mut()
                .for_each(|x| x.overloaded = Some(x.id) == *over);
            let mut s = Wrr::new(&d);
            assert_eq!(
                picks(&mut s, &mut d, want.len(), false),
                *want,
                "{w:?} {over:?}"
            );
        }
    }

    #[test]
    fn error_wording() {
        let mut d = added(&[(1, 1), (2, 1)]);
        let mut s = Wrr::new(&d);
        picks(&mut s, &mut d, 1, false); // cl on rs2, mid-list
        d.iter_mut().for_each(|x| x.overloaded = true);
        let over = "wrr: no destination available: all destinations are overloaded";
        assert_eq!(s.schedule(&d, &pkt()), Err(over.into()));
        assert_eq!(s.cl, Some(2)); // stopped at the dest it started from
        assert_eq!(s.schedule(&d, &pkt()), Err(over.into()));
        assert_eq!(
            Wrr::new(&added(&[(1, 0)])).schedule(&d, &pkt()),
            Err(no_dest("wrr"))
        );
    }
}
