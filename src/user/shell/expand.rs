//! Expansion, as bash does it before a command runs: aliases in the first word, `$NAME` and
//! the special parameters, command substitutions (each run as a subshell first), globs,
//! and the `NAME=value` words before a command.

use super::lexer::{self, SimpleCmd};
use super::{glob, session, Dest, Running, Shell};
use crate::kernel::process::Sys;

impl Shell {
    /// An alias for the command's first word (unquoted), expanded as bash does before the
    /// command is read; an alias of an alias is expanded once more, never itself again.
    pub(super) fn alias(&self, mut cmd: SimpleCmd) -> SimpleCmd {
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

    pub(super) fn expand(&self, sys: &Sys, cmd: &SimpleCmd) -> Vec<String> {
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
    pub(super) fn vars(&self, sys: &Sys) -> impl Fn(&str) -> String {
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
    pub(super) fn assign(&mut self, sys: &mut Sys, cmd: &SimpleCmd, alone: bool) {
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
    pub(super) fn substitute(
        &mut self,
        sys: &mut Sys,
        cmd: &SimpleCmd,
        rest: &mut Vec<SimpleCmd>,
    ) -> bool {
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
}

/// An environment with `more` set over `base` (later names replace earlier ones).
pub(super) fn merge(
    base: &[(String, String)],
    more: Vec<(String, String)>,
) -> Vec<(String, String)> {
    let mut env = base.to_vec();
    for (n, v) in more {
        match env.iter_mut().find(|(k, _)| *k == n) {
            Some(e) => e.1 = v,
            None => env.push((n, v)),
        }
    }
    env
}

/// The first `${…}` of the command that names nothing.
pub(super) fn bad_substitution(cmd: &SimpleCmd) -> Option<String> {
    let targets = cmd.redirs.iter().map(|r| &r.target);
    cmd.argv
        .iter()
        .chain(targets)
        .find_map(|w| w.bad_substitution().map(str::to_string))
}
