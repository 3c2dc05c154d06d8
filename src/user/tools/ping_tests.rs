//! ping driven on a test host; expected texts follow formats.md §11 with this host's values.
use super::spawn;
use crate::kernel::icmp::{DEST_UNREACH, TIME_EXCEEDED};
use crate::sim::Time;

use crate::user::tools::testkit::*;

/// Answers every echo request after `delay`, with `ttl`.
fn replies(delay: u64, ttl: u8) -> impl FnMut(Time, &[u8]) -> Vec<(Time, Vec<u8>)> {
    move |now, f| {
        echo_reply(f, ttl)
            .map(|r| (now + delay, r))
            .into_iter()
            .collect()
    }
}

fn run(cmd: &str, until: f64, net: Net) -> (String, Option<i32>, Rig) {
    let mut rig = Rig::new();
    let pid = rig.spawn(spawn, cmd);
    let status = rig.run(pid, secs(until), net);
    (rig.output(pid), status, rig)
}

#[test]
fn three_replies_across_a_router() {
    // The reference run of linux-behaviour.md: 1.109, 0.389 and 0.116 ms.
    let mut delays = vec![us(116), us(389), us(1109)];
    let mut net = |now: Time, f: &[u8]| -> Vec<(Time, Vec<u8>)> {
        let d = delays.pop().unwrap_or(0);
        echo_reply(f, 63)
            .map(|r| (now + d, r))
            .into_iter()
            .collect()
    };
    let (out, status, rig) = run("ping -c 3 172.16.20.10", 30.0, &mut net);
    assert_eq!(
        out,
        "PING 172.16.20.10 (172.16.20.10) 56(84) bytes of data.
64 bytes from 172.16.20.10: icmp_seq=1 ttl=63 time=1.11 ms
64 bytes from 172.16.20.10: icmp_seq=2 ttl=63 time=0.389 ms
64 bytes from 172.16.20.10: icmp_seq=3 ttl=63 time=0.116 ms

--- 172.16.20.10 ping statistics ---
3 packets transmitted, 3 received, 0% packet loss, time 2000ms
rtt min/avg/max/mdev = 0.116/0.538/1.109/0.418 ms
"
    );
    assert_eq!(status, Some(0));
    // One request per second, 98-byte frames with iputils' data after the timeval.
    let times: Vec<Time> = rig.wire.iter().map(|(t, _)| *t).collect();
    assert_eq!(times, vec![secs(0.0), secs(1.0), secs(2.0)]);
    let (_, f) = &rig.wire[1];
    assert_eq!(f.len(), 98);
    assert_eq!(&f[34 + 8..34 + 16], &1u64.to_le_bytes());
    assert_eq!(f[34 + 8 + 16], 0x10);
    assert_eq!(f[97], 55);
    assert!(rig
        .reasons
        .iter()
        .any(|r| r == "h ping: echo request seq 2 to 172.16.20.10"));
}

#[test]
fn names_print_with_their_address_unless_numeric() {
    let (out, status, _) = run("ping -c 1 peer", 5.0, &mut replies(us(412), 64));
    assert_eq!(
        out,
        "PING peer (10.0.0.2) 56(84) bytes of data.
64 bytes from peer (10.0.0.2): icmp_seq=1 ttl=64 time=0.412 ms

--- peer ping statistics ---
1 packets transmitted, 1 received, 0% packet loss, time 0ms
rtt min/avg/max/mdev = 0.412/0.412/0.412/0.000 ms
"
    );
    assert_eq!(status, Some(0));
    let (out, _, _) = run("ping -n -c 1 peer", 5.0, &mut replies(us(412), 64));
    assert!(out.contains("\n64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.412 ms\n"));
}

#[test]
fn no_reply_lingers_ten_seconds_and_ends_with_an_empty_line() {
    let (out, status, rig) = run("ping -c 3 10.0.0.2", 60.0, &mut silent);
    assert_eq!(
        out,
        "PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.

--- 10.0.0.2 ping statistics ---
3 packets transmitted, 0 received, 100% packet loss, time 2000ms

"
    );
    assert_eq!(status, Some(1));
    assert_eq!(rig.now, secs(12.0));
}

#[test]
fn a_missing_last_reply_waits_one_interval() {
    let mut n = 0;
    let mut net = |now: Time, f: &[u8]| -> Vec<(Time, Vec<u8>)> {
        n += 1;
        let reply = echo_reply(f, 64).filter(|_| n < 3);
        reply.map(|r| (now + us(500), r)).into_iter().collect()
    };
    let (out, status, rig) = run("ping -c 3 10.0.0.2", 60.0, &mut net);
    assert!(out.ends_with(
        "3 packets transmitted, 2 received, 33.3333% packet loss, time 2000ms
rtt min/avg/max/mdev = 0.500/0.500/0.500/0.000 ms
"
    ));
    assert_eq!(status, Some(0));
    assert_eq!(rig.now, secs(3.0));
}

/// A router that reports every request at `at` with an ICMP error.
fn errors(at: f64, icmp_type: u8, code: u8) -> impl FnMut(Time, &[u8]) -> Vec<(Time, Vec<u8>)> {
    move |_, f| {
        let e = icmp_error(f, ip("10.0.0.254"), icmp_type, code);
        e.map(|e| (secs(at), e)).into_iter().collect()
    }
}

#[test]
fn host_unreachable_from_a_router_counts_errors_and_pipe() {
    let mut net = errors(3.0, DEST_UNREACH, 1);
    let (out, status, rig) = run("ping -c 3 172.16.20.99", 60.0, &mut net);
    assert_eq!(
        out,
        "PING 172.16.20.99 (172.16.20.99) 56(84) bytes of data.
From 10.0.0.254 icmp_seq=1 Destination Host Unreachable
From 10.0.0.254 icmp_seq=2 Destination Host Unreachable
From 10.0.0.254 icmp_seq=3 Destination Host Unreachable

--- 172.16.20.99 ping statistics ---
3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2000ms
pipe 3
"
    );
    assert_eq!(status, Some(1));
    assert_eq!(rig.now, secs(3.0));
}

#[test]
fn failed_arp_on_the_lan_reports_from_our_own_address() {
    // No neighbour 10.0.0.99: the kernel asks 3 times, then reports the 3 queued requests.
    let (out, status, _) = run("ping -c 3 10.0.0.99", 60.0, &mut silent);
    let line = "From 10.0.0.1 icmp_seq=1 Destination Host Unreachable\n";
    assert!(out.contains(line), "{out}");
    assert!(out.ends_with(
        "3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2000ms\npipe 3\n"
    ));
    assert_eq!(status, Some(1));
}

#[test]
fn net_unreachable_and_ttl_exceeded() {
    let mut net = errors(0.001, DEST_UNREACH, 0);
    let (out, status, _) = run("ping -c 1 172.16.30.1", 60.0, &mut net);
    assert_eq!(
        out,
        "PING 172.16.30.1 (172.16.30.1) 56(84) bytes of data.
From 10.0.0.254 icmp_seq=1 Destination Net Unreachable

--- 172.16.30.1 ping statistics ---
1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms

"
    );
    assert_eq!(status, Some(1));
    let mut net = errors(0.001, TIME_EXCEEDED, 0);
    let (out, _, rig) = run("ping -c 1 -t 1 gw", 60.0, &mut net);
    assert!(out.contains("\nFrom gw (10.0.0.254) icmp_seq=1 Time to live exceeded\n"));
    assert_eq!(rig.wire[0].1[14 + 8], 1, "TTL of the request");
}

#[test]
fn start_up_errors() {
    // No /etc/resolv.conf: glibc asks 127.0.0.1, where nothing listens on port 53.
    let (out, status, _) = run("ping nosuch", 5.0, &mut silent);
    assert_eq!(out, "ping: nosuch: Temporary failure in name resolution\n");
    assert_eq!(status, Some(2));
    let mut rig = Rig::new();
    rig.no_default_route();
    let pid = rig.spawn(spawn, "ping -c 1 172.16.20.10");
    assert_eq!(rig.run(pid, secs(5.0), &mut silent), Some(2));
    assert_eq!(rig.output(pid), "ping: connect: Network is unreachable\n");
    assert!(rig.wire.is_empty());
    let (out, status, _) = run("ping", 5.0, &mut silent);
    assert_eq!(
        (out.as_str(), status),
        ("ping: usage error: Destination address required\n", Some(1))
    );
    let (out, status, _) = run("ping -c 0 peer", 5.0, &mut silent);
    let want = "ping: invalid argument: '0': out of range: 1 <= value <= 9223372036854775807\n";
    assert_eq!((out.as_str(), status), (want, Some(1)));
    let (out, status, _) = run("ping -z peer", 5.0, &mut silent);
    assert!(out.starts_with("ping: invalid option -- 'z'\n\nUsage\n  ping [options]"));
    assert_eq!(status, Some(2));
}

#[test]
fn source_and_device_headers() {
    let mut net = replies(us(300), 64);
    let (out, _, _) = run("ping -c 1 -I 10.0.0.1 10.0.0.2", 5.0, &mut net);
    assert!(out.starts_with("PING 10.0.0.2 (10.0.0.2) from 10.0.0.1 : 56(84) bytes of data.\n"));
    let (out, _, _) = run("ping -c 1 -I eth0 10.0.0.2", 5.0, &mut net);
    assert!(out.starts_with("PING 10.0.0.2 (10.0.0.2) from 10.0.0.1 eth0: 56(84) bytes of data.\n"));
    let (out, status, _) = run("ping -c 1 -I 10.9.9.9 10.0.0.2", 5.0, &mut net);
    assert_eq!(out, "ping: bind: Cannot assign requested address\n");
    assert_eq!(status, Some(2));
}

#[test]
fn interrupt_prints_the_statistics() {
    let mut rig = Rig::new();
    let pid = rig.spawn(spawn, "ping -q 10.0.0.2");
    assert_eq!(rig.run(pid, secs(2.5), &mut replies(us(250), 64)), None);
    rig.interrupt(pid);
    assert_eq!(rig.status(pid), Some(0));
    assert_eq!(
        rig.output(pid),
        "PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.

--- 10.0.0.2 ping statistics ---
3 packets transmitted, 3 received, 0% packet loss, time 2000ms
rtt min/avg/max/mdev = 0.250/0.250/0.250/0.000 ms
"
    );
}

#[test]
fn deadline_and_duplicates() {
    let (out, status, rig) = run("ping -w 3 10.0.0.2", 60.0, &mut replies(us(250), 64));
    assert!(out.contains("\n3 packets transmitted, 3 received, 0% packet loss, time 2000ms\n"));
    assert_eq!((status, rig.now), (Some(0), secs(3.0)));
    let mut twice = |now: Time, f: &[u8]| -> Vec<(Time, Vec<u8>)> {
        let r = echo_reply(f, 64).unwrap_or_default();
        vec![(now + us(100), r.clone()), (now + us(200), r)]
    };
    let (out, status, _) = run("ping -c 2 10.0.0.2", 60.0, &mut twice);
    assert!(
        out.contains("icmp_seq=1 ttl=64 time=0.200 ms (DUP!)\n"),
        "{out}"
    );
    assert!(out.contains("2 packets transmitted, 2 received, +1 duplicates, 0% packet loss"));
    assert_eq!(status, Some(0));
}
