//! The small text tools of the course's one-liners, with coreutils' and bash's messages and
//! statuses as recorded in docs/shell-real.md §4: printf (bash's builtin), seq, sort, uniq,
//! which (Debian's). (`env` is the shell's, timeout.rs: it runs commands.)

use crate::kernel::process::Sys;

/// Runs one of them; None if `argv[0]` is not one.
pub fn run(sys: &mut Sys, argv: &[String], stdin: &str) -> Option<i32> {
    let args = &argv[1..];
    Some(match argv[0].as_str() {
        "printf" => printf(sys, args),
        "seq" => seq(sys, args),
        "sort" => sort(sys, args, stdin),
        "uniq" => uniq(sys, args, stdin),
        "which" => which(sys, args),
        _ => return None,
    })
}

pub const NAMES: &[&str] = &["env", "printf", "seq", "sort", "uniq", "which"];

/// The text of a command's input: its files, or its standard input.
fn input(sys: &mut Sys, tool: &str, files: &[&String], stdin: &str) -> Result<String, i32> {
    if files.is_empty() {
        return Ok(stdin.to_string());
    }
    let mut text = String::new();
    for f in files {
        match sys.read_file(f) {
            Ok(d) => text.push_str(&String::from_utf8_lossy(&d)),
            Err(e) => {
                sys.eprint(&format!("{tool}: cannot read: {f}: {}\n", e.message()));
                return Err(2);
            }
        }
    }
    Ok(text)
}

/// bash's printf: the format is reused until the arguments are used up.
fn printf(sys: &mut Sys, args: &[String]) -> i32 {
    let Some(format) = args.first() else {
        sys.eprint("printf: usage: printf [-v var] format [arguments]\n");
        return 2;
    };
    let mut rest = args[1..].iter();
    let mut status = 0;
    loop {
        let before = rest.len();
        let out = format_once(format, &mut rest, &mut |bad| {
            sys.eprint(&format!("bash: printf: {bad}: invalid number\n"));
            status = 1;
        });
        sys.print(&out);
        if rest.len() == 0 || rest.len() == before {
            return status;
        }
    }
}

/// One pass of a printf format over the arguments.
fn format_once<'a>(
    format: &str,
    args: &mut impl Iterator<Item = &'a String>,
    bad: &mut dyn FnMut(&str),
) -> String {
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str(&escape(chars.next())),
            '%' if chars.peek() == Some(&'%') => {
                chars.next();
                out.push('%');
            }
            '%' => {
                let mut spec = String::new();
                while let Some(&d) = chars.peek() {
                    spec.push(d);
                    chars.next();
                    if d.is_ascii_alphabetic() {
                        break;
                    }
                }
                out.push_str(&conversion(&spec, args.next().map(String::as_str), bad));
            }
            c => out.push(c),
        }
    }
    out
}

fn escape(c: Option<char>) -> String {
    match c {
        Some('n') => "\n".into(),
        Some('t') => "\t".into(),
        Some('r') => "\r".into(),
        Some('\\') => "\\".into(),
        Some('a') => "\x07".into(),
        Some(o) => format!("\\{o}"),
        None => "\\".into(),
    }
}

/// One `%…` conversion: flags (`-`, `0`, `+`), width, precision, and the letter.
fn conversion(spec: &str, arg: Option<&str>, bad: &mut dyn FnMut(&str)) -> String {
    // The conversion letter is the spec's last character (the format may end before one).
    let cut = spec.char_indices().last().map_or(0, |(i, _)| i);
    let (body, letter) = spec.split_at(cut);
    let left = body.contains('-');
    let plus = body.contains('+');
    let digits = body.trim_start_matches(['-', '+', '0', ' ', '#']);
    let zero = body
        .trim_start_matches(['-', '+', ' ', '#'])
        .starts_with('0')
        && !left;
    let (width, prec) = match digits.split_once('.') {
        Some((w, p)) => (w.parse().unwrap_or(0), p.parse::<usize>().ok()),
        None => (digits.parse().unwrap_or(0), None),
    };
    let arg = arg.unwrap_or("");
    let text = match letter {
        "s" => prec.map_or(arg.to_string(), |p| arg.chars().take(p).collect()),
        "c" => arg.chars().next().map(String::from).unwrap_or_default(),
        "d" | "i" | "u" | "x" | "X" | "o" => {
            let n = integer(arg, bad);
            let sign = if plus && n >= 0 { "+" } else { "" };
            match letter {
                "x" => format!("{n:x}"),
                "X" => format!("{n:X}"),
                "o" => format!("{n:o}"),
                _ => format!("{sign}{n}"),
            }
        }
        "f" | "e" | "g" => {
            let x = arg.parse::<f64>().unwrap_or_else(|_| {
                if !arg.is_empty() {
                    bad(arg);
                }
                0.0
            });
            let p = prec.unwrap_or(6);
            match letter {
                "e" => c_exp(x, p),
                _ => format!("{x:.p$}"),
            }
        }
        // Not a conversion netstep knows: the text as written.
        _ => return format!("%{spec}"),
    };
    pad(&text, width, left, zero && letter != "s")
}

/// An integer argument as bash reads it: leading digits, and an error for the rest.
fn integer(arg: &str, bad: &mut dyn FnMut(&str)) -> i64 {
    if arg.is_empty() {
        return 0;
    }
    if let Ok(n) = arg.parse::<i64>() {
        return n;
    }
    if let Some(hex) = arg.strip_prefix("0x") {
        if let Ok(n) = i64::from_str_radix(hex, 16) {
            return n;
        }
    }
    bad(arg);
    let sign = usize::from(arg.starts_with('-'));
    let end = arg[sign..]
        .find(|c: char| !c.is_ascii_digit())
        .map_or(arg.len(), |i| i + sign);
    arg[..end].parse().unwrap_or(0)
}

/// `%e` as C prints it: two exponent digits at least.
fn c_exp(x: f64, p: usize) -> String {
    let s = format!("{x:.p$e}");
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = exp.parse().unwrap_or(0);
    let sign = if e < 0 { '-' } else { '+' };
    format!("{mant}e{sign}{:02}", e.abs())
}

fn pad(text: &str, width: usize, left: bool, zero: bool) -> String {
    let n = text.chars().count();
    if n >= width {
        return text.to_string();
    }
    let fill = width - n;
    match (left, zero) {
        (true, _) => format!("{text}{}", " ".repeat(fill)),
        (false, true) => {
            let (sign, digits) = match text.strip_prefix(['-', '+']) {
                Some(d) => (&text[..1], d),
                None => ("", text),
            };
            format!("{sign}{}{digits}", "0".repeat(fill))
        }
        (false, false) => format!("{}{text}", " ".repeat(fill)),
    }
}

/// `seq [-s SEP] [-w] [FIRST [INCREMENT]] LAST`.
fn seq(sys: &mut Sys, args: &[String]) -> i32 {
    let (mut sep, mut wide, mut nums) = ("\n".to_string(), false, Vec::new());
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-w" => wide = true,
            "-s" => sep = it.next().cloned().unwrap_or_default(),
            s if s.starts_with("-s") => sep = s[2..].to_string(),
            _ => nums.push(a.clone()),
        }
    }
    let fail = |sys: &mut Sys, msg: String| {
        sys.eprint(&format!(
            "seq: {msg}\nTry 'seq --help' for more information.\n"
        ));
        1
    };
    if nums.is_empty() || nums.len() > 3 {
        return fail(sys, "missing operand".into());
    }
    let mut vals = Vec::new();
    for n in &nums {
        match n.parse::<f64>() {
            Ok(v) => vals.push(v),
            Err(_) => return fail(sys, format!("invalid floating point argument: ‘{n}’")),
        }
    }
    let (first, step, last) = match vals.as_slice() {
        [l] => (1.0, 1.0, *l),
        [f, l] => (*f, 1.0, *l),
        [f, s, l] => (*f, *s, *l),
        _ => return 1,
    };
    if step == 0.0 {
        return fail(sys, format!("invalid Zero increment value: ‘{}’", nums[1]));
    }
    // As many decimals as the most precise of FIRST and INCREMENT.
    let decimals = nums[..nums.len() - 1]
        .iter()
        .map(|n| n.split_once('.').map_or(0, |(_, d)| d.len()))
        .max()
        .unwrap_or(0);
    let mut out: Vec<String> = Vec::new();
    let mut i = 0u64;
    loop {
        let v = first + step * i as f64;
        if (step > 0.0 && v > last + 1e-9) || (step < 0.0 && v < last - 1e-9) || i > 10_000_000 {
            break;
        }
        out.push(format!("{v:.decimals$}"));
        i += 1;
    }
    if wide {
        let w = out.iter().map(String::len).max().unwrap_or(0);
        out = out.iter().map(|s| pad(s, w, false, true)).collect();
    }
    if !out.is_empty() {
        sys.print(&format!("{}\n", out.join(&sep)));
    }
    0
}

/// `sort [-n] [-r] [-u] [-k N] [-t SEP] [FILE…]` in the C locale's byte order.
fn sort(sys: &mut Sys, args: &[String], stdin: &str) -> i32 {
    let (mut flags, mut key, mut sep, mut files) = (String::new(), 0usize, None, Vec::new());
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-k" => key = it.next().and_then(|k| field_number(k)).unwrap_or(0),
            "-t" => sep = it.next().and_then(|s| s.chars().next()),
            s if s.starts_with("-k") => key = field_number(&s[2..]).unwrap_or(0),
            s if s.starts_with("-t") => sep = s[2..].chars().next(),
            s if s.starts_with('-') && s.len() > 1 => flags.push_str(&s[1..]),
            _ => files.push(a),
        }
    }
    let text = match input(sys, "sort", &files, stdin) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let numeric = flags.contains('n');
    let keyed = |l: &str| -> String { key_of(l, key, sep) };
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort_by(|a, b| {
        let (ka, kb) = (keyed(a), keyed(b));
        let primary = match numeric {
            true => number_prefix(&ka).total_cmp(&number_prefix(&kb)),
            false => ka.cmp(&kb),
        };
        // The last resort: the whole lines, byte by byte.
        primary.then_with(|| a.cmp(b))
    });
    if flags.contains('r') {
        lines.reverse();
    }
    if flags.contains('u') {
        lines.dedup_by(|a, b| keyed(a) == keyed(b));
    }
    for l in lines {
        sys.print(&format!("{l}\n"));
    }
    0
}

fn field_number(k: &str) -> Option<usize> {
    k.split([',', '.'])
        .next()?
        .trim_end_matches(char::is_alphabetic)
        .parse()
        .ok()
}

/// The sort key from field `n` (1-based; 0 = the whole line) to the end of the line.
fn key_of(line: &str, n: usize, sep: Option<char>) -> String {
    if n <= 1 {
        return line.to_string();
    }
    match sep {
        Some(c) => line.splitn(n, c).nth(n - 1).unwrap_or("").to_string(),
        None => {
            // Blank-separated: the key keeps the blanks before its field, as sort's does.
            let mut fields = 0;
            let mut in_blank = true;
            for (i, ch) in line.char_indices() {
                let blank = ch == ' ' || ch == '\t';
                if in_blank && !blank {
                    fields += 1;
                }
                if blank && !in_blank && fields == n - 1 {
                    return line[i..].to_string();
                }
                in_blank = blank;
            }
            String::new()
        }
    }
}

/// sort -n's number: the leading (signed, decimal) number, 0 when there is none.
fn number_prefix(s: &str) -> f64 {
    let t = s.trim_start();
    let end = t
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_digit() || *c == '.' || (*i == 0 && *c == '-')))
        .map_or(t.len(), |(i, _)| i);
    t[..end].parse().unwrap_or(0.0)
}

/// `uniq [-c] [-d] [-u] [FILE]`: adjacent repeats.
fn uniq(sys: &mut Sys, args: &[String], stdin: &str) -> i32 {
    let flags: String = args
        .iter()
        .filter(|a| a.starts_with('-') && a.len() > 1)
        .flat_map(|a| a[1..].chars())
        .collect();
    let files: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let text = match input(sys, "uniq", &files, stdin) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let mut groups: Vec<(usize, &str)> = Vec::new();
    for l in text.lines() {
        match groups.last_mut() {
            Some((n, last)) if *last == l => *n += 1,
            _ => groups.push((1, l)),
        }
    }
    for (n, l) in groups {
        if (flags.contains('d') && n < 2) || (flags.contains('u') && n > 1) {
            continue;
        }
        match flags.contains('c') {
            true => sys.print(&format!("{n:>7} {l}\n")),
            false => sys.print(&format!("{l}\n")),
        }
    }
    0
}

/// Debian's which: the path of each command found, nothing for the others (status 1).
fn which(sys: &mut Sys, args: &[String]) -> i32 {
    let mut status = 0;
    for name in args.iter().filter(|a| !a.starts_with('-')) {
        match super::which(name) {
            Some(path) => sys.print(&format!("{path}\n")),
            None => status = 1,
        }
    }
    status
}

/// The environment of root's login shell on the terminal (what `env` shows on Debian 12).
pub fn login_environ(cwd: &str) -> Vec<(String, String)> {
    [
        ("SHELL", "/bin/bash"),
        ("PWD", cwd),
        ("LOGNAME", "root"),
        ("HOME", "/root"),
        ("LANG", "C.UTF-8"),
        ("TERM", "xterm"),
        ("USER", "root"),
        ("SHLVL", "1"),
        (
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect()
}

#[cfg(test)]
#[path = "textutils_tests.rs"]
mod tests;
