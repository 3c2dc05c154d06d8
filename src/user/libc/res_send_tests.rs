//! The resolver end to end: `ping NAME` on `client` resolves through /etc/resolv.conf against
//! named on `ns1` and `ns2` (or a fake server), all on one switch. The trace's
//! `resolver:` reasons show which server was asked for which name, in order.

use super::*;
use crate::kernel::process::{Poll, Program, Sys};
use crate::sim::world::{Finished, World};
use crate::user::dns::wire::{Header, Record};
use crate::user::tools::{lookup, run_builtin, Command};

const CLIENT: usize = 0;
const NS1: usize = 1;
const NS2: usize = 2;
/// An address on the LAN that nobody has: ARP gets no answer, so the server is silent.
const NOBODY: &str = "10.0.0.99";

/// www is ns2's address, so a ping by name is answered; web is an alias for it.
const ZONE: &str = "$TTL 3600
@    IN SOA ns1.example.lab. admin.example.lab. ( 1 3600 900 604800 300 )
     IN NS  ns1
ns1  IN A   10.0.0.53
www  IN A   10.0.0.54
web  IN CNAME www
";
const AUTHORITATIVE: &str =
    "zone \"example.lab\" { type master; file \"/etc/db.example.lab\"; };\n";
/// No zones: every question is REFUSED.
const NO_ZONES: &str = "options { directory \"/var/cache/bind\"; };\n";
/// The zone file is missing: the zone is served as SERVFAIL.
const BROKEN: &str = "zone \"example.lab\" { type master; file \"/etc/missing\"; };\n";

/// client 10.0.0.5, ns1 10.0.0.53, ns2 10.0.0.54; the client's /etc/resolv.conf is `resolv`.
fn lan(resolv: &str) -> World {
    let mut w = World::star(1, &["client", "ns1", "ns2"], "sw").expect("lan");
    for (node, ip) in [(CLIENT, "10.0.0.5"), (NS1, "10.0.0.53"), (NS2, "10.0.0.54")] {
        let k = &mut w.host_mut(node).expect("host").kernel;
        let r = run_builtin(k, Time::ZERO, &format!("ifconfig eth0 {ip}/24"));
        assert_eq!(r.map(|r| r.2), Some(0));
    }
    w.refresh_hosts();
    write(&mut w, CLIENT, resolv_conf::PATH, resolv);
    w
}

fn write(w: &mut World, node: usize, path: &str, text: &str) {
    let k = &mut w.host_mut(node).expect("host").kernel;
    k.write_file(path, text.as_bytes(), false).expect(path);
}

/// `named -f` on `node` with `conf` as its named.conf.
fn named(w: &mut World, node: usize, conf: &str) {
    write(w, node, "/etc/db.example.lab", ZONE);
    write(w, node, "/etc/named.conf", conf);
    let prog = crate::user::tools::named::spawn(&argv("named -c /etc/named.conf -f"));
    w.spawn(node, "named", "named", prog, true).expect("named");
}

fn argv(line: &str) -> Vec<String> {
    line.split_whitespace().map(String::from).collect()
}

/// Runs `line` on the client until it exits: its terminal and exit status.
fn run(w: &mut World, line: &str) -> (String, Option<i32>) {
    let args = argv(line);
    let Some(Command::Program(spawn)) = lookup(&args[0]) else {
        panic!("{line}: not a program");
    };
    let pid = w.spawn(CLIENT, &args[0], line, spawn(&args), false);
    let pid = pid.expect("spawn");
    let deadline = w.now + 60 * SEC;
    let end = w.run_until_exit(CLIENT, pid, deadline, 1_000_000);
    assert!(matches!(end, Ok(Finished::Exited(_))), "{end:?}");
    let p = &w.host(CLIENT).expect("client").kernel.procs.procs[&pid];
    (p.terminal.clone(), p.status)
}

/// The position of the first reason containing `text`, or a failure showing them all.
fn at(reasons: &str, text: &str) -> usize {
    reasons
        .find(text)
        .unwrap_or_else(|| panic!("no reason `{text}` in:\n{reasons}"))
}

#[test]
fn a_short_name_goes_through_the_search_list() {
    let mut w = lan("nameserver 10.0.0.53\nsearch example.lab\n");
    named(&mut w, NS1, AUTHORITATIVE);
    let (out, status) = run(&mut w, "ping -c 1 www");
    assert!(
        out.starts_with("PING www.example.lab (10.0.0.54) 56(84) bytes of data.\n"),
        "{out}"
    );
    assert_eq!(status, Some(0));
    let r = w.reasons();
    at(
        &r,
        "client resolver: ask 10.0.0.53 for www.example.lab (A and AAAA), wait 5 s",
    );
    at(
        &r,
        "client resolver: www.example.lab is 10.0.0.54 (10.0.0.53)",
    );
}

#[test]
fn a_cname_gives_its_target_as_the_canonical_name() {
    let mut w = lan("nameserver 10.0.0.53\nsearch example.lab\n");
    named(&mut w, NS1, AUTHORITATIVE);
    let (out, _) = run(&mut w, "ping -c 1 web");
    assert!(
        out.starts_with("PING www.example.lab (10.0.0.54) "),
        "{out}"
    );
}

#[test]
fn nxdomain_for_every_candidate_is_name_or_service_not_known() {
    let mut w = lan("nameserver 10.0.0.53\nsearch example.lab\n");
    named(&mut w, NS1, AUTHORITATIVE);
    let (out, status) = run(&mut w, "ping -c 1 nosuch.example.lab");
    assert_eq!(out, "ping: nosuch.example.lab: Name or service not known\n");
    assert_eq!(status, Some(2));
    let r = w.reasons();
    let first = at(&r, "ask 10.0.0.53 for nosuch.example.lab (");
    let second = at(&r, "ask 10.0.0.53 for nosuch.example.lab.example.lab (");
    assert!(first < second);
}

#[test]
fn a_silent_first_server_is_left_after_its_timeout() {
    let mut w = lan(&format!(
        "nameserver {NOBODY}\nnameserver 10.0.0.54\nsearch example.lab\n"
    ));
    named(&mut w, NS2, AUTHORITATIVE);
    let (out, status) = run(&mut w, "ping -c 1 www");
    assert!(
        out.starts_with("PING www.example.lab (10.0.0.54) "),
        "{out}"
    );
    assert_eq!(status, Some(0));
    let r = w.reasons();
    let asked_silent = at(&r, &format!("ask {NOBODY} for www.example.lab"));
    let gave_up = at(&r, &format!("{NOBODY}: no answer in time"));
    let asked_second = at(&r, "ask 10.0.0.54 for www.example.lab");
    assert!(asked_silent < gave_up && gave_up < asked_second);
    assert!(w.now >= Time::from_secs(5), "{}", w.now);
}

#[test]
fn a_server_without_named_is_left_at_its_port_unreachable() {
    let mut w = lan("nameserver 10.0.0.53\nnameserver 10.0.0.54\n");
    named(&mut w, NS2, AUTHORITATIVE);
    let (out, _) = run(&mut w, "ping -c 1 www.example.lab");
    assert!(
        out.starts_with("PING www.example.lab (10.0.0.54) "),
        "{out}"
    );
    let r = w.reasons();
    let refused = at(&r, "client resolver: 10.0.0.53: port unreachable");
    assert!(at(&r, "ask 10.0.0.53 for www.example.lab") < refused);
    assert!(refused < at(&r, "ask 10.0.0.54 for www.example.lab"));
    assert!(w.now < Time::from_secs(1), "no timeout waited: {}", w.now);
}

#[test]
fn refused_and_servfail_send_the_resolver_to_the_next_server() {
    for (conf, rcode) in [(NO_ZONES, "REFUSED"), (BROKEN, "SERVFAIL")] {
        let mut w = lan("nameserver 10.0.0.53\nnameserver 10.0.0.54\n");
        named(&mut w, NS1, conf);
        named(&mut w, NS2, AUTHORITATIVE);
        let (out, status) = run(&mut w, "ping -c 1 www.example.lab");
        assert!(
            out.starts_with("PING www.example.lab (10.0.0.54) "),
            "{out}"
        );
        assert_eq!(status, Some(0));
        let r = w.reasons();
        let said = at(&r, &format!("10.0.0.53 says {rcode} for www.example.lab"));
        assert!(said < at(&r, "ask 10.0.0.54 for www.example.lab"));
    }
}

#[test]
fn every_server_refusing_is_a_temporary_failure() {
    let mut w = lan("nameserver 10.0.0.53\nnameserver 10.0.0.54\n");
    named(&mut w, NS1, NO_ZONES);
    named(&mut w, NS2, BROKEN);
    let (out, status) = run(&mut w, "ping -c 1 www.example.lab");
    assert_eq!(
        out,
        "ping: www.example.lab: Temporary failure in name resolution\n"
    );
    assert_eq!(status, Some(2));
    let r = w.reasons();
    at(&r, "10.0.0.53 says REFUSED for www.example.lab");
    at(&r, "10.0.0.54 says SERVFAIL for www.example.lab");
}

#[test]
fn timeout_and_attempts_options_bound_the_wait_for_a_silent_server() {
    // Defaults: 5 s, then a second round of (5 << 1) / 1 servers = 10 s.
    for (options, waited) in [("", 15), ("options timeout:1 attempts:1\n", 1)] {
        let mut w = lan(&format!("nameserver {NOBODY}\n{options}"));
        let (out, status) = run(&mut w, "ping -c 1 www.example.lab");
        assert_eq!(
            out,
            "ping: www.example.lab: Temporary failure in name resolution\n"
        );
        assert_eq!(status, Some(2));
        assert_eq!(w.now, Time::from_secs(waited), "{options}");
    }
}

#[test]
fn etc_hosts_wins_over_dns() {
    let mut w = lan("nameserver 10.0.0.53\n");
    named(&mut w, NS1, AUTHORITATIVE);
    write(
        &mut w,
        CLIENT,
        "/etc/hosts",
        "127.0.0.1\tlocalhost\n10.0.0.53\twww.example.lab\n",
    );
    let (out, status) = run(&mut w, "ping -c 1 www.example.lab");
    assert!(
        out.starts_with("PING www.example.lab (10.0.0.53) "),
        "{out}"
    );
    assert_eq!(status, Some(0));
    assert!(!w.reasons().contains("resolver: ask"), "{}", w.reasons());
}

/// A name server on ns2 that tries the resolver's checks: once it has both queries, it
/// answers the A query with 10.6.6.6 from port 5353, with a wrong id, and for another
/// name, then answers AAAA (no data) and A (10.0.0.54) properly.
#[derive(Default)]
struct Impostor {
    socks: Option<(SockId, SockId)>,
    queries: Vec<(Message, (Ipv4Addr, u16))>,
}

/// A reply to `q` with `id`, for `name`, with an A record when `addr` is given.
fn forged(q: &Message, id: u16, name: &str, addr: Option<Ipv4Addr>) -> Vec<u8> {
    let mut question = q.questions.clone();
    question
        .iter_mut()
        .for_each(|qn| qn.name = name.to_string());
    let answers = addr.map(|ip| Record {
        name: name.to_string(),
        rtype: wire::A,
        class: wire::CLASS_IN,
        ttl: 60,
        data: RData::A(ip),
    });
    Message {
        header: Header {
            id,
            qr: true,
            aa: true,
            rd: true,
            ..Header::default()
        },
        questions: question,
        answers: answers.into_iter().collect(),
        authority: Vec::new(),
        additional: Vec::new(),
    }
    .encode()
}

impl Program for Impostor {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        let me = Ipv4Addr::new(10, 0, 0, 54);
        let (dns, other) = *self.socks.get_or_insert_with(|| {
            let dns = udp::socket(sys.k, sys.pid);
            let other = udp::socket(sys.k, sys.pid);
            udp::bind(sys.k, dns, me, 53).expect("bind 53");
            udp::bind(sys.k, other, me, 5353).expect("bind 5353");
            (dns, other)
        });
        while let Some(Ok(d)) = udp::recvfrom(sys.k, dns) {
            let m = Message::decode(&d.data).expect("query");
            self.queries.push((m, d.from));
        }
        let [(a, to), (aaaa, _)] = self.queries.as_slice() else {
            return Poll::Wait(None);
        };
        let (a, aaaa, to) = (a.clone(), aaaa.clone(), *to);
        assert_eq!(a.questions[0].qtype, wire::A);
        let (id, name) = (a.header.id, a.questions[0].name.clone());
        let wrong_id = (1..)
            .map(|n| id.wrapping_add(n))
            .find(|i| *i != aaaa.header.id);
        let evil = Some(Ipv4Addr::new(10, 6, 6, 6));
        let mut send = |sock, bytes: Vec<u8>| {
            udp::sendto(sys.k, sys.ctx, sock, Some(to), &bytes).expect("send");
        };
        send(other, forged(&a, id, &name, evil));
        send(dns, forged(&a, wrong_id.expect("an id"), &name, evil));
        send(dns, forged(&a, id, "evil.example.lab", evil));
        send(dns, forged(&aaaa, aaaa.header.id, &name, None));
        send(dns, forged(&a, id, &name, Some(me)));
        self.queries.clear();
        Poll::Wait(None)
    }
}

#[test]
fn replies_from_the_wrong_port_with_the_wrong_id_or_question_are_ignored() {
    let mut w = lan("nameserver 10.0.0.54\n");
    w.spawn(NS2, "fake", "fake", Box::<Impostor>::default(), true)
        .expect("fake server");
    let (out, status) = run(&mut w, "ping -c 1 www.example.lab");
    assert!(
        out.starts_with("PING www.example.lab (10.0.0.54) "),
        "{out}"
    );
    assert_eq!(status, Some(0));
    let r = w.reasons();
    // The connected socket does not even take the datagram from port 5353.
    at(&r, "client udp: nothing listens on UDP port");
    at(
        &r,
        "client resolver: reply from 10.0.0.54: wrong id: ignored",
    );
    at(
        &r,
        "client resolver: reply from 10.0.0.54: does not repeat our question: ignored",
    );
}
