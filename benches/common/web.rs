//! What the HTTP benchmarks share: 100 client hosts that each make 100 HTTP/1.0 requests one
//! after another (connect, a 16-byte GET, a 256-byte reply, close), httpd on the servers, the
//! checks that every request got its exact reply, and criterion's settings for runs that take
//! seconds each.

use criterion::{BatchSize, Criterion, SamplingMode, Throughput};
use netstep::kernel::process::{Poll, Program, Sys};
use netstep::kernel::tcp::{self, Recv, TcpId};
use netstep::sim::world::World;
use netstep::sim::Time;
use smoltcp::socket::tcp::State;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Once};
use std::time::Duration;

pub const CLIENTS: usize = 100;
pub const PER_CLIENT: usize = 100;
pub const REQUESTS: usize = CLIENTS * PER_CLIENT;
const REQUEST: &[u8] = b"GET / HTTP/1.0\n\n";
/// httpd's header block for a 200 with `Content-type: text/html` and a two-digit
/// Content-Length is 185 bytes, so a 71-byte body makes the whole reply exactly 256 bytes.
const BODY: usize = 71;
const REPLY: usize = 256;

/// Runs a builtin (ifconfig, route …) on node `i`, insisting it succeeds.
pub fn sh(w: &mut World, i: usize, line: &str) {
    let h = w.host_mut(i).expect("host");
    let r = netstep::user::tools::run_builtin(&mut h.kernel, Time::ZERO, line);
    assert_eq!(r.map(|r| r.2), Some(0), "{line}");
}

/// Starts the real `httpd` on node `i`, serving a 71-byte index.html.
pub fn start_httpd(w: &mut World, i: usize) {
    let mut page = vec![b'x'; BODY];
    page[BODY - 1] = b'\n';
    let Some(netstep::user::tools::Command::Program(httpd)) = netstep::user::tools::lookup("httpd")
    else {
        panic!("httpd is not a program");
    };
    w.host_mut(i)
        .expect("host")
        .kernel
        .write_file("/var/www/html/index.html", &page, false)
        .expect("write");
    w.spawn(i, "httpd", "httpd", httpd(&["httpd".into()]), false)
        .expect("spawn");
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

/// Starts the clients on nodes `first..first + CLIENTS` (client c asks `target(c)`) and runs
/// until nothing is left in flight.
fn run(
    mut w: World,
    first: usize,
    target: fn(usize) -> Ipv4Addr,
    done: &Arc<AtomicUsize>,
) -> World {
    for c in 0..CLIENTS {
        let client = Client {
            server: target(c),
            left: PER_CLIENT,
            id: None,
            sent: false,
            got: 0,
            done: done.clone(),
        };
        w.spawn(first + c, "get", "get", Box::new(client), false)
            .expect("spawn");
    }
    w.run_idle(u64::MAX).expect("run");
    w
}

pub fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Every request answered with exactly 256 bytes (the clients assert that) and nothing left
/// in any host's connection table.
fn check(w: &World, hosts: usize, done: &AtomicUsize) {
    assert_eq!(done.load(Ordering::Relaxed), REQUESTS);
    for i in 0..hosts {
        assert_eq!(
            w.host(i).map(|h| h.kernel.tcp.conns.len()),
            Some(0),
            "connections left"
        );
    }
}

/// One criterion benchmark of REQUESTS connections: `build` makes the world (not timed),
/// clients start at node `first` and talk to `target(c)`.
pub fn bench(
    c: &mut Criterion,
    group: &str,
    name: &str,
    build: fn() -> World,
    (first, hosts): (usize, usize),
    target: fn(usize) -> Ipv4Addr,
) {
    let once = Once::new();
    let mut g = c.benchmark_group(group);
    // One iteration takes a second or more: the fewest samples criterion allows.
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);
    g.warm_up_time(Duration::from_millis(1));
    g.measurement_time(Duration::from_secs(1));
    g.throughput(Throughput::Elements(REQUESTS as u64));
    g.bench_function(name, |b| {
        b.iter_batched(
            build,
            |w| {
                let done = Arc::new(AtomicUsize::new(0));
                let w = run(w, first, target, &done);
                check(&w, hosts, &done);
                once.call_once(|| {
                    eprintln!(
                        "{group}: {REQUESTS} requests, {} events, {} of virtual time",
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
            "{group}: peak memory (VmHWM, whole bench process) {kib} KiB = {:.1} MiB",
            kib as f64 / 1024.0
        ),
        None => eprintln!("{group}: no VmHWM in /proc/self/status"),
    }
}
