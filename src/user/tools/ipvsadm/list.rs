//! ipvsadm's listings, byte for byte as lvs.md §4.2–4.5 gives them: `-L[n]` with its
//! `--stats`, `--thresholds` and `--persistent-conn` variants, `-Lnc`, `--timeout`, `-S`.

use super::opts::{Format, Opts};
use crate::kernel::ipvs::ctl::{CtlError, Dest, Method, Proto, Service, Stats, SvcKey};
use crate::kernel::ipvs::est::Est;
use crate::kernel::process::Sys;
use crate::sim::time::SEC;
use std::net::Ipv4Addr;

const BANNER: &str = "IP Virtual Server version 1.2.1 (size=4096)\n";

pub fn list(sys: &mut Sys, o: &Opts) -> Result<(), CtlError> {
    if o.timeout {
        let i = &sys.k.ipvs;
        let line = format!(
            "Timeout (tcp tcpfin udp): {} {} {}\n",
            i.timeout_tcp, i.timeout_tcpfin, i.timeout_udp
        );
        sys.print(&line);
        return Ok(());
    }
    if o.connection {
        let text = connections(sys, o.numeric, o.format == Format::PersistentConn);
        sys.print(&text);
        return Ok(());
    }
    let only = match &o.service {
        Some(s) => Some(super::service_key(sys, s, true).map_err(|_| CtlError::NoService)?),
        None => None,
    };
    if let Some(k) = only {
        sys.k.ipvs.rules.find(&k).ok_or(CtlError::NoService)?;
    }
    let mut text = String::new();
    if only.is_none() {
        text += BANNER;
    }
    text += header(o.format);
    for svc in sorted(sys) {
        if only.is_some_and(|k| k != svc.key) {
            continue;
        }
        text += &service_line(sys, svc, o);
        for d in dests(svc, o.nosort) {
            text += &dest_line(sys, svc, d, o);
        }
    }
    sys.print(&text);
    Ok(())
}

fn header(f: Format) -> &'static str {
    match f {
        Format::Plain => "Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n",
        Format::Stats => "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n  -> RemoteAddress:Port\n",
        Format::Rate => "Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS\n  -> RemoteAddress:Port\n",
        Format::Thresholds => "Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn \n  -> RemoteAddress:Port\n",
        Format::PersistentConn => "Prot LocalAddress:Port            Weight    PersistConn ActiveConn InActConn \n  -> RemoteAddress:Port\n",
    }
}

/// Services by protocol (TCP before UDP), address, port, and fwmark services after them by
/// mark. The kernel tool compares addresses by subtracting them as u32 and reading the
/// result as i32; that quirk is kept.
fn sorted<'a>(sys: &'a Sys) -> Vec<&'a Service> {
    let mut v: Vec<&Service> = sys.k.ipvs.rules.services.iter().collect();
    v.sort_by(|a, b| match (a.key, b.key) {
        (SvcKey::Addr(pa, aa, qa), SvcKey::Addr(pb, ab, qb)) => (pa as u8)
            .cmp(&(pb as u8))
            .then_with(|| addr_cmp(aa, ab))
            .then(qa.cmp(&qb)),
        (ka, kb) => ka.cmp(&kb),
    });
    v
}

fn addr_cmp(a: Ipv4Addr, b: Ipv4Addr) -> std::cmp::Ordering {
    (u32::from(a).wrapping_sub(u32::from(b)) as i32).cmp(&0)
}

/// Destinations sorted by address and port, or the kernel's newest-first order (--nosort).
fn dests(svc: &Service, nosort: bool) -> Vec<&Dest> {
    let mut v: Vec<&Dest> = svc.dests.iter().collect();
    if !nosort {
        v.sort_by(|a, b| addr_cmp(a.addr, b.addr).then(a.port.cmp(&b.port)));
    }
    v
}

/// `addr:port`, or names without -n (/etc/hosts and /etc/services).
fn endpoint(sys: &Sys, ip: Ipv4Addr, port: u16, numeric: bool) -> String {
    if numeric {
        return format!("{ip}:{port}");
    }
    let host = sys.k.reverse(ip).unwrap_or_else(|| ip.to_string());
    let svc = crate::user::tools::fmt::service(port).map_or_else(|| port.to_string(), String::from);
    format!("{host}:{svc}")
}

fn service_line(sys: &Sys, svc: &Service, o: &Opts) -> String {
    let head = match svc.key {
        SvcKey::Addr(proto, vip, vport) => format!(
            "{:<4} {}",
            proto.name(),
            cut(&endpoint(sys, vip, vport, o.numeric), 33)
        ),
        SvcKey::Fwmark(mark) => format!("FWM  {mark}"),
    };
    if matches!(o.format, Format::Stats | Format::Rate) {
        return format!(
            "{head:<33}{}\n",
            numbers(sys, o, &svc.stats, svc.est, false)
        );
    }
    let mut s = format!("{head} {}", svc.sched_name);
    let flags: Vec<&str> = [
        (svc.flags.fallback, "sh-fallback"),
        (svc.flags.port, "sh-port"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, n)| *n)
    .collect();
    if !flags.is_empty() {
        s += &format!(" ({})", flags.join(","));
    }
    if let Some(t) = svc.persistent {
        s += &format!(" persistent {t}");
        if svc.netmask != Ipv4Addr::BROADCAST {
            s += &format!(" mask {}", svc.netmask);
        }
    }
    s + "\n"
}

fn cut(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn forward(sys: &Sys, d: &Dest) -> &'static str {
    if sys.k.devs.is_local(d.addr) {
        return "Local";
    }
    match d.method {
        Method::Route => "Route",
        Method::Masq => "Masq",
        Method::Tunnel => "Tunnel",
    }
}

fn dest_line(sys: &Sys, svc: &Service, d: &Dest, o: &Opts) -> String {
    let _ = svc;
    let ep = cut(&endpoint(sys, d.addr, d.port, o.numeric), 28);
    match o.format {
        Format::Plain => format!(
            "  -> {ep:<28} {:<7} {:<6} {:<10} {:<10}\n",
            forward(sys, d),
            d.weight,
            d.active,
            d.inactive
        ),
        Format::Stats | Format::Rate => {
            format!("  -> {ep:<28}{}\n", numbers(sys, o, &d.stats, d.est, true))
        }
        Format::Thresholds => format!(
            "  -> {ep:<28} {:<10} {:<10} {:<10} {:<10}\n",
            d.u_threshold, d.l_threshold, d.active, d.inactive
        ),
        Format::PersistentConn => format!(
            "  -> {ep:<28} {:<9} {:<11} {:<10} {:<10}\n",
            d.weight, d.persist, d.active, d.inactive
        ),
    }
}

/// The five counters of --stats (print_largenum, or the full values with --exact), or the
/// estimator's rates for --rate, whose dest lines print CPS and the PPS columns unabbreviated.
fn numbers(sys: &Sys, o: &Opts, st: &Stats, mut est: Est, dest: bool) -> String {
    let vals = match o.format {
        Format::Rate => {
            est.advance(sys.ctx.now, st);
            est.rates()
        }
        _ => [st.conns, st.inpkts, st.outpkts, st.inbytes, st.outbytes],
    };
    vals.iter()
        .enumerate()
        .map(|(i, v)| match o.exact {
            _ if dest && o.format == Format::Rate && i < 3 => format!(" {v:>8}"),
            true => {
                let t = v.to_string();
                format!("{t:>w$}", w = (t.len() + 1).max(9))
            }
            false => largenum(*v),
        })
        .collect()
}

/// print_largenum: 9 columns, abbreviated with K, M, G, T beyond 10^8.
fn largenum(v: u64) -> String {
    match v {
        v if v < 100_000_000 => format!("{v:>9}"),
        v if v < 1_000_000_000 => format!("{:>8}K", v / 1000),
        v if v < 100_000_000_000 => format!("{:>8}M", v / 1_000_000),
        v if v < 100_000_000_000_000 => format!("{:>8}G", v / 1_000_000_000),
        v => format!("{:>8}T", v / 1_000_000_000_000),
    }
}

/// `-Lnc`: the connection table, in creation order (the kernel's hash order is arbitrary).
/// `--persistent-conn` adds the persistence engine's columns, empty here: netstep has no
/// engines (the widths follow ipvsadm's print_conn; lvs.md names only the columns).
fn connections(sys: &Sys, numeric: bool, pe: bool) -> String {
    let mut s = String::from(
        "IPVS connection entries\npro expire state       source             virtual            destination",
    );
    s += if pe {
        "        pe name    pe_data\n"
    } else {
        "\n"
    };
    let now = sys.ctx.now;
    for c in sys.k.ipvs.conns.conns.values() {
        let left = (c.expires - now) / SEC;
        let expire = format!("{:02}:{:02}", left / 60, left % 60);
        let state = if c.template { "NONE" } else { c.state.name() };
        let dest = endpoint(sys, c.daddr, c.dport, numeric);
        let dest = if pe {
            format!("{dest:<18} {:<10} ", "")
        } else {
            dest
        };
        s += &format!(
            "{:<3} {expire:<6} {state:<11} {:<18} {:<18} {dest}\n",
            c.proto.name(),
            endpoint(sys, c.caddr, c.cport, numeric),
            endpoint(sys, c.vaddr, c.vport, numeric),
        );
    }
    s
}

/// `-S`: the rules as the commands that rebuild them.
pub fn save(sys: &mut Sys, numeric: bool) {
    let mut out = String::new();
    for svc in sorted(sys) {
        let (flag, v) = match svc.key {
            SvcKey::Addr(Proto::Udp, vip, vport) => ("-u", endpoint(sys, vip, vport, numeric)),
            SvcKey::Addr(_, vip, vport) => ("-t", endpoint(sys, vip, vport, numeric)),
            SvcKey::Fwmark(mark) => ("-f", mark.to_string()),
        };
        out += &format!("-A {flag} {v} -s {}", svc.sched_name);
        if let Some(t) = svc.persistent {
            out += &format!(" -p {t}");
            if svc.netmask != Ipv4Addr::BROADCAST {
                out += &format!(" -M {}", svc.netmask);
            }
        }
        out += "\n";
        for d in dests(svc, false) {
            let m = match d.method {
                Method::Route => "-g",
                Method::Masq => "-m",
                Method::Tunnel => "-i",
            };
            let r = endpoint(sys, d.addr, d.port, numeric);
            let tun = if d.method == Method::Tunnel {
                " --tun-type ipip"
            } else {
                ""
            };
            out += &format!("-a {flag} {v} -r {r} {m} -w {}{tun}\n", d.weight);
        }
    }
    sys.print(&out);
}
