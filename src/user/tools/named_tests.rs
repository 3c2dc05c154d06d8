//! named (and nc -u) on a switched LAN: `client` 10.0.0.5 asks `ns` 10.0.0.53 with dig, or
//! with a probe that sends raw bytes; the answers are checked line by line as dig prints them.

use super::*;
use crate::kernel::socket::Pid;
use crate::sim::time::SEC;
use crate::sim::world::World;
use crate::sim::Time;
use crate::user::tools::{lookup, run_builtin, Command};

const CLIENT: usize = 0;
const NS: usize = 1;
const NS_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 53);

const NAMED_CONF: &str = "options { directory \"/var/cache/bind\"; };
zone \"example.lab\" { type master; file \"/etc/db.example.lab\"; };
";
const ZONE: &str = "$TTL 3600
@    IN SOA ns.example.lab. admin.example.lab. ( 2026112501 3600 900 604800 300 )
     IN NS  ns
ns   IN A   10.0.0.53
www  IN A   10.0.0.80
web  IN CNAME www
";
const SOA_LINE: &str = "example.lab.\t\t3600\tIN\tSOA\tns.example.lab. admin.example.lab. 2026112501 3600 900 604800 300";

/// client 10.0.0.5 and ns 10.0.0.53 on a switch; ns has named.conf and the zone file.
fn lan() -> World {
    let mut w = World::star(1, &["client", "ns"], "sw").expect("lan");
    for (node, ip) in [(CLIENT, "10.0.0.5/24"), (NS, "10.0.0.53/24")] {
        assert_eq!(builtin(&mut w, node, &format!("ifconfig eth0 {ip}")).1, 0);
    }
    w.refresh_hosts();
    write(&mut w, "/etc/named.conf", NAMED_CONF);
    write(&mut w, "/etc/db.example.lab", ZONE);
    w
}

/// The LAN with `named -f` running on ns.
fn served() -> World {
    let mut w = lan();
    let pid = spawn(&mut w, NS, "named -c /etc/named.conf -f", None);
    assert_eq!(status(&w, NS, pid), None, "{}", terminal(&w, NS, pid));
    w
}

fn write(w: &mut World, path: &str, text: &str) {
    let k = &mut w.host_mut(NS).expect("ns").kernel;
    k.write_file(path, text.as_bytes(), false).expect(path);
}

/// A builtin (ifconfig, netstat) on `node`: its stdout and exit status.
fn builtin(w: &mut World, node: usize, line: &str) -> (String, i32) {
    let now = w.now;
    let k = &mut w.host_mut(node).expect("host").kernel;
    let (out, _, status) = run_builtin(k, now, line).expect("a builtin");
    (out, status)
}

/// Starts the program `line` on `node`, with `stdin` as a heredoc would give it.
fn spawn(w: &mut World, node: usize, line: &str, stdin: Option<&str>) -> Pid {
    let args: Vec<String> = line.split_whitespace().map(String::from).collect();
    let Some(Command::Program(start)) = lookup(&args[0]) else {
        panic!("{line}: not a program");
    };
    let mut prog = start(&args);
    if let Some(text) = stdin {
        prog.set_stdin(text.to_string());
    }
    w.spawn(node, &args[0], line, prog, false).expect("spawn")
}

/// Runs until `pid` exits (or a minute passes): its terminal and exit status.
fn finish(w: &mut World, node: usize, pid: Pid) -> (String, Option<i32>) {
    w.run_until_exit(node, pid, w.now + 60 * SEC, 1_000_000)
        .expect("run");
    (terminal(w, node, pid), status(w, node, pid))
}

fn run(w: &mut World, node: usize, line: &str, stdin: Option<&str>) -> (String, Option<i32>) {
    let pid = spawn(w, node, line, stdin);
    finish(w, node, pid)
}

fn terminal(w: &World, node: usize, pid: Pid) -> String {
    w.host(node).expect("host").kernel.procs.procs[&pid]
        .terminal
        .clone()
}

fn status(w: &World, node: usize, pid: Pid) -> Option<i32> {
    w.host(node).expect("host").kernel.procs.procs[&pid].status
}

/// `dig @ns ARGS` on the client, which must get a reply.
fn dig(w: &mut World, args: &str) -> String {
    let (out, status) = run(w, CLIENT, &format!("dig @10.0.0.53 {args}"), None);
    assert_eq!(status, Some(0), "{out}");
    out
}

/// Asserts that `out` has each of `lines` as a whole line (a `…` suffix: a line prefix).
fn assert_lines(out: &str, lines: &[&str]) {
    for want in lines {
        let found = match want.strip_suffix('…') {
            Some(prefix) => out.lines().any(|l| l.starts_with(prefix)),
            None => out.lines().any(|l| l == *want),
        };
        assert!(found, "no line `{want}` in:\n{out}");
    }
}

#[test]
fn short_answers_for_a_an_alias_and_ns() {
    let mut w = served();
    assert_eq!(dig(&mut w, "+short www.example.lab"), "10.0.0.80\n");
    assert_eq!(
        dig(&mut w, "+short web.example.lab"),
        "www.example.lab.\n10.0.0.80\n"
    );
    assert_eq!(dig(&mut w, "+short example.lab NS"), "ns.example.lab.\n");
}

#[test]
fn answers_from_the_zone_are_authoritative() {
    let mut w = served();
    let www = "www.example.lab.\t3600\tIN\tA\t10.0.0.80";
    let cases = [
        ("www.example.lab", 1, vec![www]),
        (
            "web.example.lab",
            2,
            vec!["web.example.lab.\t3600\tIN\tCNAME\twww.example.lab.", www],
        ),
        (
            "example.lab NS",
            1,
            vec!["example.lab.\t\t3600\tIN\tNS\tns.example.lab."],
        ),
    ];
    for (question, n, records) in cases {
        let out = dig(&mut w, question);
        let flags =
            format!(";; flags: qr aa rd; QUERY: 1, ANSWER: {n}, AUTHORITY: 0, ADDITIONAL: 0");
        assert_lines(
            &out,
            &[
                ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: …",
                &flags,
            ],
        );
        assert_lines(&out, &records);
    }
}

#[test]
fn a_type_the_name_lacks_is_nodata_with_the_soa() {
    let mut w = served();
    let out = dig(&mut w, "www.example.lab MX");
    assert_lines(
        &out,
        &[
            ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: …",
            ";; flags: qr aa rd; QUERY: 1, ANSWER: 0, AUTHORITY: 1, ADDITIONAL: 0",
            SOA_LINE,
        ],
    );
}

#[test]
fn a_missing_name_is_nxdomain_with_the_soa() {
    let mut w = served();
    let out = dig(&mut w, "nosuch.example.lab");
    assert_lines(
        &out,
        &[
            ";; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN, id: …",
            ";; flags: qr aa rd; QUERY: 1, ANSWER: 0, AUTHORITY: 1, ADDITIONAL: 0",
            SOA_LINE,
        ],
    );
}

#[test]
fn a_name_outside_the_zone_is_refused_without_aa() {
    let mut w = served();
    let out = dig(&mut w, "example.org");
    assert_lines(
        &out,
        &[
            ";; ->>HEADER<<- opcode: QUERY, status: REFUSED, id: …",
            ";; flags: qr rd; QUERY: 1, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 0",
        ],
    );
}

/// Sends `bytes` to ns:53 and prints the reply's rcode and id, or `no reply` after 1 s.
struct Probe {
    bytes: Vec<u8>,
    sock: Option<(SockId, Time)>,
}

impl Program for Probe {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        let (sock, deadline) = *self.sock.get_or_insert_with(|| {
            let s = udp::socket(sys.k, sys.pid);
            udp::connect(sys.k, s, NS_IP, 53).expect("connect");
            udp::sendto(sys.k, sys.ctx, s, None, &self.bytes).expect("send");
            (s, sys.now() + SEC)
        });
        match udp::recvfrom(sys.k, sock) {
            Some(Ok(d)) => {
                let m = Message::decode(&d.data).expect("a DNS reply");
                let rcode = wire::rcode_name(m.header.rcode);
                sys.print(&format!("{rcode} id {:#06x}\n", m.header.id));
            }
            Some(Err(e)) => sys.print(&format!("{}\n", e.message())),
            None if sys.now() < deadline => return Poll::Wait(Some(deadline)),
            None => sys.print("no reply\n"),
        }
        Poll::Exit(0)
    }
}

fn probe(w: &mut World, bytes: &[u8]) -> String {
    let prog = Box::new(Probe {
        bytes: bytes.to_vec(),
        sock: None,
    });
    let pid = w.spawn(CLIENT, "probe", "probe", prog, false);
    finish(w, CLIENT, pid.expect("probe")).0
}

#[test]
fn a_garbage_query_gets_formerr_and_a_scrap_gets_nothing() {
    let mut w = served();
    // A header asking one question, then a label length beyond 63.
    let garbage = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xff\xff";
    assert_eq!(probe(&mut w, garbage), "FORMERR id 0x1234\n");
    // Too short to hold an id: nothing to answer to.
    assert_eq!(probe(&mut w, b"\x12"), "no reply\n");
}

/// The local addresses of named's UDP sockets, as `netstat -nulp` lists them.
fn named_sockets(w: &mut World) -> Vec<String> {
    let (out, _) = builtin(w, NS, "netstat -nulp");
    let mut addrs: Vec<String> = out
        .lines()
        .filter(|l| l.trim_end().ends_with("/named"))
        .filter_map(|l| l.split_whitespace().nth(3).map(String::from))
        .collect();
    addrs.sort();
    addrs
}

#[test]
fn one_socket_per_address_at_start_and_none_for_a_later_address() {
    let mut w = served();
    assert_eq!(named_sockets(&mut w), ["10.0.0.53:53", "127.0.0.1:53"]);
    assert_eq!(builtin(&mut w, NS, "ifconfig eth0:1 10.0.0.54/24").1, 0);
    let (out, status) = run(
        &mut w,
        CLIENT,
        "dig @10.0.0.54 +tries=1 www.example.lab",
        None,
    );
    assert_lines(
        &out,
        &[
            ";; communications error to 10.0.0.54#53: connection refused",
            ";; no servers could be reached",
        ],
    );
    assert_eq!(status, Some(9));
    assert_eq!(named_sockets(&mut w), ["10.0.0.53:53", "127.0.0.1:53"]);
}

#[test]
fn a_config_error_stops_named_with_its_three_lines() {
    let fatal = "loading configuration: failure\nexiting (due to fatal error)\n";
    for (conf, first) in [
        (
            "/etc/named.conf",
            "/etc/named.conf:2: unknown option 'bogus'",
        ),
        ("/etc/nope.conf", "open: /etc/nope.conf: file not found"),
    ] {
        let mut w = lan();
        write(&mut w, "/etc/named.conf", "options { };\nbogus { };\n");
        let (out, status) = run(&mut w, NS, &format!("named -c {conf} -f"), None);
        assert_eq!(out, format!("{first}\n{fatal}"));
        assert_eq!(status, Some(1));
    }
}

#[test]
fn a_zone_file_error_leaves_that_zone_servfail() {
    let mut w = lan();
    write(
        &mut w,
        "/etc/db.example.lab",
        &ZONE.replace("10.0.0.80", "10.0.0.300"),
    );
    let pid = spawn(&mut w, NS, "named -c /etc/named.conf -f", None);
    let out = terminal(&w, NS, pid);
    assert_lines(
        &out,
        &[
            "/etc/db.example.lab:5:…",
            "zone example.lab/IN: not loaded due to errors.",
        ],
    );
    assert_eq!(status(&w, NS, pid), None, "named goes on");
    let out = dig(&mut w, "www.example.lab");
    assert_lines(
        &out,
        &[";; ->>HEADER<<- opcode: QUERY, status: SERVFAIL, id: …"],
    );
}

#[test]
fn nc_u_exchanges_datagrams_both_ways() {
    let mut w = lan();
    let listener = spawn(&mut w, NS, "nc -u -l -w 2 5140", Some("pong from ns\n"));
    let client = run(
        &mut w,
        CLIENT,
        "nc -u -w 1 ns 5140",
        Some("hello over UDP\n"),
    );
    assert_eq!(client, ("pong from ns\n".to_string(), Some(0)));
    let heard = finish(&mut w, NS, listener);
    assert_eq!(heard, ("hello over UDP\n".to_string(), Some(0)));
}

#[test]
fn nc_u_to_a_closed_port_quits_silently_with_0_after_the_port_unreachable() {
    // netcat-openbsd 1.219 (docs/fidelity-real.md §8): nothing printed, status 0.
    let mut w = lan();
    let client = run(&mut w, CLIENT, "nc -u ns 5141", Some("anyone?\n"));
    assert_eq!(client, (String::new(), Some(0)));
    let r = w.reasons();
    assert!(
        r.contains("ns udp: nothing listens on UDP port 5141: port unreachable"),
        "{r}"
    );
}
