//! Small helpers shared by the tools' argument parsing.

use std::net::Ipv4Addr;

/// Parses a dotted quad, as inet_aton would for the forms labs use.
pub fn parse_ip(text: &str) -> Option<Ipv4Addr> {
    text.parse().ok()
}

/// `10.0.0.0/8` → (10.0.0.0, Some(8)); `10.0.0.1` → (10.0.0.1, None).
pub fn parse_cidr(text: &str) -> Option<(Ipv4Addr, Option<u8>)> {
    match text.split_once('/') {
        Some((ip, p)) => {
            let prefix: u8 = p.parse().ok().filter(|p| *p <= 32)?;
            Some((parse_ip(ip)?, Some(prefix)))
        }
        None => Some((parse_ip(text)?, None)),
    }
}

/// Splits combined short flags: `-natp` → ['n','a','t','p'].
pub fn short_flags(arg: &str) -> Option<Vec<char>> {
    let rest = arg.strip_prefix('-')?;
    if rest.is_empty() || rest.starts_with('-') {
        return None;
    }
    Some(rest.chars().collect())
}
