//! The checkers' schedules and verdicts, attempt by attempt, against keepalived's epilogs.

use super::*;
use crate::user::keepalived::conf::{CheckDefaults, LbKind, RealServer, Url, VirtualServer, VsKey};
use std::net::Ipv4Addr;

const SEC: u64 = 1_000_000_000;

fn vs(kind: CheckKind, d: CheckDefaults) -> VirtualServer {
    let conf = Conf {
        kind,
        line: 1,
        connect_ip: None,
        connect_port: None,
        bindto: None,
        defaults: d,
    };
    let rs = RealServer {
        addr: Ipv4Addr::new(192, 168, 10, 11),
        port: 80,
        line: 1,
        weight: 1,
        kind: None,
        uthreshold: None,
        lthreshold: None,
        notify_up: None,
        notify_down: None,
        virtualhost: None,
        defaults: CheckDefaults::default(),
        checkers: vec![conf],
    };
    VirtualServer {
        key: VsKey::Addr(Ipv4Addr::new(192, 168, 10, 200), 80),
        line: 1,
        sched: "rr".into(),
        kind: LbKind::Dr,
        sched_set: true,
        kind_set: true,
        persistence_timeout: None,
        persistence_granularity: None,
        protocol: 6,
        sorry_server: None,
        quorum: 1,
        hysteresis: 0,
        quorum_up: None,
        quorum_down: None,
        virtualhost: None,
        defaults: CheckDefaults::default(),
        real_servers: vec![rs],
    }
}

fn http() -> CheckKind {
    CheckKind::Http {
        ssl: false,
        urls: vec![Url {
            path: Some("/".into()),
            digest: None,
            status_codes: vec![(200, 200)],
            virtualhost: None,
        }],
        virtualhost: None,
        http_protocol: None,
    }
}

/// The course's HTTP_GET: delay_loop 3, retry 3, delay_before_retry 3, connect_timeout 3.
fn course() -> Checker {
    let d = CheckDefaults {
        delay_loop: Some(3_000_000),
        connect_timeout: Some(3_000_000),
        retry: Some(3),
        delay_before_retry: Some(3_000_000),
        ..CheckDefaults::default()
    };
    let v = vs(http(), d);
    let conf = v.real_servers[0].checkers[0].clone();
    Checker::new(conf, (0, &v), (0, &v.real_servers[0]))
}

fn down() -> Outcome {
    Outcome::Down("refused".into())
}

#[test]
fn defaults_cascade_and_first_run_is_within_the_warmup() {
    let mut c = course();
    assert_eq!(
        (c.delay_loop, c.retry, c.delay_before_retry),
        (3_000_000, 3, 3_000_000)
    );
    assert_eq!(c.name, "[192.168.10.11]:tcp:80");
    c.schedule_first(Time::ZERO, 0);
    assert_eq!(c.next, Some(Time(SEC)));
    c.schedule_first(Time::ZERO, u32::MAX);
    assert_eq!(c.next, Some(Time(4 * SEC)));
    let v = vs(CheckKind::Tcp, CheckDefaults::default());
    let t = Checker::new(
        v.real_servers[0].checkers[0].clone(),
        (0, &v),
        (0, &v.real_servers[0]),
    );
    assert_eq!(
        (
            t.delay_loop,
            t.retry,
            t.delay_before_retry,
            t.connect_timeout
        ),
        (60_000_000, 1, 1_000_000, 5_000_000)
    );
}

#[test]
fn a_server_down_at_start_is_out_after_one_failure() {
    let mut c = course();
    let v = c.done(Time(SEC), down());
    assert_eq!(
        v.log,
        ["HTTP_CHECK on service [192.168.10.11]:tcp:80 failed after 3 retries."]
    );
    assert_eq!(v.state, Some(false));
    assert_eq!(c.next, Some(Time(4 * SEC)));
}

#[test]
fn after_a_success_it_takes_four_failures_three_seconds_apart() {
    let mut c = course();
    let v = c.done(Time(SEC), Outcome::Up);
    assert_eq!(
        v.log,
        ["Remote Web server [192.168.10.11]:tcp:80 succeed on service."]
    );
    assert_eq!(v.state, None, "it was up already");
    assert_eq!(c.next, Some(Time(4 * SEC)));
    for t in [4, 7, 10] {
        let v = c.done(Time(t * SEC), down());
        assert_eq!(v, Verdict::default(), "failures before the last are silent");
        assert_eq!(c.next, Some(Time((t + 3) * SEC)));
    }
    let v = c.done(Time(13 * SEC), down());
    assert_eq!(v.state, Some(false));
    assert_eq!(
        v.log,
        ["HTTP_CHECK on service [192.168.10.11]:tcp:80 failed after 3 retries."]
    );
    // A dead server is checked every max(delay_before_retry, delay_loop).
    assert_eq!(c.next, Some(Time(16 * SEC)));
    assert_eq!(c.done(Time(16 * SEC), down()), Verdict::default());
}

#[test]
fn coming_back_needs_two_successes() {
    let mut c = course();
    c.done(Time(SEC), down());
    let v = c.done(Time(4 * SEC), Outcome::Up);
    assert_eq!(
        v.log,
        ["HTTP status code success to [192.168.10.11]:tcp:80 url(/)."]
    );
    assert_eq!(v.state, None);
    assert_eq!(c.next, Some(Time(7 * SEC)));
    let v = c.done(Time(7 * SEC), Outcome::Up);
    assert_eq!(
        v.log,
        [
            "HTTP status code success to [192.168.10.11]:tcp:80 url(/).",
            "Remote Web server [192.168.10.11]:tcp:80 succeed on service."
        ]
    );
    assert_eq!(v.state, Some(true));
}

#[test]
fn tcp_check_retries_once_a_second_then_goes_down() {
    let v = vs(CheckKind::Tcp, CheckDefaults::default());
    let mut c = Checker::new(
        v.real_servers[0].checkers[0].clone(),
        (0, &v),
        (0, &v.real_servers[0]),
    );
    let r = c.done(Time(SEC), Outcome::Up);
    assert_eq!(r.log, ["TCP connection to [192.168.10.11]:tcp:80 success."]);
    let r = c.done(Time(61 * SEC), down());
    assert_eq!(r, Verdict::default());
    assert_eq!(c.next, Some(Time(62 * SEC)));
    let r = c.done(Time(62 * SEC), down());
    assert_eq!(
        r.log,
        ["TCP_CHECK on service [192.168.10.11]:tcp:80 failed after 1 retries."]
    );
    assert_eq!(r.state, Some(false));
}

#[test]
fn misc_check_exit_codes() {
    let kind = CheckKind::Misc {
        path: Some("/bin/check.sh a".into()),
        timeout: None,
        dynamic: true,
    };
    let v = vs(kind, CheckDefaults::default());
    let mut c = Checker::new(
        v.real_servers[0].checkers[0].clone(),
        (0, &v),
        (0, &v.real_servers[0]),
    );
    let r = c.done(Time(SEC), Outcome::Weight(5));
    assert_eq!(r.weight, Some(5));
    assert_eq!(
        r.log,
        ["Misc check for [[192.168.10.11]:tcp:80 VS [192.168.10.200]:tcp:80] by [/bin/check.sh] succeeded."]
    );
    let r = c.done(Time(61 * SEC), Outcome::Down("exited with status 1".into()));
    assert_eq!(
        r.log,
        ["Misc check for [[192.168.10.11]:tcp:80 VS [192.168.10.200]:tcp:80] by [/bin/check.sh] failed with retry disabled (exited with status 1)."]
    );
    assert_eq!(r.state, Some(false));
}
