//! ipt_do_table: the walk through chains, jumps and returns, verdicts, counters, marks and
//! LOG lines.

use super::*;
use crate::kernel::netfilter::xt_match::PacketView;
use crate::kernel::netfilter::xt_target::LogOpts;
use crate::kernel::testutil::segment;

fn pkt(dport: u16) -> Vec<u8> {
    segment(
        (Ipv4Addr::new(10, 0, 0, 2), 40000),
        (Ipv4Addr::new(10, 0, 0, 1), dport),
        "S",
    )
}

fn dport(p: u16) -> Match {
    Match::Tcp {
        sport: None,
        dport: Some(PortMatch {
            lo: p,
            hi: p,
            invert: false,
        }),
        flags: None,
    }
}

fn rule(m: Vec<Match>, t: Target) -> Rule {
    Rule::new(
        IpMatch {
            proto: Some((6, false)),
            ..IpMatch::default()
        },
        m,
        t,
    )
}

fn filter() -> Table {
    Table::new("filter", &["INPUT", "FORWARD", "OUTPUT"])
}

fn run(t: &mut Table, port: u16) -> Decision {
    let p = pkt(port);
    let mut mark = 0;
    t.run("INPUT", &PacketView::new(&p), &mut mark)
}

#[test]
fn the_first_matching_rule_decides_and_counts() {
    let mut t = filter();
    let input = &mut t.chains[0];
    input.rules.push(rule(vec![dport(22)], Target::Drop));
    input.rules.push(rule(vec![dport(80)], Target::Accept));
    input.policy = Some(Policy::Drop);
    let d = run(&mut t, 80);
    assert_eq!((d.outcome.clone(), d.rule), (Outcome::Accept, Some(2)));
    assert_eq!(d.by(&t), "filter INPUT rule 2");
    let d = run(&mut t, 443);
    assert_eq!((d.outcome.clone(), d.rule), (Outcome::Drop, None));
    assert_eq!(d.by(&t), "filter INPUT policy DROP");
    let c = &t.chains[0];
    assert_eq!(
        (c.rules[0].packets, c.rules[1].packets, c.packets),
        (0, 1, 0),
        "nf_tables counts no policy packets"
    );
    assert_eq!(c.rules[1].bytes, 40);
    assert!(!t.is_idle());
}

#[test]
fn jumps_return_and_goto() {
    let mut t = filter();
    t.chains.push(Chain::new("WEB", None));
    t.chains.push(Chain::new("LOGDROP", None));
    t.chains[0]
        .rules
        .push(rule(vec![], Target::Jump("WEB".into())));
    t.chains[0]
        .rules
        .push(rule(vec![], Target::Reject(RejectWith::TcpReset)));
    t.chains[3]
        .rules
        .push(rule(vec![dport(80)], Target::Accept));
    t.chains[3]
        .rules
        .push(rule(vec![dport(23)], Target::Goto("LOGDROP".into())));
    t.chains[3].rules.push(rule(vec![], Target::Return));
    t.chains[4]
        .rules
        .push(rule(vec![], Target::Log(LogOpts::default())));
    t.chains[4].rules.push(rule(vec![], Target::Drop));
    assert_eq!(run(&mut t, 80).outcome, Outcome::Accept);
    // RETURN from WEB: back to INPUT's next rule.
    assert_eq!(
        run(&mut t, 22).outcome,
        Outcome::Reject(RejectWith::TcpReset)
    );
    // Goto: LOGDROP's end would return to INPUT, not WEB; here it drops first, and logs.
    let d = run(&mut t, 23);
    assert_eq!(d.outcome, Outcome::Drop);
    assert_eq!(d.logs.len(), 1);
    assert!(d.logs[0].starts_with("IN= OUT= SRC=10.0.0.2 DST=10.0.0.1 LEN=40"));
    assert_eq!(t.references("WEB"), 1);
    assert!(t.would_loop("LOGDROP", "WEB"));
    assert!(!t.would_loop("INPUT", "LOGDROP"));
}

#[test]
fn a_mark_rule_sets_the_mark_and_is_named() {
    let mut t = Table::new("mangle", &["PREROUTING"]);
    t.chains[0].rules.push(rule(
        vec![dport(80)],
        Target::Mark {
            value: 5,
            mask: u32::MAX,
        },
    ));
    let p = pkt(80);
    let mut mark = 0;
    let d = t.run("PREROUTING", &PacketView::new(&p), &mut mark);
    assert_eq!(
        (mark, d.mark_rule, d.outcome),
        (5, Some(1), Outcome::Accept)
    );
}

#[test]
fn matches_read_short_packets_without_panicking() {
    let mut t = filter();
    t.chains[0].rules.push(rule(vec![dport(80)], Target::Drop));
    let p = pkt(80);
    for n in 0..p.len() {
        let mut mark = 0;
        let _ = t.run("INPUT", &PacketView::new(&p[..n]), &mut mark);
    }
}
