//! The connection table: confirmation, both directions, expiry, a full table, and the
//! lines conntrack prints.

use super::show::{line, Layout};
use super::*;
use std::net::Ipv4Addr;

fn t(sport: u16) -> Tuple {
    Tuple {
        src: Ipv4Addr::new(10, 0, 0, 2),
        dst: Ipv4Addr::new(203, 0, 113, 2),
        proto: 6,
        sport,
        dport: 80,
    }
}

fn at(s: u64) -> Time {
    Time::ZERO + s * SEC
}

fn confirmed(ct: &mut Conntrack, sport: u16, secs: u64) -> u32 {
    let id = ct.create(t(sport), at(0), 100).expect("room");
    ct.refresh(id, at(0), secs);
    assert!(ct.confirm(id, at(0)));
    id
}

#[test]
fn a_confirmed_connection_is_found_both_ways() {
    let mut ct = Conntrack::default();
    let id = ct.create(t(40000), at(0), 100).expect("room");
    assert_eq!(
        ct.find(&t(40000), at(0)),
        None,
        "unconfirmed: not in the table yet"
    );
    ct.refresh(id, at(0), 120);
    assert!(ct.confirm(id, at(0)));
    assert_eq!(ct.find(&t(40000), at(1)), Some((id, ORIGINAL)));
    assert_eq!(ct.find(&t(40000).invert(), at(1)), Some((id, REPLY)));
    assert!(ct.taken(&t(40000).invert(), 0, at(1)));
    assert!(
        !ct.taken(&t(40000).invert(), id, at(1)),
        "its own tuple is not taken"
    );
    assert_eq!(ct.count(), 1);
}

#[test]
fn an_unconfirmed_connection_goes_with_its_packet() {
    let mut ct = Conntrack::default();
    let id = ct.create(t(1), at(0), 100).expect("room");
    ct.forget_unconfirmed(id);
    assert!(ct.conns.is_empty());
    let kept = confirmed(&mut ct, 2, 10);
    ct.forget_unconfirmed(kept);
    assert_eq!(ct.count(), 1, "a confirmed one stays");
}

#[test]
fn expiry_is_lazy_and_exact_to_the_reader() {
    let mut ct = Conntrack::default();
    let id = confirmed(&mut ct, 40000, 30);
    let c = ct.conns.get(&id).cloned().expect("conn");
    assert_eq!(Conntrack::secs_left(&c, at(0) + 1), 29, "rounded down");
    assert_eq!(ct.listed(at(29)).count(), 1);
    assert_eq!(
        ct.listed(at(30)).count(),
        0,
        "expired entries are not listed"
    );
    assert_eq!(ct.find(&t(40000), at(31)), None);
    assert!(ct.conns.is_empty(), "a lookup deleted it");
    confirmed(&mut ct, 1, 5);
    ct.gc(at(10));
    assert!(ct.conns.is_empty(), "the collector deleted it");
}

#[test]
fn a_full_table_evicts_an_unassured_entry_or_refuses() {
    let mut ct = Conntrack::default();
    let a = ct.create(t(1), at(0), 2).expect("room");
    ct.refresh(a, at(0), 100);
    assert!(ct.confirm(a, at(0)));
    let b = ct.create(t(2), at(0), 2).expect("room");
    ct.refresh(b, at(0), 100);
    assert!(ct.confirm(b, at(0)));
    ct.conns.get_mut(&b).expect("b").status |= status::ASSURED;
    assert!(
        ct.create(t(3), at(0), 2).is_ok(),
        "a was not assured: evicted"
    );
    assert_eq!(ct.find(&t(1), at(0)), None, "a is gone (its slot reused)");
    assert_eq!(ct.stats.early_drop, 1);
    let c = ct
        .conns
        .iter()
        .find(|(_, c)| !c.has(status::CONFIRMED))
        .map(|(id, _)| id)
        .expect("c");
    ct.refresh(c, at(0), 100);
    assert!(ct.confirm(c, at(0)));
    ct.conns.get_mut(&c).expect("c").status |= status::ASSURED;
    assert_eq!(ct.create(t(4), at(0), 2), Err(Refused::TableFull));
}

#[test]
fn a_clashing_confirmation_fails() {
    let mut ct = Conntrack::default();
    confirmed(&mut ct, 40000, 100);
    let dup = ct.create(t(40000), at(0), 100).expect("room");
    assert!(!ct.confirm(dup, at(0)));
    assert_eq!(ct.stats.insert_failed, 1);
    assert_eq!(ct.count(), 1);
}

#[test]
fn lines_are_conntrack_tools_and_procs() {
    let mut ct = Conntrack::default();
    let id = confirmed(&mut ct, 40000, 120);
    let c = ct.conns.get_mut(&id).expect("c");
    c.state = proto_tcp::SYN_SENT;
    let c = c.clone();
    assert_eq!(
        line(&c, at(0), Layout::List),
        "tcp      6 120 SYN_SENT src=10.0.0.2 dst=203.0.113.2 sport=40000 dport=80 [UNREPLIED] \
         src=203.0.113.2 dst=10.0.0.2 sport=80 dport=40000 mark=0 use=1"
    );
    let mut e = c.clone();
    e.status |= status::SEEN_REPLY | status::ASSURED;
    assert_eq!(
        line(&e, at(0), Layout::Proc),
        "ipv4     2 tcp      6 120 SYN_SENT src=10.0.0.2 dst=203.0.113.2 sport=40000 dport=80 \
         src=203.0.113.2 dst=10.0.0.2 sport=80 dport=40000 [ASSURED] mark=0 zone=0 use=2"
    );
    assert_eq!(
        line(&e, at(0), Layout::Event { timeout: false }),
        "tcp      6 src=10.0.0.2 dst=203.0.113.2 sport=40000 dport=80 \
         src=203.0.113.2 dst=10.0.0.2 sport=80 dport=40000 [ASSURED]"
    );
}

#[test]
fn events_reach_a_listener_only() {
    let mut ct = Conntrack::default();
    confirmed(&mut ct, 1, 10);
    let from = ct.events.subscribe();
    let id = confirmed(&mut ct, 2, 30);
    ct.delete(id);
    let (lines, _) = ct.events.read(from);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("    [NEW] tcp      6 30 NONE src=10.0.0.2"));
    assert!(lines[1].starts_with("[DESTROY] tcp      6 src=10.0.0.2"));
    ct.events.unsubscribe();
    confirmed(&mut ct, 3, 10);
    assert!(!ct.events.listening());
}
