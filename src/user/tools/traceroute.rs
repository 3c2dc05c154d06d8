//! `traceroute` (modern traceroute 2.1.x, Dmitry Butskoy), default method: UDP probes to
//! ports 33434, 33435, … with 32 bytes of data (60-byte packets), TTL 1, 1, 1, 2, 2, 2, …;
//! routers answer time exceeded, the destination port unreachable, which ends the trace.
//! Output follows traceroute.c's print_probe: the header without a newline, then each hop as
//! `\n%2u ` and its probes, and a newline at the end.
//!
//! Real traceroute keeps up to 16 probes in flight (`-N 16`) over several hops at once. Here
//! probes go one at a time, each waiting for its answer or the timeout: the printed result is
//! the same, and a student reading the capture sees one question and one answer at a time.

use super::session::{self, Session, StartError};
use crate::kernel::icmp::{DEST_UNREACH, PORT_UNREACH, TIME_EXCEEDED};
use crate::kernel::ip_output::route_output;
use crate::kernel::process::{Poll, Program, Sys};
use crate::kernel::socket::{Msg, SockId};
use crate::kernel::udp;
use crate::sim::Time;
use crate::user::libc::getaddrinfo::{self, getaddrinfo, Answers};
use crate::why;
use smoltcp::wire::Ipv4Packet;
use std::net::Ipv4Addr;

const DEF_START_PORT: u16 = 33434;
/// IP + UDP headers: the packet length the header line shows is this plus the data.
const HEADER_LEN: usize = 28;

struct Opts {
    host: String,
    host_pos: usize,
    numeric: bool,
    first_hop: u32,
    max_hops: u32,
    nqueries: u32,
    wait: f64,
    here: f64,
    port: u16,
    data_len: usize,
}

/// One probe: when it left, and what came back.
#[derive(Clone, Default)]
struct Probe {
    sent: Option<Time>,
    reply: Option<Reply>,
    done: bool,
}

#[derive(Clone)]
struct Reply {
    from: Ipv4Addr,
    at: Time,
    /// `!H`, `!N`, … (empty for port unreachable and time exceeded).
    err: String,
    /// The destination (or an error) answered: this hop is the last.
    last: bool,
}

pub fn spawn(args: &[String]) -> Box<dyn Program> {
    let host = parse(args).ok().map(|o| o.host);
    getaddrinfo::resolving(args, host, session::spawn::<Run>)
}

// SIGINT: traceroute has no handler; the default interrupt (status 130) is right.
impl Session for Run {
    fn begin(args: &[String], answers: &Answers, sys: &mut Sys) -> Result<Run, StartError> {
        Run::start(args, answers, sys).map_err(StartError::from)
    }
    fn step(&mut self, sys: &mut Sys) -> Poll {
        Run::step(self, sys)
    }
}

struct Run {
    o: Opts,
    dst: Ipv4Addr,
    sport: u16,
    sock: SockId,
    probes: Vec<Probe>,
    /// The probe being sent or waited for (index into `probes`).
    cur: usize,
    /// Probes end here: the end of the hop where the destination answered.
    end: usize,
}

impl Run {
    fn start(args: &[String], answers: &Answers, sys: &mut Sys) -> Result<Run, (String, i32)> {
        let o = parse(args)?;
        let dst = match getaddrinfo(sys, &o.host, answers) {
            Ok(r) => r.addr,
            Err(e) => {
                let text = format!(
                    "{0}: {2}\nCannot handle \"host\" cmdline arg `{0}' on position {1} (argc {1})\n",
                    o.host,
                    o.host_pos,
                    e.message()
                );
                return Err((text, 2));
            }
        };
        sys.print(&format!(
            "traceroute to {} ({dst}), {} hops max, {} byte packets",
            o.host,
            o.max_hops,
            HEADER_LEN + o.data_len
        ));
        // connect() of the probe socket: no route ends it here (error() adds a newline).
        if let Err(e) = route_output(sys.k, dst, None) {
            return Err((format!("\nconnect: {}\n", e.message()), 1));
        }
        // The probe socket reads ICMP errors from its error queue (IP_RECVERR) and never sets
        // DF unless -F asks (traceroute's default IP_PMTUDISC_DONT).
        let sock = udp::socket(sys.k, sys.pid);
        let sport = udp::bind(sys.k, sock, Ipv4Addr::UNSPECIFIED, 0)
            .map_err(|e| (format!("bind: {}\n", e.message()), 1))?;
        let total = (o.max_hops * o.nqueries) as usize;
        let first = ((o.first_hop - 1) * o.nqueries) as usize;
        Ok(Run {
            o,
            dst,
            sport,
            sock,
            probes: vec![Probe::default(); total],
            cur: first,
            end: total,
        })
    }

    fn step(&mut self, sys: &mut Sys) -> Poll {
        self.drain(sys);
        loop {
            if self.cur >= self.end {
                sys.print("\n");
                return Poll::Exit(0);
            }
            let Probe { sent, done, .. } = self.probes[self.cur];
            match sent {
                None => self.send(sys),
                Some(_) if done => self.advance(sys),
                Some(sent) => {
                    let expire = sent + (self.timeout() * 1e9) as u64;
                    if sys.now() < expire {
                        return Poll::Wait(Some(expire));
                    }
                    self.probes[self.cur].done = true;
                }
            }
        }
    }

    /// The probe at `cur` is answered or expired: print it and move on.
    fn advance(&mut self, sys: &mut Sys) {
        let n = self.cur;
        sys.print(&self.print_probe(sys, n));
        if self.probes[n].reply.as_ref().is_some_and(|r| r.last) {
            let per = self.o.nqueries as usize;
            self.end = self.end.min((n / per + 1) * per);
        }
        self.cur += 1;
    }

    /// get_timeout: -w MAX, or HERE × the time of an answered probe of the same hop. (NEAR,
    /// which looks at later hops' answers, never applies when probes go one at a time.)
    fn timeout(&self) -> f64 {
        let per = self.o.nqueries as usize;
        let hop_start = self.cur - self.cur % per;
        let answered = self.probes[hop_start..self.cur]
            .iter()
            .filter_map(|p| Some((p.reply.as_ref()?.at - p.sent?) as f64 / 1e9))
            .find(|rtt| *rtt > 0.0);
        match answered {
            Some(rtt) if self.o.here > 0.0 => ((rtt + 0.001) * self.o.here).min(self.o.wait),
            _ => self.o.wait,
        }
    }

    fn send(&mut self, sys: &mut Sys) {
        let n = self.cur;
        let ttl = (n / self.o.nqueries as usize + 1) as u8;
        let port = self.o.port.wrapping_add(n as u16);
        let data: Vec<u8> = (0..self.o.data_len)
            .map(|i| 0x40 + (i & 0x3f) as u8)
            .collect();
        why!(
            sys.ctx,
            "traceroute",
            "probe {} with ttl {ttl} to {}:{port}",
            n + 1,
            self.dst
        );
        udp::set_options(sys.k, self.sock, Some(ttl), true, false);
        // The route was checked at the start; a send failing now is reported by its timeout.
        let _ = udp::sendto(sys.k, sys.ctx, self.sock, Some((self.dst, port)), &data);
        self.probes[n].sent = Some(sys.now());
    }

    fn drain(&mut self, sys: &mut Sys) {
        while let Some(msg) = sys.k.sockets.recv(self.sock) {
            let answer = match msg {
                // From the error queue (IP_RECVERR): an ICMP error quoting a probe.
                Msg::Ip { at, packet } => self.classify(&packet, at),
                // An open port answered: from the port the probe was sent to.
                Msg::Dgram { at, from, .. } if from.0 == self.dst => {
                    Some((from.1, (from.0, at, String::new(), true)))
                }
                _ => None,
            };
            if let Some((port, (from, at, err, last))) = answer {
                let reply = Reply {
                    from,
                    at,
                    err,
                    last,
                };
                self.record(port, reply);
            }
        }
    }

    /// An ICMP error about one of our probes: the probe's destination port, and who said
    /// what, when.
    fn classify(&self, packet: &[u8], at: Time) -> Option<(u16, (Ipv4Addr, Time, String, bool))> {
        let ip = Ipv4Packet::new_checked(packet).ok()?;
        let end = (ip.total_len() as usize).min(packet.len());
        let body = packet.get(ip.header_len() as usize..end)?;
        if u8::from(ip.next_header()) != 1 {
            return None;
        }
        let (t, code) = (*body.first()?, *body.get(1)?);
        let port = self.quoted_port(body.get(8..)?)?;
        let mtu = u16::from_be_bytes([*body.get(6)?, *body.get(7)?]);
        let (err, last) = icmp_result(t, code, mtu)?;
        Some((port, (ip.src_addr(), at, err, last)))
    }

    /// The destination port of the UDP probe quoted in an ICMP error, if it is ours.
    fn quoted_port(&self, quoted: &[u8]) -> Option<u16> {
        let ihl = (*quoted.first()? & 0x0f) as usize * 4;
        let udp = quoted.get(ihl..ihl + 4)?;
        let dst = Ipv4Addr::new(
            *quoted.get(16)?,
            *quoted.get(17)?,
            *quoted.get(18)?,
            *quoted.get(19)?,
        );
        let ours = quoted.get(9) == Some(&17)
            && dst == self.dst
            && u16::from_be_bytes([udp[0], udp[1]]) == self.sport;
        ours.then(|| u16::from_be_bytes([udp[2], udp[3]]))
    }

    /// Files a reply under its probe, unless that probe already finished (late answers).
    fn record(&mut self, port: u16, reply: Reply) {
        let n = port.wrapping_sub(self.o.port) as usize;
        if let Some(p) = self.probes.get_mut(n) {
            if p.sent.is_some() && !p.done {
                p.reply = Some(reply);
                p.done = true;
            }
        }
    }

    /// print_probe: `\n%2u ` before a hop's first probe; the address when it differs from
    /// the previous answered probe of the hop; the time; the `!X` annotation.
    fn print_probe(&self, sys: &Sys, n: usize) -> String {
        let per = self.o.nqueries as usize;
        let np = n % per;
        let mut o = String::new();
        if np == 0 {
            o.push_str(&format!("\n{:2} ", n / per + 1));
        }
        let p = &self.probes[n];
        let Some(r) = &p.reply else {
            o.push_str(" *");
            return o;
        };
        let previous = self.probes[n - np..n]
            .iter()
            .rev()
            .find_map(|q| q.reply.as_ref());
        if previous.is_none_or(|q| q.from != r.from) {
            o.push_str(&self.print_addr(sys, r.from));
        }
        let sent = p.sent.unwrap_or(r.at);
        let ms = (r.at.nanos() / 1000).saturating_sub(sent.nanos() / 1000) as f64 / 1000.0;
        o.push_str(&format!("  {ms:.3} ms"));
        if !r.err.is_empty() {
            o.push(' ');
            o.push_str(&r.err);
        }
        o
    }

    /// ` name (address)`, with the address for the name when none is found; -n: ` address`.
    fn print_addr(&self, sys: &Sys, ip: Ipv4Addr) -> String {
        if self.o.numeric {
            return format!(" {ip}");
        }
        let name = sys.k.reverse(ip).unwrap_or_else(|| ip.to_string());
        format!(" {name} ({ip})")
    }
}

/// parse_icmp_res: the annotation and whether the answer ends the trace; None for ICMP
/// messages that are no answer.
fn icmp_result(icmp_type: u8, code: u8, mtu: u16) -> Option<(String, bool)> {
    let err = match (icmp_type, code) {
        (TIME_EXCEEDED, 0) => return Some((String::new(), false)),
        (DEST_UNREACH, PORT_UNREACH) => "",
        (DEST_UNREACH, 0 | 6 | 8 | 11) => "!N",
        (DEST_UNREACH, 1 | 7 | 12) => "!H",
        (DEST_UNREACH, 9 | 10 | 13) => "!X",
        (DEST_UNREACH, 2) => "!P",
        (DEST_UNREACH, 4) => return Some((format!("!F-{mtu}"), true)),
        (DEST_UNREACH, 5) => "!S",
        (DEST_UNREACH, 14) => "!V",
        (DEST_UNREACH, 15) => "!C",
        (DEST_UNREACH, c) => return Some((format!("!<{c}>"), true)),
        (TIME_EXCEEDED, c) => return Some((format!("!<11-{c}>"), true)),
        _ => return None,
    };
    Some((err.to_string(), true))
}

/// CLIF-style parsing: `-n`, `-m 5`/`-m5`, `-q`, `-w MAX[,HERE,NEAR]`, `-p`, `-f`, then the
/// host and an optional packet length, with traceroute's own error messages (exit 2).
fn parse(args: &[String]) -> Result<Opts, (String, i32)> {
    let mut o = Opts {
        host: String::new(),
        host_pos: 0,
        numeric: false,
        first_hop: 1,
        max_hops: 30,
        nqueries: 3,
        wait: 5.0,
        here: 3.0,
        port: DEF_START_PORT,
        data_len: 40 - 8,
    };
    let mut i = 1;
    let mut positional = 0;
    while i < args.len() {
        let (pos, arg) = (i, &args[i]);
        i += 1;
        let Some(flag) = arg.strip_prefix('-').filter(|f| !f.is_empty()) else {
            positional += 1;
            operand(&mut o, arg, pos, positional)?;
            continue;
        };
        let mut chars = flag.chars();
        let c = chars.next().unwrap_or('-');
        let rest = chars.as_str();
        if c == 'n' && rest.is_empty() {
            o.numeric = true;
            continue;
        }
        let Some(name) = value_name(c) else {
            return Err((format!("Bad option `{arg}' (argc {pos})\n"), 2));
        };
        let value = if !rest.is_empty() {
            rest.to_string()
        } else if let Some(v) = args.get(i) {
            i += 1;
            v.clone()
        } else {
            let text = format!("Option `-{c}' (argc {pos}) requires an argument: `{name}'\n");
            return Err((text, 2));
        };
        set_option(&mut o, c, &value).ok_or_else(|| {
            (
                format!("Cannot handle `-{c}' option with arg `{value}' (argc {pos})\n"),
                2,
            )
        })?;
    }
    if o.host.is_empty() {
        return Err(("Specify \"host\" missing argument.\n".into(), 2));
    }
    validate(&o)?;
    Ok(o)
}

fn operand(o: &mut Opts, arg: &str, pos: usize, n: usize) -> Result<(), (String, i32)> {
    match n {
        1 => {
            o.host = arg.to_string();
            o.host_pos = pos;
        }
        2 => {
            let len: usize = arg.parse().map_err(|_| {
                let t = format!("Cannot handle \"packetlen\" cmdline arg `{arg}' on position {n} (argc {pos})\n");
                (t, 2)
            })?;
            if len > 65000 {
                return Err((format!("too big packetlen {len} specified\n"), 2));
            }
            o.data_len = len.saturating_sub(HEADER_LEN);
        }
        _ => return Err((format!("Extra arg `{arg}' (position {n}, argc {pos})\n"), 2)),
    }
    Ok(())
}

/// The options that take a value, with the name their usage gives it.
fn value_name(c: char) -> Option<&'static str> {
    Some(match c {
        'm' => "max_ttl",
        'q' => "nqueries",
        'w' => "MAX,HERE,NEAR",
        'p' => "port",
        'f' => "first_ttl",
        _ => return None,
    })
}

fn set_option(o: &mut Opts, c: char, v: &str) -> Option<()> {
    match c {
        'm' => o.max_hops = v.parse().ok()?,
        'q' => o.nqueries = v.parse().ok()?,
        'p' => o.port = v.parse().ok()?,
        'f' => o.first_hop = v.parse().ok()?,
        'w' => {
            // set_wait_specs: MAX alone turns the HERE factor off.
            let parts: Vec<f64> = v
                .split(',')
                .map(|p| p.parse().ok())
                .collect::<Option<_>>()?;
            o.wait = *parts.first()?;
            o.here = parts.get(1).copied().unwrap_or(0.0);
        }
        _ => return None,
    }
    Some(())
}

fn validate(o: &Opts) -> Result<(), (String, i32)> {
    let fail = |t: &str| Err((format!("{t}\n"), 2));
    if o.max_hops > 255 {
        return fail("max hops cannot be more than 255");
    }
    if o.first_hop == 0 || o.first_hop > o.max_hops {
        return fail("first hop out of range");
    }
    if o.nqueries == 0 || o.nqueries > 10 {
        return fail("no more than 10 probes per hop");
    }
    if !(o.wait >= 0.0 && o.here >= 0.0) {
        return fail(&format!(
            "bad wait specifications `{},{},10' used",
            o.wait, o.here
        ));
    }
    Ok(())
}

#[cfg(test)]
#[path = "traceroute_tests.rs"]
mod tests;
