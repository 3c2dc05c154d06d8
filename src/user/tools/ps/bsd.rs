//! ps's BSD formats: the default (`PID TTY STAT TIME COMMAND`), `u` (`USER PID %CPU %MEM VSZ
//! RSS TTY STAT START TIME COMMAND`) and `j` (`PPID PID PGID SID TTY TPGID STAT UID TIME
//! COMMAND`), with `f`'s ` \_ ` forest and `e`'s environment, as procps-ng 4.0 prints them.

use super::tty;
use crate::kernel::process::{Proc, Sys};
use crate::kernel::socket::Pid;

/// The lines `ps FLAGS` prints.
pub fn list(sys: &Sys, flags: &str) -> String {
    let has = |c: char| flags.contains(c);
    let me = sys.pid;
    let procs: Vec<&Proc> = sys
        .k
        .procs
        .running()
        .filter(|p| match (has('a'), has('x')) {
            (true, true) => true,
            (true, false) => !p.daemon,
            // x alone: the user's processes, terminal or not; neither: this terminal's.
            (false, true) => true,
            (false, false) => !p.daemon && p.pid != 1,
        })
        .collect();
    let order: Vec<(&Proc, usize)> = match has('f') {
        true => forest(&procs),
        false => procs.iter().map(|p| (*p, 0)).collect(),
    };
    let mut text = String::from(match (has('u'), has('j')) {
        (true, _) => "USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n",
        (false, true) => {
            "   PPID     PID    PGID     SID TTY        TPGID STAT   UID   TIME COMMAND\n"
        }
        _ => "    PID TTY      STAT   TIME COMMAND\n",
    });
    let login = sys.k.session;
    for (p, depth) in order {
        let stat = stat(p, me, login);
        let mut cmd = format!("{}{}", branch(depth), p.cmdline);
        if has('e') {
            for (n, v) in &p.env {
                cmd.push_str(&format!(" {n}={v}"));
            }
        }
        let line = if has('u') {
            let (vsz, rss) = memory(&p.name);
            format!(
                "root     {:>7}  0.0  0.0 {vsz:>6} {rss:>5} {:<8} {stat:<4} {}   0:00 {cmd}\n",
                p.pid,
                tty(p),
                &p.started.clock()[..5]
            )
        } else if has('j') {
            let sid = session(sys, p);
            let tpgid = if p.daemon { -1 } else { i64::from(me) };
            format!(
                "{:>7} {:>7} {:>7} {sid:>7} {:<8} {tpgid:>7} {stat:<4} {:>5}   0:00 {cmd}\n",
                p.ppid,
                p.pid,
                group(sys, p),
                tty(p),
                0
            )
        } else {
            format!("{:>7} {:<8} {stat:<6} 0:00 {cmd}\n", p.pid, tty(p))
        };
        text.push_str(&line);
    }
    text
}

/// STAT: S sleeping, R running (ps itself), `s` a session leader, `+` in the foreground.
fn stat(p: &Proc, me: Pid, login: Option<Pid>) -> &'static str {
    match p.pid {
        pid if pid == me => "R+",
        1 => "Ss",
        pid if Some(pid) == login => "Ss",
        _ if p.daemon && p.ppid == 1 => "Ss",
        _ => "S",
    }
}

/// The process group: a command is its own job's leader; a forked child stays in its
/// parent's group.
fn group(sys: &Sys, p: &Proc) -> Pid {
    let mut cur = p;
    while let Some(parent) = sys.k.procs.procs.get(&cur.ppid) {
        if parent.pid <= 1 || Some(parent.pid) == sys.k.session {
            break;
        }
        cur = parent;
    }
    cur.pid
}

/// The session: the terminal's login shell, or the daemon at the top of its tree.
fn session(sys: &Sys, p: &Proc) -> Pid {
    match p.daemon {
        false => sys.k.session.unwrap_or(p.pid),
        true if p.pid == 1 => 1,
        true => group(sys, p),
    }
}

/// Parents before their children, depth first, each child after its parent.
fn forest<'a>(procs: &[&'a Proc]) -> Vec<(&'a Proc, usize)> {
    let mut out = Vec::new();
    let has = |pid: Pid| procs.iter().any(|p| p.pid == pid);
    let roots: Vec<&Proc> = procs.iter().filter(|p| !has(p.ppid)).copied().collect();
    fn walk<'a>(p: &'a Proc, depth: usize, procs: &[&'a Proc], out: &mut Vec<(&'a Proc, usize)>) {
        out.push((p, depth));
        for c in procs.iter().filter(|c| c.ppid == p.pid && c.pid != p.pid) {
            walk(c, depth + 1, procs, out);
        }
    }
    for r in roots {
        walk(r, 0, procs, &mut out);
    }
    out
}

/// The forest's ` \_ ` in front of a child's command.
fn branch(depth: usize) -> String {
    match depth {
        0 => String::new(),
        d => format!("{} \\_ ", "    ".repeat(d - 1)),
    }
}

/// VSZ and RSS (KiB) as the real programs have them on Debian 12 (docs/shell-real.md §3),
/// a shell's for the others.
fn memory(name: &str) -> (u32, u32) {
    match name {
        "systemd" => (167_000, 11_800),
        "sleep" => (2920, 1728),
        "nc" => (3216, 1604),
        "ps" => (8548, 4640),
        "keepalived" => (38_480, 5_120),
        "httpd" => (25_212, 19_800),
        _ => (4624, 3592),
    }
}
