//! Connections per wall second through an LVS-DR director (issue 4, "Performance"): 10,000
//! HTTP/1.0 requests from 100 clients to a VIP, scheduled by wlc over 4 real servers running
//! the real `httpd`, all on one switch, in virtual time. Run with `cargo bench --bench lvs`.
//! (The heap bytes of a connection-table entry are weighed by `cargo bench --bench
//! lvs_mem`, whose counting allocator would slow every allocation here.)

#[path = "common/web.rs"]
mod web;

use criterion::{criterion_group, criterion_main, Criterion};
use netstep::sim::world::World;
use std::net::Ipv4Addr;
use web::{sh, start_httpd, CLIENTS};

const SERVERS: usize = 4;
const VIP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 200);

fn vip(_: usize) -> Ipv4Addr {
    VIP
}

/// The director (node 0: 10.0.0.250, VIP on eth0:2), real servers rs0..rs3 (nodes 1..5:
/// 10.0.0.1–4, VIP on lo:2, arp_ignore=1, arp_announce=2, httpd) and 100 clients (nodes
/// 5..105: 10.0.0.11–110), with `ipvsadm -A -t VIP:80 -s wlc` and four `-a … -g -w 1`.
fn lan() -> World {
    let names: Vec<String> = std::iter::once("dir".to_string())
        .chain((0..SERVERS).map(|i| format!("rs{i}")))
        .chain((0..CLIENTS).map(|i| format!("c{i}")))
        .collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut w = World::star(1, &refs, "sw").expect("star");
    w.explain = false;
    w.record_trace = false;
    sh(&mut w, 0, "ifconfig eth0 10.0.0.250/24");
    sh(
        &mut w,
        0,
        &format!("ifconfig eth0:2 {VIP} netmask 255.255.255.0 up"),
    );
    for i in 1..=SERVERS {
        sh(&mut w, i, &format!("ifconfig eth0 10.0.0.{i}/24"));
        sh(&mut w, i, "sysctl -w net.ipv4.conf.all.arp_ignore=1");
        sh(&mut w, i, "sysctl -w net.ipv4.conf.all.arp_announce=2");
        sh(
            &mut w,
            i,
            &format!("ifconfig lo:2 {VIP} netmask 255.255.255.255 up"),
        );
        start_httpd(&mut w, i);
    }
    for c in 0..CLIENTS {
        sh(
            &mut w,
            1 + SERVERS + c,
            &format!("ifconfig eth0 10.0.0.{}/24", 11 + c),
        );
    }
    w.refresh_hosts();
    let mut rules = vec![format!("ipvsadm -A -t {VIP}:80 -s wlc")];
    rules.extend((1..=SERVERS).map(|i| format!("ipvsadm -a -t {VIP}:80 -r 10.0.0.{i} -g -w 1")));
    for line in rules {
        let args: Vec<String> = line.split(' ').map(String::from).collect();
        let prog = netstep::user::tools::ipvsadm::spawn(&args);
        w.spawn(0, "ipvsadm", &line, prog, false).expect("ipvsadm");
    }
    w.run_idle(u64::MAX).expect("set up");
    w
}

fn connections(c: &mut Criterion) {
    web::bench(
        c,
        "lvs",
        "100 clients x 100 HTTP/1.0 requests through a DR director (wlc) to 4 httpd",
        lan,
        (1 + SERVERS, 1 + SERVERS + CLIENTS),
        vip,
    );
}

criterion_group!(benches, connections);
criterion_main!(benches);
