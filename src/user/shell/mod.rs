//! The shell: runs one parsed command line on a node as a process. Builtins and tools that
//! finish at once run inline; programs (`ping`) run over virtual time, and the shell waits for
//! them as bash does. Pipes run their stages one after the other, each reading the previous
//! stage's whole output, which gives the same text in virtual time.

mod awk;
pub mod builtins;
pub mod devtcp;
mod glob;
mod grep;
pub mod lexer;
mod redir;
pub mod session;
mod textutils;
mod timeout;
pub mod word;

use crate::kernel::process::{Poll, Program, Sys};
use crate::kernel::socket::OpenSocket;
use crate::sim::Time;
use crate::user::tools::{self, Command};
use lexer::{Connector, Script, SimpleCmd};
use redir::write_error;

/// The soft limit of open files a node's processes have (`ulimit -n`, 1024 on Debian):
/// descriptors from here on cannot be opened.
const OPEN_MAX: u32 = 1024;

/// Where one of a command's output streams goes.
#[derive(Clone, Debug, PartialEq)]
enum Dest {
    Terminal,
    File {
        path: String,
        append: bool,
    },
    Null,
    /// Into the next pipeline stage.
    Pipe,
    /// A socket: opened with `exec N<> /dev/tcp/…` (`>&N`), or `> /dev/udp/H/P`.
    Socket(OpenSocket),
}

/// Why a command's redirections stopped it from running now.
enum Blocked {
    /// An error, already printed.
    Failed,
    /// `<&N`: the socket must be read to its end first.
    Drain(OpenSocket, u32),
}

/// A program the shell is waiting for.
struct Running {
    prog: Box<dyn Program>,
    name: String,
    /// The words it was started with, as `ps` shows them if it turns daemon.
    cmdline: String,
    fds: [Dest; 2],
    /// Later stages of the same pipeline.
    rest: Vec<SimpleCmd>,
    /// A command substitution: its output is kept for the command that asked for it.
    subst: bool,
}

pub struct Shell {
    script: Script,
    bodies: Vec<String>,
    next: usize,
    status: i32,
    running: Option<Running>,
    /// Output of the previous pipeline stage: the next stage's stdin.
    pipe: String,
    /// A `<&N` socket has been read to its end: the data is in `pipe`.
    drained: bool,
    /// Sockets a `> /dev/udp/H/P` opened for one command, closed when it ends.
    temps: Vec<OpenSocket>,
    /// The outputs of the current command's substitutions, in order.
    substs: Vec<String>,
    /// The pipe's contents while a substitution runs (a pipeline stage's stdin).
    stash: String,
    /// How deep in command substitutions this shell runs.
    depth: usize,
    /// What lasts from line to line: the terminal's session, or a script's own.
    session: session::Shared,
    /// An interactive shell (the terminal's) expands aliases; `bash -c` does not.
    interactive: bool,
    /// `$0`, `$1` … of `bash -c 'LINE' NAME ARGS`.
    params: Vec<String>,
    /// The working directory and environment were taken from the session.
    entered: bool,
    /// The environment the shell started with (its commands get it, plus what is exported).
    base_env: Vec<(String, String)>,
}

impl Shell {
    /// A shell for one line. `bodies` are the heredoc texts, in the order the line opens them.
    pub fn new(script: Script, bodies: Vec<String>) -> Shell {
        Shell {
            script,
            bodies,
            next: 0,
            status: 0,
            running: None,
            pipe: String::new(),
            drained: false,
            temps: Vec::new(),
            substs: Vec::new(),
            stash: String::new(),
            depth: 0,
            session: session::Session::default().shared(),
            interactive: false,
            params: vec!["bash".into()],
            entered: false,
            base_env: Vec::new(),
        }
    }

    /// A line typed at a node's terminal: it starts with `$?`, the directory, aliases and
    /// variables as the previous line left them, and leaves its own there.
    pub fn in_session(mut self, session: session::Shared) -> Shell {
        self.status = session.borrow().status;
        self.session = session;
        self.interactive = true;
        self
    }

    /// The subshell of a `$(…)` one level below `parent_depth`: a copy of the session
    /// (what it changes stays in it).
    fn subshell(&self, script: Script) -> Shell {
        let mut s = Shell::new(script, Vec::new());
        s.depth = self.depth + 1;
        s.session = self.session.borrow().clone().shared();
        s.params = self.params.clone();
        s
    }

    /// `bash -c LINE [NAME ARGS…]`: a non-interactive shell (no aliases) of its own.
    fn bash_c(&self, argv: &[String]) -> Result<Shell, String> {
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
    fn enter(&mut self, sys: &mut Sys) {
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

    /// An alias for the command's first word (unquoted), expanded as bash does before the
    /// command is read; an alias of an alias is expanded once more, never itself again.
    fn alias(&self, mut cmd: SimpleCmd) -> SimpleCmd {
        if !self.interactive {
            return cmd;
        }
        let mut seen = Vec::new();
        while let Some(first) = cmd.argv.first().filter(|w| !w.quoted) {
            let name = first.text();
            let Some(value) = self.session.borrow().aliases.get(&name).cloned() else {
                break;
            };
            if seen.contains(&name) {
                break;
            }
            seen.push(name);
            let Ok(script) = lexer::parse(&value) else {
                break;
            };
            let Some(words) = script.pipelines.first().and_then(|p| p.cmds.first()) else {
                break;
            };
            let mut argv = words.argv.clone();
            argv.extend(cmd.argv.drain(1..));
            cmd.argv = argv;
        }
        cmd
    }

    fn expand(&self, sys: &Sys, cmd: &SimpleCmd) -> Vec<String> {
        let var = self.vars(sys);
        let mut outputs = self.substs.clone().into_iter();
        cmd.argv
            .iter()
            .flat_map(|w| {
                let fields = w.fields(&var, &mut outputs);
                match w.quoted {
                    true => fields,
                    false => fields
                        .into_iter()
                        .flat_map(|f| glob::expand(sys, &f))
                        .collect(),
                }
            })
            .collect()
    }

    /// What `$NAME` reads: the special parameters, then the session's variables.
    fn vars(&self, sys: &Sys) -> impl Fn(&str) -> String {
        let pid = sys.k.session.unwrap_or(sys.pid);
        let status = self.status;
        let host = sys.k.hostname.clone();
        let params = self.params.clone();
        let vars = self.session.borrow().vars.clone();
        let pwd = self.session.borrow().cwd.clone();
        move |v: &str| match v {
            "$" => pid.to_string(),
            "?" => status.to_string(),
            "#" => (params.len() - 1).to_string(),
            "-" => "hBc".into(),
            "HOSTNAME" => host.clone(),
            "HOME" => "/root".into(),
            "PWD" => pwd.clone(),
            n if n.chars().all(|c| c.is_ascii_digit()) => n
                .parse::<usize>()
                .ok()
                .and_then(|i| params.get(i))
                .cloned()
                .unwrap_or_default(),
            n => vars.get(n).map(|(v, _)| v.clone()).unwrap_or_default(),
        }
    }

    /// `NAME=value …` before a command: with no command, shell variables; with one, its
    /// environment.
    fn assign(&mut self, sys: &mut Sys, cmd: &SimpleCmd, alone: bool) {
        let var = self.vars(sys);
        let mut outputs = self.substs.clone().into_iter();
        let words: Vec<String> = cmd
            .assigns
            .iter()
            .map(|w| w.fields(&var, &mut outputs).join(" "))
            .collect();
        let mut env = merge(&self.base_env, self.session.borrow().environ());
        for w in words {
            let Some((name, value)) = session::assignment(&w) else {
                continue;
            };
            if alone {
                let mut s = self.session.borrow_mut();
                let exported = s.vars.get(name).is_some_and(|(_, e)| *e);
                s.vars.insert(name.into(), (value.into(), exported));
            } else {
                env.retain(|(k, _)| k != name);
                env.push((name.into(), value.into()));
            }
        }
        if let Some(p) = sys.k.procs.procs.get_mut(&sys.pid) {
            p.env = env;
        }
    }

    /// Starts the next command substitution `cmd` needs, if any: it runs as a subshell
    /// whose output is kept; the command is tried again when it ends. True when one runs.
    fn substitute(&mut self, sys: &mut Sys, cmd: &SimpleCmd, rest: &mut Vec<SimpleCmd>) -> bool {
        let words = cmd.assigns.iter().chain(&cmd.argv);
        let pending: Vec<&str> = words.flat_map(|w| w.substitutions()).collect();
        let Some(line) = pending.get(self.substs.len()) else {
            return false;
        };
        if self.depth >= lexer::MAX_SUBST_DEPTH {
            sys.eprint("bash: command substitution: nested too deeply\n");
            self.substs.push(String::new());
            return self.substitute(sys, cmd, rest);
        }
        let script = match lexer::parse(line) {
            Ok(s) => s,
            Err(e) => {
                sys.eprint(&format!("bash: command substitution: {e}\n"));
                self.substs.push(String::new());
                return self.substitute(sys, cmd, rest);
            }
        };
        self.stash = std::mem::take(&mut self.pipe);
        let mut again = vec![cmd.clone()];
        again.append(rest);
        self.running = Some(Running {
            prog: Box::new(self.subshell(script)),
            name: "bash".into(),
            cmdline: String::new(),
            fds: [Dest::Pipe, Dest::Terminal],
            rest: again,
            subst: true,
        });
        true
    }

    /// Starts the next pipeline whose connector allows it. Returns false at the end.
    fn start_next(&mut self, sys: &mut Sys) -> bool {
        while let Some(p) = self.script.pipelines.get(self.next) {
            self.next += 1;
            let go = match p.connector {
                Connector::Always => true,
                Connector::And => self.status == 0,
                Connector::Or => self.status != 0,
            };
            if go {
                let cmds = p.cmds.clone();
                self.pipe.clear();
                self.run_stages(sys, cmds);
                return true;
            }
        }
        false
    }

    /// Runs stages inline until one is a long-running program (which becomes `running`).
    fn run_stages(&mut self, sys: &mut Sys, mut cmds: Vec<SimpleCmd>) {
        while !cmds.is_empty() {
            let cmd = self.alias(cmds.remove(0));
            let last = cmds.is_empty();
            if self.substitute(sys, &cmd, &mut cmds) {
                return;
            }
            if let Some(bad) = bad_substitution(&cmd) {
                // Bash stops a non-interactive script at an expansion error.
                sys.eprint(&format!("bash: {bad}: bad substitution\n"));
                self.status = 1;
                self.next = self.script.pipelines.len();
                return;
            }
            let argv = self.expand(sys, &cmd);
            self.assign(sys, &cmd, argv.is_empty());
            self.substs.clear();
            if argv == ["exec"] {
                if self.exec_redirs(sys, &cmd) {
                    // Waiting for a /dev/tcp connection; the rest follows when it is up.
                    if let Some(r) = self.running.as_mut() {
                        r.rest = cmds;
                    }
                    return;
                }
                continue;
            }
            let (fds, stdin) = match self.setup_redirs(sys, &cmd, last) {
                Ok(x) => x,
                Err(Blocked::Failed) => {
                    self.status = 1;
                    return;
                }
                Err(Blocked::Drain(sock, fd)) => {
                    let reader = cmd.argv.first().map_or_else(|| "bash".into(), |w| w.text());
                    cmds.insert(0, cmd);
                    self.drained = true;
                    let prog = Box::new(devtcp::Drain { sock, fd, reader });
                    self.running = Some(Running {
                        prog,
                        name: "bash".into(),
                        cmdline: String::new(),
                        fds: [Dest::Pipe, Dest::Terminal],
                        rest: cmds,
                        subst: false,
                    });
                    return;
                }
            };
            if argv.is_empty() {
                self.status = 0;
                continue;
            }
            if argv[0] == "exit" {
                // The script ends here, with the status given (or the last one).
                self.status = match argv.get(1).map(|a| a.parse::<i32>()) {
                    None => self.status,
                    Some(Ok(n)) => n & 0xff,
                    Some(Err(_)) => {
                        sys.eprint(&format!(
                            "bash: exit: {}: numeric argument required\n",
                            argv[1]
                        ));
                        2
                    }
                };
                self.next = self.script.pipelines.len();
                return;
            }
            let Some(argv) = self.env_command(sys, argv, &fds) else {
                continue;
            };
            if let Some(status) = self.own_builtin(sys, &argv, &fds) {
                self.status = status;
                continue;
            }
            if argv[0] == "timeout" {
                match self.start_timeout(sys, &argv) {
                    Ok(prog) => {
                        self.running = Some(Running {
                            prog,
                            name: "timeout".into(),
                            cmdline: argv.join(" "),
                            fds,
                            rest: cmds,
                            subst: false,
                        });
                        return;
                    }
                    Err((msg, code)) => {
                        self.route(sys, "timeout", &fds, String::new(), msg);
                        self.status = code;
                        continue;
                    }
                }
            }
            if argv[0] == "bash" || argv[0] == "sh" {
                if let Some(prog) = self.start_bash(sys, &argv, &fds) {
                    self.running = Some(Running {
                        prog,
                        name: argv[0].clone(),
                        cmdline: argv.join(" "),
                        fds,
                        rest: cmds,
                        subst: false,
                    });
                    return;
                }
                continue;
            }
            match tools::lookup(&argv[0]) {
                Some(Command::Program(spawn)) => {
                    exec_name(sys, &argv);
                    let mut prog = spawn(&argv);
                    prog.set_stdin(stdin);
                    self.running = Some(Running {
                        prog,
                        name: argv[0].clone(),
                        cmdline: argv.join(" "),
                        fds,
                        rest: cmds,
                        subst: false,
                    });
                    return;
                }
                Some(Command::Builtin(f)) => {
                    let mut child = child_sys(sys);
                    self.status = f(&mut child, &argv);
                    let (out, err) = (child.out, child.err);
                    self.route(sys, &argv[0], &fds, out, err);
                }
                None => self.run_builtin(sys, &argv, &stdin, &fds),
            }
            self.close_temps(sys);
        }
    }

    /// The builtins that read or change the session (cd, alias, export …).
    fn own_builtin(&mut self, sys: &mut Sys, argv: &[String], fds: &[Dest; 2]) -> Option<i32> {
        let mut child = child_sys(sys);
        let status = session::run(&mut child, &mut self.session.borrow_mut(), argv)?;
        let (out, err) = (child.out, child.err);
        self.route(sys, &argv[0], fds, out, err);
        Some(status)
    }

    /// `bash -c LINE` / `sh -c LINE` as a child shell; a bare `bash` is refused (netstep
    /// reads no script from standard input).
    fn start_bash(
        &mut self,
        sys: &mut Sys,
        argv: &[String],
        fds: &[Dest; 2],
    ) -> Option<Box<dyn Program>> {
        let result = match argv.get(1).map(String::as_str) {
            Some("-c") => self.bash_c(argv),
            _ => Err(format!(
                "netstep: {}: only `{} -c LINE` is simulated\n",
                argv[0], argv[0]
            )),
        };
        match result {
            Ok(shell) => Some(Box::new(shell)),
            Err(msg) => {
                self.route(sys, &argv[0], fds, String::new(), msg);
                self.status = 2;
                None
            }
        }
    }

    fn run_builtin(&mut self, sys: &mut Sys, argv: &[String], stdin: &str, fds: &[Dest; 2]) {
        if argv[0] == "sleep" {
            match builtins::sleep(argv) {
                Ok(ns) => {
                    let until = sys.now() + ns;
                    self.running = Some(Running {
                        prog: Box::new(Sleep(until)),
                        name: "sleep".into(),
                        cmdline: String::new(),
                        fds: fds.clone(),
                        rest: Vec::new(),
                        subst: false,
                    });
                }
                Err(msg) => {
                    sys.eprint(&msg);
                    self.status = 1;
                }
            }
            return;
        }
        let mut child = child_sys(sys);
        let ran = textutils::run(&mut child, argv, stdin);
        self.status = match ran.or_else(|| builtins::run(&mut child, argv, stdin)) {
            Some(code) => code,
            None => {
                child.eprint(&format!("bash: {}: command not found\n", argv[0]));
                127
            }
        };
        let (out, err) = (child.out, child.err);
        self.route(sys, &argv[0], fds, out, err);
    }

    /// Sends a command's output where its fds point.
    fn route(&mut self, sys: &mut Sys, name: &str, fds: &[Dest; 2], out: String, err: String) {
        for (dest, text) in fds.iter().zip([out, err]) {
            if text.is_empty() {
                continue;
            }
            match dest {
                Dest::Terminal => sys.print(&text),
                Dest::Null => {}
                Dest::Pipe => self.pipe.push_str(&text),
                Dest::Socket(sock) => {
                    if let Err(e) = devtcp::write(sys, *sock, text.as_bytes()) {
                        sys.eprint(&format!("bash: {name}: write error: {}\n", e.message()));
                        self.status = 1;
                    }
                }
                Dest::File { path, .. } => {
                    if let Err(e) = sys.write_file(path, text.as_bytes(), true) {
                        sys.eprint(&format!("bash: {name}: write error: {}\n", write_error(&e)));
                        self.status = 1;
                    }
                }
            }
        }
    }

    /// Polls the running program; returns its Poll after routing its output.
    fn poll_running(&mut self, sys: &mut Sys, interrupt: bool) -> Option<Poll> {
        let mut run = self.running.take()?;
        let mut child = child_sys(sys);
        let poll = if interrupt {
            Poll::Exit(run.prog.interrupt(&mut child))
        } else {
            run.prog.poll(&mut child)
        };
        let (out, err) = (child.out, child.err);
        self.route(sys, &run.name, &run.fds, out, err);
        match poll {
            Poll::Wait(_) | Poll::Idle(_) => {
                self.running = Some(run);
                Some(poll)
            }
            Poll::Daemon => {
                // The program goes on as its own background process; for the shell it is done.
                let rest = std::mem::take(&mut run.rest);
                let pid = sys.k.procs.insert(&run.name, &run.cmdline, run.prog, true);
                if let Some(p) = sys.k.procs.procs.get_mut(&pid) {
                    p.started = sys.ctx.now;
                    p.daemon = true;
                    // Nobody waits for a daemon: init reaps it when it ends.
                    p.waited = false;
                }
                sys.k.reown(sys.pid, pid);
                self.status = 0;
                self.run_stages(sys, rest);
                Some(Poll::Exit(0))
            }
            Poll::Exit(code) if run.subst => {
                // $(…) ended: its output is the next field; the command runs again.
                let out = std::mem::replace(&mut self.pipe, std::mem::take(&mut self.stash));
                self.substs.push(out);
                self.status = code;
                let rest = std::mem::take(&mut run.rest);
                self.run_stages(sys, rest);
                Some(Poll::Exit(code))
            }
            Poll::Exit(code) => {
                self.close_temps(sys);
                self.status = code;
                let rest = std::mem::take(&mut run.rest);
                self.run_stages(sys, rest);
                Some(Poll::Exit(code))
            }
        }
    }
}

/// The process now runs `argv` (bash forks each stage of a pipeline; here the stage that
/// runs over time is the process): `ps`, `netstat -p` and `pkill` see its name.
fn exec_name(sys: &mut Sys, argv: &[String]) {
    if Some(sys.pid) == sys.k.session {
        return;
    }
    if let Some(p) = sys.k.procs.procs.get_mut(&sys.pid) {
        p.name = argv[0].rsplit('/').next().unwrap_or(&argv[0]).to_string();
        p.cmdline = argv.join(" ");
    }
}

/// An environment with `more` set over `base` (later names replace earlier ones).
fn merge(base: &[(String, String)], more: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut env = base.to_vec();
    for (n, v) in more {
        match env.iter_mut().find(|(k, _)| *k == n) {
            Some(e) => e.1 = v,
            None => env.push((n, v)),
        }
    }
    env
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

/// The first `${…}` of the command that names nothing.
fn bad_substitution(cmd: &SimpleCmd) -> Option<String> {
    let targets = cmd.redirs.iter().map(|r| &r.target);
    cmd.argv
        .iter()
        .chain(targets)
        .find_map(|w| w.bad_substitution().map(str::to_string))
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

/// A Sys for a command the shell runs: same kernel and time, fresh output buffers.
fn child_sys<'a>(sys: &'a mut Sys) -> Sys<'a> {
    Sys {
        k: &mut *sys.k,
        ctx: &mut *sys.ctx,
        pid: sys.pid,
        out: String::new(),
        err: String::new(),
    }
}

impl Program for Shell {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        if !self.entered {
            self.enter(sys);
        }
        loop {
            if self.running.is_some() {
                match self.poll_running(sys, false) {
                    Some(p @ (Poll::Wait(_) | Poll::Idle(_))) => return p,
                    _ => continue,
                }
            }
            if !self.start_next(sys) {
                self.session.borrow_mut().status = self.status;
                return Poll::Exit(self.status);
            }
        }
    }

    /// Ctrl-C goes to the foreground program; the rest of the line is abandoned, as in bash.
    fn interrupt(&mut self, sys: &mut Sys) -> i32 {
        if self.running.is_some() {
            self.poll_running(sys, true);
        }
        self.next = self.script.pipelines.len();
        self.status
    }
}

/// `sleep N`: waits in virtual time.
struct Sleep(Time);

impl Program for Sleep {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        if sys.now() >= self.0 {
            Poll::Exit(0)
        } else {
            Poll::Wait(Some(self.0))
        }
    }
}
