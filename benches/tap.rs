//! A kernel TCP download over real wires (issue 6, "Benchmark"): Linux `curl` fetching 10 MB
//! from netstep's `httpd` through a TAP device, against the same download from
//! `python3 -m http.server` across a veth pair between two namespaces. Root only (it makes
//! namespaces); without root it prints why and measures nothing.
//! Run with `cargo bench --bench tap`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use netstep::lab::{parse_lab, LabOptions, Runner};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const SIZE: usize = 10 * 1024 * 1024;

fn ip(args: &[&str]) {
    let ok = Command::new("ip").args(args).status().map(|s| s.success());
    assert_eq!(ok.ok(), Some(true), "ip {}", args.join(" "));
}

fn exec(r: &mut Runner, text: &str) {
    for line in parse_lab("bench", text).expect("parses") {
        r.exec(&line)
            .unwrap_or_else(|e| panic!("{}: {e}", line.text));
    }
}

fn curl(ns: &str, url: &str) -> Child {
    Command::new("ip")
        .args([
            "netns",
            "exec",
            ns,
            "curl",
            "-s",
            "-m",
            "60",
            "-o",
            "/dev/null",
            url,
        ])
        .spawn()
        .expect("curl")
}

/// netstep host h (10.198.0.2, httpd serving 10 MB) on a TAP in namespace `nsb-tap`.
fn tap_world() -> Runner<'static> {
    let ns = "nsb-tap";
    let _ = Command::new("ip")
        .args(["netns", "del", ns])
        .stderr(Stdio::null())
        .status();
    ip(&["netns", "add", ns]);
    let mut r = Runner::with_sink(LabOptions::default(), Box::new(std::io::sink()));
    exec(&mut r, "host h\ntap h:eth0 nsbtap0");
    ip(&["link", "set", "nsbtap0", "netns", ns]);
    ip(&["-n", ns, "addr", "add", "10.198.0.1/24", "dev", "nsbtap0"]);
    ip(&["-n", ns, "link", "set", "nsbtap0", "up"]);
    exec(&mut r, "h: ifconfig eth0 10.198.0.2/24");
    let h = r.world.host_mut(0).expect("h");
    h.kernel
        .write_file("/var/www/html/big.bin", &vec![7u8; SIZE], false)
        .expect("write");
    exec(&mut r, "h: httpd");
    r
}

/// Two namespaces joined by a veth pair, python's http.server on one side.
fn veth_pair(dir: &std::path::Path) -> Child {
    for ns in ["nsb-a", "nsb-b"] {
        let _ = Command::new("ip")
            .args(["netns", "del", ns])
            .stderr(Stdio::null())
            .status();
        ip(&["netns", "add", ns]);
    }
    ip(&[
        "-n", "nsb-a", "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", "nsb-b",
    ]);
    ip(&["-n", "nsb-a", "addr", "add", "10.197.0.1/24", "dev", "va"]);
    ip(&["-n", "nsb-b", "addr", "add", "10.197.0.2/24", "dev", "vb"]);
    ip(&["-n", "nsb-a", "link", "set", "va", "up"]);
    ip(&["-n", "nsb-b", "link", "set", "vb", "up"]);
    std::fs::write(dir.join("big.bin"), vec![7u8; SIZE]).expect("file");
    let mut server = Command::new("ip")
        .args([
            "netns",
            "exec",
            "nsb-a",
            "python3",
            "-u",
            "-m",
            "http.server",
            "8000",
            "--bind",
            "10.197.0.1",
        ])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3");
    let mut line = String::new();
    BufReader::new(server.stdout.as_mut().expect("stdout"))
        .read_line(&mut line)
        .expect("server starts");
    server
}

fn downloads(c: &mut Criterion) {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n");
    if !root.unwrap_or(false) || !std::path::Path::new("/dev/net/tun").exists() {
        eprintln!("tap bench: needs root and /dev/net/tun; nothing measured");
        return;
    }
    let mut g = c.benchmark_group("download 10 MB");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(SIZE as u64));
    let mut r = tap_world();
    g.bench_function("Linux curl from netstep httpd over TAP", |b| {
        b.iter(|| {
            let mut child = curl("nsb-tap", "http://10.198.0.2/big.bin");
            // 10 ms slices of real time: the figure is at most that much late.
            for _ in 0..6000 {
                if child.try_wait().expect("wait").is_some() {
                    return;
                }
                exec(&mut r, "run 10ms");
            }
            panic!("download did not finish");
        })
    });
    let dir = std::env::temp_dir().join("netstep-bench-veth");
    std::fs::create_dir_all(&dir).expect("dir");
    let mut server = veth_pair(&dir);
    g.bench_function("Linux curl from Linux http.server over veth", |b| {
        b.iter(|| {
            let st = curl("nsb-b", "http://10.197.0.1:8000/big.bin")
                .wait()
                .expect("curl");
            assert!(st.success());
        })
    });
    g.finish();
    let _ = server.kill();
    let _ = server.wait();
    for ns in ["nsb-tap", "nsb-a", "nsb-b"] {
        let _ = Command::new("ip").args(["netns", "del", ns]).status();
    }
    let _ = std::fs::remove_dir_all(dir);
}

criterion_group!(benches, downloads);
criterion_main!(benches);
