//! `named` (BIND 9.18) as an authoritative-only server: `named [-c CONF] [-p PORT] [-f|-g]`.
//!
//! It reads named.conf (default /etc/bind/named.conf; the subset dns/conf.rs documents),
//! loads each `type master` zone from its BIND zone file, binds UDP port 53 on every IPv4
//! address the host has at start (as BIND does: one socket per address, so `netstat -nulp`
//! shows them, and an address added later is not served), then detaches unless `-f`/`-g`.
//!
//! Answers: authoritative data with AA set; NXDOMAIN or NODATA with the zone's SOA in the
//! authority section; REFUSED for names outside its zones (no recursion, RA clear); SERVFAIL
//! for a zone that failed to load; FORMERR and NOTIMP as BIND returns them. A configuration
//! error stops it with named's three lines; a zone file error is printed, that zone is left
//! out, and the others are served.

use crate::kernel::process::{Poll, Program, Sys};
use crate::kernel::socket::SockId;
use crate::kernel::udp;
use crate::user::dns::conf;
use crate::user::dns::wire::{self, Header, Message};
use crate::user::dns::zone::{self, Answer, Zone};
use crate::why;
use std::net::Ipv4Addr;

const CONF: &str = "/etc/bind/named.conf";
const USAGE: &str = "usage: named [-4|-6] [-c conffile] [-d debuglevel] [-D comment] [-E engine]\n             [-f|-g] [-L logfile] [-n number_of_cpus] [-p port] [-s]\n             [-S sockets] [-t chrootdir] [-u username] [-U listeners]\n             [-X lockfile] [-m {usage|trace|record|size|mctx}]\n             [-M fill|nofill]\nusage: named [-v|-V|-C]\n";

struct Opts {
    conf: String,
    port: Option<u16>,
    foreground: bool,
}

/// A configured zone: its data, or None when its file did not load (answers SERVFAIL).
struct Served {
    name: String,
    zone: Option<Zone>,
}

pub struct Named {
    args: Vec<String>,
    zones: Vec<Served>,
    socks: Vec<SockId>,
    started: bool,
}

pub fn spawn(args: &[String]) -> Box<dyn Program> {
    Box::new(Named {
        args: args.to_vec(),
        zones: Vec::new(),
        socks: Vec::new(),
        started: false,
    })
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        conf: CONF.to_string(),
        port: None,
        foreground: false,
    };
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "-c" | "-p" => {
                let v = it.next().ok_or_else(|| {
                    format!(
                        "named: option requires an argument -- '{}'\n{USAGE}",
                        &a[1..]
                    )
                })?;
                if a == "-c" {
                    o.conf = v.clone();
                } else {
                    let port = v
                        .parse()
                        .map_err(|_| format!("port '{v}' out of range\n"))?;
                    o.port = Some(port);
                }
            }
            "-f" | "-g" => o.foreground = true,
            "-4" => {}
            _ => return Err(format!("named: unknown option '{a}'\n{USAGE}")),
        }
    }
    Ok(o)
}

/// named's last words on a fatal configuration problem.
fn fatal(sys: &mut Sys, what: &str) -> Poll {
    sys.eprint(&format!(
        "{what}\nloading configuration: failure\nexiting (due to fatal error)\n"
    ));
    Poll::Exit(1)
}

impl Named {
    fn start(&mut self, sys: &mut Sys) -> Poll {
        let o = match parse(&self.args) {
            Ok(o) => o,
            Err(text) => {
                sys.eprint(&text);
                return Poll::Exit(1);
            }
        };
        let text = match sys.read_file(&o.conf) {
            Ok(t) => String::from_utf8_lossy(&t).into_owned(),
            Err(_) => return fatal(sys, &format!("open: {}: file not found", o.conf)),
        };
        let cfg = match conf::parse(&text, &o.conf) {
            Ok(c) => c,
            Err(e) => return fatal(sys, &e),
        };
        for z in &cfg.zones {
            let zone = self.load(sys, &z.name, &z.file);
            self.zones.push(Served {
                name: z.name.clone(),
                zone,
            });
        }
        let port = o.port.unwrap_or(cfg.listen_port);
        if let Err(e) = self.listen(sys, port) {
            return fatal(sys, &format!("binding UDP port {port}: {}", e.message()));
        }
        match o.foreground {
            true => Poll::Wait(None),
            false => Poll::Daemon,
        }
    }

    /// Loads one zone file; an error is printed as named-checkzone words it and the zone is
    /// served as SERVFAIL, as BIND does with a zone "not loaded due to errors".
    fn load(&self, sys: &mut Sys, name: &str, file: &str) -> Option<Zone> {
        let loaded = match sys.read_file(file) {
            Ok(t) => zone::parse(&String::from_utf8_lossy(&t), name, file),
            Err(_) => Err(format!(
                "zone {name}/IN: loading from master file {file} failed: file not found"
            )),
        };
        match loaded {
            Ok(z) => {
                why!(
                    sys.ctx,
                    "named",
                    "zone {name}/IN: loaded ({} records)",
                    z.records.len()
                );
                Some(z)
            }
            Err(e) => {
                sys.eprint(&format!("{e}\nzone {name}/IN: not loaded due to errors.\n"));
                None
            }
        }
    }

    fn listen(&mut self, sys: &mut Sys, port: u16) -> Result<(), crate::kernel::ip_output::Errno> {
        let addrs: Vec<Ipv4Addr> = sys
            .k
            .devs
            .iter()
            .filter(|d| d.up)
            .flat_map(|d| d.addrs.iter().map(|a| a.addr))
            .collect();
        for addr in addrs {
            let sock = udp::socket(sys.k, sys.pid);
            // BIND replies without DF (IP_PMTUDISC_OMIT) so answers are never lost to PMTU.
            udp::set_options(sys.k, sock, None, false, false);
            udp::bind(sys.k, sock, addr, port)?;
            why!(
                sys.ctx,
                "named",
                "listening on IPv4 interface {addr}#{port}"
            );
            self.socks.push(sock);
        }
        Ok(())
    }

    fn serve(&mut self, sys: &mut Sys) {
        for sock in self.socks.clone() {
            while let Some(Ok(d)) = udp::recvfrom(sys.k, sock) {
                if let Some(reply) = self.answer(sys, &d.data, d.from) {
                    // No EDNS: a UDP reply carries at most 512 bytes (TC when cut).
                    let wire = reply.encode_within(512);
                    let _ = udp::sendto(sys.k, sys.ctx, sock, Some(d.from), &wire);
                }
            }
        }
    }

    /// The reply to one datagram, or None when it is too broken to answer (no header).
    fn answer(&self, sys: &mut Sys, data: &[u8], from: (Ipv4Addr, u16)) -> Option<Message> {
        let q = match Message::decode(data) {
            Ok(q) if !q.header.qr => q,
            Ok(_) => return None,
            Err(e) => {
                let id = u16::from_be_bytes([*data.first()?, *data.get(1)?]);
                why!(
                    sys.ctx,
                    "named",
                    "malformed query from {}: {e}: FORMERR",
                    from.0
                );
                return Some(reply(id, None, wire::FORMERR));
            }
        };
        let question = q.questions.first().cloned();
        let mut r = reply(q.header.id, question.clone(), wire::NOERROR);
        r.header.rd = q.header.rd;
        let Some(question) = question.filter(|_| q.header.opcode == 0 && q.questions.len() == 1)
        else {
            r.header.rcode = wire::NOTIMP;
            return Some(r);
        };
        let (name, qtype) = (question.name.as_str(), question.qtype);
        let tname = wire::type_name(qtype);
        let Some(served) = self.zone_for(name) else {
            why!(
                sys.ctx,
                "named",
                "{name} {tname}? from {}: not our zone, no recursion: REFUSED",
                from.0
            );
            r.header.rcode = wire::REFUSED;
            return Some(r);
        };
        let Some(zone) = &served.zone else {
            why!(
                sys.ctx,
                "named",
                "{name} {tname}?: zone {} not loaded: SERVFAIL",
                served.name
            );
            r.header.rcode = wire::SERVFAIL;
            return Some(r);
        };
        r.header.aa = true;
        match zone.lookup(name, qtype) {
            Answer::Records { answers } => r.answers = answers,
            Answer::NoData { soa } => r.authority = vec![soa],
            Answer::NxDomain { soa } => {
                r.header.rcode = wire::NXDOMAIN;
                r.authority = vec![soa];
            }
            Answer::NotAuth => {
                r.header.aa = false;
                r.header.rcode = wire::REFUSED;
            }
        }
        why!(
            sys.ctx,
            "named",
            "{name} {tname}? from {}: {}",
            from.0,
            summary(&r)
        );
        Some(r)
    }

    /// The most specific zone that contains `name`.
    fn zone_for(&self, name: &str) -> Option<&Served> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        self.zones
            .iter()
            .filter(|z| {
                let origin = z.name.to_ascii_lowercase();
                origin.is_empty() || name == origin || name.ends_with(&format!(".{origin}"))
            })
            .max_by_key(|z| z.name.len())
    }
}

fn reply(id: u16, question: Option<wire::Question>, rcode: u8) -> Message {
    Message {
        header: Header {
            id,
            qr: true,
            rcode,
            ..Header::default()
        },
        questions: question.into_iter().collect(),
        answers: Vec::new(),
        authority: Vec::new(),
        additional: Vec::new(),
    }
}

/// `10.0.2.80 (authoritative)`, `NXDOMAIN`: what the trace says the server answered.
fn summary(r: &Message) -> String {
    let rcode = wire::rcode_name(r.header.rcode);
    match (r.answers.is_empty(), r.header.rcode) {
        (true, wire::NOERROR) => return "NOERROR, no data".to_string(),
        (true, _) => return rcode.to_string(),
        _ => {}
    }
    let data: Vec<String> = r
        .answers
        .iter()
        .map(|a| wire::format_rdata(&a.data))
        .collect();
    format!("{} (authoritative)", data.join(", "))
}

impl Program for Named {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        if !self.started {
            self.started = true;
            return self.start(sys);
        }
        self.serve(sys);
        Poll::Wait(None)
    }

    fn interrupt(&mut self, sys: &mut Sys) -> i32 {
        for s in self.socks.drain(..) {
            sys.k.sockets.close(s);
        }
        0
    }
}

#[cfg(test)]
#[path = "named_tests.rs"]
mod tests;
