//! Redirections as bash applies them, left to right: files, `/dev/null`, descriptor copies,
//! heredocs, `/dev/tcp` and `/dev/udp`, and `exec`'s descriptors of the login shell.

use super::lexer::{Part, RedirOp, SimpleCmd, Word};
use super::{devtcp, owner, Blocked, Dest, Running, Shell, OPEN_MAX};
use crate::kernel::process::Sys;
use crate::kernel::procfs::WriteError;
use crate::kernel::socket::OpenSocket;

impl Shell {
    /// Applies redirections left to right, as bash does. Returns the fds for stdout/stderr
    /// and the stdin text, or None after printing bash's error.
    pub(super) fn setup_redirs(
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
            let target = self.redir_target(sys, &r.target)?;
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
                (RedirOp::In, 0) => match sys.read_file(&target) {
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

    /// A redirection's word: variables expanded, and a glob that names one file taken as
    /// that file; several are bash's `ambiguous redirect`.
    fn redir_target(&self, sys: &mut Sys, word: &Word) -> Result<String, Blocked> {
        let text = word.expand(&self.vars(sys));
        if word.quoted || word.parts.iter().any(|p| matches!(p, Part::Var(_))) {
            return Ok(text);
        }
        let found = super::glob::matches(sys, &text);
        match found.len() {
            0 => Ok(text),
            1 => Ok(found[0].clone()),
            _ => {
                sys.eprint(&format!("bash: {text}: ambiguous redirect\n"));
                Err(Blocked::Failed)
            }
        }
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
    pub(super) fn exec_redirs(&mut self, sys: &mut Sys, cmd: &SimpleCmd) -> bool {
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

    pub(super) fn close_temps(&mut self, sys: &mut Sys) {
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
}

/// The socket behind descriptor `target` (a number) of the login shell, if open.
fn socket_fd(sys: &mut Sys, target: &str) -> Option<(u32, OpenSocket)> {
    let me = owner(sys);
    let n = target.parse::<u32>().ok()?;
    sys.k.fds.get(&(me, n)).map(|id| (n, *id))
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
        return sys.read_file(path).map(|_| ()).map_err(|e| e.message());
    }
    sys.k
        .write_file(path, b"", append)
        .map_err(|e| write_error(&e))
}

pub(super) fn write_error(e: &WriteError) -> &'static str {
    e.message()
}
