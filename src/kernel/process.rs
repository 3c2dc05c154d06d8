//! Processes: a table of pids and names, so `ps`, `kill` and `netstat -p` work. A program is
//! a state machine: the host polls it whenever something may have happened for it, and it
//! answers with when it next wants to run, or its exit status.

use super::socket::Pid;
use super::Kernel;
use crate::sim::{Ctx, Time};
use std::collections::BTreeMap;

pub enum Poll {
    /// Waiting: for a socket, or until the given time at the latest.
    Wait(Option<Time>),
    Exit(i32),
    /// A daemon detaching from its terminal (fork, parent exits 0): the shell moves the
    /// program into a background process of its own and goes on.
    Daemon,
}

/// What a program may touch while it runs: the kernel (through its syscall-like methods),
/// the current event's context, and its own output streams.
pub struct Sys<'a> {
    pub k: &'a mut Kernel,
    pub ctx: &'a mut Ctx,
    pub pid: Pid,
    pub out: String,
    pub err: String,
}

impl Sys<'_> {
    pub fn now(&self) -> Time {
        self.ctx.now
    }
    pub fn print(&mut self, text: &str) {
        self.out.push_str(text);
    }
    pub fn eprint(&mut self, text: &str) {
        self.err.push_str(text);
    }
}

pub trait Program {
    /// Runs as far as it can without waiting.
    fn poll(&mut self, sys: &mut Sys) -> Poll;
    /// SIGINT (Ctrl-C, or the lab ending): finish up and return the exit status.
    fn interrupt(&mut self, _sys: &mut Sys) -> i32 {
        130
    }
    /// What the shell connected to its standard input (a heredoc, a file, a pipe), given
    /// before the first poll. Programs that read no input ignore it.
    fn set_stdin(&mut self, _data: String) {}
}

pub struct Proc {
    pub pid: Pid,
    /// argv[0]'s basename, as `ps` and `netstat -p` show it.
    pub name: String,
    pub cmdline: String,
    pub prog: Option<Box<dyn Program>>,
    /// What the process wrote to its terminal, not yet collected by the lab or REPL.
    pub terminal: String,
    pub wake: Option<Time>,
    pub status: Option<i32>,
    pub background: bool,
    /// Detached from the terminal (httpd, named): not one of the shell's jobs, so `wait`
    /// does not wait for it.
    pub daemon: bool,
    /// When it started (`ps -ef`'s STIME).
    pub started: Time,
}

/// The signals `kill` sends that netstep's programs react to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    Int,
    Term,
    Kill,
}

impl Signal {
    /// `-2`, `-INT`, `-SIGINT`, `INT` … as kill(1) accepts them.
    pub fn parse(text: &str) -> Option<Signal> {
        let t = text.trim_start_matches('-').to_ascii_uppercase();
        match t.trim_start_matches("SIG") {
            "2" | "INT" => Some(Signal::Int),
            "15" | "TERM" => Some(Signal::Term),
            "9" | "KILL" => Some(Signal::Kill),
            _ => None,
        }
    }

    pub fn number(self) -> i32 {
        match self {
            Signal::Int => 2,
            Signal::Term => 15,
            Signal::Kill => 9,
        }
    }
}

#[derive(Default)]
pub struct ProcTable {
    next_pid: Pid,
    pub procs: BTreeMap<Pid, Proc>,
    /// Signals sent and not yet delivered (the host delivers them after the sender ran).
    pub signals: Vec<(Pid, Signal)>,
}

impl ProcTable {
    pub fn new(first_pid: Pid) -> ProcTable {
        ProcTable {
            next_pid: first_pid,
            procs: BTreeMap::new(),
            signals: Vec::new(),
        }
    }

    pub fn alloc_pid(&mut self) -> Pid {
        let pid = self.next_pid;
        self.next_pid += 1;
        pid
    }

    pub fn insert(
        &mut self,
        name: &str,
        cmdline: &str,
        prog: Box<dyn Program>,
        background: bool,
    ) -> Pid {
        let pid = self.alloc_pid();
        self.procs.insert(
            pid,
            Proc {
                pid,
                name: name.to_string(),
                cmdline: cmdline.to_string(),
                prog: Some(prog),
                terminal: String::new(),
                wake: Some(Time::ZERO),
                status: None,
                background,
                daemon: false,
                started: Time::ZERO,
            },
        );
        pid
    }

    pub fn next_wake(&self) -> Option<Time> {
        self.procs
            .values()
            .filter(|p| p.status.is_none())
            .filter_map(|p| p.wake)
            .min()
    }

    /// kill(2): false (ESRCH) when no such live process.
    pub fn kill(&mut self, pid: Pid, sig: Signal) -> bool {
        let alive = self.procs.get(&pid).is_some_and(|p| p.status.is_none());
        if alive {
            self.signals.push((pid, sig));
        }
        alive
    }

    pub fn running(&self) -> impl Iterator<Item = &Proc> {
        self.procs.values().filter(|p| p.status.is_none())
    }
}
