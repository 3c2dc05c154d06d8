//! getaddrinfo(3) for one IPv4 name: a dotted quad, then /etc/hosts, then DNS.
//!
//! A real program calls getaddrinfo and blocks while the resolver talks to the name server.
//! Here `resolving` wraps a program: it runs the DNS lookup first (the blocked call), then
//! starts the program with the answer in hand, and the program's own code asks
//! [`getaddrinfo`] as it would have asked libc, and prints its own error messages.

use super::res_send::{Gai, Lookup, Resolved};
use crate::kernel::process::{Poll, Program, Sys};
use std::net::Ipv4Addr;

/// What the DNS said about a name, handed to the program that asked.
#[derive(Clone, Debug, Default)]
pub struct Answers(Vec<(String, Result<Resolved, Gai>)>);

/// Builds the program once the lookup is over.
pub type Start = fn(&[String], Answers) -> Box<dyn Program>;

/// The answer for `name`: a dotted quad as is, the first /etc/hosts line naming it (its first
/// name is canonical), or what the DNS lookup before the program started said.
pub fn getaddrinfo(sys: &Sys, name: &str, answers: &Answers) -> Result<Resolved, Gai> {
    if let Some(r) = files(sys, name) {
        return Ok(r);
    }
    answers
        .0
        .iter()
        .find(|(n, _)| n == name)
        .map_or(Err(Gai::NoName), |(_, r)| r.clone())
}

/// The `files` source of nsswitch (and a literal address, which needs no source at all).
fn files(sys: &Sys, name: &str) -> Option<Resolved> {
    if let Ok(addr) = name.parse::<Ipv4Addr>() {
        return Some(Resolved {
            addr,
            canon: name.to_string(),
        });
    }
    let entries = crate::kernel::procfs::hosts_entries(sys.k);
    let (addr, names) = entries
        .into_iter()
        .find(|(_, names)| names.iter().any(|n| n == name))?;
    let canon = names.into_iter().next().unwrap_or_default();
    Some(Resolved { addr, canon })
}

/// Wraps `start`: when `host` needs DNS, the lookup runs first.
pub fn resolving(args: &[String], host: Option<String>, start: Start) -> Box<dyn Program> {
    Box::new(Resolving {
        args: args.to_vec(),
        host,
        start,
        lookup: None,
        answers: Answers::default(),
        stdin: None,
        prog: None,
    })
}

struct Resolving {
    args: Vec<String>,
    host: Option<String>,
    start: Start,
    lookup: Option<Lookup>,
    answers: Answers,
    stdin: Option<String>,
    prog: Option<Box<dyn Program>>,
}

impl Resolving {
    /// Some(wake) while the lookup is still waiting for the name server.
    fn resolve(&mut self, sys: &mut Sys) -> Option<Option<crate::sim::Time>> {
        let host = self.host.clone()?;
        if files(sys, &host).is_some() {
            return None;
        }
        let lookup = self.lookup.get_or_insert_with(|| Lookup::new(sys, &host));
        match lookup.poll(sys) {
            None => Some(lookup.wake()),
            Some(result) => {
                self.answers.0.push((host, result));
                self.host = None;
                None
            }
        }
    }
}

impl Program for Resolving {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        if self.prog.is_none() {
            if let Some(wake) = self.resolve(sys) {
                return Poll::Wait(wake);
            }
            let mut prog = (self.start)(&self.args, std::mem::take(&mut self.answers));
            if let Some(stdin) = self.stdin.take() {
                prog.set_stdin(stdin);
            }
            self.prog = Some(prog);
        }
        match self.prog.as_mut() {
            Some(p) => p.poll(sys),
            None => Poll::Exit(1),
        }
    }

    /// Ctrl-C during the lookup ends the program before it printed anything, as it would
    /// interrupt a process blocked in getaddrinfo.
    fn interrupt(&mut self, sys: &mut Sys) -> i32 {
        match self.prog.as_mut() {
            Some(p) => p.interrupt(sys),
            None => 130,
        }
    }

    fn set_stdin(&mut self, data: String) {
        match self.prog.as_mut() {
            Some(p) => p.set_stdin(data),
            None => self.stdin = Some(data),
        }
    }
}
