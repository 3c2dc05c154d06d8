//! The keepalived parent process (keepalived/core/main.c): it reads `global_defs`, forks the
//! checker and VRRP children, restarts a child that dies (unless `--dont-respawn`), passes
//! SIGHUP on, and on SIGTERM stops the children and waits for them. Children are started
//! with PR_SET_PDEATHSIG=SIGTERM, so a parent killed with `kill -9` still gets a clean
//! shutdown of its children; only killing every process at once leaves the VIPs and the
//! IPVS rules behind.

use super::conf::{self, Global, Pass};
use super::files::NodeFiles;
use super::log::{Log, CHECKER, PARENT, VRRP};
use super::opts::{self, Opts, VERSION};
use super::{check, vrrp, KERNEL};
use crate::kernel::af_unix;
use crate::kernel::process::{Poll, Program, Signal, Sys};
use crate::kernel::socket::{Pid, SockId};
use crate::sim::Time;

/// The two children: which one, and its pid while it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Child {
    Checker,
    Vrrp,
}

impl Child {
    fn name(self) -> &'static str {
        match self {
            Child::Checker => "Healthcheck",
            Child::Vrrp => "VRRP",
        }
    }
}

/// One child: which, its pid while it runs, and its respawn bookkeeping.
struct Slot {
    kind: Child,
    pid: Option<Pid>,
    started: Time,
    /// calc_restart_delay's next delay in seconds (0, 1, 2, 4 … 60).
    next_delay: u32,
    restart_at: Option<Time>,
}

impl Slot {
    fn pid_of(&self) -> (Child, Option<Pid>) {
        (self.kind, self.pid)
    }

    /// calc_restart_delay: at once after a minute of running (and the back-off resets);
    /// otherwise the current delay, which doubles up to 60 s.
    fn restart_delay(&mut self, now: Time) -> u32 {
        if now - self.started >= 60 * crate::sim::time::SEC {
            self.next_delay = 0;
            return 0;
        }
        let delay = self.next_delay;
        self.next_delay = match delay {
            0 => 1,
            d if d > 30 => 60,
            d => d * 2,
        };
        delay
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Before the fork (`keepalived` without -n daemonizes after reading its config).
    Start,
    /// The daemon: starting its children.
    Daemon,
    Running,
    Stopping,
}

pub struct Parent {
    args: Vec<String>,
    opts: Option<Opts>,
    log: Log,
    phase: Phase,
    children: Vec<Slot>,
    /// Children restarted after a death (each reports its configuration read).
    respawned: usize,
    /// Children that have not yet reported a reload done.
    reloading: usize,
    /// global_defs as the parent read it; the children inherit it.
    global: Global,
    exit_code: i32,
    /// The children tell the parent they have read their config here (keepalived's eventfd).
    sock: Option<SockId>,
    ready: usize,
    announced: bool,
}

pub fn spawn(args: &[String]) -> Box<dyn Program> {
    if let Some(at) = args.iter().position(|a| a == "-T" || a == "--genhash") {
        return crate::user::tools::genhash::spawn_from_keepalived(args, at);
    }
    Box::new(Parent {
        args: args.to_vec(),
        opts: None,
        log: Log {
            ident: PARENT,
            detail: false,
            console: false,
            no_syslog: false,
        },
        phase: Phase::Start,
        children: Vec::new(),
        respawned: 0,
        reloading: 0,
        global: Global::default(),
        exit_code: 0,
        sock: None,
        ready: 0,
        announced: false,
    })
}

/// Where children report that they have read their configuration.
pub fn ready_path(parent: Pid) -> String {
    format!("@keepalived/{parent}")
}

impl Parent {
    fn start(&mut self, sys: &mut Sys) -> Poll {
        let o = match opts::parse(&self.args) {
            Ok(o) => o,
            Err((msg, code)) => {
                sys.eprint(&msg);
                return Poll::Exit(code);
            }
        };
        if o.help {
            sys.eprint(opts::USAGE);
            return Poll::Exit(0);
        }
        if o.version {
            sys.eprint(&version_text());
            return Poll::Exit(0);
        }
        if o.test {
            return Poll::Exit(config_test(sys, &o));
        }
        self.log.detail = o.detail;
        self.log.console = o.console;
        self.log.no_syslog = o.no_syslog;
        let log = self.log.clone();
        log.info(sys, &format!("Starting {VERSION}"));
        log.info(
            sys,
            &format!("Running on Linux {KERNEL} (built for Linux 5.19.11)"),
        );
        log.info(sys, &opts::command_line(&o.argv));
        if sys.read_file(&o.conf).is_err() {
            log.info(sys, &format!("Config files missing '{}'.", o.conf));
            return Poll::Exit(6);
        }
        log.detail(sys, &format!("Opening file '{}'.", o.conf));
        log.info(sys, &format!("Configuration file {}", o.conf));
        let Some(parsed) = read(sys, &o, (Pass::Parent, false), None) else {
            return Poll::Exit(6);
        };
        for m in parsed.messages(Pass::Parent) {
            log.info(sys, &m);
        }
        if parsed.fatal {
            return Poll::Exit(2);
        }
        self.global = parsed.cfg.global.clone();
        if running(sys, &o.pid) {
            log.info(sys, "daemon is already running");
            return Poll::Exit(0);
        }
        for f in [&o.pid, &o.vrrp_pid, &o.check_pid] {
            if sys.read_file(f).is_ok() && !running(sys, f) {
                log.info(sys, &format!("Remove a zombie pid file {f}"));
                let _ = sys.remove(f);
            }
        }
        for (kind, wanted) in [
            (Child::Checker, parsed.cfg.have_checker && !o.only_vrrp),
            (Child::Vrrp, parsed.cfg.have_vrrp && !o.only_check),
        ] {
            if wanted {
                self.children.push(Slot {
                    kind,
                    pid: None,
                    started: Time::ZERO,
                    next_delay: 0,
                    restart_at: None,
                });
            }
        }
        let fork = !o.dont_fork;
        self.opts = Some(o);
        self.phase = Phase::Daemon;
        if fork {
            return Poll::Daemon;
        }
        self.daemon(sys)
    }

    /// The daemon: pid file, children, and "Startup complete" once they have read their
    /// configuration.
    fn daemon(&mut self, sys: &mut Sys) -> Poll {
        let Some(o) = self.opts.clone() else {
            return Poll::Exit(1);
        };
        let _ = sys
            .k
            .write_file(&o.pid, format!("{}\n", sys.pid).as_bytes(), false);
        // Logged by the daemon, after the fork, as main.c does.
        if !self.global.max_auto_priority {
            self.log.info(sys, "NOTICE: setting config option max_auto_priority should result in better keepalived performance");
        }
        let sock = af_unix::socket(sys.k, sys.pid);
        let _ = af_unix::bind(sys.k, sock, &ready_path(sys.pid));
        self.sock = Some(sock);
        for i in 0..self.children.len() {
            self.fork_child(sys, i, "Starting");
        }
        self.phase = Phase::Running;
        if self.children.is_empty() {
            self.startup_complete(sys);
        }
        Poll::Idle(None)
    }

    fn fork_child(&mut self, sys: &mut Sys, i: usize, how: &str) {
        let Some(o) = self.opts.clone() else {
            return;
        };
        let kind = self.children[i].kind;
        let cmdline = sys
            .k
            .procs
            .procs
            .get(&sys.pid)
            .map_or_else(|| "keepalived".into(), |p| p.cmdline.clone());
        let prog: Box<dyn Program> = match kind {
            Child::Checker => {
                check::child::spawn(o.clone(), self.log.with_ident(CHECKER), self.global.clone())
            }
            Child::Vrrp => {
                vrrp::child::spawn(o.clone(), self.log.with_ident(VRRP), self.global.clone())
            }
        };
        let pid = sys.fork("keepalived", &cmdline, prog);
        self.children[i].pid = Some(pid);
        self.children[i].started = sys.now();
        let log = self.log.clone();
        log.info(
            sys,
            &format!("{how} {} child process, pid={pid}", kind.name()),
        );
    }

    fn startup_complete(&mut self, sys: &mut Sys) {
        if self.announced {
            return;
        }
        self.announced = true;
        let log = self.log.clone();
        log.info(sys, "Startup complete");
        if let Some(path) = sys.getenv("NOTIFY_SOCKET") {
            let s = af_unix::socket(sys.k, sys.pid);
            let _ = af_unix::bind(sys.k, s, &format!("@notify/{}", sys.pid));
            let _ = af_unix::sendto(sys.k, s, &path, b"READY=1");
            sys.k.sockets.close(s);
        }
    }

    fn run(&mut self, sys: &mut Sys) -> Poll {
        if let Some(sock) = self.sock {
            while af_unix::recvfrom(sys.k, sock).is_some() {
                self.ready += 1;
                if self.reloading > 0 {
                    self.reloading -= 1;
                    if self.reloading == 0 {
                        let log = self.log.clone();
                        log.info(sys, "Reload complete");
                    }
                } else if self.announced && self.respawned > 0 {
                    self.respawned -= 1;
                    let log = self.log.clone();
                    log.info(sys, "read eventfd count 1, num_reloading 0");
                }
            }
        }
        if self.ready >= self.children.len() && self.phase == Phase::Running {
            self.startup_complete(sys);
        }
        if sys.take_sigchld() {
            self.reap(sys);
        }
        if self.phase == Phase::Running {
            self.restart_due(sys);
        }
        if self.phase == Phase::Stopping && self.children.iter().all(|c| c.pid.is_none()) {
            return self.stopped(sys);
        }
        Poll::Idle(self.children.iter().filter_map(|c| c.restart_at).min())
    }

    /// A child ended (report_child_status): a configuration or fatal error stops
    /// keepalived; otherwise it is restarted (log_child_died, calc_restart_delay), after a
    /// delay that doubles while it keeps dying within a minute of its start.
    fn reap(&mut self, sys: &mut Sys) {
        for i in 0..self.children.len() {
            let (kind, Some(pid)) = self.children[i].pid_of() else {
                continue;
            };
            let Some(status) = sys.child_status(pid) else {
                continue;
            };
            self.children[i].pid = None;
            if self.phase == Phase::Stopping {
                continue;
            }
            let log = self.log.clone();
            match status {
                1 | 2 => {
                    let what = if status == 2 { "CONFIG" } else { "FATAL" };
                    log.info(
                        sys,
                        &format!("pid {pid} exited with permanent error {what}. Terminating"),
                    );
                    // The parent just stops: the other child's PR_SET_PDEATHSIG ends it.
                    self.exit_code = status;
                    self.phase = Phase::Stopping;
                    for c in &mut self.children {
                        c.pid = None;
                        c.restart_at = None;
                    }
                    return;
                }
                s if s > 128 => {
                    let sig = Signal::from_number(s - 128);
                    let name = sig.map_or("Unknown signal", signal_text);
                    let hint = if s - 128 == 9 {
                        " - has rlimit_rttime been exceeded?"
                    } else {
                        ""
                    };
                    log.info(
                        sys,
                        &format!("pid {pid} exited due to signal {} ({name}){hint}", s - 128),
                    );
                }
                0 => {}
                s => log.info(sys, &format!("pid {pid} exited with status {s}")),
            }
            if self.opts.as_ref().is_some_and(|o| o.dont_respawn) {
                log.info(
                    sys,
                    &format!("{} child process({pid}) died: Exiting", kind.name()),
                );
                self.terminate(sys, true);
                return;
            }
            log.info(
                sys,
                &format!("{} child process({pid}) died: Respawning", kind.name()),
            );
            log.info(
                sys,
                "  Please log an issue at https://github.com/acassen/keepalived/issues/",
            );
            log.info(
                sys,
                "  and include a full copy of your keepalived configuration files, and",
            );
            log.info(
                sys,
                "  copies of the keepalived system log entries around the time this happened",
            );
            let delay = self.children[i].restart_delay(sys.now());
            log.info(
                sys,
                &format!(
                    "Restart of {} process delayed {delay} seconds to limit respawn rate",
                    kind.name()
                ),
            );
            self.children[i].restart_at =
                Some(sys.now() + u64::from(delay) * crate::sim::time::SEC);
        }
        self.restart_due(sys);
    }

    /// Children whose restart delay has passed start again.
    fn restart_due(&mut self, sys: &mut Sys) {
        let now = sys.now();
        for i in 0..self.children.len() {
            if self.children[i].restart_at.is_some_and(|t| t <= now) {
                self.children[i].restart_at = None;
                self.respawned += 1;
                self.fork_child(sys, i, "Starting");
            }
        }
    }

    /// SIGTERM/SIGINT (`stopping`: "Stopping" is said): stop the children, then ourselves.
    fn terminate(&mut self, sys: &mut Sys, stopping: bool) {
        if self.phase == Phase::Stopping {
            return;
        }
        self.phase = Phase::Stopping;
        if stopping {
            let log = self.log.clone();
            log.info(sys, "Stopping");
        }
        for c in &mut self.children {
            c.restart_at = None;
            if let Some(pid) = c.pid {
                sys.k.procs.kill(pid, Signal::Term);
            }
        }
    }

    fn stopped(&mut self, sys: &mut Sys) -> Poll {
        let log = self.log.clone();
        log.detail(
            sys,
            "CPU usage (self/children) user: 0.000000/0.000000 system: 0.000000/0.000000",
        );
        log.info(sys, &format!("Stopped {VERSION}"));
        if let Some(o) = &self.opts {
            let _ = sys.remove(&o.pid);
        }
        Poll::Exit(self.exit_code)
    }
}

impl Program for Parent {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        match self.phase {
            Phase::Start => self.start(sys),
            Phase::Daemon => self.daemon(sys),
            Phase::Running | Phase::Stopping => self.run(sys),
        }
    }

    fn signal(&mut self, sys: &mut Sys, sig: Signal) -> Poll {
        match (self.phase, sig) {
            (Phase::Start, _) => Poll::Exit(128 + sig.number()),
            (_, Signal::Hup) => {
                self.reload(sys);
                Poll::Idle(None)
            }
            (_, Signal::Usr1 | Signal::Usr2) => Poll::Idle(None),
            _ => {
                self.terminate(sys, true);
                self.run(sys)
            }
        }
    }
}

impl Parent {
    /// SIGHUP: the parent reads its part again and passes the signal on; the children
    /// reload themselves.
    fn reload(&mut self, sys: &mut Sys) {
        let Some(o) = self.opts.clone() else {
            return;
        };
        let log = self.log.clone();
        log.info(sys, "Reloading ...");
        log.detail(sys, &format!("Opening file '{}'.", o.conf));
        log.info(sys, &format!("Configuration file {}", o.conf));
        if let Some(parsed) = read(sys, &o, (Pass::Parent, false), None) {
            self.global = parsed.cfg.global.clone();
            for m in parsed.messages(Pass::Parent) {
                log.info(sys, &m);
            }
        }
        self.reloading = 0;
        for c in &self.children {
            if let Some(pid) = c.pid {
                sys.k.procs.kill(pid, Signal::Hup);
                self.reloading += 1;
            }
        }
        if self.reloading == 0 {
            log.info(sys, "Reload complete");
        }
    }
}

/// strsignal(3) for the signals netstep delivers.
fn signal_text(s: Signal) -> &'static str {
    match s {
        Signal::Hup => "Hangup",
        Signal::Int => "Interrupt",
        Signal::Kill => "Killed",
        Signal::Usr1 => "User defined signal 1",
        Signal::Usr2 => "User defined signal 2",
        Signal::Term => "Terminated",
    }
}

/// `keepalived --version` (to standard error).
fn version_text() -> String {
    format!(
        "{VERSION}\n\nCopyright(C) 2001-2022 Alexandre Cassen, <acassen@gmail.com>\n\nBuilt with kernel headers for Linux 5.19.11\nRunning on Linux {KERNEL}\nDistro: Debian GNU/Linux 12 (bookworm)\n\nconfigure options: --build=x86_64-linux-gnu --prefix=/usr --sysconfdir=/etc --localstatedir=/var --runstatedir=/run --enable-snmp --enable-sha1 --enable-dbus --enable-json --enable-bfd --enable-regex --with-init=systemd\n\nConfig options:  NFTABLES LVS REGEX VRRP VRRP_AUTH VRRP_VMAC JSON BFD OLD_CHKSUM_COMPAT SNMP_V3_FOR_V2 SNMP_VRRP SNMP_CHECKER SNMP_RFCV2 SNMP_RFCV3 DBUS INIT=systemd SYSTEMD_NOTIFY\n\n"
    )
}

/// Reads the configuration as process `pass`; children are given the parent's
/// global_defs (they inherit it across fork).
pub fn read(
    sys: &Sys,
    o: &Opts,
    (pass, test): (Pass, bool),
    global: Option<Global>,
) -> Option<conf::Parsed> {
    let ifaces: Vec<String> = sys.k.devs.iter().map(|d| d.name.clone()).collect();
    conf::parse(&NodeFiles(sys.k), &o.conf, (pass, test), ifaces, global)
}

/// `keepalived -t`: each process's reading, parent first, then checker, then VRRP.
fn config_test(sys: &mut Sys, o: &Opts) -> i32 {
    if sys.read_file(&o.conf).is_err() {
        sys.eprint(&format!("Config files missing '{}'.\n", o.conf));
        return 0;
    }
    let (mut errors, mut security) = (false, false);
    let mut global = None;
    for pass in [Pass::Parent, Pass::Checker, Pass::Vrrp, Pass::Bfd] {
        let Some(p) = read(sys, o, (pass, true), global.clone()) else {
            continue;
        };
        for m in p.errors(pass) {
            sys.eprint(&format!("{m}\n"));
        }
        if pass == Pass::Parent {
            global = Some(p.cfg.global.clone());
        }
        errors |= p.has_errors();
        security |= p.security;
        if p.fatal {
            return 2;
        }
    }
    match (security, errors) {
        (true, _) => 6,
        (false, true) => 5,
        _ => 0,
    }
}

/// keepalived_running: a live process holds the pid file.
fn running(sys: &Sys, pidfile: &str) -> bool {
    let Ok(data) = sys.read_file(pidfile) else {
        return false;
    };
    let pid = String::from_utf8_lossy(&data).trim().parse::<Pid>().ok();
    pid.is_some_and(|p| {
        sys.k
            .procs
            .procs
            .get(&p)
            .is_some_and(|p| p.status.is_none() && p.name == "keepalived")
    })
}
