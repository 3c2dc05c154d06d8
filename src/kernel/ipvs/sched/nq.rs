//! nq: never queue (ip_vs_nq.c, lvs.md §1.7): the first idle usable dest at once, whatever its
//! weight and inactive count; with none idle, the sed choice.

use super::rr::{ep, no_dest, usable};
use super::sed::sed_pick;
use super::{DestView, Packet, Scheduler};

pub struct Nq;

impl Scheduler for Nq {
    fn name(&self) -> &'static str {
        "nq"
    }

    /// The kernel's single walk skips overloaded and weight-0 dests, returns at the first with
    /// no active connection, and otherwise keeps the least (active+1)/weight, ties to the
    /// earlier: which is sed's search (weight 0 can never win it).
    fn schedule(&mut self, dests: &[DestView], _pkt: &Packet) -> Result<(u32, String), String> {
        if let Some(d) = dests.iter().find(|d| usable(d) && d.active == 0) {
            let why = format!("nq → {} (idle: 0 active, {} inactive)", ep(d), d.inactive);
            return Ok((d.id, why));
        }
        let (d, why) = sed_pick(dests).ok_or_else(|| no_dest("nq"))?;
        Ok((d.id, format!("nq → {} (none idle; {why})", ep(d))))
    }
}

#[cfg(test)]
mod tests {
    use super::super::rr::fixture::{added, check_cases, picks, pkt, Case};
    use super::*;

    #[test]
    fn first_idle_else_sed() {
        // (weights rs1..rs3, (active, inactive) rs1..rs3, overloaded rs, pick)
        let cases: &[Case] = &[
            ([9, 1, 1], [(0, 0), (0, 0), (0, 0)], 0, 3), // first idle, weight aside
            ([9, 1, 1], [(0, 0), (0, 99), (5, 0)], 0, 2), // inactive does not count
            ([9, 1, 0], [(0, 0), (1, 0), (0, 0)], 0, 1), // idle but weight 0: skipped
            ([9, 1, 1], [(0, 0), (1, 0), (0, 0)], 3, 1), // idle but overloaded: skipped
            ([3, 1, 1], [(2, 0), (1, 0), (1, 0)], 0, 1), // none idle: 3/3 beats 2/1
            ([1, 1, 2], [(1, 0), (1, 0), (3, 0)], 0, 3), // 4/2 ties 2/1: earlier
            ([0, 0, 0], [(0, 0), (0, 0), (0, 0)], 0, 0),
        ];
        check_cases(&mut Nq, cases);
    }

    #[test]
    fn fills_every_idle_server_first() {
        let mut d = added(&[(1, 1), (2, 3)]);
        assert_eq!(picks(&mut Nq, &mut d, 8, true), [2, 1, 2, 2, 2, 2, 2, 1]);
        let why = "nq → 10.0.0.12:80 (none idle; active+1 7 / weight 3 beats 10.0.0.11:80 3 / 1)";
        assert_eq!(Nq.schedule(&d, &pkt()), Ok((2, why.into())));
        assert_eq!(
            Nq.schedule(&[], &pkt()),
            Err("nq: no destination available".into())
        );
    }
}
