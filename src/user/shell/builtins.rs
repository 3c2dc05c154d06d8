//! Shell builtins and the small coreutils a lesson needs: echo, cat, ls, hostname, true,
//! false, grep, head, tail, wc, mkdir, rm, sleep. They read and write the node's files only.

use crate::kernel::process::Sys;
use crate::sim::time::parse_duration;

/// The commands this file runs.
pub const NAMES: &[&str] = &[
    "awk", "cat", "echo", "egrep", "false", "fgrep", "grep", "head", "hostname", "ls", "mkdir",
    "readlink", "rm", "tail", "true", "wc",
];

/// Runs a builtin; None if `argv[0]` is not one.
pub fn run(sys: &mut Sys, argv: &[String], stdin: &str) -> Option<i32> {
    let args = &argv[1..];
    Some(match argv[0].as_str() {
        "echo" => echo(sys, args),
        "cat" => cat(sys, args, stdin),
        "ls" => ls(sys, args),
        "hostname" => hostname(sys, args),
        "true" | ":" => 0,
        "false" => 1,
        "grep" | "egrep" | "fgrep" => {
            let mut args = args.to_vec();
            match argv[0].as_str() {
                "egrep" => args.insert(0, "-E".into()),
                "fgrep" => args.insert(0, "-F".into()),
                _ => {}
            }
            super::grep::grep(sys, &args, stdin)
        }
        "awk" | "mawk" => super::awk::awk(sys, args, stdin),
        "head" | "tail" => head_tail(sys, &argv[0], args, stdin),
        "wc" => wc(sys, args, stdin),
        "mkdir" => mkdir(sys, args),
        "readlink" => readlink(sys, args),
        "rm" => rm(sys, args, stdin),
        _ => return None,
    })
}

/// `readlink PATH`: where a /proc link points (`/proc/self` is the reader itself).
fn readlink(sys: &mut Sys, args: &[String]) -> i32 {
    let Some(path) = args.iter().find(|a| !a.starts_with('-')) else {
        sys.eprint("readlink: missing operand\nTry 'readlink --help' for more information.\n");
        return 1;
    };
    let full = sys.path(path);
    let target = match path.trim_end_matches('/') {
        "/proc/self" => Some(sys.pid.to_string()),
        _ => crate::kernel::procfs_pid::readlink(sys.k, &full),
    };
    match target {
        Some(t) => {
            sys.print(&format!("{t}\n"));
            0
        }
        None => 1,
    }
}

/// `sleep N[smhd]`: the duration in ns, or coreutils' error.
pub fn sleep(argv: &[String]) -> Result<u64, String> {
    let Some(arg) = argv.get(1) else {
        return Err("sleep: missing operand\nTry 'sleep --help' for more information.\n".into());
    };
    let text = arg
        .strip_suffix('d')
        .map(|d| format!("{}h", d.parse::<f64>().unwrap_or(-1.0) * 24.0));
    parse_duration(text.as_deref().unwrap_or(arg)).map_err(|_| {
        format!("sleep: invalid time interval '{arg}'\nTry 'sleep --help' for more information.\n")
    })
}

/// bash's echo: -n (no newline), -e (backslash escapes), -E.
fn echo(sys: &mut Sys, args: &[String]) -> i32 {
    let (mut newline, mut escapes, mut i) = (true, false, 0);
    while let Some(a) = args.get(i) {
        if a.len() < 2 || !a.starts_with('-') || !a[1..].chars().all(|c| "neE".contains(c)) {
            break;
        }
        for c in a[1..].chars() {
            match c {
                'n' => newline = false,
                'e' => escapes = true,
                _ => escapes = false,
            }
        }
        i += 1;
    }
    let mut text = args[i..].join(" ");
    if escapes {
        let (t, stop) = unescape(&text);
        text = t;
        if stop {
            newline = false;
        }
    }
    if newline {
        text.push('\n');
    }
    sys.print(&text);
    0
}

/// echo -e escapes; `\c` stops output (the bool).
fn unescape(s: &str) -> (String, bool) {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('a') => out.push('\x07'),
            Some('0') => out.push('\0'),
            Some('c') => return (out, true),
            Some(o) => {
                out.push('\\');
                out.push(o);
            }
            None => out.push('\\'),
        }
    }
    (out, false)
}

fn cat(sys: &mut Sys, args: &[String], stdin: &str) -> i32 {
    if args.is_empty() || args == ["-"] {
        sys.print(stdin);
        return 0;
    }
    let mut status = 0;
    for path in args {
        match sys.read_file(path) {
            Ok(data) => sys.print(&String::from_utf8_lossy(&data)),
            Err(e) => {
                sys.eprint(&format!("cat: {path}: {}\n", e.message()));
                status = 1;
            }
        }
    }
    status
}

/// `ls [-1] [-l] [PATH…]`: names one per line (as when output is not a terminal).
fn ls(sys: &mut Sys, args: &[String]) -> i32 {
    let long = args
        .iter()
        .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('l'));
    let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let targets: Vec<String> = if paths.is_empty() {
        vec![".".into()]
    } else {
        paths.iter().map(|p| p.to_string()).collect()
    };
    let mut status = 0;
    for (n, path) in targets.iter().enumerate() {
        if targets.len() > 1 {
            sys.print(&format!("{}{path}:\n", if n > 0 { "\n" } else { "" }));
        }
        if let Some(pid) = proc_fd_dir(&sys.path(path)) {
            ls_fds(sys, pid, long);
            continue;
        }
        if !sys.is_dir(path) {
            match sys.read_file(path) {
                Ok(data) => ls_line(sys, path, Some(data.len()), long),
                Err(_) => {
                    sys.eprint(&format!(
                        "ls: cannot access '{path}': No such file or directory\n"
                    ));
                    status = 2;
                }
            }
            continue;
        }
        let names = sys.list_dir(path).unwrap_or_default();
        if long {
            sys.print(&format!("total {}\n", names.len() * 4));
        }
        for name in names {
            let full = format!("{}/{name}", path.trim_end_matches('/'));
            let size = if sys.is_dir(&full) {
                None
            } else {
                sys.read_file(&full).ok().map(|d| d.len())
            };
            ls_line(sys, &name, size, long);
        }
    }
    status
}

/// `/proc/PID/fd` (after `$$` expanded) → PID.
fn proc_fd_dir(path: &str) -> Option<u32> {
    path.trim_end_matches('/')
        .strip_prefix("/proc/")?
        .strip_suffix("/fd")?
        .parse()
        .ok()
}

/// The descriptors of a process as symlinks, the way `ls -l /proc/$$/fd` shows them.
fn ls_fds(sys: &mut Sys, pid: u32, long: bool) {
    let links = sys.k.fd_links(pid);
    if long {
        sys.print("total 0\n");
    }
    for (fd, target) in links {
        if long {
            sys.print(&format!(
                "lrwx------ 1 root root 64 Nov 25 00:00 {fd} -> {target}\n"
            ));
        } else {
            sys.print(&format!("{fd}\n"));
        }
    }
}

fn ls_line(sys: &mut Sys, name: &str, size: Option<usize>, long: bool) {
    if !long {
        sys.print(&format!("{name}\n"));
        return;
    }
    let (mode, size) = match size {
        Some(s) => ("-rw-r--r-- 1", s),
        None => ("drwxr-xr-x 2", 4096),
    };
    sys.print(&format!("{mode} root root {size:>5} Jan  1 00:00 {name}\n"));
}

fn hostname(sys: &mut Sys, args: &[String]) -> i32 {
    match args.first().map(String::as_str) {
        None => {
            let h = sys.k.hostname.clone();
            sys.print(&format!("{h}\n"));
        }
        Some("-I") => {
            let addrs: Vec<String> = sys
                .k
                .devs
                .iter()
                .filter(|d| d.up && d.ifindex != 1)
                .flat_map(|d| d.addrs.iter().map(|a| a.addr.to_string()))
                .collect();
            sys.print(&format!("{} \n", addrs.join(" ")));
        }
        Some(name) => sys.k.hostname = name.to_string(),
    }
    0
}

fn head_tail(sys: &mut Sys, which: &str, args: &[String], stdin: &str) -> i32 {
    let mut n = 10usize;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let v = if a == "-n" {
            it.next().map(String::as_str)
        } else {
            a.strip_prefix('-')
        };
        match v.and_then(|v| v.parse().ok()) {
            Some(v) => n = v,
            None => {
                sys.eprint(&format!("{which}: invalid number of lines: '{a}'\n"));
                return 1;
            }
        }
    }
    let lines: Vec<&str> = stdin.lines().collect();
    let pick = if which == "head" {
        &lines[..n.min(lines.len())]
    } else {
        &lines[lines.len().saturating_sub(n)..]
    };
    for l in pick {
        sys.print(&format!("{l}\n"));
    }
    0
}

fn wc(sys: &mut Sys, args: &[String], stdin: &str) -> i32 {
    let lines = stdin.matches('\n').count();
    if args.iter().any(|a| a == "-l") {
        sys.print(&format!("{lines}\n"));
    } else {
        let words = stdin.split_whitespace().count();
        sys.print(&format!("{lines:>7} {words:>7} {:>7}\n", stdin.len()));
    }
    0
}

fn mkdir(sys: &mut Sys, args: &[String]) -> i32 {
    let mut status = 0;
    for p in args.iter().filter(|a| !a.starts_with('-')) {
        if sys.mkdir(p).is_err() {
            sys.eprint(&format!(
                "mkdir: cannot create directory '{p}': File exists\n"
            ));
            status = 1;
        }
    }
    status
}

/// `rm [-i] [-f] [-r] FILE…`; with -i (CentOS root's alias) it asks first and removes only
/// on a `y` from its standard input.
fn rm(sys: &mut Sys, args: &[String], stdin: &str) -> i32 {
    let flags: String = args
        .iter()
        .filter(|a| a.starts_with('-') && !a.starts_with("--"))
        .flat_map(|a| a[1..].chars())
        .collect();
    let ask = flags.contains('i') && !flags.contains('f');
    let mut answers = stdin.lines();
    let mut status = 0;
    for p in args.iter().filter(|a| !a.starts_with('-')) {
        if ask && sys.read_file(p).is_ok() {
            let kind = match sys.read_file(p).map(|d| d.is_empty()) {
                Ok(true) => "regular empty file",
                _ => "regular file",
            };
            sys.eprint(&format!("rm: remove {kind} '{p}'? "));
            if !answers
                .next()
                .is_some_and(|a| a.trim_start().starts_with(['y', 'Y']))
            {
                continue;
            }
        }
        if sys.remove(p).is_err() {
            sys.eprint(&format!(
                "rm: cannot remove '{p}': No such file or directory\n"
            ));
            status = 1;
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_escapes() {
        assert_eq!(
            unescape(r"GET / HTTP/1.0\n"),
            ("GET / HTTP/1.0\n".to_string(), false)
        );
        assert_eq!(unescape(r"a\cb"), ("a".to_string(), true));
    }

    #[test]
    fn sleep_parses() {
        assert_eq!(sleep(&["sleep".into(), "2".into()]), Ok(2_000_000_000));
        assert!(sleep(&["sleep".into(), "x".into()]).is_err());
        assert!(sleep(&["sleep".into()]).is_err());
    }
}
