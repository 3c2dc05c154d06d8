//! `kill` (bash's builtin), `pidof` and `pkill`/`pgrep` (procps): find processes by pid or
//! name and send them signals. The host delivers a signal once the sender has run.

use crate::kernel::process::{Signal, Sys};
use crate::kernel::socket::Pid;

const USAGE: &str = "kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]\n";

/// Splits `[-SIG | -s SIG | -n NUM] ARGS…`; the default signal is SIGTERM.
fn signal_and_rest(args: &[String]) -> Result<(Signal, &[String]), String> {
    match args.first().map(String::as_str) {
        Some("-s") | Some("-n") => {
            let name = args.get(1).ok_or_else(|| USAGE.to_string())?;
            let sig = Signal::parse(name)
                .ok_or_else(|| format!("{name}: invalid signal specification\n"))?;
            Ok((sig, &args[2..]))
        }
        Some(a) if a.starts_with('-') && a.len() > 1 => {
            let sig = Signal::parse(a)
                .ok_or_else(|| format!("{}: invalid signal specification\n", &a[1..]))?;
            Ok((sig, &args[1..]))
        }
        _ => Ok((Signal::Term, args)),
    }
}

pub fn kill(sys: &mut Sys, args: &[String]) -> i32 {
    if args[1..].first().is_some_and(|a| a == "-l") {
        sys.print(&Signal::list());
        return 0;
    }
    let (sig, pids) = match signal_and_rest(&args[1..]) {
        Ok(x) => x,
        Err(msg) => {
            sys.eprint(&format!("bash: kill: {msg}"));
            return if msg == USAGE { 2 } else { 1 };
        }
    };
    if pids.is_empty() {
        sys.eprint(USAGE);
        return 2;
    }
    let mut status = 0;
    for p in pids {
        match p.parse::<Pid>() {
            Ok(pid) if sys.k.procs.kill(pid, sig) => {}
            Ok(pid) => {
                sys.eprint(&format!("bash: kill: ({pid}) - No such process\n"));
                status = 1;
            }
            Err(_) => {
                sys.eprint(&format!(
                    "bash: kill: {p}: arguments must be process or job IDs\n"
                ));
                status = 1;
            }
        }
    }
    status
}

fn pids_named(sys: &Sys, name: &str) -> Vec<Pid> {
    sys.k
        .procs
        .running()
        .filter(|p| p.name == name)
        .map(|p| p.pid)
        .collect()
}

/// `pidof NAME…`: newest first on one line; exit 1 when none.
pub fn pidof(sys: &mut Sys, args: &[String]) -> i32 {
    let mut pids: Vec<Pid> = args[1..].iter().flat_map(|n| pids_named(sys, n)).collect();
    pids.sort_unstable_by(|a, b| b.cmp(a));
    if pids.is_empty() {
        return 1;
    }
    let list: Vec<String> = pids.iter().map(Pid::to_string).collect();
    sys.print(&format!("{}\n", list.join(" ")));
    0
}

/// `pgrep NAME` lists, `pkill [-SIG] NAME` signals; exit 1 when nothing matched.
pub fn pgrep(sys: &mut Sys, args: &[String]) -> i32 {
    let killing = args[0].ends_with("pkill");
    let (sig, rest) = match signal_and_rest(&args[1..]) {
        Ok(x) => x,
        Err(msg) => {
            sys.eprint(&format!("{}: {msg}", args[0]));
            return 2;
        }
    };
    let [name] = rest else {
        sys.eprint(&format!("Usage: {} [options] <pattern>\n", args[0]));
        return 2;
    };
    let pids = pids_named(sys, name);
    for pid in &pids {
        if killing {
            sys.k.procs.kill(*pid, sig);
        } else {
            sys.print(&format!("{pid}\n"));
        }
    }
    if pids.is_empty() {
        1
    } else {
        0
    }
}
