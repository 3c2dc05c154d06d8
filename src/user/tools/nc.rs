//! `nc` (netcat-openbsd, as Debian ships it): `nc HOST PORT` connects, sends its standard
//! input and prints what comes back until the peer closes; `nc -l [-p] PORT` listens and does
//! the same for the first connection; `-N` closes its side after the input (the peer sees the
//! end of stream); `-z` only checks that the port answers; `-v` says so.
//! `-w SECS` bounds the connect and ends a connection idle that long; `-u` uses a datagram socket (nc_udp.rs).

use crate::kernel::process::{Poll, Program, Sys};
use crate::kernel::tcp::{self, Recv, TcpId};
use crate::sim::time::SEC;
use crate::sim::Time;
use crate::user::libc::getaddrinfo::{self, getaddrinfo, Answers};
use smoltcp::socket::tcp::State;
use std::net::Ipv4Addr;

const USAGE: &str = "usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]\n\t  [-m minttl] [-O length] [-P proxy_username] [-p source_port]\n\t  [-q seconds] [-s sourceaddr] [-T keyword] [-V rtable] [-W recvlimit]\n\t  [-w timeout] [-X proxy_protocol] [-x proxy_address[:port]]\n\t  [destination] [port]\n";

#[derive(Default)]
pub struct Opts {
    pub listen: bool,
    pub zero: bool,
    pub verbose: bool,
    pub udp: bool,
    /// -N: shut down the sending side after the end of standard input.
    pub shutdown: bool,
    /// -w: seconds of silence after which nc gives up.
    pub wait: Option<u64>,
    pub host: String,
    pub port: u16,
}

enum Phase {
    Start,
    Connecting(TcpId),
    Listening(TcpId),
    Connected(TcpId),
    Udp,
}

struct Nc {
    args: Vec<String>,
    stdin: Vec<u8>,
    sent: bool,
    phase: Phase,
    dst: Ipv4Addr,
    listener: Option<TcpId>,
    udp: Option<super::nc_udp::Udp>,
    opts: Opts,
    answers: Answers,
    /// When something last happened (-w counts from here).
    last: Time,
}

pub fn spawn(args: &[String]) -> Box<dyn Program> {
    let host = parse(args).ok().filter(|o| !o.listen).map(|o| o.host);
    getaddrinfo::resolving(args, host, start)
}

fn start(args: &[String], answers: Answers) -> Box<dyn Program> {
    Box::new(Nc {
        answers,
        last: Time::ZERO,
        args: args.to_vec(),
        stdin: Vec::new(),
        sent: false,
        phase: Phase::Start,
        dst: Ipv4Addr::UNSPECIFIED,
        listener: None,
        udp: None,
        opts: Opts::default(),
    })
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts::default();
    let mut rest = Vec::new();
    let mut it = args[1..].iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-p" => rest.push(required(it.next(), 'p')?.clone()),
            "-w" => {
                let v = required(it.next(), 'w')?;
                let secs = v
                    .parse()
                    .map_err(|_| format!("nc: timeout invalid: {v}\n"))?;
                o.wait = Some(secs);
            }
            s if s.starts_with('-') && s.len() > 1 => {
                for c in s[1..].chars() {
                    match c {
                        'l' => o.listen = true,
                        'z' => o.zero = true,
                        'v' => o.verbose = true,
                        'u' => o.udp = true,
                        'N' => o.shutdown = true,
                        'n' => {}
                        other => return Err(format!("nc: invalid option -- '{other}'\n{USAGE}")),
                    }
                }
            }
            _ => rest.push(a.clone()),
        }
    }
    let (host, port) = match (o.listen, rest.as_slice()) {
        (true, [p]) => (String::new(), p.clone()),
        (false, [h, p]) => (h.clone(), p.clone()),
        _ => return Err(USAGE.to_string()),
    };
    o.host = host;
    o.port = port
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("nc: port number invalid: {port}\n"))?;
    Ok(o)
}

fn required(v: Option<&String>, opt: char) -> Result<&String, String> {
    v.ok_or_else(|| format!("nc: option requires an argument -- '{opt}'\n{USAGE}"))
}

/// The service name nc prints in brackets (`[tcp/http]`), `*` for a port without one.
pub fn service(port: u16) -> &'static str {
    super::fmt::service(port).unwrap_or("*")
}

impl Nc {
    fn start(&mut self, sys: &mut Sys) -> Result<Phase, i32> {
        self.last = sys.now();
        self.opts = parse(&self.args).map_err(|m| {
            sys.eprint(&m);
            1
        })?;
        if self.opts.listen && self.opts.udp {
            return self.start_udp(sys, Ipv4Addr::UNSPECIFIED);
        }
        if self.opts.listen {
            let lid = tcp::listen(sys.k, sys.pid, None, self.opts.port, 1).map_err(|e| {
                sys.eprint(&format!("nc: {}\n", e.message()));
                1
            })?;
            self.listener = Some(lid);
            return Ok(Phase::Listening(lid));
        }
        let dst = match getaddrinfo(sys, &self.opts.host, &self.answers) {
            Ok(found) => found.addr,
            Err(e) => {
                sys.eprint(&format!(
                    "nc: getaddrinfo for host \"{}\" port {}: {}\n",
                    self.opts.host,
                    self.opts.port,
                    e.message()
                ));
                return Err(1);
            }
        };
        self.dst = dst;
        if self.opts.udp {
            return self.start_udp(sys, dst);
        }
        tcp::connect(sys.k, sys.ctx, sys.pid, dst, self.opts.port)
            .map(Phase::Connecting)
            .map_err(|e| self.failed(sys, e.message()))
    }

    fn start_udp(&mut self, sys: &mut Sys, dst: Ipv4Addr) -> Result<Phase, i32> {
        let stdin = std::mem::take(&mut self.stdin);
        self.udp = Some(super::nc_udp::start(sys, &self.opts, dst, stdin)?);
        Ok(Phase::Udp)
    }

    fn idle_until(&self) -> Option<Time> {
        self.opts.wait.map(|w| self.last + w * SEC)
    }

    fn failed(&self, sys: &mut Sys, why: &str) -> i32 {
        sys.eprint(&format!(
            "nc: connect to {} port {} (tcp) failed: {why}\n",
            self.opts.host, self.opts.port
        ));
        1
    }

    /// Sends stdin once, then relays what arrives until the peer closes.
    fn relay(&mut self, sys: &mut Sys, id: TcpId) -> Poll {
        if !self.sent && tcp::state(sys.k, id) == State::Established {
            self.sent = true;
            if !self.stdin.is_empty() {
                let data = std::mem::take(&mut self.stdin);
                let _ = tcp::send(sys.k, sys.ctx, id, &data);
            }
            if self.opts.shutdown {
                tcp::shutdown(sys.k, sys.ctx, id);
            }
        }
        loop {
            match tcp::recv(sys.k, sys.ctx, id) {
                Recv::Data(d) => {
                    sys.print(&String::from_utf8_lossy(&d));
                    self.last = sys.now();
                }
                // -w: a connection idle that long is closed, quietly.
                Recv::WouldBlock => match self.idle_until() {
                    Some(t) if sys.now() >= t => return self.finish(sys, id, 0),
                    wake => return Poll::Wait(wake),
                },
                Recv::Eof => return self.finish(sys, id, 0),
                Recv::Error(_) => return self.finish(sys, id, 1),
            }
        }
    }

    fn finish(&mut self, sys: &mut Sys, id: TcpId, status: i32) -> Poll {
        tcp::close(sys.k, sys.ctx, id);
        if let Some(l) = self.listener.take() {
            tcp::close(sys.k, sys.ctx, l);
        }
        Poll::Exit(status)
    }
}

impl Program for Nc {
    fn set_stdin(&mut self, data: String) {
        self.stdin = data.into_bytes();
    }

    fn poll(&mut self, sys: &mut Sys) -> Poll {
        loop {
            self.phase = match self.phase {
                Phase::Start => match self.start(sys) {
                    Ok(p) => p,
                    Err(code) => return Poll::Exit(code),
                },
                Phase::Connecting(id) => {
                    if let Some(e) = tcp::error(sys.k, id) {
                        let code = self.failed(sys, e.message());
                        tcp::close(sys.k, sys.ctx, id);
                        return Poll::Exit(code);
                    }
                    if tcp::state(sys.k, id) != State::Established {
                        // -w also bounds the connect; the non-blocking connect's errno is
                        // still EINPROGRESS when Debian's nc gives up.
                        return match self.idle_until() {
                            Some(t) if sys.now() >= t => {
                                tcp::close(sys.k, sys.ctx, id);
                                sys.eprint(&format!(
                                    "nc: connect to {} port {} (tcp) timed out: Operation now in progress\n",
                                    self.opts.host, self.opts.port
                                ));
                                Poll::Exit(1)
                            }
                            wake => Poll::Wait(wake),
                        };
                    }
                    if self.opts.zero {
                        if self.opts.verbose {
                            sys.eprint(&format!(
                                "Connection to {} {} port [tcp/{}] succeeded!\n",
                                self.opts.host,
                                self.opts.port,
                                service(self.opts.port)
                            ));
                        }
                        return self.finish(sys, id, 0);
                    }
                    self.last = sys.now();
                    Phase::Connected(id)
                }
                Phase::Listening(lid) => match tcp::accept(sys.k, sys.pid, lid) {
                    Some(id) => {
                        self.last = sys.now();
                        Phase::Connected(id)
                    }
                    None => return Poll::Wait(None),
                },
                Phase::Connected(id) => return self.relay(sys, id),
                Phase::Udp => match self.udp.as_mut() {
                    Some(u) => return u.poll(sys, self.opts.zero),
                    None => return Poll::Exit(1),
                },
            };
        }
    }
}
