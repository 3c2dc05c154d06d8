//! The shell: runs one parsed command line on a node as a process. Builtins and tools that
//! finish at once run inline; programs (`ping`) run over virtual time, and the shell waits for
//! them as bash does. Pipes run their stages one after the other, each reading the previous
//! stage's whole output, which gives the same text in virtual time.

pub mod builtins;
pub mod devtcp;
pub mod lexer;
pub mod word;

use crate::kernel::process::{Poll, Program, Sys};
use crate::kernel::procfs::WriteError;
use crate::kernel::socket::OpenSocket;
use crate::sim::Time;
use crate::user::tools::{self, Command};
use lexer::{Connector, RedirOp, Script, SimpleCmd};

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
        }
    }

    /// A line of a terminal's shell, which starts with `$?` as the previous line left it.
    pub fn with_status(mut self, status: i32) -> Shell {
        self.status = status;
        self
    }

    /// The subshell of a `$(…)` one level below `parent_depth`.
    fn subshell(script: Script, parent_depth: usize) -> Shell {
        let mut s = Shell::new(script, Vec::new());
        s.depth = parent_depth + 1;
        s
    }

    fn expand(&self, sys: &Sys, cmd: &SimpleCmd) -> Vec<String> {
        let pid = sys.k.session.unwrap_or(sys.pid);
        let status = self.status;
        let host = sys.k.hostname.clone();
        // A lab line is `bash -c LINE`: no positional parameters, no background job yet.
        let var = move |v: &str| match v {
            "$" => pid.to_string(),
            "?" => status.to_string(),
            "#" => "0".into(),
            "0" => "bash".into(),
            "-" => "hBc".into(),
            "HOSTNAME" => host.clone(),
            "HOME" => "/root".into(),
            _ => String::new(),
        };
        let mut outputs = self.substs.clone().into_iter();
        cmd.argv
            .iter()
            .flat_map(|w| w.fields(&var, &mut outputs))
            .collect()
    }

    /// Starts the next command substitution `cmd` needs, if any: it runs as a subshell
    /// whose output is kept; the command is tried again when it ends. True when one runs.
    fn substitute(&mut self, sys: &mut Sys, cmd: &SimpleCmd, rest: &mut Vec<SimpleCmd>) -> bool {
        let pending: Vec<&str> = cmd.argv.iter().flat_map(|w| w.substitutions()).collect();
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
            prog: Box::new(Shell::subshell(script, self.depth)),
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
            let cmd = cmds.remove(0);
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
            match tools::lookup(&argv[0]) {
                Some(Command::Program(spawn)) => {
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
        self.status = match builtins::run(&mut child, argv, stdin) {
            Some(code) => code,
            None => {
                child.eprint(&format!("bash: {}: command not found\n", argv[0]));
                127
            }
        };
        let (out, err) = (child.out, child.err);
        self.route(sys, &argv[0], fds, out, err);
    }

    /// Applies redirections left to right, as bash does. Returns the fds for stdout/stderr
    /// and the stdin text, or None after printing bash's error.
    fn setup_redirs(
        &mut self,
        sys: &mut Sys,
        cmd: &SimpleCmd,
        last: bool,
    ) -> Result<([Dest; 2], String), Blocked> {
        let mut fds = [
            if last { Dest::Terminal } else { Dest::Pipe },
            Dest::Terminal,
        ];
        let mut stdin = std::mem::take(&mut self.pipe);
        for r in &cmd.redirs {
            let target = r.target.expand(&|_| String::new());
            if r.fd >= OPEN_MAX || (r.op == RedirOp::Dup && !self.dup_source_ok(sys, &target)) {
                let bad = if r.fd >= OPEN_MAX {
                    r.fd.to_string()
                } else {
                    target
                };
                sys.eprint(&format!("bash: {bad}: Bad file descriptor\n"));
                return Err(Blocked::Failed);
            }
            match (&r.op, r.fd) {
                (RedirOp::Out { .. }, 1 | 2) if target.starts_with("/dev/udp/") => {
                    let sock = devtcp::open_udp(sys, &target).ok_or(Blocked::Failed)?;
                    self.temps.push(sock);
                    fds[r.fd as usize - 1] = Dest::Socket(sock);
                }
                (RedirOp::Out { append }, 1 | 2) => {
                    let dest = file_dest(&target, *append);
                    if let Dest::File { path, append } = &dest {
                        if let Err(msg) = open_for_write(sys, path, *append) {
                            sys.eprint(&format!("bash: {target}: {msg}\n"));
                            return Err(Blocked::Failed);
                        }
                    }
                    fds[r.fd as usize - 1] = dest;
                }
                (RedirOp::Dup, 1 | 2) if target == "1" || target == "2" => {
                    let from: usize = if target == "1" { 0 } else { 1 };
                    fds[r.fd as usize - 1] = fds[from].clone();
                }
                (RedirOp::Dup, 0..=2) => match socket_fd(sys, &target) {
                    Some((_, id)) if r.fd != 0 => fds[r.fd as usize - 1] = Dest::Socket(id),
                    Some((_, _)) if self.drained => self.drained = false,
                    Some((n, id)) => return Err(Blocked::Drain(id, n)),
                    None => {
                        sys.eprint(&format!("bash: {target}: Bad file descriptor\n"));
                        return Err(Blocked::Failed);
                    }
                },
                (RedirOp::In, 0) => match sys.k.read_file(&target) {
                    Ok(data) => stdin = String::from_utf8_lossy(&data).into_owned(),
                    Err(e) => {
                        sys.eprint(&format!("bash: {target}: {}\n", e.message()));
                        return Err(Blocked::Failed);
                    }
                },
                (RedirOp::HereDoc, 0) => {
                    let i = self.heredoc_index(&target);
                    stdin = self.bodies.get(i).cloned().unwrap_or_default();
                }
                // Descriptors 3 and up: the programs here read 0 and write 1 and 2 only, so
                // what is set up there changes nothing they do.
                _ => {}
            }
        }
        Ok((fds, stdin))
    }

    /// The descriptor a `>&N` copies must be open: 0-2, `-` (close), or one `exec` opened.
    fn dup_source_ok(&self, sys: &mut Sys, target: &str) -> bool {
        match target.parse::<u32>() {
            Ok(0..=2) => true,
            Ok(n) if n >= OPEN_MAX => false,
            Ok(_) => socket_fd(sys, target).is_some(),
            Err(_) => target == "-",
        }
    }

    /// `exec` with only redirections: opens (`N<> /dev/tcp/H/P`) or closes (`N>&-`) the
    /// login shell's descriptors. Returns true when it must wait for a connection.
    fn exec_redirs(&mut self, sys: &mut Sys, cmd: &SimpleCmd) -> bool {
        self.status = 0;
        for r in &cmd.redirs {
            let target = r.target.expand(&|_| String::new());
            if r.fd >= OPEN_MAX {
                // dup2 onto it fails: past the node's limit of open files (ulimit -n).
                sys.eprint(&format!("bash: {}: Bad file descriptor\n", r.fd));
                self.status = 1;
                continue;
            }
            if r.op == RedirOp::Dup && target == "-" {
                let me = owner(sys);
                if let Some(sock) = sys.k.fds.remove(&(me, r.fd)) {
                    sock.close(sys.k, sys.ctx);
                }
                continue;
            }
            let Some((proto, host, port)) = devtcp::parse(&target) else {
                sys.eprint(&format!(
                    "bash: exec: only /dev/tcp, /dev/udp redirections and N>&- are simulated ({target})\n"
                ));
                self.status = 1;
                return false;
            };
            if proto == devtcp::Proto::Udp {
                let me = owner(sys);
                match devtcp::open_udp(sys, &target) {
                    Some(sock) => devtcp::install(sys, me, r.fd, sock),
                    None => self.status = 1,
                }
                continue;
            }
            let Some(ip) = sys.k.resolve(&host) else {
                sys.eprint(&format!(
                    "bash: {host}: Name or service not known\nbash: {target}: Invalid argument\n"
                ));
                self.status = 1;
                return false;
            };
            let me = owner(sys);
            match crate::kernel::tcp::connect(sys.k, sys.ctx, me, ip, port) {
                Ok(id) => {
                    let prog = Box::new(devtcp::Connect {
                        id,
                        fd: r.fd,
                        owner: me,
                        path: target,
                    });
                    self.running = Some(Running {
                        prog,
                        name: "bash".into(),
                        cmdline: String::new(),
                        fds: [Dest::Terminal, Dest::Terminal],
                        rest: Vec::new(),
                        subst: false,
                    });
                    return true;
                }
                Err(e) => {
                    sys.eprint(&format!(
                        "bash: connect: {}\nbash: {target}: {}\n",
                        e.message(),
                        e.message()
                    ));
                    self.status = 1;
                    return false;
                }
            }
        }
        false
    }

    fn close_temps(&mut self, sys: &mut Sys) {
        for sock in self.temps.drain(..) {
            sock.close(sys.k, sys.ctx);
        }
    }

    fn heredoc_index(&self, marker: &str) -> usize {
        self.script
            .heredocs
            .iter()
            .position(|m| m == marker)
            .unwrap_or(0)
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
                    if let Err(e) = sys.k.write_file(path, text.as_bytes(), true) {
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

/// The first `${…}` of the command that names nothing.
fn bad_substitution(cmd: &SimpleCmd) -> Option<String> {
    let targets = cmd.redirs.iter().map(|r| &r.target);
    cmd.argv
        .iter()
        .chain(targets)
        .find_map(|w| w.bad_substitution().map(str::to_string))
}

/// The socket behind descriptor `target` (a number) of the login shell, if open.
fn socket_fd(sys: &mut Sys, target: &str) -> Option<(u32, OpenSocket)> {
    let me = owner(sys);
    let n = target.parse::<u32>().ok()?;
    sys.k.fds.get(&(me, n)).map(|id| (n, *id))
}

/// The shell whose fds and `$$` a line uses: the terminal's login shell, started the first
/// time a line needs descriptors that outlive it (as the lab's terminal always had one).
pub(super) fn owner(sys: &mut Sys) -> u32 {
    if let Some(pid) = sys.k.session {
        return pid;
    }
    let pid = sys
        .k
        .procs
        .insert("bash", "-bash", Box::new(LoginShell), false);
    if let Some(p) = sys.k.procs.procs.get_mut(&pid) {
        p.started = sys.ctx.now;
    }
    sys.k.session = Some(pid);
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

fn file_dest(target: &str, append: bool) -> Dest {
    if target == "/dev/null" {
        Dest::Null
    } else {
        Dest::File {
            path: target.to_string(),
            append,
        }
    }
}

/// What `open(path, O_WRONLY|O_CREAT|(O_TRUNC or O_APPEND))` does before the command runs.
/// A /proc/sys file is not truncated: only the value written later counts.
fn open_for_write(sys: &mut Sys, path: &str, append: bool) -> Result<(), &'static str> {
    if crate::kernel::vfs::normalize(path).starts_with("/proc/") {
        return sys.k.read_file(path).map(|_| ()).map_err(|e| e.message());
    }
    sys.k
        .write_file(path, b"", append)
        .map_err(|e| write_error(&e))
}

fn write_error(e: &WriteError) -> &'static str {
    match e {
        WriteError::Fs(f) => f.message(),
        WriteError::Invalid => "Invalid argument",
    }
}

impl Program for Shell {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        loop {
            if self.running.is_some() {
                match self.poll_running(sys, false) {
                    Some(p @ (Poll::Wait(_) | Poll::Idle(_))) => return p,
                    _ => continue,
                }
            }
            if !self.start_next(sys) {
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
