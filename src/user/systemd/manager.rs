//! The manager's units and jobs: start, stop, restart, reload, and what happens when a
//! unit's main process ends on its own.

use super::unit::{self, Unit};
use super::{NOTIFY, PRIVATE};
use crate::kernel::af_unix;
use crate::kernel::process::{Poll, Signal, Sys};
use crate::kernel::socket::{Pid, SockId};
use crate::sim::time::{Time, SEC};
use crate::user::libc::syslog::log_for_unit;
use std::collections::BTreeMap;

/// TimeoutStopSec's default: after this, SIGKILL.
const STOP_TIMEOUT: u64 = 90 * SEC;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Active {
    Inactive,
    Activating,
    Active,
    Reloading,
    Deactivating,
    Failed,
}

impl Active {
    pub fn name(self) -> &'static str {
        match self {
            Active::Inactive => "inactive",
            Active::Activating => "activating",
            Active::Active => "active",
            Active::Reloading => "reloading",
            Active::Deactivating => "deactivating",
            Active::Failed => "failed",
        }
    }
}

/// A job a `systemctl` waits for: who to answer, and what comes after (restart = stop, then
/// start).
#[derive(Clone, Debug)]
struct Waiter {
    reply: String,
    then_start: bool,
}

/// What systemd knows of one unit.
#[derive(Clone, Debug)]
pub struct State {
    pub unit: Unit,
    pub active: Active,
    /// When `active` last changed.
    pub since: Time,
    /// When it last became active (for `Duration:` once it stops).
    pub started: Option<Time>,
    pub main_pid: Option<Pid>,
    /// How the last main process ended (its wait status: 128+N for a signal).
    pub main_status: Option<i32>,
    /// The last main process, running or not (systemd's ExecMainPID).
    pub exec_main_pid: Option<Pid>,
    pub result: &'static str,
    pub enabled: bool,
    /// A start skipped because a Condition was not met: when, and which.
    pub condition_failed: Option<(Time, String)>,
    reload_pid: Option<Pid>,
    stop_deadline: Option<Time>,
    waiters: Vec<Waiter>,
}

pub struct Manager {
    control: SockId,
    notify: SockId,
    units: BTreeMap<String, State>,
}

impl Manager {
    pub fn new(sys: &mut Sys) -> Manager {
        let control = af_unix::socket(sys.k, sys.pid);
        let notify = af_unix::socket(sys.k, sys.pid);
        let _ = af_unix::bind(sys.k, control, PRIVATE);
        let _ = af_unix::bind(sys.k, notify, NOTIFY);
        Manager {
            control,
            notify,
            units: BTreeMap::new(),
        }
    }

    pub fn run(&mut self, sys: &mut Sys) -> Poll {
        while let Some((from, data)) = af_unix::recvfrom(sys.k, self.notify) {
            self.notified(sys, from, &String::from_utf8_lossy(&data));
        }
        while let Some((from, data)) = af_unix::recvfrom(sys.k, self.control) {
            let text = String::from_utf8_lossy(&data).into_owned();
            if let Some(reply) = from {
                self.request(sys, &reply, &text);
            }
        }
        if sys.take_sigchld() {
            self.children_ended(sys);
        }
        self.stop_timeouts(sys);
        Poll::Idle(self.units.values().filter_map(|u| u.stop_deadline).min())
    }

    /// A unit's state, loading its file the first time it is named. None: no such unit.
    fn load(&mut self, sys: &Sys, name: &str) -> Option<&mut State> {
        if !self.units.contains_key(name) {
            let path = format!("{}/{name}", unit::UNIT_DIR);
            let text = sys.read_file(&path).ok()?;
            let u = unit::parse(name, &path, &String::from_utf8_lossy(&text));
            let state = State {
                unit: u,
                active: Active::Inactive,
                since: Time::ZERO,
                started: None,
                main_pid: None,
                main_status: None,
                exec_main_pid: None,
                result: "success",
                enabled: true,
                condition_failed: None,
                reload_pid: None,
                stop_deadline: None,
                waiters: Vec::new(),
            };
            self.units.insert(name.to_string(), state);
        }
        self.units.get_mut(name)
    }

    /// A request from systemctl: `VERB UNIT`.
    fn request(&mut self, sys: &mut Sys, reply: &str, text: &str) {
        let (verb, name) = text.split_once(' ').unwrap_or((text, ""));
        let name = unit::canonical(name);
        if self.load(sys, &name).is_none() {
            answer(sys, self.control, reply, &format!("noent {name}"));
            return;
        }
        match verb {
            "start" => self.start(sys, &name, reply),
            "stop" => self.stop(sys, &name, reply, false),
            "restart" => self.stop(sys, &name, reply, true),
            "reload" => self.reload(sys, &name, reply),
            "enable" | "disable" => {
                if let Some(u) = self.units.get_mut(&name) {
                    u.enabled = verb == "enable";
                }
                answer(sys, self.control, reply, "done");
            }
            _ => {
                let props = self.units.get(&name).map(properties).unwrap_or_default();
                answer(sys, self.control, reply, &props);
            }
        }
    }

    fn start(&mut self, sys: &mut Sys, name: &str, reply: &str) {
        let Some(u) = self.units.get_mut(name) else {
            return;
        };
        if matches!(
            u.active,
            Active::Active | Active::Activating | Active::Reloading
        ) {
            answer(sys, self.control, reply, "done");
            return;
        }
        if let Some(cond) = unmet_condition(sys, &u.unit) {
            let msg = format!(
                "{} - {} was skipped because of an unmet condition check ({cond}).",
                u.unit.name, u.unit.description
            );
            u.condition_failed = Some((sys.now(), cond));
            log_for_unit(sys, name, "systemd", 1, &msg);
            answer(sys, self.control, reply, "done");
            return;
        }
        u.condition_failed = None;
        let msg = format!("Starting {} - {}...", u.unit.name, u.unit.description);
        log_for_unit(sys, name, "systemd", 1, &msg);
        let argv = exec_start(sys, &u.unit);
        let cmdline = argv.join(" ");
        let main = match argv.first().and_then(|a| crate::user::tools::lookup(a)) {
            Some(crate::user::tools::Command::Program(spawn)) => spawn(&argv),
            _ => Box::new(NotFound(argv.first().cloned().unwrap_or_default())),
        };
        let base = argv
            .first()
            .map_or("", |a| a.rsplit('/').next().unwrap_or(a));
        let pid = sys.fork(base, &cmdline, main);
        if let Some(p) = sys.k.procs.procs.get_mut(&pid) {
            p.cgroup = Some(format!("/system.slice/{name}"));
            p.daemon = true;
            if u.unit.kind == "notify" {
                p.env.push(("NOTIFY_SOCKET".into(), NOTIFY.into()));
            }
        }
        let now = sys.now();
        let Some(u) = self.units.get_mut(name) else {
            return;
        };
        u.main_pid = Some(pid);
        u.exec_main_pid = Some(pid);
        u.main_status = None;
        u.waiters.push(Waiter {
            reply: reply.to_string(),
            then_start: false,
        });
        set_active(u, Active::Activating, now);
        if u.unit.kind != "notify" {
            self.ready(sys, name);
        }
    }

    /// The unit's main process said READY=1 (or a simple unit was forked): it is up.
    fn ready(&mut self, sys: &mut Sys, name: &str) {
        let Some(u) = self.units.get_mut(name) else {
            return;
        };
        if u.active != Active::Activating {
            return;
        }
        let now = sys.now();
        set_active(u, Active::Active, now);
        u.started = Some(now);
        u.result = "success";
        let msg = format!("Started {} - {}.", u.unit.name, u.unit.description);
        log_for_unit(sys, name, "systemd", 1, &msg);
        self.finish_jobs(sys, name, "done");
    }

    /// sd_notify() from a unit's main process (NotifyAccess=main).
    fn notified(&mut self, sys: &mut Sys, from: Option<String>, text: &str) {
        let Some(pid) = from.and_then(|f| f.strip_prefix("@notify/")?.parse::<Pid>().ok()) else {
            return;
        };
        let unit = self
            .units
            .iter()
            .find(|(_, u)| u.main_pid == Some(pid))
            .map(|(n, _)| n.clone());
        if let (Some(name), true) = (unit, text.lines().any(|l| l == "READY=1")) {
            self.ready(sys, &name);
        }
    }

    fn stop(&mut self, sys: &mut Sys, name: &str, reply: &str, then_start: bool) {
        let Some(u) = self.units.get_mut(name) else {
            return;
        };
        u.waiters.push(Waiter {
            reply: reply.to_string(),
            then_start,
        });
        if u.main_pid.is_none() && sys.k.procs.in_cgroup(&cgroup(name)).next().is_none() {
            self.finish_jobs(sys, name, "done");
            return;
        }
        if u.active == Active::Deactivating {
            return;
        }
        let msg = format!("Stopping {} - {}...", u.unit.name, u.unit.description);
        log_for_unit(sys, name, "systemd", 1, &msg);
        let now = sys.now();
        set_active(u, Active::Deactivating, now);
        u.stop_deadline = Some(now + STOP_TIMEOUT);
        kill_unit(sys, u, Signal::Term);
    }

    fn reload(&mut self, sys: &mut Sys, name: &str, reply: &str) {
        let Some(u) = self.units.get_mut(name) else {
            return;
        };
        let (Active::Active, Some(line), Some(main)) =
            (u.active, u.unit.exec_reload.clone(), u.main_pid)
        else {
            answer(sys, self.control, reply, &format!("inactive {name}"));
            return;
        };
        let msg = format!("Reloading {} - {}...", u.unit.name, u.unit.description);
        log_for_unit(sys, name, "systemd", 1, &msg);
        let line = line.replace("$MAINPID", &main.to_string());
        let script = crate::user::shell::lexer::parse(&line).unwrap_or_default();
        let shell = Box::new(crate::user::shell::Shell::new(script, Vec::new()));
        let pid = sys.fork("kill", &line, shell);
        if let Some(p) = sys.k.procs.procs.get_mut(&pid) {
            p.cgroup = Some(cgroup(name));
        }
        let now = sys.now();
        let Some(u) = self.units.get_mut(name) else {
            return;
        };
        u.reload_pid = Some(pid);
        u.waiters.push(Waiter {
            reply: reply.to_string(),
            then_start: false,
        });
        set_active(u, Active::Reloading, now);
    }

    /// SIGCHLD: a reload command finished, a main process ended, or a control group emptied.
    fn children_ended(&mut self, sys: &mut Sys) {
        let names: Vec<String> = self.units.keys().cloned().collect();
        for name in names {
            self.reap_reload(sys, &name);
            self.reap_main(sys, &name);
            self.settle_stop(sys, &name);
        }
    }

    fn reap_reload(&mut self, sys: &mut Sys, name: &str) {
        let Some(u) = self.units.get_mut(name) else {
            return;
        };
        let Some(status) = u.reload_pid.and_then(|p| sys.child_status(p)) else {
            return;
        };
        u.reload_pid = None;
        let now = sys.now();
        if u.active == Active::Reloading {
            set_active(u, Active::Active, now);
        }
        let msg = format!("Reloaded {} - {}.", u.unit.name, u.unit.description);
        log_for_unit(sys, name, "systemd", 1, &msg);
        let outcome = if status == 0 { "done" } else { "failed reload" };
        self.finish_jobs(sys, name, outcome);
    }

    /// The main process is gone: expected while stopping; otherwise the unit went down on
    /// its own, and what remains of its control group is stopped.
    fn reap_main(&mut self, sys: &mut Sys, name: &str) {
        let Some(u) = self.units.get_mut(name) else {
            return;
        };
        let Some(status) = u.main_pid.and_then(|p| sys.child_status(p)) else {
            return;
        };
        u.main_pid = None;
        u.main_status = Some(status);
        let failed = status != 0;
        if failed {
            let msg = format!("{name}: Main process exited, {}", exit_code(status));
            log_for_unit(sys, name, "systemd", 1, &msg);
            u.result = if killed_by(status).is_some() {
                "signal"
            } else {
                "exit-code"
            };
        }
        if u.active != Active::Deactivating {
            let now = sys.now();
            let starting = u.active == Active::Activating;
            set_active(u, Active::Deactivating, now);
            u.stop_deadline = Some(now + STOP_TIMEOUT);
            u.waiters.iter_mut().for_each(|w| w.then_start = false);
            if starting {
                // The job that waited for READY=1 will never see it.
                u.result = if failed { u.result } else { "protocol" };
            }
            kill_unit(sys, u, Signal::Term);
        }
    }

    /// A stopping unit whose control group is empty is down: inactive or failed.
    fn settle_stop(&mut self, sys: &mut Sys, name: &str) {
        let empty = sys.k.procs.in_cgroup(&cgroup(name)).next().is_none();
        let Some(u) = self.units.get_mut(name) else {
            return;
        };
        if u.active != Active::Deactivating || !empty || u.main_pid.is_some() {
            return;
        }
        let now = sys.now();
        u.stop_deadline = None;
        let failed = u.result != "success";
        let what = if failed {
            set_active(u, Active::Failed, now);
            format!("{name}: Failed with result '{}'.", u.result)
        } else {
            set_active(u, Active::Inactive, now);
            format!("{name}: Deactivated successfully.")
        };
        log_for_unit(sys, name, "systemd", 1, &what);
        let stopping = u.waiters.iter().any(|w| !w.then_start) && !failed;
        if stopping || u.waiters.iter().any(|w| w.then_start) {
            let msg = format!("Stopped {} - {}.", u.unit.name, u.unit.description);
            log_for_unit(sys, name, "systemd", 1, &msg);
        } else if failed && !u.waiters.is_empty() {
            let msg = format!("Failed to start {} - {}.", u.unit.name, u.unit.description);
            log_for_unit(sys, name, "systemd", 1, &msg);
        }
        let restart: Vec<Waiter> = u.waiters.iter().filter(|w| w.then_start).cloned().collect();
        u.waiters.retain(|w| !w.then_start);
        let outcome = if failed && u.started.is_none_or(|s| s < u.since) && !stopping {
            "failed start"
        } else {
            "done"
        };
        self.finish_jobs(sys, name, outcome);
        for w in restart {
            self.start(sys, name, &w.reply);
        }
    }

    /// TimeoutStopSec passed: SIGKILL what is left.
    fn stop_timeouts(&mut self, sys: &mut Sys) {
        let now = sys.now();
        for (name, u) in self.units.iter_mut() {
            if u.stop_deadline.is_some_and(|t| t <= now) {
                u.stop_deadline = None;
                let msg = format!("{name}: State 'stop-sigterm' timed out. Killing.");
                log_for_unit(sys, name, "systemd", 1, &msg);
                kill_unit(sys, u, Signal::Kill);
            }
        }
    }

    fn finish_jobs(&mut self, sys: &mut Sys, name: &str, outcome: &str) {
        let Some(u) = self.units.get_mut(name) else {
            return;
        };
        let done: Vec<Waiter> = u.waiters.drain(..).collect();
        for w in done {
            answer(sys, self.control, &w.reply, outcome);
        }
    }
}

fn set_active(u: &mut State, a: Active, now: Time) {
    u.active = a;
    u.since = now;
}

pub fn cgroup(name: &str) -> String {
    format!("/system.slice/{name}")
}

/// KillMode: control-group signals every process of the unit, process only the main one.
fn kill_unit(sys: &mut Sys, u: &State, sig: Signal) {
    let targets: Vec<Pid> = if u.unit.kill_mode == "process" {
        u.main_pid.into_iter().collect()
    } else {
        sys.k
            .procs
            .in_cgroup(&cgroup(&u.unit.name))
            .map(|p| p.pid)
            .collect()
    };
    for pid in targets {
        if sig == Signal::Kill {
            let comm = sys
                .k
                .procs
                .procs
                .get(&pid)
                .map(|p| p.name.clone())
                .unwrap_or_default();
            let msg = format!(
                "{}: Killing process {pid} ({comm}) with signal SIGKILL.",
                u.unit.name
            );
            log_for_unit(sys, &u.unit.name, "systemd", 1, &msg);
        }
        sys.k.procs.kill(pid, sig);
    }
}

/// ExecStart's argv after the EnvironmentFile's variables.
fn exec_start(sys: &Sys, u: &Unit) -> Vec<String> {
    let env = u
        .env_file
        .as_ref()
        .and_then(|(path, _)| sys.read_file(path).ok())
        .map(|t| unit::environment(&String::from_utf8_lossy(&t)))
        .unwrap_or_default();
    unit::exec_argv(&u.exec_start, &env)
}

/// The first Condition= that does not hold, as systemd names it.
fn unmet_condition(sys: &Sys, u: &Unit) -> Option<String> {
    let path = u.condition_file_not_empty.as_ref()?;
    let full = sys.read_file(path).is_ok_and(|d| !d.is_empty());
    (!full).then(|| format!("ConditionFileNotEmpty={path}"))
}

fn answer(sys: &mut Sys, from: SockId, to: &str, text: &str) {
    let _ = af_unix::sendto(sys.k, from, to, text.as_bytes());
}

/// The signal that ended a process, from its wait status.
pub fn killed_by(status: i32) -> Option<Signal> {
    (status > 128)
        .then(|| Signal::from_number(status - 128))
        .flatten()
}

/// `code=exited, status=1/FAILURE` or `code=killed, status=9/KILL`, as systemd logs it.
pub fn exit_code(status: i32) -> String {
    match killed_by(status) {
        Some(sig) => format!("code=killed, status={}/{}", sig.number(), sig.name()),
        None if status == 0 => "code=exited, status=0/SUCCESS".into(),
        None => format!("code=exited, status={status}/FAILURE"),
    }
}

/// `key=value` lines for `systemctl status` (as `systemctl show` would give them).
fn properties(u: &State) -> String {
    let mut p = vec![
        format!("ActiveState={}", u.active.name()),
        format!("Since={}", u.since.nanos()),
        format!("Result={}", u.result),
        format!("Enabled={}", u.enabled),
    ];
    if let Some(t) = u.started {
        p.push(format!("Started={}", t.nanos()));
    }
    if let Some(pid) = u.main_pid {
        p.push(format!("MainPID={pid}"));
    }
    if let Some(s) = u.main_status {
        p.push(format!("MainStatus={s}"));
    }
    if let Some(pid) = u.exec_main_pid {
        p.push(format!("ExecMainPID={pid}"));
    }
    if let Some((t, c)) = &u.condition_failed {
        p.push(format!("Condition={}\t{c}", t.nanos()));
    }
    p.join("\n")
}

/// An ExecStart that names no program netstep has: it fails as execve would.
struct NotFound(String);

impl crate::kernel::process::Program for NotFound {
    fn poll(&mut self, _sys: &mut Sys) -> Poll {
        let _ = &self.0;
        Poll::Exit(203)
    }
}
