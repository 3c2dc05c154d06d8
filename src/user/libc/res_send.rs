//! The stub resolver's query loop (glibc res_search → res_query → res_send), as a state
//! machine over virtual time.
//!
//! For each name the search list gives, each round (`attempts`) and each name server: open a
//! connected UDP socket, send an A and an AAAA query (getaddrinfo with AF_UNSPEC asks both,
//! which is why a capture shows two queries per name), and wait `timeout` seconds (later
//! rounds wait `timeout << round / servers`). A reply must come from the server's port 53,
//! carry our id and repeat our question. Then:
//! * an A record (after any CNAMEs) answers the lookup;
//! * NXDOMAIN or no A record: the name does not exist, try the next name of the search list;
//! * SERVFAIL, REFUSED, NOTIMP: ask the next server;
//! * port unreachable (ECONNREFUSED on the connected socket) or silence: the next server.
//!
//! When every server failed for a name by silence, glibc stops: "Temporary failure in name
//! resolution" (EAI_AGAIN). When only error codes came back it goes on with the next name and
//! reports EAI_AGAIN at the end if nothing was found.

use super::resolv_conf::{self, ResolvConf};
use crate::kernel::process::Sys;
use crate::kernel::socket::SockId;
use crate::kernel::udp;
use crate::sim::time::SEC;
use crate::sim::Time;
use crate::user::dns::wire::{self, Message, RData};
use crate::why;
use std::net::Ipv4Addr;

/// getaddrinfo's failures, with gai_strerror's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gai {
    /// EAI_NONAME: the name does not exist.
    NoName,
    /// EAI_AGAIN: no server could be asked (silence, refused, SERVFAIL).
    Again,
}

impl Gai {
    pub fn message(self) -> &'static str {
        match self {
            Gai::NoName => "Name or service not known",
            Gai::Again => "Temporary failure in name resolution",
        }
    }
}

/// A successful lookup: the address and the canonical name (the CNAME target, if any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub addr: Ipv4Addr,
    pub canon: String,
}

/// One outstanding try: the socket, the two query ids and what came back so far.
struct Try {
    sock: SockId,
    server: Ipv4Addr,
    ids: [u16; 2],
    replies: [Option<Message>; 2],
    deadline: Time,
}

pub struct Lookup {
    rc: ResolvConf,
    servers: Vec<Ipv4Addr>,
    names: Vec<String>,
    name: usize,
    /// Tries made for the current name: round × servers + server.
    tries: usize,
    /// A server answered with an error code for some name (glibc's got_servfail).
    servfail: bool,
    current: Option<Try>,
}

/// Why one try ended.
enum Outcome {
    Found(Resolved),
    /// NXDOMAIN or NODATA: move to the next candidate name.
    NoSuchName,
    /// SERVFAIL and friends: the next server.
    ServerError,
    /// Silence or port unreachable: the next server.
    NoAnswer,
}

impl Lookup {
    /// Reads /etc/resolv.conf now, as res_init does on the first lookup.
    pub fn new(sys: &mut Sys, name: &str) -> Lookup {
        let text = sys.read_file(resolv_conf::PATH).unwrap_or_default();
        let rc = resolv_conf::parse(&String::from_utf8_lossy(&text));
        for complaint in &rc.ignored {
            why!(
                sys.ctx,
                "resolver",
                "{complaint}: line ignored, as glibc does"
            );
        }
        Lookup {
            servers: rc.servers(),
            names: resolv_conf::candidates(&rc, name),
            rc,
            name: 0,
            tries: 0,
            servfail: false,
            current: None,
        }
    }

    /// When the current try gives up, for the program's next wake-up.
    pub fn wake(&self) -> Option<Time> {
        self.current.as_ref().map(|t| t.deadline)
    }

    /// Runs the loop as far as it can: Some(result) when done, None to wait for `wake()`.
    pub fn poll(&mut self, sys: &mut Sys) -> Option<Result<Resolved, Gai>> {
        // Bounded: every pass either waits, finishes, or moves to the next try or name.
        for _ in 0..=self.names.len() * (self.servers.len() * 5 + 1) {
            if self.current.is_none() {
                if self.name == self.names.len() {
                    let e = if self.servfail {
                        Gai::Again
                    } else {
                        Gai::NoName
                    };
                    return Some(Err(e));
                }
                self.send(sys);
            }
            let outcome = self.receive(sys)?;
            if let Some(t) = self.current.take() {
                sys.k.sockets.close(t.sock);
            }
            match outcome {
                Outcome::Found(r) => return Some(Ok(r)),
                Outcome::NoSuchName => self.next_name(),
                Outcome::ServerError => {
                    self.servfail = true;
                    self.next_server();
                }
                Outcome::NoAnswer => self.next_server(),
            }
            if self.tries == self.max_tries() {
                // Every server failed for this name. Silence ends the search (TRY_AGAIN).
                if !self.servfail {
                    return Some(Err(Gai::Again));
                }
                self.next_name();
            }
        }
        Some(Err(Gai::Again))
    }

    fn max_tries(&self) -> usize {
        self.servers.len() * self.rc.attempts as usize
    }

    fn next_name(&mut self) {
        self.name += 1;
        self.tries = 0;
    }

    fn next_server(&mut self) {
        self.tries += 1;
    }

    /// res_send's timeout: `timeout` in the first round, then `(timeout << round) / servers`.
    fn timeout(&self) -> u64 {
        let round = (self.tries / self.servers.len()) as u32;
        match round {
            0 => self.rc.timeout,
            r => ((self.rc.timeout << r) / self.servers.len() as u64).max(1),
        }
    }

    fn send(&mut self, sys: &mut Sys) {
        let server = self.servers[self.tries % self.servers.len()];
        let name = self.names[self.name].clone();
        let sock = udp::socket(sys.k, sys.pid);
        let ids = [sys.k.rng.next_u32() as u16, sys.k.rng.next_u32() as u16];
        let deadline = sys.now() + self.timeout() * SEC;
        why!(
            sys.ctx,
            "resolver",
            "ask {server} for {name} (A and AAAA), wait {} s",
            self.timeout()
        );
        let sent = udp::connect(sys.k, sock, server, 53).and_then(|_| {
            for (id, qtype) in ids.iter().zip([wire::A, wire::AAAA]) {
                let q = Message::query(*id, &name, qtype, true).encode();
                udp::sendto(sys.k, sys.ctx, sock, None, &q)?;
            }
            Ok(())
        });
        // A send that fails at once (no route) counts as a server that did not answer.
        let deadline = if sent.is_err() { sys.now() } else { deadline };
        self.current = Some(Try {
            sock,
            server,
            ids,
            replies: [None, None],
            deadline,
        });
    }

    /// Reads what arrived for the current try: an outcome, or None to keep waiting.
    fn receive(&mut self, sys: &mut Sys) -> Option<Outcome> {
        let name = self.names.get(self.name)?.clone();
        let t = self.current.as_mut()?;
        while let Some(got) = udp::recvfrom(sys.k, t.sock) {
            let Ok(d) = got else {
                why!(sys.ctx, "resolver", "{}: port unreachable", t.server);
                return Some(Outcome::NoAnswer);
            };
            match reply_for(t, &name, &d) {
                Ok(slot) => t.replies[slot] = Message::decode(&d.data).ok(),
                Err(why) => why!(sys.ctx, "resolver", "reply from {}: {why}", t.server),
            }
        }
        if let [Some(a), Some(_)] = &t.replies {
            return Some(judge(sys, t.server, &name, a));
        }
        if sys.now() >= t.deadline {
            why!(sys.ctx, "resolver", "{}: no answer in time", t.server);
            return Some(Outcome::NoAnswer);
        }
        None
    }
}

/// res_queriesmatch: the reply to which of our two queries, or why it is ignored.
fn reply_for(t: &Try, name: &str, d: &udp::Datagram) -> Result<usize, &'static str> {
    if d.from != (t.server, 53) {
        return Err("not from the server's port 53: ignored");
    }
    let m = Message::decode(&d.data).map_err(|_| "malformed: ignored")?;
    let slot = t
        .ids
        .iter()
        .position(|id| *id == m.header.id && m.header.qr)
        .ok_or("wrong id: ignored")?;
    match m.questions.first() {
        Some(q) if wire::name_eq(&q.name, name) => Ok(slot),
        _ => Err("does not repeat our question: ignored"),
    }
}

/// What the reply to the A query means.
fn judge(sys: &mut Sys, server: Ipv4Addr, name: &str, a: &Message) -> Outcome {
    let rcode = wire::rcode_name(a.header.rcode);
    match a.header.rcode {
        wire::NOERROR | wire::NXDOMAIN => {}
        _ => {
            why!(sys.ctx, "resolver", "{server} says {rcode} for {name}");
            return Outcome::ServerError;
        }
    }
    let found = a.answers.iter().find_map(|r| match r.data {
        RData::A(ip) => Some(Resolved {
            addr: ip,
            canon: r.name.clone(),
        }),
        _ => None,
    });
    match found {
        Some(r) => {
            why!(sys.ctx, "resolver", "{name} is {} ({server})", r.addr);
            Outcome::Found(r)
        }
        None => {
            why!(
                sys.ctx,
                "resolver",
                "{server}: {rcode}, no address for {name}"
            );
            Outcome::NoSuchName
        }
    }
}

#[cfg(test)]
#[path = "res_send_tests.rs"]
mod tests;
