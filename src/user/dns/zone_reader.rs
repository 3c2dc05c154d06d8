//! The master-file reader behind [`super::parse`]: lines become entries (parentheses join
//! lines, `;` starts a comment), entries become records with fully qualified owners.

use super::super::wire::{name_eq, strip_dot, type_from_name, validate_name};
use super::super::wire::{RData, Record, A, CLASS_IN, CNAME, NS, SOA};
use super::{in_zone, DEFAULT_TTL};
use std::net::Ipv4Addr;

/// Every record of `text` with the line it came from, in file order, duplicates dropped.
pub(super) fn read(text: &str, zone: &str, file: &str) -> Result<Vec<(Record, usize)>, String> {
    let mut p = Parser {
        file,
        origin: zone.to_string(),
        default_ttl: None,
        owner: None,
        records: Vec::new(),
    };
    for entry in entries(text, file)? {
        p.entry(&entry, zone)?;
    }
    Ok(p.records)
}

/// One token and the line it came from, so errors inside parentheses point at the right line.
#[derive(Clone, Copy)]
struct Tok<'a> {
    text: &'a str,
    line: usize,
}

/// One logical entry: the tokens of a line, or of several lines joined by parentheses.
struct Entry<'a> {
    line: usize,
    indented: bool,
    toks: Vec<Tok<'a>>,
}

fn entries<'a>(text: &'a str, file: &str) -> Result<Vec<Entry<'a>>, String> {
    let mut out: Vec<Entry> = Vec::new();
    let (mut depth, mut open_line) = (0usize, 0);
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let body = raw.split(';').next().unwrap_or("");
        if depth == 0 {
            if body.trim().is_empty() {
                continue;
            }
            out.push(Entry {
                line,
                indented: body.starts_with([' ', '\t']),
                toks: Vec::new(),
            });
        }
        let Some(entry) = out.last_mut() else {
            continue;
        };
        for text in split_line(body) {
            match text {
                "(" if depth == 0 => (depth, open_line) = (1, line),
                "(" => depth += 1,
                ")" if depth == 0 => return Err(format!("{file}:{line}: unbalanced parentheses")),
                ")" => depth -= 1,
                _ => entry.toks.push(Tok { text, line }),
            }
        }
    }
    if depth > 0 {
        return Err(format!("{file}:{open_line}: unbalanced parentheses"));
    }
    Ok(out)
}

/// Splits on whitespace, with '(' and ')' as tokens of their own even when glued to a word.
fn split_line(body: &str) -> Vec<&str> {
    let mut toks = Vec::new();
    for word in body.split_whitespace() {
        let mut rest = word;
        while let Some(at) = rest.find(['(', ')']) {
            if at > 0 {
                toks.push(&rest[..at]);
            }
            toks.push(&rest[at..at + 1]);
            rest = &rest[at + 1..];
        }
        if !rest.is_empty() {
            toks.push(rest);
        }
    }
    toks
}

struct Parser<'a> {
    file: &'a str,
    /// The current `$ORIGIN`, which relative names and `@` refer to.
    origin: String,
    default_ttl: Option<u32>,
    /// The last owner written, for lines that start with whitespace.
    owner: Option<String>,
    records: Vec<(Record, usize)>,
}

impl Parser<'_> {
    fn err(&self, line: usize, msg: String) -> String {
        format!("{}:{line}: {msg}", self.file)
    }

    fn entry(&mut self, e: &Entry, zone: &str) -> Result<(), String> {
        let Some((first, rest)) = e.toks.split_first() else {
            return Ok(());
        };
        if e.indented {
            let owner = self
                .owner
                .clone()
                .ok_or_else(|| self.err(e.line, "no current owner name".into()))?;
            return self.record(owner, e.line, &e.toks, zone);
        }
        if first.text.starts_with('$') {
            return self.directive(first, rest);
        }
        let owner = self.name(first)?;
        self.owner = Some(owner.clone());
        self.record(owner, e.line, rest, zone)
    }

    fn directive(&mut self, d: &Tok, args: &[Tok]) -> Result<(), String> {
        let arg = match args {
            [arg] => arg,
            [_, extra, ..] => {
                return Err(self.err(
                    extra.line,
                    format!("{}: extra input text '{}'", d.text, extra.text),
                ))
            }
            [] => return Err(self.err(d.line, format!("{} needs an argument", d.text))),
        };
        match d.text.to_ascii_uppercase().as_str() {
            "$ORIGIN" => self.origin = self.name(arg)?,
            "$TTL" => self.default_ttl = Some(self.ttl(arg, "TTL")?),
            "$INCLUDE" | "$GENERATE" => {
                return Err(self.err(d.line, format!("{} not supported", d.text)))
            }
            _ => return Err(self.err(d.line, format!("unknown $ directive '{}'", d.text))),
        }
        Ok(())
    }

    /// Resolves `@`, relative and absolute names against the current origin, and checks them.
    fn name(&self, t: &Tok) -> Result<String, String> {
        let name = match t.text {
            "@" => self.origin.clone(),
            _ if t.text.ends_with('.') => strip_dot(t.text).to_string(),
            _ if self.origin.is_empty() => t.text.to_string(),
            _ => format!("{}.{}", t.text, self.origin),
        };
        validate_name(&name).map_err(|e| self.err(t.line, e))?;
        Ok(name)
    }

    fn ttl(&self, t: &Tok, what: &str) -> Result<u32, String> {
        parse_ttl(t.text).ok_or_else(|| self.err(t.line, format!("bad {what} '{}'", t.text)))
    }

    /// `[TTL] [IN] TYPE RDATA` (TTL and class in either order) for `owner`.
    fn record(
        &mut self,
        owner: String,
        line: usize,
        toks: &[Tok],
        zone: &str,
    ) -> Result<(), String> {
        let (mut i, mut ttl, mut class) = (0, None, false);
        while let Some(t) = toks.get(i) {
            if ttl.is_none() && t.text.starts_with(|c: char| c.is_ascii_digit()) {
                ttl = Some(self.ttl(t, "TTL")?);
            } else if !class
                && ["IN", "CH", "CHAOS", "HS", "HESIOD"]
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(t.text))
            {
                if !t.text.eq_ignore_ascii_case("IN") {
                    return Err(self.err(
                        t.line,
                        format!("'{owner}': class '{}' not supported (IN only)", t.text),
                    ));
                }
                class = true;
            } else {
                break;
            }
            i += 1;
        }
        let Some(ty) = toks.get(i) else {
            return Err(self.err(line, format!("'{owner}': missing RR type")));
        };
        let rtype = type_from_name(ty.text)
            .filter(|t| [A, NS, CNAME, SOA].contains(t))
            .ok_or_else(|| {
                self.err(
                    ty.line,
                    format!(
                        "'{owner}': unknown RR type '{}' (supported: A, NS, CNAME, SOA)",
                        ty.text
                    ),
                )
            })?;
        let data = self.rdata(&owner, rtype, ty, &toks[i + 1..])?;
        if !in_zone(&owner, zone) {
            return Err(self.err(
                line,
                format!("'{owner}': out of zone data (zone is '{zone}')"),
            ));
        }
        let ttl = ttl.or(self.default_ttl).unwrap_or(DEFAULT_TTL);
        let rec = Record {
            name: owner,
            rtype,
            class: CLASS_IN,
            ttl,
            data,
        };
        let same =
            |r: &Record| name_eq(&r.name, &rec.name) && r.rtype == rec.rtype && r.data == rec.data;
        if !self.records.iter().any(|(r, _)| same(r)) {
            self.records.push((rec, line));
        }
        Ok(())
    }

    fn rdata(&self, owner: &str, rtype: u16, ty: &Tok, args: &[Tok]) -> Result<RData, String> {
        match rtype {
            A => {
                let [addr] = self.fields(owner, ty, args, &["IPv4 address"])?;
                let ip = addr.text.parse::<Ipv4Addr>();
                let ip = ip.map_err(|_| {
                    self.err(
                        addr.line,
                        format!("'{owner}': bad IPv4 address '{}'", addr.text),
                    )
                })?;
                Ok(RData::A(ip))
            }
            NS => Ok(RData::Ns(self.name(
                &self.fields::<1>(owner, ty, args, &["name server"])?[0],
            )?)),
            CNAME => Ok(RData::Cname(
                self.name(&self.fields::<1>(owner, ty, args, &["target name"])?[0])?,
            )),
            _ => self.soa(owner, ty, args),
        }
    }

    fn soa(&self, owner: &str, ty: &Tok, args: &[Tok]) -> Result<RData, String> {
        const F: [&str; 7] = [
            "primary name server",
            "mailbox",
            "serial",
            "refresh",
            "retry",
            "expire",
            "minimum",
        ];
        let [mname, rname, serial, refresh, retry, expire, minimum] =
            self.fields(owner, ty, args, &F)?;
        let bad = |t: &Tok, what: &str| {
            self.err(t.line, format!("'{owner}': bad SOA {what} '{}'", t.text))
        };
        let serial_ok = serial.text.bytes().all(|b| b.is_ascii_digit());
        Ok(RData::Soa {
            mname: self.name(&mname)?,
            rname: self.name(&rname)?,
            serial: serial
                .text
                .parse()
                .ok()
                .filter(|_| serial_ok)
                .ok_or_else(|| bad(&serial, "serial"))?,
            refresh: parse_ttl(refresh.text).ok_or_else(|| bad(&refresh, "refresh"))?,
            retry: parse_ttl(retry.text).ok_or_else(|| bad(&retry, "retry"))?,
            expire: parse_ttl(expire.text).ok_or_else(|| bad(&expire, "expire"))?,
            minimum: parse_ttl(minimum.text).ok_or_else(|| bad(&minimum, "minimum"))?,
        })
    }

    /// Exactly N data fields, or an error naming the first one missing or the first extra.
    fn fields<'t, const N: usize>(
        &self,
        owner: &str,
        ty: &Tok,
        args: &[Tok<'t>],
        names: &[&str; N],
    ) -> Result<[Tok<'t>; N], String> {
        if let Some(extra) = args.get(N) {
            return Err(self.err(
                extra.line,
                format!("'{owner}': extra input text '{}'", extra.text),
            ));
        }
        let line = args.last().map_or(ty.line, |t| t.line);
        let ty_name = ty.text.to_ascii_uppercase();
        let missing = |i: usize| {
            self.err(
                line,
                format!(
                    "'{owner}': {ty_name} record is missing its {}",
                    names.get(i).unwrap_or(&"data")
                ),
            )
        };
        <[Tok<'t>; N]>::try_from(args).map_err(|_| missing(args.len()))
    }
}

/// A TTL in seconds, or with BIND's units: `3600`, `1h`, `1h30m`, `2W` (s m h d w).
pub(super) fn parse_ttl(s: &str) -> Option<u32> {
    let (mut total, mut num): (u32, Option<u32>) = (0, None);
    for c in s.chars() {
        if let Some(d) = c.to_digit(10) {
            num = Some(num.unwrap_or(0).checked_mul(10)?.checked_add(d)?);
            continue;
        }
        let unit = match c.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            'w' => 604800,
            _ => return None,
        };
        total = total.checked_add(num.take()?.checked_mul(unit)?)?;
    }
    match num {
        Some(n) => total.checked_add(n),
        None if s.is_empty() => None,
        None => Some(total),
    }
}
