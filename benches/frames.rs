//! Frame deliveries per second (host → switch → host and back: ICMP echo in 64-byte frames),
//! and the cost of FIB and neighbour lookups. Run with `cargo bench --bench frames`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use netstep::kernel::fib::{Proto, Route, RouteType};
use netstep::kernel::icmp;
use netstep::kernel::netdev::IfAddr;
use netstep::sim::link::LinkParams;
use netstep::sim::world::World;
use std::hint::black_box;
use std::net::Ipv4Addr;

const FRAMES: usize = 10_000;

/// Two hosts on a switch with permanent ARP entries, so every frame is an echo request or reply.
fn lan() -> World {
    let mut w = World::new(1);
    w.explain = false;
    w.record_trace = false;
    for n in ["a", "b"] {
        w.add_node(n, "host").expect("node");
    }
    w.add_node("sw", "switch").expect("switch");
    for n in ["a", "b"] {
        w.connect((n, Some("eth0")), ("sw", None), LinkParams::default())
            .expect("link");
    }
    let macs = [[2, 0, 0, 0, 1, 1], [2, 0, 0, 0, 2, 1]];
    for (i, ip) in [(0usize, [10, 0, 0, 1]), (1, [10, 0, 0, 2])] {
        let h = w.host_mut(i).expect("host");
        let k = &mut h.kernel;
        let dev = k.devs.get_mut(2).expect("eth0");
        dev.up = true;
        dev.addrs.push(IfAddr {
            addr: Ipv4Addr::from(ip),
            prefix: 24,
            broadcast: None,
            label: "eth0".into(),
        });
        let peer = Ipv4Addr::new(10, 0, 0, 2 - i as u8);
        k.neigh
            .set_static(2, peer, macs[1 - i], true, false, netstep::sim::Time::ZERO);
    }
    w
}

/// A 64-byte Ethernet frame with an ICMP echo request from a to b.
fn echo_frame(seq: u16) -> Vec<u8> {
    let msg = icmp::echo(icmp::ECHO_REQUEST, 1, seq, &[0u8; 22]);
    let total = 20 + msg.len();
    let mut ip = vec![0u8; total];
    let mut p = smoltcp::wire::Ipv4Packet::new_unchecked(&mut ip[..]);
    p.set_version(4);
    p.set_header_len(20);
    p.set_total_len(total as u16);
    p.set_hop_limit(64);
    p.set_next_header(smoltcp::wire::IpProtocol::Icmp);
    p.set_src_addr(Ipv4Addr::new(10, 0, 0, 1));
    p.set_dst_addr(Ipv4Addr::new(10, 0, 0, 2));
    p.fill_checksum();
    ip[20..].copy_from_slice(&msg);
    netstep::kernel::dev::eth_frame([2, 0, 0, 0, 2, 1], [2, 0, 0, 0, 1, 1], 0x0800, &ip)
}

fn deliveries(c: &mut Criterion) {
    let frames: Vec<Vec<u8>> = (0..FRAMES).map(|i| echo_frame(i as u16)).collect();
    let mut g = c.benchmark_group("frames");
    // Each request crosses two links and its reply two more: 4 deliveries per request.
    g.throughput(Throughput::Elements((FRAMES * 4) as u64));
    g.bench_function(
        BenchmarkId::new("host-switch-host deliveries", FRAMES * 4),
        |b| {
            b.iter(|| {
                let mut w = lan();
                for f in &frames {
                    w.inject(0, 2, f.clone());
                }
                w.run_idle(u64::MAX).expect("run");
                assert_eq!(w.events as usize, FRAMES * 4);
                black_box(w.events)
            })
        },
    );
    g.finish();
}

fn lookups(c: &mut Criterion) {
    let w = lan();
    let h = w.host(0).expect("host");
    let mut k_fib = h.kernel.fib.clone();
    for i in 0..100u8 {
        let r = Route {
            dst: Ipv4Addr::new(172, 16, i, 0),
            prefix: 24,
            gw: Some(Ipv4Addr::new(10, 0, 0, 2)),
            dev: None,
            metric: 0,
            rtype: RouteType::Unicast,
            proto: Proto::Boot,
            src: None,
        };
        k_fib.add(&h.kernel.devs, r).expect("route");
    }
    let devs = &h.kernel.devs;
    let mut g = c.benchmark_group("lookups");
    g.bench_function("fib lookup, 100 routes", |b| {
        b.iter(|| black_box(k_fib.lookup(devs, black_box(Ipv4Addr::new(172, 16, 77, 9)))))
    });
    g.bench_function("neighbour find", |b| {
        b.iter(|| {
            black_box(
                h.kernel
                    .neigh
                    .find(2, black_box(Ipv4Addr::new(10, 0, 0, 2))),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, deliveries, lookups);
criterion_main!(benches);
