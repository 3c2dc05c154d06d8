//! Connections through a NAT router per wall second (issue 13, "Performance"): 10,000
//! HTTP/1.0 requests from 100 inside clients (10.0.0.11–110) through r1, which masquerades
//! them behind 203.0.113.1 and runs a stateful filter (FORWARD policy DROP; ESTABLISHED,
//! RELATED accepted; new connections to port 80 from the inside accepted), to 4 outside
//! servers running the real `httpd`. Every packet crosses r1's conntrack, nat and filter
//! hooks. Run with `cargo bench --bench nat`.

#[path = "common/web.rs"]
mod web;

use criterion::{criterion_group, criterion_main, Criterion};
use netstep::sim::link::LinkParams;
use netstep::sim::world::World;
use std::net::Ipv4Addr;
use web::{sh, start_httpd, CLIENTS};

const SERVERS: usize = 4;
/// The router's node number: after the servers, before the clients.
const ROUTER: usize = SERVERS;

fn server_ip(c: usize) -> Ipv4Addr {
    Ipv4Addr::new(203, 0, 113, 2 + (c % SERVERS) as u8)
}

const RULES: &[&str] = &[
    "sysctl -w net.ipv4.ip_forward=1",
    "iptables -t nat -A POSTROUTING -s 10.0.0.0/24 -o eth1 -j MASQUERADE",
    "iptables -P FORWARD DROP",
    "iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
    "iptables -A FORWARD -i eth0 -o eth1 -p tcp --dport 80 -j ACCEPT",
];

fn link(w: &mut World, a: (&str, Option<&str>), b: &str) {
    w.connect(a, (b, None), LinkParams::default())
        .expect("link");
}

/// 4 servers on sw2, r1 between sw2 and sw1, 100 clients on sw1.
fn natted() -> World {
    let mut w = World::new(1);
    let servers: Vec<String> = (0..SERVERS).map(|i| format!("s{i}")).collect();
    let clients: Vec<String> = (0..CLIENTS).map(|i| format!("c{i}")).collect();
    for n in servers
        .iter()
        .chain(std::iter::once(&"r1".to_string()))
        .chain(&clients)
    {
        w.add_node(n, "host").expect("host");
    }
    for sw in ["sw1", "sw2"] {
        w.add_node(sw, "switch").expect("switch");
    }
    for (i, s) in servers.iter().enumerate() {
        link(&mut w, (s, Some("eth0")), "sw2");
        sh(&mut w, i, &format!("ifconfig eth0 {}/24", server_ip(i)));
    }
    link(&mut w, ("r1", Some("eth0")), "sw1");
    link(&mut w, ("r1", Some("eth1")), "sw2");
    sh(&mut w, ROUTER, "ifconfig eth0 10.0.0.1/24");
    sh(&mut w, ROUTER, "ifconfig eth1 203.0.113.1/24");
    for rule in RULES {
        sh(&mut w, ROUTER, rule);
    }
    for (c, name) in clients.iter().enumerate() {
        link(&mut w, (name, Some("eth0")), "sw1");
        let i = ROUTER + 1 + c;
        sh(&mut w, i, &format!("ifconfig eth0 10.0.0.{}/24", 11 + c));
        sh(&mut w, i, "route add default gw 10.0.0.1");
    }
    w.explain = false;
    w.record_trace = false;
    w.refresh_hosts();
    for i in 0..SERVERS {
        start_httpd(&mut w, i);
    }
    w.run_idle(u64::MAX).expect("httpd starts");
    w
}

fn connections(c: &mut Criterion) {
    web::bench(
        c,
        "nat",
        "100 clients x 100 HTTP/1.0 requests through MASQUERADE and a stateful filter",
        natted,
        (ROUTER + 1, ROUTER + 1 + CLIENTS),
        server_ip,
    );
}

criterion_group!(benches, connections);
criterion_main!(benches);
