//! TCP connections per wall second (issue 3, "Performance"): 10,000 HTTP/1.0 requests
//! (connect, a 16-byte `GET / HTTP/1.0\n\n`, a 256-byte reply, the server closes) from 100
//! client hosts to 4 servers running the real `httpd`, all on one switch, in virtual time.
//! Run with `cargo bench --bench http`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, SamplingMode, Throughput};
use netstep::kernel::process::{Poll, Program, Sys};
use netstep::kernel::tcp::{self, Recv, TcpId};
use netstep::sim::link::LinkParams;
use netstep::sim::world::World;
use netstep::sim::Time;
use smoltcp::socket::tcp::State;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Once};
use std::time::Duration;

const CLIENTS: usize = 100;
const SERVERS: usize = 4;
const PER_CLIENT: usize = 100;
const REQUESTS: usize = CLIENTS * PER_CLIENT;
const REQUEST: &[u8] = b"GET / HTTP/1.0\n\n";
/// httpd's header block for a 200 with `Content-type: text/html` and a two-digit
/// Content-Length is 185 bytes, so a 71-byte body makes the whole reply exactly 256 bytes.
const BODY: usize = 71;
const REPLY: usize = 256;

fn server_ip(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(10, 0, 0, 1 + i as u8)
}

/// 4 servers (nodes 0..4, 10.0.0.1–4) and 100 clients (nodes 4..104, 10.0.0.11–110) on one
/// switch, addressed through the shell's ifconfig, with httpd serving a 71-byte index.html.
fn lan() -> World {
    let mut w = World::new(1);
    w.explain = false;
    w.record_trace = false;
    let names: Vec<String> = (0..SERVERS)
        .map(|i| format!("s{i}"))
        .chain((0..CLIENTS).map(|i| format!("c{i}")))
        .collect();
    for n in &names {
        w.add_node(n, "host").expect("node");
    }
    w.add_node("sw", "switch").expect("switch");
    for n in &names {
        w.connect((n, Some("eth0")), ("sw", None), LinkParams::default())
            .expect("link");
    }
    for i in 0..names.len() {
        let ip = match i < SERVERS {
            true => format!("{}/24", server_ip(i)),
            false => format!("10.0.0.{}/24", 11 + i - SERVERS),
        };
        let h = w.host_mut(i).expect("host");
        let r = netstep::user::tools::run_builtin(
            &mut h.kernel,
            Time::ZERO,
            &format!("ifconfig eth0 {ip}"),
        );
        assert_eq!(r.map(|r| r.2), Some(0));
    }
    w.refresh_hosts();
    let mut page = vec![b'x'; BODY];
    page[BODY - 1] = b'\n';
    let Some(netstep::user::tools::Command::Program(httpd)) = netstep::user::tools::lookup("httpd")
    else {
        panic!("httpd is not a program");
    };
    for i in 0..SERVERS {
        w.host_mut(i)
            .expect("host")
            .kernel
            .write_file("/var/www/html/index.html", &page, false)
            .expect("write");
        w.spawn(i, "httpd", "httpd", httpd(&["httpd".into()]), false)
            .expect("spawn");
    }
    w.run_idle(u64::MAX).expect("httpd starts");
    w
}

/// Fetches `/` from one server `left` times, one connection after another; checks that each
/// reply is exactly 256 bytes and counts the completed requests.
struct Client {
    server: Ipv4Addr,
    left: usize,
    id: Option<TcpId>,
    sent: bool,
    got: usize,
    done: Arc<AtomicUsize>,
}

impl Program for Client {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        loop {
            let id = match self.id {
                Some(id) => id,
                None => match tcp::connect(sys.k, sys.ctx, sys.pid, self.server, 80) {
                    Ok(id) => *self.id.insert(id),
                    Err(e) => panic!("connect: {}", e.message()),
                },
            };
            if let Some(e) = tcp::error(sys.k, id) {
                panic!("connect: {}", e.message());
            }
            if !self.sent && tcp::state(sys.k, id) == State::Established {
                let n = tcp::send(sys.k, sys.ctx, id, REQUEST).expect("send");
                assert_eq!(n, REQUEST.len());
                self.sent = true;
            }
            loop {
                match tcp::recv(sys.k, sys.ctx, id) {
                    Recv::Data(d) => self.got += d.len(),
                    Recv::WouldBlock => return Poll::Wait(None),
                    Recv::Error(e) => panic!("recv: {}", e.message()),
                    Recv::Eof => break,
                }
            }
            assert_eq!(self.got, REPLY, "reply size");
            tcp::close(sys.k, sys.ctx, id);
            self.done.fetch_add(1, Ordering::Relaxed);
            (self.id, self.sent, self.got) = (None, false, 0);
            self.left -= 1;
            if self.left == 0 {
                return Poll::Exit(0);
            }
        }
    }
}

/// Starts the 100 clients and runs until nothing is left in flight (every connection closed,
/// the servers' TIME_WAITs expired). Returns the world for inspection.
fn run(mut w: World, done: &Arc<AtomicUsize>) -> World {
    for c in 0..CLIENTS {
        let client = Client {
            server: server_ip(c % SERVERS),
            left: PER_CLIENT,
            id: None,
            sent: false,
            got: 0,
            done: done.clone(),
        };
        w.spawn(SERVERS + c, "get", "get", Box::new(client), false)
            .expect("spawn");
    }
    w.run_idle(u64::MAX).expect("run");
    w
}

fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Every request answered with exactly 256 bytes (the clients assert that) and nothing left
/// in any host's connection table.
fn check(w: &World, done: &AtomicUsize) {
    assert_eq!(done.load(Ordering::Relaxed), REQUESTS);
    for i in 0..SERVERS + CLIENTS {
        assert_eq!(
            w.host(i).map(|h| h.kernel.tcp.conns.len()),
            Some(0),
            "connections left"
        );
    }
}

fn connections(c: &mut Criterion) {
    let first = Once::new();
    let mut g = c.benchmark_group("http");
    // One iteration takes seconds: the fewest samples criterion allows, one iteration each.
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);
    g.warm_up_time(Duration::from_millis(1));
    g.measurement_time(Duration::from_secs(1));
    g.throughput(Throughput::Elements(REQUESTS as u64));
    g.bench_function("100 clients x 100 HTTP/1.0 requests to 4 httpd", |b| {
        b.iter_batched(
            lan,
            |w| {
                let done = Arc::new(AtomicUsize::new(0));
                let w = run(w, &done);
                check(&w, &done);
                first.call_once(|| {
                    eprintln!(
                        "http: {REQUESTS} requests, {} events, {} of virtual time",
                        w.events,
                        w.now.clock()
                    )
                });
                // Returned, so the world is dropped outside the timing.
                w
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
    match peak_memory_kib() {
        Some(kib) => eprintln!(
            "http: peak memory (VmHWM, whole bench process) {kib} KiB = {:.1} MiB",
            kib as f64 / 1024.0
        ),
        None => eprintln!("http: no VmHWM in /proc/self/status"),
    }
}

criterion_group!(benches, connections);
criterion_main!(benches);
