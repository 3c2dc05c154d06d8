//! The hooks on a router's path, driven by iptables commands and real packets: MASQUERADE
//! out and back, the filter table's verdicts (DROP, REJECT's reset, a stateful rule), LOG
//! to the kernel log, and the fast path a host without rules takes.

use crate::kernel::arp::PktType;
use crate::kernel::netfilter::nf_conntrack::proto_tcp;
use crate::kernel::testutil::{plug, segment};
use crate::kernel::{ip_input, Kernel};
use crate::sim::rng::Rng;
use crate::sim::time::SEC;
use crate::sim::{Ctx, Time};
use std::net::Ipv4Addr;

const H1: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
const R1_OUT: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 1);
const SRV: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 2);

fn sh(k: &mut Kernel, line: &str) {
    let r = crate::user::tools::run_builtin(k, Time::ZERO, line);
    assert_eq!(r.as_ref().map(|r| r.2), Some(0), "{line}: {r:?}");
}

/// r1: eth0 10.0.0.1/24 inside, eth1 203.0.113.1/24 outside, forwarding, neighbours known.
fn router(rules: &[&str]) -> Kernel {
    let mut k = Kernel::new("r1", Rng::new(1));
    plug(&mut k, "eth0", [2, 0, 0, 0, 1, 1]);
    plug(&mut k, "eth1", [2, 0, 0, 0, 1, 2]);
    for line in [
        "ifconfig eth0 10.0.0.1 netmask 255.255.255.0 up",
        "ifconfig eth1 203.0.113.1 netmask 255.255.255.0 up",
        "sysctl -w net.ipv4.ip_forward=1",
        "arp -s 10.0.0.2 02:00:00:00:02:01",
        "arp -s 203.0.113.2 02:00:00:00:03:01",
    ] {
        sh(&mut k, line);
    }
    for r in rules {
        sh(&mut k, r);
    }
    k
}

/// Feeds an IP packet in on `dev` at second `s`; the IP packets that went out, by device.
fn feed(k: &mut Kernel, s: u64, dev: &str, pkt: &[u8]) -> (Vec<(usize, Vec<u8>)>, String) {
    let mut ctx = Ctx::new(Time::ZERO + s * SEC, "r1", true);
    let i = k.devs.index_of(dev).expect("dev");
    ip_input::ip_rcv(k, &mut ctx, i, PktType::Host, pkt, None);
    k.run_backlog(&mut ctx);
    let out = ctx
        .tx
        .iter()
        .map(|t| (t.port, t.frame[14..].to_vec()))
        .collect();
    (out, ctx.reasons.join("\n"))
}

fn src_of(p: &[u8]) -> (Ipv4Addr, u16) {
    (
        Ipv4Addr::new(p[12], p[13], p[14], p[15]),
        u16::from_be_bytes([p[20], p[21]]),
    )
}

const MASQ: &str = "iptables -t nat -A POSTROUTING -s 10.0.0.0/24 -o eth1 -j MASQUERADE";

#[test]
fn masquerade_maps_out_and_back_and_tracks_the_handshake() {
    let mut k = router(&[MASQ]);
    assert!(k.nf.ct.enabled, "a NAT rule loads conntrack");
    let (out, why) = feed(&mut k, 0, "eth0", &segment((H1, 40000), (SRV, 80), "S"));
    assert_eq!(out.len(), 1, "{why}");
    assert_eq!(src_of(&out[0].1), (R1_OUT, 40000));
    assert!(why.contains("conntrack: new connection"), "{why}");
    let (back, why) = feed(
        &mut k,
        0,
        "eth1",
        &segment((SRV, 80), (R1_OUT, 40000), "SA"),
    );
    assert_eq!(back.len(), 1, "{why}");
    assert_eq!(
        &back[0].1[16..20],
        &H1.octets(),
        "de-NATed to the inside host"
    );
    feed(&mut k, 0, "eth0", &segment((H1, 40000), (SRV, 80), "A"));
    let c = k.nf.ct.conns.values().next().expect("a connection");
    assert_eq!(c.state, proto_tcp::ESTABLISHED);
    assert!(c.has(super::nf_conntrack::status::ASSURED));
}

#[test]
fn a_second_host_on_the_same_port_is_remapped_and_said_so() {
    let mut k = router(&[MASQ]);
    feed(&mut k, 0, "eth0", &segment((H1, 40000), (SRV, 80), "S"));
    let h2 = Ipv4Addr::new(10, 0, 0, 3);
    sh(&mut k, "arp -s 10.0.0.3 02:00:00:00:02:02");
    let (out, why) = feed(&mut k, 0, "eth0", &segment((h2, 40000), (SRV, 80), "S"));
    let (addr, port) = src_of(&out[0].1);
    assert_eq!(addr, R1_OUT);
    assert_ne!(port, 40000);
    assert!(
        why.contains(&format!(
            "10.0.0.3:40000 → 203.0.113.1:40000 is taken by 10.0.0.2's connection: source port remapped to {port}"
        )),
        "{why}"
    );
}

#[test]
fn the_filter_table_drops_rejects_and_keeps_state() {
    let mut k = router(&[
        "iptables -P FORWARD DROP",
        "iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
        "iptables -A FORWARD -i eth0 -o eth1 -p tcp --dport 80 -j ACCEPT",
        "iptables -A FORWARD -i eth0 -p tcp --dport 23 -j REJECT --reject-with tcp-reset",
    ]);
    let (out, _) = feed(&mut k, 0, "eth0", &segment((H1, 40000), (SRV, 80), "S"));
    assert_eq!(out.len(), 1);
    let (back, _) = feed(&mut k, 0, "eth1", &segment((SRV, 80), (H1, 40000), "SA"));
    assert_eq!(back.len(), 1, "the reply is ESTABLISHED");
    let (none, why) = feed(&mut k, 0, "eth1", &segment((SRV, 5555), (H1, 22), "S"));
    assert!(none.is_empty());
    assert!(why.contains("filter FORWARD policy DROP"), "{why}");
    let (rst, why) = feed(&mut k, 0, "eth0", &segment((H1, 40001), (SRV, 23), "S"));
    assert_eq!(rst.len(), 1, "{why}");
    assert_eq!(rst[0].1[33], 0x14, "RST|ACK back to the client");
    assert_eq!(&rst[0].1[16..20], &H1.octets());
}

#[test]
fn log_writes_the_kernel_log() {
    let mut k = router(&["iptables -A FORWARD -p tcp -j LOG --log-prefix FWD:"]);
    feed(&mut k, 3, "eth0", &segment((H1, 40000), (SRV, 80), "S"));
    let (t, line) = &k.nf.klog[0];
    assert_eq!(*t, Time::ZERO + 3 * SEC);
    assert!(
        line.starts_with(
            "FWD:IN=eth0 OUT=eth1 SRC=10.0.0.2 DST=203.0.113.2 LEN=40 TOS=0x00 PREC=0x00 TTL=63 "
        ),
        "{line}"
    );
    assert!(
        line.contains("PROTO=TCP SPT=40000 DPT=80 WINDOW=64240 RES=0x00 SYN URGP=0"),
        "{line}"
    );
}

#[test]
fn a_host_without_rules_tracks_nothing() {
    let mut k = router(&[]);
    assert!(k.nf.idle());
    let (out, _) = feed(&mut k, 0, "eth0", &segment((H1, 40000), (SRV, 80), "S"));
    assert_eq!(out.len(), 1);
    assert!(k.nf.ct.conns.is_empty());
}
