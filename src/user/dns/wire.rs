//! The DNS message format (RFC 1035 §4): header, question, resource records, and name
//! compression, encoded exactly as real servers put them on the wire so tshark decodes them.
//!
//! Names are kept as text without the trailing dot ("" is the root) and with their case as
//! given: DNS compares names case-insensitively ([`name_eq`]) but preserves case on the wire.
//! A label may hold any printable ASCII byte except '.'; a decoded label with any other byte
//! is refused, because such a name could not be written back as this text form.

use codec::{Encoder, Reader};
use std::net::Ipv4Addr;

pub const NOERROR: u8 = 0;
pub const FORMERR: u8 = 1;
pub const SERVFAIL: u8 = 2;
pub const NXDOMAIN: u8 = 3;
pub const NOTIMP: u8 = 4;
pub const REFUSED: u8 = 5;

pub const A: u16 = 1;
pub const NS: u16 = 2;
pub const CNAME: u16 = 5;
pub const SOA: u16 = 6;
pub const PTR: u16 = 12;
pub const MX: u16 = 15;
pub const TXT: u16 = 16;
pub const AAAA: u16 = 28;
pub const OPT: u16 = 41;
pub const ANY: u16 = 255;

pub const CLASS_IN: u16 = 1;

/// RFC 1035 §2.3.4: at most 63 bytes a label, 255 bytes a name in wire form.
const MAX_LABEL: usize = 63;
const MAX_NAME: usize = 255;

/// The fixed 12-byte header, minus the counts (they come from the section lengths).
/// The Z, AD and CD bits are not kept: a decoded message re-encodes them as zero.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    pub id: u16,
    pub qr: bool,
    pub opcode: u8,
    pub aa: bool,
    pub tc: bool,
    pub rd: bool,
    pub ra: bool,
    pub rcode: u8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub name: String,
    pub qtype: u16,
    pub qclass: u16,
}

/// Record data. Types this module does not interpret are kept as raw bytes; PTR and MX are
/// kept raw too, but with their names decompressed, so the bytes stay valid in any message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RData {
    A(Ipv4Addr),
    Ns(String),
    Cname(String),
    Soa {
        mname: String,
        rname: String,
        serial: u32,
        refresh: u32,
        retry: u32,
        expire: u32,
        minimum: u32,
    },
    Other(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub name: String,
    pub rtype: u16,
    pub class: u16,
    pub ttl: u32,
    pub data: RData,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub header: Header,
    pub questions: Vec<Question>,
    pub answers: Vec<Record>,
    pub authority: Vec<Record>,
    pub additional: Vec<Record>,
}

pub fn rcode_name(rcode: u8) -> &'static str {
    match rcode {
        NOERROR => "NOERROR",
        FORMERR => "FORMERR",
        SERVFAIL => "SERVFAIL",
        NXDOMAIN => "NXDOMAIN",
        NOTIMP => "NOTIMP",
        REFUSED => "REFUSED",
        _ => "UNKNOWN",
    }
}

const TYPE_NAMES: [(u16, &str); 10] = [
    (A, "A"),
    (NS, "NS"),
    (CNAME, "CNAME"),
    (SOA, "SOA"),
    (PTR, "PTR"),
    (MX, "MX"),
    (TXT, "TXT"),
    (AAAA, "AAAA"),
    (OPT, "OPT"),
    (ANY, "ANY"),
];

/// The mnemonic dig prints, or RFC 3597's "TYPEn" for the rest.
pub fn type_name(t: u16) -> String {
    match TYPE_NAMES.iter().find(|(n, _)| *n == t) {
        Some((_, name)) => (*name).to_string(),
        None => format!("TYPE{t}"),
    }
}

/// The inverse of [`type_name`], case-insensitive; "TYPEn" is accepted as dig accepts it.
pub fn type_from_name(s: &str) -> Option<u16> {
    if let Some((t, _)) = TYPE_NAMES.iter().find(|(_, n)| n.eq_ignore_ascii_case(s)) {
        return Some(*t);
    }
    let digits = s
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("TYPE"))
        .and(s.get(4..))?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Whether two names are the same DNS name: ASCII case and one trailing dot do not matter.
pub fn name_eq(a: &str, b: &str) -> bool {
    strip_dot(a).eq_ignore_ascii_case(strip_dot(b))
}

/// `name` without one trailing dot: the form names are stored in.
pub(super) fn strip_dot(name: &str) -> &str {
    name.strip_suffix('.').unwrap_or(name)
}

/// Checks that `name` (one trailing dot allowed) can go on the wire: non-empty labels of at
/// most 63 printable bytes, 255 bytes in all. [`Message::encode`] trusts its names, so
/// anything built from outside input should pass through here (the zone parser does).
pub fn validate_name(name: &str) -> Result<(), String> {
    let name = strip_dot(name);
    if name.is_empty() {
        return Ok(());
    }
    let mut wire_len = 1;
    for label in name.split('.') {
        if label.is_empty() {
            return Err(format!("'{name}': empty label"));
        }
        if label.len() > MAX_LABEL {
            return Err(format!("'{name}': label '{label}' is longer than 63 bytes"));
        }
        if let Some(b) = label.bytes().find(|&b| !label_byte_ok(b)) {
            return Err(format!("'{name}': byte 0x{b:02x} not allowed in a label"));
        }
        wire_len += label.len() + 1;
    }
    if wire_len > MAX_NAME {
        return Err(format!("'{name}': longer than 255 bytes"));
    }
    Ok(())
}

fn label_byte_ok(b: u8) -> bool {
    (0x21..=0x7e).contains(&b) && b != b'.'
}

/// dig's presentation form of record data.
pub fn format_rdata(data: &RData) -> String {
    match data {
        RData::A(addr) => addr.to_string(),
        RData::Ns(name) | RData::Cname(name) => absolute(name),
        RData::Soa {
            mname,
            rname,
            serial,
            refresh,
            retry,
            expire,
            minimum,
        } => format!(
            "{} {} {serial} {refresh} {retry} {expire} {minimum}",
            absolute(mname),
            absolute(rname)
        ),
        // RFC 3597's generic form, as dig prints types it does not know.
        RData::Other(bytes) if bytes.is_empty() => "\\# 0".to_string(),
        RData::Other(bytes) => {
            let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
            format!("\\# {} {hex}", bytes.len())
        }
    }
}

/// "www.lab" → "www.lab."; the root is ".".
fn absolute(name: &str) -> String {
    format!("{}.", strip_dot(name))
}

impl Message {
    /// A standard query (opcode 0, class IN) for one name, as a stub resolver sends it.
    pub fn query(id: u16, name: &str, qtype: u16, rd: bool) -> Message {
        Message {
            header: Header {
                id,
                rd,
                ..Header::default()
            },
            questions: vec![Question {
                name: strip_dot(name).to_string(),
                qtype,
                qclass: CLASS_IN,
            }],
            answers: Vec::new(),
            authority: Vec::new(),
            additional: Vec::new(),
        }
    }

    /// The message's wire form. Owner names and the names inside NS, CNAME and SOA data are
    /// compressed against earlier exact (case-sensitive) occurrences, so decoding gives back
    /// the same text. Names are trusted (see [`validate_name`]): over-long labels are cut at
    /// 63 bytes and empty labels skipped rather than panicking.
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Encoder::default();
        self.encode_header(&mut e);
        for q in &self.questions {
            e.name(&q.name, true);
            e.u16(q.qtype);
            e.u16(q.qclass);
        }
        for r in self
            .answers
            .iter()
            .chain(&self.authority)
            .chain(&self.additional)
        {
            e.record(r);
        }
        e.out
    }

    /// The wire form in at most `limit` bytes (512 over UDP without EDNS, RFC 1035 4.2.1),
    /// as BIND truncates: whole RRsets leave from the end, additional data first (silently),
    /// then authority and answers, which set TC so the client knows to retry over TCP.
    pub fn encode_within(&self, limit: usize) -> Vec<u8> {
        let mut m = self.clone();
        loop {
            let wire = m.encode();
            if wire.len() <= limit {
                return wire;
            }
            let section = if !m.additional.is_empty() {
                &mut m.additional
            } else if !m.authority.is_empty() {
                m.header.tc = true;
                &mut m.authority
            } else if !m.answers.is_empty() {
                m.header.tc = true;
                &mut m.answers
            } else {
                // Only the question is left; it came in a datagram, so it fits.
                return wire;
            };
            drop_last_rrset(section);
        }
    }

    fn encode_header(&self, e: &mut Encoder) {
        let h = &self.header;
        e.u16(h.id);
        e.u16(h.flags());
        for n in [
            self.questions.len(),
            self.answers.len(),
            self.authority.len(),
            self.additional.len(),
        ] {
            e.u16(u16::try_from(n).unwrap_or(u16::MAX));
        }
    }

    /// Parses a whole message; anything malformed or left over is an `Err` saying where.
    pub fn decode(bytes: &[u8]) -> Result<Message, String> {
        let mut r = Reader { buf: bytes, pos: 0 };
        let id = r.u16("header")?;
        let header = Header::from_flags(id, r.u16("header")?);
        let qd = usize::from(r.u16("header")?);
        let an = usize::from(r.u16("header")?);
        let ns = usize::from(r.u16("header")?);
        let ar = usize::from(r.u16("header")?);
        // Check the counts against the size first, so a lying header cannot make us reserve
        // memory for 65535 records: a question takes at least 5 bytes, a record 11.
        let left = bytes.len() - r.pos;
        if qd * 5 + (an + ns + ar) * 11 > left {
            return Err(format!(
                "header counts {qd} questions and {} records, but only {left} bytes follow",
                an + ns + ar
            ));
        }
        let questions = (0..qd)
            .map(|_| r.question())
            .collect::<Result<Vec<_>, _>>()?;
        let answers = r.records(an)?;
        let authority = r.records(ns)?;
        let additional = r.records(ar)?;
        if r.pos != bytes.len() {
            let n = bytes.len() - r.pos;
            let s = if n == 1 { "" } else { "s" };
            return Err(format!("{n} byte{s} after the last record"));
        }
        Ok(Message {
            header,
            questions,
            answers,
            authority,
            additional,
        })
    }
}

/// The byte-level encoder and decoder behind `encode` and `decode`.
#[path = "wire_codec.rs"]
mod codec;

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;

/// Removes the last RRset (the trailing records with one owner and type).
fn drop_last_rrset(records: &mut Vec<Record>) {
    let Some(last) = records.last() else {
        return;
    };
    let (name, rtype) = (last.name.clone(), last.rtype);
    while records
        .last()
        .is_some_and(|r| r.name == name && r.rtype == rtype)
    {
        records.pop();
    }
}
