//! The shells of a node: the terminal's login shell (`-bash`, whose `$$` and descriptors the
//! lab's lines use, and the parent of what they start), the child shells of `$(…)` and
//! `bash -c`, how a line's process takes the session's directory and environment, and the
//! names a process and a command go by (`ps`, `which`, `type`).

use super::expand::merge;
use super::lexer::{self, Script};
use super::{builtins, textutils, Shell};
use crate::kernel::process::{Poll, Program, Sys};
use crate::sim::Time;
use crate::user::tools;

impl Shell {
    /// The subshell of a `$(…)` one level below `parent_depth`: a copy of the session
    /// (what it changes stays in it).
    pub(super) fn subshell(&self, script: Script) -> Shell {
        let mut s = Shell::new(script, Vec::new());
        s.depth = self.depth + 1;
        s.session = self.session.borrow().clone().shared();
        s.params = self.params.clone();
        s
    }

    /// `bash -c LINE [NAME ARGS…]`: a non-interactive shell (no aliases) of its own.
    pub(super) fn bash_c(&self, argv: &[String]) -> Result<Shell, String> {
        let Some(line) = argv.get(2) else {
            return Err(format!("{}: -c: option requires an argument\n", argv[0]));
        };
        let script = lexer::parse(line).map_err(|e| format!("{}: -c: line 1: {e}\n", argv[0]))?;
        let mut s = self.subshell(script);
        // A new process: no aliases, and only the environment for variables (enter()).
        s.session.borrow_mut().aliases.clear();
        s.session.borrow_mut().vars.clear();
        s.entered = false;
        s.params = match argv.get(3) {
            Some(_) => argv[3..].to_vec(),
            None => vec![argv[0].clone()],
        };
        Ok(s)
    }

    /// The first poll: the process takes the session's directory and environment.
    pub(super) fn enter(&mut self, sys: &mut Sys) {
        self.entered = true;
        if self.interactive {
            // A terminal's lines run in its login shell: `$$` and `/proc/$$` are that shell,
            // and the parent of what the line starts.
            let login = owner(sys);
            if let Some(p) = sys
                .k
                .procs
                .procs
                .get_mut(&sys.pid)
                .filter(|p| p.pid != login)
            {
                p.ppid = login;
            }
        }
        let (cwd, exported) = {
            let s = self.session.borrow();
            (s.cwd.clone(), s.environ())
        };
        if self.interactive {
            let _ = sys.chdir(&cwd);
            self.base_env = textutils::login_environ(&sys.cwd());
            let env = merge(&self.base_env, exported);
            if let Some(p) = sys.k.procs.procs.get_mut(&sys.pid) {
                p.env = env;
            }
        } else if let Some(p) = sys.k.procs.procs.get(&sys.pid) {
            // A shell started as a program takes its environment as its variables.
            self.base_env = p.env.clone();
            let mut s = self.session.borrow_mut();
            for (n, v) in &p.env {
                s.vars.insert(n.clone(), (v.clone(), true));
            }
        }
    }
}

/// The process now runs `argv` (bash forks each stage of a pipeline; here the stage that
/// runs over time is the process): `ps`, `netstat -p` and `pkill` see its name.
pub(super) fn exec_name(sys: &mut Sys, argv: &[String]) {
    if Some(sys.pid) == sys.k.session {
        return;
    }
    if let Some(p) = sys.k.procs.procs.get_mut(&sys.pid) {
        p.name = argv[0].rsplit('/').next().unwrap_or(&argv[0]).to_string();
        p.cmdline = argv.join(" ");
    }
}

/// Commands bash runs itself (`type` says "shell builtin").
pub fn is_shell_builtin(name: &str) -> bool {
    [
        "alias", "cd", "declare", "echo", "exec", "exit", "export", "false", "kill", "printf",
        "pwd", "true", "type", "unalias", "unset", "wait", ":",
    ]
    .contains(&name)
}

/// Where a command's program lies on the PATH (`which`, `type`).
pub fn which(name: &str) -> Option<String> {
    const SBIN: &[&str] = &[
        "arp",
        "arping",
        "conntrack",
        "genhash",
        "httpd",
        "ifconfig",
        "iptables",
        "iptables-restore",
        "iptables-save",
        "ipvsadm",
        "keepalived",
        "named",
        "route",
        "sysctl",
    ];
    let known = tools::lookup(name).is_some()
        || builtins::NAMES.contains(&name)
        || textutils::NAMES.contains(&name)
        || ["bash", "sh", "sleep", "timeout"].contains(&name);
    if !known || name.contains('/') {
        return None;
    }
    let dir = if SBIN.contains(&name) { "sbin" } else { "bin" };
    Some(format!("/usr/{dir}/{name}"))
}

/// The shell whose fds and `$$` a line uses: the terminal's login shell, started the first
/// time a line needs descriptors that outlive it (as the lab's terminal always had one).
pub(super) fn owner(sys: &mut Sys) -> u32 {
    let now = sys.ctx.now;
    login_shell(sys.k, now)
}

/// The node's login shell (`-bash` on the terminal), started at `now` if it is not yet.
pub fn login_shell(k: &mut crate::kernel::Kernel, now: Time) -> u32 {
    if let Some(pid) = k.session {
        return pid;
    }
    let pid = k.procs.insert("bash", "-bash", Box::new(LoginShell), false);
    if let Some(p) = k.procs.procs.get_mut(&pid) {
        p.started = now;
    }
    k.session = Some(pid);
    pid
}

/// The login shell itself: it waits at its prompt; the lab's lines run as its children.
struct LoginShell;

impl Program for LoginShell {
    fn poll(&mut self, _sys: &mut Sys) -> Poll {
        Poll::Wait(None)
    }
}
