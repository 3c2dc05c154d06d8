//! GNU grep 3.8's everyday options: basic (default), extended (-E) and fixed (-F) patterns,
//! -i -v -c -n -o -w -x -q -s -l -h -H, several files with their names in front, and grep's
//! exit statuses (0 a line selected, 1 none, 2 an error), as recorded in
//! docs/shell-real.md §4.

use crate::kernel::process::Sys;
use regex::Regex;

#[derive(Default)]
struct Opts {
    extended: bool,
    fixed: bool,
    flags: String,
    patterns: Vec<String>,
    files: Vec<String>,
}

const USAGE: &str =
    "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n";

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts::default();
    let mut it = args.iter();
    let mut words = Vec::new();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--color=auto" | "--color" | "--colour=auto" => {}
            "-e" => o.patterns.push(it.next().ok_or(USAGE)?.clone()),
            "--" => words.extend(it.by_ref().cloned()),
            s if s.starts_with("--") => {
                return Err(format!("grep: unrecognized option '{s}'\n{USAGE}"))
            }
            s if s.starts_with('-') && s.len() > 1 => {
                for c in s[1..].chars() {
                    match c {
                        'E' => o.extended = true,
                        'F' => o.fixed = true,
                        'G' => o.extended = false,
                        'i' | 'v' | 'c' | 'n' | 'o' | 'w' | 'x' | 'q' | 's' | 'l' | 'h' | 'H' => {
                            o.flags.push(c)
                        }
                        _ => return Err(format!("grep: invalid option -- '{c}'\n{USAGE}")),
                    }
                }
            }
            _ => words.push(a.clone()),
        }
    }
    let mut words = words.into_iter();
    if o.patterns.is_empty() {
        o.patterns.push(words.next().ok_or(USAGE)?);
    }
    o.files = words.collect();
    Ok(o)
}

/// A basic regular expression in the regex crate's (extended) syntax: `\|`, `\(`, `\{`,
/// `\+`, `\?` are the operators, their bare characters literal.
fn from_basic(bre: &str) -> String {
    let mut out = String::new();
    let mut chars = bre.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(o @ ('|' | '(' | ')' | '{' | '}' | '+' | '?')) => out.push(o),
                Some(o) => {
                    out.push('\\');
                    out.push(o);
                }
                None => out.push_str("\\\\"),
            },
            '|' | '(' | ')' | '{' | '}' | '+' | '?' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

fn compile(o: &Opts) -> Result<Regex, String> {
    let alts: Vec<String> = o
        .patterns
        .iter()
        .flat_map(|p| p.split('\n'))
        .map(|p| match (o.fixed, o.extended) {
            (true, _) => regex::escape(p),
            (false, true) => p.to_string(),
            (false, false) => from_basic(p),
        })
        .collect();
    let mut re = format!("(?:{})", alts.join("|"));
    if o.flags.contains('w') {
        re = format!(r"\b{re}\b");
    }
    if o.flags.contains('x') {
        re = format!("^{re}$");
    }
    if o.flags.contains('i') {
        re = format!("(?i){re}");
    }
    Regex::new(&re).map_err(|e| {
        let what = match e.to_string().contains("unclosed group") {
            true => "Unmatched ( or \\(",
            false => "Unmatched [, [^, [:, [., or [=",
        };
        format!("grep: {what}\n")
    })
}

pub fn grep(sys: &mut Sys, args: &[String], stdin: &str) -> i32 {
    let o = match parse(args) {
        Ok(o) => o,
        Err(msg) => {
            sys.eprint(&msg);
            return 2;
        }
    };
    let re = match compile(&o) {
        Ok(r) => r,
        Err(msg) => {
            sys.eprint(&msg);
            return 2;
        }
    };
    let has = |c: char| o.flags.contains(c);
    let names = (o.files.len() > 1 || has('H')) && !has('h');
    let inputs: Vec<(String, Option<String>)> = match o.files.is_empty() {
        true => vec![("(standard input)".into(), Some(stdin.to_string()))],
        false => o
            .files
            .iter()
            .map(|f| {
                let text = sys.read_file(f).ok();
                (
                    f.clone(),
                    text.map(|d| String::from_utf8_lossy(&d).into_owned()),
                )
            })
            .collect(),
    };
    let (mut selected, mut error) = (false, false);
    for (name, text) in inputs {
        let Some(text) = text else {
            if !has('s') {
                sys.eprint(&format!("grep: {name}: No such file or directory\n"));
            }
            error = true;
            continue;
        };
        let prefix = if names {
            format!("{name}:")
        } else {
            String::new()
        };
        let mut count = 0;
        for (n, line) in text.lines().enumerate() {
            if re.is_match(line) == has('v') {
                continue;
            }
            count += 1;
            if has('q') || has('c') || has('l') {
                continue;
            }
            let num = if has('n') {
                format!("{}:", n + 1)
            } else {
                String::new()
            };
            match has('o') && !has('v') {
                true => {
                    for m in re.find_iter(line) {
                        sys.print(&format!("{prefix}{num}{}\n", m.as_str()));
                    }
                }
                false => sys.print(&format!("{prefix}{num}{line}\n")),
            }
        }
        selected |= count > 0;
        if has('c') && !has('q') {
            sys.print(&format!("{prefix}{count}\n"));
        } else if has('l') && count > 0 && !has('q') {
            sys.print(&format!("{name}\n"));
        }
    }
    match (selected, error) {
        (true, _) if has('q') => 0,
        (_, true) => 2,
        (true, false) => 0,
        (false, false) => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::from_basic;

    #[test]
    fn basic_expressions_swap_their_operators() {
        assert_eq!(from_basic(r"a\|b"), "a|b");
        assert_eq!(from_basic("a|b"), r"a\|b");
        assert_eq!(from_basic(r"\(x\)\{2\}"), "(x){2}");
        assert_eq!(from_basic("1+1"), r"1\+1");
    }
}
