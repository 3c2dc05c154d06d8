//! Processes: a table of pids and names, so `ps`, `kill` and `netstat -p` work. A program is
//! a state machine: the host polls it whenever something may have happened for it, and it
//! answers with when it next wants to run, or its exit status.

use super::socket::Pid;
use super::Kernel;
use crate::sim::{Ctx, Time};
use std::collections::BTreeMap;

pub enum Poll {
    /// Waiting: for a socket, or until the given time at the latest. The process is polled
    /// after every event of its host (it may be waiting on TCP, whose readiness smoltcp keeps).
    Wait(Option<Time>),
    /// Asleep until the given time, a signal, a child's end, or input on one of its raw, UDP,
    /// packet or unix sockets; not polled otherwise (daemons that sit idle most of the time:
    /// systemd, keepalived's VRRP child).
    Idle(Option<Time>),
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

    /// fork() + exec of `prog` as a child of this process.
    pub fn fork(&mut self, name: &str, cmdline: &str, prog: Box<dyn Program>) -> Pid {
        let now = self.ctx.now;
        self.k.procs.fork(self.pid, now, (name, cmdline), prog)
    }

    /// waitpid(pid, WNOHANG): the status of a child that has ended, which is then gone
    /// (reaped); None while it runs.
    pub fn child_status(&mut self, pid: Pid) -> Option<i32> {
        self.k.procs.reap(pid)
    }

    /// Whether a child ended since the last call (a SIGCHLD handler's flag).
    pub fn take_sigchld(&mut self) -> bool {
        self.k
            .procs
            .procs
            .get_mut(&self.pid)
            .is_some_and(|p| std::mem::take(&mut p.sigchld))
    }

    /// getenv(3).
    pub fn getenv(&self, name: &str) -> Option<String> {
        let p = self.k.procs.procs.get(&self.pid)?;
        p.env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    /// getcwd(3).
    pub fn cwd(&self) -> String {
        self.k
            .procs
            .procs
            .get(&self.pid)
            .map_or_else(|| "/root".into(), |p| p.cwd.clone())
    }

    /// A path as the kernel resolves it for this process: relative paths from the working
    /// directory, `/proc/self` as the process's own directory, `.` and `..` folded.
    pub fn path(&self, path: &str) -> String {
        let full = match path.starts_with('/') {
            true => path.to_string(),
            false => format!("{}/{path}", self.cwd()),
        };
        let full = super::vfs::normalize(&full).into_owned();
        match full.strip_prefix("/proc/self") {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => {
                format!("/proc/{}{rest}", self.pid)
            }
            _ => full,
        }
    }

    /// open(2) and read(2) of a whole file, its path as this process names it.
    pub fn read_file(&self, path: &str) -> Result<Vec<u8>, super::vfs::FsError> {
        self.k.read_file(&self.path(path))
    }

    /// open(2) with O_CREAT and write(2) (appending or replacing).
    pub fn write_file(
        &mut self,
        path: &str,
        data: &[u8],
        append: bool,
    ) -> Result<(), super::procfs::WriteError> {
        let full = self.path(path);
        self.k.write_file(&full, data, append)
    }

    pub fn is_dir(&self, path: &str) -> bool {
        self.k.is_dir(&self.path(path))
    }

    /// getdents(2): the names in a directory.
    pub fn list_dir(&self, path: &str) -> Result<Vec<String>, super::vfs::FsError> {
        self.k.list_dir(&self.path(path))
    }

    /// mkdir(2).
    pub fn mkdir(&mut self, path: &str) -> Result<(), super::vfs::FsError> {
        let full = self.path(path);
        self.k.vfs.mkdir(&full)
    }

    /// unlink(2) / rmdir(2).
    pub fn remove(&mut self, path: &str) -> Result<(), super::vfs::FsError> {
        let full = self.path(path);
        self.k.vfs.remove(&full)
    }

    /// chdir(2): ENOENT or ENOTDIR as the message the shell prints.
    pub fn chdir(&mut self, path: &str) -> Result<(), &'static str> {
        let full = self.path(path);
        if !self.k.is_dir(&full) {
            return Err(match self.k.read_file(&full) {
                Ok(_) => "Not a directory",
                Err(_) => "No such file or directory",
            });
        }
        if let Some(p) = self.k.procs.procs.get_mut(&self.pid) {
            p.cwd = full;
        }
        Ok(())
    }

    /// prctl(PR_SET_PDEATHSIG, sig).
    pub fn set_pdeathsig(&mut self, sig: Signal) {
        if let Some(p) = self.k.procs.procs.get_mut(&self.pid) {
            p.pdeathsig = Some(sig);
        }
    }
}

pub trait Program {
    /// Runs as far as it can without waiting.
    fn poll(&mut self, sys: &mut Sys) -> Poll;
    /// SIGINT (Ctrl-C, or the lab ending): finish up and return the exit status.
    fn interrupt(&mut self, _sys: &mut Sys) -> i32 {
        130
    }
    /// A catchable signal arrived (SIGKILL never reaches a program). The default is what
    /// netstep's tools do: run the SIGINT handler (tcpdump's statistics) and end, with the
    /// handler's status for SIGINT and 128 + the signal's number for the others. A daemon
    /// that handles a signal and goes on (SIGHUP: reload) returns `Poll::Wait`.
    fn signal(&mut self, sys: &mut Sys, sig: Signal) -> Poll {
        let code = self.interrupt(sys);
        Poll::Exit(match sig {
            Signal::Int => code,
            _ => 128 + sig.number(),
        })
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
    /// The parent: 1 (init) for the lab's commands and for daemons, which init adopts.
    pub ppid: Pid,
    /// The control group, a systemd unit's (`/system.slice/keepalived.service`); children
    /// are born into their parent's.
    pub cgroup: Option<String>,
    /// prctl(PR_SET_PDEATHSIG): the signal the process gets when its parent dies.
    pub pdeathsig: Option<Signal>,
    /// A child ended and the parent has not looked yet (SIGCHLD, which wakes it).
    pub sigchld: bool,
    /// Asleep in `Poll::Idle`: run only when woken.
    pub idle: bool,
    /// Environment variables set for it (systemd's NOTIFY_SOCKET); children inherit them.
    pub env: Vec<(String, String)>,
    /// The working directory (task->fs->pwd) relative paths start from; children inherit
    /// it. A terminal's commands start in root's home.
    pub cwd: String,
    /// Someone will collect its exit status: the parent that forked it, or the terminal for
    /// a command. Otherwise (a daemon, an orphan) it is reaped as it ends, as init reaps
    /// the children it adopts, so finished processes never pile up.
    pub waited: bool,
}

/// The signals `kill` sends that netstep's programs react to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    Hup,
    Int,
    Kill,
    Usr1,
    Usr2,
    Term,
}

/// (number, name) as `kill -l` lists them, for the signals netstep delivers.
const SIGNALS: [(i32, &str, Signal); 6] = [
    (1, "HUP", Signal::Hup),
    (2, "INT", Signal::Int),
    (9, "KILL", Signal::Kill),
    (10, "USR1", Signal::Usr1),
    (12, "USR2", Signal::Usr2),
    (15, "TERM", Signal::Term),
];

impl Signal {
    /// `-2`, `-INT`, `-SIGINT`, `INT` … as kill(1) accepts them.
    pub fn parse(text: &str) -> Option<Signal> {
        let t = text.trim_start_matches('-').to_ascii_uppercase();
        let t = t.trim_start_matches("SIG");
        SIGNALS
            .iter()
            .find(|(n, name, _)| *name == t || n.to_string() == t)
            .map(|(_, _, s)| *s)
    }

    pub fn number(self) -> i32 {
        SIGNALS.iter().find(|s| s.2 == self).map_or(0, |s| s.0)
    }

    /// `KILL`, `TERM` … (what systemd prints after `signal=`).
    pub fn name(self) -> &'static str {
        SIGNALS.iter().find(|s| s.2 == self).map_or("?", |s| s.1)
    }

    /// The signal with this number, when netstep knows it.
    pub fn from_number(n: i32) -> Option<Signal> {
        SIGNALS.iter().find(|s| s.0 == n).map(|s| s.2)
    }

    /// `kill -l`'s lines for the signals netstep delivers.
    pub fn list() -> String {
        let cells: Vec<String> = SIGNALS
            .iter()
            .map(|(n, name, _)| format!("{n:>2}) SIG{name}"))
            .collect();
        format!("{}\n", cells.join("\t"))
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
                ppid: 1,
                cgroup: None,
                pdeathsig: None,
                sigchld: false,
                idle: false,
                env: Vec::new(),
                cwd: "/root".into(),
                waited: true,
            },
        );
        pid
    }

    /// PID 1, started by the kernel at boot.
    pub fn insert_init(&mut self, name: &str, cmdline: &str, prog: Box<dyn Program>) {
        let next = self.next_pid;
        self.next_pid = 1;
        let pid = self.insert(name, cmdline, prog, false);
        self.next_pid = next;
        if let Some(p) = self.procs.get_mut(&pid) {
            p.ppid = 0;
            p.daemon = true;
            p.cwd = "/".into();
            p.cgroup = Some("/init.scope".into());
        }
    }

    /// fork(): a child of `parent`, in its control group, started at `now` and run at
    /// once. A daemon's children are daemons.
    pub fn fork(
        &mut self,
        parent: Pid,
        now: Time,
        (name, cmdline): (&str, &str),
        prog: Box<dyn Program>,
    ) -> Pid {
        let (cgroup, daemon, env, cwd) = self
            .procs
            .get(&parent)
            .map_or((None, true, Vec::new(), "/".into()), |p| {
                (p.cgroup.clone(), p.daemon, p.env.clone(), p.cwd.clone())
            });
        let pid = self.insert(name, cmdline, prog, true);
        if let Some(p) = self.procs.get_mut(&pid) {
            p.ppid = parent;
            p.cgroup = cgroup;
            p.daemon = daemon;
            p.started = now;
            p.env = env;
            p.cwd = cwd;
        }
        pid
    }

    /// What the kernel does when `pid` has ended with `status` (do_exit, exit_notify): the
    /// parent is woken with SIGCHLD, children go to init and get their parent-death signal.
    pub fn exited(&mut self, pid: Pid, status: i32, now: Time) {
        let (ppid, waited) = match self.procs.get_mut(&pid) {
            Some(p) => {
                p.status = Some(status);
                p.wake = None;
                p.prog = None;
                (p.ppid, p.waited)
            }
            None => return,
        };
        if !waited {
            self.procs.remove(&pid);
        }
        if let Some(parent) = self.procs.get_mut(&ppid).filter(|p| p.status.is_none()) {
            parent.sigchld = true;
            parent.wake = Some(now);
        }
        let orphans: Vec<(Pid, Option<Signal>)> = self
            .procs
            .values()
            .filter(|c| c.ppid == pid && c.status.is_none())
            .map(|c| (c.pid, c.pdeathsig))
            .collect();
        for (child, sig) in orphans {
            if let Some(c) = self.procs.get_mut(&child) {
                c.ppid = 1;
                c.waited = false;
            }
            if let Some(sig) = sig {
                self.kill(child, sig);
            }
        }
    }

    /// Removes an ended process and returns its status (wait); None while it runs.
    pub fn reap(&mut self, pid: Pid) -> Option<i32> {
        let status = self.procs.get(&pid)?.status?;
        self.procs.remove(&pid);
        Some(status)
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

    /// The live processes of a control group (a systemd unit's), oldest first.
    pub fn in_cgroup<'a>(&'a self, cgroup: &'a str) -> impl Iterator<Item = &'a Proc> + 'a {
        self.running()
            .filter(move |p| p.cgroup.as_deref() == Some(cgroup))
    }
}
