//! `tcpdump` (4.99, libpcap 1.10 on Linux): a packet socket on one device (promiscuous while
//! it runs) or on all (`-i any`, Linux cooked v2 headers), one line per frame decoded by
//! `trace::tcpdump`, or a classic pcap file with `-w`. A small filter expression is
//! understood (tcpdump_filter.rs). At the end, or on Ctrl-C, the statistics go to stderr.

use super::fmt::getopt;
use super::tcpdump_filter::{self as filter, Filter};
use crate::kernel::netdev::{fmt_mac, DevKind, BROADCAST_MAC};
use crate::kernel::process::{Poll, Program, Sys};
use crate::kernel::socket::{Msg, SockId, SockKind};
use crate::sim::time::US;
use crate::sim::Time;
use crate::trace::tcpdump::{one_liner, Opts as Decode};

const MAXIMUM_SNAPLEN: usize = 262_144;
/// DLT_EN10MB and DLT_LINUX_SLL2, the link types of a device and of `any`.
const LINKTYPE_ETHERNET: u32 = 1;
const LINKTYPE_LINUX_SLL2: u32 = 276;

struct Opts {
    device: Option<String>,
    count: Option<u64>,
    link: bool,
    numeric: bool,
    write: Option<String>,
    promisc: bool,
    verbose: bool,
    snaplen: usize,
    expression: Vec<String>,
}

/// A failed start: the text and the exit status. Status 0 is `-h`/`--version`, which
/// print to stdout; every other message goes to stderr.
type Fail = (String, i32);

/// The option letter getopt reports for `--version` (it has no short form).
const VERSION: char = '\u{1}';

struct Tcpdump {
    args: Vec<String>,
    run: Option<Run>,
}

pub fn spawn(args: &[String]) -> Box<dyn Program> {
    Box::new(Tcpdump {
        args: args.to_vec(),
        run: None,
    })
}

impl Program for Tcpdump {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        if self.run.is_none() {
            match Run::start(&self.args, sys) {
                Ok(run) => self.run = Some(run),
                Err((text, 0)) => {
                    sys.print(&text);
                    return Poll::Exit(0);
                }
                Err((text, code)) => {
                    sys.eprint(&text);
                    return Poll::Exit(code);
                }
            }
        }
        let Some(run) = self.run.as_mut() else {
            return Poll::Exit(1);
        };
        if run.drain(sys) {
            return Poll::Exit(run.end(sys, false));
        }
        Poll::Wait(None)
    }

    /// SIGINT: pcap_breakloop, a newline in case a line was half printed, the statistics.
    fn interrupt(&mut self, sys: &mut Sys) -> i32 {
        match self.run.as_mut() {
            Some(run) => {
                run.drain(sys);
                run.end(sys, true)
            }
            None => 130,
        }
    }
}

struct Run {
    o: Opts,
    sock: SockId,
    /// The device, or None for `any`.
    dev: Option<usize>,
    /// The device we made promiscuous, to undo at the end.
    promisc: Option<usize>,
    filter: Option<Filter>,
    captured: u64,
    /// What passed the filter, captured or not (libpcap's ps_recv).
    received: u64,
}

impl Run {
    fn start(args: &[String], sys: &mut Sys) -> Result<Run, Fail> {
        let o = parse(args)?;
        let dev = match o.device.as_deref() {
            Some("any") => None,
            Some(name) => Some(named_device(sys, name)?),
            None => Some(default_device(sys)?),
        };
        let filter = if o.expression.is_empty() {
            None
        } else {
            let resolve = |name: &str| sys.k.resolve(name);
            let f = filter::parse(&o.expression, &resolve)
                .map_err(|e| (format!("tcpdump: {e}\n"), 1))?;
            Some(f)
        };
        let link = if dev.is_some() {
            LINKTYPE_ETHERNET
        } else {
            LINKTYPE_LINUX_SLL2
        };
        if let Some(path) = &o.write {
            sys.k
                .write_file(path, &pcap_header(o.snaplen, link), false)
                .map_err(|e| (format!("tcpdump: {path}: {}\n", e.message()), 1))?;
        }
        let sock = sys.k.sockets.open(
            sys.pid,
            SockKind::Packet {
                dev,
                ethertype: None,
            },
        );
        // libpcap cannot put `any` in promiscuous mode; -p asks for none.
        let promisc = dev.filter(|_| o.promisc);
        if let Some(d) = promisc.and_then(|i| sys.k.devs.get_mut(i)) {
            d.promisc += 1;
        }
        sys.eprint(&listening(sys, &o, dev));
        Ok(Run {
            o,
            sock,
            dev,
            promisc,
            filter,
            captured: 0,
            received: 0,
        })
    }

    /// Handles every queued frame; true once -c frames have been captured.
    fn drain(&mut self, sys: &mut Sys) -> bool {
        while let Some(msg) = sys.k.sockets.recv(self.sock) {
            let Msg::Frame {
                at,
                dev,
                outgoing,
                frame,
            } = msg
            else {
                continue;
            };
            let kind = pkttype(sys, dev, outgoing, &frame);
            // Frames for other hosts reach us only while the device is promiscuous.
            let promisc = sys.k.devs.get(dev).is_some_and(|d| d.promisc > 0);
            if kind == PktType::OtherHost && !promisc {
                continue;
            }
            if self.filter.as_ref().is_some_and(|f| !f.matches(&frame)) {
                continue;
            }
            self.received += 1;
            if self.o.count.is_some_and(|c| self.captured >= c) {
                continue;
            }
            self.captured += 1;
            self.output(sys, at, dev, kind, &frame);
        }
        self.o.count.is_some_and(|c| self.captured >= c)
    }

    fn output(&mut self, sys: &mut Sys, at: Time, dev: usize, kind: PktType, frame: &[u8]) {
        if let Some(path) = &self.o.write {
            let data = match self.dev {
                Some(_) => frame.to_vec(),
                None => sll2(sys, dev, kind, frame),
            };
            let record = pcap_record(at, &data, self.o.snaplen);
            // tcpdump stops on a write error; the file was writable at the start.
            let _ = sys.write_file(path, &record, true);
            return;
        }
        let decode = Decode {
            link: self.o.link,
            numeric: self.o.numeric,
        };
        let line = match self.dev {
            Some(_) => one_liner(frame, decode),
            None => cooked_line(sys, dev, kind, frame, self.o.link),
        };
        sys.print(&format!("{} {line}\n", at.clock()));
    }

    /// The end of the capture: promiscuous mode off, the statistics (info(1)), status 0.
    fn end(&mut self, sys: &mut Sys, interrupted: bool) -> i32 {
        if let Some(d) = self.promisc.take().and_then(|i| sys.k.devs.get_mut(i)) {
            d.promisc = d.promisc.saturating_sub(1);
        }
        if interrupted && self.o.write.is_none() {
            sys.print("\n");
        }
        let s = |n: u64| if n == 1 { "" } else { "s" };
        let (c, r) = (self.captured, self.received);
        sys.eprint(&format!(
            "{c} packet{} captured\n{r} packet{} received by filter\n0 packets dropped by kernel\n",
            s(c),
            s(r)
        ));
        0
    }
}

/// The stderr line(s) tcpdump prints once the capture is open.
fn listening(sys: &Sys, o: &Opts, dev: Option<usize>) -> String {
    let quiet = !o.verbose && o.write.is_none();
    let mut text = if quiet {
        "tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\n".to_string()
    } else {
        "tcpdump: ".to_string()
    };
    let (name, link) = match dev {
        Some(i) => (sys.k.dev_name(i), "EN10MB (Ethernet)"),
        None => ("any".to_string(), "LINUX_SLL2 (Linux cooked v2)"),
    };
    text.push_str(&format!(
        "listening on {name}, link-type {link}, snapshot length {} bytes\n",
        o.snaplen
    ));
    text
}

/// skb->pkt_type as a packet socket reports it.
#[derive(Clone, Copy, PartialEq)]
enum PktType {
    Host,
    Broadcast,
    Multicast,
    OtherHost,
    Outgoing,
}

impl PktType {
    /// The direction word of a cooked line and the SLL packet type number.
    fn word(self) -> (&'static str, u8) {
        match self {
            PktType::Host => ("In", 0),
            PktType::Broadcast => ("B", 1),
            PktType::Multicast => ("M", 2),
            PktType::OtherHost => ("P", 3),
            PktType::Outgoing => ("Out", 4),
        }
    }
}

fn pkttype(sys: &Sys, dev: usize, outgoing: bool, frame: &[u8]) -> PktType {
    let dst = frame.get(..6).unwrap_or(&[]);
    if outgoing {
        PktType::Outgoing
    } else if dst == sys.k.dev_mac(dev) {
        PktType::Host
    } else if dst == BROADCAST_MAC {
        PktType::Broadcast
    } else if dst.first().is_some_and(|b| b & 1 == 1) {
        PktType::Multicast
    } else {
        PktType::OtherHost
    }
}

/// sll2_if_print: `eth0  In  ` then the packet; with -e the cooked header's fields.
fn cooked_line(sys: &Sys, dev: usize, kind: PktType, frame: &[u8], link: bool) -> String {
    let head = format!("{:<5} {:<3} ", sys.k.dev_name(dev), kind.word().0);
    if !link || frame.len() < 14 {
        let decode = Decode {
            link: false,
            numeric: true,
        };
        return head + &one_liner(frame, decode);
    }
    let ty = u16::from_be_bytes([frame[12], frame[13]]);
    let name = match ty {
        0x0800 => "IPv4",
        0x0806 => "ARP",
        0x86dd => "IPv6",
        0x8100 => "802.1Q",
        _ => "Unknown",
    };
    let mut src = [0u8; 6];
    src.copy_from_slice(&frame[6..12]);
    // The Ethernet decoder's body after its own `… length N: ` link header.
    let full = one_liner(
        frame,
        Decode {
            link: true,
            numeric: true,
        },
    );
    let body = full.split_once(": ").map_or(full.as_str(), |(_, b)| b);
    format!(
        "{head}ifindex {dev} {} ethertype {name} (0x{ty:04x}), length {}: {body}",
        fmt_mac(&src),
        frame.len() - 14 + 20
    )
}

/// A Linux cooked v2 header (20 bytes) in front of the frame's payload, for `-i any -w`.
fn sll2(sys: &Sys, dev: usize, kind: PktType, frame: &[u8]) -> Vec<u8> {
    let mut d = Vec::with_capacity(frame.len() + 6);
    d.extend_from_slice(frame.get(12..14).unwrap_or(&[0, 0]));
    d.extend_from_slice(&[0, 0]);
    d.extend_from_slice(&(dev as u32).to_be_bytes());
    d.extend_from_slice(&1u16.to_be_bytes());
    d.push(kind.word().1);
    d.push(6);
    let src = if kind == PktType::Outgoing {
        sys.k.dev_mac(dev).to_vec()
    } else {
        frame.get(6..12).unwrap_or(&[0; 6]).to_vec()
    };
    d.extend_from_slice(&src);
    d.extend_from_slice(&[0, 0]);
    d.extend_from_slice(frame.get(14..).unwrap_or(&[]));
    d
}

/// The 24-byte header of a classic pcap file, microsecond timestamps.
fn pcap_header(snaplen: usize, linktype: u32) -> Vec<u8> {
    let mut h = Vec::with_capacity(24);
    h.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    h.extend_from_slice(&2u16.to_le_bytes());
    h.extend_from_slice(&4u16.to_le_bytes());
    h.extend_from_slice(&[0; 8]);
    h.extend_from_slice(&(snaplen as u32).to_le_bytes());
    h.extend_from_slice(&linktype.to_le_bytes());
    h
}

/// One pcap record: seconds, microseconds, captured and original length, the bytes.
fn pcap_record(at: Time, data: &[u8], snaplen: usize) -> Vec<u8> {
    let us = at.nanos() / US;
    let cap = data.len().min(snaplen);
    let mut r = Vec::with_capacity(16 + cap);
    r.extend_from_slice(&((us / 1_000_000) as u32).to_le_bytes());
    r.extend_from_slice(&((us % 1_000_000) as u32).to_le_bytes());
    r.extend_from_slice(&(cap as u32).to_le_bytes());
    r.extend_from_slice(&(data.len() as u32).to_le_bytes());
    r.extend_from_slice(&data[..cap]);
    r
}

fn named_device(sys: &Sys, name: &str) -> Result<usize, Fail> {
    let Some(d) = sys.k.devs.iter().find(|d| d.name == name) else {
        let text =
            format!("tcpdump: {name}: No such device exists\n(SIOCGIFHWADDR: No such device)\n");
        return Err((text, 1));
    };
    if !d.up {
        return Err((format!("tcpdump: {name}: That device is not up\n"), 1));
    }
    Ok(d.ifindex)
}

/// pcap_findalldevs' first entry: running before not running, up before down, loopback
/// last; ties in interface order.
fn default_device(sys: &Sys) -> Result<usize, Fail> {
    sys.k
        .devs
        .iter()
        .min_by_key(|d| (!d.is_running(), !d.up, d.kind == DevKind::Loopback))
        .filter(|d| d.up)
        .map(|d| d.ifindex)
        .ok_or_else(|| ("tcpdump: no suitable device found\n".to_string(), 1))
}

fn parse(args: &[String]) -> Result<Opts, Fail> {
    let long = [("count", 'c'), ("help", 'h'), ("version", VERSION)];
    let p = getopt("tcpdump", args, "c:ehi:lnpqs:vw:", &long)
        .map_err(|e| (format!("{e}\n{USAGE}"), 1))?;
    let mut o = Opts {
        device: None,
        count: None,
        link: false,
        numeric: false,
        write: None,
        promisc: true,
        verbose: false,
        snaplen: MAXIMUM_SNAPLEN,
        expression: p.operands,
    };
    for (c, value) in p.opts {
        let v = value.unwrap_or_default();
        match c {
            'c' => o.count = Some(count(&v)?),
            'e' => o.link = true,
            'i' => o.device = Some(v),
            'n' => o.numeric = true,
            'p' => o.promisc = false,
            'v' => o.verbose = true,
            'w' => o.write = Some(v),
            's' => o.snaplen = snaplen(&v)?,
            'h' => return Err((USAGE.into(), 0)),
            VERSION => return Err((USAGE.lines().take(2).map(|l| format!("{l}\n")).collect(), 0)),
            // -l (line buffering) changes nothing here; -q is accepted, see the report.
            _ => {}
        }
    }
    Ok(o)
}

/// `cnt = atoi(optarg)`, which must be positive: leading digits, after an optional `+`.
fn count(text: &str) -> Result<u64, Fail> {
    let t = text.trim_start();
    let digits: String = t
        .strip_prefix('+')
        .unwrap_or(t)
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    match digits.parse::<u64>() {
        Ok(n) if n > 0 && n <= i32::MAX as u64 => Ok(n),
        _ => Err((format!("tcpdump: invalid packet count {text}\n"), 1)),
    }
}

fn snaplen(text: &str) -> Result<usize, Fail> {
    match text.parse::<usize>() {
        Ok(0) => Ok(MAXIMUM_SNAPLEN),
        Ok(n) if n <= MAXIMUM_SNAPLEN => Ok(n),
        _ => Err((format!("tcpdump: invalid snaplen {text}\n"), 1)),
    }
}

const USAGE: &str = "tcpdump version 4.99.3
libpcap version 1.10.3 (with TPACKET_V3)
Usage: tcpdump [-AbdDefhHIJKlLnNOpqStuUvxX#] [ -B size ] [ -c count ] [--count]
\t\t[ -C file_size ] [ -E algo:secret ] [ -F file ] [ -G seconds ]
\t\t[ -i interface ] [ --immediate-mode ] [ -j tstamptype ]
\t\t[ -M secret ] [ --number ] [ --print ] [ -Q in|out|inout ]
\t\t[ -r file ] [ -s snaplen ] [ -T type ] [ --version ]
\t\t[ -V file ] [ -w file ] [ -W filecount ] [ -y datalinktype ]
\t\t[ --time-stamp-precision precision ] [ --micro ] [ --nano ]
\t\t[ -z postrotate-command ] [ -Z user ] [ expression ]
";

#[cfg(test)]
#[path = "tcpdump_tests.rs"]
mod tests;
