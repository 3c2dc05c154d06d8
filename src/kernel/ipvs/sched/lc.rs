//! lc: least connection (ip_vs_lc.c, lvs.md §1.4). Weight only excludes (0); it does not scale.

use super::rr::{ep, no_dest, usable};
use super::{DestView, Packet, Scheduler};

/// The usable dest with the smallest overhead, strict <, so a tie goes to the first found (the
/// newest). `skip` leaves one out (for the runner-up in the reason).
fn least(dests: &[DestView], skip: Option<usize>) -> Option<usize> {
    let mut best: Option<(usize, u64)> = None;
    for (i, d) in dests.iter().enumerate() {
        if Some(i) == skip || !usable(d) {
            continue;
        }
        let doh = d.overhead();
        if best.is_none_or(|(_, loh)| doh < loh) {
            best = Some((i, doh));
        }
    }
    best.map(|(i, _)| i)
}

pub struct Lc;

impl Scheduler for Lc {
    fn name(&self) -> &'static str {
        "lc"
    }

    fn schedule(&mut self, dests: &[DestView], _pkt: &Packet) -> Result<(u32, String), String> {
        let i = least(dests, None).ok_or_else(|| no_dest("lc"))?;
        let d = dests.get(i).ok_or_else(|| no_dest("lc"))?;
        let oh = d.overhead();
        let why = match least(dests, Some(i)).and_then(|r| dests.get(r)) {
            None => format!("overhead {oh}, the only candidate"),
            Some(r) if r.overhead() == oh => {
                format!("overhead {oh} ties {} {oh}, earlier in the list", ep(r))
            }
            Some(r) => format!("overhead {oh} < {} {}", ep(r), r.overhead()),
        };
        Ok((d.id, format!("lc → {} ({why})", ep(d))))
    }
}

#[cfg(test)]
mod tests {
    use super::super::rr::fixture::{added, check_cases, picks, pkt, Case};
    use super::*;

    #[test]
    fn least_overhead_ties_to_the_newest() {
        // (weights rs1..rs3, (active, inactive) rs1..rs3, overloaded rs, pick)
        let cases: &[Case] = &[
            ([1, 1, 1], [(0, 0); 3], 0, 3),
            ([1, 1, 1], [(0, 3), (0, 3), (0, 3)], 0, 3),
            ([1, 1, 1], [(0, 1), (0, 1), (0, 2)], 0, 2),
            ([1, 100, 1], [(0, 2), (0, 3), (0, 2)], 0, 3), // weight does not scale
            ([1, 1, 1], [(1, 0), (0, 255), (0, 256)], 0, 2),
            ([1, 1, 0], [(0, 5), (0, 6), (0, 0)], 0, 1), // weight 0 skipped
            ([1, 1, 1], [(0, 5), (0, 6), (0, 0)], 3, 1), // overloaded skipped
            ([0, 0, 0], [(0, 0); 3], 0, 0),
        ];
        check_cases(&mut Lc, cases);
    }

    #[test]
    fn spreads_and_explains() {
        let mut d = added(&[(1, 1), (2, 5)]);
        assert_eq!(picks(&mut Lc, &mut d, 4, true), [2, 1, 2, 1]);
        let why = "lc → 10.0.0.12:80 (overhead 512 ties 10.0.0.11:80 512, earlier in the list)";
        assert_eq!(Lc.schedule(&d, &pkt()), Ok((2, why.into())));
        d[1].inactive = 1;
        let why = "lc → 10.0.0.12:80 (overhead 512 < 10.0.0.11:80 513)";
        assert_eq!(Lc.schedule(&d, &pkt()), Ok((2, why.into())));
        d[0].weight = 0;
        assert_eq!(Lc.schedule(&d, &pkt()).map(|r| r.0), Ok(1));
        d[1].weight = 0;
        assert_eq!(
            Lc.schedule(&d, &pkt()),
            Err("lc: no destination available".into())
        );
    }
}
