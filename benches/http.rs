//! TCP connections per wall second (issue 3, "Performance"): 10,000 HTTP/1.0 requests
//! (connect, a 16-byte `GET / HTTP/1.0\n\n`, a 256-byte reply, the server closes) from 100
//! client hosts to 4 servers running the real `httpd`, all on one switch, in virtual time.
//! Run with `cargo bench --bench http`.

#[path = "common/web.rs"]
mod web;

use criterion::{criterion_group, criterion_main, Criterion};
use netstep::sim::world::World;
use std::net::Ipv4Addr;
use web::{sh, start_httpd, CLIENTS};

const SERVERS: usize = 4;

fn server_ip(c: usize) -> Ipv4Addr {
    Ipv4Addr::new(10, 0, 0, 1 + (c % SERVERS) as u8)
}

/// 4 servers (nodes 0..4, 10.0.0.1–4) and 100 clients (nodes 4..104, 10.0.0.11–110) on one
/// switch, addressed through ifconfig, with httpd serving a 71-byte index.html.
fn lan() -> World {
    let names: Vec<String> = (0..SERVERS)
        .map(|i| format!("s{i}"))
        .chain((0..CLIENTS).map(|i| format!("c{i}")))
        .collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut w = World::star(1, &refs, "sw").expect("star");
    w.explain = false;
    w.record_trace = false;
    for i in 0..names.len() {
        let ip = match i < SERVERS {
            true => format!("{}/24", server_ip(i)),
            false => format!("10.0.0.{}/24", 11 + i - SERVERS),
        };
        sh(&mut w, i, &format!("ifconfig eth0 {ip}"));
    }
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
        "http",
        "100 clients x 100 HTTP/1.0 requests to 4 httpd",
        lan,
        (SERVERS, SERVERS + CLIENTS),
        server_ip,
    );
}

criterion_group!(benches, connections);
criterion_main!(benches);
