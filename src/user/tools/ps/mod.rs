//! `ps` (procps-ng 4.0): the node's processes, in the layouts recorded in
//! docs/shell-real.md §3. UNIX options: `ps`, `-e`/`-A`, `-f` (`ps -ef`). BSD options (no
//! dash): `a` (every terminal's), `x` (and those with none), `u` (the user format), `j` (the
//! jobs format), `f` (a forest of parents and children), `e` (each command's environment):
//! `ps aux`, `ps ef`, `ps axjf`. Every lab command runs on the lab's terminal, pts/0.

mod bsd;

use crate::kernel::process::{Proc, Sys};

const USAGE: &str = "\nUsage:\n ps [options]\n\n Try 'ps --help <simple|list|output|threads|misc|all>'\n  or 'ps --help <s|l|o|t|m|a>'\n for additional help text.\n\nFor more details see ps(1).\n";

pub fn main(sys: &mut Sys, args: &[String]) -> i32 {
    let bsd = args[1..].iter().any(|a| !a.starts_with('-'));
    let flags: String = args[1..]
        .iter()
        .map(|a| a.trim_start_matches('-'))
        .collect();
    if bsd {
        if args[1..].iter().any(|a| a.starts_with('-'))
            || !flags.chars().all(|c| "axuefjw".contains(c))
        {
            sys.eprint(&format!("error: unsupported option (BSD syntax){USAGE}"));
            return 1;
        }
        let text = bsd::list(sys, &flags);
        sys.print(&text);
        return 0;
    }
    if !flags.chars().all(|c| "eAf".contains(c)) {
        sys.eprint(&format!("error: unsupported SysV option{USAGE}"));
        return 1;
    }
    let full = flags.contains('f');
    // Without -e (or -A), ps shows the processes of the caller's terminal.
    let every = flags.contains('e') || flags.contains('A');
    let procs: Vec<&Proc> = sys
        .k
        .procs
        .running()
        .filter(|p| every || !p.daemon)
        .collect();
    let mut text = if full {
        String::from("UID          PID    PPID  C STIME TTY          TIME CMD\n")
    } else {
        String::from("    PID TTY          TIME CMD\n")
    };
    for p in procs {
        if full {
            let stime = p.started.clock();
            text.push_str(&format!(
                "root     {:>7} {:>7}  0 {} {:<8} 00:00:00 {}\n",
                p.pid,
                p.ppid,
                &stime[..5],
                tty(p),
                p.cmdline
            ));
        } else {
            text.push_str(&format!("{:>7} {:<8} 00:00:00 {}\n", p.pid, tty(p), p.name));
        }
    }
    sys.print(&text);
    0
}

/// The controlling terminal: the lab's pts/0, or none (`?`) for a daemon.
fn tty(p: &Proc) -> &'static str {
    if p.daemon {
        "?"
    } else {
        "pts/0"
    }
}
