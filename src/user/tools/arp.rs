//! `arp` (net-tools 2.10): shows the neighbour table in the Linux layout (`arp`, `arp -n`,
//! `arp -e`) or the BSD one (`arp -a`), and sets (`-s`, `-Ds … pub`, `-f`) and deletes (`-d`)
//! entries with the kernel's SIOCSARP/SIOCDARP rules (net/ipv4/arp.c).

use super::fmt::{self, Errno};
use crate::kernel::arp::{Neigh, Nud};
use crate::kernel::fib::onlink_dev;
use crate::kernel::netdev::{fmt_mac, parse_mac, DevKind, Mac};
use crate::kernel::process::Sys;
use crate::kernel::Kernel;
use std::net::Ipv4Addr;

const E_OPTERR: i32 = 3;
/// What net-tools' `return -1` becomes as an exit status.
const FAILED: i32 = 255;

const ATF_COM: u32 = 0x2;
const ATF_PERM: u32 = 0x4;
const ATF_PUBL: u32 = 0x8;

const LONG: &[(&str, char)] = &[
    ("verbose", 'v'),
    ("version", 'V'),
    ("all", 'a'),
    ("delete", 'd'),
    ("file", 'f'),
    ("numeric", 'n'),
    ("set", 's'),
    ("protocol", 'A'),
    ("hw-type", 'H'),
    ("device", 'i'),
    ("help", 'h'),
    ("use-device", 'D'),
    ("symbolic", 'N'),
];

const USAGE: &str =
    "Usage:\n  arp [-vn]  [<HW>] [-i <if>] [-a] [<hostname>]             <-Display ARP cache\n  \
    arp [-v]          [-i <if>] -d  <host> [pub]               <-Delete ARP entry\n  \
    arp [-vnD] [<HW>] [-i <if>] -f  [<filename>]            <-Add entry from file\n  \
    arp [-v]   [<HW>] [-i <if>] -s  <host> <hwaddr> [temp]            <-Add entry\n  \
    arp [-v]   [<HW>] [-i <if>] -Ds <host> <if> [netmask <nm>] pub          <-''-\n\n        \
    -a                       display (all) hosts in alternative (BSD) style\n        \
    -e                       display (all) hosts in default (Linux) style\n        \
    -s, --set                set a new ARP entry\n        \
    -d, --delete             delete a specified entry\n        \
    -v, --verbose            be verbose\n        \
    -n, --numeric            don't resolve names\n        \
    -i, --device             specify network interface (e.g. eth0)\n        \
    -D, --use-device         read <hwaddr> from given device\n        \
    -A, -p, --protocol       specify protocol family\n        \
    -f, --file               read new entries from file or from /etc/ethers\n\n  \
    <HW>=Use '-H <hw>' to specify hardware address type. Default: ether\n  \
    List of possible hardware types (which support ARP):\n";

#[derive(Default)]
struct Opts {
    numeric: bool,
    linux_style: bool,
    all: bool,
    verbose: bool,
    use_device: bool,
    hw_set: bool,
    device: Option<String>,
}

pub fn main(sys: &mut Sys, args: &[String]) -> i32 {
    let g = match fmt::getopt("arp", args, "A:H:adfp:nsei:t:vh?DNV", LONG) {
        Ok(g) => g,
        Err(msg) => {
            sys.eprint(&format!("{msg}\n"));
            return usage(sys, E_OPTERR);
        }
    };
    let mut o = Opts::default();
    let mut what = 0;
    for (opt, value) in &g.opts {
        let value = value.as_deref().unwrap_or("");
        match opt {
            'a' => (what, o.all) = (1, true),
            'f' => what = 2,
            'd' => what = 3,
            's' => what = 4,
            'e' => o.linux_style = true,
            'n' => o.numeric = true,
            'D' => o.use_device = true,
            'N' => sys.eprint("arp: -N not yet supported.\n"),
            'v' => o.verbose = true,
            'A' | 'p' if value != "inet" => {
                sys.eprint(&format!("arp: {value}: unknown address family.\n"));
                return FAILED;
            }
            'H' | 't' if value != "ether" => {
                sys.eprint(&format!("arp: {value}: unknown hardware type.\n"));
                return FAILED;
            }
            'H' | 't' => o.hw_set = true,
            'i' => o.device = Some(value.to_string()),
            'V' => {
                sys.print("net-tools 2.10\n");
                return 0;
            }
            'h' => return usage(sys, 0),
            '?' => return usage(sys, E_OPTERR),
            _ => {}
        }
    }
    let operands: Vec<&str> = g.operands.iter().map(String::as_str).collect();
    match what {
        0 | 1 => {
            o.linux_style |= what == 0;
            show(sys, &o, operands.first().copied())
        }
        2 => from_file(sys, &o, operands.first().copied().unwrap_or("/etc/ethers")),
        3 => delete(sys, &o, &operands),
        _ => set(sys, &o, &operands),
    }
}

fn usage(sys: &mut Sys, status: i32) -> i32 {
    if status == 0 {
        sys.print(USAGE);
    } else {
        sys.eprint(USAGE);
    }
    sys.eprint("    ether (Ethernet) \n");
    status
}

/// The ATF_* flags /proc/net/arp gives an entry.
fn atf_flags(n: &Neigh) -> u32 {
    match (n.proxy, n.state) {
        (true, _) => ATF_PUBL | ATF_PERM,
        (false, Nud::Permanent) => ATF_COM | ATF_PERM,
        (false, s) if s.valid() => ATF_COM,
        _ => 0,
    }
}

/// Entries in /proc/net/arp order: the neighbours, then the proxy (published) entries.
fn proc_order(k: &Kernel) -> Vec<&Neigh> {
    let (proxy, plain): (Vec<&Neigh>, Vec<&Neigh>) = k.neigh.entries.iter().partition(|n| n.proxy);
    plain.into_iter().chain(proxy).collect()
}

fn show(sys: &mut Sys, o: &Opts, name: Option<&str>) -> i32 {
    let host = match name.map(|n| (n, fmt::inet_resolve(sys.k, n, false))) {
        Some((n, None)) => {
            sys.eprint(&format!("{n}: Unknown host\n"));
            return FAILED;
        }
        Some((_, Some((ip, _)))) => Some(ip),
        None => None,
    };
    let (mut text, mut entries, mut shown) = (String::new(), 0, 0);
    for n in proc_order(sys.k) {
        entries += 1;
        let dev = sys.k.dev_name(n.dev);
        if host.is_some_and(|h| h != n.ip) || o.device.as_ref().is_some_and(|d| *d != dev) {
            continue;
        }
        shown += 1;
        let ip = n.ip.to_string();
        let name = match o.numeric {
            true => None,
            false => sys.k.reverse(n.ip).filter(|h| *h != ip),
        };
        if o.linux_style {
            if shown == 1 {
                text += "Address                  HWtype  HWaddress           Flags Mask            Iface\n";
            }
            text += &linux_row(name.as_deref().unwrap_or(&ip), n, &dev);
        } else {
            text += &bsd_row(name.as_deref().unwrap_or("?"), n, &dev);
        }
    }
    if o.verbose {
        let skipped = entries - shown;
        text += &format!("Entries: {entries}\tSkipped: {skipped}\tFound: {shown}\n");
    }
    if shown == 0 {
        match (name, host) {
            (Some(n), Some(h)) if !o.all => text += &format!("{n} ({h}) -- no entry\n"),
            _ if o.hw_set || host.is_some() || o.device.is_some() => {
                text += &format!("arp: in {entries} entries no match found.\n")
            }
            _ => {}
        }
    }
    sys.print(&text);
    0
}

/// arp_disp_2 (formats.md §1).
fn linux_row(name: &str, n: &Neigh, dev: &str) -> String {
    let flags = atf_flags(n);
    let (hwtype, hwaddr) = if flags & ATF_COM != 0 {
        ("ether", fmt_mac(&n.mac.unwrap_or_default()))
    } else if flags & ATF_PUBL != 0 {
        ("*", "<from_interface>".to_string())
    } else {
        ("", "(incomplete)".to_string())
    };
    format!(
        "{name:<23.23}  {hwtype:<8.8}{hwaddr:<20.20}{:<6.6}{:<15.15} {dev}\n",
        flag_letters(flags),
        ""
    )
}

fn flag_letters(flags: u32) -> String {
    [(ATF_COM, 'C'), (ATF_PERM, 'M'), (ATF_PUBL, 'P')]
        .iter()
        .filter(|(f, _)| flags & f != 0)
        .map(|(_, c)| *c)
        .collect()
}

/// arp_disp (formats.md §2).
fn bsd_row(name: &str, n: &Neigh, dev: &str) -> String {
    let flags = atf_flags(n);
    let mut s = format!("{name} ({}) at ", n.ip);
    if flags & ATF_COM != 0 {
        s += &format!("{} [ether] ", fmt_mac(&n.mac.unwrap_or_default()));
    } else if flags & ATF_PUBL != 0 {
        s += "<from_interface> ";
    } else {
        s += "<incomplete> ";
    }
    if flags & ATF_PERM != 0 {
        s += "PERM ";
    }
    if flags & ATF_PUBL != 0 {
        s += "PUB ";
    }
    s + &format!("on {dev}\n")
}

/// A host argument as net-tools reads it; an unknown name is reported as herror does.
fn host_arg(sys: &mut Sys, args: &[&str]) -> Result<Ipv4Addr, ()> {
    let Some(host) = args.first() else {
        sys.eprint("arp: need host name\n");
        return Err(());
    };
    match fmt::inet_resolve(sys.k, host, false) {
        Some((ip, _)) => Ok(ip),
        None => {
            sys.eprint(&format!("{host}: Unknown host\n"));
            Err(())
        }
    }
}

/// The modifiers after `arp -s HOST HW` or `arp -d HOST`.
#[derive(Default)]
struct Mods {
    temp: bool,
    publ: Option<bool>,
    device: Option<String>,
    netmask: bool,
}

fn modifiers(sys: &mut Sys, o: &Opts, args: &[&str]) -> Result<Mods, i32> {
    let mut m = Mods {
        device: o.device.clone(),
        ..Mods::default()
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match *arg {
            "temp" => m.temp = true,
            "pub" => m.publ = Some(true),
            "priv" => m.publ = Some(false),
            "trail" | "dontpub" | "auto" => {}
            "dev" => m.device = Some(it.next().ok_or_else(|| usage(sys, E_OPTERR))?.to_string()),
            "netmask" => {
                let mask = it.next().ok_or_else(|| usage(sys, E_OPTERR))?;
                if *mask != "255.255.255.255" {
                    host_arg(sys, &[mask]).map_err(|_| FAILED)?;
                    m.netmask = true;
                }
            }
            _ => return Err(usage(sys, E_OPTERR)),
        }
    }
    Ok(m)
}

/// A device named in an ioctl (no alias stripping there).
fn named_dev(k: &Kernel, name: &str) -> Result<usize, Errno> {
    k.devs
        .iter()
        .find(|d| d.name == name)
        .map(|d| d.ifindex)
        .ok_or(Errno::NoDev)
}

fn set(sys: &mut Sys, o: &Opts, args: &[&str]) -> i32 {
    match try_set(sys, o, args) {
        Ok(()) => 0,
        Err(status) => status,
    }
}

fn try_set(sys: &mut Sys, o: &Opts, args: &[&str]) -> Result<(), i32> {
    let ip = host_arg(sys, args).map_err(|_| FAILED)?;
    let Some(hw) = args.get(1) else {
        sys.eprint("arp: need hardware address\n");
        return Err(FAILED);
    };
    let mac = if o.use_device {
        match sys.k.devs.by_name(hw) {
            Some(d) => d.mac,
            None => {
                sys.eprint(&format!(
                    "arp: cant get HW-Address for `{hw}': No such device.\n"
                ));
                return Err(FAILED);
            }
        }
    } else {
        parse_mac(hw).ok_or_else(|| {
            sys.eprint("arp: invalid hardware address\n");
            FAILED
        })?
    };
    let m = modifiers(sys, o, &args[2..])?;
    let now = sys.now();
    let r = if m.publ == Some(true) {
        set_public(sys.k, ip, mac, &m)
    } else {
        set_private(sys.k, ip, mac, &m)
    };
    let (dev, permanent, proxy) = r.map_err(|e| {
        sys.eprint(&format!("SIOCSARP: {}\n", e.text()));
        FAILED
    })?;
    sys.k.neigh.set_static(dev, ip, mac, permanent, proxy, now);
    Ok(())
}

/// arp_req_set_public: without a device, the device is the one that owns the MAC.
fn set_public(k: &Kernel, _ip: Ipv4Addr, mac: Mac, m: &Mods) -> Result<(usize, bool, bool), Errno> {
    if m.netmask {
        return Err(Errno::Inval);
    }
    let dev = match &m.device {
        Some(d) => named_dev(k, d)?,
        None => k
            .devs
            .iter()
            .find(|d| d.kind == DevKind::Ether && d.mac == mac)
            .map(|d| d.ifindex)
            .ok_or(Errno::NoDev)?,
    };
    Ok((dev, true, true))
}

/// arp_req_set: without a device, the one a link-scope route reaches the address through
/// (for one of our own addresses that is `lo`, which takes no Ethernet address).
fn set_private(
    k: &Kernel,
    ip: Ipv4Addr,
    _mac: Mac,
    m: &Mods,
) -> Result<(usize, bool, bool), Errno> {
    if m.netmask || (m.device.is_none() && k.devs.is_local(ip)) {
        return Err(Errno::Inval);
    }
    let dev = match &m.device {
        Some(d) => named_dev(k, d)?,
        None => onlink_dev(&k.devs, ip).ok_or(Errno::NetUnreach)?,
    };
    if k.devs.get(dev).is_some_and(|d| d.kind != DevKind::Ether) {
        return Err(Errno::Inval);
    }
    Ok((dev, !m.temp, false))
}

/// `arp -d`: the private entry first, then the published one (net-tools tries both unless
/// told `pub` or `priv`). Exit status 1 on failure (see the module's tests).
fn delete(sys: &mut Sys, o: &Opts, args: &[&str]) -> i32 {
    let Ok(ip) = host_arg(sys, args) else {
        return 1;
    };
    let m = match modifiers(sys, o, &args[1..]) {
        Ok(m) => m,
        Err(status) => return status,
    };
    let host = args[0];
    if m.publ != Some(true) {
        match delete_private(sys.k, ip, &m) {
            Ok(true) => return 0,
            Ok(false) if m.publ.is_none() => {}
            Ok(false) => {
                sys.print(&format!("No ARP entry for {host}\n"));
                return 1;
            }
            Err(e) => {
                sys.eprint(&format!("SIOCDARP(dontpub): {}\n", e.text()));
                return 1;
            }
        }
    }
    match delete_public(sys.k, ip, &m) {
        Ok(true) => 0,
        Ok(false) => {
            sys.print(&format!("No ARP entry for {host}\n"));
            1
        }
        Err(e) => {
            sys.eprint(&format!("SIOCDARP(pub): {}\n", e.text()));
            1
        }
    }
}

/// arp_req_delete → arp_invalidate: found on the given device or the one a link-scope route
/// leads to (no such route: ENETUNREACH).
fn delete_private(k: &mut Kernel, ip: Ipv4Addr, m: &Mods) -> Result<bool, Errno> {
    if m.netmask {
        return Err(Errno::Inval);
    }
    let dev = match &m.device {
        Some(d) => named_dev(k, d)?,
        None => onlink_dev(&k.devs, ip).ok_or(Errno::NetUnreach)?,
    };
    Ok(remove(k, |n| !n.proxy && n.ip == ip && n.dev == dev))
}

/// pneigh_delete: a published entry only matches when its device is named (`-i eth0`).
fn delete_public(k: &mut Kernel, ip: Ipv4Addr, m: &Mods) -> Result<bool, Errno> {
    if m.netmask {
        return Err(Errno::Inval);
    }
    let Some(name) = &m.device else {
        return Ok(false);
    };
    let dev = named_dev(k, name)?;
    Ok(remove(k, |n| n.proxy && n.ip == ip && n.dev == dev))
}

fn remove(k: &mut Kernel, pick: impl Fn(&Neigh) -> bool) -> bool {
    match k.neigh.entries.iter().position(pick) {
        Some(i) => {
            k.neigh.entries.remove(i);
            true
        }
        None => false,
    }
}

/// `arp -f FILE`: one `arp -s` per line (ethers order `MAC host` is accepted too).
fn from_file(sys: &mut Sys, o: &Opts, name: &str) -> i32 {
    let Ok(data) = sys.read_file(name) else {
        sys.eprint(&format!("arp: cannot open etherfile {name} !\n"));
        return FAILED;
    };
    let text = String::from_utf8_lossy(&data).into_owned();
    for (i, line) in text.lines().enumerate() {
        let mut words: Vec<&str> = line.split_whitespace().collect();
        if line.starts_with('#') || words.is_empty() {
            continue;
        }
        if words.len() < 2 {
            sys.eprint(&format!(
                "arp: format error on line {} of etherfile {name} !\n",
                i + 1
            ));
            continue;
        }
        if words[0].contains(':') {
            words.swap(0, 1);
        }
        if set(sys, o, &words) != 0 {
            sys.eprint(&format!(
                "arp: cannot set entry on line {} of etherfile {name} !\n",
                i + 1
            ));
        }
    }
    0
}

#[cfg(test)]
#[path = "arp_tests.rs"]
mod tests;
