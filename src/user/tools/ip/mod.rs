//! `ip` (iproute2 6.1): `address`, `link`, `route` and `neighbour`, shown and changed with
//! the kernel's netlink answers (its extack messages, `RTNETLINK answers: …`) and iproute2's
//! own messages and exit statuses (1 for iproute2's errors, 2 for the kernel's, 255 for
//! bad arguments).

use super::fmt::{self, matches, Errno};
use crate::kernel::netdev::{mask_to_prefix, parse_mac};
use crate::kernel::process::Sys;
use std::net::Ipv4Addr;

mod address;
mod link;
mod neigh;
mod route;
mod route_local;

/// An exit status, after the message has been printed.
type Res<T> = Result<T, i32>;

/// ip's global options (preferred_family, brief).
#[derive(Clone, Copy, Default)]
struct Ctl {
    family: Family,
    brief: bool,
}

#[derive(Clone, Copy, Default, PartialEq)]
enum Family {
    #[default]
    Any,
    Inet,
    Inet6,
    Link,
}

/// ip's object table, in its order (an abbreviation takes the first match).
#[rustfmt::skip]
const OBJECTS: &[&str] = &[
    "address", "addrlabel", "maddress", "route", "rule", "neighbor", "neighbour", "ntable",
    "ntbl", "link", "l2tp", "fou", "ila", "macsec", "tunnel", "tunl", "tuntap", "tap", "token",
    "tcpmetrics", "tcp_metrics", "monitor", "xfrm", "mroute", "mrule", "netns", "netconf", "vrf",
    "sr", "nexthop", "mptcp", "ioam", "help", "stats",
];

const USAGE: &str = "Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n       \
    ip [ -force ] -batch filename\n\
    where  OBJECT := { address | addrlabel | amt | fou | help | ila | ioam | l2tp |\n                   \
    link | macsec | maddress | monitor | mptcp | mroute | mrule |\n                   \
    neighbor | neighbour | netconf | netns | nexthop | ntable |\n                   \
    ntbl | route | rule | sr | tap | tcpmetrics |\n                   \
    token | tunnel | tuntap | vrf | xfrm }\n       \
    OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |\n                    \
    -h[uman-readable] | -iec | -j[son] | -p[retty] |\n                    \
    -f[amily] { inet | inet6 | mpls | bridge | link } |\n                    \
    -4 | -6 | -M | -B | -0 |\n                    \
    -l[oops] { maximum-addr-flush-attempts } | -br[ief] |\n                    \
    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |\n                    \
    -rc[vbuf] [size] | -n[etns] name | -N[umeric] | -a[ll] |\n                    \
    -c[olor]}\n";

pub fn main(sys: &mut Sys, args: &[String]) -> i32 {
    match run(sys, args) {
        Ok(()) => 0,
        Err(status) => status,
    }
}

fn run(sys: &mut Sys, args: &[String]) -> Res<()> {
    let mut c = Ctl::default();
    let mut i = 1;
    while let Some(arg) = args.get(i).filter(|a| a.len() > 1 && a.starts_with('-')) {
        let opt = arg
            .strip_prefix('-')
            .filter(|o| o.starts_with('-'))
            .unwrap_or(arg);
        match opt {
            "--" => {
                i += 1;
                break;
            }
            "-4" => c.family = Family::Inet,
            "-6" => c.family = Family::Inet6,
            "-0" => c.family = Family::Link,
            o if matches(o, "-family") => {
                i += 1;
                c.family = match args.get(i).map(String::as_str) {
                    Some("inet") => Family::Inet,
                    Some("inet6") => Family::Inet6,
                    Some("link") => Family::Link,
                    Some(f) => return Err(invarg(sys, "invalid protocol family", f)),
                    None => return Err(err(sys, USAGE, 255)),
                }
            }
            o if matches(o, "-Version") => {
                sys.print("ip utility, iproute2-6.1.0, libbpf 1.1.0\n");
                return Ok(());
            }
            // Options that change nothing the simulator prints (no statistics, no names).
            o if matches(o, "-human") || matches(o, "-iec") || matches(o, "-Numeric") => {}
            o if o.len() > 2 && matches(o, "-brief") => c.brief = true,
            o if matches(o, "-help") => return Err(err(sys, USAGE, 255)),
            _ => {
                let msg = format!("Option \"{arg}\" is unknown, try \"ip -help\".\n");
                return Err(err(sys, &msg, 255));
            }
        }
        i += 1;
    }
    let Some(object) = args.get(i) else {
        return Err(err(sys, USAGE, 255));
    };
    let rest = &args[i + 1..];
    match OBJECTS.iter().find(|o| matches(object, o)).copied() {
        Some("address") => address::addr(sys, c, rest),
        Some("route") => route::route(sys, c, rest),
        Some("neighbor") | Some("neighbour") => neigh::neigh(sys, c, rest),
        Some("link") => link::link(sys, c, rest),
        Some("help") => Err(err(sys, USAGE, 255)),
        _ => {
            let msg = format!("Object \"{object}\" is unknown, try \"ip help\".\n");
            Err(err(sys, &msg, 1))
        }
    }
}

fn err(sys: &mut Sys, msg: &str, status: i32) -> i32 {
    sys.eprint(msg);
    status
}

fn invarg(sys: &mut Sys, msg: &str, arg: &str) -> i32 {
    err(
        sys,
        &format!("Error: argument \"{arg}\" is wrong: {msg}\n"),
        255,
    )
}

fn nodev(sys: &mut Sys, dev: &str) -> i32 {
    err(sys, &format!("Cannot find device \"{dev}\"\n"), 1)
}

/// A netlink error without an extack message.
fn rtnl(sys: &mut Sys, e: Errno) -> i32 {
    err(sys, &format!("RTNETLINK answers: {}\n", e.text()), 2)
}

/// A netlink error with the kernel's extack message.
fn extack(sys: &mut Sys, msg: &str) -> i32 {
    err(sys, &format!("Error: {msg}.\n"), 2)
}

fn unknown_command(sys: &mut Sys, cmd: &str, object: &str) -> i32 {
    let msg = format!("Command \"{cmd}\" is unknown, try \"ip {object} help\".\n");
    err(sys, &msg, 255)
}

/// NEXT_ARG: the value after a keyword.
fn value<'a>(sys: &mut Sys, args: &'a [String], i: usize) -> Res<&'a str> {
    args.get(i).map(String::as_str).ok_or_else(|| {
        err(
            sys,
            "Command line is not complete. Try option \"help\"\n",
            255,
        )
    })
}

/// if_nametoindex: SIOCGIFINDEX, which loads a device's driver on first use (tunl0).
fn device(sys: &mut Sys, name: &str) -> Res<usize> {
    crate::kernel::ipip::dev_load(sys.k, name).ok_or_else(|| nodev(sys, name))
}

/// get_addr_ipv4: up to four numbers (decimal, octal or hex); missing ones are zero.
fn parse_v4(text: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let mut octets = [0u8; 4];
    for (o, p) in octets.iter_mut().zip(&parts) {
        let n = fmt::inet_aton(p).map(u32::from).filter(|n| *n <= 255)?;
        *o = n as u8;
    }
    Some(Ipv4Addr::from(octets))
}

fn family_name(c: Ctl) -> &'static str {
    match c.family {
        Family::Any => "any valid",
        Family::Inet => "inet",
        Family::Inet6 => "inet6",
        Family::Link => "link",
    }
}

/// get_prefix: `A[/N]`, N a length or a dotted mask; `default`, `all`, `any` are 0/0.
/// Returns the address, the length, and whether a length was given.
fn get_prefix(sys: &mut Sys, c: Ctl, text: &str) -> Res<(Ipv4Addr, u8, bool)> {
    if matches!(text, "default" | "all" | "any") {
        return Ok((Ipv4Addr::UNSPECIFIED, 0, true));
    }
    let (a, len) = match text.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (text, None),
    };
    let len = len.map(|l| {
        l.parse::<u8>()
            .ok()
            .or_else(|| parse_v4(l).and_then(mask_to_prefix))
            .filter(|n| *n <= 32)
    });
    match (parse_v4(a), len) {
        (Some(ip), None) if matches!(c.family, Family::Any | Family::Inet) => Ok((ip, 32, false)),
        (Some(ip), Some(Some(n))) if matches!(c.family, Family::Any | Family::Inet) => {
            Ok((ip, n, true))
        }
        _ => {
            let msg = format!(
                "Error: {} prefix is expected rather than \"{text}\".\n",
                family_name(c)
            );
            Err(err(sys, &msg, 1))
        }
    }
}

fn get_addr(sys: &mut Sys, c: Ctl, text: &str) -> Res<Ipv4Addr> {
    match parse_v4(text).filter(|_| matches!(c.family, Family::Any | Family::Inet)) {
        Some(ip) => Ok(ip),
        None => {
            let msg = format!(
                "Error: {} address is expected rather than \"{text}\".\n",
                family_name(c)
            );
            Err(err(sys, &msg, 1))
        }
    }
}

fn lladdr(sys: &mut Sys, text: &str) -> Res<[u8; 6]> {
    parse_mac(text).ok_or_else(|| err(sys, &format!("\"{text}\" is invalid lladdr.\n"), 1))
}

#[cfg(test)]
mod tests;
