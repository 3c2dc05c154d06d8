//! conntrack's commands on a table with two entries: layouts, filters, summaries on
//! standard error, deletion and its exit status, events, and the errors conntrack-tools
//! 1.4.7 prints (docs/netfilter-real.md §1b–§1d).

use crate::kernel::netfilter::nf_conntrack::{proto_tcp, status, Tuple};
use crate::kernel::process::{Poll, Sys};
use crate::kernel::Kernel;
use crate::sim::rng::Rng;
use crate::sim::time::SEC;
use crate::sim::{Ctx, Time};
use std::net::Ipv4Addr;

const SUMMARY: &str = "conntrack v1.4.7 (conntrack-tools): ";

fn entry(k: &mut Kernel, host: u8, mapped: u16) {
    let t = Tuple {
        src: Ipv4Addr::new(10, 0, 0, host),
        dst: Ipv4Addr::new(203, 0, 113, 2),
        proto: 6,
        sport: 40000,
        dport: 80,
    };
    let id = k.nf.ct.create(t, Time::ZERO, 100).expect("room");
    let mut reply = t.invert();
    (reply.dst, reply.dport) = (Ipv4Addr::new(203, 0, 113, 1), mapped);
    k.nf.ct.alter_reply(id, reply);
    k.nf.ct.refresh(id, Time::ZERO, 120);
    let c = k.nf.ct.conns.get_mut(&id).expect("entry");
    c.state = proto_tcp::TIME_WAIT;
    c.status |= status::SEEN_REPLY | status::ASSURED | status::SRC_NAT;
    assert!(k.nf.ct.confirm(id, Time::ZERO));
}

fn router() -> Kernel {
    let mut k = Kernel::new("r1", Rng::new(1));
    entry(&mut k, 2, 40000);
    entry(&mut k, 3, 55131);
    k
}

/// Runs `conntrack ARGS` (one poll) at 18 s: (stdout, stderr, status).
fn ct(k: &mut Kernel, args: &str) -> (String, String, i32) {
    let argv: Vec<String> = std::iter::once("conntrack")
        .chain(args.split_whitespace())
        .map(String::from)
        .collect();
    let mut ctx = Ctx::new(Time::ZERO + 18 * SEC, "r1", false);
    let mut sys = Sys {
        k,
        ctx: &mut ctx,
        pid: 1,
        out: String::new(),
        err: String::new(),
    };
    let mut p = super::spawn(&argv);
    let status = match p.poll(&mut sys) {
        Poll::Exit(c) => c,
        _ => p.interrupt(&mut sys),
    };
    (sys.out, sys.err, status)
}

const H1: &str = "tcp      6 102 TIME_WAIT src=10.0.0.2 dst=203.0.113.2 sport=40000 dport=80 src=203.0.113.2 dst=203.0.113.1 sport=80 dport=40000 [ASSURED] mark=0 use=1\n";
const H2: &str = "tcp      6 102 TIME_WAIT src=10.0.0.3 dst=203.0.113.2 sport=40000 dport=80 src=203.0.113.2 dst=203.0.113.1 sport=80 dport=55131 [ASSURED] mark=0 use=1\n";

#[test]
fn listing_filters_and_summaries() {
    let mut k = router();
    let shown = |n| format!("{SUMMARY}{n} flow entries have been shown.\n");
    assert_eq!(ct(&mut k, "-L"), (format!("{H1}{H2}"), shown(2), 0));
    assert_eq!(ct(&mut k, "-L -s 10.0.0.3"), (H2.to_string(), shown(1), 0));
    assert_eq!(ct(&mut k, "-L -p udp"), (String::new(), shown(0), 0));
    assert_eq!(ct(&mut k, "-L --dst-nat"), (String::new(), shown(0), 0));
    assert_eq!(ct(&mut k, "-L -p tcp --dport 80 -s 10.0.0.2").0, H1);
    assert_eq!(ct(&mut k, "-C"), ("2\n".to_string(), String::new(), 0));
    assert_eq!(
        ct(&mut k, "-L -o extended").0,
        format!("ipv4     2 {H1}ipv4     2 {H2}")
    );
    let proc =
        crate::kernel::netfilter::nf_conntrack::show::proc_file(&k.nf.ct, Time::ZERO + 18 * SEC);
    assert!(proc.starts_with("ipv4     2 tcp      6 102 TIME_WAIT src=10.0.0.2"));
    assert!(proc.contains("[ASSURED] mark=0 zone=0 use=2\n"));
}

#[test]
fn delete_flush_and_their_statuses() {
    let mut k = router();
    let deleted = |n| format!("{SUMMARY}{n} flow entries have been deleted.\n");
    assert_eq!(
        ct(&mut k, "-D -s 10.0.0.2"),
        (H1.to_string(), deleted(1), 0)
    );
    assert_eq!(ct(&mut k, "-D -s 10.0.0.2"), (String::new(), deleted(0), 1));
    let emptied = format!("{SUMMARY}connection tracking table has been emptied.\n");
    assert_eq!(ct(&mut k, "-F"), (String::new(), emptied, 0));
    assert_eq!(ct(&mut k, "-C").0, "0\n");
}

#[test]
fn events_print_until_interrupted() {
    let mut k = router();
    let argv: Vec<String> = ["conntrack", "-E"].map(String::from).to_vec();
    let mut p = super::spawn(&argv);
    let mut ctx = Ctx::new(Time::ZERO, "r1", false);
    let mut sys = Sys {
        k: &mut k,
        ctx: &mut ctx,
        pid: 1,
        out: String::new(),
        err: String::new(),
    };
    assert!(matches!(p.poll(&mut sys), Poll::Wait(None)));
    let id = sys.k.nf.ct.conns.keys().next().expect("one");
    sys.k.nf.ct.delete(id);
    assert!(matches!(p.poll(&mut sys), Poll::Wait(None)));
    assert_eq!(p.interrupt(&mut sys), 0);
    assert!(
        sys.out
            .starts_with("[DESTROY] tcp      6 src=10.0.0.2 dst=203.0.113.2 sport=40000"),
        "{}",
        sys.out
    );
    assert_eq!(
        sys.err,
        format!("{SUMMARY}1 flow events have been shown.\n")
    );
    assert!(!sys.k.nf.ct.events.listening());
}

#[test]
fn errors_are_conntrack_tools() {
    let mut k = router();
    let try_ = "Try `conntrack -h' or 'conntrack --help' for more information.\n";
    for (args, msg) in [
        ("-L -p bogus", "`bogus' unsupported protocol"),
        ("-L -s 999.1.1.1", "Invalid IP address `999.1.1.1'"),
        ("--bogus", "unknown option `--bogus'"),
        ("-L --dport 80", "unknown option `--dport'"),
        ("-C -p tcp", "Illegal option `--protonum' with this command"),
    ] {
        assert_eq!(
            ct(&mut k, args),
            (String::new(), format!("{SUMMARY}{msg}\n{try_}"), 2),
            "{args}"
        );
    }
    let (help, _, status) = ct(&mut k, "");
    assert!(help
        .starts_with("Command line interface for the connection tracking system. Version 1.4.7\n"));
    assert_eq!(status, 0);
}
