//! wlc: weighted least connection (ip_vs_wlc.c, lvs.md §1.5), the default scheduler. Its search
//! is shared: sed and nq run it with their own cost, lblc and lblcr fall back to it.

use super::rr::{ep, no_dest};
use super::{DestView, Packet, Scheduler};

/// `doh / dw < loh / lw` without division, as the kernel writes it: `loh·dw > doh·lw`. The
/// kernel multiplies in 64 bits (weight ≤ 65535, overhead < 2⁴¹: no overflow); u128 keeps the
/// same answer for any u32 weight.
pub(super) fn lower(doh: u64, dw: u32, loh: u64, lw: u32) -> bool {
    loh as u128 * dw as u128 > doh as u128 * lw as u128
}

/// The search of ip_vs_wlc_schedule (and of sed, nq's fallback, lblc, lblcr): the first dest
/// that is not overloaded and has weight > 0 is the candidate; each later non-overloaded dest
/// (weight 0 included, though it can never win) replaces it only when strictly lower in
/// cost / weight, so ties keep the earlier (newer) dest. `skip` leaves one dest out (the
/// runner-up a reason quotes).
pub(super) fn weighted_least(
    dests: &[DestView],
    cost: fn(&DestView) -> u64,
    skip: Option<usize>,
) -> Option<usize> {
    let mut rest = dests
        .iter()
        .enumerate()
        .filter(|&(i, d)| Some(i) != skip && !d.overloaded);
    let (mut li, mut least) = rest.by_ref().find(|(_, d)| d.weight > 0)?;
    let mut loh = cost(least);
    for (i, d) in rest {
        let doh = cost(d);
        if lower(doh, d.weight, loh, least.weight) {
            (li, least, loh) = (i, d, doh);
        }
    }
    Some(li)
}

/// `overhead 1 / weight 2 beats 10.0.0.11:80 2 / 2`: the choice against the runner-up.
pub(super) fn weighted_reason(
    dests: &[DestView],
    chosen: &DestView,
    i: usize,
    cost: fn(&DestView) -> u64,
    label: &str,
) -> String {
    let (c, w) = (cost(chosen), chosen.weight);
    match weighted_least(dests, cost, Some(i)).and_then(|r| dests.get(r)) {
        None => format!("{label} {c} / weight {w}, the only candidate"),
        Some(r) if lower(cost(r), r.weight, c, w) || lower(c, w, cost(r), r.weight) => {
            format!(
                "{label} {c} / weight {w} beats {} {} / {}",
                ep(r),
                cost(r),
                r.weight
            )
        }
        Some(r) => format!(
            "{label} {c} / weight {w} ties {} {} / {}, earlier in the list",
            ep(r),
            cost(r),
            r.weight
        ),
    }
}

/// The whole-service wlc choice, with its reason (no scheduler name).
pub(super) fn wlc_pick(dests: &[DestView]) -> Option<(&DestView, String)> {
    let i = weighted_least(dests, DestView::overhead, None)?;
    let d = dests.get(i)?;
    Some((
        d,
        weighted_reason(dests, d, i, DestView::overhead, "overhead"),
    ))
}

pub struct Wlc;

impl Scheduler for Wlc {
    fn name(&self) -> &'static str {
        "wlc"
    }

    fn schedule(&mut self, dests: &[DestView], pkt: &Packet) -> Result<(u32, String), String> {
        if !pkt.explain {
            let i =
                weighted_least(dests, DestView::overhead, None).ok_or_else(|| no_dest("wlc"))?;
            return Ok((dests[i].id, String::new()));
        }
        let (d, why) = wlc_pick(dests).ok_or_else(|| no_dest("wlc"))?;
        Ok((d.id, format!("wlc → {} ({why})", ep(d))))
    }
}

#[cfg(test)]
mod tests {
    use super::super::rr::fixture::{added, check_cases, picks, pkt, Case};
    use super::*;

    #[test]
    fn the_same_pick_without_a_reason() {
        let d = added(&[(1, 1), (2, 3), (3, 2)]);
        let quiet = Packet {
            explain: false,
            ..pkt()
        };
        let (id, why) = Wlc.schedule(&d, &pkt()).unwrap();
        assert!(!why.is_empty());
        assert_eq!(Wlc.schedule(&d, &quiet), Ok((id, String::new())));
    }

    #[test]
    fn three_to_one_with_rs2_ahead() {
        // rs1 (w=1) added first, rs2 (w=3) after: rs2 is ahead in the list.
        let mut d = added(&[(1, 1), (2, 3)]);
        assert_eq!(picks(&mut Wlc, &mut d, 8, true), [2, 1, 2, 2, 2, 1, 2, 2]);
        assert_eq!((d[0].active, d[1].active), (6, 2));
    }

    #[test]
    fn cross_multiplication_and_ties() {
        // (weights rs1..rs3, (active, inactive) rs1..rs3, overloaded rs, pick)
        let cases: &[Case] = &[
            ([1, 1, 1], [(0, 0); 3], 0, 3),                  // tie: the newest
            ([1, 1, 1], [(0, 0), (0, 1), (0, 1)], 0, 1),     // inactive counts 1
            ([1, 1, 1], [(1, 0), (0, 255), (0, 256)], 0, 2), // active counts 256
            ([2, 1, 1], [(1, 0), (0, 200), (0, 200)], 0, 1), // 256/2 < 200/1
            ([0, 1, 1], [(0, 0), (1, 0), (1, 0)], 0, 3),     // weight 0 never wins
            ([1, 2, 4], [(1, 0), (2, 0), (4, 0)], 0, 3),     // all 256/1: tie, the newest
            ([65535, 1, 1], [(u32::MAX, 0), (0, 0), (0, 0)], 0, 3), // no overflow
            ([1, 1, 1], [(0, 5), (0, 6), (0, 0)], 3, 1),     // overloaded skipped
            ([1, 1, 1], [(0, 0); 3], 3, 2),                  // the first candidate too
        ];
        check_cases(&mut Wlc, cases);
    }

    #[test]
    fn reasons_and_errors() {
        let mut d = added(&[(1, 2), (2, 2)]);
        (d[0].inactive, d[1].inactive) = (1, 2);
        let why = "wlc → 10.0.0.12:80 (overhead 1 / weight 2 beats 10.0.0.11:80 2 / 2)";
        assert_eq!(Wlc.schedule(&d, &pkt()), Ok((2, why.into())));
        d[1].inactive = 1;
        let why = "wlc → 10.0.0.12:80 (overhead 1 / weight 2 ties 10.0.0.11:80 1 / 2, earlier in the list)";
        assert_eq!(Wlc.schedule(&d, &pkt()), Ok((2, why.into())));
        d[0].overloaded = true;
        let why = "wlc → 10.0.0.11:80 (overhead 1 / weight 2, the only candidate)";
        assert_eq!(Wlc.schedule(&d, &pkt()), Ok((1, why.into())));
        d[1].weight = 0;
        assert_eq!(
            Wlc.schedule(&d, &pkt()),
            Err("wlc: no destination available".into())
        );
    }
}
