//! keepalived.conf's lines as keepalived's read_line gives them to the parser (lib/parser.c):
//! `!` and `#` start a comment anywhere outside double quotes, a trailing `\` continues the
//! line, `include FILE` reads another file in place, and every `{` or `}` outside quotes
//! becomes a line of its own (`vrrp_instance VI_1 {` is `vrrp_instance VI_1`, then `{`).
//! Words are split at white space; a double-quoted string is one word without its quotes.

use std::rc::Rc;

/// Includes deeper than this are refused (keepalived has no limit; a file including itself
/// would recurse until the stack overflowed).
const MAX_INCLUDE_DEPTH: usize = 16;
/// A logical line longer than this is cut there (keepalived's MAXBUF is 1024 bytes).
const MAXBUF: usize = 1024;

/// One line the parser sees.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub file: Rc<str>,
    pub line: usize,
    pub words: Vec<String>,
    /// The text as written (after comments), for keywords that read it themselves.
    pub raw: String,
    /// A `"` opened and never closed: the words stop at it.
    pub unmatched_quote: bool,
}

/// A problem found while reading, with where it was.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub file: Rc<str>,
    pub line: usize,
    pub text: String,
    /// Counts as a config error (keepalived -t fails on it).
    pub error: bool,
}

/// What the lexer needs from the node's file system.
pub trait Files {
    fn read(&self, path: &str) -> Option<String>;
    /// The files a glob names, sorted (a literal path gives itself when it exists).
    fn glob(&self, pattern: &str) -> Vec<String>;
    /// Whether a script's program exists and can be run (keepalived checks before it
    /// counts a script as one that will be executed).
    fn executable(&self, _program: &str) -> bool {
        false
    }
}

pub struct Lexed {
    pub lines: Vec<Line>,
    pub problems: Vec<Problem>,
    /// More than one file was read: messages then name the file.
    pub several_files: bool,
}

/// Reads `path` and everything it includes. None when the file itself cannot be read.
/// Only the parent reads the files themselves and reports includes that match nothing; the
/// children read the parent's copy, where includes are already in place.
pub fn read(files: &dyn Files, path: &str, parent: bool) -> Option<Lexed> {
    let text = files.read(path)?;
    let mut out = Lexed {
        lines: Vec::new(),
        problems: Vec::new(),
        several_files: false,
    };
    read_text(files, path, &text, (0, parent), &mut out);
    Some(out)
}

fn read_text(
    files: &dyn Files,
    path: &str,
    text: &str,
    (depth, parent): (usize, bool),
    out: &mut Lexed,
) {
    let file: Rc<str> = Rc::from(path);
    let mut pending = String::new();
    let mut start = 0;
    for (i, raw) in text.split('\n').enumerate() {
        let n = i + 1;
        if pending.is_empty() {
            start = n;
        }
        let (body, cont) = decomment(raw, &file, n, out);
        pending.push_str(&body);
        if cont {
            continue;
        }
        let line = std::mem::take(&mut pending);
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(target) = include_target(line) {
            include(files, path, &target, (&file, start), (depth, parent), out);
            continue;
        }
        let line: String = line.chars().take(MAXBUF).collect();
        for piece in split_braces(&line) {
            let (words, unmatched_quote) = words(&piece, &file, start, out);
            if !words.is_empty() {
                out.lines.push(Line {
                    file: Rc::clone(&file),
                    line: start,
                    words,
                    raw: piece.clone(),
                    unmatched_quote,
                });
            }
        }
    }
}

/// `include PATTERN`: the files it matches, read in place.
fn include(
    files: &dyn Files,
    from: &str,
    target: &str,
    (file, line): (&Rc<str>, usize),
    (depth, parent): (usize, bool),
    out: &mut Lexed,
) {
    if depth + 1 >= MAX_INCLUDE_DEPTH {
        out.problems.push(Problem {
            file: Rc::clone(file),
            line,
            text: format!(
                "include {target}: more than {MAX_INCLUDE_DEPTH} nested includes - skipping"
            ),
            error: true,
        });
        return;
    }
    let pattern = if target.starts_with('/') {
        target.to_string()
    } else {
        let dir = from.rsplit_once('/').map_or("", |(d, _)| d);
        format!("{dir}/{target}")
    };
    let matched = files.glob(&pattern);
    if matched.is_empty() && parent {
        out.problems.push(Problem {
            file: Rc::clone(file),
            line,
            text: format!("Config files missing '{target}'."),
            error: false,
        });
    }
    if !matched.is_empty() {
        out.several_files = true;
    }
    for p in matched {
        if let Some(text) = files.read(&p) {
            read_text(files, &p, &text, (depth + 1, parent), out);
        }
    }
}

fn include_target(line: &str) -> Option<String> {
    let rest = line.strip_prefix("include")?;
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let t = rest.trim().trim_matches('"');
    Some(t.to_string())
}

/// decomment: the text before an unquoted `!` or `#`, and whether a trailing `\` continues
/// the line. `\#` and `\!` outside quotes are the characters themselves.
fn decomment(raw: &str, file: &Rc<str>, n: usize, out: &mut Lexed) -> (String, bool) {
    let mut s = String::with_capacity(raw.len());
    let mut quote = false;
    let mut chars = raw.trim_end_matches('\r').chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quote = !quote;
                s.push(c);
            }
            '\\' => match chars.next() {
                None => return (s, true),
                Some(n @ ('#' | '!')) if !quote => s.push(n),
                Some(n) => {
                    s.push('\\');
                    s.push(n);
                }
            },
            '!' | '#' if !quote => break,
            _ => s.push(c),
        }
    }
    if quote {
        out.problems.push(Problem {
            file: Rc::clone(file),
            line: n,
            text: format!("Unterminated quote '{}'", s.trim()),
            error: true,
        });
    }
    (s, false)
}

/// Every `{` and `}` outside quotes on a line of its own.
fn split_braces(line: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut cur = String::new();
    let mut quote = false;
    for c in line.chars() {
        match c {
            '"' => {
                quote = !quote;
                cur.push(c);
            }
            '{' | '}' if !quote => {
                if !cur.trim().is_empty() {
                    pieces.push(cur.trim().to_string());
                }
                cur.clear();
                pieces.push(c.to_string());
            }
            _ => cur.push(c),
        }
    }
    if !cur.trim().is_empty() {
        pieces.push(cur.trim().to_string());
    }
    pieces
}

/// alloc_strvec: words split at white space, a "quoted string" one word; true when a
/// quote was left open (the words stop there).
fn words(line: &str, file: &Rc<str>, n: usize, out: &mut Lexed) -> (Vec<String>, bool) {
    let mut words = Vec::new();
    let mut rest = line.trim_start();
    while !rest.is_empty() {
        if let Some(q) = rest.strip_prefix('"') {
            match q.find('"') {
                Some(end) => {
                    words.push(q[..end].to_string());
                    rest = q[end + 1..].trim_start();
                }
                None => {
                    out.problems.push(Problem {
                        file: Rc::clone(file),
                        line: n,
                        text: format!("Unmatched quote: '{line}'"),
                        error: true,
                    });
                    return (words, true);
                }
            }
            continue;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '"')
            .unwrap_or(rest.len());
        words.push(rest[..end].to_string());
        rest = rest[end..].trim_start();
    }
    (words, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    struct Mem(BTreeMap<String, String>);

    impl Files for Mem {
        fn read(&self, path: &str) -> Option<String> {
            self.0.get(path).cloned()
        }
        fn glob(&self, pattern: &str) -> Vec<String> {
            self.0
                .keys()
                .filter(|k| match pattern.split_once('*') {
                    Some((a, b)) => k.starts_with(a) && k.ends_with(b),
                    None => *k == pattern,
                })
                .cloned()
                .collect()
        }
    }

    fn lex(files: &[(&str, &str)]) -> Lexed {
        let m = Mem(files
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect());
        read(&m, files[0].0, true).expect("readable")
    }

    fn words_of(l: &Lexed) -> Vec<String> {
        l.lines
            .iter()
            .map(|l| format!("{}:{}", l.line, l.words.join(" ")))
            .collect()
    }

    #[test]
    fn braces_comments_quotes_and_continuations() {
        let l = lex(&[(
            "/k.conf",
            "! comment\nvrrp_instance VI_1 { # trailing\n  notify_master \"/bin/echo a b\"\n  path / }\n  x \\\n y\n}\n",
        )]);
        assert_eq!(
            words_of(&l),
            [
                "2:vrrp_instance VI_1",
                "2:{",
                "3:notify_master /bin/echo a b",
                "4:path /",
                "4:}",
                "5:x y",
                "7:}"
            ]
        );
        assert!(!l.several_files);
    }

    #[test]
    fn includes_read_in_place_relative_to_the_includer() {
        let l = lex(&[
            (
                "/etc/keepalived/keepalived.conf",
                "a\ninclude conf.d/*.conf\nb\n",
            ),
            ("/etc/keepalived/conf.d/1.conf", "one\n"),
            ("/etc/keepalived/conf.d/2.conf", "two\n"),
        ]);
        assert_eq!(words_of(&l), ["1:a", "1:one", "1:two", "3:b"]);
        assert!(l.several_files);
        let l = lex(&[("/a.conf", "include /missing.conf\n")]);
        assert_eq!(l.problems[0].text, "Config files missing '/missing.conf'.");
    }

    #[test]
    fn a_file_including_itself_stops() {
        let l = lex(&[("/a.conf", "x\ninclude /a.conf\n")]);
        assert_eq!(l.lines.len(), MAX_INCLUDE_DEPTH);
        assert!(l.problems[0].text.contains("nested includes"));
    }

    #[test]
    fn unterminated_quotes_are_reported() {
        let l = lex(&[("/a.conf", "notify \"/bin/x\n")]);
        assert!(l
            .problems
            .iter()
            .any(|p| p.text.starts_with("Unterminated quote")));
    }
}
