//! `route` (net-tools 2.10): shows the main routing table (`-n`, `-e`, `-ee`) and adds or
//! deletes routes with the checks net-tools makes and the kernel's SIOCADDRT/SIOCDELRT rules
//! (rtentry_to_fib_config): a net route needs a netmask, an alias device (`lo:2`) becomes its
//! parent with the alias's address as preferred source.

use super::fmt::{self, Errno};
use crate::kernel::fib::{FibError, Proto, Route, RouteType};
use crate::kernel::netdev::{mask_to_prefix, prefix_to_mask};
use crate::kernel::process::Sys;
use crate::kernel::Kernel;
use std::net::Ipv4Addr;

const E_USAGE: i32 = 0;
const E_OPTERR: i32 = 3;
const E_LOOKUP: i32 = 6;
const E_SOCK: i32 = 7;

const LONG: &[(&str, char)] = &[
    ("extend", 'e'),
    ("verbose", 'v'),
    ("version", 'V'),
    ("numeric", 'n'),
    ("symbolic", 'N'),
    ("protocol", 'A'),
    ("fib", 'F'),
    ("help", 'h'),
    ("inet", '4'),
];

const USAGE: &str =
    "Usage: route [-nNvee] [-FC] [<AF>]           List kernel routing tables\n       \
    route [-v] [-FC] {add|del|flush} ...  Modify routing table for AF.\n\n       \
    route {-h|--help} [<AF>]              Detailed usage syntax for specified AF.\n       \
    route {-V|--version}                  Display version/author and exit.\n\n        \
    -v, --verbose            be verbose\n        \
    -n, --numeric            don't resolve names\n        \
    -e, --extend             display other/more information\n        \
    -F, --fib                display Forwarding Information Base (default)\n        \
    -C, --cache              display routing cache instead of FIB\n\n  \
    <AF>=Use -4, -6, '-A <af>' or '--<af>'; default: inet\n  \
    List of possible address families (which support routing):\n";

const INET_USAGE: &str = "Usage: inet_route [-vF] del {-host|-net} Target[/prefix] [gw Gw] [metric M] [[dev] If]\n       \
    inet_route [-vF] add {-host|-net} Target[/prefix] [gw Gw] [metric M]\n                              \
    [netmask N] [mss Mss] [window W] [irtt I]\n                              \
    [mod] [dyn] [reinstate] [[dev] If]\n       \
    inet_route [-vF] add {-host|-net} Target[/prefix] [metric M] reject\n       \
    inet_route [-FC] flush      NOT supported\n";

pub fn main(sys: &mut Sys, args: &[String]) -> i32 {
    // As net-tools does before getopt, so that `-net` and `-host` are not taken as options.
    let args: Vec<String> = args
        .iter()
        .map(|a| match a.as_str() {
            "-net" => "#net".to_string(),
            "-host" => "#host".to_string(),
            _ => a.clone(),
        })
        .collect();
    let g = match fmt::getopt("route", &args, "A:eFhnN4Vv?", LONG) {
        Ok(g) => g,
        Err(msg) => {
            sys.eprint(&format!("{msg}\n"));
            return usage(sys, E_USAGE);
        }
    };
    let (mut ext, mut numeric) = (1u32, false);
    for (opt, value) in &g.opts {
        match opt {
            'n' => numeric = true,
            'e' => ext += 1,
            'h' | '?' => return usage(sys, E_USAGE),
            'V' => {
                sys.print("net-tools 2.10\n");
                return 0;
            }
            'A' if value.as_deref() != Some("inet") => {
                let af = value.as_deref().unwrap_or("");
                sys.eprint(&format!("Address family `{af}' not supported.\n"));
                return E_OPTERR;
            }
            _ => {}
        }
    }
    match g.operands.first().map(String::as_str) {
        None => {
            print_fib(sys, ext & 3, numeric);
            0
        }
        Some("add") => edit(sys, true, &g.operands[1..]),
        Some("del") | Some("delete") => edit(sys, false, &g.operands[1..]),
        Some("flush") => {
            sys.eprint("Flushing `inet' routing table not supported\n");
            inet_usage(sys, E_OPTERR)
        }
        Some(_) => usage(sys, E_OPTERR),
    }
}

fn usage(sys: &mut Sys, status: i32) -> i32 {
    fmt::usage_with_families(sys, USAGE, status == E_USAGE, status)
}

fn inet_usage(sys: &mut Sys, status: i32) -> i32 {
    if status == E_USAGE {
        sys.print(INET_USAGE);
    } else {
        sys.eprint(INET_USAGE);
    }
    status
}

/// rprint_fib: `Kernel IP routing table`, the header of layout `ext` (1 `route -n`,
/// 2 `netstat -r`/`route -e`, 3 `route -ee`; 0 prints no table), one row per route.
pub fn print_fib(sys: &mut Sys, ext: u32, numeric: bool) {
    let mut s = String::from("Kernel IP routing table\n");
    s += match ext {
        1 => "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface\n",
        2 => "Destination     Gateway         Genmask         Flags   MSS Window  irtt Iface\n",
        3 => "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface    MSS   Window irtt\n",
        _ => "",
    };
    if (1..=3).contains(&ext) {
        for r in sys.k.fib.routes(&sys.k.devs) {
            s += &row(sys.k, &r, ext, numeric);
        }
    }
    sys.print(&s);
}

fn row(k: &Kernel, r: &Route, ext: u32, numeric: bool) -> String {
    let dst = dest_name(k, r, numeric);
    let mask = prefix_to_mask(r.prefix).to_string();
    let flags = r.flags();
    let m = r.metric;
    if r.rtype == RouteType::Unreachable {
        return match ext {
            1 => format!("{dst:<15} -               {mask:<15} {flags:<5} {m:<6} -  {:>7} -\n", 0),
            2 => format!("{dst:<15} -               {mask:<15} {flags:<5}     - -          - -\n"),
            _ => format!(
                "{dst:<15} -               {mask:<15} {flags:<5} {m:<6} -  {:>7} -        -     -      -\n",
                0
            ),
        };
    }
    let gw = gateway_name(k, r.gw, numeric);
    let dev = r.dev.map_or_else(|| "*".to_string(), |d| k.dev_name(d));
    match ext {
        1 => format!(
            "{dst:<15} {gw:<15} {mask:<15} {flags:<5} {m:<6} {:<2} {:>7} {dev}\n",
            0, 0
        ),
        2 => format!(
            "{dst:<15} {gw:<15} {mask:<15} {flags:<5} {:>5} {:<5} {:>6} {dev}\n",
            0, 0, 0
        ),
        _ => format!(
            "{dst:<15} {gw:<15} {mask:<15} {flags:<5} {m:<6} {:<3} {:>6} {dev:<6.6}   {:<5} {:<6} {}\n",
            0, 0, 0, 0, 0
        ),
    }
}

fn cut15(s: String) -> String {
    s.chars().take(15).collect()
}

/// INET_rresolve for a destination: 0.0.0.0/0 is `default`; a host route's address goes
/// through the hosts file, a network's through /etc/networks.
fn dest_name(k: &Kernel, r: &Route, numeric: bool) -> String {
    let ip = r.dst;
    if numeric {
        return ip.to_string();
    }
    if ip.is_unspecified() {
        return if r.prefix == 0 { "default" } else { "0.0.0.0" }.into();
    }
    let name = if r.prefix == 32 {
        k.reverse(ip)
    } else {
        fmt::net_name(k, ip)
    };
    cut15(name.unwrap_or_else(|| ip.to_string()))
}

/// A direct route's gateway stays `0.0.0.0`; others resolve through the hosts file.
fn gateway_name(k: &Kernel, gw: Option<Ipv4Addr>, numeric: bool) -> String {
    match gw {
        None => "0.0.0.0".into(),
        Some(g) if numeric => g.to_string(),
        Some(g) => cut15(k.reverse(g).unwrap_or_else(|| g.to_string())),
    }
}

/// What `route add|del` asked for, after net-tools' own checks.
struct Request {
    dst: Ipv4Addr,
    /// The genmask net-tools passes (None: not set, which the kernel reads as 0).
    mask: Option<Ipv4Addr>,
    host: bool,
    gw: Option<Ipv4Addr>,
    metric: Option<u32>,
    dev: Option<String>,
    reject: bool,
}

fn edit(sys: &mut Sys, add: bool, args: &[String]) -> i32 {
    if args.is_empty() {
        return inet_usage(sys, E_USAGE);
    }
    let req = match parse(sys, add, args) {
        Ok(r) => r,
        Err(status) => return status,
    };
    let (what, r) = if add {
        ("SIOCADDRT", add_route(sys.k, &req))
    } else {
        ("SIOCDELRT", del_route(sys.k, &req))
    };
    match r {
        Ok(()) => 0,
        Err(e) => {
            sys.eprint(&format!("{what}: {}\n", e.text()));
            E_SOCK
        }
    }
}

/// INET_setroute's argument parsing and sanity checks.
fn parse(sys: &mut Sys, add: bool, args: &[String]) -> Result<Request, i32> {
    let mut args = args.iter().map(String::as_str).peekable();
    let xflag = args.next_if(|a| *a == "#net" || *a == "#host");
    let Some(target) = args.next() else {
        return Err(inet_usage(sys, E_OPTERR));
    };
    let mut req = Request {
        dst: Ipv4Addr::UNSPECIFIED,
        mask: None,
        host: false,
        gw: None,
        metric: None,
        dev: None,
        reject: false,
    };
    let mut mask_text = String::new();
    let target = match target.split_once('/') {
        Some((t, p)) => {
            let prefix = p.parse::<u8>().ok().filter(|p| *p <= 32);
            let prefix = prefix.ok_or_else(|| inet_usage(sys, E_OPTERR))?;
            req.mask = Some(prefix_to_mask(prefix));
            mask_text = format!("/{prefix}");
            t
        }
        None => target,
    };
    let (dst, isnet) = resolve(sys, target, xflag == Some("#host"))?;
    req.dst = dst;
    req.host = !matches!(xflag, Some("#net")) && (xflag == Some("#host") || !isnet);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(E_OPTERR);
        match arg {
            "metric" => {
                let v = value()
                    .ok()
                    .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()));
                let v = v.ok_or_else(|| inet_usage(sys, E_OPTERR))?;
                req.metric = Some(atoi(v) as u32);
            }
            "netmask" => {
                let v = value().ok().filter(|_| req.mask.is_none());
                let v = v.ok_or_else(|| inet_usage(sys, E_OPTERR))?;
                req.mask = Some(resolve(sys, v, false)?.0);
                mask_text = v.to_string();
            }
            "gw" | "gateway" => {
                let v = value().ok().filter(|_| req.gw.is_none());
                let v = v.ok_or_else(|| inet_usage(sys, E_OPTERR))?;
                let (gw, net) = resolve(sys, v, true)?;
                if net {
                    sys.eprint(&format!("route: {v}: cannot use a NETWORK as gateway!\n"));
                    return Err(inet_usage(sys, E_OPTERR));
                }
                req.gw = Some(gw);
            }
            "mss" | "mtu" | "window" => {
                let v = atoi(value().map_err(|s| inet_usage(sys, s))?);
                let (bad, msg) = match arg {
                    "window" => (v < 128, "route: Invalid window.\n"),
                    _ => (!(64..=65536).contains(&v), "route: Invalid MSS/MTU.\n"),
                };
                if bad {
                    sys.eprint(msg);
                    return Err(inet_usage(sys, E_OPTERR));
                }
            }
            "irtt" => {
                value().map_err(|s| inet_usage(sys, s))?;
            }
            "reject" => req.reject = true,
            "mod" | "dyn" | "reinstate" => {}
            "dev" | "device" => {
                let v = value().ok().filter(|_| req.dev.is_none());
                req.dev = Some(v.ok_or_else(|| inet_usage(sys, E_OPTERR))?.to_string());
            }
            // A bare word is the device, and must be the last argument.
            dev if req.dev.is_none() && args.peek().is_none() => req.dev = Some(dev.into()),
            _ => return Err(inet_usage(sys, E_OPTERR)),
        }
    }
    check_mask(sys, &req, &mask_text)?;
    if add && req.host {
        req.mask = Some(Ipv4Addr::BROADCAST);
    }
    Ok(req)
}

/// net-tools' netmask sanity checks (only when a non-zero genmask was given).
fn check_mask(sys: &mut Sys, req: &Request, text: &str) -> Result<(), i32> {
    let Some(mask) = req.mask.map(u32::from).filter(|m| *m != 0) else {
        return Ok(());
    };
    let inv = !mask;
    let msg = if req.host && inv != u32::MAX {
        format!("route: netmask {inv:08x} doesn't make sense with host route\n")
    } else if inv & inv.wrapping_add(1) != 0 {
        format!("route: bogus netmask {text}\n")
    } else if u32::from(req.dst) & inv != 0 {
        "route: netmask doesn't match route address\n".to_string()
    } else {
        return Ok(());
    };
    sys.eprint(&msg);
    Err(inet_usage(sys, E_OPTERR))
}

/// INET_resolve; a failure is reported as herror does and ends route with E_LOOKUP.
fn resolve(sys: &mut Sys, text: &str, hostfirst: bool) -> Result<(Ipv4Addr, bool), i32> {
    fmt::inet_resolve(sys.k, text, hostfirst).ok_or_else(|| {
        sys.eprint(&format!("{text}: Unknown host\n"));
        E_LOOKUP
    })
}

fn atoi(text: &str) -> i64 {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    text[..end].parse().unwrap_or(0)
}

/// rtentry_to_fib_config's prefix: 32 for a host route; otherwise the genmask, which must be
/// contiguous and cover the destination (an unset genmask is 0, so `-net 10.0.0.0` without
/// a netmask is EINVAL).
fn prefix_len(req: &Request) -> Result<u8, Errno> {
    if req.host {
        return Ok(32);
    }
    let mask = req.mask.unwrap_or(Ipv4Addr::UNSPECIFIED);
    if u32::from(req.dst) & !u32::from(mask) != 0 {
        return Err(Errno::Inval);
    }
    mask_to_prefix(mask).ok_or(Errno::Inval)
}

/// The device a route names; `lo:2` is `lo` with the address labelled `lo:2` as source.
fn device(k: &Kernel, name: &str) -> Result<(usize, Option<Ipv4Addr>), Errno> {
    let dev = k.devs.by_name(name).ok_or(Errno::NoDev)?;
    if !name.contains(':') {
        return Ok((dev.ifindex, None));
    }
    let a = dev
        .addrs
        .iter()
        .find(|a| a.label == name)
        .ok_or(Errno::NoDev)?;
    Ok((dev.ifindex, Some(a.addr)))
}

pub fn fib_errno(e: FibError) -> Errno {
    match e {
        FibError::GatewayUnreachable => Errno::NetUnreach,
        FibError::Exists => Errno::Exist,
        FibError::NoSuchRoute => Errno::Srch,
        FibError::NoSuchDevice => Errno::NoDev,
    }
}

fn add_route(k: &mut Kernel, req: &Request) -> Result<(), Errno> {
    let prefix = prefix_len(req)?;
    let mut route = Route {
        dst: req.dst,
        prefix,
        gw: None,
        dev: None,
        metric: req.metric.unwrap_or(0),
        rtype: RouteType::Unreachable,
        proto: Proto::Boot,
        src: None,
    };
    // A reject route ignores device and gateway.
    if !req.reject {
        let dev = req.dev.as_deref().map(|d| device(k, d)).transpose()?;
        route.rtype = RouteType::Unicast;
        route.dev = dev.map(|d| d.0);
        route.src = dev.and_then(|d| d.1);
        route.gw = req.gw;
        match (route.gw, route.dev) {
            (Some(g), _) if g.is_unspecified() => return Err(Errno::Inval),
            (None, None) => return Err(Errno::NoDev),
            (None, Some(d)) if !k.devs.get(d).is_some_and(|d| d.up) => return Err(Errno::NetDown),
            _ => {}
        }
    }
    k.fib.add_ioctl(&k.devs, route).map_err(fib_errno)
}

/// fib_table_delete: the first route with this destination and prefix whose type, and
/// metric, gateway and device where given, match. Only routes users added can go.
fn del_route(k: &mut Kernel, req: &Request) -> Result<(), Errno> {
    let prefix = prefix_len(req)?;
    let dev = req.dev.as_deref().map(|d| device(k, d)).transpose()?;
    let rtype = if req.reject {
        RouteType::Unreachable
    } else {
        RouteType::Unicast
    };
    let found = k.fib.routes(&k.devs).into_iter().find(|r| {
        r.dst == req.dst
            && r.prefix == prefix
            && r.proto == Proto::Boot
            && r.rtype == rtype
            && req.metric.is_none_or(|m| m == r.metric)
            && req.gw.is_none_or(|g| r.gw == Some(g))
            && dev.is_none_or(|d| r.dev == Some(d.0))
    });
    let r = found.ok_or(Errno::Srch)?;
    // At most one user route exists per destination, prefix and metric.
    k.fib
        .del(r.dst, r.prefix, None, None, Some(r.metric))
        .map(|_| ())
        .map_err(fib_errno)
}

#[cfg(test)]
#[path = "route_tests.rs"]
mod tests;
