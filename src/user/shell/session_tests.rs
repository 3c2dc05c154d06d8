//! The session's builtins on their own: cd and pwd, aliases as bash lists and quotes them,
//! export.

use super::*;
use crate::kernel::process::{Poll, Program};
use crate::kernel::testutil::plug;
use crate::kernel::Kernel;
use crate::sim::rng::Rng;
use crate::sim::{Ctx, Time};

struct Nop;

impl Program for Nop {
    fn poll(&mut self, _sys: &mut Sys) -> Poll {
        Poll::Exit(0)
    }
}

fn run_in(k: &mut Kernel, s: &mut Session, line: &str) -> (String, String, i32) {
    let mut ctx = Ctx::new(Time::ZERO, "a", false);
    let pid = k.procs.insert("bash", "bash", Box::new(Nop), false);
    let mut sys = Sys {
        k,
        ctx: &mut ctx,
        pid,
        out: String::new(),
        err: String::new(),
    };
    // `alias NAME=VALUE` keeps its value in one word, as the shell's quoting would.
    let argv: Vec<String> = match line.strip_prefix("alias ") {
        Some(def) if def.contains('=') => vec!["alias".into(), def.into()],
        _ => line.split(' ').map(String::from).collect(),
    };
    let status = run(&mut sys, s, &argv).expect("a session builtin");
    (sys.out, sys.err, status)
}

fn node() -> Kernel {
    let mut k = Kernel::new("a", Rng::new(1));
    plug(&mut k, "eth0", [2, 0, 0, 0, 1, 1]);
    k
}

#[test]
fn cd_keeps_the_logical_path_and_says_why_it_fails() {
    let (mut k, mut s) = (node(), Session::default());
    let r = run_in(&mut k, &mut s, "cd /proc/sys/net");
    assert_eq!(r.2, 0, "{r:?}");
    assert_eq!(s.cwd, "/proc/sys/net");
    assert_eq!(run_in(&mut k, &mut s, "cd ipv4/conf").2, 0);
    assert_eq!(s.cwd, "/proc/sys/net/ipv4/conf");
    let (_, err, st) = run_in(&mut k, &mut s, "cd /nonexistent");
    assert_eq!(
        (err.as_str(), st),
        ("bash: cd: /nonexistent: No such file or directory\n", 1)
    );
    let (_, err, _) = run_in(&mut k, &mut s, "cd /etc/hosts");
    assert_eq!(err, "bash: cd: /etc/hosts: Not a directory\n");
    let (out, _, _) = run_in(&mut k, &mut s, "cd -");
    assert_eq!(out, "/proc/sys/net\n");
    assert_eq!(run_in(&mut k, &mut s, "pwd").0, "/proc/sys/net\n");
}

#[test]
fn aliases_are_listed_sorted_and_quoted_as_bash_does() {
    let (mut k, mut s) = (node(), Session::default());
    run_in(&mut k, &mut s, "alias q=echo it's");
    run_in(&mut k, &mut s, "alias ll=ls -l");
    assert_eq!(
        run_in(&mut k, &mut s, "alias").0,
        "alias ll='ls -l'\nalias q='echo it'\\''s'\n"
    );
    assert_eq!(
        run_in(&mut k, &mut s, "type ll").0,
        "ll is aliased to `ls -l'\n"
    );
    assert_eq!(
        run_in(&mut k, &mut s, "unalias nosuch").1,
        "bash: unalias: nosuch: not found\n"
    );
    assert_eq!(
        run_in(&mut k, &mut s, "type cd").0,
        "cd is a shell builtin\n"
    );
    assert_eq!(
        run_in(&mut k, &mut s, "type ping").0,
        "ping is /usr/bin/ping\n"
    );
    assert_eq!(
        Session::login(true).aliases.get("ll").map(String::as_str),
        Some("ls -l --color=auto")
    );
    assert!(Session::login(false).aliases.is_empty());
}

#[test]
fn export_marks_variables_for_the_environment() {
    let (mut k, mut s) = (node(), Session::default());
    s.vars.insert("X".into(), ("5".into(), false));
    run_in(&mut k, &mut s, "export X Y=2");
    assert_eq!(
        run_in(&mut k, &mut s, "export -p").0,
        "declare -x X=\"5\"\ndeclare -x Y=\"2\"\n"
    );
    assert_eq!(
        run_in(&mut k, &mut s, "export 1x").1,
        "bash: export: `1x': not a valid identifier\n"
    );
}
