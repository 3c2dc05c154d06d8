//! tcpdump on a test host, capturing a ping (pid 1001, so ICMP id 1001) to the neighbour.
use super::spawn;
use crate::sim::Time;
use crate::user::tools::ping;

use crate::user::tools::testkit::*;

const BANNER: &str = "tcpdump: verbose output suppressed, use -v[v]... for full protocol decode
listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes
";
const STATS2: &str = "2 packets captured
2 packets received by filter
0 packets dropped by kernel
";

fn replies(now: Time, f: &[u8]) -> Vec<(Time, Vec<u8>)> {
    echo_reply(f, 64)
        .map(|r| (now + us(250), r))
        .into_iter()
        .collect()
}

/// Starts tcpdump with `args`, then `ping -c 1 10.0.0.2`; runs until tcpdump ends or 5 s.
fn capture(args: &str) -> (String, Option<i32>, Rig) {
    let mut rig = Rig::new();
    let pid = rig.spawn(spawn, &format!("tcpdump {args}"));
    rig.spawn(ping::spawn, "ping -c 1 10.0.0.2");
    let status = rig.run(pid, secs(5.0), &mut replies);
    (rig.output(pid), status, rig)
}

#[test]
fn two_frames_then_the_statistics() {
    let (out, status, rig) = capture("-c 2 -n");
    let want = format!(
        "{BANNER}00:00:00.000000 IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 1001, seq 1, length 64
00:00:00.000250 IP 10.0.0.2 > 10.0.0.1: ICMP echo reply, id 1001, seq 1, length 64
{STATS2}"
    );
    assert_eq!(out, want);
    assert_eq!(status, Some(0));
    let eth0 = rig.host.kernel.devs.get(ETH0).map(|d| d.promisc);
    assert_eq!(eth0, Some(0), "promiscuous mode is undone");
}

#[test]
fn link_headers_filters_and_any() {
    let (out, _, _) = capture("-c 1 -nn -e -i eth0");
    assert!(out.contains(
        "\n00:00:00.000000 02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv4 (0x0800), length 98: 10.0.0.1 > 10.0.0.2: ICMP echo request, id 1001, seq 1, length 64\n"
    ));
    let (out, status, _) = capture("-c 1 icmp and src host peer");
    assert!(out.contains("\n00:00:00.000250 IP 10.0.0.2 > 10.0.0.1: ICMP echo reply"));
    assert!(out.ends_with(
        "1 packet captured\n1 packet received by filter\n0 packets dropped by kernel\n"
    ));
    assert_eq!(status, Some(0));
    let (out, _, _) = capture("-i any -c 2");
    assert!(out.starts_with("tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\nlistening on any, link-type LINUX_SLL2 (Linux cooked v2), snapshot length 262144 bytes\n"));
    assert!(out.contains("\n00:00:00.000000 eth0  Out IP 10.0.0.1 > 10.0.0.2: ICMP echo request"));
    assert!(out.contains("\n00:00:00.000250 eth0  In  IP 10.0.0.2 > 10.0.0.1: ICMP echo reply"));
}

#[test]
fn writes_a_pcap_file() {
    let (out, status, rig) = capture("-c 2 -w cap.pcap");
    let banner =
        "tcpdump: listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n";
    assert_eq!(out, format!("{banner}{STATS2}"));
    assert_eq!(status, Some(0));
    let file = rig.host.kernel.read_file("/root/cap.pcap").expect("file");
    assert_eq!(file.len(), 24 + 2 * (16 + 98));
    assert_eq!(&file[..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
    assert_eq!(&file[20..24], &[1, 0, 0, 0]);
    let second = 24 + 16 + 98;
    assert_eq!(&file[second + 4..second + 12], &[250, 0, 0, 0, 98, 0, 0, 0]);
}

#[test]
fn interrupt_and_errors() {
    let mut rig = Rig::new();
    let pid = rig.spawn(spawn, "tcpdump -n");
    assert_eq!(rig.host.kernel.devs.get(ETH0).map(|d| d.promisc), Some(1));
    assert_eq!(rig.run(pid, secs(1.0), &mut silent), None);
    rig.interrupt(pid);
    assert_eq!(rig.status(pid), Some(0));
    let stats = "0 packets captured\n0 packets received by filter\n0 packets dropped by kernel\n";
    assert_eq!(rig.output(pid), format!("{BANNER}\n{stats}"));
    assert_eq!(rig.host.kernel.devs.get(ETH0).map(|d| d.promisc), Some(0));
    for (cmd, want) in [
        (
            "tcpdump -i eth9",
            "tcpdump: eth9: No such device exists\n(SIOCGIFHWADDR: No such device)\n",
        ),
        ("tcpdump -c 0", "tcpdump: invalid packet count 0\n"),
        (
            "tcpdump udp and",
            "tcpdump: can't parse filter expression: syntax error\n",
        ),
        ("tcpdump host nosuch", "tcpdump: unknown host 'nosuch'\n"),
    ] {
        let mut rig = Rig::new();
        let pid = rig.spawn(spawn, cmd);
        assert_eq!(rig.status(pid), Some(1), "{cmd}");
        assert_eq!(rig.output(pid), want, "{cmd}");
        assert_eq!(rig.host.kernel.devs.get(ETH0).map(|d| d.promisc), Some(0));
    }
}
