//! `journalctl [-u UNIT] [-n N] [--no-pager] [-e] [-x] [-b]` (systemd 252): the journal's
//! lines, all or one unit's, oldest first, in the short format syslog shares.

use crate::kernel::process::Sys;
use crate::user::libc::syslog::journal;
use crate::user::systemd::unit;

pub fn main(sys: &mut Sys, args: &[String]) -> i32 {
    let mut unit_name = None;
    let mut lines: Option<usize> = None;
    let mut it = args[1..].iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-u" | "--unit" => match it.next() {
                Some(u) => unit_name = Some(unit::canonical(u)),
                None => return missing(sys, a),
            },
            "-n" | "--lines" => match it.next().and_then(|n| n.parse().ok()) {
                Some(n) => lines = Some(n),
                None => return missing(sys, a),
            },
            "--no-pager" | "-e" | "-x" | "-xe" | "-b" | "-q" | "--quiet" => {
                if a == "-e" {
                    lines = lines.or(Some(1000));
                }
            }
            s if s.starts_with("-xeu") || s.starts_with("-eu") => {
                unit_name = it.next().map(|u| unit::canonical(u));
            }
            s if s.starts_with("--unit=") => unit_name = Some(unit::canonical(&s[7..])),
            other => {
                sys.eprint(&format!("journalctl: unrecognized option '{other}'\n"));
                return 1;
            }
        }
    }
    let mut picked: Vec<String> = journal(sys)
        .into_iter()
        .filter(|(u, _)| unit_name.as_ref().is_none_or(|n| n == u))
        .map(|(_, l)| l)
        .collect();
    if let Some(n) = lines {
        picked.drain(..picked.len().saturating_sub(n));
    }
    if picked.is_empty() {
        sys.print("-- No entries --\n");
        return 0;
    }
    let mut out = picked.join("\n");
    out.push('\n');
    sys.print(&out);
    0
}

fn missing(sys: &mut Sys, opt: &str) -> i32 {
    sys.eprint(&format!(
        "journalctl: option '{opt}' requires an argument\n"
    ));
    1
}
