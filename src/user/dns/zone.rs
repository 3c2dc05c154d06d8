//! RFC 1035 §5 master files ("BIND zone files") and the answer a zone gives to a question.
//!
//! Supported: `;` comments, `$ORIGIN`, `$TTL` (BIND units such as `1h30m` allowed), `@`,
//! relative and absolute names, a blank owner (a line starting with whitespace repeats the
//! previous owner), TTL and class `IN` in either order, parentheses spanning lines, and the
//! types A, NS, CNAME and SOA. Not supported: `$INCLUDE`, `$GENERATE`, quoted strings and `\`
//! escapes, wildcards (`*` is an ordinary label) and delegations (NS records below the apex
//! are plain data, never a referral).
//!
//! A record without a TTL takes `$TTL`, or 86400 when there is none (BIND would use the SOA
//! minimum and warn; a fixed default keeps the rule simple to state).
//!
//! The zone is checked as `named-checkzone` checks it: one SOA, at the apex; NS records at
//! the apex; in-zone name servers with an address; no CNAME beside other data; nothing
//! outside the zone. Identical records are kept once, as BIND does. Errors read
//! `"{file}:{line}: {message}"`.

use super::wire::{name_eq, strip_dot, validate_name};
use super::wire::{RData, Record, A, ANY, CNAME, NS, SOA};

/// The TTL of a record that states none, when the file has no `$TTL`.
pub const DEFAULT_TTL: u32 = 86400;
/// How many CNAMEs [`Zone::lookup`] follows before giving up.
pub const MAX_CNAME_HOPS: usize = 8;

/// A parsed zone. Owner names are fully qualified, without the trailing dot, in the case the
/// file wrote them; records are in file order, so answers come out in a stable order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    pub origin: String,
    pub records: Vec<Record>,
}

/// What the zone's authoritative server says about one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// NOERROR with data: the records asked for, after any CNAMEs that led to them. A chain
    /// that leaves the zone or ends at a missing name gives just the CNAMEs.
    Records { answers: Vec<Record> },
    /// NOERROR, no data: the name exists (perhaps only as an empty non-terminal) but has no
    /// record of that type. The SOA goes in the authority section for negative caching.
    NoData { soa: Record },
    /// NXDOMAIN: no such name in the zone.
    NxDomain { soa: Record },
    /// The name is not at or under the zone's origin (or the zone has no SOA): REFUSED.
    NotAuth,
}

/// Parses the master file `text` for the zone `origin` (trailing dot optional); `file` is
/// the name that error messages show.
pub fn parse(text: &str, origin: &str, file: &str) -> Result<Zone, String> {
    let zone = strip_dot(origin).to_string();
    validate_name(&zone).map_err(|e| format!("{file}: bad zone name: {e}"))?;
    let records = reader::read(text, &zone, file)?;
    check(&records, &zone, file)?;
    Ok(Zone {
        origin: zone,
        records: records.into_iter().map(|(r, _)| r).collect(),
    })
}

impl Zone {
    /// The authoritative answer to `qname`/`qtype` (class IN assumed), names compared
    /// without regard to case.
    pub fn lookup(&self, qname: &str, qtype: u16) -> Answer {
        let Some(soa) = self.records.iter().find(|r| r.rtype == SOA) else {
            return Answer::NotAuth;
        };
        if !in_zone(qname, &self.origin) {
            return Answer::NotAuth;
        }
        let mut answers: Vec<Record> = Vec::new();
        let mut name = strip_dot(qname).to_string();
        for hop in 0..=MAX_CNAME_HOPS {
            let here: Vec<&Record> = self
                .records
                .iter()
                .filter(|r| name_eq(&r.name, &name))
                .collect();
            if here.is_empty() && answers.is_empty() {
                return self.negative(&name, soa);
            }
            let wanted: Vec<&Record> = here
                .iter()
                .copied()
                .filter(|r| qtype == ANY || r.rtype == qtype)
                .collect();
            if !wanted.is_empty() {
                answers.extend(wanted.into_iter().cloned());
                break;
            }
            let cname = here.iter().find(|r| r.rtype == CNAME);
            let (Some(cname), true) = (cname, hop < MAX_CNAME_HOPS) else {
                break;
            };
            answers.push((*cname).clone());
            let RData::Cname(target) = &cname.data else {
                break;
            };
            if !in_zone(target, &self.origin) {
                break; // the resolver follows it elsewhere
            }
            name = target.clone();
        }
        if answers.is_empty() {
            return Answer::NoData { soa: soa.clone() };
        }
        Answer::Records { answers }
    }

    /// No record owns `name`: NODATA if it is an empty non-terminal (some owner lies below
    /// it), else NXDOMAIN.
    fn negative(&self, name: &str, soa: &Record) -> Answer {
        let below = self
            .records
            .iter()
            .any(|r| in_zone(&r.name, name) && !name_eq(&r.name, name));
        match below {
            true => Answer::NoData { soa: soa.clone() },
            false => Answer::NxDomain { soa: soa.clone() },
        }
    }
}

/// Whether `name` is `zone` or below it, label-aligned and ignoring case.
fn in_zone(name: &str, zone: &str) -> bool {
    let (n, z) = (strip_dot(name).as_bytes(), strip_dot(zone).as_bytes());
    if z.is_empty() || n.eq_ignore_ascii_case(z) {
        return true;
    }
    n.len() > z.len()
        && n[n.len() - z.len() - 1] == b'.'
        && n[n.len() - z.len()..].eq_ignore_ascii_case(z)
}

/// The whole-zone checks `named-checkzone` makes once every record is read.
fn check(records: &[(Record, usize)], zone: &str, file: &str) -> Result<(), String> {
    let at_apex = |r: &Record| name_eq(&r.name, zone);
    let mut soas = records.iter().filter(|(r, _)| r.rtype == SOA);
    if let Some((r, line)) = records.iter().find(|(r, _)| r.rtype == SOA && !at_apex(r)) {
        return Err(format!(
            "{file}:{line}: '{}': SOA record not at top of zone",
            r.name
        ));
    }
    if soas.next().is_none() {
        return Err(format!("{file}: zone '{zone}': has no SOA record"));
    }
    if let Some((_, line)) = soas.next() {
        return Err(format!(
            "{file}:{line}: zone '{zone}': multiple SOA records"
        ));
    }
    if !records.iter().any(|(r, _)| r.rtype == NS && at_apex(r)) {
        return Err(format!("{file}: zone '{zone}': has no NS records"));
    }
    check_cnames(records, file)?;
    check_glue(records, zone, file)
}

/// A CNAME must be the only record at its name (RFC 1034 §3.6.2).
fn check_cnames(records: &[(Record, usize)], file: &str) -> Result<(), String> {
    for (i, (r, line)) in records.iter().enumerate() {
        let clash = records[..i]
            .iter()
            .find(|(o, _)| name_eq(&o.name, &r.name) && (o.rtype == CNAME || r.rtype == CNAME));
        if let Some((o, _)) = clash {
            let what = if o.rtype == r.rtype {
                "multiple CNAME records"
            } else {
                "CNAME and other data"
            };
            return Err(format!("{file}:{line}: '{}': {what}", r.name));
        }
    }
    Ok(())
}

/// A name server inside the zone needs an address in the zone, or nobody can reach it.
fn check_glue(records: &[(Record, usize)], zone: &str, file: &str) -> Result<(), String> {
    for (r, line) in records {
        let RData::Ns(target) = &r.data else { continue };
        let has_a = records
            .iter()
            .any(|(o, _)| o.rtype == A && name_eq(&o.name, target));
        if in_zone(target, zone) && !has_a {
            return Err(format!(
                "{file}:{line}: NS '{target}' has no address records (A or AAAA)"
            ));
        }
    }
    Ok(())
}

/// Reading the master file's text into records (each with its line).
#[path = "zone_reader.rs"]
mod reader;

#[cfg(test)]
#[path = "zone_tests.rs"]
mod tests;
