//! Commands that run another command: `env [-i] [NAME=value …] [COMMAND …]` and
//! `timeout [-s SIGNAL] DURATION COMMAND …` (coreutils' statuses: 124 when the time ran out,
//! 128+9 and bash's `Killed` for -s KILL, 125 for its own usage errors, 127 for a command
//! that is not found; docs/shell-real.md §4).

use super::lexer::{Script, SimpleCmd};
use super::{Dest, Shell};
use crate::kernel::process::{Poll, Program, Sys};
use crate::sim::Time;

impl Shell {
    /// `env …`: with a command, the command to run next (its environment set); without,
    /// the environment printed and None.
    pub(super) fn env_command(
        &mut self,
        sys: &mut Sys,
        argv: Vec<String>,
        fds: &[Dest; 2],
    ) -> Option<Vec<String>> {
        if argv[0] != "env" {
            return Some(argv);
        }
        let mut env = sys
            .k
            .procs
            .procs
            .get(&sys.pid)
            .map(|p| p.env.clone())
            .unwrap_or_default();
        let mut cleared = false;
        let mut command: &[String] = &argv;
        // `env -i A=1 env` is env within env: the inner one prints what the outer set.
        while command.first().is_some_and(|c| c == "env") {
            let mut rest = &command[1..];
            if rest.first().is_some_and(|a| a == "-i" || a == "-") {
                env.clear();
                cleared = true;
                rest = &rest[1..];
            }
            while let Some((n, v)) = rest.first().and_then(|a| super::session::assignment(a)) {
                env.retain(|(k, _)| k != n);
                env.push((n.to_string(), v.to_string()));
                rest = &rest[1..];
            }
            command = rest;
        }
        if let Some(p) = sys.k.procs.procs.get_mut(&sys.pid) {
            p.env = env.clone();
        }
        if !command.is_empty() {
            return Some(command.to_vec());
        }
        let mut out: String = env.iter().map(|(n, v)| format!("{n}={v}\n")).collect();
        if !cleared {
            // bash puts the command's path in `_` for what it runs.
            out.push_str("_=/usr/bin/env\n");
        }
        self.route(sys, "env", fds, out, String::new());
        self.status = 0;
        None
    }

    /// `timeout …`: the command in a child shell, stopped when the time is over.
    pub(super) fn start_timeout(
        &mut self,
        sys: &mut Sys,
        argv: &[String],
    ) -> Result<Box<dyn Program>, (String, i32)> {
        let usage = || {
            (
                "Try 'timeout --help' for more information.\n".to_string(),
                125,
            )
        };
        let mut i = 1;
        let mut kill = false;
        while let Some(a) = argv.get(i).filter(|a| a.starts_with('-')) {
            match a.as_str() {
                "-s" => {
                    kill = argv.get(i + 1).is_some_and(|s| s == "KILL" || s == "9");
                    i += 2;
                }
                s if s.starts_with("--signal=") => {
                    kill = s.ends_with("KILL");
                    i += 1;
                }
                _ => return Err(usage()),
            }
        }
        let (Some(dur), true) = (argv.get(i), argv.len() > i + 1) else {
            return Err(usage());
        };
        let Ok(ns) = super::builtins::sleep(&["sleep".into(), dur.clone()]) else {
            return Err((
                format!("timeout: invalid time interval ‘{dur}’\n{}", usage().0),
                125,
            ));
        };
        let words: Vec<&str> = argv[i + 1..].iter().map(String::as_str).collect();
        let script = Script {
            pipelines: vec![super::lexer::Pipeline {
                connector: super::lexer::Connector::Always,
                cmds: vec![SimpleCmd::words(&words)],
            }],
            ..Script::default()
        };
        let inner = self.subshell(script);
        Ok(Box::new(Timeout {
            inner,
            deadline: sys.now() + ns,
            kill,
        }))
    }
}

/// A command under `timeout`.
struct Timeout {
    inner: Shell,
    deadline: Time,
    kill: bool,
}

impl Program for Timeout {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        if sys.now() >= self.deadline {
            self.inner.interrupt(sys);
            if self.kill {
                sys.eprint("Killed\n");
                return Poll::Exit(137);
            }
            return Poll::Exit(124);
        }
        match self.inner.poll(sys) {
            Poll::Wait(t) | Poll::Idle(t) => {
                Poll::Wait(Some(t.map_or(self.deadline, |t| t.min(self.deadline))))
            }
            other => other,
        }
    }

    fn interrupt(&mut self, sys: &mut Sys) -> i32 {
        self.inner.interrupt(sys)
    }
}
