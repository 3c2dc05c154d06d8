//! The part of BIND's `named.conf` a lab needs: master zones and the listening port.
//!
//! A small tokenizer (strings, words, `{`, `}`, `;`, with `//`, `#` and `/* */` comments and
//! line numbers) feeds a generic parser that turns the file into nested statements, the shape
//! every named.conf has; the meaning is then read off the top-level statements. Errors use
//! named-checkconf's wording: `"{file}:{line}: missing ';' before 'zone'"`.
//!
//! Understood: `zone "name" [IN] { type master|primary; file "path"; ... };` (other zone
//! options are skipped), `options { ... };` (only `listen-on port N` is read; the last one
//! with a port wins), and `logging`, `acl`, `controls` (skipped whole).

use super::wire::strip_dot;
use syntax::Stmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedConf {
    pub zones: Vec<ZoneConf>,
    /// 53 unless `options { listen-on port N ... }` says otherwise.
    pub listen_port: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneConf {
    /// The zone's name as written, without the trailing dot ("" for the root).
    pub name: String,
    /// "master" or "primary" (lowercased), which mean the same.
    pub kind: String,
    /// The zone file's path, as written.
    pub file: String,
}

pub fn parse(text: &str, file: &str) -> Result<NamedConf, String> {
    let stmts = syntax::statements(text, file)?;
    let mut conf = NamedConf {
        zones: Vec::new(),
        listen_port: 53,
    };
    for s in &stmts {
        top_level(&mut conf, s, file)?;
    }
    Ok(conf)
}

fn top_level(conf: &mut NamedConf, s: &Stmt, file: &str) -> Result<(), String> {
    let Some(kw) = s.words.first() else {
        return Err(format!("{file}:{}: unexpected '{{'", s.line));
    };
    match kw.text.as_str() {
        "options" => options(conf, s, file),
        "zone" => {
            let z = zone(s, file)?;
            if conf
                .zones
                .iter()
                .any(|o| o.name.eq_ignore_ascii_case(&z.name))
            {
                return Err(format!(
                    "{file}:{}: zone '{}': already exists",
                    s.line, z.name
                ));
            }
            conf.zones.push(z);
            Ok(())
        }
        "logging" | "acl" | "controls" => Ok(()),
        "include" => Err(format!(
            "{file}:{}: 'include' not supported: put everything in one file",
            s.line
        )),
        other => Err(format!("{file}:{}: unknown option '{other}'", kw.line)),
    }
}

fn options(conf: &mut NamedConf, s: &Stmt, file: &str) -> Result<(), String> {
    let (Some(body), 1) = (&s.block, s.words.len()) else {
        return Err(format!(
            "{file}:{}: 'options' takes a {{ ... }} block and nothing else",
            s.line
        ));
    };
    for o in body
        .iter()
        .filter(|o| o.words.first().is_some_and(|w| w.text == "listen-on"))
    {
        let Some(at) = o.words.iter().position(|w| w.text == "port") else {
            continue;
        };
        let Some(n) = o.words.get(at + 1) else {
            return Err(format!(
                "{file}:{}: listen-on: 'port' needs a number",
                o.line
            ));
        };
        let port = n
            .text
            .parse::<u16>()
            .ok()
            .filter(|_| n.text.bytes().all(|b| b.is_ascii_digit()));
        conf.listen_port =
            port.ok_or_else(|| format!("{file}:{}: '{}': invalid port", n.line, n.text))?;
    }
    Ok(())
}

/// `zone "name" [IN] { type master; file "path"; ... };`
fn zone(s: &Stmt, file: &str) -> Result<ZoneConf, String> {
    let Some(name_tok) = s.words.get(1) else {
        return Err(format!("{file}:{}: zone statement needs a name", s.line));
    };
    let shown = name_tok.text.as_str();
    let name = if shown == "." {
        String::new()
    } else {
        strip_dot(shown).to_string()
    };
    if let Some(class) = s.words.get(2) {
        if !class.text.eq_ignore_ascii_case("IN") {
            return Err(format!(
                "{file}:{}: zone '{shown}': class '{}' not supported (IN only)",
                class.line, class.text
            ));
        }
    }
    if let Some(extra) = s.words.get(3) {
        return Err(format!(
            "{file}:{}: zone '{shown}': unexpected '{}'",
            extra.line, extra.text
        ));
    }
    let Some(body) = &s.block else {
        return Err(format!(
            "{file}:{}: zone '{shown}': expected '{{' with its type and file",
            s.line
        ));
    };
    let (mut kind, mut path) = (None, None);
    for o in body {
        let Some(key) = o.words.first() else { continue };
        let slot = match key.text.as_str() {
            "type" => &mut kind,
            "file" => &mut path,
            _ => continue, // allow-update, notify …: not needed to serve the zone
        };
        *slot = Some((zone_value(o, slot.is_some(), shown, file)?, o.line));
    }
    let Some((written, line)) = kind else {
        return Err(format!(
            "{file}:{}: zone '{shown}': type not present",
            s.line
        ));
    };
    let kind = written.to_ascii_lowercase();
    if kind != "master" && kind != "primary" {
        return Err(format!(
            "{file}:{line}: zone '{shown}': type '{written}' not supported (master/primary only)"
        ));
    }
    let Some((path, _)) = path else {
        return Err(format!(
            "{file}:{}: zone '{shown}': missing 'file' entry",
            s.line
        ));
    };
    Ok(ZoneConf {
        name,
        kind,
        file: path,
    })
}

/// The single value of `type x;` or `file "x";` inside a zone.
fn zone_value(o: &Stmt, seen: bool, zone: &str, file: &str) -> Result<String, String> {
    let key = o.words.first().map_or("", |w| w.text.as_str());
    if seen {
        return Err(format!(
            "{file}:{}: zone '{zone}': '{key}' redefined",
            o.line
        ));
    }
    if let Some(extra) = o.words.get(2) {
        return Err(format!(
            "{file}:{}: missing ';' before '{}'",
            extra.line, extra.text
        ));
    }
    match (o.words.get(1), &o.block) {
        (Some(v), None) => Ok(v.text.clone()),
        _ => Err(format!(
            "{file}:{}: zone '{zone}': '{key}' needs one value",
            o.line
        )),
    }
}

/// Tokens and statements: the grammar every named.conf shares.
#[path = "conf_syntax.rs"]
mod syntax;

#[cfg(test)]
#[path = "conf_tests.rs"]
mod tests;
