//! sed: shortest expected delay (ip_vs_sed.c, lvs.md §1.6): wlc's search and tie rule with the
//! cost active + 1 (inactive connections ignored; the +1 is the incoming job).

use super::rr::{ep, no_dest};
use super::wlc::{weighted_least, weighted_reason};
use super::{DestView, Packet, Scheduler};

/// ip_vs_sed_dest_overhead, also nq's.
pub(super) fn sed_cost(d: &DestView) -> u64 {
    d.active as u64 + 1
}

/// The sed choice with its reason (no scheduler name), nq's fallback too.
pub(super) fn sed_pick(dests: &[DestView]) -> Option<(&DestView, String)> {
    let i = weighted_least(dests, sed_cost, None)?;
    let d = dests.get(i)?;
    Some((d, weighted_reason(dests, d, i, sed_cost, "active+1")))
}

pub struct Sed;

impl Scheduler for Sed {
    fn name(&self) -> &'static str {
        "sed"
    }

    fn schedule(&mut self, dests: &[DestView], _pkt: &Packet) -> Result<(u32, String), String> {
        let (d, why) = sed_pick(dests).ok_or_else(|| no_dest("sed"))?;
        Ok((d.id, format!("sed → {} ({why})", ep(d))))
    }
}

#[cfg(test)]
mod tests {
    use super::super::rr::fixture::{added, check_cases, picks, pkt, Case};
    use super::super::wlc::Wlc;
    use super::*;

    #[test]
    fn idle_weight_1_waits_until_weight_3_has_three() {
        // rs1 w=1, rs3 w=3 (ahead in the list): (scheduler, picks with counting)
        let cases: &[(&str, &[u32])] = &[
            ("sed", &[3, 3, 3, 1, 3, 3, 3, 1]),
            ("wlc", &[3, 1, 3, 3, 3, 1, 3, 3]),
        ];
        for (name, want) in cases {
            let mut d = added(&[(1, 1), (3, 3)]);
            let s: &mut dyn Scheduler = match *name {
                "sed" => &mut Sed,
                _ => &mut Wlc,
            };
            assert_eq!(picks(s, &mut d, want.len(), true), *want, "{name}");
        }
    }

    #[test]
    fn inactive_ignored_weight_0_and_overloaded_never() {
        // (weights rs1..rs3, (active, inactive) rs1..rs3, overloaded rs, pick)
        let cases: &[Case] = &[
            ([1, 1, 1], [(0, 9), (0, 5), (1, 0)], 0, 2), // inactive ignored: tie rs2/rs1
            ([1, 1, 5], [(0, 0), (0, 0), (4, 0)], 0, 3), // 5/5 ties 1/1: earlier
            ([1, 1, 5], [(0, 0), (0, 0), (5, 0)], 0, 2), // 6/5 > 1/1
            ([1, 0, 0], [(7, 0), (0, 0), (0, 0)], 0, 1), // weight 0 never
            ([1, 1, 1], [(7, 0), (0, 0), (0, 0)], 3, 2), // overloaded never
            ([0, 0, 1], [(0, 0), (0, 0), (0, 0)], 3, 0),
        ];
        check_cases(&mut Sed, cases);
        let d = added(&[(1, 1), (3, 3)]);
        let why = "sed → 10.0.0.13:80 (active+1 1 / weight 3 beats 10.0.0.11:80 1 / 1)";
        assert_eq!(Sed.schedule(&d, &pkt()), Ok((3, why.into())));
        assert_eq!(
            Sed.schedule(&[], &pkt()),
            Err("sed: no destination available".into())
        );
    }
}
