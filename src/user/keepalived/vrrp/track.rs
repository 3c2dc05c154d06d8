//! `vrrp_script` + `track_script` (vrrp_scheduler.c's script threads, vrrp_track.c): each
//! script runs every `interval` as a child process; `rise` successes in a row make it good,
//! `fall` failures bad. A good script with a positive weight adds it to the priority of the
//! instances that track it, a bad one with a negative weight subtracts it, and a bad one
//! with weight 0 puts them in FAULT.

use super::instance::Vrrp;
use crate::kernel::process::{Signal, Sys};
use crate::kernel::socket::Pid;
use crate::sim::time::SEC;
use crate::sim::Time;
use crate::user::keepalived::conf::VrrpScript;
use crate::user::keepalived::log::Log;
use crate::user::shell::{lexer, Shell};

struct Script {
    conf: VrrpScript,
    /// keepalived's counter: good while ≥ rise, from 0 to rise + fall - 1.
    result: u32,
    /// No result yet: the first one is reported whatever it is.
    init: bool,
    last_status: Option<i32>,
    next_run: Time,
    running: Option<(Pid, Time)>,
}

impl Script {
    fn good(&self) -> bool {
        self.result >= self.conf.rise
    }
}

#[derive(Default)]
pub struct Tracker {
    scripts: Vec<Script>,
    /// (instance, script, weight) for each `track_script` line.
    users: Vec<(usize, usize, i32)>,
}

impl Tracker {
    pub fn new(scripts: Vec<VrrpScript>, instances: &[Vrrp]) -> Tracker {
        let mut t = Tracker::default();
        for s in scripts {
            let result = if s.init_fail { 0 } else { s.rise };
            t.scripts.push(Script {
                result,
                init: true,
                last_status: None,
                next_run: Time::ZERO,
                running: None,
                conf: s,
            });
        }
        for (i, v) in instances.iter().enumerate() {
            for (name, weight) in &v.conf.track_scripts {
                if let Some(s) = t.scripts.iter().position(|s| s.conf.name == *name) {
                    let w = weight.unwrap_or(t.scripts[s].conf.weight);
                    t.users.push((i, s, w));
                }
            }
        }
        // Scripts nobody tracks are not run (keepalived warns and drops them).
        t
    }

    fn used(&self, s: usize) -> bool {
        self.users.iter().any(|u| u.1 == s)
    }

    pub fn next_timer(&self) -> Option<Time> {
        self.scripts
            .iter()
            .enumerate()
            .filter(|(i, _)| self.used(*i))
            .map(|(_, s)| match s.running {
                Some((_, deadline)) => deadline,
                None => s.next_run,
            })
            .min()
    }

    pub fn busy(&self) -> bool {
        false
    }

    /// Starts due scripts and collects finished ones; true when a script changed state.
    pub fn run(&mut self, sys: &mut Sys, log: &Log) -> bool {
        let now = sys.now();
        let mut changed = false;
        for i in 0..self.scripts.len() {
            if !self.used(i) {
                continue;
            }
            changed |= self.collect(sys, log, i);
            let s = &mut self.scripts[i];
            if s.running.is_none() && s.next_run <= now {
                start(sys, s);
            }
        }
        changed
    }

    /// A script that finished (or outlived its timeout) counts towards rise or fall.
    fn collect(&mut self, sys: &mut Sys, log: &Log, i: usize) -> bool {
        let s = &mut self.scripts[i];
        let Some((pid, deadline)) = s.running else {
            return false;
        };
        let status = match sys.child_status(pid) {
            Some(st) => st,
            None if sys.now() >= deadline => {
                sys.k.procs.kill(pid, Signal::Kill);
                s.running = None;
                return step(s, log, sys, false, "timed_out", None);
            }
            None => return false,
        };
        s.running = None;
        if s.last_status != Some(status) && s.last_status.is_some() {
            log.info(
                sys,
                &format!("Script `{}` now returning {status}", s.conf.name),
            );
        }
        s.last_status = Some(status);
        if status == 0 {
            step(s, log, sys, true, "succeeded", None)
        } else {
            step(
                s,
                log,
                sys,
                false,
                "failed",
                Some(("exited with status", status)),
            )
        }
    }

    /// What instance `i`'s scripts add to its priority, and the weight-0 scripts that are
    /// failing (each one keeps it in FAULT).
    pub fn assess(&self, i: usize) -> (i32, Vec<String>) {
        let mine = self.users.iter().filter(|u| u.0 == i);
        let mut delta = 0;
        let mut failing = Vec::new();
        for &(_, s, w) in mine {
            let good = self.scripts[s].good();
            match (good, w) {
                (false, 0) => failing.push(self.scripts[s].conf.name.clone()),
                (true, w) if w > 0 => delta += w,
                (false, w) if w < 0 => delta += w,
                _ => {}
            }
        }
        (delta, failing)
    }
}

/// One result: the counter moves; crossing rise or fall is logged. True when the script's
/// state changed.
fn step(
    s: &mut Script,
    log: &Log,
    sys: &mut Sys,
    ok: bool,
    what: &str,
    reason: Option<(&str, i32)>,
) -> bool {
    let (rise, fall) = (s.conf.rise, s.conf.fall);
    let was_good = s.good();
    let first = std::mem::take(&mut s.init);
    if ok {
        if s.result + 1 < rise {
            s.result += 1;
        } else if s.result != rise + fall - 1 {
            if s.result < rise || first {
                log.info(sys, &format!("VRRP_Script({}) {what}", s.conf.name));
            }
            s.result = rise + fall - 1;
        }
    } else if s.result > rise {
        s.result -= 1;
    } else {
        if s.result == rise || first {
            let text = match reason {
                Some((r, code)) => format!("VRRP_Script({}) {what} ({r} {code})", s.conf.name),
                None => format!("VRRP_Script({}) {what}", s.conf.name),
            };
            log.info(sys, &text);
        }
        s.result = 0;
    }
    was_good != s.good() || first
}

/// Runs the script as a child process (as root: no script_user).
fn start(sys: &mut Sys, s: &mut Script) {
    let line = s.conf.script.clone().unwrap_or_default();
    let now = sys.now();
    s.next_run = now + s.conf.interval * SEC;
    let Ok(script) = lexer::parse(&line) else {
        return;
    };
    let name = line.split_whitespace().next().unwrap_or("sh").to_string();
    let base = name.rsplit('/').next().unwrap_or(&name).to_string();
    let pid = sys.fork(&base, &line, Box::new(Shell::new(script, Vec::new())));
    let timeout = s.conf.timeout.unwrap_or(s.conf.interval) * SEC;
    s.running = Some((pid, now + timeout));
}
