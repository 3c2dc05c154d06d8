//! traceroute driven on a test host: `gw` answers TTL 1 with time exceeded, the target the
//! rest with port unreachable (or the network stays silent for some hops).
use super::spawn;
use crate::kernel::icmp::{DEST_UNREACH, PORT_UNREACH, TIME_EXCEEDED};
use crate::sim::Time;
use smoltcp::wire::{IpAddress, UdpPacket};

use crate::user::tools::testkit::*;

/// A path h → gw → (silent hops) → 172.16.20.10: `answer(ttl)` says who answers and how.
fn path(
    mut answer: impl FnMut(u8) -> Option<(&'static str, u8, u8, u64)>,
) -> impl FnMut(Time, &[u8]) -> Vec<(Time, Vec<u8>)> {
    move |now, f| {
        let Some(p) = ip_of(f) else { return vec![] };
        let Some((from, t, code, delay)) = answer(p.hop_limit()) else {
            return vec![];
        };
        let e = icmp_error(f, ip(from), t, code);
        e.map(|e| (now + delay, e)).into_iter().collect()
    }
}

fn two_hops(ttl: u8) -> Option<(&'static str, u8, u8, u64)> {
    Some(match ttl {
        1 => ("10.0.0.254", TIME_EXCEEDED, 0, us(500)),
        _ => ("172.16.20.10", DEST_UNREACH, PORT_UNREACH, us(1234)),
    })
}

fn run(cmd: &str, net: Net) -> (String, Option<i32>, Rig) {
    let mut rig = Rig::new();
    let pid = rig.spawn(spawn, cmd);
    let status = rig.run(pid, secs(300.0), net);
    (rig.output(pid), status, rig)
}

#[test]
fn two_hops_numeric_and_named() {
    let (out, status, rig) = run("traceroute -n 172.16.20.10", &mut path(two_hops));
    assert_eq!(
        out,
        "traceroute to 172.16.20.10 (172.16.20.10), 30 hops max, 60 byte packets
 1  10.0.0.254  0.500 ms  0.500 ms  0.500 ms
 2  172.16.20.10  1.234 ms  1.234 ms  1.234 ms
"
    );
    assert_eq!(status, Some(0));
    // Six 60-byte UDP probes, TTL 1,1,1,2,2,2, ports 33434…, valid checksums.
    assert_eq!(rig.wire.len(), 6);
    for (n, (_, f)) in rig.wire.iter().enumerate() {
        let p = ip_of(f).expect("IPv4");
        assert_eq!((p.total_len(), p.hop_limit()), (60, n as u8 / 3 + 1));
        let udp = UdpPacket::new_checked(p.payload()).expect("UDP");
        assert_eq!(udp.dst_port(), 33434 + n as u16);
        assert!((32768..=60999).contains(&udp.src_port()));
        let (s, d) = (IpAddress::Ipv4(p.src_addr()), IpAddress::Ipv4(p.dst_addr()));
        assert!(udp.verify_checksum(&s, &d));
        assert_eq!(&udp.payload()[..3], b"@AB");
    }
    let (out, _, _) = run("traceroute 172.16.20.10", &mut path(two_hops));
    assert!(out.contains("\n 1  gw (10.0.0.254)  0.500 ms  0.500 ms  0.500 ms\n"));
    assert!(out.contains("\n 2  172.16.20.10 (172.16.20.10)  1.234 ms"));
}

#[test]
fn silent_hops_unreachable_hosts_and_changing_routers() {
    let mut n = 0;
    let mut net = path(move |ttl| {
        n += 1;
        match ttl {
            1 if n == 2 => Some(("10.0.0.253", TIME_EXCEEDED, 0, us(300))),
            1 => Some(("10.0.0.254", TIME_EXCEEDED, 0, us(300))),
            2 => None,
            _ => Some(("10.0.0.254", DEST_UNREACH, 1, us(2000))),
        }
    });
    let (out, status, rig) = run("traceroute -n -w 2 172.16.20.99", &mut net);
    assert_eq!(
        out,
        "traceroute to 172.16.20.99 (172.16.20.99), 30 hops max, 60 byte packets
 1  10.0.0.254  0.300 ms 10.0.0.253  0.300 ms 10.0.0.254  0.300 ms
 2  * * *
 3  10.0.0.254  2.000 ms !H  2.000 ms !H  2.000 ms !H
"
    );
    assert_eq!(status, Some(0));
    // Three 2-second timeouts for hop 2.
    assert!(rig.now > secs(6.0) && rig.now < secs(6.1));
}

#[test]
fn errors_at_start() {
    let (out, status, _) = run("traceroute -n nosuch", &mut silent);
    assert_eq!(
        out,
        "nosuch: Temporary failure in name resolution\nCannot handle \"host\" cmdline arg `nosuch' on position 2 (argc 2)\n"
    );
    assert_eq!(status, Some(2));
    let (out, status, _) = run("traceroute -x 10.0.0.2", &mut silent);
    assert_eq!(
        (out.as_str(), status),
        ("Bad option `-x' (argc 1)\n", Some(2))
    );
    let (out, _, _) = run("traceroute 10.0.0.2 -m", &mut silent);
    assert_eq!(
        out,
        "Option `-m' (argc 2) requires an argument: `max_ttl'\n"
    );
    let mut rig = Rig::new();
    rig.no_default_route();
    let pid = rig.spawn(spawn, "traceroute 172.16.20.10");
    assert_eq!(rig.run(pid, secs(5.0), &mut silent), Some(1));
    assert_eq!(
        rig.output(pid),
        "traceroute to 172.16.20.10 (172.16.20.10), 30 hops max, 60 byte packets\nconnect: Network is unreachable\n"
    );
}

#[test]
fn max_hops_and_queries() {
    let (out, status, _) = run("traceroute -n -m 2 -q 1 -w 1 172.16.20.10", &mut silent);
    assert_eq!(
        out,
        "traceroute to 172.16.20.10 (172.16.20.10), 2 hops max, 60 byte packets\n 1  *\n 2  *\n"
    );
    assert_eq!(status, Some(0));
}

/// The target answers the first probe that reaches it with a UDP datagram from the probed
/// port (a service listens there), as an open port does; that ends the trace like a port
/// unreachable would.
#[test]
fn an_open_port_answering_in_udp_ends_the_trace() {
    let mut net = |now: Time, f: &[u8]| -> Vec<(Time, Vec<u8>)> {
        let Some(p) = ip_of(f) else { return vec![] };
        if p.hop_limit() == 1 {
            return icmp_error(f, ip("10.0.0.254"), TIME_EXCEEDED, 0)
                .map(|e| (now + us(500), e))
                .into_iter()
                .collect();
        }
        let Ok(u) = UdpPacket::new_checked(p.payload()) else {
            return vec![];
        };
        let (src, dst) = (p.dst_addr(), p.src_addr());
        let answer = crate::kernel::udp::datagram(src, dst, u.dst_port(), u.src_port(), b"hi");
        vec![(now + us(700), back(f, &ipv4(src, dst, 64, 17, &answer)))]
    };
    let (out, status, _) = run("traceroute -n -q 1 172.16.20.10", &mut net);
    assert_eq!(
        out,
        "traceroute to 172.16.20.10 (172.16.20.10), 30 hops max, 60 byte packets
 1  10.0.0.254  0.500 ms
 2  172.16.20.10  0.700 ms
"
    );
    assert_eq!(status, Some(0));
}
