//! `ping` as iputils 20221126 behaves with an ICMP datagram socket: options, the header
//! line, one request per interval, reply and error lines, and the statistics of finish()
//! (options in ping_opts.rs, counters and texts in ping_stats.rs). The main loop follows ping_common.c's main_loop: check the exit
//! conditions, send what is due, arm the linger timer after the last request, wait.

use super::ping_opts::{parse, Fail, Opts};
use super::ping_stats::{icmp_error_text, time_text, Stats};
use super::session::{self, Session, StartError};
use crate::kernel::icmp::{self, DEST_UNREACH, ECHO_REPLY, ECHO_REQUEST, TIME_EXCEEDED};
use crate::kernel::ip_output::{ip_local_out, route_output, IpOut, OutRoute};
use crate::kernel::process::{Poll, Program, Sys};
use crate::kernel::socket::{Msg, SockId, SockKind};
use crate::sim::time::{MS, SEC, US};
use crate::sim::Time;
use crate::user::libc::getaddrinfo::{self, getaddrinfo, Answers};
use crate::why;
use smoltcp::wire::Ipv4Packet;
use std::net::Ipv4Addr;

/// 16 bytes of struct timeval at the start of the data (x86_64: two 64-bit fields).
const TIMEVAL: usize = 16;
/// The largest ICMP payload an IPv4 packet can carry.
/// The largest echo payload an IPv4 packet holds: 65535 - 20 (IP) - 8 (ICMP).
const MAX_DATA: usize = 65_507;
/// Larger than this, the ICMP message itself does not fit its socket's length check.
const MAX_ICMP: usize = 65_535;

pub fn spawn(args: &[String]) -> Box<dyn Program> {
    let target = parse(args).ok().map(|o| o.target);
    getaddrinfo::resolving(args, target, session::spawn::<Run>)
}

impl Session for Run {
    fn begin(args: &[String], answers: &Answers, sys: &mut Sys) -> Result<Run, StartError> {
        Run::start(args, answers, sys).map_err(StartError::from)
    }
    fn step(&mut self, sys: &mut Sys) -> Poll {
        Run::step(self, sys)
    }
    /// SIGINT: iputils' handler sets `exiting`; the loop then prints the statistics.
    fn on_interrupt(&mut self, sys: &mut Sys) -> i32 {
        self.drain(sys);
        self.finish(sys)
    }
}

struct Run {
    o: Opts,
    sock: SockId,
    ident: u16,
    dst: Ipv4Addr,
    /// What the header and the statistics call the target (canonical name or the address).
    hostname: String,
    /// No reverse lookups: -n, or the target was given as an address.
    numeric: bool,
    oif: Option<usize>,
    start: Time,
    /// iputils' cur_time: when the last request was sent (the `time` of the statistics).
    last_send: Time,
    next_send: Time,
    /// When the wait after the last request ends (SIGALRM from __schedule_exit).
    linger_at: Option<Time>,
    deadline_at: Option<Time>,
    stats: Stats,
    warned_clock: bool,
}

impl Run {
    fn start(args: &[String], answers: &Answers, sys: &mut Sys) -> Result<Run, Fail> {
        let o = parse(args)?;
        let found = getaddrinfo(sys, &o.target, answers)
            .map_err(|e| (format!("ping: {}: {}\n", o.target, e.message()), 2))?;
        let dst = found.addr;
        let literal = o.target.parse::<Ipv4Addr>().is_ok();
        // The header names the canonical name getaddrinfo returned (AI_CANONNAME).
        let hostname = found.canon;
        let oif = bind_device(sys, &o)?;
        let source = source_address(sys, &o, dst, oif)?;
        if sys.k.devs.is_broadcast(dst) {
            if !o.broadcast {
                let text = "ping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules\n";
                return Err((text.into(), 2));
            }
            sys.eprint("WARNING: pinging broadcast address\n");
        }
        if o.ttl == Some(0) {
            let text = "ping: cannot set unicast time-to-live: Invalid argument\n";
            return Err((text.into(), 2));
        }
        let ident = free_ident(sys);
        let sock = sys.k.sockets.open(sys.pid, SockKind::Ping { ident });
        sys.print(&header(&o, &hostname, dst, source));
        let now = sys.now();
        let deadline_at = (o.deadline_s > 0).then(|| now + o.deadline_s.saturating_mul(SEC));
        Ok(Run {
            numeric: o.numeric || literal,
            o,
            sock,
            ident,
            dst,
            hostname,
            oif,
            start: now,
            last_send: now,
            next_send: now,
            linger_at: None,
            deadline_at,
            stats: Stats::default(),
            warned_clock: false,
        })
    }

    /// One turn of main_loop: read what arrived, stop or send, and say when to come back.
    /// Polls may come early and often, so everything is decided from the time and counters.
    fn step(&mut self, sys: &mut Sys) -> Poll {
        self.drain(sys);
        loop {
            if self.should_exit(sys.now()) {
                return Poll::Exit(self.finish(sys));
            }
            if !(self.may_send() && sys.now() >= self.next_send) {
                break;
            }
            self.send(sys);
        }
        self.schedule_exit(sys.now());
        let send = self.may_send().then_some(self.next_send);
        let wake = [send, self.linger_at, self.deadline_at]
            .into_iter()
            .flatten()
            .min();
        Poll::Wait(wake)
    }

    fn should_exit(&self, now: Time) -> bool {
        let s = &self.stats;
        let answered = self.o.count > 0 && s.nreceived + s.nerrors >= self.o.count;
        let deadline_error = self.o.deadline_s > 0 && s.nerrors > 0;
        let alarm = [self.linger_at, self.deadline_at]
            .into_iter()
            .flatten()
            .any(|t| now >= t);
        answered || deadline_error || alarm
    }

    /// pinger() stops after -c requests, unless a deadline keeps it going.
    fn may_send(&self) -> bool {
        !(self.o.count > 0 && self.stats.ntransmitted >= self.o.count && self.o.deadline_s == 0)
    }

    /// __schedule_exit: once everything is sent, wait 2×max rtt (at least one interval) if
    /// something answered, else the linger time (-W, 10 s); armed once.
    fn schedule_exit(&mut self, now: Time) {
        let done = self.o.count > 0 && self.stats.ntransmitted >= self.o.count;
        if !done || self.o.deadline_s > 0 || self.linger_at.is_some() {
            return;
        }
        let wait_us = if self.stats.nreceived > 0 {
            (2 * self.stats.tmax.max(0) as u64).max(self.o.interval_ms * 1000)
        } else {
            self.o.linger_ms * 1000
        };
        // A zero wait disarms the timer in iputils; it is computed again next time.
        if wait_us > 0 {
            self.linger_at = Some(now + wait_us.saturating_mul(US));
        }
    }

    fn send(&mut self, sys: &mut Sys) {
        let now = sys.now();
        let seq = self.stats.next_seq();
        why!(sys.ctx, "ping", "echo request seq {seq} to {}", self.dst);
        let result = if 8 + self.o.datalen > MAX_ICMP {
            // ping_v4_sendmsg refuses it (EMSGSIZE); iputils says nothing.
            Ok(())
        } else if self.o.datalen > MAX_DATA {
            // ip_append_data: the packet would pass 65535 bytes. The error goes to the
            // socket's error queue, where ping reads and counts it.
            self.stats.nerrors += 1;
            Err("local error: message too long, mtu=65535".to_string())
        } else {
            let msg = icmp::echo(ECHO_REQUEST, self.ident, seq, &payload(self.o.datalen, now));
            let out = IpOut {
                src: self.o.source,
                dst: self.dst,
                proto: 1,
                ttl: self.o.ttl,
                df: true,
                oif: self.oif,
            };
            ip_local_out(sys.k, sys.ctx, out, &msg).map_err(|e| format!("sendmsg: {}", e.message()))
        };
        if let Err(e) = result {
            if !self.o.quiet {
                sys.eprint(&format!("ping: {e}\n"));
            }
        }
        self.stats.advance();
        self.last_send = now;
        // -i 0 floods; without replies iputils then sends every MININTERVAL (10 ms).
        let gap = if self.o.interval_ms == 0 {
            10
        } else {
            self.o.interval_ms
        };
        self.next_send = now + gap.saturating_mul(MS);
    }

    fn drain(&mut self, sys: &mut Sys) {
        while let Some(msg) = sys.k.sockets.recv(self.sock) {
            if let Msg::Ip { at, packet } = msg {
                self.receive(sys, at, &packet);
            }
        }
    }

    /// An IPv4 packet from the ping socket: an echo reply, or an ICMP error quoting ours.
    fn receive(&mut self, sys: &mut Sys, at: Time, packet: &[u8]) {
        let Ok(ip) = Ipv4Packet::new_checked(packet) else {
            return;
        };
        let end = (ip.total_len() as usize).min(packet.len());
        let body = packet.get(ip.header_len() as usize..end).unwrap_or(&[]);
        if body.len() < 8 || u8::from(ip.next_header()) != 1 {
            return;
        }
        match body[0] {
            ECHO_REPLY if be16(body, 4) == self.ident => {
                self.on_reply(sys, at, ip.src_addr(), ip.hop_limit(), body)
            }
            DEST_UNREACH | TIME_EXCEEDED => self.on_error(sys, ip.src_addr(), body),
            _ => {}
        }
    }

    /// gather_statistics and the reply line.
    fn on_reply(&mut self, sys: &mut Sys, at: Time, from: Ipv4Addr, ttl: u8, icmp: &[u8]) {
        let seq = be16(icmp, 6);
        let timing = self.o.datalen >= TIMEVAL;
        let trip = (timing && icmp.len() >= 8 + TIMEVAL).then(|| self.triptime(sys, at, icmp));
        let dup = self.stats.reply(seq, trip);
        if self.o.quiet {
            return;
        }
        let mut line = self.timestamp(sys.now());
        line.push_str(&format!(
            "{} bytes from {}: icmp_seq={seq} ttl={ttl}",
            icmp.len(),
            self.pr_addr(sys, from)
        ));
        if icmp.len() < self.o.datalen + 8 {
            line.push_str(" (truncated)\n");
            sys.print(&line);
            return;
        }
        if let Some(t) = trip {
            line.push(' ');
            line.push_str(&time_text(t));
        }
        if dup {
            line.push_str(" (DUP!)");
        }
        if from != self.dst && !self.o.broadcast {
            line.push_str(" (DIFFERENT ADDRESS!)");
        }
        check_data(&mut line, &icmp[8..], self.o.datalen);
        line.push('\n');
        sys.print(&line);
    }

    /// Microseconds between the timeval in the reply and its arrival (SO_TIMESTAMP).
    fn triptime(&mut self, sys: &mut Sys, at: Time, icmp: &[u8]) -> i64 {
        let word = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&icmp[i..i + 8]);
            u64::from_le_bytes(b) as i128
        };
        let sent = word(8) * 1_000_000 + word(16);
        let trip = (at.nanos() / 1000) as i128 - sent;
        if trip < 0 {
            // Only a corrupted timestamp can do this here; iputils then stops trusting it.
            if !self.warned_clock {
                self.warned_clock = true;
                sys.eprint(&format!(
                    "ping: Warning: time of day goes back ({trip}us), taking countermeasures\n"
                ));
            }
            return 0;
        }
        // Bounded so the statistics arithmetic cannot overflow on a forged timestamp.
        trip.min(i64::MAX as i128 / 4) as i64
    }

    /// receive_error_msg: an ICMP error about one of our requests to the target.
    fn on_error(&mut self, sys: &mut Sys, from: Ipv4Addr, icmp: &[u8]) {
        let inner = &icmp[8..];
        let ihl = inner.first().map_or(0, |b| (b & 0x0f) as usize * 4);
        if inner.len() < 20 || ihl < 20 || inner.len() < ihl + 8 || inner[9] != 1 {
            return;
        }
        let quoted_dst = Ipv4Addr::new(inner[16], inner[17], inner[18], inner[19]);
        let echo = &inner[ihl..];
        if quoted_dst != self.dst || echo[0] != ECHO_REQUEST || be16(echo, 4) != self.ident {
            return;
        }
        let seq = be16(echo, 6);
        self.stats.acknowledge(seq);
        self.stats.nerrors += 1;
        if self.o.quiet {
            return;
        }
        let text = icmp_error_text(icmp[0], icmp[1], be16(icmp, 6) as u32);
        let from = self.pr_addr(sys, from);
        let stamp = self.timestamp(sys.now());
        sys.print(&format!("{stamp}From {from} icmp_seq={seq} {text}\n"));
    }

    /// print_timestamp (-D): gettimeofday, here the virtual clock.
    fn timestamp(&self, now: Time) -> String {
        if !self.o.timestamps {
            return String::new();
        }
        let us = now.nanos() / US;
        format!("[{}.{:06}] ", us / 1_000_000, us % 1_000_000)
    }

    /// pr_addr: `name (address)` when a reverse lookup finds a name, else the address.
    fn pr_addr(&self, sys: &Sys, ip: Ipv4Addr) -> String {
        match (self.numeric, sys.k.reverse(ip)) {
            (false, Some(name)) => format!("{name} ({ip})"),
            _ => ip.to_string(),
        }
    }

    /// finish(): the statistics; exit 1 when nothing answered (or a deadline ran out short).
    fn finish(&mut self, sys: &mut Sys) -> i32 {
        let elapsed = self.last_send - self.start;
        let timing = self.o.datalen >= TIMEVAL;
        let ipg = self.o.interval_ms == 0;
        let text = self.stats.summary(&self.hostname, elapsed, timing, ipg);
        sys.print(&text);
        let short = self.o.deadline_s > 0 && self.stats.nreceived < self.o.count;
        i32::from(self.stats.nreceived == 0 || short)
    }
}

fn be16(b: &[u8], i: usize) -> u16 {
    u16::from_be_bytes([b[i], b[i + 1]])
}

/// The echo data: iputils fills byte i with i, then puts the send time in the first 16.
fn payload(datalen: usize, now: Time) -> Vec<u8> {
    let mut data: Vec<u8> = (0..datalen).map(|i| i as u8).collect();
    if datalen >= TIMEVAL {
        let ns = now.nanos();
        data[..8].copy_from_slice(&(ns / SEC).to_le_bytes());
        data[8..16].copy_from_slice(&((ns % SEC) / US).to_le_bytes());
    }
    data
}

/// The data check of gather_statistics: report the first byte that differs from the fill.
fn check_data(line: &mut String, data: &[u8], datalen: usize) {
    let end = datalen.min(data.len());
    let Some(bad) = (TIMEVAL..end).find(|&i| data[i] != i as u8) else {
        return;
    };
    line.push_str(&format!(
        "\nwrong data byte #{bad} should be 0x{:x} but was 0x{:x}",
        bad as u8, data[bad]
    ));
    for (i, b) in data.iter().enumerate().take(end).skip(TIMEVAL) {
        if i % 32 == TIMEVAL {
            line.push_str(&format!("\n#{i}\t"));
        }
        line.push_str(&format!("{b:x} "));
    }
}

/// getaddrinfo's canonical name for a name from /etc/hosts: the first name on its line.
/// The source the header shows: -I ADDR (bound, must be ours), else what connect() on a
/// probe socket picks, which also finds out that there is no route before anything is sent.
fn source_address(
    sys: &mut Sys,
    o: &Opts,
    dst: Ipv4Addr,
    oif: Option<usize>,
) -> Result<Ipv4Addr, Fail> {
    if let Some(src) = o.source {
        if !sys.k.devs.is_local(src) {
            return Err(("ping: bind: Cannot assign requested address\n".into(), 2));
        }
        return Ok(src);
    }
    let src = match route_output(sys.k, dst, oif) {
        Ok(OutRoute::Local { src }) | Ok(OutRoute::Remote { src, .. }) => src,
        Err(e) => return Err((format!("ping: connect: {}\n", e.message()), 2)),
    };
    if let (Some(dev), Some(name)) = (oif.and_then(|i| sys.k.devs.get(i)), &o.device) {
        if !dev.addrs.iter().any(|a| a.addr == src) {
            sys.eprint(&format!(
                "ping: Warning: source address might be selected on device other than: {name}\n"
            ));
        }
    }
    Ok(src)
}

/// SO_BINDTODEVICE for -I with an interface name.
fn bind_device(sys: &Sys, o: &Opts) -> Result<Option<usize>, Fail> {
    let Some(name) = &o.device else {
        return Ok(None);
    };
    // Exact names only: an alias such as eth0:2 is no device to bind to.
    let dev = sys.k.devs.iter().find(|d| d.name == *name);
    dev.map(|d| Some(d.ifindex))
        .ok_or_else(|| (format!("ping: SO_BINDTODEVICE {name}: No such device\n"), 2))
}

/// An identifier no other ping socket on this host uses, starting from the pid.
fn free_ident(sys: &Sys) -> u16 {
    let first = sys.pid as u16;
    (0..=u16::MAX)
        .map(|i| first.wrapping_add(i))
        .find(|&id| !sys.k.sockets.ping_ident_in_use(id))
        .unwrap_or(first)
}

fn header(o: &Opts, hostname: &str, dst: Ipv4Addr, src: Ipv4Addr) -> String {
    let mut h = format!("PING {hostname} ({dst}) ");
    if o.device.is_some() || o.source.is_some() {
        h.push_str(&format!(
            "from {src} {}: ",
            o.device.as_deref().unwrap_or("")
        ));
    }
    h.push_str(&format!(
        "{}({}) bytes of data.\n",
        o.datalen,
        o.datalen + 28
    ));
    h
}

#[cfg(test)]
#[path = "ping_tests.rs"]
mod tests;
