//! The target extensions with options: libxt_REJECT, libxt_LOG and libxt_NAT's SNAT, DNAT,
//! MASQUERADE and REDIRECT (MARK keeps its own parser in rule.rs). Each parses its options
//! with libxtables' messages; which table and chain may use it is the kernel's check, made
//! when the rule is added.

use super::values::strtoui;
use super::{param, Arg, LongOpt, Parser, Stop, Val};
use crate::kernel::netfilter::xt_target::{LogOpts, NatKind, NatTarget, RejectWith, Target};
use std::net::Ipv4Addr;

pub enum TargetExt {
    Reject(Option<RejectWith>),
    Log(LogOpts),
    Nat(NatTarget),
}

const REJECT: &[LongOpt] = &[LongOpt("reject-with", Arg::Req, Val::Ext)];
const LOG: &[LongOpt] = &[
    LongOpt("log-level", Arg::Req, Val::Ext),
    LongOpt("log-prefix", Arg::Req, Val::Ext),
    LongOpt("log-tcp-sequence", Arg::No, Val::Ext),
    LongOpt("log-tcp-options", Arg::No, Val::Ext),
    LongOpt("log-ip-options", Arg::No, Val::Ext),
    LongOpt("log-uid", Arg::No, Val::Ext),
    LongOpt("log-macdecode", Arg::No, Val::Ext),
];
const SNAT: &[LongOpt] = &[
    LongOpt("to-source", Arg::Req, Val::Ext),
    LongOpt("random", Arg::No, Val::Ext),
    LongOpt("random-fully", Arg::No, Val::Ext),
    LongOpt("persistent", Arg::No, Val::Ext),
];
const DNAT: &[LongOpt] = &[
    LongOpt("to-destination", Arg::Req, Val::Ext),
    LongOpt("random", Arg::No, Val::Ext),
    LongOpt("persistent", Arg::No, Val::Ext),
];
const MASQUERADE: &[LongOpt] = &[
    LongOpt("to-ports", Arg::Req, Val::Ext),
    LongOpt("random", Arg::No, Val::Ext),
    LongOpt("random-fully", Arg::No, Val::Ext),
];
const REDIRECT: &[LongOpt] = &[
    LongOpt("to-ports", Arg::Req, Val::Ext),
    LongOpt("random", Arg::No, Val::Ext),
];

/// The names `--reject-with` takes (reject_table's names and aliases).
const REJECT_NAMES: &[(&str, RejectWith)] = &[
    ("icmp-net-unreachable", RejectWith::NetUnreachable),
    ("net-unreach", RejectWith::NetUnreachable),
    ("icmp-host-unreachable", RejectWith::HostUnreachable),
    ("host-unreach", RejectWith::HostUnreachable),
    ("icmp-proto-unreachable", RejectWith::ProtoUnreachable),
    ("proto-unreach", RejectWith::ProtoUnreachable),
    ("icmp-port-unreachable", RejectWith::PortUnreachable),
    ("port-unreach", RejectWith::PortUnreachable),
    ("icmp-net-prohibited", RejectWith::NetProhibited),
    ("net-prohib", RejectWith::NetProhibited),
    ("icmp-host-prohibited", RejectWith::HostProhibited),
    ("host-prohib", RejectWith::HostProhibited),
    ("tcp-reset", RejectWith::TcpReset),
    ("tcp-rst", RejectWith::TcpReset),
    ("icmp-admin-prohibited", RejectWith::AdminProhibited),
    ("admin-prohib", RejectWith::AdminProhibited),
];

/// syslog levels as LOG names them.
pub const LOG_LEVELS: [&str; 8] = [
    "emerg", "alert", "crit", "error", "warning", "notice", "info", "debug",
];

impl TargetExt {
    pub fn load(name: &str) -> Option<TargetExt> {
        Some(match name {
            "REJECT" => TargetExt::Reject(None),
            "LOG" => TargetExt::Log(LogOpts::default()),
            "SNAT" => TargetExt::Nat(NatTarget::new(NatKind::Snat)),
            "DNAT" => TargetExt::Nat(NatTarget::new(NatKind::Dnat)),
            "MASQUERADE" => TargetExt::Nat(NatTarget::new(NatKind::Masquerade)),
            "REDIRECT" => TargetExt::Nat(NatTarget::new(NatKind::Redirect)),
            _ => return None,
        })
    }

    pub fn options(&self) -> &'static [LongOpt] {
        match self {
            TargetExt::Reject(_) => REJECT,
            TargetExt::Log(_) => LOG,
            TargetExt::Nat(n) => match n.kind {
                NatKind::Snat => SNAT,
                NatKind::Dnat => DNAT,
                NatKind::Masquerade => MASQUERADE,
                NatKind::Redirect => REDIRECT,
            },
        }
    }

    /// The target, after the extension's final check.
    pub fn finish(self) -> Result<Target, Stop> {
        Ok(match self {
            TargetExt::Reject(w) => Target::Reject(w.unwrap_or(RejectWith::PortUnreachable)),
            TargetExt::Log(l) => Target::Log(l),
            TargetExt::Nat(n) => {
                let given = n.addrs.is_some() || n.ports.is_some();
                if !given && matches!(n.kind, NatKind::Snat | NatKind::Dnat) {
                    let opt = if n.kind == NatKind::Snat {
                        "--to-source"
                    } else {
                        "--to-destination"
                    };
                    return Err(param(format!(
                        "{}: option \"{opt}\" must be specified\n",
                        n.kind.name()
                    )));
                }
                Target::Nat(n)
            }
        })
    }
}

impl<'a> Parser<'a> {
    pub(super) fn target_option(&mut self, name: &str, arg: &str) -> Result<(), Stop> {
        if self.invert {
            return Err(param(format!(
                "{}: option \"--{name}\" cannot be inverted.\n",
                self.target_name()
            )));
        }
        let ports_ok = matches!(self.proto_num, 6 | 17);
        match self.target.as_mut() {
            Some(TargetExt::Reject(w)) => *w = Some(reject_with(arg)?),
            Some(TargetExt::Log(l)) => log_option(l, name, arg)?,
            Some(TargetExt::Nat(n)) => nat_option(n, name, arg, ports_ok)?,
            None => {}
        }
        Ok(())
    }

    fn target_name(&self) -> &'static str {
        match &self.target {
            Some(TargetExt::Reject(_)) => "REJECT",
            Some(TargetExt::Log(_)) => "LOG",
            Some(TargetExt::Nat(n)) => n.kind.name(),
            None => "",
        }
    }
}

fn reject_with(arg: &str) -> Result<RejectWith, Stop> {
    REJECT_NAMES
        .iter()
        .find(|(n, _)| n.starts_with(arg) && !arg.is_empty())
        .map(|(_, w)| *w)
        .ok_or_else(|| param(format!("unknown reject type \"{arg}\"")))
}

fn log_option(l: &mut LogOpts, name: &str, arg: &str) -> Result<(), Stop> {
    match name {
        "log-level" => {
            let n = strtoui(arg, 0, 7).or_else(|| {
                let a = match arg {
                    "err" => "error",
                    "warn" => "warning",
                    "panic" => "emerg",
                    a => a,
                };
                LOG_LEVELS.iter().position(|n| *n == a).map(|i| i as u64)
            });
            l.level = n.ok_or_else(|| param(format!("log-level \"{arg}\" unknown\n")))? as u8;
        }
        "log-prefix" => {
            if arg.len() > 29 {
                return Err(param("Maximum prefix length 29 for --log-prefix"));
            }
            if arg.contains('\n') {
                return Err(param("Newlines not allowed in --log-prefix"));
            }
            l.prefix = arg.to_string();
        }
        "log-tcp-sequence" => l.tcp_sequence = true,
        "log-tcp-options" => l.tcp_options = true,
        "log-ip-options" => l.ip_options = true,
        "log-uid" => l.uid = true,
        _ => l.macdecode = true,
    }
    Ok(())
}

fn nat_option(n: &mut NatTarget, name: &str, arg: &str, ports_ok: bool) -> Result<(), Stop> {
    match name {
        "to-source" | "to-destination" => {
            if n.addrs.is_some() || n.ports.is_some() {
                return Err(param(format!(
                    "{}: Multiple --{name} not supported",
                    n.kind.name()
                )));
            }
            let (addrs, ports) = nat_range(arg, ports_ok)?;
            n.addrs = addrs;
            n.ports = ports;
        }
        "to-ports" => {
            if !ports_ok {
                return Err(param("Need TCP, UDP, SCTP or DCCP with port specification"));
            }
            n.ports = Some(port_range(arg)?);
        }
        "random" => n.random = true,
        "random-fully" => n.fully_random = true,
        _ => n.persistent = true,
    }
    Ok(())
}

/// Addresses and ports of a NAT target's range (`:8080` gives a port and no address).
type NatRange = (Option<(Ipv4Addr, Ipv4Addr)>, Option<(u16, u16)>);

/// `ADDR[-ADDR][:PORT[-PORT]]` (libxt_NAT's parse_to).
fn nat_range(arg: &str, ports_ok: bool) -> Result<NatRange, Stop> {
    let (addrs, ports) = match arg.split_once(':') {
        Some((a, p)) => (a, Some(p)),
        None => (arg, None),
    };
    let ports = match ports {
        Some(p) if !ports_ok => {
            let _ = p;
            return Err(param("Need TCP, UDP, SCTP or DCCP with port specification"));
        }
        Some(p) => Some(port_range(p)?),
        None => None,
    };
    let ip = |s: &str| -> Result<Ipv4Addr, Stop> {
        s.parse()
            .map_err(|_| param(format!("Bad IP address \"{s}\"\n")))
    };
    if addrs.is_empty() {
        return Ok((None, ports));
    }
    let (lo, hi) = match addrs.split_once('-') {
        Some((a, b)) => (ip(a)?, ip(b)?),
        None => (ip(addrs)?, ip(addrs)?),
    };
    Ok((Some((lo, hi)), ports))
}

fn port_range(s: &str) -> Result<(u16, u16), Stop> {
    let port = |p: &str| -> Result<u16, Stop> {
        p.parse::<u16>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| param(format!("Port `{p}' not valid\n")))
    };
    match s.split_once('-') {
        Some((a, b)) => {
            let (lo, hi) = (port(a)?, port(b)?);
            if hi < lo {
                return Err(param(format!("Port range `{s}' funky\n")));
            }
            Ok((lo, hi))
        }
        None => {
            let p = port(s)?;
            Ok((p, p))
        }
    }
}
