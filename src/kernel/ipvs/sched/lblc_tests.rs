use super::super::rr::fixture::{run_steps, Fig, Step};
use super::*;

const IDLE: Fig = (1, 0, false);
const ONE: Fig = (1, 1, false);
const DAY: u64 = 86_400;

#[test]
fn cache_hit_flag_ignored_and_the_lblc_overload_rule() {
    let steps: &[Step] = &[
        (0, 100, IDLE, IDLE, 2),                  // new: wlc tie → rs2 (ahead)
        (1, 100, ONE, IDLE, 2),                   // cached, though wlc would take rs1
        (2, 100, (1, 1, true), IDLE, 2),          // OVERLOAD flag not checked on the cached path
        (3, 100, (1, 2, false), ONE, 2),          // active 2 > weight 1, but nobody under half
        (4, 100, (1, 2, false), IDLE, 1),         // rs1 2·0 < 1: lblc-overloaded → wlc rs1
        (5, 100, IDLE, ONE, 1),                   // the entry now holds rs1
        (6, 101, IDLE, ONE, 2),                   // another daddr, its own entry
        (7, 100, IDLE, (0, 1, false), 2),         // cached weight 0 → wlc
        (8, 102, IDLE, IDLE, 2),                  //
        (9, 102, (1, 2, false), (1, 0, true), 2), // overloaded, but wlc skips flagged rs1
        (10, 102, (0, 0, false), (0, 0, false), 0),
    ];
    let why = run_steps(&mut Lblc::new(), steps);
    assert_eq!(why[1], "lblc → 10.0.0.12:80 (cached for 10.0.0.100)");
    assert_eq!(
        why[4],
        "lblc → 10.0.0.11:80 (10.0.0.12:80 overloaded (active 2 > weight 1; \
         10.0.0.11:80 2·0 < 1); wlc: overhead 0 / weight 1 beats 10.0.0.12:80 512 / 1)"
    );
    assert_eq!(why[10], "lblc: no destination available");
}

#[test]
fn expiry_after_lblc_expiration_at_the_half_hour_checks() {
    // (steps): the timer's phase is the first schedule; full checks every 1800 s after it.
    let cases: &[&[Step]] = &[
        &[(0, 100, IDLE, IDLE, 2), (DAY - 1, 100, ONE, IDLE, 2)], // not yet idle a day
        &[(0, 100, IDLE, IDLE, 2), (DAY, 100, ONE, IDLE, 1)],     // removed at t = 86400
        // lastuse 100: the check at 86400 keeps it, the one at 88200 removes it
        &[
            (0, 101, IDLE, IDLE, 2),
            (100, 100, IDLE, IDLE, 2),
            (88_199, 100, ONE, IDLE, 2),
        ],
        &[
            (0, 101, IDLE, IDLE, 2),
            (100, 100, IDLE, IDLE, 2),
            (88_200, 100, ONE, IDLE, 1),
        ],
        // each use refreshes lastuse
        &[
            (0, 100, IDLE, IDLE, 2),
            (DAY - 1, 100, ONE, IDLE, 2),
            (DAY + 1, 100, ONE, IDLE, 2),
        ],
    ];
    for steps in cases {
        run_steps(&mut Lblc::new(), steps);
    }
}

#[test]
fn deleted_cached_dest_and_revival_by_address() {
    let mut d = super::super::rr::fixture::added(&[(1, 1), (2, 1)]);
    let p = super::super::rr::fixture::syn([1, 1, 1, 1], 1, [10, 0, 0, 100], 0);
    let mut s = Lblc::new();
    assert_eq!(s.schedule(&d, &p).map(|r| r.0), Ok(2));
    // rs2 deleted and re-added as a new object (id 9, same ip:port): still the cached one
    d[0].id = 9;
    let why = "lblc → 10.0.0.12:80 (cached for 10.0.0.100)";
    assert_eq!(s.schedule(&d, &p), Ok((9, why.into())));
    d.remove(0);
    let (id, why) = s.schedule(&d, &p).expect("rs1");
    assert_eq!(
        (
            id,
            why.starts_with("lblc → 10.0.0.11:80 (cached 10.0.0.12:80 deleted")
        ),
        (1, true)
    );
}

#[test]
fn partial_sweep_above_16384_entries() {
    let mut t: Table<u32> = Table::new(EXPIRATION);
    t.run_timer(Time::ZERO);
    for i in 0..=MAX_SIZE as u32 {
        t.insert(Ipv4Addr::from(0x0A00_0000 + i), i, Time::ZERO);
    }
    // firings at 60..300 s: too big, but nothing idle 6 min; the counter does not advance
    t.run_timer(Time::from_secs(359));
    assert_eq!((t.len(), t.counter, t.rover), (MAX_SIZE + 1, 1, 0));
    // at 360 s: goal 1, so the first non-empty bucket after the rover goes, whole
    t.run_timer(Time::from_secs(360));
    let first = (1..TAB_SIZE)
        .find(|&b| (0..=MAX_SIZE as u32).any(|i| hash_32(0x0A00_0000 + i, TAB_BITS) == b))
        .unwrap_or(0);
    let chain = (0..=MAX_SIZE as u32)
        .filter(|&i| hash_32(0x0A00_0000 + i, TAB_BITS) == first)
        .count();
    assert_eq!((t.len(), t.rover), (MAX_SIZE + 1 - chain, first));
    // back under the limit: the counter runs again, full check at 30 counts
    t.run_timer(Time::from_secs(360 + 28 * 60));
    assert_eq!(t.counter, 29);
    t.run_timer(Time::from_secs(360 + 29 * 60));
    assert_eq!(t.counter, 30);
    t.run_timer(Time::from_secs(360 + 30 * 60));
    assert_eq!((t.counter, t.len()), (1, MAX_SIZE + 1 - chain)); // a full check; nobody idle 24 h
}
