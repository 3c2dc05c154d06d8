//! `nslookup NAME [SERVER]` (BIND 9.18, non-interactive).
//!
//! It asks the first name server of /etc/resolv.conf (or SERVER) for A, then AAAA, trying
//! the search list as the resolver would, and prints:
//! `Server:`, `Address:` (SERVER#53), a blank line, then `NAME<TAB>canonical name = TARGET.`
//! for each CNAME and `Name:<TAB>NAME` / `Address: IP` for each address, and a blank line;
//! with `Non-authoritative answer:` above the records when the AA bit is clear, `** server
//! can't find NAME: NXDOMAIN` (exit 1) when no candidate exists, `*** Can't find NAME: No
//! answer` when the name has no address, and the communications errors and `;; no servers
//! could be reached` (exit 1) when the server is silent.

use super::dig_query::{self, Query, Status};
use crate::kernel::process::{Poll, Program, Sys};
use crate::user::dns::wire::{self, Message, RData};
use std::net::Ipv4Addr;

const USAGE: &str = "Usage: nslookup [-opt ...] [host [server]]\n";

pub struct Nslookup {
    args: Vec<String>,
    run: Option<Run>,
}

struct Run {
    /// The name as typed, which the failure message repeats.
    host: String,
    server: Ipv4Addr,
    names: Vec<String>,
    /// Which candidate name and which query type (0 = A, 1 = AAAA) is being asked.
    name: usize,
    aaaa: bool,
    query: Query,
    /// The Server/Address lines are out.
    printed: bool,
    /// The A query found records.
    found: bool,
}

pub fn spawn(args: &[String]) -> Box<dyn Program> {
    Box::new(Nslookup {
        args: args.to_vec(),
        run: None,
    })
}

impl Nslookup {
    fn start(&mut self, sys: &mut Sys) -> Result<(), i32> {
        let words: Vec<&String> = self
            .args
            .iter()
            .skip(1)
            .filter(|a| !a.starts_with('-'))
            .collect();
        let (host, server) = match words.as_slice() {
            [h] => (h.to_string(), None),
            [h, s] => (h.to_string(), Some(s.to_string())),
            _ => {
                // Interactive mode needs a terminal that talks back; a lab line cannot.
                sys.eprint(USAGE);
                return Err(1);
            }
        };
        let rc = dig_query::resolv_conf(sys);
        let server = match server {
            None => rc.servers()[0],
            Some(s) => s.parse().map_err(|_| {
                sys.eprint(&format!(
                    "nslookup: couldn't get address for '{s}': not found\n"
                ));
                1
            })?,
        };
        let names = crate::user::libc::resolv_conf::candidates(&rc, &host);
        let host = host.trim_end_matches('.').to_string();
        let query = ask(sys, server, &names[0], wire::A);
        self.run = Some(Run {
            host,
            server,
            names,
            name: 0,
            aaaa: false,
            query,
            printed: false,
            found: false,
        });
        Ok(())
    }
}

fn ask(sys: &mut Sys, server: Ipv4Addr, name: &str, qtype: u16) -> Query {
    let id = sys.k.rng.next_u32() as u16;
    let msg = Message::query(id, name, qtype, true);
    Query::new(server, 53, msg, dig_query::TRIES, dig_query::TIME)
}

impl Program for Nslookup {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        if self.run.is_none() {
            if let Err(code) = self.start(sys) {
                return Poll::Exit(code);
            }
        }
        let Some(run) = self.run.as_mut() else {
            return Poll::Exit(1);
        };
        // Bounded: each pass finishes, waits, or moves to the next name or query type.
        for _ in 0..=2 * run.names.len() {
            match run.query.poll(sys) {
                Status::Wait(t) => return Poll::Wait(Some(t)),
                Status::Unreachable => {
                    sys.print(";; no servers could be reached\n\n");
                    return Poll::Exit(1);
                }
                Status::Done(reply) => {
                    if let Some(code) = run.answered(sys, &reply.msg) {
                        return Poll::Exit(code);
                    }
                }
            }
        }
        Poll::Exit(1)
    }
}

impl Run {
    /// Handles one reply: Some(exit status) when nslookup is done, None when it asked again.
    fn answered(&mut self, sys: &mut Sys, m: &Message) -> Option<i32> {
        let name = self.names[self.name].clone();
        if !self.aaaa && m.header.rcode == wire::NXDOMAIN && self.name + 1 < self.names.len() {
            self.name += 1;
            self.query = ask(sys, self.server, &self.names[self.name], wire::A);
            return None;
        }
        if !self.printed {
            self.printed = true;
            sys.print(&format!(
                "Server:\t\t{0}\nAddress:\t{0}#53\n\n",
                self.server
            ));
        }
        if m.header.rcode != wire::NOERROR {
            let rcode = wire::rcode_name(m.header.rcode);
            sys.print(&format!("** server can't find {}: {rcode}\n\n", self.host));
            return Some(1);
        }
        // The AAAA pass repeats no CNAME: they were printed with the A answer.
        let text = records(m, !self.aaaa);
        if !self.aaaa {
            if !m.header.aa && !text.is_empty() {
                sys.print("Non-authoritative answer:\n");
            }
            sys.print(&text);
            self.aaaa = true;
            self.query = ask(sys, self.server, &name, wire::AAAA);
            self.found = !text.is_empty();
            return None;
        }
        sys.print(&text);
        if !self.found && text.is_empty() {
            sys.print(&format!("*** Can't find {name}: No answer\n"));
        }
        sys.print("\n");
        Some(0)
    }
}

/// `NAME<TAB>canonical name = TARGET.` for CNAMEs, `Name:`/`Address:` pairs for addresses.
fn records(m: &Message, cnames: bool) -> String {
    let mut s = String::new();
    for r in &m.answers {
        match &r.data {
            RData::Cname(t) if cnames => {
                s += &format!(
                    "{}\tcanonical name = {}.\n",
                    r.name,
                    t.trim_end_matches('.')
                )
            }
            RData::A(ip) => s += &format!("Name:\t{}\nAddress: {ip}\n", r.name),
            RData::Other(b) if r.rtype == wire::AAAA && b.len() == 16 => {
                let mut a = [0u8; 16];
                a.copy_from_slice(b);
                s += &format!(
                    "Name:\t{}\nAddress: {}\n",
                    r.name,
                    std::net::Ipv6Addr::from(a)
                );
            }
            _ => {}
        }
    }
    s
}
