//! `ip address` (iproute2 ipaddress.c): lists devices and their addresses (also for
//! `ip link show`), adds, deletes and flushes IPv4 addresses.

use super::{
    device, err, extack, get_addr, get_prefix, nodev, rtnl, unknown_command, value, Ctl, Family,
    Res,
};
use crate::kernel::netdev::{fmt_mac, network_of, DevKind, IfAddr, NetDev, IFF_UP};
use crate::kernel::process::Sys;
use crate::user::tools::fmt::{self, matches, Errno};
use std::net::Ipv4Addr;

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
        (DevKind::Loopback | DevKind::Ipip, true, _) => "UNKNOWN",
        (_, _, true) => "UP",
        _ => "DOWN",
    }
}

fn link_lines(dev: &NetDev, mode: bool) -> String {
    let qdisc = match dev.kind {
        DevKind::Loopback | DevKind::Ipip => "noqueue",
        DevKind::Ether => "pfifo_fast",
    };
    // A tunnel is shown with the device it is bound to: none for tunl0.
    let at = if dev.kind == DevKind::Ipip {
        "@NONE"
    } else {
        ""
    };
    let mut s = format!(
        "{}: {}{at}: <{}> mtu {} qdisc {qdisc} state {} {}group default qlen 1000\n",
        dev.ifindex,
        dev.name,
        link_flags(dev),
        dev.mtu,
        operstate(dev),
        if mode { "mode DEFAULT " } else { "" }
    );
    s += &match dev.kind {
        DevKind::Loopback => "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n".into(),
        DevKind::Ipip => "    link/ipip 0.0.0.0 brd 0.0.0.0\n".into(),
        DevKind::Ether => format!(
            "    link/ether {} brd ff:ff:ff:ff:ff:ff\n",
            fmt_mac(&dev.mac)
        ),
    };
    s
}

/// The kernel's own IPv6 address on a device (::1 on lo, link-local once running).
pub(super) fn inet6(dev: &NetDev) -> Option<(String, &'static str)> {
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
pub(super) fn list(sys: &mut Sys, c: Ctl, args: &[String], do_link: bool) -> Res<()> {
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

pub(super) fn addr(sys: &mut Sys, c: Ctl, args: &[String]) -> Res<()> {
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
        // The same address again: nothing is removed as far as the notifiers see.
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
    if let Some(ifa) = &found {
        crate::kernel::devinet::inet_addr_removed(sys.k, ifindex, ifa.addr);
    }
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
