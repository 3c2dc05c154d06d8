//! Helpers shared by the net-tools clones (`ifconfig`, `route`, `arp`, `netstat`), `ip` and
//! `sysctl`: address parsing as the C library does it, name lookups, the order net-tools lists
//! interfaces in, the errno texts perror prints, GNU getopt, and adding an address the way the
//! kernel orders primaries and secondaries.

use crate::kernel::netdev::{DevKind, IfAddr, Mac, NetDev};
use crate::kernel::process::Sys;
use crate::kernel::Kernel;
use std::cmp::Ordering;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The errno values the tools report, printed with strerror's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Errno {
    NoDev,
    AddrNotAvail,
    Inval,
    Exist,
    NetUnreach,
    HostUnreach,
    Srch,
    NetDown,
    NoEnt,
}

impl Errno {
    pub fn text(self) -> &'static str {
        match self {
            Errno::NoDev => "No such device",
            Errno::AddrNotAvail => "Cannot assign requested address",
            Errno::Inval => "Invalid argument",
            Errno::Exist => "File exists",
            Errno::NetUnreach => "Network is unreachable",
            Errno::HostUnreach => "No route to host",
            Errno::Srch => "No such process",
            Errno::NetDown => "Network is down",
            Errno::NoEnt => "No such file or directory",
        }
    }
}

/// A C number as strtoul(…, 0) reads it: `0x1f` hex, `017` octal, else decimal.
fn c_number(text: &str) -> Option<u64> {
    let (digits, radix) = if let Some(h) = text.strip_prefix("0x").or(text.strip_prefix("0X")) {
        (h, 16)
    } else if text.len() > 1 && text.starts_with('0') {
        (&text[1..], 8)
    } else {
        (text, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// inet_aton(3), which net-tools uses: 1 to 4 parts (`10.1` is 10.0.0.1), each part decimal,
/// octal or hex; the last part fills the remaining bytes.
pub fn inet_aton(text: &str) -> Option<Ipv4Addr> {
    let parts: Vec<u64> = text.split('.').map(c_number).collect::<Option<_>>()?;
    let (last, head) = parts.split_last()?;
    if head.len() > 3 || head.iter().any(|p| *p > 255) {
        return None;
    }
    let last_bits = 32 - 8 * head.len() as u32;
    if *last >= 1u64 << last_bits {
        return None;
    }
    let high = head
        .iter()
        .enumerate()
        .fold(0u64, |acc, (i, p)| acc | (p << (24 - 8 * i)));
    Some(Ipv4Addr::from((high | last) as u32))
}

/// net-tools' INET_resolve: `default` is 0.0.0.0 (a network), then a dotted quad, then the
/// hosts and networks databases, hosts first when `hostfirst`. Returns (address, is_network).
pub fn inet_resolve(k: &Kernel, text: &str, hostfirst: bool) -> Option<(Ipv4Addr, bool)> {
    if text == "default" {
        return Some((Ipv4Addr::UNSPECIFIED, true));
    }
    if let Some(ip) = inet_aton(text) {
        return Some((ip, false));
    }
    let host = || k.resolve(text).map(|ip| (ip, false));
    let net = || {
        networks(k)
            .into_iter()
            .find(|(n, _)| n == text)
            .map(|(_, ip)| (ip, true))
    };
    if hostfirst {
        host().or_else(net)
    } else {
        net().or_else(host)
    }
}

/// /etc/networks as (name, network) pairs; most nodes have none.
fn networks(k: &Kernel) -> Vec<(String, Ipv4Addr)> {
    let data = k.read_file("/etc/networks").unwrap_or_default();
    String::from_utf8_lossy(&data)
        .lines()
        .filter_map(|line| {
            let mut words = line.split('#').next().unwrap_or("").split_whitespace();
            let name = words.next()?;
            Some((name.to_string(), inet_aton(words.next()?)?))
        })
        .collect()
}

/// getnetbyaddr through /etc/networks, for network destinations in `route`.
pub fn net_name(k: &Kernel, ip: Ipv4Addr) -> Option<String> {
    networks(k)
        .into_iter()
        .find(|(_, n)| *n == ip)
        .map(|(name, _)| name)
}

/// ifconfig's byte counts in parentheses: one truncated decimal, a unit only when the value is
/// strictly above it (8234 → `8.0 KiB`, 1024 → `1024.0 B`).
pub fn human_bytes(v: u64) -> String {
    const UNITS: [(u32, &str); 6] = [
        (60, "EiB"),
        (50, "PiB"),
        (40, "TiB"),
        (30, "GiB"),
        (20, "MiB"),
        (10, "KiB"),
    ];
    let (tenths, unit) = UNITS
        .iter()
        .find(|(shift, _)| v > 1u64 << shift)
        .map_or((v as u128 * 10, "B"), |(shift, u)| {
            ((v as u128 * 10) >> shift, *u)
        });
    format!("{}.{} {}", tenths / 10, tenths % 10, unit)
}

/// net-tools' nstrcmp: names compare by their text, then the number they end with, then the
/// alias number, so `eth2` < `eth10` and `eth0` < `eth0:2` < `eth1`.
pub fn nstrcmp(a: &str, b: &str) -> Ordering {
    fn split(name: &str) -> (&str, Option<u64>) {
        match name.rsplit_once(':') {
            Some((base, n)) if !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()) => {
                (base, n.parse().ok())
            }
            _ => (name, None),
        }
    }
    let ((a, aa), (b, ba)) = (split(a), split(b));
    let ai = a.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let bi = b.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let n = |s: &str| s.parse::<u64>().unwrap_or(0);
    let m = ai.min(bi);
    a.as_bytes()[..m]
        .cmp(&b.as_bytes()[..m])
        .then(ai.cmp(&bi))
        .then(n(&a[ai..]).cmp(&n(&b[bi..])))
        .then(a.cmp(b))
        .then(
            aa.map_or(-1, |v| v as i128)
                .cmp(&ba.map_or(-1, |v| v as i128)),
        )
}

/// The IPv6 link-local address the kernel derives from a MAC (EUI-64: flip the U/L bit,
/// insert ff:fe in the middle).
pub fn link_local(mac: &Mac) -> Ipv6Addr {
    let w = |hi: u8, lo: u8| (u16::from(hi) << 8) | u16::from(lo);
    Ipv6Addr::new(
        0xfe80,
        0,
        0,
        0,
        w(mac[0] ^ 2, mac[1]),
        w(mac[2], 0xff),
        w(0xfe, mac[3]),
        w(mac[4], mac[5]),
    )
}

/// iproute2's matches(): a non-empty prefix of the keyword (`a` for `add`, `s` for `show`).
pub fn matches(arg: &str, keyword: &str) -> bool {
    !arg.is_empty() && keyword.starts_with(arg)
}

/// The MTUs a device accepts (dev_validate_mtu): Ethernet 68 to 65535 (as a veth), loopback
/// anything from 68, an IPIP tunnel 68 to 65535 − 20 (its outer header).
pub fn mtu_range(kind: DevKind) -> (i64, i64) {
    match kind {
        DevKind::Ether => (68, 65535),
        DevKind::Loopback => (68, i64::from(u32::MAX)),
        DevKind::Ipip => (68, 65515),
    }
}

/// The scope the kernel gives an IPv4 address: `host` for 127/8, else `global`.
pub fn ifa_scope(ip: Ipv4Addr) -> &'static str {
    if ip.is_loopback() {
        "host"
    } else {
        "global"
    }
}

/// Adds an address as the kernel does (devinet's __inet_insert_ifa): EEXIST for the same
/// address and prefix.
pub fn insert_ifa(dev: &mut NetDev, ifa: IfAddr) -> Result<(), Errno> {
    crate::kernel::devinet::inet_insert_ifa(dev, ifa).map_err(|_| Errno::Exist)
}

/// Options in command-line order (with their values) and operands.
pub struct Getopt {
    pub opts: Vec<(char, Option<String>)>,
    pub operands: Vec<String>,
}

/// GNU getopt_long as net-tools and procps use it: options may follow operands (argument
/// permutation), `--` ends them, short options combine (`-rn`), `x:` takes an argument
/// (attached or next), `x::` only an attached one, long options (`--numeric`, mapped to a
/// short letter) may be abbreviated. The error is glibc's message, without the newline.
/// (getopt.rs is the short-options-only version ping and arping use.)
pub fn getopt(
    prog: &str,
    args: &[String],
    spec: &str,
    long: &[(&str, char)],
) -> Result<Getopt, String> {
    let mut g = Getopt {
        opts: Vec::new(),
        operands: Vec::new(),
    };
    let mut it = args.iter().skip(1);
    while let Some(arg) = it.next() {
        if arg == "--" {
            g.operands.extend(it.by_ref().cloned());
        } else if let Some(name) = arg.strip_prefix("--") {
            g.opts.push(long_opt(prog, name, spec, long, &mut it)?);
        } else if arg.len() > 1 && arg.starts_with('-') {
            short_opts(prog, &arg[1..], spec, &mut it, &mut g.opts)?;
        } else {
            g.operands.push(arg.clone());
        }
    }
    Ok(g)
}

/// How many colons follow option letter `c` in the spec (None: not an option).
fn arity(spec: &str, c: char) -> Option<usize> {
    let i = spec.find(c).filter(|_| c != ':')?;
    Some(spec[i + 1..].chars().take_while(|x| *x == ':').count())
}

fn short_opts<'a>(
    prog: &str,
    cluster: &str,
    spec: &str,
    it: &mut impl Iterator<Item = &'a String>,
    out: &mut Vec<(char, Option<String>)>,
) -> Result<(), String> {
    for (i, c) in cluster.char_indices() {
        let rest = &cluster[i + c.len_utf8()..];
        match arity(spec, c) {
            None => return Err(format!("{prog}: invalid option -- '{c}'")),
            Some(0) => out.push((c, None)),
            Some(n) => {
                let value = if !rest.is_empty() {
                    Some(rest.to_string())
                } else if n == 1 {
                    let v = it.next().cloned();
                    Some(v.ok_or(format!("{prog}: option requires an argument -- '{c}'"))?)
                } else {
                    None
                };
                out.push((c, value));
                return Ok(());
            }
        }
    }
    Ok(())
}

fn long_opt<'a>(
    prog: &str,
    text: &str,
    spec: &str,
    long: &[(&str, char)],
    it: &mut impl Iterator<Item = &'a String>,
) -> Result<(char, Option<String>), String> {
    let (name, attached) = match text.split_once('=') {
        Some((n, v)) => (n, Some(v.to_string())),
        None => (text, None),
    };
    let exact = long.iter().find(|(l, _)| *l == name);
    let prefixed: Vec<_> = long.iter().filter(|(l, _)| l.starts_with(name)).collect();
    let &(full, c) = match (exact, prefixed.as_slice()) {
        (Some(e), _) => e,
        (None, [one]) if !name.is_empty() => *one,
        (None, []) => return Err(format!("{prog}: unrecognized option '--{name}'")),
        _ => return Err(format!("{prog}: option '--{name}' is ambiguous")),
    };
    match arity(spec, c).unwrap_or(0) {
        0 if attached.is_some() => Err(format!(
            "{prog}: option '--{full}' doesn't allow an argument"
        )),
        1 if attached.is_none() => match it.next() {
            Some(v) => Ok((c, Some(v.clone()))),
            None => Err(format!("{prog}: option '--{full}' requires an argument")),
        },
        _ => Ok((c, attached)),
    }
}

/// net-tools' usage text (to stdout for -h, else stderr) and then its address-family list,
/// which print_aflist always writes to stderr. Returns `status`.
pub fn usage_with_families(sys: &mut Sys, usage: &str, to_stdout: bool, status: i32) -> i32 {
    if to_stdout {
        sys.print(usage);
    } else {
        sys.eprint(usage);
    }
    sys.eprint("    inet (DARPA Internet) \n");
    status
}

/// getservbyport for the ports a lab uses (/etc/services).
pub fn service(port: u16) -> Option<&'static str> {
    Some(match port {
        22 => "ssh",
        23 => "telnet",
        53 => "domain",
        80 => "http",
        443 => "https",
        514 => "syslog",
        8080 => "http-alt",
        _ => return None,
    })
}

#[cfg(test)]
pub mod testutil {
    //! Runs a tool the way the shell does, for the tools' unit tests.

    use crate::kernel::process::Sys;
    use crate::kernel::Kernel;
    use crate::sim::rng::Rng;
    use crate::sim::{Ctx, Time};
    use crate::user::tools::{lookup, Command};

    /// A host with `lo` and an `eth0` (02:00:00:00:01:01) whose cable is plugged in, still down.
    pub fn host() -> Kernel {
        let mut k = Kernel::new("h", Rng::new(1));
        crate::kernel::testutil::plug(&mut k, "eth0", [2, 0, 0, 0, 1, 1]);
        k
    }

    /// Runs `line` (split on whitespace) and returns (stdout, stderr, exit status).
    pub fn run(k: &mut Kernel, line: &str) -> (String, String, i32) {
        let args: Vec<String> = line.split_whitespace().map(String::from).collect();
        run_args(k, &args, "")
    }

    /// Runs a builtin, or a program that finishes on its first poll (fed `stdin`).
    pub fn run_args(k: &mut Kernel, args: &[String], stdin: &str) -> (String, String, i32) {
        let mut ctx = Ctx::new(Time::ZERO, "h", true);
        let mut sys = Sys {
            k,
            ctx: &mut ctx,
            pid: 1,
            out: String::new(),
            err: String::new(),
        };
        let status = match lookup(&args[0]) {
            Some(Command::Builtin(f)) => f(&mut sys, args),
            Some(Command::Program(spawn)) => {
                let mut p = spawn(args);
                p.set_stdin(stdin.to_string());
                match p.poll(&mut sys) {
                    crate::kernel::process::Poll::Exit(c) => c,
                    _ => panic!("{} did not finish on its first poll", args[0]),
                }
            }
            None => panic!("{}: no such command", args[0]),
        };
        (sys.out, sys.err, status)
    }

    /// Runs `line` and insists it succeeded silently.
    pub fn ok(k: &mut Kernel, line: &str) {
        let (out, err, status) = run(k, line);
        assert_eq!((out.as_str(), err.as_str(), status), ("", "", 0), "{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every tool, given every short combination of awkward words, answers without panicking.
    #[test]
    fn tools_never_panic_on_odd_arguments() {
        // The empty word (from the leading space) is one of them.
        let words: Vec<&str> =
            " - -- -a -n -e -4 -6 -br add del dev eth0 eth0:2 lo:2 eth9 default \
            1.2.3.4/33 10.0.0.0/8 0.0.0.0 255.255.255.255 224.1.1.1 netmask gw up down mtu hw \
            ether pub -s -d show flush via lladdr nud x=y = label brd + get route neigh link set \
            address reject metric"
                .split(' ')
                .collect();
        for tool in ["ifconfig", "route", "arp", "netstat", "sysctl", "ip"] {
            let mut k = testutil::host();
            testutil::run(&mut k, "ifconfig eth0 10.0.0.1/24 up");
            for a in &words {
                for b in &words {
                    for c in ["", "eth0", "10.0.0.9", "-x", "ff:ff"] {
                        let line = format!("{tool} {a} {b} {c}");
                        let args: Vec<String> = line.split(' ').map(String::from).collect();
                        let mut ctx = crate::sim::Ctx::new(crate::sim::Time::ZERO, "h", false);
                        let mut sys = crate::kernel::process::Sys {
                            k: &mut k,
                            ctx: &mut ctx,
                            pid: 1,
                            out: String::new(),
                            err: String::new(),
                        };
                        if let Some(crate::user::tools::Command::Builtin(f)) =
                            crate::user::tools::lookup(tool)
                        {
                            f(&mut sys, &args);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn inet_aton_forms() {
        let ip = |s: &str| inet_aton(s).map(|a| a.to_string());
        assert_eq!(ip("10.1.2.3").as_deref(), Some("10.1.2.3"));
        assert_eq!(ip("10.1").as_deref(), Some("10.0.0.1"));
        assert_eq!(ip("0x0a.010.0.1").as_deref(), Some("10.8.0.1"));
        assert_eq!(ip("256.1.1.1"), None);
        assert_eq!(ip("1.2.3.4.5"), None);
        assert_eq!(ip("1..2"), None);
        assert_eq!(ip("eth0"), None);
    }

    #[test]
    fn byte_units_truncate() {
        assert_eq!(human_bytes(0), "0.0 B");
        assert_eq!(human_bytes(992), "992.0 B");
        assert_eq!(human_bytes(1024), "1024.0 B");
        assert_eq!(human_bytes(8234), "8.0 KiB");
        assert_eq!(human_bytes(16219), "15.8 KiB");
        assert_eq!(human_bytes(5 * 1048576 + 1), "5.0 MiB");
    }

    #[test]
    fn interface_order() {
        let mut names = vec!["lo:2", "eth10", "lo", "eth0:2", "eth2", "eth0", "eth0:10"];
        names.sort_by(|a, b| nstrcmp(a, b));
        assert_eq!(
            names,
            ["eth0", "eth0:2", "eth0:10", "eth2", "eth10", "lo", "lo:2"]
        );
    }

    #[test]
    fn eui64() {
        let mac = [0x02, 0x42, 0xc0, 0xa8, 0x0a, 0x64];
        assert_eq!(link_local(&mac).to_string(), "fe80::42:c0ff:fea8:a64");
    }

    #[test]
    fn getopt_permutes_and_reports() {
        let args: Vec<String> = ["route", "add", "-n", "x", "-ee"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let g = getopt("route", &args, "A:en", &[("numeric", 'n')]).unwrap();
        assert_eq!(g.operands, ["add", "x"]);
        assert_eq!(g.opts, [('n', None), ('e', None), ('e', None)]);
        let bad: Vec<String> = ["arp", "-q"].iter().map(|s| s.to_string()).collect();
        let e = getopt("arp", &bad, "an", &[]).err();
        assert_eq!(e.as_deref(), Some("arp: invalid option -- 'q'"));
        let long: Vec<String> = ["arp", "--num", "-i"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let e = getopt("arp", &long, "ni:", &[("numeric", 'n')]).err();
        assert_eq!(
            e.as_deref(),
            Some("arp: option requires an argument -- 'i'")
        );
    }
}
