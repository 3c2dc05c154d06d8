//! The lab file reader: one statement per line, heredoc bodies after the command that opens
//! them. Every error names the file and line and says what was expected.

use super::expect::Expect;
use crate::sim::link::LinkParams;
use crate::sim::time::{parse_duration, parse_rate};
use crate::user::shell::lexer::{self, Script};
use std::path::Path;

/// A lab file's text. Bytes that are not UTF-8 are an error naming the line and column,
/// as every other error in a lab does.
pub fn read_lab(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        let col = at
            - bytes[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1)
            + 1;
        format!(
            "{}:{line}: invalid UTF-8 (byte 0x{:02x} at column {col})",
            path.display(),
            bytes[at]
        )
    })
}

#[derive(Clone, Debug)]
pub enum Stmt {
    Seed(u64),
    Title(String),
    /// Most events one statement may cause before the lab is declared runaway.
    Budget(u64),
    Nodes {
        kind: String,
        names: Vec<String>,
    },
    Link {
        a: (String, Option<String>),
        b: (String, Option<String>),
        params: LinkParams,
    },
    LinkState {
        up: bool,
        node: String,
        iface: Option<String>,
    },
    Capture {
        path: String,
        ifaces: Vec<(String, Option<String>)>,
    },
    Command {
        node: String,
        line: String,
        script: Script,
        bodies: Vec<String>,
    },
    Expect(Expect),
    Run(Option<u64>),
    Step(u64),
    /// `distro centos|debian NODE …`: the nodes' distribution (user/distro.rs).
    Distro {
        name: String,
        nodes: Vec<String>,
    },
    /// `tap NODE:IF DEV`: the interface on a Linux TAP device (real time from then on).
    Tap {
        node: String,
        iface: Option<String>,
        dev: String,
    },
}

/// A statement and where it came from.
#[derive(Clone, Debug)]
pub struct Line {
    pub file: String,
    pub line: usize,
    pub text: String,
    pub stmt: Stmt,
}

const KEYWORDS: &[&str] = &[
    "seed", "title", "budget", "host", "router", "switch", "hub", "link", "tap", "capture",
    "expect", "run", "step", "crash", "boot", "distro",
];

/// Parses a whole lab; the first error stops it.
pub fn parse_lab(file: &str, text: &str) -> Result<Vec<Line>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let n = i + 1;
        let raw = lines[i].trim();
        i += 1;
        if raw.is_empty() || raw.starts_with('#') {
            continue;
        }
        let err = |m: String| format!("{file}:{n}: {m}");
        let mut stmt = parse_stmt(raw).map_err(err)?;
        if let Stmt::Command { script, bodies, .. } = &mut stmt {
            for marker in &script.heredocs {
                let body = read_heredoc(&lines, &mut i, marker).ok_or_else(|| format!("{file}:{n}: here-document delimited by '{marker}' is never closed (expected a line '{marker}')"))?;
                bodies.push(body);
            }
        }
        out.push(Line {
            file: file.to_string(),
            line: n,
            text: raw.to_string(),
            stmt,
        });
    }
    Ok(out)
}

fn read_heredoc(lines: &[&str], i: &mut usize, marker: &str) -> Option<String> {
    let mut body = String::new();
    while *i < lines.len() {
        let l = lines[*i];
        *i += 1;
        if l.trim() == marker {
            return Some(body);
        }
        body.push_str(l);
        body.push('\n');
    }
    None
}

/// One statement (without heredoc bodies).
pub fn parse_stmt(raw: &str) -> Result<Stmt, String> {
    let first = raw.split_whitespace().next().unwrap_or("");
    if let Some(node) = first.strip_suffix(':') {
        if !node.is_empty() && !node.contains(':') {
            return parse_command(node, raw[first.len()..].trim());
        }
    }
    let words = lexer::split_words(raw).map_err(|e| e.to_string())?;
    let args = &words[1..];
    match words[0].as_str() {
        "seed" => one_number(args, "seed N").map(Stmt::Seed),
        "budget" => match one_number(args, "budget EVENTS")? {
            0 => Err("budget must be at least 1 (events one statement may cause)".into()),
            n => Ok(Stmt::Budget(n)),
        },
        "title" => match args {
            [t] => Ok(Stmt::Title(t.clone())),
            _ => Err("expected: title \"TEXT\"".into()),
        },
        "host" | "router" | "switch" | "hub" => parse_nodes(&words[0], args),
        "link" => parse_link(args),
        "capture" => parse_capture(args),
        "expect" => Expect::parse(args).map(Stmt::Expect),
        "run" => match args {
            [] => Ok(Stmt::Run(None)),
            [d] => parse_duration(d).map(|d| Stmt::Run(Some(d))),
            _ => Err("expected: run [DURATION] (e.g. run 5s)".into()),
        },
        "step" => match args {
            [] => Ok(Stmt::Step(1)),
            _ => one_number(args, "step [N]").map(Stmt::Step),
        },
        "tap" => parse_tap(args),
        "distro" => match args {
            [name, nodes @ ..] if crate::user::distro::NAMES.contains(&name.as_str()) && !nodes.is_empty() => {
                Ok(Stmt::Distro {
                    name: name.clone(),
                    nodes: nodes.to_vec(),
                })
            }
            _ => Err("expected: distro debian|centos NODE … (e.g. distro centos rs1 rs2)".into()),
        },
        "crash" | "boot" => Err(format!("'{}' is not supported yet: use `link down NODE:IF`", words[0])),
        other => Err(format!("unknown statement '{other}': expected a statement (host, link, capture, run, expect …) or NODE: COMMAND")),
    }
}

fn parse_tap(args: &[String]) -> Result<Stmt, String> {
    let usage = "expected: tap NODE:IF DEVICE, or tap SWITCH DEVICE (e.g. tap client:eth0 tap0)";
    let [end, dev] = args else {
        return Err(usage.into());
    };
    let (node, iface) = match end.split_once(':') {
        Some((n, i)) => (n, Some(i)),
        None => (end.as_str(), None),
    };
    if node.is_empty() || iface.is_some_and(str::is_empty) || dev.is_empty() || dev.len() > 15 {
        return Err(format!("{usage}; a device name has 1 to 15 characters"));
    }
    Ok(Stmt::Tap {
        node: node.into(),
        iface: iface.map(String::from),
        dev: dev.clone(),
    })
}

fn one_number(args: &[String], usage: &str) -> Result<u64, String> {
    match args {
        [n] => n
            .parse()
            .map_err(|_| format!("'{n}' is not a number; expected: {usage}")),
        _ => Err(format!("expected: {usage}")),
    }
}

fn parse_nodes(kind: &str, names: &[String]) -> Result<Stmt, String> {
    if names.is_empty() {
        return Err(format!("expected: {kind} NAME [NAME …]"));
    }
    if let Some(k) = names.iter().find(|n| KEYWORDS.contains(&n.as_str())) {
        return Err(format!(
            "'{k}' is a statement keyword and cannot name a node"
        ));
    }
    Ok(Stmt::Nodes {
        kind: kind.to_string(),
        names: names.to_vec(),
    })
}

fn parse_command(node: &str, rest: &str) -> Result<Stmt, String> {
    if rest.is_empty() {
        return Err(format!("expected a command after '{node}:'"));
    }
    let script = lexer::parse(rest).map_err(|e| format!("bash: {e}"))?;
    Ok(Stmt::Command {
        node: node.to_string(),
        line: rest.to_string(),
        script,
        bodies: Vec::new(),
    })
}

/// `NODE:IF` or `NODE`.
pub fn endpoint(text: &str) -> Result<(String, Option<String>), String> {
    match text.split_once(':') {
        Some((n, i)) if !n.is_empty() && !i.is_empty() => Ok((n.to_string(), Some(i.to_string()))),
        Some(_) => Err(format!("bad endpoint '{text}': expected NODE or NODE:IF")),
        None => Ok((text.to_string(), None)),
    }
}

fn parse_link(args: &[String]) -> Result<Stmt, String> {
    if let [state, ep] = args {
        if state == "down" || state == "up" {
            let (node, iface) = endpoint(ep)?;
            return Ok(Stmt::LinkState {
                up: state == "up",
                node,
                iface,
            });
        }
    }
    let usage = "expected: link A[:IF] B[:IF] [delay D] [rate R] [loss P%] [mtu N], or link down|up NODE:IF";
    let [a, b, opts @ ..] = args else {
        return Err(usage.into());
    };
    let mut params = LinkParams::default();
    let mut given: Vec<&str> = Vec::new();
    let mut it = opts.iter();
    while let Some(key) = it.next() {
        let value = it
            .next()
            .ok_or_else(|| format!("'{key}' needs a value; {usage}"))?;
        if given.contains(&key.as_str()) {
            return Err(format!("link option '{key}' given twice"));
        }
        given.push(key);
        match key.as_str() {
            "delay" => params.delay_ns = parse_duration(value)?,
            "rate" => params.rate_bps = Some(parse_rate(value)?),
            "loss" => params.loss_pct = parse_loss(value)?,
            "mtu" => {
                params.mtu = value
                    .parse()
                    .ok()
                    .filter(|m| (68..=65535).contains(m))
                    .ok_or_else(|| format!("bad mtu '{value}': expected 68 to 65535"))?
            }
            _ => return Err(format!("unknown link option '{key}'; {usage}")),
        }
    }
    Ok(Stmt::Link {
        a: endpoint(a)?,
        b: endpoint(b)?,
        params,
    })
}

/// `1%`, `0.5%`, `25`: digits, at most one decimal point, at most one `%`, 0 to 100.
fn parse_loss(value: &str) -> Result<f64, String> {
    let num = value.strip_suffix('%').unwrap_or(value);
    let plain = !num.is_empty()
        && num.chars().all(|c| c.is_ascii_digit() || c == '.')
        && num.matches('.').count() <= 1
        && !num.starts_with('.');
    num.parse::<f64>()
        .ok()
        .filter(|p| plain && (0.0..=100.0).contains(p))
        .ok_or_else(|| format!("bad loss '{value}': expected a percentage such as 1%"))
}

fn parse_capture(args: &[String]) -> Result<Stmt, String> {
    let [path, ifaces @ ..] = args else {
        return Err("expected: capture FILE [NODE:IF …]".into());
    };
    let ifaces = ifaces
        .iter()
        .map(|i| endpoint(i))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Stmt::Capture {
        path: path.clone(),
        ifaces,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_parse() {
        let lab = "seed 7\ntitle \"LVS-DR\"\nhost client rs1\nswitch sw1\nlink client:eth0 sw1 delay 10ms rate 100Mbit loss 1% mtu 1500\n\
                   client: cat > /etc/motd <<EOF\nhello\nEOF\nexpect exit 0\nrun 5s\nlink down client:eth0\n";
        let lines = parse_lab("t.lab", lab).unwrap();
        assert_eq!(lines.len(), 9);
        assert!(matches!(&lines[5].stmt, Stmt::Command { bodies, .. } if bodies == &["hello\n"]));
        assert!(
            matches!(&lines[4].stmt, Stmt::Link { params, .. } if params.delay_ns == 10_000_000 && params.loss_pct == 1.0)
        );
        assert_eq!(lines[6].line, 9);
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse_lab("x.lab", "host a\nlink a:eth0\n").unwrap_err();
        assert!(e.starts_with("x.lab:2: expected: link"), "{e}");
        let e = parse_lab("x.lab", "a: cat <<EOF\nno end\n").unwrap_err();
        assert!(e.contains("x.lab:1: here-document"), "{e}");
        assert!(parse_lab("x.lab", "host link\n").is_err());
        assert!(parse_lab("x.lab", "frobnicate\n")
            .unwrap_err()
            .contains("unknown statement"));
    }
}
