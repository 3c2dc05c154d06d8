//! The values on iptables' command line, read as libxtables reads them: numbers with
//! strtoul's base 0, ports and services, marks with masks, addresses with prefixes or masks
//! (a name through /etc/networks and /etc/hosts), protocols by number or name.

use super::super::Stop;
use super::{param, Val, MARK};
use crate::kernel::netdev::mask_to_prefix;
use crate::kernel::netfilter::x_tables::AddrMatch;
use crate::kernel::Kernel;
use crate::user::tools::fmt;
use std::net::Ipv4Addr;

/// xt_parse_target's checks on a target (or chain) name.
pub(super) fn check_target_name(name: &str) -> Result<(), Stop> {
    if name.is_empty() {
        return Err(param("Invalid target name (too short)"));
    }
    if name.len() >= 29 {
        return Err(param(format!(
            "Invalid target name `{name}' (28 chars max)"
        )));
    }
    if name.chars().any(char::is_whitespace) {
        return Err(param(format!("Invalid target name `{name}'")));
    }
    Ok(())
}

/// libxt_MARK's final checks: one option at least, and no two of them.
pub(super) fn mark_final_check(xflags: u32) -> Result<(), Stop> {
    if xflags == 0 {
        return Err(param(
            "MARK: One of the --set-xmark, --{and,or,xor,set}-mark options is required",
        ));
    }
    let name = |id: u32| {
        MARK.iter()
            .find(|o| o.2 == Val::Mark(id))
            .map_or("", |o| o.0)
    };
    for entry in MARK {
        let Val::Mark(id) = entry.2 else { continue };
        if xflags & (1 << id) == 0 {
            continue;
        }
        if let Some(other) = (0..5).find(|&i| i != id && xflags & (1 << i) != 0) {
            return Err(param(format!(
                "MARK: option \"--{}\" cannot be used together with \"--{}\".\n",
                entry.0,
                name(other)
            )));
        }
    }
    Ok(())
}

/// strtoul(s, &end, 0) as glibc reads it: leading blanks, `0x` hex, `0` octal. Returns the
/// value and the unread rest; None without digits, with a minus sign, or on overflow.
fn strtoul(s: &str) -> Option<(u64, &str)> {
    let s = s.trim_start();
    if s.starts_with('-') {
        return None;
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    let hex = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .filter(|h| h.starts_with(|c: char| c.is_ascii_hexdigit()));
    let (digits, radix) = match hex {
        Some(h) => (h, 16),
        None if s.starts_with('0') => (s, 8),
        None => (s, 10),
    };
    let end = digits
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(digits.len());
    if end == 0 {
        return None;
    }
    let value = u64::from_str_radix(&digits[..end], radix).ok()?;
    Some((value, &digits[end..]))
}

/// xtables_strtoui with no end pointer: the whole word, within [min, max].
pub(super) fn strtoui(s: &str, min: u64, max: u64) -> Option<u64> {
    strtoul(s)
        .filter(|(v, rest)| rest.is_empty() && (min..=max).contains(v))
        .map(|(v, _)| v)
}

/// sscanf's `%llu`/`%i`: the leading decimal number of a word.
pub(super) fn leading_number(s: &str) -> Option<u64> {
    let s = s.trim_start();
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s[..end].parse().ok()
}

pub(super) fn parse_rulenumber(s: &str) -> Result<usize, Stop> {
    strtoui(s, 1, i32::MAX as u64)
        .map(|n| n as usize)
        .ok_or_else(|| param(format!("Invalid rule number `{s}'")))
}

/// xtables_parse_protocol: a number, a name iptables knows, or one from /etc/protocols.
pub(super) fn parse_protocol(name: &str) -> Result<u8, Stop> {
    if let Some(n) = strtoui(name, 0, 255) {
        return Ok(n as u8);
    }
    let by_name = super::super::list::CHAIN_PROTOS
        .iter()
        .chain(super::super::list::ETC_PROTOCOLS)
        .find(|(n, _)| *n == name);
    by_name
        .map(|(_, num)| *num)
        .ok_or_else(|| param(format!("unknown protocol \"{name}\" specified")))
}

/// One port: a number (strtoui base 0) or a service name.
fn tcp_port(s: &str) -> Result<u16, Stop> {
    strtoui(s, 0, 65535)
        .map(|n| n as u16)
        .or_else(|| service_port(s))
        .ok_or_else(|| param(format!("invalid port/service `{s}' specified")))
}

/// libxt_tcp's parse_tcp_ports: `P`, `LO:HI`, `:HI`, `LO:`.
pub(super) fn tcp_ports(arg: &str) -> Result<(u16, u16), Stop> {
    let Some((lo, hi)) = arg.split_once(':') else {
        let p = tcp_port(arg)?;
        return Ok((p, p));
    };
    let lo = if lo.is_empty() { 0 } else { tcp_port(lo)? };
    let hi = if hi.is_empty() { 65535 } else { tcp_port(hi)? };
    if lo > hi {
        return Err(param("invalid portrange (min > max)"));
    }
    Ok((lo, hi))
}

/// xtopt_parse_mport (libxt_udp): up to two `:`-separated parts, decimal or service names;
/// it does not check that the range is ordered.
pub(super) fn udp_ports(name: &str, arg: &str) -> Result<(u16, u16), Stop> {
    let parts: Vec<&str> = arg.split(':').collect();
    if parts.len() > 2 {
        return Err(param(format!(
            "udp: Too many components for option \"--{name}\" (max: 2)\n"
        )));
    }
    let mut range = [0u16, 65535];
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        range[i] = part
            .parse()
            .ok()
            .or_else(|| service_port(part))
            .ok_or_else(|| param(format!("Port \"{part}\" does not resolve to anything.\n")))?;
    }
    if parts.len() == 1 {
        range[1] = range[0];
    }
    Ok((range[0], range[1]))
}

/// getservbyname over the services netstep knows (fmt::service's list).
fn service_port(name: &str) -> Option<u16> {
    [22, 23, 53, 80, 443, 514, 8080]
        .into_iter()
        .find(|p| fmt::service(*p) == Some(name))
}

/// xtables_parse_mark_mask: `VALUE[/MASK]`, each base 0.
pub(super) fn mark_mask(name: &str, arg: &str) -> Result<(u32, u32), Stop> {
    let bad = || {
        param(format!(
            "MARK: bad integer value for option \"--{name}\", or out of range.\n"
        ))
    };
    let garbage = || {
        param(format!(
            "MARK: trailing garbage after value for option \"--{name}\".\n"
        ))
    };
    let max = u64::from(u32::MAX);
    let (value, rest) = strtoul(arg).filter(|(v, _)| *v <= max).ok_or_else(bad)?;
    if rest.is_empty() {
        return Ok((value as u32, u32::MAX));
    }
    let mask_text = rest.strip_prefix('/').ok_or_else(garbage)?;
    let (mask, rest) = strtoul(mask_text)
        .filter(|(v, _)| *v <= max)
        .ok_or_else(bad)?;
    if !rest.is_empty() {
        return Err(garbage());
    }
    Ok((value as u32, mask as u32))
}

/// One address of `-s`/`-d`: `ADDR[/LEN|/MASK]` with ADDR numeric, a network from
/// /etc/networks or a host; the address is masked, as xtables_ipparse_multiple does.
pub(super) fn parse_address(
    k: &Kernel,
    text: &str,
    invert: bool,
) -> Result<Option<AddrMatch>, Stop> {
    if text.len() > 255 {
        return Err(param("Hostname too long"));
    }
    let (host, mask) = match text.rsplit_once('/') {
        Some((h, m)) => (h, Some(m)),
        None => (text, None),
    };
    let len = match mask {
        None => 32,
        Some(m) => parse_mask(m)?,
    };
    // A null mask ignores the name ("any/0").
    let host = if len == 0 { "0.0.0.0" } else { host };
    let ip = numeric_address(host, false)
        .or_else(|| fmt::inet_resolve(k, host, false).map(|(ip, _)| ip))
        .ok_or_else(|| param(format!("host/network `{host}' not found")))?;
    if len == 0 && !invert {
        return Ok(None);
    }
    let mask = if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len))
    };
    Ok(Some(AddrMatch {
        addr: Ipv4Addr::from(u32::from(ip) & mask),
        len,
        invert,
    }))
}

/// parse_ipmask: a dotted mask or a prefix length.
fn parse_mask(m: &str) -> Result<u8, Stop> {
    if let Some(mask) = numeric_address(m, true) {
        return mask_to_prefix(mask)
            .ok_or_else(|| Stop::Netstep(format!("non-contiguous mask {m} is not simulated")));
    }
    strtoui(m, 0, 32)
        .map(|n| n as u8)
        .ok_or_else(|| param(format!("invalid mask `{m}' specified")))
}

/// __numeric_to_ipaddr: dotted bytes (base 0 each); an address may stop early (`10.1` is
/// 10.1.0.0), a mask needs all four.
fn numeric_address(text: &str, is_mask: bool) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() > 4 || (is_mask && parts.len() != 4) {
        return None;
    }
    let mut bytes = [0u8; 4];
    for (i, part) in parts.iter().enumerate() {
        bytes[i] = strtoui(part, 0, 255)? as u8;
    }
    Some(Ipv4Addr::from(bytes))
}
