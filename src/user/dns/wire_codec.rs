//! The byte-level half of [`super`]: the encoder with its compression table, and the
//! bounds-checked reader that decoding is built on. Every read goes through `Reader::take`
//! or `slice::get`, so no input can index out of range.

use super::*;

/// A legal name has at most 127 labels, so it never needs more pointers than that.
const MAX_POINTERS: usize = 127;
/// Compression pointers hold a 14-bit offset.
const MAX_POINTER_TARGET: usize = 0x3fff;

impl Header {
    /// The second 16-bit word: QR, Opcode(4), AA, TC, RD | RA, Z(3), RCODE(4).
    pub(super) fn flags(&self) -> u16 {
        (u16::from(self.qr) << 15)
            | (u16::from(self.opcode & 0x0f) << 11)
            | (u16::from(self.aa) << 10)
            | (u16::from(self.tc) << 9)
            | (u16::from(self.rd) << 8)
            | (u16::from(self.ra) << 7)
            | u16::from(self.rcode & 0x0f)
    }

    pub(super) fn from_flags(id: u16, f: u16) -> Header {
        Header {
            id,
            qr: f & 0x8000 != 0,
            opcode: ((f >> 11) & 0x0f) as u8,
            aa: f & 0x0400 != 0,
            tc: f & 0x0200 != 0,
            rd: f & 0x0100 != 0,
            ra: f & 0x0080 != 0,
            rcode: (f & 0x0f) as u8,
        }
    }
}

/// The output so far and every name suffix already written, for compression pointers.
/// A Vec, not a map: messages are small and the first occurrence must win deterministically.
#[derive(Default)]
pub(super) struct Encoder {
    pub(super) out: Vec<u8>,
    suffixes: Vec<(Vec<u8>, u16)>,
}

impl Encoder {
    pub(super) fn u16(&mut self, v: u16) {
        self.out.extend_from_slice(&v.to_be_bytes());
    }

    pub(super) fn u32(&mut self, v: u32) {
        self.out.extend_from_slice(&v.to_be_bytes());
    }

    /// Writes labels until a suffix seen before, then a pointer to it (RFC 1035 §4.1.4).
    pub(super) fn name(&mut self, name: &str, compress: bool) {
        let labels: Vec<&[u8]> = strip_dot(name)
            .split('.')
            .filter(|l| !l.is_empty())
            .map(|l| &l.as_bytes()[..l.len().min(MAX_LABEL)])
            .collect();
        for i in 0..labels.len() {
            let key = labels[i..].join(&b'.');
            if let Some((_, off)) = self.suffixes.iter().find(|(k, _)| compress && *k == key) {
                let ptr = 0xc000 | *off;
                self.u16(ptr);
                return;
            }
            if let Ok(off) = u16::try_from(self.out.len()) {
                if usize::from(off) <= MAX_POINTER_TARGET {
                    self.suffixes.push((key, off));
                }
            }
            self.out.push(labels[i].len() as u8);
            self.out.extend_from_slice(labels[i]);
        }
        self.out.push(0);
    }

    pub(super) fn record(&mut self, r: &Record) {
        self.name(&r.name, true);
        self.u16(r.rtype);
        self.u16(r.class);
        self.u32(r.ttl);
        let len_at = self.out.len();
        self.u16(0); // RDLENGTH, patched once the data is written
        self.rdata(&r.data);
        let len = u16::try_from(self.out.len() - len_at - 2).unwrap_or(u16::MAX);
        self.out[len_at..len_at + 2].copy_from_slice(&len.to_be_bytes());
    }

    fn rdata(&mut self, data: &RData) {
        match data {
            RData::A(addr) => self.out.extend_from_slice(&addr.octets()),
            RData::Ns(name) | RData::Cname(name) => self.name(name, true),
            RData::Soa {
                mname,
                rname,
                serial,
                refresh,
                retry,
                expire,
                minimum,
            } => {
                self.name(mname, true);
                self.name(rname, true);
                for v in [serial, refresh, retry, expire, minimum] {
                    self.u32(*v);
                }
            }
            RData::Other(bytes) => self.out.extend_from_slice(bytes),
        }
    }
}

/// A cursor over the whole message (names may point anywhere before them).
pub(super) struct Reader<'a> {
    pub(super) buf: &'a [u8],
    pub(super) pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize, what: &str) -> Result<&[u8], String> {
        let bytes = self
            .pos
            .checked_add(n)
            .and_then(|end| self.buf.get(self.pos..end));
        let Some(bytes) = bytes else {
            return Err(format!(
                "truncated {what} at offset {}: need {n} bytes, {} left",
                self.pos,
                self.buf.len().saturating_sub(self.pos)
            ));
        };
        self.pos += n;
        Ok(bytes)
    }

    pub(super) fn u16(&mut self, what: &str) -> Result<u16, String> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, what: &str) -> Result<u32, String> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn name(&mut self) -> Result<String, String> {
        let (name, end) = read_name(self.buf, self.pos)?;
        self.pos = end;
        Ok(name)
    }

    pub(super) fn question(&mut self) -> Result<Question, String> {
        let name = self.name()?;
        let qtype = self.u16("question")?;
        let qclass = self.u16("question")?;
        Ok(Question {
            name,
            qtype,
            qclass,
        })
    }

    pub(super) fn records(&mut self, n: usize) -> Result<Vec<Record>, String> {
        (0..n).map(|_| self.record()).collect()
    }

    fn record(&mut self) -> Result<Record, String> {
        let name = self.name()?;
        let rtype = self.u16("record")?;
        let class = self.u16("record")?;
        let ttl = self.u32("record")?;
        let len = usize::from(self.u16("record")?);
        let start = self.pos;
        self.take(len, "record data")?;
        let data = decode_rdata(self.buf, start, len, rtype, class)
            .map_err(|e| format!("{} record '{name}': {e}", type_name(rtype)))?;
        Ok(Record {
            name,
            rtype,
            class,
            ttl,
            data,
        })
    }
}

/// Interprets the `len` bytes at `start` (already known to be inside `buf`).
fn decode_rdata(
    buf: &[u8],
    start: usize,
    len: usize,
    rtype: u16,
    class: u16,
) -> Result<RData, String> {
    let end = start + len;
    let mut r = Reader {
        buf: &buf[..end],
        pos: start,
    };
    let data = match rtype {
        A if class == CLASS_IN => {
            let b = r.take(4, "A address")?;
            RData::A(Ipv4Addr::new(b[0], b[1], b[2], b[3]))
        }
        NS => RData::Ns(r.name()?),
        CNAME => RData::Cname(r.name()?),
        SOA => decode_soa(&mut r)?,
        PTR => RData::Other(plain_name(&r.name()?)),
        MX => {
            let mut bytes = r.take(2, "MX preference")?.to_vec();
            bytes.extend(plain_name(&r.name()?));
            RData::Other(bytes)
        }
        _ => RData::Other(r.take(len, "record data")?.to_vec()),
    };
    if r.pos != end {
        return Err(format!(
            "data is {len} bytes but its content takes {}",
            r.pos - start
        ));
    }
    Ok(data)
}

fn decode_soa(r: &mut Reader) -> Result<RData, String> {
    let mname = r.name()?;
    let rname = r.name()?;
    let mut v = [0u32; 5];
    for x in &mut v {
        *x = r.u32("SOA data")?;
    }
    let [serial, refresh, retry, expire, minimum] = v;
    Ok(RData::Soa {
        mname,
        rname,
        serial,
        refresh,
        retry,
        expire,
        minimum,
    })
}

/// A name's uncompressed wire form.
fn plain_name(name: &str) -> Vec<u8> {
    let mut e = Encoder::default();
    e.name(name, false);
    e.out
}

/// Reads the name at `start`; returns it and the offset just past it (past the first
/// pointer, if any). Every pointer must point before the place it was found — before the
/// name's start for the first one, before the previous target after that — so the walk
/// always terminates; MAX_POINTERS is a second guard.
fn read_name(buf: &[u8], start: usize) -> Result<(String, usize), String> {
    let (mut pos, mut limit, mut end) = (start, start, None);
    let mut labels: Vec<String> = Vec::new();
    let (mut wire_len, mut pointers) = (1, 0);
    loop {
        let len = *buf
            .get(pos)
            .ok_or_else(|| format!("truncated name at offset {pos}"))?;
        match len & 0xc0 {
            0x00 if len == 0 => break,
            0x00 => {
                let label = buf
                    .get(pos + 1..pos + 1 + usize::from(len))
                    .ok_or_else(|| format!("truncated label at offset {pos}"))?;
                wire_len += label.len() + 1;
                if wire_len > MAX_NAME {
                    return Err(format!("name at offset {start} is longer than 255 bytes"));
                }
                labels.push(label_text(label, pos)?);
                pos += 1 + label.len();
            }
            0xc0 => {
                let lo = *buf
                    .get(pos + 1)
                    .ok_or_else(|| format!("truncated pointer at offset {pos}"))?;
                let target = (usize::from(len & 0x3f) << 8) | usize::from(lo);
                pointers += 1;
                if target >= limit || pointers > MAX_POINTERS {
                    return Err(format!(
                        "compression pointer at offset {pos} to {target} does not point to an earlier name"
                    ));
                }
                end.get_or_insert(pos + 2);
                (pos, limit) = (target, target);
            }
            _ => {
                let msg = "labels are at most 63 bytes";
                return Err(format!("label length 0x{len:02x} at offset {pos}: {msg}"));
            }
        }
    }
    Ok((labels.join("."), end.unwrap_or(pos + 1)))
}

fn label_text(label: &[u8], pos: usize) -> Result<String, String> {
    match label.iter().find(|&&b| !label_byte_ok(b)) {
        Some(b) => Err(format!(
            "label at offset {pos}: byte 0x{b:02x} (only printable ASCII other than '.')"
        )),
        None => Ok(label.iter().map(|&b| char::from(b)).collect()),
    }
}
