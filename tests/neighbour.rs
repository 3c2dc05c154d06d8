//! The neighbour layer's timing, checked on the trace of small labs: three broadcast requests
//! one second apart then FAILED; a STALE entry used goes DELAY, then PROBE by unicast after
//! 5 s; the first of several replies wins within locktime.

use netstep::lab::parse::parse_lab;
use netstep::lab::runner::{LabOptions, Runner};
use netstep::trace::{TraceEntry, TraceKind};

const LAN: &str = "host a b c\nswitch sw1\nlink a:eth0 sw1\nlink b:eth0 sw1\nlink c:eth0 sw1\n\
                   a: ifconfig eth0 10.0.0.1/24\nb: ifconfig eth0 10.0.0.2/24\nc: ifconfig eth0 10.0.0.3/24\n";

/// Runs a lab and returns (output, trace).
fn run(extra: &str) -> (String, Vec<TraceEntry>) {
    let text = format!("{LAN}{extra}");
    let lines = parse_lab("t.lab", &text).expect("lab parses");
    let mut out = Vec::new();
    let mut runner = Runner::new(LabOptions::default(), &mut out);
    let result = runner.run(&lines);
    let trace = runner.world.trace.clone();
    drop(runner);
    let out = String::from_utf8_lossy(&out).into_owned();
    assert!(result.is_ok(), "{result:?}\n{out}");
    (out, trace)
}

/// (seconds, frame summary) of frames arriving at `at` (e.g. "b:eth0").
fn arrivals(trace: &[TraceEntry], at: &str) -> Vec<(f64, String)> {
    trace
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::Rx {
                node, port, frame, ..
            } if format!("{node}:{port}") == at => {
                let opts = netstep::trace::tcpdump::Opts::default();
                Some((
                    e.time.secs_f64(),
                    netstep::trace::tcpdump::one_liner(frame, opts),
                ))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn unanswered_arp_is_asked_three_times_a_second_apart_then_failed() {
    let (out, trace) = run("a: ping -c 1 -W 5 10.0.0.9\na: ip neigh\n");
    let asks: Vec<f64> = arrivals(&trace, "b:eth0")
        .into_iter()
        .filter(|(_, l)| l.contains("who-has 10.0.0.9"))
        .map(|(t, _)| t.round())
        .collect();
    assert_eq!(asks, [0.0, 1.0, 2.0]);
    assert!(
        out.contains("From 10.0.0.1 icmp_seq=1 Destination Host Unreachable"),
        "{out}"
    );
    assert!(out.contains("10.0.0.9 dev eth0 FAILED "), "{out}");
    let failed_at = trace
        .iter()
        .find(|e| {
            e.reasons
                .iter()
                .any(|r| r.contains("after 3 requests → FAILED"))
        })
        .map(|e| e.time.secs_f64().round());
    assert_eq!(failed_at, Some(3.0));
}

#[test]
fn stale_entry_goes_delay_then_probe_by_unicast() {
    // b learns a from a's request (STALE); 60 s later b pings a: DELAY, and 5 s after that a
    // unicast probe from b's own address.
    let (out, trace) =
        run("a: ping -c 1 b\nrun 60s\nb: ip neigh\nb: ping -c 1 a\nrun 10s\nb: ip neigh\n");
    assert!(
        out.contains("10.0.0.1 dev eth0 lladdr 02:00:00:00:01:01 STALE "),
        "{out}"
    );
    let delay = trace.iter().any(|e| {
        e.reasons
            .iter()
            .any(|r| r.contains("b arp: 10.0.0.1 is STALE: use it and enter DELAY"))
    });
    assert!(delay, "no DELAY");
    // The first ping already did the same: b answered a from a STALE entry, so 5 s later it
    // probed. Then once more, 5 s after the ping at 60 s.
    let probes: Vec<f64> = arrivals(&trace, "a:eth0")
        .into_iter()
        .filter(|(_, l)| l.contains("who-has 10.0.0.1 tell 10.0.0.2"))
        .map(|(t, _)| t.round())
        .collect();
    assert_eq!(probes, [5.0, 65.0]);
    assert!(
        !arrivals(&trace, "c:eth0")
            .iter()
            .any(|(_, l)| l.contains("who-has 10.0.0.1")),
        "the probe must be unicast"
    );
    assert!(
        out.contains("10.0.0.1 dev eth0 lladdr 02:00:00:00:01:01 REACHABLE "),
        "{out}"
    );
}

#[test]
fn first_reply_wins_within_locktime() {
    // b and c both claim 10.0.0.50 (c answers for an address on lo:5 with arp_ignore=0).
    let (out, _) = run("b: ifconfig eth0:5 10.0.0.50 netmask 255.255.255.0 up\nc: ifconfig lo:5 10.0.0.50 netmask 255.255.255.255 up\n\
                        a: ping -c 1 10.0.0.50\na: arp -n 10.0.0.50\n");
    // Flood order is newest port first: c's reply arrives first and wins.
    assert!(
        out.contains("10.0.0.50                ether   02:00:00:00:03:01   C"),
        "{out}"
    );
}

/// docs/fidelity-real.md §1.2 (b2): a broadcast request naming us, while our entry for its
/// sender is in DELAY, leaves it in DELAY with its timer: the unicast probe still goes 5 s
/// after the entry entered DELAY.
#[test]
fn a_broadcast_request_keeps_a_delay_entry_and_its_probe() {
    // a's entry for b: REACHABLE after the ping, STALE after 60 s; a pings again (DELAY at
    // 60 s); at 61 s b asks for a by broadcast (arping); a still probes b at 65 s.
    let (out, trace) = run(
        "a: ping -c 1 b\nrun 60s\nb: ip neigh flush dev eth0\na: ping -c 1 b\nrun 1s\nb: arping -c 1 -I eth0 10.0.0.1\nrun 10s\na: ip neigh\n",
    );
    let probes: Vec<f64> = arrivals(&trace, "b:eth0")
        .into_iter()
        .filter(|(_, l)| l.contains("who-has 10.0.0.2 tell 10.0.0.1"))
        .map(|(t, _)| t.round())
        .collect();
    assert!(probes.contains(&65.0), "{probes:?}\n{out}");
}

/// §2: TCP's ACKs confirm the neighbour (dst_confirm_neigh), so a connection every second
/// for 12 s, with reachable_time around 5 s, sends no unicast probe; the same with UDP, which
/// confirms nothing, makes the entry go DELAY and probe.
#[test]
fn tcp_confirms_the_neighbour_and_udp_does_not() {
    let rounds = |cmd: &str| -> String {
        let mut lines: String = (0..12).map(|_| format!("{cmd}\nrun 1s\n")).collect();
        lines.push_str("run 5s\n");
        lines
    };
    let setup = "a: sysctl -w net.ipv4.neigh.default.base_reachable_time_ms=5000\n";
    let unicast_probes = |trace: &[TraceEntry]| {
        arrivals(trace, "b:eth0")
            .into_iter()
            .filter(|(t, l)| *t > 0.5 && l.contains("who-has 10.0.0.2 tell 10.0.0.1"))
            .count()
    };
    let tcp = format!("b: httpd\n{setup}{}", rounds("a: curl -s http://b/"));
    let (out, trace) = run(&tcp);
    assert_eq!(
        unicast_probes(&trace),
        0,
        "TCP kept the entry confirmed\n{out}"
    );
    let udp = format!("{setup}{}", rounds("a: echo hi > /dev/udp/10.0.0.2/9"));
    let (out, trace) = run(&udp);
    assert!(unicast_probes(&trace) > 0, "UDP confirms nothing\n{out}");
}
