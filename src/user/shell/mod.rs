//! The shell: runs one parsed command line on a node as a process. Builtins and tools that
//! finish at once run inline; programs (`ping`) run over virtual time, and the shell waits for
//! them as bash does. Pipes run their stages one after the other, each reading the previous
//! stage's whole output, which gives the same text in virtual time.

mod awk;
pub mod builtins;
pub mod devtcp;
mod expand;
mod glob;
mod grep;
pub mod lexer;
mod login;
mod redir;
pub mod session;
mod textutils;
mod timeout;
pub mod word;

use crate::kernel::process::{Poll, Program, Sys};
use crate::kernel::socket::OpenSocket;
use crate::sim::Time;
use crate::user::tools::{self, Command};
use expand::bad_substitution;
use lexer::{Connector, Script, SimpleCmd};
use login::{exec_name, owner};
pub use login::{is_shell_builtin, login_shell, which};
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
                    Ok(prog) => return self.wait_for(prog, &argv, fds, cmds),
                    Err((msg, code)) => {
                        self.route(sys, "timeout", &fds, String::new(), msg);
                        self.status = code;
                        continue;
                    }
                }
            }
            if argv[0] == "bash" || argv[0] == "sh" {
                if let Some(prog) = self.start_bash(sys, &argv, &fds) {
                    return self.wait_for(prog, &argv, fds, cmds);
                }
                continue;
            }
            match tools::lookup(&argv[0]) {
                Some(Command::Program(spawn)) => {
                    exec_name(sys, &argv);
                    let mut prog = spawn(&argv);
                    prog.set_stdin(stdin);
                    return self.wait_for(prog, &argv, fds, cmds);
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

    /// A program started for `argv`: the shell waits for it, then runs `rest`.
    fn wait_for(
        &mut self,
        prog: Box<dyn Program>,
        argv: &[String],
        fds: [Dest; 2],
        rest: Vec<SimpleCmd>,
    ) {
        self.running = Some(Running {
            prog,
            name: argv[0].clone(),
            cmdline: argv.join(" "),
            fds,
            rest,
            subst: false,
        });
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
