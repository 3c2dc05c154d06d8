//! awk at the level of the course's one-liners (Debian's awk is mawk 1.3.4): `-F SEP`, a
//! program of one rule, `PATTERN { print ITEMS }`, where a pattern is `NR==N` (or `<`, `>`,
//! `!=`, `<=`, `>=`), `$N == "text"` or a number, or `/regex/`, and an item is a
//! concatenation of `$N`, `$NF`, `$0`, `NR`, `NF` and "strings" (commas put the output
//! separator, a space, between items). Anything else is refused with a message naming it,
//! never run as something else.

use crate::kernel::process::Sys;
use regex::Regex;

enum Term {
    Field(usize),
    LastField,
    Nr,
    Nf,
    Str(String),
}

enum Pattern {
    All,
    Re(Regex),
    /// (left, operator, right), each side a term or a number.
    Cmp(Term, String, Term),
}

struct Rule {
    pattern: Pattern,
    /// None: print the whole record.
    items: Option<Vec<Vec<Term>>>,
}

const UNSUPPORTED: &str = "netstep: awk: only one `PATTERN { print … }` rule with $N, $NF, NR, NF and \"strings\" is simulated";

pub fn awk(sys: &mut Sys, args: &[String], stdin: &str) -> i32 {
    let (mut sep, mut rest) = (None, Vec::new());
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-F" => sep = it.next().cloned(),
            s if s.starts_with("-F") => sep = Some(s[2..].to_string()),
            _ => rest.push(a.clone()),
        }
    }
    let Some(program) = rest.first() else {
        sys.eprint("usage: mawk [-F value] [-v var=value] [--] 'program text' [file ...]\n");
        return 2;
    };
    let rule = match parse(program) {
        Ok(r) => r,
        Err(msg) => {
            sys.eprint(&format!("{msg}\n"));
            return 2;
        }
    };
    let mut text = String::new();
    if rest.len() == 1 {
        text.push_str(stdin);
    }
    for f in &rest[1..] {
        match sys.read_file(f) {
            Ok(d) => text.push_str(&String::from_utf8_lossy(&d)),
            Err(e) => {
                sys.eprint(&format!("awk: cannot open {f} ({})\n", e.message()));
                return 2;
            }
        }
    }
    for (i, line) in text.lines().enumerate() {
        let fields: Vec<&str> = match sep.as_deref() {
            None | Some(" ") => line.split_whitespace().collect(),
            Some(s) => line.split(s).collect(),
        };
        let rec = Record {
            line,
            fields: &fields,
            nr: i + 1,
        };
        if rec.matches(&rule.pattern) {
            let out = match &rule.items {
                None => line.to_string(),
                Some(items) => {
                    let parts: Vec<String> = items.iter().map(|t| rec.concat(t)).collect();
                    parts.join(" ")
                }
            };
            sys.print(&format!("{out}\n"));
        }
    }
    0
}

struct Record<'a> {
    line: &'a str,
    fields: &'a [&'a str],
    nr: usize,
}

impl Record<'_> {
    fn value(&self, t: &Term) -> String {
        match t {
            Term::Field(0) => self.line.to_string(),
            Term::Field(n) => self.fields.get(n - 1).unwrap_or(&"").to_string(),
            Term::LastField => self.fields.last().unwrap_or(&"").to_string(),
            Term::Nr => self.nr.to_string(),
            Term::Nf => self.fields.len().to_string(),
            Term::Str(s) => s.clone(),
        }
    }

    fn concat(&self, terms: &[Term]) -> String {
        terms.iter().map(|t| self.value(t)).collect()
    }

    fn matches(&self, p: &Pattern) -> bool {
        match p {
            Pattern::All => true,
            Pattern::Re(re) => re.is_match(self.line),
            Pattern::Cmp(l, op, r) => {
                let (a, b) = (self.value(l), self.value(r));
                let ord = match (a.parse::<f64>(), b.parse::<f64>()) {
                    (Ok(x), Ok(y)) => x.total_cmp(&y),
                    _ => a.cmp(&b),
                };
                match op.as_str() {
                    "==" => ord.is_eq(),
                    "!=" => ord.is_ne(),
                    "<" => ord.is_lt(),
                    "<=" => ord.is_le(),
                    ">" => ord.is_gt(),
                    _ => ord.is_ge(),
                }
            }
        }
    }
}

fn parse(program: &str) -> Result<Rule, String> {
    let p = program.trim();
    let (pattern, action) = match p.find('{') {
        Some(i) => {
            let body = p[i + 1..].trim_end();
            let Some(body) = body.strip_suffix('}') else {
                return Err("awk: line 2: missing } near end of file".into());
            };
            (p[..i].trim(), Some(body.trim()))
        }
        None => (p, None),
    };
    let pattern = parse_pattern(pattern)?;
    let items = match action {
        None | Some("print") | Some("print $0") => None,
        Some(a) => {
            let list = a.strip_prefix("print ").ok_or(UNSUPPORTED)?;
            Some(
                split_top(list, ',')
                    .iter()
                    .map(|i| parse_item(i))
                    .collect::<Result<_, _>>()?,
            )
        }
    };
    Ok(Rule { pattern, items })
}

fn parse_pattern(p: &str) -> Result<Pattern, String> {
    if p.is_empty() {
        return Ok(Pattern::All);
    }
    if let Some(re) = p.strip_prefix('/').and_then(|r| r.strip_suffix('/')) {
        return Regex::new(re)
            .map(Pattern::Re)
            .map_err(|_| UNSUPPORTED.to_string());
    }
    for op in ["==", "!=", "<=", ">=", "<", ">"] {
        if let Some((l, r)) = p.split_once(op) {
            let term = |s: &str| parse_term(s.trim()).ok_or(UNSUPPORTED.to_string());
            return Ok(Pattern::Cmp(term(l)?, op.into(), term(r)?));
        }
    }
    Err(UNSUPPORTED.into())
}

/// An item: terms side by side (`NR": "$0`).
fn parse_item(item: &str) -> Result<Vec<Term>, String> {
    let mut terms = Vec::new();
    let mut rest = item.trim();
    while !rest.is_empty() {
        let end = match rest.strip_prefix('"') {
            Some(s) => s.find('"').map(|i| i + 2).ok_or(UNSUPPORTED)?,
            None => rest.find([' ', '"']).unwrap_or(rest.len()),
        };
        terms.push(parse_term(&rest[..end]).ok_or(UNSUPPORTED)?);
        rest = rest[end..].trim_start();
    }
    Ok(terms)
}

fn parse_term(t: &str) -> Option<Term> {
    Some(match t {
        "NR" => Term::Nr,
        "NF" => Term::Nf,
        "$NF" => Term::LastField,
        _ if t.starts_with('"') && t.ends_with('"') && t.len() >= 2 => {
            Term::Str(t[1..t.len() - 1].replace("\\t", "\t"))
        }
        _ if t.starts_with('$') => Term::Field(t[1..].parse().ok()?),
        _ if t.parse::<f64>().is_ok() => Term::Str(t.to_string()),
        _ => return None,
    })
}

/// Splits at `sep` outside double quotes.
fn split_top(s: &str, sep: char) -> Vec<&str> {
    let (mut parts, mut start, mut quoted) = (Vec::new(), 0, false);
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c == sep && !quoted => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}
