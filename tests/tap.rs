//! A netstep host on a Linux TAP device, talking to the real kernel. Each test makes its own
//! network namespace, moves its TAP device into it, uses only addresses inside it, and
//! deletes it at the end. Root only (CAP_NET_ADMIN and /dev/net/tun); otherwise skipped,
//! unless NETSTEP_REQUIRE_EXTERNAL asks for them.

mod common;

use netstep::lab::{parse_lab, LabOptions, Runner};

/// These tests make TAP devices on purpose: the command line's --allow-tap.
fn tap_allowed() -> LabOptions {
    LabOptions {
        allow_tap: true,
        ..LabOptions::default()
    }
}
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A namespace with the TAP device `dev` in it as 10.199.0.1/24, deleted when dropped.
struct Ns {
    name: String,
}

impl Drop for Ns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

fn ip(args: &[&str]) {
    let st = Command::new("ip").args(args).status().expect("ip runs");
    assert!(st.success(), "ip {}", args.join(" "));
}

fn can_tap() -> bool {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n");
    let ok = root.unwrap_or(false) && std::path::Path::new("/dev/net/tun").exists();
    if !ok {
        assert!(
            !common::require_external(),
            "TAP tests need root and /dev/net/tun"
        );
        eprintln!("SKIP: TAP tests need root and /dev/net/tun");
    }
    ok
}

/// A runner whose host `h` is on TAP `dev` (moved into a fresh namespace `ns`) as 10.199.0.2.
fn world(tag: &str) -> (Runner<'static>, Ns) {
    let name = format!("nst{}{tag}", std::process::id() % 100_000);
    let ns = Ns { name: name.clone() };
    let _ = Command::new("ip")
        .args(["netns", "del", &name])
        .stderr(Stdio::null())
        .status();
    ip(&["netns", "add", &name]);
    let mut r = Runner::with_sink(tap_allowed(), Box::new(std::io::sink()));
    exec(&mut r, &format!("host h\ntap h:eth0 {name}"));
    ip(&["link", "set", &name, "netns", &name]);
    ip(&["-n", &name, "addr", "add", "10.199.0.1/24", "dev", &name]);
    ip(&["-n", &name, "link", "set", &name, "up"]);
    ip(&["-n", &name, "link", "set", "lo", "up"]);
    exec(&mut r, "h: ifconfig eth0 10.199.0.2/24");
    (r, ns)
}

fn exec(r: &mut Runner, text: &str) {
    for line in parse_lab("tap-test", text).expect("parses") {
        r.exec(&line)
            .unwrap_or_else(|e| panic!("{}: {e}", line.text));
    }
}

/// Runs the world in real time, 100 ms at a time, until `child` exits (at most 20 s).
fn run_until_done(r: &mut Runner, child: &mut Child) -> std::process::ExitStatus {
    for _ in 0..200 {
        if let Some(st) = child.try_wait().expect("wait") {
            return st;
        }
        exec(r, "run 100ms");
    }
    let _ = child.kill();
    panic!("the kernel's command did not finish in 20 s");
}

/// `python3 -m http.server ARGS` serving `dir` in `ns`, once it listens: it prints "Serving
/// HTTP on …" then, and the line is read before anyone connects (no sleeping on it).
fn http_server(ns: &Ns, dir: &std::path::Path, args: &[&str]) -> Child {
    let mut server = in_ns(ns, &["python3", "-u", "-m", "http.server"])
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 http.server");
    let mut ready = String::new();
    BufReader::new(server.stdout.as_mut().expect("stdout"))
        .read_line(&mut ready)
        .expect("server starts");
    assert!(ready.starts_with("Serving HTTP"), "{ready}");
    server
}

fn in_ns(ns: &Ns, cmd: &[&str]) -> Command {
    let mut c = Command::new("ip");
    c.args(["netns", "exec", &ns.name]).args(cmd);
    c
}

#[test]
fn the_kernel_pings_a_netstep_host() {
    if !can_tap() {
        return;
    }
    let (mut r, ns) = world("p");
    let mut ping = in_ns(
        &ns,
        &["ping", "-c", "3", "-i", "0.2", "-W", "2", "10.199.0.2"],
    )
    .stdout(Stdio::piped())
    .spawn()
    .expect("ping");
    let st = run_until_done(&mut r, &mut ping);
    let mut out = String::new();
    let _ = std::io::Read::read_to_string(&mut ping.stdout.take().expect("stdout"), &mut out);
    assert!(st.success(), "{out}");
    assert!(out.contains("3 packets transmitted, 3 received"), "{out}");
}

#[test]
fn the_kernel_fetches_a_page_from_netstep_httpd() {
    if !can_tap() {
        return;
    }
    let (mut r, ns) = world("h");
    exec(&mut r, "h: httpd");
    let mut curl = in_ns(&ns, &["curl", "-s", "-m", "10", "http://10.199.0.2/"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("curl");
    let st = run_until_done(&mut r, &mut curl);
    let mut out = String::new();
    let _ = std::io::Read::read_to_string(&mut curl.stdout.take().expect("stdout"), &mut out);
    assert!(st.success(), "curl: {st} {out}");
    assert_eq!(out, "<html><body><h1>h</h1></body></html>\n");
}

#[test]
fn netstep_curl_fetches_from_a_linux_server() {
    if !can_tap() {
        return;
    }
    let (mut r, ns) = world("c");
    let dir = std::env::temp_dir().join(format!("netstep-tap-www-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("hello.txt"), "hello from Linux\n").expect("file");
    let mut server = http_server(&ns, &dir, &["8000", "--bind", "10.199.0.1"]);
    // The foreground curl runs the world in real time until it exits.
    exec(
        &mut r,
        "h: curl -s -m 10 http://10.199.0.1:8000/hello.txt\nexpect contains \"hello from Linux\"",
    );
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_bad_device_name_or_missing_rights_is_a_clear_error() {
    let mut r = Runner::with_sink(tap_allowed(), Box::new(std::io::sink()));
    let lines = parse_lab("t", "host h\ntap h:eth0 tap/bad").expect("parses");
    r.exec(&lines[0]).expect("host");
    let err = r.exec(&lines[1]).expect_err("a slash is no device name");
    assert!(err.starts_with("tap tap/bad: "), "{err}");
}

/// 10 MB of bytes that are not all alike (a seeded xorshift).
fn ten_mb() -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..10 * 1024 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn ten_megabytes_each_way_arrive_intact() {
    if !can_tap() {
        return;
    }
    let data = ten_mb();
    let (mut r, ns) = world("t");
    let dir = std::env::temp_dir().join(format!("netstep-tap-big-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    // Linux downloads from netstep's httpd.
    r.world
        .host_mut(0)
        .expect("h")
        .kernel
        .write_file("/var/www/html/big.bin", &data, false)
        .expect("write");
    exec(&mut r, "h: httpd");
    let got = dir.join("from-netstep.bin");
    let mut curl = in_ns(&ns, &["curl", "-s", "-m", "60", "-o"])
        .arg(&got)
        .arg("http://10.199.0.2/big.bin")
        .spawn()
        .expect("curl");
    let st = run_until_done(&mut r, &mut curl);
    assert!(st.success(), "curl: {st}");
    assert!(
        std::fs::read(&got).expect("downloaded") == data,
        "Linux got other bytes"
    );
    // netstep downloads from Linux's http.server.
    std::fs::write(dir.join("big.bin"), &data).expect("file");
    let mut server = http_server(&ns, &dir, &["8000", "--bind", "10.199.0.1"]);
    exec(
        &mut r,
        "h: curl -s -m 60 -o /root/big.bin http://10.199.0.1:8000/big.bin\nexpect exit 0",
    );
    let _ = server.kill();
    let _ = server.wait();
    let mine = r
        .world
        .host(0)
        .expect("h")
        .kernel
        .read_file("/root/big.bin")
        .expect("saved");
    assert!(
        mine == data,
        "netstep got other bytes ({} of {})",
        mine.len(),
        data.len()
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_device_deleted_under_a_running_lab_is_an_error_not_a_crash() {
    if !can_tap() {
        return;
    }
    let (mut r, ns) = world("d");
    ip(&["-n", &ns.name, "link", "del", &ns.name]);
    exec(&mut r, "h: ping -c 1 -W 1 10.199.0.1\nrun 200ms");
    let tap = &r.world.taps[0];
    assert!(tap.errors > 0, "the failed writes were counted");
    assert!(
        tap.last_error
            .as_deref()
            .is_some_and(|e| e.starts_with(&ns.name)),
        "{:?}",
        tap.last_error
    );
}

/// Two netstep worlds on two TAP devices, joined by VXLAN between two namespaces (the
/// README's recipe for two machines, a veth pair standing for the wire between them): a host
/// in one world pings a host in the other through the kernels' bridges and VXLAN.
#[test]
fn two_netstep_instances_meet_through_vxlan_between_namespaces() {
    if !can_tap() {
        return;
    }
    let id = std::process::id() % 100_000;
    let ns: Vec<Ns> = (1..=2)
        .map(|i| Ns {
            name: format!("nsx{id}{i}"),
        })
        .collect();
    for n in &ns {
        ip(&["netns", "add", &n.name]);
    }
    let (a, b) = (&ns[0].name, &ns[1].name);
    ip(&[
        "-n", a, "link", "add", "u", "type", "veth", "peer", "name", "u", "netns", b,
    ]);
    for (n, me, other) in [
        (a, "10.195.0.1", "10.195.0.2"),
        (b, "10.195.0.2", "10.195.0.1"),
    ] {
        ip(&["-n", n, "addr", "add", &format!("{me}/24"), "dev", "u"]);
        ip(&["-n", n, "link", "set", "u", "up"]);
        ip(&[
            "-n", n, "link", "add", "vx0", "type", "vxlan", "id", "42", "local", me, "remote",
            other, "dstport", "4789", "dev", "u",
        ]);
        ip(&["-n", n, "link", "add", "br0", "type", "bridge"]);
        ip(&["-n", n, "link", "set", "vx0", "master", "br0"]);
    }
    let mut worlds = Vec::new();
    for (i, n) in [a, b].iter().enumerate() {
        let mut r = Runner::with_sink(tap_allowed(), Box::new(std::io::sink()));
        let tap = format!("{n}t");
        // Each world numbers its MACs by node (02:00:00:00:NN:01): two worlds on one wire
        // need different ones, as two machines have, so h1 is its world's second node.
        let nodes = if i == 0 { "h0" } else { "spare h1" };
        exec(&mut r, &format!("host {nodes}\ntap h{i}:eth0 {tap}"));
        ip(&["link", "set", &tap, "netns", n]);
        ip(&["-n", n, "link", "set", &tap, "master", "br0"]);
        for dev in [tap.as_str(), "vx0", "br0"] {
            ip(&["-n", n, "link", "set", dev, "up"]);
        }
        exec(
            &mut r,
            &format!("h{i}: ifconfig eth0 10.196.0.{}/24", i + 1),
        );
        worlds.push(r);
    }
    exec(&mut worlds[0], "h0: ping -c 3 -i 0.2 -W 1 10.196.0.2 &");
    // Both worlds run in real time, in turns of 10 ms, for up to 3 s.
    for _ in 0..150 {
        for r in worlds.iter_mut() {
            exec(r, "run 10ms");
        }
    }
    exec(
        &mut worlds[0],
        "h0: wait\nexpect contains \"3 packets transmitted, 3 received\"",
    );
}

/// LVS-DR with real Linux real servers: a netstep client and director on a netstep switch
/// whose port is a TAP device, bridged in a namespace to two namespaces that are real
/// servers configured as the lesson says (the VIP on lo, arp_ignore=1, arp_announce=2).
#[test]
fn a_netstep_director_balances_over_linux_real_servers() {
    if !can_tap() {
        return;
    }
    let id = std::process::id() % 100_000;
    let names = [
        format!("nsl{id}b"),
        format!("nsl{id}1"),
        format!("nsl{id}2"),
    ];
    let ns: Vec<Ns> = names.iter().map(|n| Ns { name: n.clone() }).collect();
    for n in &ns {
        ip(&["netns", "add", &n.name]);
    }
    let br = &ns[0].name;
    let mut r = Runner::with_sink(tap_allowed(), Box::new(std::io::sink()));
    let tap = format!("{br}t");
    exec(
        &mut r,
        &format!(
            "host client dir\nswitch sw1\nlink client:eth0 sw1\nlink dir:eth0 sw1\ntap sw1 {tap}"
        ),
    );
    ip(&["link", "set", &tap, "netns", br]);
    ip(&["-n", br, "link", "add", "br0", "type", "bridge"]);
    ip(&["-n", br, "link", "set", &tap, "master", "br0"]);
    ip(&["-n", br, "link", "set", &tap, "up"]);
    ip(&["-n", br, "link", "set", "br0", "up"]);
    let mut servers = Vec::new();
    for (i, n) in ns[1..].iter().enumerate() {
        let rs = &n.name;
        let (port, addr) = (format!("p{}", i + 1), format!("10.199.0.{}/24", 11 + i));
        ip(&[
            "-n", br, "link", "add", &port, "type", "veth", "peer", "name", "eth0", "netns", rs,
        ]);
        ip(&["-n", br, "link", "set", &port, "master", "br0"]);
        ip(&["-n", br, "link", "set", &port, "up"]);
        for sysctl in [
            "net.ipv4.conf.all.arp_ignore=1",
            "net.ipv4.conf.all.arp_announce=2",
        ] {
            let st = in_ns(n, &["sysctl", "-q", "-w", sysctl])
                .status()
                .expect("sysctl");
            assert!(st.success(), "{sysctl}");
        }
        ip(&["-n", rs, "addr", "add", &addr, "dev", "eth0"]);
        ip(&["-n", rs, "link", "set", "eth0", "up"]);
        ip(&["-n", rs, "addr", "add", "10.199.0.200/32", "dev", "lo"]);
        ip(&["-n", rs, "link", "set", "lo", "up"]);
        let dir = std::env::temp_dir().join(format!("netstep-tap-rs{}-{id}", i + 1));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("index.html"), format!("linux rs{}\n", i + 1)).expect("page");
        let server = http_server(n, &dir, &["80"]);
        servers.push((server, dir));
    }
    exec(
        &mut r,
        "client: ifconfig eth0 10.199.0.5/24
dir: ifconfig eth0 10.199.0.100/24
dir: ifconfig eth0:2 10.199.0.200 netmask 255.255.255.0 up
dir: ipvsadm -A -t 10.199.0.200:80 -s rr
dir: ipvsadm -a -t 10.199.0.200:80 -r 10.199.0.11 -g
dir: ipvsadm -a -t 10.199.0.200:80 -r 10.199.0.12 -g
client: curl -s -m 5 http://10.199.0.200/
expect contains \"linux rs2\"
client: curl -s -m 5 http://10.199.0.200/
expect contains \"linux rs1\"
client: arp -n 10.199.0.200
expect matches \"10\\.199\\.0\\.200 +ether +02:00:00:00:02:01\"",
    );
    for (mut s, dir) in servers {
        let _ = s.kill();
        let _ = s.wait();
        let _ = std::fs::remove_dir_all(dir);
    }
}
