//! `ip neigh` (iproute2 ipneigh.c): shows, flushes and changes neighbour (ARP) entries.

use super::{
    device, err, extack, get_addr, get_prefix, invarg, lladdr, rtnl, unknown_command, value, Ctl,
    Family, Res,
};
use crate::kernel::arp::Nud;
use crate::kernel::netdev::{fmt_mac, network_of};
use crate::kernel::process::Sys;
use crate::user::tools::fmt::{matches, Errno};
use std::net::Ipv4Addr;

pub(super) fn neigh(sys: &mut Sys, c: Ctl, args: &[String]) -> Res<()> {
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
    let last = sys.k.neigh.entries.len().wrapping_sub(1);
    sys.k.neigh.set_timer(last, timer);
    if let Some(n) = sys.k.neigh.entries.last_mut() {
        n.state = state;
        if state == Nud::Reachable {
            n.confirmed = now;
        }
        if !state.valid() {
            n.mac = None;
        }
    }
    Ok(())
}
