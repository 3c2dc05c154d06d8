//! The state machine, transition by transition, with its timers to the microsecond.

use super::*;
use crate::user::keepalived::conf::{Global, Vip};

const LB1: Ipv4Addr = Ipv4Addr::new(192, 168, 10, 101);
const LB2: Ipv4Addr = Ipv4Addr::new(192, 168, 10, 102);
const VIP: Ipv4Addr = Ipv4Addr::new(192, 168, 10, 200);

fn conf(prio: u8, master: bool) -> Instance {
    let mut i = Instance::new("VI_1", 1, &Global::default());
    i.vrid = Some(51);
    i.priority = prio;
    i.want_master = master;
    i.interface = Some("eth0".into());
    i.vips.push(Vip {
        addr: VIP,
        prefix: 24,
        dev: Some("eth0".into()),
        label: Some("eth0:2".into()),
        brd: None,
        scope: None,
    });
    i
}

fn rx(from: Ipv4Addr, prio: u8) -> Received {
    let a = Advert {
        vrid: 51,
        priority: prio,
        auth_type: 0,
        adver_int: 1,
        addrs: vec![VIP],
        auth_data: [0; 8],
    };
    packet::parse(&a.ip_packet(from, Ipv4Addr::new(224, 0, 0, 18), 255, 1)).expect("parses")
}

fn at(us: u64) -> Time {
    Time(us * 1_000)
}

fn logs(fx: &[Effect]) -> Vec<String> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Log {
                text,
                detail: false,
            } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn skew_and_master_down_interval() {
    let v = Vrrp::new(conf(100, true), LB1);
    assert_eq!(v.skew(), 609_375);
    assert_eq!(v.master_down(), 3_609_375);
    let v = Vrrp::new(conf(50, false), LB2);
    assert_eq!(v.skew(), 804_687);
    assert_eq!(v.master_down(), 3_804_687);
}

#[test]
fn starts_in_backup_and_becomes_master_after_the_down_interval() {
    let mut v = Vrrp::new(conf(100, true), LB1);
    let fx = v.start(at(0), None);
    assert_eq!(v.state, State::Backup);
    assert!(logs(&fx).contains(&"(VI_1) Entering BACKUP STATE (init)".to_string()));
    assert_eq!(v.sands, Some(at(3_609_375)));
    let fx = v.timeout(at(3_609_375));
    assert_eq!(v.state, State::Master);
    assert_eq!(fx[2], Effect::Advert(100));
    assert!(fx.contains(&Effect::SetVips));
    assert!(fx.contains(&Effect::Garps(5)));
    assert_eq!(v.sands, Some(at(4_609_375)));
    assert_eq!(v.garp_delay_at, Some(at(8_609_375)));
    // Every second an advert.
    let fx = v.timeout(at(4_609_375));
    assert_eq!(fx, vec![Effect::Advert(100)]);
    // The second GARP burst five seconds after becoming master.
    assert_eq!(v.garp_delay(at(8_609_375)), vec![Effect::Garps(5)]);
    assert_eq!(v.garp_delay(at(9_000_000)), vec![]);
}

#[test]
fn an_owner_takes_over_at_once() {
    let mut v = Vrrp::new(conf(255, true), LB1);
    v.start(at(0), None);
    assert_eq!(v.sands, Some(at(1)));
}

#[test]
fn a_backup_that_hears_a_better_master_stays_backup() {
    let mut v = Vrrp::new(conf(50, false), LB2);
    v.start(at(0), None);
    let fx = v.receive(at(1_000_000), &rx(LB1, 100));
    assert_eq!(v.state, State::Backup);
    assert!(logs(&fx).is_empty());
    assert_eq!(v.sands, Some(at(1_000_000 + 3_804_687)));
}

#[test]
fn a_backup_with_higher_priority_ignores_the_master_and_preempts() {
    let mut v = Vrrp::new(conf(100, true), LB1);
    v.start(at(0), None);
    let fx = v.receive(at(1_000_000), &rx(LB2, 50));
    assert_eq!(
        logs(&fx),
        ["(VI_1) received lower priority (50) advert from 192.168.10.102 - discarding"]
    );
    // The timer keeps its expiry from start-up.
    assert_eq!(v.sands, Some(at(3_609_375)));
    v.timeout(at(3_609_375));
    assert_eq!(v.state, State::Master);
}

#[test]
fn nopreempt_keeps_a_higher_priority_backup_waiting() {
    let mut c = conf(100, false);
    c.nopreempt = true;
    let mut v = Vrrp::new(c, LB1);
    v.start(at(0), None);
    v.receive(at(3_000_000), &rx(LB2, 50));
    assert_eq!(v.sands, Some(at(3_000_000 + 3_609_375)));
}

#[test]
fn priority_zero_means_take_over_after_the_skew() {
    let mut v = Vrrp::new(conf(50, false), LB2);
    v.start(at(0), None);
    v.receive(at(1_000_000), &rx(LB1, 100));
    let fx = v.receive(at(2_000_000), &rx(LB1, 0));
    assert!(fx
        .iter()
        .any(|e| matches!(e, Effect::Why(w) if w.contains("resigned"))));
    assert_eq!(v.sands, Some(at(2_000_000 + 804_687)));
}

#[test]
fn a_master_yields_to_a_higher_priority_and_breaks_ties_by_address() {
    let mut v = Vrrp::new(conf(50, false), LB2);
    v.start(at(0), None);
    v.timeout(at(3_804_687));
    assert_eq!(v.state, State::Master);
    let fx = v.receive(at(5_000_000), &rx(LB1, 100));
    assert_eq!(v.state, State::Backup);
    assert_eq!(
        logs(&fx),
        [
            "(VI_1) Master received advert from 192.168.10.101 with higher priority 100, ours 50",
            "(VI_1) Entering BACKUP STATE"
        ]
    );
    assert!(fx.contains(&Effect::RemoveVips));
    // Equal priority: the higher address wins.
    let mut low = Vrrp::new(conf(100, false), LB1);
    low.start(at(0), None);
    low.timeout(at(3_609_375));
    low.receive(at(4_000_000), &rx(LB2, 100));
    assert_eq!(low.state, State::Backup);
    let mut high = Vrrp::new(conf(100, false), LB2);
    high.start(at(0), None);
    high.timeout(at(3_609_375));
    let fx = high.receive(at(4_000_000), &rx(LB1, 100));
    assert_eq!(high.state, State::Master);
    assert!(fx.contains(&Effect::Advert(100)));
}

#[test]
fn shutdown_of_a_master_resigns() {
    let mut v = Vrrp::new(conf(100, true), LB1);
    v.start(at(0), None);
    v.timeout(at(3_609_375));
    let fx = v.shutdown();
    assert_eq!(fx[0], Effect::Advert(0));
    assert!(fx.contains(&Effect::RemoveVips));
    let mut b = Vrrp::new(conf(50, false), LB2);
    b.start(at(0), None);
    assert!(!b.shutdown().contains(&Effect::Advert(0)));
}

#[test]
fn bad_adverts_are_logged_and_ignored() {
    let mut c = conf(50, false);
    c.auth_type = Some(crate::user::keepalived::conf::AuthType::Pass);
    c.auth_data = *b"1111\0\0\0\0";
    let mut v = Vrrp::new(c, LB2);
    v.start(at(0), None);
    let fx = v.receive(at(1_000_000), &rx(LB1, 100));
    assert_eq!(logs(&fx), ["(VI_1) received a 0 auth, expecting 1!"]);
    assert_eq!(v.sands, Some(at(3_804_687)));
}

fn adverts(fx: &[Effect]) -> Vec<u8> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Advert(p) => Some(*p),
            _ => None,
        })
        .collect()
}

#[test]
fn a_master_that_goes_down_resigns_twice_and_a_synced_one_once() {
    let mut v = Vrrp::new(conf(100, true), LB1);
    v.start(at(0), None);
    v.timeout(at(3_609_375));
    let fx = v.down(at(4_000_000), "interface eth2 down");
    assert_eq!(v.state, State::Fault);
    assert_eq!(adverts(&fx), [0, 0]);
    assert!(fx.contains(&Effect::RemoveVips));
    assert_eq!(v.sands, None);
    let mut w = Vrrp::new(conf(100, true), LB2);
    w.start(at(0), None);
    w.timeout(at(3_609_375));
    let fx = w.sync_to_fault(at(4_000_000), "VG_1");
    assert_eq!(adverts(&fx), [0]);
    assert_eq!(logs(&fx), ["(VI_1) Entering FAULT STATE"]);
}

#[test]
fn a_backup_synced_to_fault_says_nothing_and_comes_back_with_a_full_down_timer() {
    let mut v = Vrrp::new(conf(100, false), LB1);
    v.start(at(0), None);
    let fx = v.sync_to_fault(at(1_000_000), "VG_1");
    assert_eq!(v.state, State::Fault);
    assert!(logs(&fx).is_empty());
    let fx = v.up(at(2_000_000));
    assert_eq!(logs(&fx), ["(VI_1) Entering BACKUP STATE"]);
    assert_eq!(v.sands, Some(at(2_000_000 + 3_609_375)));
}

#[test]
fn a_priority_change_moves_a_backups_timer_by_the_skew() {
    let mut v = Vrrp::new(conf(100, false), LB1);
    v.start(at(0), None);
    let fx = v.set_priority(-30);
    assert_eq!(
        logs(&fx),
        ["(VI_1) Changing effective priority from 100 to 70"]
    );
    // Skew (256-70)/256 s instead of (256-100)/256 s: 117,187 µs later.
    assert_eq!(v.sands, Some(at(3_726_562)));
    assert!(v.set_priority(-30).is_empty());
    let mut owner = Vrrp::new(conf(255, true), LB1);
    assert!(owner.set_priority(-30).is_empty());
}

#[test]
fn a_sync_member_that_wants_master_waits_one_advert_interval() {
    let mut v = Vrrp::new(conf(100, true), LB1);
    v.start(at(0), Some(State::Backup));
    assert_eq!(v.sands, Some(at(1_003_906)));
    let fx = v.hold(at(1_003_906), "VG_1", "VI_2");
    assert_eq!(v.state, State::Backup);
    assert_eq!(v.wantstate, State::Master);
    assert_eq!(v.sands, Some(at(1_003_906 + 3_609_375)));
    assert!(fx
        .iter()
        .any(|e| matches!(e, Effect::Why(w) if w.contains("waits for VI_2"))));
}
