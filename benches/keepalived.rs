//! What keepalived costs when nothing happens (issue 11, "Performance"): two directors (lb1
//! MASTER, lb2 BACKUP) and four real servers running httpd on one switch; VRRP adverts every
//! second and an HTTP_GET of every real server every 3 s from both directors' checkers, for
//! one virtual hour. Target: under 0.5 s of wall time. Run with `cargo bench --bench
//! keepalived`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode};
use netstep::lab::parse::parse_lab;
use netstep::lab::runner::{LabOptions, Runner};
use netstep::sim::time::SEC;
use std::time::Duration;

const HOUR: u64 = 3600 * SEC;

/// The world, lab-built: keepalived started on both directors and settled for 10 s.
const SETUP: &str = r#"
host lb1 lb2 rs1 rs2 rs3 rs4
switch sw1
link lb1:eth0 sw1
link lb2:eth0 sw1
link rs1:eth0 sw1
link rs2:eth0 sw1
link rs3:eth0 sw1
link rs4:eth0 sw1
lb1: ifconfig eth0 192.168.10.101/24
lb2: ifconfig eth0 192.168.10.102/24
rs1: ifconfig eth0 192.168.10.11/24
rs2: ifconfig eth0 192.168.10.12/24
rs3: ifconfig eth0 192.168.10.13/24
rs4: ifconfig eth0 192.168.10.14/24
rs1: httpd
rs2: httpd
rs3: httpd
rs4: httpd
lb1: cat > /etc/keepalived/keepalived.conf <<EOF
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.168.10.200/24 dev eth0 label eth0:2
    }
}
include /etc/keepalived/vs.conf
EOF
lb2: cat > /etc/keepalived/keepalived.conf <<EOF
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 50
    advert_int 1
    virtual_ipaddress {
        192.168.10.200/24 dev eth0 label eth0:2
    }
}
include /etc/keepalived/vs.conf
EOF
"#;

fn virtual_server() -> String {
    let mut vs = String::from(
        "virtual_server 192.168.10.200 80 {\n    delay_loop 3\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\n",
    );
    for i in 1..=4 {
        vs.push_str(&format!(
            "    real_server 192.168.10.1{i} 80 {{\n        weight 1\n        HTTP_GET {{\n            url {{\n                path /\n                status_code 200\n            }}\n            connect_timeout 3\n        }}\n    }}\n"
        ));
    }
    vs.push_str("}\n");
    vs
}

fn lab() -> String {
    let mut text = SETUP.to_string();
    for lb in ["lb1", "lb2"] {
        text.push_str(&format!(
            "{lb}: cat > /etc/keepalived/vs.conf <<EOF\n{}EOF\n{lb}: keepalived\n",
            virtual_server()
        ));
    }
    text.push_str("run 10s\n");
    text
}

fn world() -> Runner<'static> {
    let lines = parse_lab("keepalived-bench.lab", &lab()).expect("lab parses");
    let mut runner = Runner::with_sink(LabOptions::default(), Box::new(std::io::sink()));
    for line in &lines {
        runner.exec(line).expect("setup line runs");
    }
    runner.world.explain = false;
    runner.world.record_trace = false;
    runner
}

/// What an hour must have done: each real server answered both checkers every 3 s.
fn check(mut runner: Runner<'static>) {
    for rs in ["rs1", "rs2", "rs3", "rs4"] {
        let node = runner.world.node_index(rs).expect("rs");
        let log = runner
            .world
            .host(node)
            .and_then(|h| h.kernel.read_file("/var/log/httpd/access.log").ok())
            .expect("access log");
        let hits = log.iter().filter(|&&b| b == b'\n').count();
        // 3,600 s / 3 s from each of two directors, give or take the first and last.
        assert!((2 * 1199..=2 * 1205).contains(&hits), "{rs}: {hits} checks");
    }
    let lines =
        parse_lab("check.lab", "lb1: ifconfig eth0:2\nlb2: ifconfig eth0:2\n").expect("parses");
    runner.exec(&lines[0]).expect("runs");
    let (out, _) = runner.last_output().expect("output");
    assert!(out.contains("192.168.10.200"), "lb1 lost the VIP: {out}");
    runner.exec(&lines[1]).expect("runs");
    let (out, _) = runner.last_output().expect("output");
    assert!(!out.contains("192.168.10.200"), "lb2 took the VIP: {out}");
}

/// The timed part (named, so callgrind can count it).
#[inline(never)]
fn run_hour(mut runner: Runner<'static>) -> Runner<'static> {
    let until = runner.now() + HOUR;
    runner.world.run_until(until, u64::MAX).expect("an hour");
    runner
}

fn idle_hour(c: &mut Criterion) {
    // Once outside the timings: the hour did what it should.
    check(run_hour(world()));

    let mut g = c.benchmark_group("keepalived");
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function(
        "one virtual hour: 2 directors (VRRP 1 s), 4 real servers (HTTP_GET every 3 s)",
        |b| b.iter_batched(world, run_hour, BatchSize::PerIteration),
    );
    g.finish();
}

criterion_group!(benches, idle_hour);
criterion_main!(benches);
