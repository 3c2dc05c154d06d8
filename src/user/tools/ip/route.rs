//! `ip route` (iproute2 iproute.c): shows, adds, deletes, flushes and looks up routes.

use super::address::inet6;
use super::{
    device, err, extack, get_addr, get_prefix, invarg, rtnl, unknown_command, value, Ctl, Family,
    Res,
};
use crate::kernel::fib::{FibError, FibResult, Proto, Route, RouteType};
use crate::kernel::netdev::network_of;
use crate::kernel::process::Sys;
use crate::kernel::Kernel;
use crate::user::tools::fmt::{matches, Errno};
use std::net::Ipv4Addr;

pub(super) fn route(sys: &mut Sys, c: Ctl, args: &[String]) -> Res<()> {
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
    // Which tables: main (the default), local, or both (`all`).
    let (mut main, mut local) = (true, false);
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
                (main, local) = match t {
                    "main" | "254" => (true, false),
                    "local" | "255" => (false, true),
                    "all" | "0" => (true, true),
                    _ => return Err(invarg(sys, "table id value is invalid\n", t)),
                };
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
    for r in sys.k.fib.routes(&sys.k.devs).iter().filter(|_| main) {
        if dev.is_some_and(|d| r.dev != Some(d)) || exact.is_some_and(|e| e != (r.dst, r.prefix)) {
            continue;
        }
        s += &route_line(sys.k, r, dev.is_some());
    }
    if local {
        s += &super::route_local::local_table(sys.k);
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
        Err(e) => Err(rtnl(sys, crate::user::tools::route::fib_errno(e))),
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
