//! Text that reaches netstep: lab lines (parsed, checked and run), REPL lines (meta
//! commands and lab statements) and command lines run on a node.

use super::Gen;
use netstep::lab::parse::parse_lab;
use netstep::lab::runner::{LabOptions, Runner};
use netstep::lab::validate::validate;
use netstep::repl::session::Session;
use std::path::{Path, PathBuf};

/// Two hosts on a switch, addressed; every generated input runs after it. A small budget
/// keeps each input's run short.
const PRELUDE: &str = "budget 3000\nhost a b\nswitch s\nlink a:eth0 s\nlink b:eth0 s\na: ifconfig eth0 10.0.0.1/24\nb: ifconfig eth0 10.0.0.2/24\n";

/// The course's lab lines, without TAP devices (a fuzzer must not make host devices) or
/// long waits (they only cost time).
pub fn corpus() -> Vec<String> {
    let mut lines = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir("labs")
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        lines.extend(
            text.lines()
                .filter(|l| !l.trim_start().starts_with("tap") && !l.starts_with("run "))
                .map(String::from),
        );
    }
    lines
}

fn out_dir(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("netstep-fuzz-{}-{tag}", std::process::id()))
}

/// One generated lab: the prelude and a few broken lines. Runs it if it parses and
/// checks; either way nothing may panic. Returns whether it ran to the end.
fn one_lab(g: &mut Gen, corpus: &[String], out: &Path) -> bool {
    let mut text = String::from(PRELUDE);
    for _ in 0..1 + g.below(3) {
        let line = g.pick(corpus).clone();
        let line = if g.below(4) == 0 {
            line
        } else {
            g.mutate(&line)
        };
        if line.trim_start().starts_with("tap") {
            continue;
        }
        text.push_str(&line);
        text.push('\n');
    }
    let opts = LabOptions {
        out_dir: out.to_path_buf(),
        ..Default::default()
    };
    let Ok(lines) = parse_lab("fuzz.lab", &text) else {
        return false;
    };
    if validate(&lines, &opts).is_err() {
        return false;
    }
    let mut sink = std::io::sink();
    let mut runner = Runner::for_run(&opts, &mut sink);
    lines.iter().all(|l| runner.exec(l).is_ok()) && runner.close().is_ok()
}

/// `n` generated labs; returns how many ran to the end (the rest got an error).
pub fn labs(seed: u64, n: u64) -> u64 {
    let corpus = corpus();
    let out = out_dir("lab");
    let mut g = Gen::new(seed);
    let ran = (0..n).filter(|_| one_lab(&mut g, &corpus, &out)).count() as u64;
    let _ = std::fs::remove_dir_all(out);
    ran
}

/// Options and words the node's programs take, for command lines.
const WORDS: &[&str] = &[
    "-c",
    "1",
    "-n",
    "-i",
    "0",
    "-s",
    "65507",
    "-w",
    "-W",
    "-t",
    "-p",
    "-u",
    "-l",
    "-v",
    "-a",
    "-A",
    "-D",
    "-d",
    "-r",
    "-e",
    "-x",
    "-z",
    "-N",
    "--",
    "a",
    "b",
    "10.0.0.2",
    "10.0.0.9",
    "255.255.255.255",
    "0.0.0.0",
    "eth0",
    "eth1",
    "lo",
    "lo:2",
    "add",
    "del",
    "show",
    "dev",
    "default",
    "gw",
    "netmask",
    "up",
    "down",
    "80",
    "53",
    "-1",
    "99999",
    "x",
    "/etc/hosts",
    "http://b/",
    "+short",
    "@b",
    "/proc/sys/net/ipv4/ip_forward",
    "net.ipv4.ip_forward=1",
    "-t",
    "10.0.0.2:80",
    "-s",
    "rr",
    "-g",
    "-m",
    "-L",
    "-n",
    "start",
    "status",
    "keepalived",
    "-f",
    "/nothere",
    "|",
    "grep",
    "a",
    ">",
    "/tmp/x",
    "&&",
    "||",
    ";",
    "2>&1",
    "&",
    "-j",
    "MASQUERADE",
    "DNAT",
    "--to-destination",
    "10.0.0.2:8080",
    "-o",
    "conntrack",
    "--ctstate",
    "ESTABLISHED,RELATED",
    "REJECT",
    "--reject-with",
    "tcp-reset",
    "LOG",
    "--log-prefix",
    "POSTROUTING",
    "nat",
    "DROP",
    "--dport",
    "-E",
    "-F",
    "-X",
    "multiport",
    "--dports",
    "1:2,3",
];

/// A command line for a node: a program, then words from the pool, then a mutation.
fn command_line(g: &mut Gen) -> String {
    let mut line = g.pick(netstep::user::tools::NAMES).to_string();
    for _ in 0..g.below(6) {
        line.push(' ');
        let word: &&str = g.pick(WORDS);
        line.push_str(word);
    }
    if g.below(3) == 0 {
        line = g.mutate(&line);
    }
    line.replace('\n', " ")
}

/// `n` command lines run on host a; returns how many were accepted as lab lines.
pub fn commands(seed: u64, n: u64) -> u64 {
    let out = out_dir("cmd");
    let opts = LabOptions {
        out_dir: out.clone(),
        ..Default::default()
    };
    let mut g = Gen::new(seed);
    let mut accepted = 0;
    let prelude = parse_lab("p.lab", PRELUDE).unwrap_or_default();
    for i in 0..n {
        // A fresh world now and then, so state does not pile up without end.
        let mut sink = std::io::sink();
        let mut runner = Runner::for_run(&opts, &mut sink);
        for l in &prelude {
            let _ = runner.exec(l);
        }
        for _ in 0..20 {
            let text = format!("a: {}", command_line(&mut g));
            if let Ok(lines) = parse_lab("c.lab", &text) {
                accepted += 1;
                for l in &lines {
                    let _ = runner.exec(l);
                }
            }
        }
        let _ = runner.close();
        if i * 20 >= n {
            break;
        }
    }
    let _ = std::fs::remove_dir_all(out);
    accepted
}

const META: &[&str] = &[
    "help",
    "help step",
    "nodes",
    "links",
    "topology",
    "step",
    "step 3",
    "step 99999999999",
    "back",
    "back 2",
    "back 999999",
    "continue",
    "show packet 1",
    "show packet 0",
    "show packet x",
    "ladder",
    "ladder a b",
    "break a",
    "break tcp",
    "break reason:arp",
    "breaks",
    "delete 1",
    "delete 9",
    "enter a",
    "exit",
    "enter zz",
    "save s.lab",
    "save /etc/x",
    "save ../x",
    "reset",
    "capture c.pcapng",
    "run 1s",
    "run",
];

/// `n` REPL sessions of a dozen lines each (meta commands and lab lines, broken or not).
pub fn repl(seed: u64, n: u64) -> u64 {
    let corpus = corpus();
    let out = out_dir("repl");
    let mut g = Gen::new(seed);
    let mut lines_run = 0;
    for _ in 0..n {
        let opts = LabOptions {
            out_dir: out.clone(),
            ..Default::default()
        };
        let Ok((mut s, _)) = Session::new(None, opts) else {
            continue;
        };
        for l in PRELUDE.lines() {
            s.line(l);
        }
        for _ in 0..12 {
            let line = match g.below(3) {
                0 => g.pick(META).to_string(),
                1 => g.pick(&corpus).clone(),
                _ => {
                    let m = g.pick(META).to_string();
                    g.mutate(&m)
                }
            };
            let line = if g.below(3) == 0 {
                g.mutate(&line)
            } else {
                line
            };
            let r = s.line(&line.replace('\n', " "));
            lines_run += 1;
            if r.quit {
                break;
            }
        }
    }
    let _ = std::fs::remove_dir_all(out);
    lines_run
}
