//! conntrack's command line (conntrack.c's getopt_long table and its checks, 1.4.7): one
//! command, then filters; messages as conntrack prints them, status 2 for misuse.

use super::{tuple_filter, PREFIX};
use crate::kernel::netfilter::nf_conntrack::Conn;
use std::net::Ipv4Addr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    List,
    Delete,
    Flush,
    Count,
    Stats,
    Events,
    Help,
    Version,
}

pub struct Opts {
    pub cmd: Cmd,
    pub proto: Option<u8>,
    pub src: Option<Ipv4Addr>,
    pub dst: Option<Ipv4Addr>,
    pub reply_src: Option<Ipv4Addr>,
    pub reply_dst: Option<Ipv4Addr>,
    pub sport: Option<u16>,
    pub dport: Option<u16>,
    pub icmp_id: Option<u16>,
    pub src_nat: bool,
    pub dst_nat: bool,
    pub extended: bool,
    /// `-e NEW,DESTROY`: which events -E prints (None: all).
    pub event_mask: Option<Vec<String>>,
}

impl Opts {
    pub fn selects(&self, c: &Conn) -> bool {
        tuple_filter(c, self)
    }

    /// `-E -e MASK`: the event's tag is one of those asked for.
    pub fn event_wanted(&self, line: &str) -> bool {
        let Some(mask) = &self.event_mask else {
            return true;
        };
        let tag = line.trim_start();
        mask.iter().any(|m| tag.starts_with(&format!("[{m}]")))
    }
}

type Fail = (String, i32);

fn fail(msg: &str) -> Fail {
    (
        format!("{PREFIX}{msg}\nTry `conntrack -h' or 'conntrack --help' for more information.\n"),
        2,
    )
}

fn addr(s: &str) -> Result<Ipv4Addr, Fail> {
    s.parse()
        .map_err(|_| fail(&format!("Invalid IP address `{s}'")))
}

fn proto(s: &str) -> Result<u8, Fail> {
    match s.to_ascii_lowercase().as_str() {
        "tcp" | "6" => Ok(6),
        "udp" | "17" => Ok(17),
        "icmp" | "1" => Ok(1),
        _ => Err(fail(&format!("`{s}' unsupported protocol"))),
    }
}

fn port(s: &str) -> Result<u16, Fail> {
    s.parse().map_err(|_| fail(&format!("invalid port `{s}'")))
}

/// Long option names and the short letter they stand for.
const LONG: &[(&str, char)] = &[
    ("dump", 'L'),
    ("delete", 'D'),
    ("flush", 'F'),
    ("count", 'C'),
    ("stats", 'S'),
    ("event", 'E'),
    ("help", 'h'),
    ("version", 'V'),
    ("src", 's'),
    ("orig-src", 's'),
    ("dst", 'd'),
    ("orig-dst", 'd'),
    ("reply-src", 'r'),
    ("reply-dst", 'q'),
    ("protonum", 'p'),
    ("proto", 'p'),
    ("output", 'o'),
    ("event-mask", 'e'),
    ("src-nat", 'n'),
    ("dst-nat", 'g'),
];

pub fn parse(args: &[String]) -> Result<Opts, Fail> {
    let mut o = Opts {
        cmd: Cmd::Help,
        proto: None,
        src: None,
        dst: None,
        reply_src: None,
        reply_dst: None,
        sport: None,
        dport: None,
        icmp_id: None,
        src_nat: false,
        dst_nat: false,
        extended: false,
        event_mask: None,
    };
    let mut cmd = None;
    let mut i = 1;
    let value = |i: &mut usize, name: &str| -> Result<String, Fail> {
        *i += 1;
        args.get(*i)
            .cloned()
            .ok_or_else(|| fail(&format!("option `{name}' requires an argument")))
    };
    while i < args.len() {
        let word = args[i].as_str();
        let letter = match word.strip_prefix("--") {
            Some(long) => match LONG.iter().find(|(n, _)| *n == long) {
                Some((_, c)) => *c,
                None => match (long, o.proto) {
                    ("sport" | "orig-port-src", Some(6 | 17)) => 'P',
                    ("dport" | "orig-port-dst", Some(6 | 17)) => 'Q',
                    ("icmp-id", Some(1)) => 'I',
                    _ => return Err(fail(&format!("unknown option `{word}'"))),
                },
            },
            None => match word.strip_prefix('-').and_then(|s| s.chars().next()) {
                Some(c) if word.len() == 2 => c,
                _ => return Err(fail(&format!("unknown option `{word}'"))),
            },
        };
        match letter {
            'L' | 'D' | 'F' | 'C' | 'S' | 'E' | 'h' | 'V' => {
                let c = match letter {
                    'L' => Cmd::List,
                    'D' => Cmd::Delete,
                    'F' => Cmd::Flush,
                    'C' => Cmd::Count,
                    'S' => Cmd::Stats,
                    'E' => Cmd::Events,
                    'V' => Cmd::Version,
                    _ => Cmd::Help,
                };
                if cmd.is_some() {
                    return Err(fail("Invalid parameters"));
                }
                cmd = Some(c);
                // An optional table name: only `conntrack` is simulated.
                if args.get(i + 1).is_some_and(|t| t == "conntrack") {
                    i += 1;
                }
            }
            's' => o.src = Some(addr(&value(&mut i, word)?)?),
            'd' => o.dst = Some(addr(&value(&mut i, word)?)?),
            'r' => o.reply_src = Some(addr(&value(&mut i, word)?)?),
            'q' => o.reply_dst = Some(addr(&value(&mut i, word)?)?),
            'p' => o.proto = Some(proto(&value(&mut i, word)?)?),
            'P' => o.sport = Some(port(&value(&mut i, word)?)?),
            'Q' => o.dport = Some(port(&value(&mut i, word)?)?),
            'I' => o.icmp_id = Some(port(&value(&mut i, word)?)?),
            'n' => o.src_nat = true,
            'g' => o.dst_nat = true,
            'o' => {
                let v = value(&mut i, word)?;
                o.extended = v.split(',').any(|f| f == "extended");
            }
            'e' => {
                let v = value(&mut i, word)?;
                o.event_mask = Some(v.split(',').map(str::to_uppercase).collect());
            }
            _ => return Err(fail(&format!("unknown option `{word}'"))),
        }
        i += 1;
    }
    o.cmd = cmd.unwrap_or(Cmd::Help);
    let filters = o.proto.is_some() || o.src.is_some() || o.dst.is_some();
    if matches!(o.cmd, Cmd::Count | Cmd::Flush) && filters {
        let which = if o.proto.is_some() {
            "--protonum"
        } else if o.src.is_some() {
            "--orig-src"
        } else {
            "--orig-dst"
        };
        return Err(fail(&format!("Illegal option `{which}' with this command")));
    }
    Ok(o)
}

/// `conntrack` with no command, or `-h`.
pub const HELP: &str = "Command line interface for the connection tracking system. Version 1.4.7
Usage: conntrack [commands] [options]

Commands:
  -L [table] [options]\t\tList conntrack or expectation table
  -G [table] parameters\t\tGet conntrack or expectation
  -D [table] parameters\t\tDelete conntrack or expectation
  -I [table] parameters\t\tCreate a conntrack or expectation
  -U [table] parameters\t\tUpdate a conntrack
  -E [table] [options]\t\tShow events
  -F [table]\t\t\tFlush table
  -C [table]\t\t\tShow counter
  -S\t\t\t\tShow statistics

Tables: conntrack, expect, dying, unconfirmed

Conntrack parameters and options:
  -n, --src-nat ip\t\t\tsource NAT ip
  -g, --dst-nat ip\t\t\tdestination NAT ip
  -j, --any-nat ip\t\t\tsource or destination NAT ip
  -m, --mark mark\t\t\tSet mark
  -c, --secmark secmark\t\t\tSet selinux secmark
  -e, --event-mask eventmask\t\tEvent mask, eg. NEW,DESTROY
  -z, --zero \t\t\t\tZero counters while listing
  -o, --output type[,...]\t\tOutput format, eg. xml
  -l, --label label[,...]\t\tconntrack labels

Expectation parameters and options:
  --tuple-src ip\tSource address in expect tuple
  --tuple-dst ip\tDestination address in expect tuple

Updating parameters and options:
  --label-add label\tAdd label
  --label-del label\tDelete label

Common parameters and options:
  -s, --src, --orig-src ip\t\tSource address from original direction
  -d, --dst, --orig-dst ip\t\tDestination address from original direction
  -r, --reply-src ip\t\tSource addres from reply direction
  -q, --reply-dst ip\t\tDestination address from reply direction
  -p, --protonum proto\t\tLayer 4 Protocol, eg. 'tcp'
  -f, --family proto\t\tLayer 3 Protocol, eg. 'ipv6'
  -t, --timeout timeout\t\tSet timeout
  -u, --status status\t\tSet status, eg. ASSURED
  -w, --zone value\t\tSet conntrack zone
  --orig-zone value\t\tSet zone for original direction
  --reply-zone value\t\tSet zone for reply direction
  -b, --buffer-size\t\tNetlink socket buffer size
  --mask-src ip\t\t\tSource mask address
  --mask-dst ip\t\t\tDestination mask address

";
