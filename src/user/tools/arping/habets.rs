//! Thomas Habets' ARPing 2.23 (Debian's `arping` package), pinging an IP address, as recorded
//! in docs/shell-real.md §6: `ARPING IP`, one request a second (`-W`), `N bytes from MAC
//! (IP): index=I time=T usec` for each reply, `Timeout` for a request that got none before
//! the next, a statistics block, status 0 when something answered. Options: `-c`, `-i` (and
//! the undocumented `-I`), `-w` deadline, `-W` interval, `-q`, `-U` (unsolicited: target MAC
//! ff:ff:ff:ff:ff:ff), `-P` (send replies), `-0`/`-b`/`-S IP` (sender address), `-d`
//! (different MACs answering: status 1). Pinging a MAC address is not simulated.

use crate::kernel::arp::build_arp;
use crate::kernel::dev;
use crate::kernel::ip_output::{route_output, OutRoute};
use crate::kernel::netdev::{Mac, BROADCAST_MAC};
use crate::kernel::process::{Poll, Program, Sys};
use crate::kernel::socket::{Msg, SockId, SockKind};
use crate::sim::time::SEC;
use crate::sim::Time;
use smoltcp::wire::ArpOperation;
use std::net::Ipv4Addr;

const USAGE: &str = "ARPing 2.23, by Thomas Habets <thomas@habets.se>
usage: arping [ -0aAbdDeFpPqrRuUvzZ ] [ -w <sec> ] [ -W <sec> ] [ -S <host/ip> ]
              [ -T <host/ip ] [ -s <MAC> ] [ -t <MAC> ] [ -c <count> ]
              [ -C <count> ] [ -i <interface> ] [ -m <type> ] [ -g <group> ]
              [ -V <vlan> ] [ -Q <priority> ] <host/ip/MAC | -B>
For complete usage info, use --help or check the manpage.
";

#[derive(Default)]
struct Opts {
    count: Option<u64>,
    iface: Option<String>,
    deadline: Option<u64>,
    interval: u64,
    quiet: bool,
    unsolicited: bool,
    replies: bool,
    source: Option<Ipv4Addr>,
    dup: bool,
    target: String,
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        interval: 1,
        ..Opts::default()
    };
    let mut it = args[1..].iter();
    let mut targets = Vec::new();
    let number = |v: Option<&String>| v.and_then(|v| v.parse::<u64>().ok());
    while let Some(a) = it.next() {
        match a.as_str() {
            "-c" => o.count = Some(number(it.next()).ok_or(USAGE)?),
            "-i" | "-I" => o.iface = Some(it.next().ok_or(USAGE)?.clone()),
            "-w" => o.deadline = Some(number(it.next()).ok_or(USAGE)?),
            "-W" => o.interval = number(it.next()).ok_or(USAGE)?.max(1),
            "-S" => o.source = Some(it.next().and_then(|s| s.parse().ok()).ok_or(USAGE)?),
            "-q" => o.quiet = true,
            "-U" => o.unsolicited = true,
            "-P" => o.replies = true,
            "-0" => o.source = Some(Ipv4Addr::UNSPECIFIED),
            "-b" => o.source = Some(Ipv4Addr::BROADCAST),
            "-d" => o.dup = true,
            "-A" | "-F" | "-p" | "-r" | "-R" | "-u" | "-v" | "-z" | "-Z" => {}
            "-h" | "--help" => return Err(USAGE.into()),
            s if s.starts_with('-') => return Err(USAGE.into()),
            _ => targets.push(a.clone()),
        }
    }
    o.target = targets.pop().ok_or(USAGE)?;
    Ok(o)
}

pub fn spawn(args: &[String]) -> Box<dyn Program> {
    Box::new(Habets {
        args: args.to_vec(),
        run: None,
    })
}

struct Habets {
    args: Vec<String>,
    run: Option<Run>,
}

struct Run {
    o: Opts,
    sock: SockId,
    ifindex: usize,
    me: Mac,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    /// When the current request left, and whether it was answered.
    last: Time,
    answered: bool,
    next: Time,
    deadline: Option<Time>,
    sent: u64,
    received: u64,
    rtts: Vec<f64>,
    macs: Vec<Mac>,
}

impl Program for Habets {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        if self.run.is_none() {
            match start(&self.args, sys) {
                Ok(run) => self.run = Some(run),
                Err((text, code)) => {
                    sys.eprint(&text);
                    return Poll::Exit(code);
                }
            }
        }
        match self.run.as_mut() {
            Some(run) => run.step(sys),
            None => Poll::Exit(1),
        }
    }

    fn interrupt(&mut self, sys: &mut Sys) -> i32 {
        self.run.as_mut().map_or(1, |r| r.finish(sys))
    }
}

fn start(args: &[String], sys: &mut Sys) -> Result<Run, (String, i32)> {
    let o = parse(args).map_err(|u| (u, 1))?;
    let dst = sys
        .k
        .resolve(&o.target)
        .ok_or_else(|| (format!("arping: Unable to resolve host: {}\n", o.target), 1))?;
    let name = match &o.iface {
        Some(n) => n.clone(),
        None => match route_output(sys.k, dst, None) {
            Ok(OutRoute::Remote { dev, .. }) => sys.k.dev_name(dev),
            _ => String::from("lo"),
        },
    };
    let Some(d) = sys.k.devs.iter().find(|d| d.name == name) else {
        return Err((
            format!("arping: libnet_init(LIBNET_LINK, {name}): libnet_check_iface() ioctl: No such device\n"),
            1,
        ));
    };
    let ifindex = d.ifindex;
    let src = match o.source {
        Some(s) => s,
        None => sys
            .k
            .devs
            .select_addr(ifindex, dst)
            .unwrap_or(Ipv4Addr::UNSPECIFIED),
    };
    let sock = sys.k.sockets.open(
        sys.pid,
        SockKind::Packet {
            dev: Some(ifindex),
            ethertype: None,
        },
    );
    if !o.quiet {
        sys.print(&format!("ARPING {dst}\n"));
    }
    let now = sys.now();
    let mut run = Run {
        sock,
        ifindex,
        me: sys.k.dev_mac(ifindex),
        src,
        dst,
        last: now,
        answered: false,
        next: now + o.interval * SEC,
        deadline: o.deadline.map(|w| now + w * SEC),
        sent: 0,
        received: 0,
        rtts: Vec::new(),
        macs: Vec::new(),
        o,
    };
    run.send(sys);
    Ok(run)
}

impl Run {
    fn step(&mut self, sys: &mut Sys) -> Poll {
        self.drain(sys);
        let now = sys.now();
        if self.deadline.is_some_and(|d| d <= now) {
            return Poll::Exit(self.finish(sys));
        }
        while self.next <= now {
            if !self.answered && !self.o.quiet {
                sys.print("Timeout\n");
            }
            if self.o.count.is_some_and(|c| self.sent >= c) {
                return Poll::Exit(self.finish(sys));
            }
            self.next = self.next + self.o.interval * SEC;
            self.send(sys);
        }
        Poll::Wait(Some(self.deadline.map_or(self.next, |d| d.min(self.next))))
    }

    /// A request from our MAC (target MAC zero, or broadcast with -U), or a reply with -P.
    fn send(&mut self, sys: &mut Sys) {
        let op = match self.o.replies {
            true => ArpOperation::Reply,
            false => ArpOperation::Request,
        };
        let tha = match self.o.unsolicited || self.o.replies {
            true => BROADCAST_MAC,
            false => [0; 6],
        };
        let frame = build_arp(op, self.me, self.me, self.src, BROADCAST_MAC, tha, self.dst);
        crate::why!(sys.ctx, "arping", "who-has {} tell {}", self.dst, self.src);
        dev::xmit(sys.k, sys.ctx, self.ifindex, frame);
        self.last = sys.now();
        self.answered = false;
        self.sent += 1;
    }

    /// Replies from the target to us: a line each.
    fn drain(&mut self, sys: &mut Sys) {
        while let Some(msg) = sys.k.sockets.recv(self.sock) {
            let Msg::Frame {
                at,
                outgoing: false,
                frame,
                ..
            } = msg
            else {
                continue;
            };
            let Some(a) = super::ArpFields::parse(&frame) else {
                continue;
            };
            let (spa, sha) = (a.spa, a.sha);
            if a.request || spa != self.dst || a.tpa != self.src || frame[..6] != self.me {
                continue;
            }
            let ns = at.0.saturating_sub(self.last.0);
            if !self.o.quiet {
                sys.print(&format!(
                    "{} bytes from {} ({spa}): index={} time={}\n",
                    frame.len(),
                    mac(&sha),
                    self.received,
                    ts2str(ns)
                ));
            }
            self.received += 1;
            self.answered = true;
            self.rtts.push(ns as f64 / 1e6);
            if !self.macs.contains(&sha) {
                self.macs.push(sha);
            }
        }
    }

    /// The statistics, and the status: 0 when someone answered (1 with -d and two MACs).
    fn finish(&mut self, sys: &mut Sys) -> i32 {
        self.drain(sys);
        if !self.o.quiet {
            let unanswered = match self.sent {
                0 => 0.0,
                s => 100.0 - 100.0 * self.received.min(s) as f64 / s as f64,
            };
            let extra = self.received.saturating_sub(self.sent);
            let mut text = format!(
                "--- {} statistics ---\n{} packets transmitted, {} packets received, {unanswered:3.0}% unanswered ({extra} extra)\n",
                self.dst, self.sent, self.received
            );
            if !self.rtts.is_empty() {
                let n = self.rtts.len() as f64;
                let (min, max) = self
                    .rtts
                    .iter()
                    .fold((f64::MAX, 0f64), |(lo, hi), r| (lo.min(*r), hi.max(*r)));
                let avg = self.rtts.iter().sum::<f64>() / n;
                let var = self.rtts.iter().map(|r| r * r).sum::<f64>() / n - avg * avg;
                text.push_str(&format!(
                    "rtt min/avg/max/std-dev = {min:.3}/{avg:.3}/{max:.3}/{:.3} ms\n",
                    var.max(0.0).sqrt()
                ));
            }
            sys.print(&text);
        }
        i32::from(self.received == 0 || (self.o.dup && self.macs.len() > 1))
    }
}

fn mac(m: &Mac) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// ts2str: the time in the largest unit that keeps it above 1 (nsec, usec, msec, sec).
fn ts2str(ns: u64) -> String {
    let mut f = ns as f64;
    let mut unit = 0;
    while f > 1000.0 && unit < 3 {
        f /= 1000.0;
        unit += 1;
    }
    format!("{f:.3} {}", ["nsec", "usec", "msec", "sec"][unit])
}

#[cfg(test)]
mod tests {
    use super::{parse, ts2str, USAGE};

    #[test]
    fn times_take_the_unit_that_fits() {
        assert_eq!(ts2str(10_416), "10.416 usec");
        assert_eq!(ts2str(2_500_000), "2.500 msec");
        assert_eq!(ts2str(800), "800.000 nsec");
    }

    #[test]
    fn no_target_is_the_short_usage() {
        let r = parse(&["arping".to_string()]);
        assert_eq!(r.err().as_deref(), Some(USAGE));
    }
}
