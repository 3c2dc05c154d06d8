//! `sysctl` (procps-ng 4.0.2): reads (`sysctl KEY`, `-n`, `-a`) and writes (`-w KEY=VAL`, or
//! any `KEY=VAL` argument, as procps-ng 4 does) the kernel's sysctls, and loads files (`-p`).
//! Keys take dots or slashes; failures print procps's messages and give exit status 1.

use super::fmt;
use crate::kernel::process::Sys;
use crate::kernel::sysctl::{Sysctl, SysctlError};

const LONG: &[(&str, char)] = &[
    ("all", 'a'),
    ("binary", 'b'),
    ("ignore", 'e'),
    ("names", 'N'),
    ("values", 'n'),
    ("load", 'p'),
    ("quiet", 'q'),
    ("write", 'w'),
    ("help", 'h'),
    ("version", 'V'),
];

const USAGE: &str = "\nUsage:\n sysctl [options] [variable[=value] ...]\n\nOptions:\n  \
    -a, --all            display all variables\n  \
    -A                   alias of -a\n  \
    -X                   alias of -a\n      \
    --deprecated     include deprecated parameters to listing\n      \
    --dry-run        Print the key and values but do not write\n  \
    -b, --binary         print value without new line\n  \
    -e, --ignore         ignore unknown variables errors\n  \
    -N, --names          print variable names without values\n  \
    -n, --values         print only values of the given variable(s)\n  \
    -p, --load[=<file>]  read values from file\n  \
    -f                   alias of -p\n      \
    --system         read values from all system directories\n  \
    -r, --pattern <expression>\n                       \
    select setting that match expression\n  \
    -q, --quiet          do not echo variable set\n  \
    -w, --write          enable writing a value to variable\n  \
    -o                   does nothing\n  \
    -x                   does nothing\n  \
    -d                   alias of -h\n\n \
    -h, --help     display this help and exit\n \
    -V, --version  output version information and exit\n\n\
    For more details see sysctl(8).\n";

/// How values are printed (procps's PrintName, PrintNewline, NameOnly, Quiet, IgnoreError).
#[derive(Clone, Copy)]
struct Out {
    name: bool,
    newline: bool,
    names_only: bool,
    quiet: bool,
    ignore: bool,
}

pub fn main(sys: &mut Sys, args: &[String]) -> i32 {
    if args.len() < 2 {
        return usage(sys, 1);
    }
    let g = match fmt::getopt("sysctl", args, "bneNwfp::qoxaAXVdh", LONG) {
        Ok(g) => g,
        Err(msg) => {
            sys.eprint(&format!("{msg}\n"));
            return usage(sys, 1);
        }
    };
    let mut out = Out {
        name: true,
        newline: true,
        names_only: false,
        quiet: false,
        ignore: false,
    };
    let (mut write, mut all, mut load) = (false, false, None);
    for (opt, value) in &g.opts {
        match opt {
            'b' => (out.newline, out.name) = (false, false),
            'n' => out.name = false,
            'e' => out.ignore = true,
            'N' => out.names_only = true,
            'w' => write = true,
            'p' | 'f' => load = Some(value.clone()),
            'q' => out.quiet = true,
            'a' | 'A' | 'X' => all = true,
            'V' => {
                sys.print("sysctl from procps-ng 4.0.2\n");
                return 0;
            }
            'd' | 'h' => return usage(sys, 0),
            _ => {}
        }
    }
    if all {
        return show_prefix(sys, out, "");
    }
    if let Some(file) = load {
        return load_files(sys, out, file, &g.operands);
    }
    if g.operands.is_empty() {
        sys.eprint("sysctl: no variables specified\nTry `sysctl --help' for more information.\n");
        return 1;
    }
    let mut status = 0;
    for arg in &g.operands {
        status |= if write || arg.contains('=') {
            write_arg(sys, out, arg, "command line", 0)
        } else {
            read(sys, out, arg)
        };
    }
    status
}

fn usage(sys: &mut Sys, status: i32) -> i32 {
    if status == 0 {
        sys.print(USAGE);
    } else {
        sys.eprint(USAGE);
    }
    status
}

/// procps's slashdot: the key with the other separator (`net/ipv4/x` ↔ `net.ipv4.x`).
fn swap_separators(key: &str, to: char) -> String {
    let from = if to == '/' { '.' } else { '/' };
    match key.find(['/', '.']) {
        Some(i) if key[i..].starts_with(from) => key
            .chars()
            .map(|c| match c {
                c if c == from => to,
                c if c == to => from,
                c => c,
            })
            .collect(),
        _ => key.to_string(),
    }
}

fn print_value(sys: &mut Sys, out: Out, key: &str, value: &str) {
    let line = if out.names_only {
        format!("{key}\n")
    } else if out.name {
        format!("{key} = {value}\n")
    } else if out.newline {
        format!("{value}\n")
    } else {
        value.to_string()
    };
    sys.print(&line);
}

/// Every key under `prefix` (a directory of /proc/sys), sorted; all of them for `-a`.
fn show_prefix(sys: &mut Sys, out: Out, prefix: &str) -> i32 {
    let rows: Vec<(String, String)> = sys
        .k
        .sysctl
        .iter_text()
        .into_iter()
        .filter(|(k, _)| k.starts_with(prefix))
        .collect();
    for (k, v) in rows {
        print_value(sys, out, &k, &v);
    }
    0
}

/// ReadSetting: a key, or a directory of keys.
fn read(sys: &mut Sys, out: Out, name: &str) -> i32 {
    let key = Sysctl::normalize(&swap_separators(name, '.'));
    if let Ok(v) = sys.k.sysctl.get_text(&key) {
        print_value(sys, out, &key, &v);
        return 0;
    }
    let dir = format!("{}.", key.trim_end_matches('.'));
    if !key.is_empty() && sys.k.sysctl.iter().any(|(k, _)| k.starts_with(&dir)) {
        return show_prefix(sys, out, &dir);
    }
    if out.ignore {
        return 0;
    }
    let path = swap_separators(name, '/');
    sys.eprint(&format!(
        "sysctl: cannot stat /proc/sys/{path}: No such file or directory\n"
    ));
    1
}

/// parse_setting_line + WriteSetting for one `key=value`.
fn write_arg(sys: &mut Sys, out: Out, line: &str, source: &str, lineno: usize) -> i32 {
    let line = line.trim_start();
    if line.len() < 2 || line.starts_with('#') || line.starts_with(';') {
        return 1;
    }
    let Some((key, value)) = line.split_once('=') else {
        sys.eprint(&format!(
            "sysctl: {source}({lineno}): invalid syntax, continuing...\n"
        ));
        return 1;
    };
    // A leading `-` (ignore failure) does not help against a key that does not exist: procps
    // stats the file first.
    let key = key.strip_prefix('-').unwrap_or(key).trim_end();
    let value = value.trim();
    let path = swap_separators(key, '/');
    let dotted = path.replace('/', ".");
    let is_dir = sys
        .k
        .sysctl
        .iter()
        .any(|(k, _)| k.starts_with(&format!("{dotted}.")));
    match sys.k.sysctl.set(&dotted, value) {
        Ok(()) => {
            if !out.quiet {
                print_value(
                    sys,
                    Out {
                        names_only: false,
                        ..out
                    },
                    &dotted,
                    value,
                );
            }
            0
        }
        Err(SysctlError::NoSuchKey) if is_dir => {
            sys.eprint(&format!(
                "sysctl: setting key \"{dotted}\": Is a directory\n"
            ));
            1
        }
        Err(SysctlError::NoSuchKey) if out.ignore => 0,
        Err(SysctlError::NoSuchKey) => {
            sys.eprint(&format!(
                "sysctl: cannot stat /proc/sys/{path}: No such file or directory\n"
            ));
            1
        }
        // The value is rejected when the file is closed, where procps fails even for `-key`.
        Err(SysctlError::Invalid) => {
            sys.eprint(&format!(
                "sysctl: setting key \"{dotted}\": Invalid argument\n"
            ));
            1
        }
        Err(SysctlError::Refused(msg)) => {
            sys.eprint(&format!("sysctl: setting key \"{dotted}\": {msg}\n"));
            1
        }
    }
}

/// `-p [FILE…]`: `key = value` lines from /etc/sysctl.conf or the files named.
fn load_files(sys: &mut Sys, out: Out, attached: Option<String>, files: &[String]) -> i32 {
    let mut names: Vec<String> = attached.into_iter().collect();
    names.extend(files.iter().cloned());
    if names.is_empty() {
        names.push("/etc/sysctl.conf".into());
    }
    let mut status = 0;
    for name in names {
        let Ok(data) = sys.read_file(&name) else {
            sys.eprint(&format!(
                "sysctl: cannot open \"{name}\": No such file or directory\n"
            ));
            status = 1;
            continue;
        };
        let text = String::from_utf8_lossy(&data).into_owned();
        for (i, line) in text.lines().enumerate() {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
                continue;
            }
            status |= write_arg(sys, out, t, &name, i + 1);
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use super::super::fmt::testutil::{host, run};

    /// connect() takes its port inside net.ipv4.ip_local_port_range.
    #[test]
    fn connect_takes_ports_from_the_local_port_range() {
        let mut k = host();
        assert_eq!(run(&mut k, "ifconfig eth0 10.0.0.1/24 up").2, 0);
        let r = k.sysctl.set("net.ipv4.ip_local_port_range", "50000 50001");
        assert_eq!(r, Ok(()));
        let mut ctx = crate::sim::Ctx::new(crate::sim::Time::ZERO, "h", false);
        for _ in 0..2 {
            let dst = std::net::Ipv4Addr::new(10, 0, 0, 2);
            crate::kernel::tcp::connect(&mut k, &mut ctx, 1, dst, 80).expect("a port");
        }
        let mut ports: Vec<u16> = k.tcp.conns.values().map(|c| c.local.1).collect();
        ports.sort_unstable();
        assert_eq!(ports, [50000, 50001]);
        let dst = std::net::Ipv4Addr::new(10, 0, 0, 3);
        assert!(
            crate::kernel::tcp::connect(&mut k, &mut ctx, 1, dst, 80).is_err(),
            "range used up"
        );
    }

    #[test]
    fn read_and_write() {
        let mut k = host();
        let r = run(&mut k, "sysctl net.ipv4.ip_forward");
        assert_eq!(r, ("net.ipv4.ip_forward = 0\n".into(), String::new(), 0));
        assert_eq!(run(&mut k, "sysctl -n net/ipv4/ip_forward").0, "0\n");
        let r = run(
            &mut k,
            "sysctl -w net.ipv4.ip_forward=1 net.ipv4.conf.all.arp_ignore=1",
        );
        assert_eq!(
            r.0,
            "net.ipv4.ip_forward = 1\nnet.ipv4.conf.all.arp_ignore = 1\n"
        );
        assert_eq!(
            run(&mut k, "sysctl net.ipv4.conf.eth0.forwarding").0,
            "net.ipv4.conf.eth0.forwarding = 1\n"
        );
        // procps-ng 4 takes KEY=VALUE as a write even without -w.
        assert_eq!(
            run(&mut k, "sysctl net/ipv4/conf/lo/arp_announce=2").0,
            "net.ipv4.conf.lo.arp_announce = 2\n"
        );
        assert_eq!(run(&mut k, "sysctl -q net.ipv4.ip_forward=0").0, "");
    }

    #[test]
    fn listing() {
        let mut k = host();
        let all = run(&mut k, "sysctl -a").0;
        let keys: Vec<&str> = all
            .lines()
            .map(|l| l.split(" = ").next().unwrap_or(""))
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert!(all.contains("net.ipv4.conf.eth0.arp_ignore = 0\n"));
        let dir = run(&mut k, "sysctl net.ipv4.conf.eth0").0;
        assert_eq!(dir.lines().count(), 7);
        assert!(dir.starts_with("net.ipv4.conf.eth0.accept_local = 0\n"));
    }

    #[test]
    fn errors() {
        let mut k = host();
        let r = run(&mut k, "sysctl -w net.ipv4.no_such_key=1");
        let msg = "sysctl: cannot stat /proc/sys/net/ipv4/no_such_key: No such file or directory\n";
        assert_eq!(r, (String::new(), msg.into(), 1));
        assert_eq!(run(&mut k, "sysctl net.ipv4.no_such_key").1, msg);
        let r = run(&mut k, "sysctl -w net.ipv4.ip_forward=yes");
        assert_eq!(
            r,
            (
                String::new(),
                "sysctl: setting key \"net.ipv4.ip_forward\": Invalid argument\n".into(),
                1
            )
        );
        let r = run(&mut k, "sysctl -w net.ipv4.ip_forward");
        assert_eq!(
            r.1,
            "sysctl: command line(0): invalid syntax, continuing...\n"
        );
        assert_eq!(run(&mut k, "sysctl -e net.ipv4.nope").2, 0);
        let r = run(&mut k, "sysctl");
        assert!(r.1.starts_with("\nUsage:\n sysctl [options]"));
        assert_eq!(r.2, 1);
    }

    #[test]
    fn load_file() {
        let mut k = host();
        k.write_file(
            "/etc/sysctl.conf",
            b"# lvs\nnet.ipv4.conf.all.arp_ignore = 1\nnet.ipv4.conf.all.arp_announce=2\n",
            false,
        )
        .unwrap();
        let r = run(&mut k, "sysctl -p");
        assert_eq!(
            r.0,
            "net.ipv4.conf.all.arp_ignore = 1\nnet.ipv4.conf.all.arp_announce = 2\n"
        );
        let r = run(&mut k, "sysctl -p /etc/nothing.conf");
        assert_eq!(
            r.1,
            "sysctl: cannot open \"/etc/nothing.conf\": No such file or directory\n"
        );
    }
}
