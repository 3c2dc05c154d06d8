//! A connection's tuple (nf_conntrack_tuple.h): addresses, protocol, and the protocol's two
//! 16-bit fields: ports for TCP and UDP, for ICMP the echo id and the type/code (so that a
//! reply's tuple is the request's, inverted, with the reply type).

use std::net::Ipv4Addr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tuple {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub proto: u8,
    /// TCP/UDP: source port. ICMP: the echo id.
    pub sport: u16,
    /// TCP/UDP: destination port. ICMP: type << 8 | code.
    pub dport: u16,
}

/// ICMP request types and the replies that answer them (nf_conntrack_proto_icmp.c's
/// invmap): echo, timestamp, info, address mask.
const ICMP_PAIRS: [(u8, u8); 4] = [(8, 0), (13, 14), (15, 16), (17, 18)];

impl Tuple {
    /// The tuple of a packet (its first bytes after the IP header), or None when the
    /// protocol's header is missing or the ICMP type has no reply (not trackable as a
    /// connection of its own).
    pub fn of(pkt: &[u8]) -> Option<Tuple> {
        let ihl = usize::from(pkt.first()? & 0x0f) * 4;
        let quad = |i: usize| -> Option<Ipv4Addr> {
            let b = pkt.get(i..i + 4)?;
            Some(Ipv4Addr::new(b[0], b[1], b[2], b[3]))
        };
        let proto = *pkt.get(9)?;
        let l4 = pkt.get(ihl..)?;
        let word =
            |i: usize| -> Option<u16> { Some(u16::from_be_bytes([*l4.get(i)?, *l4.get(i + 1)?])) };
        let (sport, dport) = match proto {
            6 | 17 => (word(0)?, word(2)?),
            1 => {
                let (kind, code) = (*l4.first()?, *l4.get(1)?);
                if !ICMP_PAIRS.iter().any(|(q, r)| *q == kind || *r == kind) {
                    return None;
                }
                (word(4)?, u16::from(kind) << 8 | u16::from(code))
            }
            _ => (0, 0),
        };
        Some(Tuple {
            src: quad(12)?,
            dst: quad(16)?,
            proto,
            sport,
            dport,
        })
    }

    /// nf_ct_invert_tuple: what the other direction looks like.
    pub fn invert(&self) -> Tuple {
        if self.proto == 1 {
            let kind = (self.dport >> 8) as u8;
            let back = ICMP_PAIRS
                .iter()
                .find_map(|(q, r)| (*q == kind).then_some(*r).or((*r == kind).then_some(*q)))
                .unwrap_or(kind);
            return Tuple {
                src: self.dst,
                dst: self.src,
                dport: u16::from(back) << 8 | (self.dport & 0xff),
                ..*self
            };
        }
        Tuple {
            src: self.dst,
            dst: self.src,
            proto: self.proto,
            sport: self.dport,
            dport: self.sport,
        }
    }

    /// Whether this is an ICMP request (a new connection may start with it).
    pub fn icmp_request(&self) -> bool {
        self.proto == 1
            && ICMP_PAIRS
                .iter()
                .any(|(q, _)| u16::from(*q) == self.dport >> 8)
    }

    /// `src=… dst=… sport=… dport=…` (or ICMP's `type=… code=… id=…`), as conntrack prints a
    /// tuple.
    pub fn show(&self) -> String {
        match self.proto {
            6 | 17 => format!(
                "src={} dst={} sport={} dport={}",
                self.src, self.dst, self.sport, self.dport
            ),
            1 => format!(
                "src={} dst={} type={} code={} id={}",
                self.src,
                self.dst,
                self.dport >> 8,
                self.dport & 0xff,
                self.sport
            ),
            _ => format!("src={} dst={}", self.src, self.dst),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_is_the_inverted_tuple() {
        let t = Tuple {
            src: Ipv4Addr::new(10, 0, 0, 2),
            dst: Ipv4Addr::new(203, 0, 113, 80),
            proto: 6,
            sport: 40000,
            dport: 80,
        };
        let r = t.invert();
        assert_eq!((r.src, r.dst, r.sport, r.dport), (t.dst, t.src, 80, 40000));
        assert_eq!(r.invert(), t);
        let echo = Tuple {
            proto: 1,
            sport: 7,
            dport: 8 << 8,
            ..t
        };
        assert_eq!(echo.invert().dport, 0);
        assert!(echo.icmp_request() && !echo.invert().icmp_request());
        assert_eq!(
            echo.show(),
            "src=10.0.0.2 dst=203.0.113.80 type=8 code=0 id=7"
        );
    }
}
