//! `arping` from iputils 20221126: ARP requests from a packet socket, one per interval,
//! broadcast until someone answers and then unicast to the last replier (unless -b); -D
//! duplicate address detection (sender 0.0.0.0), -U / -A gratuitous request / reply. The
//! loop follows arping.c's event_loop: a send at start, an interval timer that sends or ends
//! after -c probes, a -w timeout, and the replies in between.

use super::super::session::{self, Session, StartError};
use super::iputils_opts::{err, out, parse, Fail, Opts};
use super::ArpFields;
use crate::kernel::arp::build_arp;
use crate::kernel::dev;
use crate::kernel::ip_output::{route_output, OutRoute};
use crate::kernel::netdev::{DevKind, Mac, BROADCAST_MAC};
use crate::kernel::process::{Poll, Program, Sys};
use crate::kernel::socket::{Msg, SockId, SockKind};
use crate::sim::time::SEC;
use crate::sim::Time;
use crate::user::libc::getaddrinfo::{self, getaddrinfo, Answers};
use crate::why;
use smoltcp::wire::ArpOperation;
use std::net::Ipv4Addr;

pub fn spawn(args: &[String]) -> Box<dyn Program> {
    let target = parse(args).ok().map(|o| o.target);
    getaddrinfo::resolving(args, target, session::spawn::<Run>)
}

impl Session for Run {
    fn begin(args: &[String], answers: &Answers, sys: &mut Sys) -> Result<Run, StartError> {
        Run::start(args, answers, sys).map_err(|f| StartError {
            text: f.text,
            code: f.code,
            stdout: f.stdout,
        })
    }
    fn step(&mut self, sys: &mut Sys) -> Poll {
        Run::step(self, sys)
    }
    /// SIGINT ends the loop through the signalfd; the summary follows as at a normal end.
    fn on_interrupt(&mut self, sys: &mut Sys) -> i32 {
        self.drain(sys);
        self.finish(sys)
    }
}

struct Run {
    o: Opts,
    sock: SockId,
    ifindex: usize,
    me: Mac,
    /// Where probes go: broadcast, then the last replier's MAC.
    he: Mac,
    gsrc: Ipv4Addr,
    gdst: Ipv4Addr,
    unicasting: bool,
    /// When the last probe left (`ctl->last`, the base of the reply times).
    last: Option<Time>,
    next_tick: Option<Time>,
    timeout_at: Option<Time>,
    /// Interval timer expirations, counting the send at start (`total_expires`).
    expires: i64,
    sent: u64,
    brd_sent: u64,
    received: u64,
    brd_recv: u64,
    req_recv: u64,
}

impl Run {
    fn start(args: &[String], answers: &Answers, sys: &mut Sys) -> Result<Run, Fail> {
        let o = parse(args)?;
        let gdst = getaddrinfo(sys, &o.target, answers)
            .map_err(|e| err(format!("arping: {}: {}\n", o.target, e.message()), 2))?
            .addr;
        let (ifindex, name) = device(sys, &o, gdst)?;
        let gsrc = source(sys, &o, gdst, ifindex)?;
        let me = sys.k.dev_mac(ifindex);
        let sock = sys.k.sockets.open(
            sys.pid,
            SockKind::Packet {
                dev: Some(ifindex),
                ethertype: None,
            },
        );
        if !o.quiet {
            sys.print(&format!("ARPING {gdst} from {gsrc} {name}\n"));
        }
        let now = sys.now();
        let mut run = Run {
            sock,
            ifindex,
            me,
            he: BROADCAST_MAC,
            gsrc,
            gdst,
            unicasting: false,
            last: None,
            next_tick: (o.interval > 0).then(|| now + o.interval.saturating_mul(SEC)),
            timeout_at: (o.timeout > 0).then(|| now + o.timeout.saturating_mul(SEC)),
            expires: 1,
            sent: 0,
            brd_sent: 0,
            received: 0,
            brd_recv: 0,
            req_recv: 0,
            o,
        };
        run.send(sys);
        Ok(run)
    }

    /// One pass of event_loop: replies first (they arrived before now), then the timers.
    fn step(&mut self, sys: &mut Sys) -> Poll {
        if self.drain(sys) {
            return Poll::Exit(self.finish(sys));
        }
        let now = sys.now();
        while let Some(tick) = self.next_tick.filter(|t| *t <= now) {
            self.expires += 1;
            if self.o.count > 0 && self.o.count < self.expires {
                return Poll::Exit(self.finish(sys));
            }
            self.next_tick = Some(tick + self.o.interval.saturating_mul(SEC));
            self.send(sys);
        }
        if self.timeout_at.is_some_and(|t| t <= now) {
            return Poll::Exit(self.finish(sys));
        }
        Poll::Wait(
            [self.next_tick, self.timeout_at]
                .into_iter()
                .flatten()
                .min(),
        )
    }

    /// send_pack: a request (a reply with -A) from our MAC, to `he`.
    fn send(&mut self, sys: &mut Sys) {
        let (op, tha) = if self.o.advert {
            (ArpOperation::Reply, self.me)
        } else {
            (ArpOperation::Request, self.he)
        };
        let frame = build_arp(op, self.me, self.me, self.gsrc, self.he, tha, self.gdst);
        let how = if self.unicasting {
            "unicast"
        } else {
            "broadcast"
        };
        why!(
            sys.ctx,
            "arping",
            "{how} who-has {} tell {}",
            self.gdst,
            self.gsrc
        );
        // sendto on a device that is down fails (ENETDOWN) and is not counted.
        if !sys.k.devs.get(self.ifindex).is_some_and(|d| d.up) {
            return;
        }
        dev::xmit(sys.k, sys.ctx, self.ifindex, frame);
        self.last = Some(sys.now());
        self.sent += 1;
        if !self.unicasting {
            self.brd_sent += 1;
        }
    }

    /// Reads the socket; true when a reply ends the run (recv_pack's FINAL_PACKS).
    fn drain(&mut self, sys: &mut Sys) -> bool {
        while let Some(msg) = sys.k.sockets.recv(self.sock) {
            if let Msg::Frame {
                at,
                outgoing: false,
                frame,
                ..
            } = msg
            {
                if self.recv_pack(sys, at, &frame) {
                    return true;
                }
            }
        }
        false
    }

    /// recv_pack: filter, print, count; true when it is time to stop.
    fn recv_pack(&mut self, sys: &mut Sys, at: Time, frame: &[u8]) -> bool {
        let Some(a) = ArpFields::parse(frame) else {
            return false;
        };
        let host = frame[..6] == self.me;
        let addressed = host || frame[0] & 1 == 1;
        if !addressed || !self.wanted(&a) {
            return false;
        }
        if !self.o.quiet {
            sys.print(&self.reply_line(&a, host, at));
        }
        self.received += 1;
        if self.o.timeout > 0 && self.received as i64 == self.o.count {
            return true;
        }
        if !host {
            self.brd_recv += 1;
        }
        if a.request {
            self.req_recv += 1;
        }
        if self.o.quit_on_reply {
            return true;
        }
        if !self.o.broadcast_only {
            self.he = a.sha;
            self.unicasting = true;
        }
        false
    }

    /// The addresses recv_pack accepts: in DAD mode anyone else claiming the target; else
    /// the target answering us.
    fn wanted(&self, a: &ArpFields) -> bool {
        if a.spa != self.gdst {
            return false;
        }
        if self.o.dad {
            return a.sha != self.me && (self.gsrc.is_unspecified() || self.gsrc == a.tpa);
        }
        a.tpa == self.gsrc && a.tha == self.me
    }

    fn reply_line(&self, a: &ArpFields, host: bool, at: Time) -> String {
        let kind = if host { "Unicast" } else { "Broadcast" };
        let op = if a.request { "request" } else { "reply" };
        let mut line = format!("{kind} {op} from {} [{}] ", a.spa, hex(&a.sha));
        let mut for_printed = false;
        if a.tpa != self.gsrc {
            line.push_str(&format!("for {} ", a.tpa));
            for_printed = true;
        }
        if a.tha != self.me {
            line.push_str(if for_printed { "[" } else { "for [" });
            line.push_str(&format!("{}]", hex(&a.tha)));
        }
        match self.last {
            Some(last) => line.push_str(&elapsed(last, at)),
            None => line.push_str(" UNSOLICITED?"),
        }
        line.push('\n');
        line
    }

    /// finish() and the exit status event_loop adds to it.
    fn finish(&mut self, sys: &mut Sys) -> i32 {
        if !self.o.quiet {
            let mut text = format!(
                "Sent {} probes ({} broadcast(s))\nReceived {} response(s)",
                self.sent, self.brd_sent, self.received
            );
            if self.brd_recv > 0 || self.req_recv > 0 {
                let mut parts = Vec::new();
                if self.req_recv > 0 {
                    parts.push(format!("{} request(s)", self.req_recv));
                }
                if self.brd_recv > 0 {
                    parts.push(format!("{} broadcast(s)", self.brd_recv));
                }
                text.push_str(&format!(" ({})", parts.join(", ")));
            }
            text.push('\n');
            sys.print(&text);
        }
        let o = &self.o;
        let mut rc = if o.dad {
            i32::from(self.received > 0)
        } else {
            i32::from(!o.unsolicited && self.received == 0)
        };
        if o.unsolicited {
        } else if o.dad && o.quit_on_reply {
            rc |= i32::from(self.brd_sent == self.received);
        } else if o.timeout > 0 && o.count <= 0 {
            rc |= i32::from(self.received == 0);
        } else {
            rc |= i32::from(self.sent != self.received);
        }
        rc
    }
}

/// MAC in upper case, as print_hex does.
fn hex(mac: &Mac) -> String {
    let parts: Vec<String> = mac.iter().map(|b| format!("{b:02X}")).collect();
    parts.join(":")
}

/// The time after the last probe, computed as iputils 20221126 does: its rounding adds half
/// a millisecond (an answer after 0.168 ms prints ` 0.668ms`), and we keep that.
fn elapsed(last: Time, at: Time) -> String {
    let split = |t: Time| ((t.nanos() / SEC) as i64, (t.nanos() % SEC) as i64);
    let ((s1, n1), (s0, n0)) = (split(at), split(last));
    let mut usecs = (s1 - s0) * 1_000_000 + (n1 - n0 + 500) / 1000;
    let msecs = (usecs + 500) / 1000;
    usecs -= msecs * 1000 - 500;
    format!(" {msecs}.{usecs:03}ms")
}

/// The device: -I as given, else the one the route to the target leaves by.
fn device(sys: &Sys, o: &Opts, gdst: Ipv4Addr) -> Result<(usize, String), Fail> {
    let name = match &o.device {
        Some(name) => name.clone(),
        None => match route_output(sys.k, gdst, None) {
            Ok(OutRoute::Remote { dev, .. }) => sys.k.dev_name(dev),
            Ok(OutRoute::Local { .. }) => "lo".to_string(),
            Err(_) => return only_device(sys),
        },
    };
    let Some(d) = sys.k.devs.iter().find(|d| d.name == name) else {
        return Err(err(format!("arping: Device {name} not available.\n"), 2));
    };
    let quiet_text = |t: String| if o.quiet { String::new() } else { t };
    if !d.up {
        return Err(out(
            quiet_text(format!("Interface \"{name}\" is down\n")),
            2,
        ));
    }
    if d.kind == DevKind::Loopback {
        let text = quiet_text(format!("Interface \"{name}\" is not ARPable\n"));
        return Err(out(text, if o.dad { 0 } else { 2 }));
    }
    Ok((d.ifindex, name))
}

/// check_device without a name: the one device that is up and can do ARP, if just one is.
fn only_device(sys: &Sys) -> Result<(usize, String), Fail> {
    let mut usable = sys
        .k
        .devs
        .iter()
        .filter(|d| d.up && d.kind == DevKind::Ether);
    match (usable.next(), usable.next()) {
        (Some(d), None) => Ok((d.ifindex, d.name.clone())),
        _ => Err(err(
            "arping: Suitable device could not be determined. Please, use option -I.\n",
            2,
        )),
    }
}

/// The sender address: -s, the target itself for -U/-A, 0.0.0.0 for -D, else what connect()
/// on a probe socket bound to the device picks.
fn source(sys: &Sys, o: &Opts, gdst: Ipv4Addr, ifindex: usize) -> Result<Ipv4Addr, Fail> {
    let bind = |ip: Ipv4Addr| {
        if sys.k.devs.is_local(ip) {
            Ok(ip)
        } else {
            Err(err("arping: bind: Cannot assign requested address\n", 2))
        }
    };
    if let Some(s) = &o.source {
        let ip = s
            .parse()
            .map_err(|_| err(format!("arping: invalid source {s}\n"), 2))?;
        return bind(ip);
    }
    if o.dad {
        return Ok(Ipv4Addr::UNSPECIFIED);
    }
    if o.unsolicited {
        return bind(gdst);
    }
    sys.k
        .devs
        .select_addr(ifindex, gdst)
        .ok_or_else(|| err("arping: connect: Network is unreachable\n", 2))
}

#[cfg(test)]
#[path = "iputils_tests.rs"]
mod tests;
