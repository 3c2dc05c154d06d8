//! keepalived.conf as keepalived 2.2.7 reads it.
//!
//! Each keepalived process parses the file for itself (lib/parser.c's process_stream): the
//! parent reads `global_defs`, the VRRP child the `vrrp_*` blocks, the checker child the
//! `virtual_server` blocks. A block that belongs to another process is skipped whole,
//! without a word about what is in it; a keyword nobody knows is reported by every process
//! that meets it. So one config gives three lists of messages, which is what keepalived
//! logs (and `keepalived -t` prints, parent first, then checker, then VRRP).

mod check_complete;
pub mod lexer;
pub mod numbers;
mod parse_check;
mod parse_checker;
mod parse_global;
mod parse_vrrp;
mod stream;
pub mod types;
mod vrrp_complete;

pub use parse_check::{fmt_vs, trio};
pub use types::*;

use lexer::Files;
use std::rc::Rc;

/// Which process is reading: its blocks are the active ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    Parent,
    Checker,
    Vrrp,
    /// The BFD child's reading: `keepalived -t` does it too (netstep runs no BFD child).
    Bfd,
}

/// A message keepalived reports while reading, with the line it was at (when it says one).
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub at: Option<(Rc<str>, usize)>,
    pub text: String,
    /// A config error (`-t` prints it), not just a log line.
    pub error: bool,
    /// It makes `-t` fail (a missing include and netstep's notes are printed, not counted).
    pub counts: bool,
}

/// What one pass read.
#[derive(Debug, Default)]
pub struct Parsed {
    pub cfg: Config,
    pub reports: Vec<Report>,
    pub several_files: bool,
    /// A missing parameter stopped the reading (keepalived exits with status 2).
    pub fatal: bool,
    /// The configuration read, but cannot run (the process exits with CONFIG, 2).
    pub invalid: bool,
    /// Scripts configured without enable_script_security (a security error: -t exits 6).
    pub security: bool,
}

impl Parsed {
    /// The messages as the process logs them: `(Line 7) …` from the parent of a one-file
    /// config, `(FILE: Line 7) …` otherwise (the children read the parent's copy).
    pub fn messages(&self, pass: Pass) -> Vec<String> {
        self.reports
            .iter()
            .map(|r| match &r.at {
                Some((f, n)) if pass != Pass::Parent || self.several_files => {
                    format!("({f}: Line {n}) {}", r.text)
                }
                Some((_, n)) => format!("(Line {n}) {}", r.text),
                None => r.text.clone(),
            })
            .collect()
    }

    pub fn has_errors(&self) -> bool {
        self.reports.iter().any(|r| r.error && r.counts)
    }

    /// What `keepalived -t` prints: the config errors (log lines go to syslog only).
    pub fn errors(&self, pass: Pass) -> Vec<String> {
        let all = self.messages(pass);
        self.reports
            .iter()
            .zip(all)
            .filter(|(r, _)| r.error)
            .map(|(_, m)| m)
            .collect()
    }
}

/// Reads `path` as process `pass` would. None: the file cannot be read. `test` is
/// `keepalived -t` (stricter numbers, no `WARNING - ` prefixes); `ifaces` are the node's
/// interfaces.
pub fn parse(
    files: &dyn Files,
    path: &str,
    (pass, test): (Pass, bool),
    ifaces: Vec<String>,
    global: Option<Global>,
) -> Option<Parsed> {
    let lexed = lexer::read(files, path, pass == Pass::Parent)?;
    let mut p = stream::Parser::new(files, lexed, (pass, test), ifaces);
    p.inherited = global;
    p.run();
    Some(p.finish())
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
