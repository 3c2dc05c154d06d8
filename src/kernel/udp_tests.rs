//! UDP between two hosts on a switch: each test runs small programs that call the socket
//! functions, as an application would call the syscalls.

use super::*;
use crate::kernel::process::{Poll, Program, Sys};
use crate::sim::world::World;
use crate::sim::Time;

const A: Ipv4Addr = Ipv4Addr::new(192, 168, 10, 5);
const B: Ipv4Addr = Ipv4Addr::new(192, 168, 10, 11);

fn lan() -> World {
    let mut w = World::star(1, &["a", "b"], "sw").expect("lan");
    for (i, ip) in [(0, A), (1, B)] {
        let h = w.host_mut(i).expect("host");
        let line = format!("ifconfig eth0 {ip}/24");
        let r = crate::user::tools::run_builtin(&mut h.kernel, Time::ZERO, &line);
        assert_eq!(r.map(|r| r.2), Some(0));
    }
    w.refresh_hosts();
    w
}

/// A program made of one closure, polled until it exits.
struct Script<F: FnMut(&mut Sys) -> Poll>(F);

impl<F: FnMut(&mut Sys) -> Poll> Program for Script<F> {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        (self.0)(sys)
    }
}

fn run<F: FnMut(&mut Sys) -> Poll + 'static>(w: &mut World, node: usize, f: F) -> u32 {
    let pid = w
        .spawn(node, "t", "t", Box::new(Script(f)), true)
        .expect("spawn");
    w.run_until(w.now + 2_000_000_000, 100_000).expect("run");
    pid
}

fn output(w: &World, node: usize, pid: u32) -> String {
    let p = w.host(node).and_then(|h| h.kernel.procs.procs.get(&pid));
    p.map(|p| p.terminal.clone()).unwrap_or_default()
}

/// A server on b that prints each datagram as `from: data` and answers `ack`.
fn echo_server(w: &mut World, addr: Ipv4Addr, port: u16, tag: &'static str) -> u32 {
    let mut sock = None;
    run(w, 1, move |sys| {
        let id = *sock.get_or_insert_with(|| {
            let id = socket(sys.k, sys.pid);
            bind(sys.k, id, addr, port).expect("bind");
            id
        });
        while let Some(Ok(d)) = recvfrom(sys.k, id) {
            let text = String::from_utf8_lossy(&d.data).into_owned();
            sys.print(&format!("{tag} {}:{} {text}\n", d.from.0, d.from.1));
            let _ = sendto(sys.k, sys.ctx, id, Some(d.from), b"ack");
        }
        Poll::Wait(None)
    })
}

/// A client on a that sends `data` to b:port (connected or not) and prints what it hears.
fn client(w: &mut World, port: u16, connected: bool, data: &'static [u8]) -> u32 {
    let mut sock = None;
    run(w, 0, move |sys| {
        let id = match sock {
            Some(id) => id,
            None => {
                let id = socket(sys.k, sys.pid);
                let to = if connected {
                    connect(sys.k, id, B, port).expect("connect");
                    None
                } else {
                    Some((B, port))
                };
                sendto(sys.k, sys.ctx, id, to, data).expect("send");
                *sock.insert(id)
            }
        };
        match recvfrom(sys.k, id) {
            Some(Ok(d)) => sys.print(&String::from_utf8_lossy(&d.data)),
            Some(Err(e)) => sys.print(&format!("error: {}", e.message())),
            None => return Poll::Wait(None),
        }
        Poll::Exit(0)
    })
}

#[test]
fn a_datagram_goes_to_its_socket_and_the_answer_comes_back() {
    let mut w = lan();
    let srv = echo_server(&mut w, Ipv4Addr::UNSPECIFIED, 5000, "any");
    let cli = client(&mut w, 5000, false, b"hello");
    assert_eq!(output(&w, 0, cli), "ack");
    let line = output(&w, 1, srv);
    assert!(line.starts_with("any 192.168.10.5:"), "{line}");
    let port: u16 = line["any 192.168.10.5:".len()..]
        .split(' ')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    assert!((32768..61000).contains(&port), "ephemeral port {port}");
}

#[test]
fn a_socket_bound_to_one_address_hears_only_that_address() {
    let mut w = lan();
    let exact = echo_server(&mut w, B, 5001, "exact");
    let lo = echo_server(&mut w, Ipv4Addr::LOCALHOST, 5001, "lo");
    let cli = client(&mut w, 5001, false, b"x");
    assert_eq!(output(&w, 0, cli), "ack");
    assert!(output(&w, 1, exact).starts_with("exact 192.168.10.5:"));
    assert_eq!(output(&w, 1, lo), "");
}

#[test]
fn bind_conflicts_and_foreign_addresses_are_refused() {
    let mut w = lan();
    let k = &mut w.host_mut(1).expect("b").kernel;
    let s1 = socket(k, 1);
    let s2 = socket(k, 1);
    assert_eq!(bind(k, s1, Ipv4Addr::UNSPECIFIED, 53), Ok(53));
    assert_eq!(bind(k, s2, B, 53), Err(Errno::AddrInUse));
    assert_eq!(bind(k, s2, A, 54), Err(Errno::AddrNotAvail));
    assert_eq!(bind(k, s2, B, 54), Ok(54));
}

#[test]
fn a_closed_port_refuses_a_connected_socket_only() {
    let mut w = lan();
    let connected = client(&mut w, 5002, true, b"anyone?");
    assert_eq!(output(&w, 0, connected), "error: Connection refused");
    let reasons = w.reasons();
    assert!(reasons.contains("nothing listens on UDP port 5002: port unreachable"));
    // An unconnected socket is not told: it is still waiting.
    let unconnected = client(&mut w, 5002, false, b"anyone?");
    assert_eq!(output(&w, 0, unconnected), "");
    let p = w
        .host(0)
        .and_then(|h| h.kernel.procs.procs.get(&unconnected));
    assert_eq!(p.map(|p| p.status), Some(None));
}

#[test]
fn send_without_a_destination_and_without_a_route() {
    let mut w = lan();
    let k = &mut w.host_mut(0).expect("a").kernel;
    let mut ctx = crate::sim::Ctx::new(Time::ZERO, "a", false);
    let s = socket(k, 1);
    assert_eq!(sendto(k, &mut ctx, s, None, b"x"), Err(Errno::DestAddrReq));
    let far = Ipv4Addr::new(10, 9, 9, 9);
    assert_eq!(connect(k, s, far, 53), Err(Errno::NetUnreach));
    assert_eq!(
        sendto(k, &mut ctx, s, Some((far, 53)), b"x"),
        Err(Errno::NetUnreach)
    );
}

#[test]
fn a_bad_checksum_is_dropped_with_a_reason() {
    let mut w = lan();
    let srv = echo_server(&mut w, Ipv4Addr::UNSPECIFIED, 5003, "srv");
    let mut udp = datagram(A, B, 40000, 5003, b"x");
    udp[6] ^= 0xff;
    let k = &mut w.host_mut(1).expect("b").kernel;
    let mut ctx = crate::sim::Ctx::new(Time::ZERO, "b", true);
    let pkt = crate::user::tools::testkit::ipv4(A, B, 64, 17, &udp);
    udp_rcv(k, &mut ctx, &pkt, false);
    assert!(ctx.reasons.iter().any(|r| r.contains("bad UDP checksum")));
    assert_eq!(output(&w, 1, srv), "");
}

#[test]
fn a_datagram_that_does_not_fit_an_ipv4_packet_is_emsgsize() {
    let mut w = lan();
    let pid = run(&mut w, 0, |sys| {
        let id = socket(sys.k, sys.pid);
        for len in [65_508, 65_527, 65_528, 70_000] {
            let r = sendto(sys.k, sys.ctx, id, Some((B, 9)), &vec![0u8; len]);
            sys.print(&format!("{len}: {:?}\n", r.map_err(|e| e.message())));
        }
        let r = sendto(sys.k, sys.ctx, id, Some((B, 9)), &vec![0u8; MAX_PAYLOAD]);
        sys.print(&format!("{MAX_PAYLOAD}: {r:?}\n"));
        Poll::Exit(0)
    });
    assert_eq!(
        output(&w, 0, pid),
        "65508: Err(\"Message too long\")\n65527: Err(\"Message too long\")\n65528: Err(\"Message too long\")\n70000: Err(\"Message too long\")\n65507: Ok(65507)\n"
    );
}
