//! `ifconfig` (net-tools 2.10): lists interfaces and their aliases, and sets addresses,
//! netmasks, broadcast addresses, MTU, MAC and up/down through the kernel's SIOCSIF* rules
//! (devinet_ioctl): an address set on `eth0:2` lives on eth0 with the label `eth0:2`.

use super::fmt::{self, Errno};
use crate::kernel::netdev::{
    broadcast_of, classful_prefix, fmt_mac, mask_to_prefix, parse_mac, DevKind, IfAddr, NetDev,
    IFF_BROADCAST, IFF_UP,
};
use crate::kernel::process::Sys;
use crate::kernel::Kernel;
use std::net::Ipv4Addr;

/// Flag names in the order ifconfig prints them.
const FLAG_NAMES: [(u32, &str); 14] = [
    (0x1, "UP"),
    (0x2, "BROADCAST"),
    (0x4, "DEBUG"),
    (0x8, "LOOPBACK"),
    (0x10, "POINTOPOINT"),
    (0x20, "NOTRAILERS"),
    (0x40, "RUNNING"),
    (0x80, "NOARP"),
    (0x100, "PROMISC"),
    (0x200, "ALLMULTI"),
    (0x800, "SLAVE"),
    (0x400, "MASTER"),
    (0x1000, "MULTICAST"),
    (0x8000, "DYNAMIC"),
];

/// What to do after an argument: go on, or exit now with a status (usage errors exit).
type Step = Result<bool, i32>;

pub fn main(sys: &mut Sys, args: &[String]) -> i32 {
    let (mut all, mut short, mut i) = (false, false, 1);
    while let Some(opt) = args.get(i).filter(|a| a.starts_with('-')) {
        match opt.as_str() {
            "-a" => all = true,
            "-s" => short = true,
            "-v" => {}
            "-V" | "-version" | "--version" => {
                sys.print("net-tools 2.10\n");
                return 0;
            }
            "-?" | "-h" | "-help" | "--help" => return usage(sys, 0),
            _ => {
                sys.eprint(&format!("ifconfig: option `{opt}' not recognised.\n"));
                sys.eprint("ifconfig: `--help' gives usage information.\n");
                return 1;
            }
        }
        i += 1;
    }
    if let Some(name) = args.get(i) {
        // Naming a device loads its driver (tunl0 appears with the ipip module).
        let base = name.split(':').next().unwrap_or(name);
        crate::kernel::ipip::dev_load(sys.k, base);
    }
    match &args[i.min(args.len())..] {
        [] => list(sys, all, short),
        [name] => show_one(sys, name, short),
        [name, ops @ ..] => configure(sys, name, ops),
    }
}

fn usage(sys: &mut Sys, status: i32) -> i32 {
    let text = "Usage:\n  ifconfig [-a] [-v] [-s] <interface> [[<AF>] <address>]\n  \
        [add <address>[/<prefixlen>]]\n  [del <address>[/<prefixlen>]]\n  \
        [[-]broadcast [<address>]]  [[-]pointopoint [<address>]]\n  \
        [netmask <address>]  [dstaddr <address>]  [tunnel <address>]\n  \
        [outfill <NN>] [keepalive <NN>]\n  [hw <HW> <address>]  [mtu <NN>]\n  \
        [[-]trailers]  [[-]arp]  [[-]allmulti]\n  [multicast]  [[-]promisc]\n  \
        [mem_start <NN>]  [io_addr <NN>]  [irq <NN>]  [media <type>]\n  \
        [txqueuelen <NN>]\n  [name <newname>]\n  [[-]dynamic]\n  [up|down] ...\n\n  \
        <HW>=Hardware Type.\n  List of possible hardware types:\n    \
        loop (Local Loopback) ether (Ethernet) \n  \
        <AF>=Address family. Default: inet\n  List of possible address families:\n    \
        inet (DARPA Internet) \n";
    if status == 0 {
        sys.print(text);
    } else {
        sys.eprint(text);
    }
    status
}

/// Every name ifconfig lists: each device and each alias label, in nstrcmp order.
pub fn names(k: &Kernel) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for dev in k.devs.iter() {
        out.push((dev.name.clone(), dev.ifindex));
        for a in &dev.addrs {
            if a.label != dev.name && !out.iter().any(|(n, _)| *n == a.label) {
                out.push((a.label.clone(), dev.ifindex));
            }
        }
    }
    out.sort_by(|a, b| fmt::nstrcmp(&a.0, &b.0));
    out
}

fn list(sys: &mut Sys, all: bool, short: bool) -> i32 {
    let mut text = String::new();
    if short {
        text.push_str(super::netstat::IFACE_HEADER);
    }
    for (name, ifindex) in names(sys.k) {
        let Some(dev) = sys.k.devs.get(ifindex) else {
            continue;
        };
        if dev.flags() & IFF_UP == 0 && !all {
            continue;
        }
        if short {
            // Like netstat -i, which lists no aliases (formats.md §6).
            if name == dev.name {
                text.push_str(&super::netstat::iface_row(dev));
            }
        } else {
            text.push_str(&block(dev, &name));
        }
    }
    sys.print(&text);
    0
}

fn show_one(sys: &mut Sys, name: &str, short: bool) -> i32 {
    let Some(dev) = sys.k.devs.by_name(name) else {
        sys.eprint(&format!(
            "{name}: error fetching interface information: Device not found\n"
        ));
        return 1;
    };
    let text = if short {
        format!(
            "{}{}",
            super::netstat::IFACE_HEADER,
            super::netstat::iface_row(dev)
        )
    } else {
        block(dev, name)
    };
    sys.print(&text);
    0
}

/// `flags=4163<UP,BROADCAST,RUNNING,MULTICAST>` without the number.
pub fn flag_names(flags: u32) -> String {
    let names: Vec<&str> = FLAG_NAMES
        .iter()
        .filter(|(f, _)| flags & f != 0)
        .map(|(_, n)| *n)
        .collect();
    names.join(",")
}

/// One interface block (formats.md §7). An alias (`eth0:2`) has only the flags, inet and
/// hardware lines, with its parent's flags and MTU.
pub fn block(dev: &NetDev, name: &str) -> String {
    let alias = name != dev.name;
    let flags = dev.flags();
    let mut s = format!(
        "{name}: flags={flags}<{}>  mtu {}\n",
        flag_names(flags),
        dev.mtu
    );
    if let Some(a) = dev.addrs.iter().find(|a| a.label == name) {
        s += &format!("        inet {}  netmask {}", a.addr, a.netmask());
        if flags & IFF_BROADCAST != 0 {
            let brd = a.broadcast.unwrap_or(Ipv4Addr::UNSPECIFIED);
            s += &format!("  broadcast {brd}");
        }
        s.push('\n');
    }
    if !alias {
        s += &inet6_line(dev);
    }
    s += &match dev.kind {
        DevKind::Ether => format!(
            "        ether {}  txqueuelen 1000  (Ethernet)\n",
            fmt_mac(&dev.mac)
        ),
        DevKind::Loopback => "        loop  txqueuelen 1000  (Local Loopback)\n".to_string(),
        DevKind::Ipip => "        tunnel   txqueuelen 1000  (IPIP Tunnel)\n".to_string(),
    };
    if !alias {
        s += &counters(dev);
    }
    s.push('\n');
    s
}

/// The kernel's automatic IPv6 address: ::1 on an up loopback, the EUI-64 link-local address
/// on an Ethernet device once it is running (addrconf waits for the carrier).
fn inet6_line(dev: &NetDev) -> String {
    match dev.kind {
        DevKind::Loopback if dev.up => {
            "        inet6 ::1  prefixlen 128  scopeid 0x10<host>\n".to_string()
        }
        DevKind::Ether if dev.is_running() => format!(
            "        inet6 {}  prefixlen 64  scopeid 0x20<link>\n",
            fmt::link_local(&dev.mac)
        ),
        _ => String::new(),
    }
}

fn counters(dev: &NetDev) -> String {
    let c = &dev.stats;
    format!(
        "        RX packets {}  bytes {} ({})\n        \
         RX errors 0  dropped {}  overruns 0  frame 0\n        \
         TX packets {}  bytes {} ({})\n        \
         TX errors 0  dropped {} overruns 0  carrier 0  collisions 0\n",
        c.rx_packets,
        c.rx_bytes,
        fmt::human_bytes(c.rx_bytes),
        c.rx_dropped,
        c.tx_packets,
        c.tx_bytes,
        fmt::human_bytes(c.tx_bytes),
        c.tx_dropped
    )
}

/// `ifconfig NAME ARG…`: each argument is one ioctl, in order, as net-tools does; errors are
/// reported and the rest still runs; the exit status says whether any failed.
fn configure(sys: &mut Sys, name: &str, ops: &[String]) -> i32 {
    let ops = ops.strip_prefix(&["inet".to_string()]).unwrap_or(ops);
    let mut err = false;
    let mut mask_at_end = None;
    let mut i = 0;
    while i < ops.len() {
        let next = ops.get(i + 1).map(String::as_str);
        let step = match ops[i].as_str() {
            "up" => Ok(set_flag(sys, name, true)),
            "down" => Ok(set_flag(sys, name, false)),
            "mtu" => mtu(sys, name, next),
            "netmask" => netmask(sys, name, next),
            "broadcast" => broadcast(sys, name, next),
            "hw" => hw(sys, name, next, ops.get(i + 2).map(String::as_str)),
            addr => address(sys, name, addr, &mut mask_at_end),
        };
        match step {
            Ok(failed) => err |= failed,
            Err(status) => return status,
        }
        i += match ops[i].as_str() {
            "mtu" | "netmask" => 2,
            "broadcast" => 1 + usize::from(next.is_some()),
            "hw" => 3,
            _ => 1,
        };
    }
    if let Some(prefix) = mask_at_end {
        let r = set_netmask(sys.k, name, prefix);
        err |= report(sys, "SIOCSIFNETMASK", r);
    }
    i32::from(err)
}

/// perror-style report of a failed ioctl; true if it failed.
fn report(sys: &mut Sys, what: &str, r: Result<(), Errno>) -> bool {
    if let Err(e) = r {
        sys.eprint(&format!("{what}: {}\n", e.text()));
    }
    r.is_err()
}

/// herror's report of a name that does not resolve: with a name server to ask, its
/// NXDOMAIN (HOST_NOT_FOUND, `Unknown host`); with none configured the resolver asks
/// 127.0.0.1:53, is refused, and says TRY_AGAIN (`Host name lookup failure`), which is what
/// the course's typo `netmark` gets on a machine without DNS.
fn unknown_host(sys: &mut Sys, host: &str) -> bool {
    use crate::user::libc::resolv_conf;
    let conf = sys.read_file(resolv_conf::PATH).unwrap_or_default();
    let dns = !resolv_conf::parse(&String::from_utf8_lossy(&conf))
        .servers
        .is_empty();
    let why = if dns {
        "Unknown host"
    } else {
        "Host name lookup failure"
    };
    sys.eprint(&format!("{host}: {why}\n"));
    true
}

fn lookup(sys: &Sys, host: &str) -> Option<Ipv4Addr> {
    fmt::inet_resolve(sys.k, host, false).map(|(ip, _)| ip)
}

fn mtu(sys: &mut Sys, name: &str, value: Option<&str>) -> Step {
    let value = value.ok_or_else(|| usage(sys, 3))?;
    let r = set_mtu(sys.k, name, atoi(value));
    Ok(report(sys, "SIOCSIFMTU", r))
}

fn netmask(sys: &mut Sys, name: &str, value: Option<&str>) -> Step {
    let value = value.ok_or_else(|| usage(sys, 3))?;
    let Some(mask) = lookup(sys, value) else {
        return Ok(unknown_host(sys, value));
    };
    let r = mask_to_prefix(mask)
        .ok_or(Errno::Inval)
        .and_then(|p| set_netmask(sys.k, name, p));
    Ok(report(sys, "SIOCSIFNETMASK", r))
}

fn broadcast(sys: &mut Sys, name: &str, value: Option<&str>) -> Step {
    let mut failed = false;
    if let Some(value) = value {
        match lookup(sys, value) {
            None => return Ok(unknown_host(sys, value)),
            Some(b) => {
                let r = set_broadcast(sys.k, name, b);
                failed = report(sys, "SIOCSIFBRDADDR", r);
            }
        }
    }
    // net-tools then sets IFF_BROADCAST, which only reads the flags of a missing device.
    Ok(failed | flags_unreadable(sys, name))
}

fn hw(sys: &mut Sys, name: &str, kind: Option<&str>, mac: Option<&str>) -> Step {
    let (Some("ether"), Some(mac)) = (kind, mac) else {
        return Err(usage(sys, 3));
    };
    let Some(mac_bytes) = parse_mac(mac) else {
        sys.eprint(&format!("{mac}: invalid ether address.\n"));
        return Ok(true);
    };
    let r = match sys
        .k
        .devs
        .index_of(name)
        .and_then(|i| sys.k.devs.get_mut(i))
    {
        None => Err(Errno::NoDev),
        Some(d) if d.kind != DevKind::Ether => Err(Errno::Inval),
        Some(d) => {
            d.mac = mac_bytes;
            Ok(())
        }
    };
    Ok(report(sys, "SIOCSIFHWADDR", r))
}

/// A bare argument is the address, optionally `/prefix`; a name that does not resolve ends
/// ifconfig at once. Setting an address brings the interface up, except `0.0.0.0` on an alias
/// (which deletes it).
fn address(sys: &mut Sys, name: &str, arg: &str, mask_at_end: &mut Option<u8>) -> Step {
    let (host, prefix) = match arg.split_once('/') {
        Some((h, p)) => match p.parse::<u8>().ok().filter(|p| *p <= 32) {
            Some(p) => (h, Some(p)),
            None => return Err(usage(sys, 3)),
        },
        None => (arg, None),
    };
    if prefix.is_some() {
        *mask_at_end = prefix;
    }
    let Some(ip) = lookup(sys, host) else {
        unknown_host(sys, host);
        sys.eprint("ifconfig: `--help' gives usage information.\n");
        return Err(1);
    };
    let r = set_addr(sys.k, name, ip);
    let failed = report(sys, "SIOCSIFADDR", r);
    if name.contains(':') && ip.is_unspecified() {
        return Ok(failed);
    }
    Ok(failed | set_flag(sys, name, true))
}

/// SIOCGIFFLAGS on a device that does not exist; true if it failed.
fn flags_unreadable(sys: &mut Sys, name: &str) -> bool {
    if sys.k.devs.by_name(name).is_some() {
        return false;
    }
    sys.eprint(&format!(
        "{name}: ERROR while getting interface flags: No such device\n"
    ));
    true
}

/// `up`/`down`: on a device it changes the device; on an alias `down` deletes the alias's
/// address and `up` only checks that it exists (devinet_ioctl SIOCSIFFLAGS).
fn set_flag(sys: &mut Sys, name: &str, up: bool) -> bool {
    if flags_unreadable(sys, name) {
        return true;
    }
    let Some(ifindex) = sys.k.devs.index_of(name) else {
        return true;
    };
    if !name.contains(':') {
        sys.k.set_dev_up(ifindex, up);
        return false;
    }
    let r = match sys.k.devs.get_mut(ifindex) {
        Some(d) => match d.addrs.iter().position(|a| a.label == name) {
            Some(i) if !up => Ok(Some(d.addrs.remove(i).addr)),
            Some(_) => Ok(None),
            None => Err(Errno::AddrNotAvail),
        },
        None => Err(Errno::NoDev),
    };
    if let Ok(Some(gone)) = r {
        crate::kernel::devinet::inet_addr_removed(sys.k, ifindex, gone);
    }
    report(sys, "SIOCSIFFLAGS", r.map(|_| ()))
}

/// atoi(3): leading digits, 0 if none.
fn atoi(text: &str) -> i64 {
    let t = text.trim_start();
    let (sign, digits) = match t.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, t.strip_prefix('+').unwrap_or(t)),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    sign * digits[..end].parse::<i64>().unwrap_or(0)
}

/// The device for `name` (an alias finds its parent) and the index of the address labelled
/// `name`, as the SIOCSIF* handlers look them up.
fn labelled<'a>(k: &'a mut Kernel, name: &str) -> Result<(&'a mut NetDev, Option<usize>), Errno> {
    let ifindex = k.devs.index_of(name).ok_or(Errno::NoDev)?;
    let dev = k.devs.get_mut(ifindex).ok_or(Errno::NoDev)?;
    let pos = dev.addrs.iter().position(|a| a.label == name);
    Ok((dev, pos))
}

/// inet_abc_len: the classful prefix, 0 for 0.x and 255.255.255.255, 32 for class E;
/// multicast cannot be an interface address.
fn abc_len(ip: Ipv4Addr) -> Option<u8> {
    match ip.octets()[0] {
        _ if ip == Ipv4Addr::BROADCAST => Some(0),
        0 => Some(0),
        224..=239 => None,
        240..=255 => Some(32),
        _ => Some(classful_prefix(ip)),
    }
}

/// SIOCSIFADDR: replaces the address labelled `name` (or adds one) with the classful netmask
/// and, on a broadcast device, the matching broadcast address. 0.0.0.0 deletes it.
fn set_addr(k: &mut Kernel, name: &str, ip: Ipv4Addr) -> Result<(), Errno> {
    let ifindex = k.devs.index_of(name).ok_or(Errno::NoDev)?;
    let (dev, pos) = labelled(k, name)?;
    let prefix = abc_len(ip).ok_or(Errno::Inval)?;
    let mut removed = None;
    if let Some(i) = pos {
        if dev.addrs[i].addr == ip {
            return Ok(());
        }
        removed = Some(dev.addrs.remove(i).addr);
    }
    let r = match ip.is_unspecified() {
        true => Ok(()),
        false => {
            let broadcast =
                (dev.kind == DevKind::Ether && prefix < 31).then(|| broadcast_of(ip, prefix));
            let ifa = IfAddr {
                addr: ip,
                prefix,
                broadcast,
                label: name.to_string(),
            };
            fmt::insert_ifa(dev, ifa)
        }
    };
    if let Some(old) = removed {
        crate::kernel::devinet::inet_addr_removed(k, ifindex, old);
    }
    r
}

/// SIOCSIFNETMASK: a broadcast address that matched the old netmask follows the new one.
fn set_netmask(k: &mut Kernel, name: &str, prefix: u8) -> Result<(), Errno> {
    let (dev, pos) = labelled(k, name)?;
    let i = pos.ok_or(Errno::AddrNotAvail)?;
    let mut ifa = dev.addrs.remove(i);
    if ifa.prefix != prefix {
        let old = ifa.prefix;
        let follows = ifa.broadcast == Some(broadcast_of(ifa.addr, old));
        if dev.kind == DevKind::Ether && prefix < 31 && follows {
            ifa.broadcast = Some(broadcast_of(ifa.addr, prefix));
        }
        ifa.prefix = prefix;
    }
    // The kernel silently drops an address that now duplicates another one.
    let _ = fmt::insert_ifa(dev, ifa);
    Ok(())
}

fn set_broadcast(k: &mut Kernel, name: &str, brd: Ipv4Addr) -> Result<(), Errno> {
    let (dev, pos) = labelled(k, name)?;
    let i = pos.ok_or(Errno::AddrNotAvail)?;
    dev.addrs[i].broadcast = (!brd.is_unspecified()).then_some(brd);
    Ok(())
}

fn set_mtu(k: &mut Kernel, name: &str, mtu: i64) -> Result<(), Errno> {
    let (dev, _) = labelled(k, name)?;
    let (min, max) = fmt::mtu_range(dev.kind);
    if !(min..=max).contains(&mtu) {
        return Err(Errno::Inval);
    }
    dev.mtu = mtu as u32;
    Ok(())
}

#[cfg(test)]
#[path = "ifconfig_tests.rs"]
mod tests;
