use super::super::rr::fixture::{run_steps, Fig, Step};
use super::*;
use std::net::Ipv4Addr;

const IDLE: Fig = (1, 0, false);
const ONE: Fig = (1, 1, false);
const BUSY: Fig = (1, 2, false);
const DAY: u64 = 86_400;

fn members(s: &mut Lblcr, vip: u8) -> Vec<u32> {
    let e = s.table.get_mut(Ipv4Addr::new(10, 0, 0, vip));
    e.map_or(Vec::new(), |e| e.val.members.iter().map(|m| m.id).collect())
}

#[test]
fn the_set_grows_by_the_wlc_choice() {
    let mut s = Lblcr::new();
    let steps: &[Step] = &[
        (0, 100, IDLE, IDLE, 2),         // new set {rs2}
        (1, 100, ONE, IDLE, 2),          // rs2 not lblc-overloaded: kept
        (2, 100, (1, 1, true), IDLE, 1), // OVERLOAD: set_min finds none → wlc rs1, added
        (3, 100, ONE, IDLE, 1),          // least loaded in the set {rs1, rs2}
        (4, 100, IDLE, ONE, 2),          // now rs2
        (5, 100, IDLE, IDLE, 1),         // tie: the newest member, rs1
        (6, 101, BUSY, BUSY, 2),         // another daddr: its own set
    ];
    let why = run_steps(&mut s, steps);
    assert_eq!(members(&mut s, 100), [1, 2]);
    assert_eq!(members(&mut s, 101), [2]);
    assert_eq!(
        why[3],
        "lblcr → 10.0.0.11:80 (least loaded of 10.0.0.100's set of 2: \
         overhead 0 / weight 1 beats 10.0.0.12:80 256 / 1)"
    );
    assert!(why[2].ends_with("; added to the set)"), "{}", why[2]);
}

#[test]
fn lblc_overloaded_member_brings_in_another() {
    let mut s = Lblcr::new();
    let steps: &[Step] = &[
        (0, 100, IDLE, IDLE, 2),
        (1, 100, BUSY, ONE, 2),  // active 2 > 1 but nobody under half: kept
        (2, 100, BUSY, IDLE, 1), // rs1 2·0 < 1: rs2 lblc-overloaded → wlc rs1
        (3, 100, (0, 0, false), BUSY, 1), // rs2 weight 0 out of set_min; rs1 the only member
        (4, 100, (0, 0, false), (0, 0, false), 0),
    ];
    let why = run_steps(&mut s, steps);
    assert_eq!(members(&mut s, 100), [1, 2]);
    assert_eq!(why[4], "lblcr: no destination available");
}

#[test]
fn most_loaded_member_leaves_after_lblcr_expiration() {
    // Grown at t = 10 (lastmod); used hourly so the entry itself never expires.
    let mut steps: Vec<Step> = vec![(0, 100, IDLE, IDLE, 2), (10, 100, BUSY, IDLE, 1)];
    steps.extend((1..24).map(|h| (h * 3600, 100, BUSY, IDLE, 1)));
    // (time, members after): now > lastmod + 24 h strictly
    for (t, after) in [(DAY + 10, vec![1, 2]), (DAY + 11, vec![1])] {
        let mut s = Lblcr::new();
        let mut all = steps.clone();
        all.push((t, 100, BUSY, IDLE, 1));
        let why = run_steps(&mut s, &all);
        assert_eq!(members(&mut s, 100), after, "at {t}");
        let dropped = why
            .last()
            .is_some_and(|w| w.contains("dropped 10.0.0.12:80"));
        assert_eq!(dropped, after.len() == 1, "{why:?}");
    }
}

#[test]
fn the_dropped_member_may_be_the_one_returned() {
    // Equal loads: set_min and set_max both take the first (newest) member, rs1.
    let mut steps: Vec<Step> = vec![(0, 100, IDLE, IDLE, 2), (10, 100, BUSY, IDLE, 1)];
    steps.extend((1..=24).map(|h| (h * 3600 + 20, 100, ONE, ONE, 1)));
    let mut s = Lblcr::new();
    let why = run_steps(&mut s, &steps);
    assert_eq!(members(&mut s, 100), [2]);
    assert!(why
        .last()
        .is_some_and(|w| w.starts_with("lblcr → 10.0.0.11:80")));
}

#[test]
fn set_max_ignores_overload_but_not_weight_0() {
    let m = |id: u32, w: u32, active: u32, overloaded: bool| DestView {
        weight: w,
        active,
        overloaded,
        ..super::super::rr::fixture::rs(id as u8, 1)
    };
    // (members newest first, most loaded index)
    let cases: &[(&[DestView], Option<usize>)] = &[
        (&[m(1, 1, 1, false), m(2, 1, 2, true)], Some(1)),
        (&[m(1, 1, 2, false), m(2, 0, 9, false)], Some(0)),
        (&[m(1, 0, 2, false), m(2, 2, 2, false)], Some(1)),
        (&[m(1, 1, 2, false), m(2, 2, 4, false)], Some(0)), // tie: the first
        (&[m(1, 0, 2, false)], None),
    ];
    for (members, want) in cases {
        assert_eq!(set_max(members), *want, "{members:?}");
    }
}
