//! DNS over UDP port 53, as tcpdump's print-domain.c shows it without -v:
//! a query is `ID[+] TYPE? NAME. (LEN)`, a response `ID[ RCODE][*][-] AN/NS/AR DATA,… (LEN)`
//! (`+` recursion desired, `*` authoritative, `-` recursion not available).

use super::Res;
use crate::user::dns::wire::{self, Message, RData};
use std::fmt::Write;

const RCODES: [&str; 6] = [
    "",
    " FormErr",
    " ServFail",
    " NXDomain",
    " NotImp",
    " Refused",
];

pub(super) fn dns(o: &mut String, payload: &[u8], len: usize) -> Res {
    let Ok(m) = Message::decode(payload) else {
        return done!(o, "[|domain]");
    };
    let h = &m.header;
    if !h.qr {
        w!(o, "{}{}", h.id, if h.rd { "+" } else { "" });
        counts(o, &m);
        for q in &m.questions {
            w!(o, " {}? {}.", wire::type_name(q.qtype), q.name);
        }
        return done!(o, " ({len})");
    }
    let rcode = RCODES.get(h.rcode as usize).copied().unwrap_or(" Resp");
    let flags = format!(
        "{}{}{}",
        if h.aa { "*" } else { "" },
        if h.ra { "" } else { "-" },
        if h.tc { "|" } else { "" }
    );
    w!(o, "{}{rcode}{flags}", h.id);
    if m.questions.len() != 1 {
        w!(o, " [{}q]", m.questions.len());
    }
    w!(
        o,
        " {}/{}/{}",
        m.answers.len(),
        m.authority.len(),
        m.additional.len()
    );
    let answers: Vec<String> = m.answers.iter().map(|r| rr(r.rtype, &r.data)).collect();
    if !answers.is_empty() {
        w!(o, " {}", answers.join(", "));
    }
    done!(o, " ({len})")
}

/// A query's extra sections, which a plain stub query never has.
fn counts(o: &mut String, m: &Message) {
    if m.questions.len() != 1 {
        w!(o, " [{}q]", m.questions.len());
    }
    for (n, tag) in [
        (m.answers.len(), "a"),
        (m.authority.len(), "n"),
        (m.additional.len(), "au"),
    ] {
        if n > 0 {
            w!(o, " [{n}{tag}]");
        }
    }
}

fn rr(rtype: u16, data: &RData) -> String {
    match data {
        RData::Ns(n) | RData::Cname(n) => {
            format!("{} {}.", wire::type_name(rtype), n.trim_end_matches('.'))
        }
        other => format!("{} {}", wire::type_name(rtype), wire::format_rdata(other)),
    }
}
