//! `dig` (BIND 9.18): `dig [@SERVER] [-p PORT] [-t TYPE] NAME [TYPE] [+short] [+time=N]
//! [+tries=N|+retry=N] [+[no]search] [+[no]recurse] [+noall] [+answer] [+[no]question]
//! [+[no]authority] [+[no]stats] [+[no]cmd] [+[no]comments]`.
//!
//! The full output is dig's, section by section, with records in master-file layout (tab
//! columns 24/32/40/48). netstep's dig sends no EDNS option, so there is no OPT
//! PSEUDOSECTION (as with `+noedns`). `+short` prints the answers' data only. Exit status:
//! 0 with any reply (NXDOMAIN included), 9 when no server answered, 1 for a usage error.

use super::dig_query::{self, Query, Reply, Status};
use crate::kernel::process::{Poll, Program, Sys};
use crate::user::dns::wire::{self, Message, Record};
use std::net::Ipv4Addr;

const VERSION: &str = "9.18.28-1~deb12u2-Debian";
const USAGE: &str = "Usage:  dig [@global-server] [domain] [q-type] [q-class] {q-opt}\n            {global-d-opt} host [@local-server] {local-d-opt}\n            [ host [@local-server] {local-d-opt} [...]]\n\nUse \"dig -h\" (or \"dig -h | more\") for complete list of options\n";

/// What to print: dig's display flags.
#[derive(Clone, Copy)]
struct Show {
    cmd: bool,
    comments: bool,
    question: bool,
    answer: bool,
    authority: bool,
    stats: bool,
}

struct Opts {
    server: Option<Ipv4Addr>,
    port: u16,
    name: String,
    qtype: u16,
    short: bool,
    search: bool,
    recurse: bool,
    time: u64,
    tries: u32,
    show: Show,
}

fn usage_error(what: &str) -> String {
    format!("{what}\n{USAGE}")
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        server: None,
        port: 53,
        name: String::new(),
        qtype: wire::A,
        short: false,
        search: false,
        recurse: true,
        time: dig_query::TIME,
        tries: dig_query::TRIES,
        show: Show {
            cmd: true,
            comments: true,
            question: true,
            answer: true,
            authority: true,
            stats: true,
        },
    };
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        if let Some(server) = a.strip_prefix('@') {
            let ip = server
                .parse()
                .map_err(|_| format!("dig: couldn't get address for '{server}': not found\n"))?;
            o.server = Some(ip);
        } else if let Some(opt) = a.strip_prefix('+') {
            plus_option(&mut o, opt).map_err(|_| usage_error(&format!("Invalid option: {a}")))?;
        } else if a == "-p" || a == "-t" {
            let v = it.next().ok_or_else(|| {
                usage_error(&format!(
                    "dig: option requires an argument -- '{}'",
                    &a[1..]
                ))
            })?;
            if a == "-p" {
                o.port = v
                    .parse()
                    .map_err(|_| format!("dig: invalid port number '{v}'\n"))?;
            } else {
                o.qtype =
                    wire::type_from_name(v).ok_or_else(|| format!("dig: invalid type: {v}\n"))?;
            }
        } else if a.starts_with('-') {
            return Err(usage_error(&format!("Invalid option: {a}")));
        } else if let Some(t) = wire::type_from_name(a).filter(|_| !o.name.is_empty()) {
            o.qtype = t;
        } else if a.eq_ignore_ascii_case("IN") && !o.name.is_empty() {
        } else {
            o.name = a.clone();
        }
    }
    Ok(o)
}

fn plus_option(o: &mut Opts, opt: &str) -> Result<(), ()> {
    let (name, value) = opt.split_once('=').unwrap_or((opt, ""));
    let (on, base) = match name.strip_prefix("no") {
        Some(b) => (false, b),
        None => (true, name),
    };
    let number = || value.parse::<u64>().map_err(|_| ());
    let s = &mut o.show;
    match base {
        "short" => o.short = on,
        "search" => o.search = on,
        "recurse" => o.recurse = on,
        "time" => o.time = number()?.max(1),
        "tries" => o.tries = number()?.max(1) as u32,
        "retry" => o.tries = number()? as u32 + 1,
        "edns" => {}
        "cmd" => s.cmd = on,
        "comments" => s.comments = on,
        "question" => s.question = on,
        "answer" => s.answer = on,
        "authority" => s.authority = on,
        "stats" => s.stats = on,
        "all" => {
            *s = Show {
                cmd: on,
                comments: on,
                question: on,
                answer: on,
                authority: on,
                stats: on,
            }
        }
        _ => return Err(()),
    }
    Ok(())
}

pub struct Dig {
    args: Vec<String>,
    run: Option<(Opts, Query)>,
}

pub fn spawn(args: &[String]) -> Box<dyn Program> {
    Box::new(Dig {
        args: args.to_vec(),
        run: None,
    })
}

impl Dig {
    fn start(&mut self, sys: &mut Sys) -> Result<(), i32> {
        let o = parse(&self.args).map_err(|text| {
            sys.eprint(&text);
            1
        })?;
        let rc = dig_query::resolv_conf(sys);
        let server = o.server.unwrap_or(rc.servers()[0]);
        let name = match (o.search, o.name.is_empty()) {
            (_, true) => ".".to_string(),
            (true, false) => {
                crate::user::libc::resolv_conf::candidates(&rc, &o.name).swap_remove(0)
            }
            (false, false) => o.name.clone(),
        };
        let id = sys.k.rng.next_u32() as u16;
        let msg = Message::query(id, &name, o.qtype, o.recurse);
        let q = Query::new(server, o.port, msg, o.tries, o.time);
        self.run = Some((o, q));
        Ok(())
    }
}

impl Program for Dig {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        if self.run.is_none() {
            if let Err(code) = self.start(sys) {
                return Poll::Exit(code);
            }
        }
        let Some((o, q)) = self.run.as_mut() else {
            return Poll::Exit(1);
        };
        match q.poll(sys) {
            Status::Wait(t) => Poll::Wait(Some(t)),
            Status::Done(reply) => {
                let text = if o.short {
                    short(&reply.msg)
                } else {
                    full(&self.args, o, q, &reply, sys)
                };
                sys.print(&text);
                Poll::Exit(0)
            }
            Status::Unreachable => {
                if o.show.cmd && !o.short {
                    sys.print(&banner(&self.args, o));
                }
                sys.print(";; no servers could be reached\n");
                Poll::Exit(9)
            }
        }
    }
}

/// `+short`: each answer's data on its own line.
fn short(m: &Message) -> String {
    m.answers
        .iter()
        .map(|r| wire::format_rdata(&r.data) + "\n")
        .collect()
}

fn banner(args: &[String], o: &Opts) -> String {
    let mut s = format!("\n; <<>> DiG {VERSION} <<>> {}\n", args[1..].join(" "));
    if o.server.is_some() {
        s += "; (1 server found)\n";
    }
    s + ";; global options: +cmd\n"
}

fn full(args: &[String], o: &Opts, q: &Query, r: &Reply, sys: &Sys) -> String {
    let m = &r.msg;
    let mut s = if o.show.cmd {
        banner(args, o)
    } else {
        String::new()
    };
    if o.show.comments {
        s += &header(m);
    }
    if o.show.question {
        s += &section(
            o,
            ";; QUESTION SECTION:\n",
            m.questions.iter().map(|qn| {
                let mut line = format!(";{}", absolute(&qn.name));
                indent(&mut line, 32);
                line + &format!("IN\t{}", wire::type_name(qn.qtype))
            }),
        );
    }
    if o.show.answer {
        s += &section(o, ";; ANSWER SECTION:\n", m.answers.iter().map(record_line));
    }
    if o.show.authority {
        s += &section(
            o,
            ";; AUTHORITY SECTION:\n",
            m.authority.iter().map(record_line),
        );
    }
    if o.show.stats {
        let (server, port, rtt, size) = (q.server, q.port, r.rtt_ms, r.size);
        let when = &sys.now().clock()[..8];
        s += &format!(
            ";; Query time: {rtt} msec\n;; SERVER: {server}#{port}({server}) (UDP)\n;; WHEN: Wed Nov 25 {when} UTC 2026\n;; MSG SIZE  rcvd: {size}\n\n"
        );
    }
    s
}

fn header(m: &Message) -> String {
    let h = &m.header;
    let flags: Vec<&str> = [
        (h.qr, "qr"),
        (h.aa, "aa"),
        (h.tc, "tc"),
        (h.rd, "rd"),
        (h.ra, "ra"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, f)| *f)
    .collect();
    let mut s = format!(
        ";; Got answer:\n;; ->>HEADER<<- opcode: QUERY, status: {}, id: {}\n;; flags: {}; QUERY: {}, ANSWER: {}, AUTHORITY: {}, ADDITIONAL: {}\n",
        wire::rcode_name(h.rcode),
        h.id,
        flags.join(" "),
        m.questions.len(),
        m.answers.len(),
        m.authority.len(),
        m.additional.len()
    );
    if h.rd && !h.ra {
        s += ";; WARNING: recursion requested but not available\n";
    }
    s + "\n"
}

/// A titled section followed by a blank line; nothing when it has no lines. Without
/// comments (`+noall +answer`) there is no title and no blank line.
fn section(o: &Opts, title: &str, lines: impl Iterator<Item = String>) -> String {
    let body: String = lines.map(|l| l + "\n").collect();
    match (body.is_empty(), o.show.comments) {
        (true, _) => String::new(),
        (false, true) => format!("{title}{body}\n"),
        (false, false) => body,
    }
}

/// `www.lab.<TAB><TAB>3600<TAB>IN<TAB>A<TAB>10.0.0.1`: BIND's master-file columns.
pub fn record_line(r: &Record) -> String {
    let mut line = absolute(&r.name);
    indent(&mut line, 24);
    line += &r.ttl.to_string();
    indent(&mut line, 32);
    line += "IN";
    indent(&mut line, 40);
    line += &wire::type_name(r.rtype);
    indent(&mut line, 48);
    line + &wire::format_rdata(&r.data)
}

/// Tabs (8 wide) up to column `to`; one space when the text already reaches it.
fn indent(line: &mut String, to: usize) {
    let col = line
        .chars()
        .fold(0, |c, ch| if ch == '\t' { c / 8 * 8 + 8 } else { c + 1 });
    if col >= to {
        line.push(' ');
        return;
    }
    let tabs = to / 8 - col / 8;
    line.extend(std::iter::repeat_n('\t', tabs));
}

fn absolute(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::user::dns::wire::RData;

    #[test]
    fn records_line_up_on_dig_columns() {
        let r = Record {
            name: "www.example.lab".into(),
            rtype: wire::A,
            class: wire::CLASS_IN,
            ttl: 3600,
            data: RData::A(Ipv4Addr::new(10, 0, 2, 80)),
        };
        assert_eq!(record_line(&r), "www.example.lab.\t3600\tIN\tA\t10.0.2.80");
        let short = Record {
            name: "a.lab".into(),
            ..r.clone()
        };
        assert_eq!(record_line(&short), "a.lab.\t\t\t3600\tIN\tA\t10.0.2.80");
        let long = Record {
            name: "a-rather-long-name.example.lab".into(),
            ..r
        };
        assert_eq!(
            record_line(&long),
            "a-rather-long-name.example.lab. 3600 IN\tA\t10.0.2.80"
        );
    }

    #[test]
    fn options_and_errors() {
        let args = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        let o = parse(&args("dig @10.0.2.53 www.lab NS +short +tries=2 +time=1")).expect("ok");
        assert_eq!(
            (o.server, o.qtype, o.short, o.tries, o.time),
            (Some(Ipv4Addr::new(10, 0, 2, 53)), wire::NS, true, 2, 1)
        );
        let o = parse(&args("dig +noall +answer www.lab")).expect("ok");
        assert!(o.show.answer && !o.show.comments && !o.show.cmd);
        assert!(parse(&args("dig +bogus www.lab"))
            .err()
            .is_some_and(|e| e.starts_with("Invalid option: +bogus\nUsage:")));
        assert_eq!(
            parse(&args("dig @ns1 x")).err().as_deref(),
            Some("dig: couldn't get address for 'ns1': not found\n")
        );
    }
}
