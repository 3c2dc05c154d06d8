//! TCP through smoltcp (issue 3, first steps): a handshake, data both ways and a close
//! between two hosts on a switch; a refused connection; a full listen queue dropping a SYN
//! without a reset; the capture passes tshark.

mod common;

use netstep::kernel::ip_output::Errno;
use netstep::kernel::process::{Poll, Program, Sys};
use netstep::kernel::tcp::{self, Recv, TcpId};
use netstep::sim::world::World;
use netstep::sim::Time;
use smoltcp::socket::tcp::State;
use std::net::Ipv4Addr;

const A: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const B: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

/// Hosts a (client) and b (server) on a switch, addressed through the shell's ifconfig.
fn lan(capture: Option<&std::path::Path>) -> World {
    let mut w = World::star(1, &["a", "b", "c"], "sw").expect("lan");
    if let Some(p) = capture {
        w.add_capture(p, &[(0, 2)]).expect("capture");
    }
    for (i, ip) in [(0, "10.0.0.1/24"), (1, "10.0.0.2/24"), (2, "10.0.0.3/24")] {
        tool(&mut w, i, &format!("ifconfig eth0 {ip}"));
    }
    w.refresh_hosts();
    w
}

/// Listens on port 80, accepts `n` connections; to each, answers what it got in upper case
/// and closes first (as an HTTP/1.0 server does).
struct Server {
    listener: Option<TcpId>,
    backlog: usize,
    conns: Vec<TcpId>,
    accept_after: Time,
}

impl Program for Server {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        let lid = match self.listener {
            Some(l) => l,
            None => match tcp::listen(sys.k, sys.pid, None, 80, self.backlog) {
                Ok(l) => *self.listener.insert(l),
                Err(e) => {
                    sys.eprint(e.message());
                    return Poll::Exit(1);
                }
            },
        };
        if sys.now() >= self.accept_after {
            while let Some(c) = tcp::accept(sys.k, sys.pid, lid) {
                self.conns.push(c);
            }
        }
        for c in self.conns.clone() {
            if let Recv::Data(d) = tcp::recv(sys.k, sys.ctx, c) {
                sys.print(&format!("server got {}\n", String::from_utf8_lossy(&d)));
                let up = d.to_ascii_uppercase();
                let _ = tcp::send(sys.k, sys.ctx, c, &up);
                tcp::close(sys.k, sys.ctx, c);
            }
        }
        Poll::Wait((sys.now() < self.accept_after).then_some(self.accept_after))
    }
}

fn client(port: u16) -> Box<Client> {
    Box::new(Client {
        port,
        id: None,
        sent: false,
    })
}

/// Connects to b:80, sends "hello", prints the answer, closes at end of stream.
struct Client {
    port: u16,
    id: Option<TcpId>,
    sent: bool,
}

impl Program for Client {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        let id = match self.id {
            Some(id) => id,
            None => match tcp::connect(sys.k, sys.ctx, sys.pid, B, self.port) {
                Ok(id) => *self.id.insert(id),
                Err(e) => {
                    sys.print(&format!("connect: {}\n", e.message()));
                    return Poll::Exit(1);
                }
            },
        };
        if let Some(e) = tcp::error(sys.k, id) {
            sys.print(&format!("connect: {}\n", e.message()));
            return Poll::Exit(1);
        }
        if tcp::state(sys.k, id) == State::Established && !self.sent {
            self.sent = tcp::send(sys.k, sys.ctx, id, b"hello").is_ok();
        }
        match tcp::recv(sys.k, sys.ctx, id) {
            Recv::Data(d) => sys.print(&format!("client got {}\n", String::from_utf8_lossy(&d))),
            Recv::Eof => {
                tcp::close(sys.k, sys.ctx, id);
                return Poll::Exit(0);
            }
            Recv::Error(e) => {
                sys.print(&format!("recv: {}\n", e.message()));
                return Poll::Exit(1);
            }
            Recv::WouldBlock => {}
        }
        Poll::Wait(None)
    }
}

fn output(w: &mut World, node: usize, pid: u32) -> (String, Option<i32>) {
    let p = w
        .host(node)
        .and_then(|h| h.kernel.procs.procs.get(&pid))
        .expect("proc");
    (p.terminal.clone(), p.status)
}

/// Runs a builtin tool on a node at the world's current time; its standard output.
fn tool(w: &mut World, node: usize, line: &str) -> String {
    let now = w.now;
    let h = w.host_mut(node).expect("host");
    let (out, err, status) =
        netstep::user::tools::run_builtin(&mut h.kernel, now, line).expect("a builtin");
    assert!(status == 0 || !err.is_empty(), "{line}");
    out
}

fn reasons(w: &World) -> String {
    w.reasons()
}

#[test]
fn handshake_data_and_close_between_two_hosts() {
    let dir = std::env::temp_dir().join(format!("netstep-tcp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let cap = dir.join("tcp.pcapng");
    let mut w = lan(Some(&cap));
    let server = Server {
        listener: None,
        backlog: 8,
        conns: Vec::new(),
        accept_after: Time::ZERO,
    };
    let spid = w
        .spawn(1, "srv", "srv", Box::new(server), true)
        .expect("spawn");
    let cpid = w.spawn(0, "cli", "cli", client(80), false).expect("spawn");
    w.run_until(Time::from_secs(5), 100_000).expect("run");
    let (out, status) = output(&mut w, 0, cpid);
    assert_eq!(status, Some(0), "{out}");
    assert_eq!(out, "client got HELLO\n");
    assert_eq!(output(&mut w, 1, spid).0, "server got hello\n");
    let r = reasons(&w);
    assert!(r.contains("a tcp: client 10.0.0.1:"), "{r}");
    assert!(r.contains("> 10.0.0.2:80 SYN_SENT → ESTABLISHED"), "{r}");
    assert!(r.contains("b tcp: server 10.0.0.2:80 > 10.0.0.1:"), "{r}");
    assert!(r.contains("SYN_RECV → ESTABLISHED"), "{r}");
    assert!(
        r.contains("ESTABLISHED → FIN_WAIT1"),
        "the server closes first: {r}"
    );
    assert!(r.contains("CLOSE_WAIT → LAST_ACK"), "{r}");
    // The server's side waits in TIME_WAIT as a timewait sock (no full socket), then is gone.
    let tw = w.host(1).map(|h| h.kernel.tcp.tw.socks.len());
    assert_eq!(tw, Some(1));
    assert_eq!(w.host(1).map(|h| h.kernel.tcp.conns.len()), Some(0));
    let ns = tool(&mut w, 1, "netstat -natpo");
    let lines: Vec<&str> = ns.lines().collect();
    assert_eq!(
        lines[0],
        "Active Internet connections (servers and established)"
    );
    assert_eq!(lines[2], "tcp        0      0 0.0.0.0:80              0.0.0.0:*               LISTEN      1000/srv             off (0.00/0/0)");
    assert!(
        lines[3].starts_with("tcp        0      0 10.0.0.2:80             10.0.0.1:"),
        "{ns}"
    );
    assert!(
        lines[3].contains(" TIME_WAIT   -                    timewait ("),
        "{ns}"
    );
    let ns = tool(&mut w, 1, "netstat -lnt");
    assert!(
        ns.contains("(only servers)") && ns.contains("LISTEN") && !ns.contains("TIME_WAIT"),
        "{ns}"
    );
    // Linux's 60 s (TCP_TIMEWAIT_LEN), not smoltcp's 10.
    w.run_until(Time::from_secs(55), 100_000).expect("run");
    assert_eq!(w.host(1).map(|h| h.kernel.tcp.tw.socks.len()), Some(1));
    let ns = tool(&mut w, 1, "netstat -nato");
    assert!(ns.contains(" TIME_WAIT   timewait (5.0"), "{ns}");
    w.run_until(Time::from_secs(70), 100_000).expect("run");
    assert_eq!(w.host(1).map(|h| h.kernel.tcp.tw.socks.len()), Some(0));
    assert!(reasons(&w).contains("TIME_WAIT → CLOSE: 60 s are over"));
    w.finish_captures().expect("close capture");
    match common::tshark_check(&cap) {
        Ok(_) => {}
        Err(e) => panic!("{e}"),
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_closed_port_refuses() {
    let mut w = lan(None);
    let cpid = w.spawn(0, "cli", "cli", client(81), false).expect("spawn");
    w.run_until(Time::from_secs(1), 100_000).expect("run");
    assert_eq!(
        output(&mut w, 0, cpid),
        ("connect: Connection refused\n".to_string(), Some(1))
    );
    assert!(reasons(&w).contains("b tcp: nothing listens on 10.0.0.2:81: reset"));
}

#[test]
fn no_route_fails_at_once_without_a_packet() {
    let mut w = lan(None);
    let h = w.host_mut(0).expect("a");
    let mut ctx = netstep::sim::Ctx::new(Time::ZERO, "a", true);
    let err = tcp::connect(
        &mut h.kernel,
        &mut ctx,
        1,
        Ipv4Addr::new(192, 168, 77, 1),
        80,
    )
    .unwrap_err();
    assert_eq!(err, Errno::NetUnreach);
    assert!(ctx.tx.is_empty());
    let _ = A;
}

#[test]
fn a_full_listen_queue_drops_the_syn_without_a_reset() {
    let mut w = lan(None);
    // Backlog 1 and nobody accepting for 10 s: the second client's SYN is dropped.
    let server = Server {
        listener: None,
        backlog: 1,
        conns: Vec::new(),
        accept_after: Time::from_secs(10),
    };
    w.spawn(1, "srv", "srv", Box::new(server), true)
        .expect("spawn");
    w.spawn(0, "cli", "cli", client(80), true).expect("spawn");
    w.run_until(Time::from_millis(1), 100_000).expect("run");
    let c2 = w.spawn(2, "cli", "cli", client(80), true).expect("spawn");
    w.run_until(Time::from_millis(500), 100_000).expect("run");
    let r = reasons(&w);
    assert!(
        r.contains("dropped: listen queue of 10.0.0.2:80 is full (1/1)"),
        "{r}"
    );
    assert!(
        !r.contains("c tcp: client") || !r.contains("→ CLOSE"),
        "no reset for c: {r}"
    );
    // After the server starts accepting, c's retransmitted SYN gets in.
    w.run_until(Time::from_secs(20), 100_000).expect("run");
    assert_eq!(
        output(&mut w, 2, c2),
        ("client got HELLO\n".to_string(), Some(0))
    );
}

/// Connects from a to `dst`:80 at t=0 and runs until `until`; returns the client's output.
fn attempt(w: &mut World, dst: Ipv4Addr, until: Time) -> (String, Option<i32>) {
    struct Once(Ipv4Addr, Option<TcpId>);
    impl Program for Once {
        fn poll(&mut self, sys: &mut Sys) -> Poll {
            let id = match self.1 {
                Some(id) => id,
                None => match tcp::connect(sys.k, sys.ctx, sys.pid, self.0, 80) {
                    Ok(id) => *self.1.insert(id),
                    Err(e) => {
                        sys.print(&format!("connect: {}\n", e.message()));
                        return Poll::Exit(1);
                    }
                },
            };
            match tcp::error(sys.k, id) {
                Some(e) => {
                    sys.print(&format!(
                        "connect: {} at {}\n",
                        e.message(),
                        sys.now().secs_f64().round()
                    ));
                    Poll::Exit(1)
                }
                None => Poll::Wait(None),
            }
        }
    }
    let pid = w
        .spawn(0, "cli", "cli", Box::new(Once(dst, None)), false)
        .expect("spawn");
    w.run_until(until, 100_000).expect("run");
    output(w, 0, pid)
}

#[test]
fn syns_are_retried_like_tcp_syn_retries_then_time_out() {
    let mut w = lan(None);
    // a's default route points at c, an ordinary host that does not forward: SYNs vanish.
    tool(&mut w, 0, "route add default gw 10.0.0.3");
    let out = attempt(&mut w, Ipv4Addr::new(172, 16, 0, 1), Time::from_secs(200));
    assert_eq!(
        out,
        (
            "connect: Connection timed out at 127\n".to_string(),
            Some(1)
        )
    );
    let syn_times: Vec<f64> = w
        .trace
        .iter()
        .filter(|e| matches!(&e.kind, netstep::trace::TraceKind::Rx { node, frame, .. } if node == "c" && frame.len() > 40 && frame[23] == 6))
        .map(|e| e.time.secs_f64().round())
        .collect();
    assert_eq!(syn_times, [0.0, 1.0, 3.0, 7.0, 15.0, 31.0, 63.0]);
}

#[test]
fn failed_arp_makes_connect_fail_with_no_route_to_host() {
    let mut w = lan(None);
    let out = attempt(&mut w, Ipv4Addr::new(10, 0, 0, 99), Time::from_secs(10));
    assert_eq!(
        out,
        ("connect: No route to host at 3\n".to_string(), Some(1))
    );
}
