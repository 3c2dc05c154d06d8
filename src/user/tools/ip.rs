//! `ip` (iproute2 6.1): `address`, `link`, `route` and `neighbour`, shown and changed with
//! the kernel's netlink answers (its extack messages, `RTNETLINK answers: …`) and iproute2's
//! own messages and exit statuses (1 for iproute2's errors, 2 for the kernel's, 255 for
//! bad arguments).

use super::fmt::{self, matches, Errno};
use crate::kernel::arp::Nud;
use crate::kernel::fib::{FibError, FibResult, Proto, Route, RouteType};
use crate::kernel::netdev::{
    fmt_mac, mask_to_prefix, network_of, parse_mac, DevKind, IfAddr, NetDev, IFF_UP,
};
use crate::kernel::process::Sys;
use crate::kernel::Kernel;
use std::net::Ipv4Addr;

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
        Some("address") => addr(sys, c, rest),
        Some("route") => route(sys, c, rest),
        Some("neighbor") | Some("neighbour") => neigh(sys, c, rest),
        Some("link") => link(sys, c, rest),
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

fn device(sys: &mut Sys, name: &str) -> Res<usize> {
    let found = sys
        .k
        .devs
        .iter()
        .find(|d| d.name == name)
        .map(|d| d.ifindex);
    found.ok_or_else(|| nodev(sys, name))
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

// ---------------------------------------------------------------------------------------
// ip link / ip address: showing

/// `<BROADCAST,MULTICAST,UP,LOWER_UP>` as print_link_flags orders them.
fn link_flags(dev: &NetDev) -> String {
    let f = dev.flags();
    let mut names = Vec::new();
    if dev.up && !dev.is_running() {
        names.push("NO-CARRIER");
    }
    let order: [(u32, &str); 12] = [
        (0x8, "LOOPBACK"),
        (0x2, "BROADCAST"),
        (0x10, "POINTOPOINT"),
        (0x1000, "MULTICAST"),
        (0x80, "NOARP"),
        (0x200, "ALLMULTI"),
        (0x100, "PROMISC"),
        (0x400, "MASTER"),
        (0x800, "SLAVE"),
        (0x4, "DEBUG"),
        (0x20, "NOTRAILERS"),
        (IFF_UP, "UP"),
    ];
    names.extend(order.iter().filter(|(b, _)| f & b != 0).map(|(_, n)| *n));
    if dev.is_running() {
        names.push("LOWER_UP");
    }
    names.join(",")
}

/// The operational state: loopback reports UNKNOWN when up; Ethernet is UP with a carrier.
fn operstate(dev: &NetDev) -> &'static str {
    match (dev.kind, dev.up, dev.is_running()) {
        (DevKind::Loopback, true, _) => "UNKNOWN",
        (_, _, true) => "UP",
        _ => "DOWN",
    }
}

fn link_lines(dev: &NetDev, mode: bool) -> String {
    let qdisc = match dev.kind {
        DevKind::Loopback => "noqueue",
        DevKind::Ether => "pfifo_fast",
    };
    let mut s = format!(
        "{}: {}: <{}> mtu {} qdisc {qdisc} state {} {}group default qlen 1000\n",
        dev.ifindex,
        dev.name,
        link_flags(dev),
        dev.mtu,
        operstate(dev),
        if mode { "mode DEFAULT " } else { "" }
    );
    s += &match dev.kind {
        DevKind::Loopback => "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n".into(),
        DevKind::Ether => format!(
            "    link/ether {} brd ff:ff:ff:ff:ff:ff\n",
            fmt_mac(&dev.mac)
        ),
    };
    s
}

/// The kernel's own IPv6 address on a device (::1 on lo, link-local once running).
fn inet6(dev: &NetDev) -> Option<(String, &'static str)> {
    match dev.kind {
        DevKind::Loopback if dev.up => Some(("::1/128".into(), "host")),
        DevKind::Ether if dev.is_running() => {
            Some((format!("{}/64", fmt::link_local(&dev.mac)), "link"))
        }
        _ => None,
    }
}

const LFT: &str = "       valid_lft forever preferred_lft forever\n";

fn addr_lines(dev: &NetDev, c: Ctl) -> String {
    let mut s = String::new();
    if c.family != Family::Inet6 {
        for (i, a) in dev.addrs.iter().enumerate() {
            s += &format!("    inet {}/{} ", a.addr, a.prefix);
            if let Some(b) = a.broadcast {
                s += &format!("brd {b} ");
            }
            let secondary = if dev.is_secondary(i) {
                "secondary "
            } else {
                ""
            };
            s += &format!(
                "scope {} {secondary}{}\n{LFT}",
                fmt::ifa_scope(a.addr),
                a.label
            );
        }
    }
    if c.family != Family::Inet {
        if let Some((a, scope)) = inet6(dev) {
            s += &format!("    inet6 {a} scope {scope} \n{LFT}");
        }
    }
    s
}

/// The addresses `ip -br addr` lists after the state, each followed by a space.
fn brief_addrs(dev: &NetDev, c: Ctl) -> String {
    let mut s = String::new();
    if c.family != Family::Inet6 {
        for a in &dev.addrs {
            s += &format!("{}/{} ", a.addr, a.prefix);
        }
    }
    if c.family != Family::Inet {
        if let Some((a, _)) = inet6(dev) {
            s += &format!("{a} ");
        }
    }
    s
}

/// `ip addr show` / `ip link show`: `[dev] NAME`, `up`.
fn list(sys: &mut Sys, c: Ctl, args: &[String], do_link: bool) -> Res<()> {
    let (mut dev, mut up_only, mut i) = (None::<String>, false, 0);
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "up" => up_only = true,
            "dev" => {
                i += 1;
                let d = value(sys, args, i)?;
                if dev.is_some() {
                    let msg = format!("Error: duplicate \"dev\": \"{d}\" is the second value.\n");
                    return Err(err(sys, &msg, 255));
                }
                dev = Some(d.to_string());
            }
            _ if dev.is_some() => {
                let msg = format!("Error: either \"dev\" is duplicate, or \"{a}\" is a garbage.\n");
                return Err(err(sys, &msg, 255));
            }
            _ => dev = Some(a.to_string()),
        }
        i += 1;
    }
    if let Some(d) = &dev {
        if sys.k.devs.iter().all(|x| x.name != *d) {
            return Err(err(sys, &format!("Device \"{d}\" does not exist.\n"), 1));
        }
    }
    let mut s = String::new();
    for d in sys.k.devs.iter() {
        if dev.as_ref().is_some_and(|n| *n != d.name) || (up_only && !d.up) {
            continue;
        }
        s += &show_dev(d, c, do_link);
    }
    sys.print(&s);
    Ok(())
}

fn show_dev(d: &NetDev, c: Ctl, do_link: bool) -> String {
    let has_v4 = !d.addrs.is_empty();
    let has_v6 = inet6(d).is_some();
    // With a family, a device without such an address is left out (ipaddr_filter).
    let wanted = match c.family {
        _ if do_link => true,
        Family::Inet => has_v4,
        Family::Inet6 => has_v6,
        _ => true,
    };
    if !wanted {
        return String::new();
    }
    if c.brief {
        let head = format!("{:<16} {:<14} ", d.name, operstate(d));
        return if do_link || c.family == Family::Link {
            format!("{head}{} <{}> \n", fmt_mac(&d.mac), link_flags(d))
        } else {
            format!("{head}{}\n", brief_addrs(d, c))
        };
    }
    let mut s = link_lines(d, do_link);
    if matches!(c.family, Family::Inet | Family::Inet6) {
        // The link/ether line is only printed when no family was asked for.
        s.truncate(s.find('\n').map_or(s.len(), |n| n + 1));
    }
    if !do_link && c.family != Family::Link {
        s += &addr_lines(d, c);
    }
    s
}

// ---------------------------------------------------------------------------------------
// ip address: changing

fn addr(sys: &mut Sys, c: Ctl, args: &[String]) -> Res<()> {
    let Some(cmd) = args.first().map(String::as_str) else {
        return list(sys, c, args, false);
    };
    let rest = &args[1..];
    match cmd {
        _ if matches(cmd, "add") => addr_add(sys, c, rest, false),
        _ if matches(cmd, "change") || cmd == "chg" || matches(cmd, "replace") => {
            addr_add(sys, c, rest, true)
        }
        _ if matches(cmd, "delete") => addr_del(sys, c, rest),
        _ if matches(cmd, "list") || matches(cmd, "show") || matches(cmd, "lst") => {
            list(sys, c, rest, false)
        }
        _ if matches(cmd, "flush") => addr_flush(sys, rest),
        _ if matches(cmd, "help") => Err(addr_usage(sys)),
        _ => Err(unknown_command(sys, cmd, "address")),
    }
}

fn addr_usage(sys: &mut Sys) -> i32 {
    let text = "Usage: ip address {add|change|replace} IFADDR dev IFNAME [ LIFETIME ]\n                                                      \
        [ CONFFLAG-LIST ]\n       \
        ip address del IFADDR dev IFNAME [mngtmpaddr]\n       \
        ip address {save|flush} [ dev IFNAME ] [ scope SCOPE-ID ]\n                            \
        [ to PREFIX ] [ FLAG-LIST ] [ label LABEL ] [up]\n       \
        ip address [ show [ dev IFNAME ] [ scope SCOPE-ID ] [ master DEVICE ]\n                         \
        [ nomaster ]\n                         \
        [ type TYPE ] [ to PREFIX ] [ FLAG-LIST ]\n                         \
        [ label LABEL ] [up] [ vrf NAME ] ]\n       \
        ip address {showdump|restore}\n";
    err(sys, text, 255)
}

/// What `ip addr add|del` was told.
#[derive(Default)]
struct AddrReq {
    local: Option<(Ipv4Addr, u8, bool)>,
    brd: Option<String>,
    dev: Option<String>,
    label: Option<String>,
}

fn addr_args(sys: &mut Sys, c: Ctl, args: &[String]) -> Res<AddrReq> {
    let mut r = AddrReq::default();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            _ if a == "brd" || matches(a, "broadcast") => {
                i += 1;
                r.brd = Some(value(sys, args, i)?.to_string());
            }
            "dev" | "label" | "scope" | "anycast" | "proto" | "peer" => {
                i += 1;
                let v = value(sys, args, i)?.to_string();
                match a {
                    "dev" => r.dev = Some(v),
                    "label" => r.label = Some(v),
                    "peer" => return Err(rtnl(sys, Errno::Inval)),
                    _ => {}
                }
            }
            _ if [
                "metric",
                "priority",
                "preference",
                "valid_lft",
                "preferred_lft",
            ]
            .iter()
            .any(|k| matches(a, k)) =>
            {
                i += 1;
                value(sys, args, i)?;
            }
            "home" | "nodad" | "mngtmpaddr" | "noprefixroute" | "autojoin" => {}
            _ => {
                let text = if a == "local" {
                    i += 1;
                    value(sys, args, i)?
                } else {
                    a
                };
                if matches(text, "help") {
                    return Err(addr_usage(sys));
                }
                if r.local.is_some() {
                    let msg = format!(
                        "Error: either \"local\" is duplicate, or \"{text}\" is a garbage.\n"
                    );
                    return Err(err(sys, &msg, 255));
                }
                r.local = Some(get_prefix(sys, c, text)?);
            }
        }
        i += 1;
    }
    Ok(r)
}

/// The device `ip addr` names, which must exist.
fn addr_dev(sys: &mut Sys, r: &AddrReq) -> Res<usize> {
    let Some(d) = &r.dev else {
        let msg = "Not enough information: \"dev\" argument is required.\n";
        return Err(err(sys, msg, 1));
    };
    device(sys, d)
}

fn addr_add(sys: &mut Sys, c: Ctl, args: &[String], replace: bool) -> Res<()> {
    let r = addr_args(sys, c, args)?;
    let ifindex = addr_dev(sys, &r)?;
    let Some((ip, prefix, _)) = r.local else {
        return Err(rtnl(sys, Errno::Inval));
    };
    let dev_name = sys.k.dev_name(ifindex);
    let label = r.label.clone().unwrap_or_else(|| dev_name.clone());
    if label != dev_name && !label.starts_with(&format!("{dev_name}:")) {
        let msg = format!("\"label\" ({label}) must match \"dev\" ({dev_name}) or be prefixed by \"dev\" with a colon.\n");
        return Err(err(sys, &msg, 1));
    }
    // `brd +` is the subnet's broadcast, `brd -` its network address (only for /30 and wider).
    let broadcast = match r.brd.as_deref() {
        None => None,
        Some("+") => (prefix <= 30).then(|| fmt_brd(ip, prefix, true)),
        Some("-") => (prefix <= 30).then(|| fmt_brd(ip, prefix, false)),
        Some(b) => Some(get_addr(sys, c, b)?),
    };
    let Some(dev) = sys.k.devs.get_mut(ifindex) else {
        return Err(nodev(sys, &dev_name));
    };
    if replace {
        dev.addrs.retain(|a| !(a.addr == ip && a.prefix == prefix));
    }
    let ifa = IfAddr {
        addr: ip,
        prefix,
        broadcast,
        label,
    };
    fmt::insert_ifa(dev, ifa).map_err(|_| extack(sys, "ipv4: Address already assigned"))
}

fn fmt_brd(ip: Ipv4Addr, prefix: u8, ones: bool) -> Ipv4Addr {
    if ones {
        crate::kernel::netdev::broadcast_of(ip, prefix)
    } else {
        network_of(ip, prefix)
    }
}

fn addr_del(sys: &mut Sys, c: Ctl, args: &[String]) -> Res<()> {
    let r = addr_args(sys, c, args)?;
    let ifindex = addr_dev(sys, &r)?;
    if let Some((ip, _, false)) = r.local {
        sys.eprint(&format!(
            "Warning: Executing wildcard deletion to stay compatible with old scripts.\n         \
             Explicitly specify the prefix length ({ip}/32) to avoid this warning.\n         \
             This special behaviour is likely to disappear in further releases,\n         \
             fix your scripts!\n"
        ));
    }
    let found = sys.k.devs.get_mut(ifindex).and_then(|dev| {
        let pos = dev.addrs.iter().position(|a| {
            r.local
                .is_none_or(|(ip, len, given)| a.addr == ip && (!given || a.prefix == len))
                && r.label.as_ref().is_none_or(|l| *l == a.label)
        })?;
        Some(dev.addrs.remove(pos))
    });
    match found {
        Some(_) => Ok(()),
        None => Err(extack(sys, "ipv4: Address not found")),
    }
}

fn addr_flush(sys: &mut Sys, args: &[String]) -> Res<()> {
    if args.is_empty() {
        return Err(err(sys, "Flush requires arguments.\n", 1));
    }
    let (mut dev, mut label, mut i) = (None, None, 0);
    while i < args.len() {
        match args[i].as_str() {
            "dev" | "label" => {
                let v = value(sys, args, i + 1)?.to_string();
                if args[i] == "dev" {
                    dev = Some(v);
                } else {
                    label = Some(v);
                }
                i += 1;
            }
            d => dev = Some(d.to_string()),
        }
        i += 1;
    }
    if let Some(d) = &dev {
        if sys.k.devs.iter().all(|x| x.name != *d) {
            return Err(err(sys, &format!("Device \"{d}\" does not exist.\n"), 1));
        }
    }
    for d in sys.k.devs.iter_mut() {
        if dev.as_ref().is_none_or(|n| *n == d.name) {
            d.addrs
                .retain(|a| label.as_ref().is_some_and(|l| *l != a.label));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// ip link

fn link(sys: &mut Sys, c: Ctl, args: &[String]) -> Res<()> {
    let Some(cmd) = args.first().map(String::as_str) else {
        return list(sys, c, args, true);
    };
    match cmd {
        _ if matches(cmd, "set") || matches(cmd, "change") => link_set(sys, &args[1..]),
        _ if matches(cmd, "show") || matches(cmd, "list") || matches(cmd, "lst") => {
            list(sys, c, &args[1..], true)
        }
        _ if matches(cmd, "help") => Err(link_usage(sys)),
        _ => Err(unknown_command(sys, cmd, "link")),
    }
}

/// The start of iplink_usage (the link types that follow are not simulated).
fn link_usage(sys: &mut Sys) -> i32 {
    let text = "Usage: ip link add [link DEV | parentdev NAME] [ name ] NAME\n\
        \t\t    [ txqueuelen PACKETS ]\n\t\t    [ address LLADDR ]\n\
        \t\t    [ broadcast LLADDR ]\n\t\t    [ mtu MTU ] [index IDX ]\n\
        \t\t    [ numtxqueues QUEUE_COUNT ]\n\t\t    [ numrxqueues QUEUE_COUNT ]\n\
        \t\t    [ netns { PID | NAME } ]\n\t\t    type TYPE [ ARGS ]\n\n\
        \tip link delete { DEVICE | dev DEVICE | group DEVGROUP } type TYPE [ ARGS ]\n\n\
        \tip link set { DEVICE | dev DEVICE | group DEVGROUP }\n\
        \t\t\t[ { up | down } ]\n\t\t\t[ type TYPE ARGS ]\n";
    err(sys, text, 255)
}

fn link_set(sys: &mut Sys, args: &[String]) -> Res<()> {
    let (mut dev, mut up, mut mtu, mut mac, mut i) = (None::<&str>, None, None, None, 0);
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "up" | "down" => up = Some(a == "up"),
            "mtu" | "address" | "dev" => {
                i += 1;
                let v = value(sys, args, i)?;
                match a {
                    "mtu" => match v.parse::<i64>() {
                        Ok(n) => mtu = Some(n),
                        Err(_) => return Err(invarg(sys, "Invalid \"mtu\" value\n", v)),
                    },
                    "address" => mac = Some(lladdr(sys, v)?),
                    _ => dev = Some(v),
                }
            }
            _ if dev.is_some() => {
                let msg = format!("Error: either \"dev\" is duplicate, or \"{a}\" is a garbage.\n");
                return Err(err(sys, &msg, 255));
            }
            _ => dev = Some(a),
        }
        i += 1;
    }
    let Some(name) = dev else {
        let msg = "Not enough information: \"dev\" argument is required.\n";
        return Err(err(sys, msg, 255));
    };
    let ifindex = device(sys, name)?;
    let kind = sys.k.devs.get(ifindex).map_or(DevKind::Ether, |d| d.kind);
    if let Some(m) = mac {
        if kind != DevKind::Ether {
            return Err(err(sys, "RTNETLINK answers: Operation not supported\n", 2));
        }
        if let Some(d) = sys.k.devs.get_mut(ifindex) {
            d.mac = m;
        }
    }
    if let Some(n) = mtu {
        let (min, max) = fmt::mtu_range(kind);
        if n < min {
            return Err(extack(sys, "mtu less than device minimum"));
        }
        if n > max {
            return Err(extack(sys, "mtu greater than device maximum"));
        }
        if let Some(d) = sys.k.devs.get_mut(ifindex) {
            d.mtu = n as u32;
        }
    }
    if let Some(up) = up {
        sys.k.set_dev_up(ifindex, up);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// ip route

fn route(sys: &mut Sys, c: Ctl, args: &[String]) -> Res<()> {
    let Some(cmd) = args.first().map(String::as_str) else {
        return route_show(sys, c, args);
    };
    let rest = &args[1..];
    match cmd {
        _ if matches(cmd, "add") => route_add(sys, c, rest, false),
        _ if matches(cmd, "change") || cmd == "chg" || matches(cmd, "replace") => {
            route_add(sys, c, rest, true)
        }
        _ if matches(cmd, "delete") => route_del(sys, c, rest),
        _ if matches(cmd, "list") || matches(cmd, "show") || matches(cmd, "lst") => {
            route_show(sys, c, rest)
        }
        _ if matches(cmd, "get") => route_get(sys, c, rest),
        _ if matches(cmd, "flush") => route_flush(sys, rest),
        _ if matches(cmd, "help") => Err(route_usage(sys)),
        _ => Err(unknown_command(sys, cmd, "route")),
    }
}

fn route_usage(sys: &mut Sys) -> i32 {
    let text = "Usage: ip route { list | flush } SELECTOR\n       \
        ip route save SELECTOR\n       \
        ip route restore\n       \
        ip route showdump\n       \
        ip route get [ ROUTE_GET_FLAGS ] ADDRESS\n                            \
        [ from ADDRESS iif STRING ]\n                            \
        [ oif STRING ] [ tos TOS ]\n                            \
        [ mark NUMBER ] [ vrf NAME ]\n                            \
        [ uid NUMBER ] [ ipproto PROTOCOL ]\n                            \
        [ sport NUMBER ] [ dport NUMBER ]\n       \
        ip route { add | del | change | append | replace } ROUTE\n";
    err(sys, text, 255)
}

fn dst_text(r: &Route) -> String {
    match r.prefix {
        0 if r.dst.is_unspecified() => "default".into(),
        32 => r.dst.to_string(),
        p => format!("{}/{p}", r.dst),
    }
}

/// One `ip route` line (print_route), with its trailing space; `dev` left out when the listing
/// was filtered by device.
fn route_line(k: &Kernel, r: &Route, omit_dev: bool) -> String {
    let mut s = String::new();
    if r.rtype == RouteType::Unreachable {
        s += "unreachable ";
    }
    s += &format!("{} ", dst_text(r));
    if let Some(g) = r.gw {
        s += &format!("via {g} ");
    }
    if let Some(d) = r.dev.filter(|_| !omit_dev) {
        s += &format!("dev {} ", k.dev_name(d));
    }
    if r.proto == Proto::Kernel {
        s += "proto kernel ";
    }
    if r.rtype == RouteType::Unreachable {
        s += "scope host ";
    } else if r.gw.is_none() {
        s += "scope link ";
    }
    if let Some(src) = r.src {
        s += &format!("src {src} ");
    }
    if r.metric != 0 {
        s += &format!("metric {} ", r.metric);
    }
    if r.dev
        .and_then(|d| k.devs.get(d))
        .is_some_and(|d| !d.carrier)
    {
        s += "linkdown ";
    }
    s + "\n"
}

fn route_show(sys: &mut Sys, c: Ctl, args: &[String]) -> Res<()> {
    let (mut dev, mut exact, mut i) = (None, None, 0);
    while i < args.len() {
        match args[i].as_str() {
            "dev" | "oif" => {
                i += 1;
                let d = value(sys, args, i)?.to_string();
                dev = Some(device(sys, &d)?);
            }
            "table" => {
                i += 1;
                let t = value(sys, args, i)?;
                if !matches!(t, "main" | "254" | "all") {
                    return Err(invarg(sys, "table id value is invalid\n", t));
                }
            }
            a => {
                let a = if a == "exact" || a == "match" || a == "root" {
                    i += 1;
                    value(sys, args, i)?
                } else {
                    a
                };
                let (ip, len, _) = get_prefix(sys, c, a)?;
                exact = Some((ip, len));
            }
        }
        i += 1;
    }
    if c.family == Family::Inet6 {
        let s = inet6_routes(sys.k, dev);
        sys.print(&s);
        return Ok(());
    }
    let mut s = String::new();
    for r in sys.k.fib.routes(&sys.k.devs) {
        if dev.is_some_and(|d| r.dev != Some(d)) || exact.is_some_and(|e| e != (r.dst, r.prefix)) {
            continue;
        }
        s += &route_line(sys.k, &r, dev.is_some());
    }
    sys.print(&s);
    Ok(())
}

/// `ip -6 route`: the kernel's routes for ::1 and the link-local prefixes.
fn inet6_routes(k: &Kernel, only: Option<usize>) -> String {
    let mut s = String::new();
    for d in k
        .devs
        .iter()
        .filter(|d| only.is_none_or(|i| i == d.ifindex))
    {
        let dst = match inet6(d) {
            Some((_, "host")) => "::1",
            Some(_) => "fe80::/64",
            None => continue,
        };
        let dev = match only {
            Some(_) => String::new(),
            None => format!("dev {} ", d.name),
        };
        s += &format!("{dst} {dev}proto kernel metric 256 pref medium \n");
    }
    s
}

/// What `ip route add|del` was told.
struct RouteReq {
    route: Route,
    metric_given: bool,
    type_given: bool,
}

fn route_args(sys: &mut Sys, c: Ctl, args: &[String]) -> Res<RouteReq> {
    let mut r = Route {
        dst: Ipv4Addr::UNSPECIFIED,
        prefix: 0,
        gw: None,
        dev: None,
        metric: 0,
        rtype: RouteType::Unicast,
        proto: Proto::Boot,
        src: None,
    };
    let (mut dst_ok, mut metric_given, mut type_given) = (false, false, false);
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "src" | "via" | "dev" | "oif" | "scope" => {
                i += 1;
                let v = value(sys, args, i)?;
                match a {
                    "src" => r.src = Some(get_addr(sys, c, v)?),
                    "via" if r.gw.is_some() => {
                        return Err(invarg(
                            sys,
                            "use nexthop syntax to specify multiple via\n",
                            v,
                        ))
                    }
                    "via" => r.gw = Some(get_addr(sys, c, v)?),
                    "scope" => {}
                    _ => r.dev = Some(device(sys, v)?),
                }
            }
            _ if matches(a, "protocol") || matches(a, "table") => {
                i += 1;
                let v = value(sys, args, i)?;
                match v {
                    "kernel" => r.proto = Proto::Kernel,
                    "boot" | "main" | "254" => {}
                    _ if matches(a, "protocol") => {
                        return Err(invarg(sys, "\"protocol\" value is invalid\n", v))
                    }
                    _ => return Err(invarg(sys, "\"table\" value is invalid\n", v)),
                }
            }
            _ if ["metric", "priority", "preference"]
                .iter()
                .any(|k| matches(a, k)) =>
            {
                i += 1;
                let v = value(sys, args, i)?;
                r.metric = v
                    .parse()
                    .map_err(|_| invarg(sys, "\"metric\" value is invalid\n", v))?;
                metric_given = true;
            }
            _ => {
                let mut text = if a == "to" {
                    i += 1;
                    value(sys, args, i)?
                } else {
                    a
                };
                if matches!(text, "unicast" | "unreachable") {
                    r.rtype = if text == "unicast" {
                        RouteType::Unicast
                    } else {
                        RouteType::Unreachable
                    };
                    type_given = true;
                    i += 1;
                    text = value(sys, args, i)?;
                }
                if dst_ok {
                    let msg =
                        format!("Error: either \"to\" is duplicate, or \"{text}\" is a garbage.\n");
                    return Err(err(sys, &msg, 255));
                }
                (r.dst, r.prefix, _) = get_prefix(sys, c, text)?;
                dst_ok = true;
            }
        }
        i += 1;
    }
    if !dst_ok {
        return Err(route_usage(sys));
    }
    Ok(RouteReq {
        route: r,
        metric_given,
        type_given,
    })
}

/// fib_table_insert / fib_create_info's checks, with their extack messages.
fn route_add(sys: &mut Sys, c: Ctl, args: &[String], replace: bool) -> Res<()> {
    let req = route_args(sys, c, args)?;
    let r = req.route;
    if network_of(r.dst, r.prefix) != r.dst {
        return Err(extack(sys, "Invalid prefix for given prefix length"));
    }
    if r.rtype == RouteType::Unreachable && (r.gw.is_some() || r.dev.is_some()) {
        let msg = "Gateway, device and multipath can not be specified for this route type";
        return Err(extack(sys, msg));
    }
    if r.src.is_some_and(|s| !sys.k.devs.is_local(s)) {
        return Err(extack(sys, "Invalid prefsrc address"));
    }
    if r.rtype == RouteType::Unicast && r.gw.is_none() {
        match r.dev.map(|d| sys.k.devs.get(d).is_some_and(|d| d.up)) {
            None => return Err(rtnl(sys, Errno::NoDev)),
            Some(false) => return Err(extack(sys, "Device for nexthop is not up")),
            Some(true) => {}
        }
    }
    if replace {
        let _ = sys.k.fib.del(r.dst, r.prefix, None, None, Some(r.metric));
    }
    match sys.k.fib.add(&sys.k.devs, r) {
        Ok(()) => Ok(()),
        Err(FibError::GatewayUnreachable) => Err(extack(sys, "Nexthop has invalid gateway")),
        Err(e) => Err(rtnl(sys, super::route::fib_errno(e))),
    }
}

fn route_del(sys: &mut Sys, c: Ctl, args: &[String]) -> Res<()> {
    let req = route_args(sys, c, args)?;
    let r = &req.route;
    let metric = req.metric_given.then_some(r.metric);
    let typed_exists = !req.type_given
        || sys.k.fib.routes(&sys.k.devs).iter().any(|x| {
            x.dst == r.dst && x.prefix == r.prefix && x.rtype == r.rtype && x.proto == Proto::Boot
        });
    if !typed_exists {
        return Err(rtnl(sys, Errno::Srch));
    }
    match sys.k.fib.del(r.dst, r.prefix, r.gw, r.dev, metric) {
        Ok(_) => Ok(()),
        Err(_) => Err(rtnl(sys, Errno::Srch)),
    }
}

/// `ip route flush dev IF` / `ip route flush all`: the routes users added.
fn route_flush(sys: &mut Sys, args: &[String]) -> Res<()> {
    if args.is_empty() {
        return Err(err(sys, "\"ip route flush\" requires arguments.\n", 1));
    }
    let dev = match args.iter().position(|a| a == "dev") {
        Some(i) => {
            let d = value(sys, args, i + 1)?.to_string();
            Some(device(sys, &d)?)
        }
        None => None,
    };
    let doomed: Vec<Route> = sys
        .k
        .fib
        .routes(&sys.k.devs)
        .into_iter()
        .filter(|r| r.proto == Proto::Boot && dev.is_none_or(|d| r.dev == Some(d)))
        .collect();
    for r in doomed {
        let _ = sys.k.fib.del(r.dst, r.prefix, r.gw, r.dev, Some(r.metric));
    }
    Ok(())
}

/// `ip route get A` (formats.md §9).
fn route_get(sys: &mut Sys, c: Ctl, args: &[String]) -> Res<()> {
    let text = match args {
        [to, a, ..] if to == "to" => a.as_str(),
        [a, ..] => a.as_str(),
        [] => return Err(route_usage(sys)),
    };
    let (ip, _, _) = get_prefix(sys, c, text)?;
    let line = match sys.k.fib.lookup(&sys.k.devs, ip) {
        FibResult::Local => {
            format!("local {ip} dev lo table local src {ip} uid 0 \n    cache <local> \n")
        }
        FibResult::Unicast {
            dev,
            nexthop,
            src,
            route,
        } => {
            let src = src.or_else(|| sys.k.devs.select_addr(dev, nexthop));
            let via = route.gw.map(|g| format!("via {g} ")).unwrap_or_default();
            let src = src.map(|s| format!("src {s} ")).unwrap_or_default();
            format!(
                "{ip} {via}dev {} {src}uid 0 \n    cache \n",
                sys.k.dev_name(dev)
            )
        }
        FibResult::Unreachable { .. } => return Err(rtnl(sys, Errno::HostUnreach)),
        FibResult::NoRoute => return Err(rtnl(sys, Errno::NetUnreach)),
    };
    sys.print(&line);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// ip neigh

fn neigh(sys: &mut Sys, c: Ctl, args: &[String]) -> Res<()> {
    let Some(cmd) = args.first().map(String::as_str) else {
        return neigh_show(sys, c, args, false);
    };
    let rest = &args[1..];
    match cmd {
        _ if matches(cmd, "add") => neigh_modify(sys, c, rest, Mode::Add),
        _ if matches(cmd, "change") || cmd == "chg" => neigh_modify(sys, c, rest, Mode::Change),
        _ if matches(cmd, "replace") => neigh_modify(sys, c, rest, Mode::Replace),
        _ if matches(cmd, "delete") => neigh_modify(sys, c, rest, Mode::Delete),
        _ if matches(cmd, "show") || matches(cmd, "lst") || matches(cmd, "list") => {
            neigh_show(sys, c, rest, false)
        }
        _ if matches(cmd, "flush") => neigh_show(sys, c, rest, true),
        _ if matches(cmd, "help") => Err(neigh_usage(sys)),
        _ => Err(unknown_command(sys, cmd, "neigh")),
    }
}

fn neigh_usage(sys: &mut Sys) -> i32 {
    let text = "Usage: ip neigh { add | del | change | replace }\n                \
        { ADDR [ lladdr LLADDR ] [ nud STATE ] proxy ADDR }\n                \
        [ dev DEV ] [ router ] [ use ] [ managed ] [ extern_learn ]\n                \
        [ protocol PROTO ]\n\n\
        \tip neigh { show | flush } [ proxy ] [ to PREFIX ] [ dev DEV ] [ nud STATE ]\n\
        \t\t\t\t  [ vrf NAME ] [ nomaster ]\n\
        \tip neigh get { ADDR | proxy ADDR } dev DEV\n\n\
        STATE := { delay | failed | incomplete | noarp | none |\n           \
        permanent | probe | reachable | stale }\n";
    err(sys, text, 255)
}

/// nud_state_a2n for the states the simulated kernel has.
fn nud(sys: &mut Sys, text: &str) -> Res<Nud> {
    let states = [
        ("permanent", Nud::Permanent),
        ("reachable", Nud::Reachable),
        ("stale", Nud::Stale),
        ("incomplete", Nud::Incomplete),
        ("delay", Nud::Delay),
        ("probe", Nud::Probe),
        ("failed", Nud::Failed),
    ];
    match states.iter().find(|(n, _)| matches(text, n)) {
        Some((_, s)) => Ok(*s),
        None => Err(invarg(sys, "nud state is bad", text)),
    }
}

fn neigh_show(sys: &mut Sys, c: Ctl, args: &[String], flush: bool) -> Res<()> {
    if flush && args.is_empty() {
        return Err(err(sys, "Flush requires arguments.\n", 1));
    }
    let (mut dev, mut states, mut proxy, mut to) = (None, Vec::new(), false, None);
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "dev" | "nud" => {
                i += 1;
                let v = value(sys, args, i)?.to_string();
                if args[i - 1] == "dev" {
                    dev = Some(device(sys, &v)?);
                } else if v != "all" {
                    states.push(nud(sys, &v)?);
                }
            }
            "proxy" => proxy = true,
            "all" | "unused" | "nomaster" => {}
            a => {
                let a = if a == "to" {
                    i += 1;
                    value(sys, args, i)?
                } else {
                    a
                };
                to = Some(get_prefix(sys, c, a)?);
            }
        }
        i += 1;
    }
    // There are no IPv6 neighbours.
    let keep = |n: &crate::kernel::arp::Neigh| {
        c.family != Family::Inet6
            && n.proxy == proxy
            && dev.is_none_or(|d| n.dev == d)
            && (states.is_empty() || states.contains(&n.state))
            && to.is_none_or(|(ip, len, _)| network_of(n.ip, len) == network_of(ip, len))
    };
    if flush {
        // Flushing spares permanent entries (and proxies, which are not neighbours).
        sys.k
            .neigh
            .entries
            .retain(|n| !(keep(n) && n.state != Nud::Permanent && !n.proxy));
        return Ok(());
    }
    let mut s = String::new();
    for n in sys.k.neigh.entries.iter().filter(|n| keep(n)) {
        s += &format!("{} ", n.ip);
        if dev.is_none() {
            s += &format!("dev {} ", sys.k.dev_name(n.dev));
        }
        if n.proxy {
            s += "proxy \n";
            continue;
        }
        if let Some(mac) = n.mac.filter(|_| n.state.valid()) {
            s += &format!("lladdr {} ", fmt_mac(&mac));
        }
        s += &format!("{} \n", n.state.name());
    }
    sys.print(&s);
    Ok(())
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Add,
    Change,
    Replace,
    Delete,
}

fn neigh_modify(sys: &mut Sys, c: Ctl, args: &[String], mode: Mode) -> Res<()> {
    let (mut dst, mut dev, mut mac, mut state, mut proxy) =
        (None, None, None, Nud::Permanent, false);
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "router" | "use" | "managed" | "extern_learn" => {}
            _ if a == "nud" || a == "dev" || matches(a, "lladdr") || matches(a, "proxy") => {
                i += 1;
                let v = value(sys, args, i)?;
                match a {
                    "nud" => state = nud(sys, v)?,
                    "dev" => dev = Some(v.to_string()),
                    _ if matches(a, "lladdr") => mac = (v != "null").then_some(v.to_string()),
                    _ => (proxy, dst) = (true, Some(get_addr(sys, c, v)?)),
                }
            }
            _ => {
                let v = if a == "to" {
                    i += 1;
                    value(sys, args, i)?
                } else {
                    a
                };
                if dst.is_some() {
                    let msg =
                        format!("Error: either \"to\" is duplicate, or \"{v}\" is a garbage.\n");
                    return Err(err(sys, &msg, 255));
                }
                dst = Some(get_addr(sys, c, v)?);
            }
        }
        i += 1;
    }
    let (Some(ip), Some(dev)) = (dst, dev) else {
        let msg = "Device and destination are required arguments.\n";
        return Err(err(sys, msg, 255));
    };
    let mac = mac.map(|m| lladdr(sys, &m)).transpose()?;
    let ifindex = device(sys, &dev)?;
    let exists = sys
        .k
        .neigh
        .entries
        .iter()
        .any(|n| n.dev == ifindex && n.ip == ip && n.proxy == proxy);
    match mode {
        Mode::Delete => {
            let before = sys.k.neigh.entries.len();
            sys.k
                .neigh
                .entries
                .retain(|n| !(n.dev == ifindex && n.ip == ip && n.proxy == proxy));
            if before == sys.k.neigh.entries.len() {
                return Err(rtnl(sys, Errno::NoEnt));
            }
            Ok(())
        }
        Mode::Add if exists && !proxy => Err(rtnl(sys, Errno::Exist)),
        Mode::Change if !exists => Err(rtnl(sys, Errno::NoEnt)),
        _ => set_neigh(sys, ifindex, ip, mac, state, proxy),
    }
}

/// neigh_add: a proxy entry answers with the device's MAC; a state with an address needs one.
fn set_neigh(
    sys: &mut Sys,
    dev: usize,
    ip: Ipv4Addr,
    mac: Option<[u8; 6]>,
    state: Nud,
    proxy: bool,
) -> Res<()> {
    let now = sys.now();
    let old = sys.k.neigh.find(dev, ip).and_then(|n| n.mac);
    let mac = match (proxy, mac.or(old)) {
        (true, _) => sys.k.dev_mac(dev),
        (false, Some(m)) => m,
        (false, None) if !state.valid() => [0; 6],
        (false, None) => return Err(extack(sys, "No link layer address given")),
    };
    sys.k
        .neigh
        .set_static(dev, ip, mac, state == Nud::Permanent, proxy, now);
    if proxy || state == Nud::Permanent {
        return Ok(());
    }
    let ms = |key: &str| sys.k.sysctl.neigh(key).max(0) as u64 * 1_000_000;
    let timer = match state {
        Nud::Reachable => Some(now + ms("base_reachable_time_ms")),
        Nud::Delay => Some(now + ms("delay_first_probe_time") * 1000),
        Nud::Probe | Nud::Incomplete => Some(now),
        _ => None,
    };
    if let Some(n) = sys.k.neigh.entries.last_mut() {
        n.state = state;
        n.timer = timer;
        if state == Nud::Reachable {
            n.confirmed = now;
        }
        if !state.valid() {
            n.mac = None;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::fmt::testutil::{host, ok, run};
    use crate::kernel::Kernel;

    const LFT: &str = "       valid_lft forever preferred_lft forever\n";

    fn director() -> Kernel {
        let mut k = host();
        ok(
            &mut k,
            "ifconfig eth0 192.168.10.100 netmask 255.255.255.0 up",
        );
        ok(
            &mut k,
            "ip addr add 192.168.10.200/24 brd + dev eth0 label eth0:2",
        );
        ok(&mut k, "ip addr add 192.168.10.201/32 dev lo label lo:2");
        k
    }

    fn fails(k: &mut Kernel, line: &str, err: &str, status: i32) {
        let (out, e, s) = run(k, line);
        assert_eq!((out.as_str(), e.as_str(), s), ("", err, status), "{line}");
    }

    #[test]
    fn addr_show() {
        let mut k = director();
        let want = format!(
            "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n    \
             link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n    \
             inet 127.0.0.1/8 scope host lo\n{LFT}    \
             inet 192.168.10.201/32 scope global lo:2\n{LFT}    \
             inet6 ::1/128 scope host \n{LFT}\
             2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP group default qlen 1000\n    \
             link/ether 02:00:00:00:01:01 brd ff:ff:ff:ff:ff:ff\n    \
             inet 192.168.10.100/24 brd 192.168.10.255 scope global eth0\n{LFT}    \
             inet 192.168.10.200/24 brd 192.168.10.255 scope global secondary eth0:2\n{LFT}    \
             inet6 fe80::ff:fe00:101/64 scope link \n{LFT}"
        );
        for line in ["ip addr", "ip a", "ip address show", "ip a s"] {
            assert_eq!(
                run(&mut k, line),
                (want.clone(), String::new(), 0),
                "{line}"
            );
        }
        let eth0 = run(&mut k, "ip addr show dev eth0").0;
        assert!(eth0.starts_with("2: eth0: ") && !eth0.contains("lo:2"));
        assert_eq!(run(&mut k, "ip a show eth0").0, eth0);
        let v4 = run(&mut k, "ip -4 addr").0;
        assert!(!v4.contains("link/") && !v4.contains("inet6"));
        assert!(v4.contains("\n    inet 127.0.0.1/8 scope host lo\n"));
        let brief = "lo               UNKNOWN        127.0.0.1/8 192.168.10.201/32 ::1/128 \n\
            eth0             UP             192.168.10.100/24 192.168.10.200/24 fe80::ff:fe00:101/64 \n";
        assert_eq!(run(&mut k, "ip -br addr").0, brief);
        fails(
            &mut k,
            "ip addr show dev eth9",
            "Device \"eth9\" does not exist.\n",
            1,
        );
    }

    #[test]
    fn link_show_and_set() {
        let mut k = host();
        let down = "2: eth0: <BROADCAST,MULTICAST> mtu 1500 qdisc pfifo_fast state DOWN mode DEFAULT group default qlen 1000\n    \
            link/ether 02:00:00:00:01:01 brd ff:ff:ff:ff:ff:ff\n";
        assert_eq!(run(&mut k, "ip link show eth0").0, down);
        ok(&mut k, "ip link set eth0 up");
        ok(
            &mut k,
            "ip link set dev eth0 mtu 1400 address 02:aa:00:00:00:01",
        );
        let out = run(&mut k, "ip link").0;
        assert!(out.starts_with("1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n"));
        assert!(out.contains("2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1400 qdisc pfifo_fast state UP mode DEFAULT"));
        assert!(out.ends_with("    link/ether 02:aa:00:00:00:01 brd ff:ff:ff:ff:ff:ff\n"));
        let brief = run(&mut k, "ip -br link").0;
        assert!(brief.ends_with("eth0             UP             02:aa:00:00:00:01 <BROADCAST,MULTICAST,UP,LOWER_UP> \n"));
        if let Some(d) = k.devs.get_mut(2) {
            d.carrier = false;
        }
        let out = run(&mut k, "ip link show dev eth0").0;
        assert!(out.starts_with(
            "2: eth0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1400 qdisc pfifo_fast state DOWN "
        ));
        fails(
            &mut k,
            "ip link set eth9 up",
            "Cannot find device \"eth9\"\n",
            1,
        );
        fails(
            &mut k,
            "ip link set eth0 mtu 20",
            "Error: mtu less than device minimum.\n",
            2,
        );
        fails(
            &mut k,
            "ip link set eth0 address zz",
            "\"zz\" is invalid lladdr.\n",
            1,
        );
        fails(
            &mut k,
            "ip link set eth0 foo",
            "Error: either \"dev\" is duplicate, or \"foo\" is a garbage.\n",
            255,
        );
    }

    #[test]
    fn addr_changes_and_errors() {
        let mut k = director();
        fails(
            &mut k,
            "ip addr add 192.168.10.200/24 dev eth0",
            "Error: ipv4: Address already assigned.\n",
            2,
        );
        fails(
            &mut k,
            "ip addr add 10.0.0.1/8 dev eth9",
            "Cannot find device \"eth9\"\n",
            1,
        );
        fails(
            &mut k,
            "ip addr add 10.0.0.1/8",
            "Not enough information: \"dev\" argument is required.\n",
            1,
        );
        fails(
            &mut k,
            "ip addr add 10.0.0.300/8 dev eth0",
            "Error: any valid prefix is expected rather than \"10.0.0.300/8\".\n",
            1,
        );
        ok(&mut k, "ip addr del 192.168.10.200/24 dev eth0");
        fails(
            &mut k,
            "ip addr del 192.168.10.200/24 dev eth0",
            "Error: ipv4: Address not found.\n",
            2,
        );
        ok(&mut k, "ip addr add 10.1.0.1/16 dev eth0");
        assert!(run(&mut k, "ip a show eth0")
            .0
            .contains("    inet 10.1.0.1/16 scope global eth0\n"));
        let (_, e, s) = run(&mut k, "ip addr del 10.1.0.1 dev eth0");
        assert!(e.starts_with("Warning: Executing wildcard deletion"));
        assert_eq!(s, 0);
        ok(&mut k, "ip addr flush dev eth0");
        assert!(!run(&mut k, "ip -4 a").0.contains("eth0"));
        fails(&mut k, "ip addr flush", "Flush requires arguments.\n", 1);
        fails(
            &mut k,
            "ip frob",
            "Object \"frob\" is unknown, try \"ip help\".\n",
            1,
        );
        fails(
            &mut k,
            "ip addr frob",
            "Command \"frob\" is unknown, try \"ip address help\".\n",
            255,
        );
        fails(
            &mut k,
            "ip -x addr",
            "Option \"-x\" is unknown, try \"ip -help\".\n",
            255,
        );
    }

    #[test]
    fn routes() {
        let mut k = director();
        ok(&mut k, "ip route add default via 192.168.10.1");
        ok(
            &mut k,
            "ip route add 172.16.0.0/16 via 192.168.10.2 metric 10",
        );
        ok(&mut k, "ip route add unreachable 10.99.0.0/16");
        ok(&mut k, "route add -host 192.168.10.201 dev lo:2");
        let want = "default via 192.168.10.1 dev eth0 \n\
            unreachable 10.99.0.0/16 scope host \n\
            172.16.0.0/16 via 192.168.10.2 dev eth0 metric 10 \n\
            192.168.10.0/24 dev eth0 proto kernel scope link src 192.168.10.100 \n\
            192.168.10.201 dev lo scope link src 192.168.10.201 \n";
        assert_eq!(run(&mut k, "ip route").0, want);
        assert_eq!(run(&mut k, "ip r").0, want);
        assert_eq!(
            run(&mut k, "ip route show dev lo").0,
            "192.168.10.201 scope link src 192.168.10.201 \n"
        );
        let get = "8.8.8.8 via 192.168.10.1 dev eth0 src 192.168.10.100 uid 0 \n    cache \n";
        assert_eq!(run(&mut k, "ip route get 8.8.8.8").0, get);
        let get = "192.168.10.9 dev eth0 src 192.168.10.100 uid 0 \n    cache \n";
        assert_eq!(run(&mut k, "ip route get 192.168.10.9").0, get);
        fails(
            &mut k,
            "ip route get 10.99.1.1",
            "RTNETLINK answers: No route to host\n",
            2,
        );
        fails(
            &mut k,
            "ip route add default via 192.168.10.1",
            "RTNETLINK answers: File exists\n",
            2,
        );
        fails(
            &mut k,
            "ip route add 10.0.0.0/8 via 10.9.9.9",
            "Error: Nexthop has invalid gateway.\n",
            2,
        );
        fails(
            &mut k,
            "ip route add 10.0.0.1/8 via 192.168.10.1",
            "Error: Invalid prefix for given prefix length.\n",
            2,
        );
        fails(
            &mut k,
            "ip route add 10.0.0.0/8 dev eth9",
            "Cannot find device \"eth9\"\n",
            1,
        );
        fails(
            &mut k,
            "ip route del 10.7.0.0/16",
            "RTNETLINK answers: No such process\n",
            2,
        );
        ok(&mut k, "ip route del default");
        ok(&mut k, "ip route del 10.99.0.0/16");
        fails(
            &mut k,
            "ip route get 8.8.8.8",
            "RTNETLINK answers: Network is unreachable\n",
            2,
        );
        let v6 = "::1 dev lo proto kernel metric 256 pref medium \n\
            fe80::/64 dev eth0 proto kernel metric 256 pref medium \n";
        assert_eq!(run(&mut k, "ip -6 route").0, v6);
        assert_eq!(run(&mut k, "ip -6 neigh").0, "");
    }

    #[test]
    fn neighbours() {
        let mut k = director();
        ok(
            &mut k,
            "ip neigh add 192.168.10.77 lladdr 02:42:c0:a8:0a:4d dev eth0",
        );
        ok(
            &mut k,
            "ip n add 192.168.10.78 lladdr 02:42:c0:a8:0a:4e dev eth0 nud reachable",
        );
        ok(&mut k, "ip neigh add proxy 192.168.10.79 dev eth0");
        let want = "192.168.10.77 dev eth0 lladdr 02:42:c0:a8:0a:4d PERMANENT \n\
            192.168.10.78 dev eth0 lladdr 02:42:c0:a8:0a:4e REACHABLE \n";
        assert_eq!(run(&mut k, "ip neigh").0, want);
        assert_eq!(
            run(&mut k, "ip neigh show proxy").0,
            "192.168.10.79 dev eth0 proxy \n"
        );
        assert!(run(&mut k, "ip neigh show dev eth0")
            .0
            .starts_with("192.168.10.77 lladdr "));
        fails(
            &mut k,
            "ip neigh add 192.168.10.77 lladdr 02:42:c0:a8:0a:4d dev eth0",
            "RTNETLINK answers: File exists\n",
            2,
        );
        ok(&mut k, "ip neigh flush dev eth0");
        assert_eq!(
            run(&mut k, "ip neigh").0,
            "192.168.10.77 dev eth0 lladdr 02:42:c0:a8:0a:4d PERMANENT \n"
        );
        ok(&mut k, "ip neigh del 192.168.10.77 dev eth0");
        fails(
            &mut k,
            "ip neigh del 192.168.10.77 dev eth0",
            "RTNETLINK answers: No such file or directory\n",
            2,
        );
        fails(
            &mut k,
            "ip neigh add 192.168.10.5 dev eth0",
            "Error: No link layer address given.\n",
            2,
        );
        fails(
            &mut k,
            "ip neigh add 192.168.10.5",
            "Device and destination are required arguments.\n",
            255,
        );
        fails(&mut k, "ip neigh flush", "Flush requires arguments.\n", 1);
    }
}
