//! What an interactive bash keeps from one line to the next: `$?`, the working directory,
//! aliases and variables (exported or not). A node's terminal has one session that every lab
//! or REPL line shares; scripts (keepalived's, systemd's) get a fresh one each.
//! And the builtins that read or change it: `cd`, `pwd`, `alias`, `unalias`, `export`,
//! `unset`, `type`, and `NAME=value` assignments.

use crate::kernel::process::Sys;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

#[derive(Clone, Debug)]
pub struct Session {
    pub status: i32,
    pub cwd: String,
    pub oldpwd: Option<String>,
    pub aliases: BTreeMap<String, String>,
    /// Shell variables, and whether each is exported to the commands' environment.
    pub vars: BTreeMap<String, (String, bool)>,
}

pub type Shared = Rc<RefCell<Session>>;

impl Default for Session {
    fn default() -> Session {
        Session {
            status: 0,
            cwd: "/root".into(),
            oldpwd: None,
            aliases: BTreeMap::new(),
            vars: BTreeMap::new(),
        }
    }
}

impl Session {
    pub fn shared(self) -> Shared {
        Rc::new(RefCell::new(self))
    }

    /// root's login shell on a distribution: CentOS 7 defines aliases in root's `.bashrc`
    /// (`rm`, `cp`, `mv` with `-i`) and in /etc/profile.d (`ls`, `ll`, `l.` and grep's
    /// colours); Debian 12 defines none (docs/shell-real.md §2).
    pub fn login(centos: bool) -> Session {
        let mut s = Session::default();
        if centos {
            for (name, value) in [
                ("cp", "cp -i"),
                ("egrep", "egrep --color=auto"),
                ("fgrep", "fgrep --color=auto"),
                ("grep", "grep --color=auto"),
                ("l.", "ls -d .* --color=auto"),
                ("ll", "ls -l --color=auto"),
                ("ls", "ls --color=auto"),
                ("mv", "mv -i"),
                ("rm", "rm -i"),
            ] {
                s.aliases.insert(name.into(), value.into());
            }
        }
        s
    }

    /// The environment a command gets: the exported variables.
    pub fn environ(&self) -> Vec<(String, String)> {
        let exported = self.vars.iter().filter(|(_, (_, e))| *e);
        exported.map(|(n, (v, _))| (n.clone(), v.clone())).collect()
    }
}

/// A valid variable name (bash's legal_identifier).
pub fn is_name(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A word that assigns: `NAME=value`.
pub fn assignment(word: &str) -> Option<(&str, &str)> {
    word.split_once('=').filter(|(n, _)| is_name(n))
}

/// Runs one of the session's builtins; None if `argv[0]` is not one.
pub fn run(sys: &mut Sys, s: &mut Session, argv: &[String]) -> Option<i32> {
    let args = &argv[1..];
    Some(match argv[0].as_str() {
        "cd" => cd(sys, s, args),
        "pwd" => pwd(sys, s, args),
        "alias" => alias(sys, s, args),
        "unalias" => unalias(sys, s, args),
        "export" | "declare" if args.first().is_some_and(|a| a == "-p") || args.is_empty() => {
            list_exported(sys, s)
        }
        "export" => export(sys, s, args),
        "unset" => {
            for a in args {
                s.vars.remove(a);
            }
            0
        }
        "type" => type_(sys, s, args),
        _ => return None,
    })
}

/// `cd [DIR|-]`: no argument is $HOME; `-` goes back and prints where.
fn cd(sys: &mut Sys, s: &mut Session, args: &[String]) -> i32 {
    let target = match args.first().map(String::as_str) {
        None => "/root".to_string(),
        Some("-") => match s.oldpwd.clone() {
            Some(d) => {
                sys.print(&format!("{d}\n"));
                d
            }
            None => {
                sys.eprint("bash: cd: OLDPWD not set\n");
                return 1;
            }
        },
        Some(d) => d.to_string(),
    };
    if args.len() > 1 {
        sys.eprint("bash: cd: too many arguments\n");
        return 1;
    }
    // The logical path, as bash keeps it (`cd -L`): relative to $PWD, /proc/self kept.
    let logical = match target.starts_with('/') {
        true => crate::kernel::vfs::normalize(&target).into_owned(),
        false => crate::kernel::vfs::normalize(&format!("{}/{target}", s.cwd)).into_owned(),
    };
    if let Err(msg) = sys.chdir(&logical) {
        sys.eprint(&format!("bash: cd: {target}: {msg}\n"));
        return 1;
    }
    s.oldpwd = Some(std::mem::replace(&mut s.cwd, logical));
    0
}

/// `pwd [-L|-P]`: the logical directory, or with -P the one the kernel has.
fn pwd(sys: &mut Sys, s: &Session, args: &[String]) -> i32 {
    let dir = match args.iter().any(|a| a == "-P") {
        true => sys.cwd(),
        false => s.cwd.clone(),
    };
    sys.print(&format!("{dir}\n"));
    0
}

/// bash quotes an alias's value in single quotes, a quote inside as `'\''`.
fn quoted(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

fn alias(sys: &mut Sys, s: &mut Session, args: &[String]) -> i32 {
    let args: Vec<&String> = args.iter().filter(|a| *a != "-p").collect();
    if args.is_empty() {
        for (n, v) in &s.aliases {
            sys.print(&format!("alias {n}={}\n", quoted(v)));
        }
        return 0;
    }
    let mut status = 0;
    for a in args {
        match a.split_once('=') {
            Some((name, value)) => {
                s.aliases.insert(name.to_string(), value.to_string());
            }
            None => match s.aliases.get(a.as_str()) {
                Some(v) => sys.print(&format!("alias {a}={}\n", quoted(v))),
                None => {
                    sys.eprint(&format!("bash: alias: {a}: not found\n"));
                    status = 1;
                }
            },
        }
    }
    status
}

fn unalias(sys: &mut Sys, s: &mut Session, args: &[String]) -> i32 {
    if args.is_empty() {
        sys.eprint("unalias: usage: unalias [-a] name [name ...]\n");
        return 2;
    }
    if args.iter().any(|a| a == "-a") {
        s.aliases.clear();
        return 0;
    }
    let mut status = 0;
    for a in args {
        if s.aliases.remove(a.as_str()).is_none() {
            sys.eprint(&format!("bash: unalias: {a}: not found\n"));
            status = 1;
        }
    }
    status
}

fn list_exported(sys: &mut Sys, s: &Session) -> i32 {
    for (n, (v, exported)) in &s.vars {
        if *exported {
            sys.print(&format!("declare -x {n}=\"{v}\"\n"));
        }
    }
    0
}

/// `export NAME[=value] …`.
fn export(sys: &mut Sys, s: &mut Session, args: &[String]) -> i32 {
    let mut status = 0;
    for a in args {
        let (name, value) = a.split_once('=').unwrap_or((a, ""));
        if !is_name(name) {
            sys.eprint(&format!("bash: export: `{a}': not a valid identifier\n"));
            status = 1;
            continue;
        }
        let old = s.vars.get(name).map(|(v, _)| v.clone());
        let value = match a.contains('=') {
            true => value.to_string(),
            false => old.unwrap_or_default(),
        };
        s.vars.insert(name.to_string(), (value, true));
    }
    status
}

/// `type NAME …`: an alias, a shell builtin, or a file on the PATH.
fn type_(sys: &mut Sys, s: &Session, args: &[String]) -> i32 {
    let mut status = 0;
    for name in args.iter().filter(|a| !a.starts_with('-')) {
        if let Some(v) = s.aliases.get(name.as_str()) {
            sys.print(&format!("{name} is aliased to `{v}'\n"));
        } else if super::is_shell_builtin(name) {
            sys.print(&format!("{name} is a shell builtin\n"));
        } else if let Some(path) = super::which(name) {
            sys.print(&format!("{name} is {path}\n"));
        } else {
            sys.eprint(&format!("bash: type: {name}: not found\n"));
            status = 1;
        }
    }
    status
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
