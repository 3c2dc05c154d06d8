//! arping driven on a test host; texts as formats.md §12 and linux-behaviour.md describe.
use super::spawn;
use crate::kernel::arp::build_arp;
use crate::kernel::netdev::{Mac, BROADCAST_MAC};
use crate::sim::Time;
use smoltcp::wire::ArpOperation;

use crate::user::tools::testkit::*;

fn mac(last: u8) -> Mac {
    [2, 0, 0, 0, 0, last]
}

/// The fields of an ARP frame the tests look at.
#[derive(Debug, PartialEq)]
struct Arp {
    op: u16,
    dst: Mac,
    sha: Mac,
    spa: [u8; 4],
    tha: Mac,
    tpa: [u8; 4],
}

fn arp_of(f: &[u8]) -> Option<Arp> {
    if f.get(12..14)? != [8, 6] {
        return None;
    }
    let a = f.get(14..42)?;
    let m = |s: &[u8]| -> Mac { s.try_into().unwrap_or_default() };
    let ip = |s: &[u8]| -> [u8; 4] { s.try_into().unwrap_or_default() };
    Some(Arp {
        op: u16::from_be_bytes([a[6], a[7]]),
        dst: m(&f[..6]),
        sha: m(&a[8..14]),
        spa: ip(&a[14..18]),
        tha: m(&a[18..24]),
        tpa: ip(&a[24..28]),
    })
}

/// Hosts answering requests for `target`: all of them to a broadcast, the addressed one to
/// a unicast, each after its delay in µs.
fn answerers(
    target: [u8; 4],
    who: Vec<(Mac, u64)>,
) -> impl FnMut(Time, &[u8]) -> Vec<(Time, Vec<u8>)> {
    move |now, f| {
        let Some(Arp {
            op: 1,
            dst,
            sha,
            spa,
            tpa,
            ..
        }) = arp_of(f)
        else {
            return vec![];
        };
        if tpa != target {
            return vec![];
        }
        who.iter()
            .filter(|(m, _)| dst == BROADCAST_MAC || dst == *m)
            .map(|&(m, d)| {
                let (sip, tip) = (tpa.into(), spa.into());
                let r = build_arp(ArpOperation::Reply, m, m, sip, sha, sha, tip);
                (now + us(d), r)
            })
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
fn three_repliers_then_unicast_to_the_last() {
    let who = vec![(mac(0x64), 168), (mac(0x0c), 170), (mac(0x0b), 172)];
    let mut net = answerers([10, 0, 0, 5], who);
    let (out, status, rig) = run("arping -c 3 -I eth0 10.0.0.5", 30.0, &mut net);
    assert_eq!(
        out,
        "ARPING 10.0.0.5 from 10.0.0.1 eth0
Unicast reply from 10.0.0.5 [02:00:00:00:00:64]  0.668ms
Unicast reply from 10.0.0.5 [02:00:00:00:00:0C]  0.670ms
Unicast reply from 10.0.0.5 [02:00:00:00:00:0B]  0.672ms
Unicast reply from 10.0.0.5 [02:00:00:00:00:0B]  0.672ms
Unicast reply from 10.0.0.5 [02:00:00:00:00:0B]  0.672ms
Sent 3 probes (1 broadcast(s))
Received 5 response(s)
"
    );
    assert_eq!((status, rig.now), (Some(1), secs(3.0)));
    let sent: Vec<_> = rig.wire.iter().filter_map(|(_, f)| arp_of(f)).collect();
    assert_eq!(sent.len(), 3);
    assert_eq!((sent[0].dst, sent[0].tha), (BROADCAST_MAC, BROADCAST_MAC));
    assert_eq!((sent[1].dst, sent[1].tha), (mac(0x0b), mac(0x0b)));
    assert_eq!((sent[2].sha, sent[2].spa), (ME, [10, 0, 0, 1]));
}

#[test]
fn one_replier_exits_zero_and_the_route_picks_the_device() {
    let mut net = answerers([10, 0, 0, 5], vec![(mac(0x64), 1234)]);
    let (out, status, _) = run("arping -c 2 10.0.0.5", 30.0, &mut net);
    assert_eq!(
        out,
        "ARPING 10.0.0.5 from 10.0.0.1 eth0
Unicast reply from 10.0.0.5 [02:00:00:00:00:64]  1.734ms
Unicast reply from 10.0.0.5 [02:00:00:00:00:64]  1.734ms
Sent 2 probes (1 broadcast(s))
Received 2 response(s)
"
    );
    assert_eq!(status, Some(0));
}

#[test]
fn duplicate_address_detection() {
    let (out, status, rig) = run("arping -D -c 2 -I eth0 10.0.0.5", 30.0, &mut silent);
    assert_eq!(
        out,
        "ARPING 10.0.0.5 from 0.0.0.0 eth0\nSent 2 probes (2 broadcast(s))\nReceived 0 response(s)\n"
    );
    assert_eq!(status, Some(0));
    assert_eq!(arp_of(&rig.wire[0].1).map(|a| a.spa), Some([0, 0, 0, 0]));
    // Someone has it: the first answer ends the run with status 1.
    let mut net = answerers([10, 0, 0, 5], vec![(mac(0x64), 100)]);
    let (out, status, rig) = run("arping -D -c 3 -I eth0 10.0.0.5", 30.0, &mut net);
    assert!(out.contains("\nUnicast reply from 10.0.0.5 [02:00:00:00:00:64]  0.600ms\n"));
    assert!(out.ends_with("Sent 1 probes (1 broadcast(s))\nReceived 1 response(s)\n"));
    assert_eq!((status, rig.now), (Some(1), Time(100_000)));
}

#[test]
fn gratuitous_request_and_reply() {
    let (out, status, rig) = run("arping -U -c 1 -I eth0 10.0.0.1", 30.0, &mut silent);
    assert_eq!(
        out,
        "ARPING 10.0.0.1 from 10.0.0.1 eth0\nSent 1 probes (1 broadcast(s))\nReceived 0 response(s)\n"
    );
    assert_eq!(status, Some(0));
    let gratuitous = |op, tha| Arp {
        op,
        dst: BROADCAST_MAC,
        sha: ME,
        spa: [10, 0, 0, 1],
        tha,
        tpa: [10, 0, 0, 1],
    };
    assert_eq!(arp_of(&rig.wire[0].1), Some(gratuitous(1, BROADCAST_MAC)));
    let (_, status, rig) = run("arping -A -c 1 -I eth0 10.0.0.1", 30.0, &mut silent);
    assert_eq!(status, Some(0));
    assert_eq!(arp_of(&rig.wire[0].1), Some(gratuitous(2, ME)));
    let (out, status, _) = run("arping -U -c 1 -I eth0 10.0.0.9", 30.0, &mut silent);
    assert_eq!(
        (out.as_str(), status),
        ("arping: bind: Cannot assign requested address\n", Some(2))
    );
}

#[test]
fn bad_devices_and_usage() {
    let (out, status, _) = run("arping -c 1 -I eth9 10.0.0.5", 5.0, &mut silent);
    assert_eq!(
        (out.as_str(), status),
        ("arping: Device eth9 not available.\n", Some(2))
    );
    let (out, status, _) = run("arping -c 1 -I lo 10.0.0.5", 5.0, &mut silent);
    assert_eq!(
        (out.as_str(), status),
        ("Interface \"lo\" is not ARPable\n", Some(2))
    );
    let (out, status, _) = run("arping -c 1", 5.0, &mut silent);
    assert!(out.starts_with("\nUsage:\n  arping [options] <destination>\n"));
    assert_eq!(status, Some(2));
}

#[test]
fn interrupt_prints_the_summary() {
    let mut rig = Rig::new();
    let pid = rig.spawn(spawn, "arping -q 10.0.0.5");
    let mut net = answerers([10, 0, 0, 5], vec![(mac(0x64), 100)]);
    assert_eq!(rig.run(pid, secs(1.5), &mut net), None);
    rig.interrupt(pid);
    assert_eq!(rig.status(pid), Some(0));
    assert_eq!(rig.output(pid), "");
}
