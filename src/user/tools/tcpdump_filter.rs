//! The part of pcap-filter(7) that labs use: `arp`, `ip`, `icmp`, `udp`, `tcp`,
//! `[src|dst] host ADDR` (or a bare address or host name), `[src|dst] port N`, a protocol
//! before host/port (`udp port 53`), `not`/`!`, `and`/`&&`, `or`/`||` and parentheses. As in
//! pcap, `and` and `or` have the same precedence and group from the left; `not` binds
//! tightest. Matching reads the frame with bounds checks only: no input can panic it.

use std::net::Ipv4Addr;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Proto {
    Arp,
    Ip,
    Icmp,
    Udp,
    Tcp,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dir {
    Either,
    Src,
    Dst,
}

#[derive(Debug, PartialEq)]
pub enum Filter {
    Proto(Proto),
    Host(Dir, Ipv4Addr),
    Port(Dir, u16),
    Not(Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
}

/// Parses the words after tcpdump's options; `resolve` looks host names up. The error is
/// the text tcpdump prints after `tcpdump: `.
pub fn parse(
    words: &[String],
    resolve: &dyn Fn(&str) -> Option<Ipv4Addr>,
) -> Result<Filter, String> {
    let tokens = tokenize(words);
    let mut p = Parser {
        tokens,
        at: 0,
        resolve,
    };
    let f = p.expr()?;
    if p.at < p.tokens.len() {
        return Err(SYNTAX.into());
    }
    Ok(f)
}

const SYNTAX: &str = "can't parse filter expression: syntax error";

fn tokenize(words: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for w in words {
        let mut cur = String::new();
        for c in w.chars() {
            if matches!(c, '(' | ')') || (c == '!' && cur.is_empty()) {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                out.push(c.to_string());
            } else {
                cur.push(c);
            }
        }
        if !cur.is_empty() {
            out.push(cur);
        }
    }
    out
}

struct Parser<'a> {
    tokens: Vec<String>,
    at: usize,
    resolve: &'a dyn Fn(&str) -> Option<Ipv4Addr>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(String::as_str)
    }

    fn next(&mut self) -> Result<String, String> {
        let t = self.tokens.get(self.at).cloned().ok_or(SYNTAX)?;
        self.at += 1;
        Ok(t)
    }

    fn expr(&mut self) -> Result<Filter, String> {
        let mut left = self.term()?;
        while let Some(op) = self.peek() {
            let and = match op {
                "and" | "&&" => true,
                "or" | "||" => false,
                _ => break,
            };
            self.at += 1;
            let right = Box::new(self.term()?);
            left = if and {
                Filter::And(Box::new(left), right)
            } else {
                Filter::Or(Box::new(left), right)
            };
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Filter, String> {
        let t = self.next()?;
        match t.as_str() {
            "not" | "!" => Ok(Filter::Not(Box::new(self.term()?))),
            "(" => {
                let inner = self.expr()?;
                match self.next()?.as_str() {
                    ")" => Ok(inner),
                    _ => Err(SYNTAX.into()),
                }
            }
            _ => self.primitive(t),
        }
    }

    fn primitive(&mut self, t: String) -> Result<Filter, String> {
        let proto = match t.as_str() {
            "arp" => Some(Proto::Arp),
            "ip" => Some(Proto::Ip),
            "icmp" => Some(Proto::Icmp),
            "udp" => Some(Proto::Udp),
            "tcp" => Some(Proto::Tcp),
            _ => None,
        };
        if let Some(p) = proto {
            let qualified = matches!(self.peek(), Some("src" | "dst" | "host" | "port"));
            if !qualified {
                return Ok(Filter::Proto(p));
            }
            let word = self.next()?;
            let rest = self.qualified(word)?;
            return Ok(Filter::And(Box::new(Filter::Proto(p)), Box::new(rest)));
        }
        self.qualified(t)
    }

    /// `[src|dst] host X`, `[src|dst] port N`, `[src|dst] X`, or a bare address/name.
    fn qualified(&mut self, t: String) -> Result<Filter, String> {
        let (dir, word) = match t.as_str() {
            "src" => (Dir::Src, self.next()?),
            "dst" => (Dir::Dst, self.next()?),
            _ => (Dir::Either, t),
        };
        match word.as_str() {
            "host" => {
                let name = self.next()?;
                Ok(Filter::Host(dir, self.host(&name)?))
            }
            "port" => {
                let p = self.next()?;
                Ok(Filter::Port(dir, port(&p)?))
            }
            w if is_keyword(w) => Err(SYNTAX.into()),
            w => Ok(Filter::Host(dir, self.host(w)?)),
        }
    }

    fn host(&self, name: &str) -> Result<Ipv4Addr, String> {
        if is_keyword(name) {
            return Err(SYNTAX.into());
        }
        (self.resolve)(name).ok_or_else(|| format!("unknown host '{name}'"))
    }
}

fn is_keyword(w: &str) -> bool {
    matches!(
        w,
        "and" | "&&" | "or" | "||" | "not" | "!" | "(" | ")" | "src" | "dst" | "host" | "port"
    )
}

/// A port number, or one of the service names labs use (/etc/services).
fn port(p: &str) -> Result<u16, String> {
    let named = match p {
        "ssh" => Some(22),
        "domain" => Some(53),
        "http" | "www" => Some(80),
        "https" => Some(443),
        _ => None,
    };
    named
        .or_else(|| p.parse().ok())
        .ok_or_else(|| format!("unknown port '{p}'"))
}

impl Filter {
    pub fn matches(&self, frame: &[u8]) -> bool {
        match self {
            Filter::Proto(p) => proto_matches(*p, frame),
            Filter::Host(dir, a) => addrs(frame).is_some_and(|(s, d)| pick(*dir, s, d, *a)),
            Filter::Port(dir, p) => ports(frame).is_some_and(|(s, d)| pick(*dir, s, d, *p)),
            Filter::Not(f) => !f.matches(frame),
            Filter::And(a, b) => a.matches(frame) && b.matches(frame),
            Filter::Or(a, b) => a.matches(frame) || b.matches(frame),
        }
    }
}

fn pick<T: PartialEq>(dir: Dir, src: T, dst: T, want: T) -> bool {
    match dir {
        Dir::Either => src == want || dst == want,
        Dir::Src => src == want,
        Dir::Dst => dst == want,
    }
}

fn ethertype(f: &[u8]) -> Option<u16> {
    Some(u16::from_be_bytes([*f.get(12)?, *f.get(13)?]))
}

/// The IPv4 header of the frame and its length.
fn ip_header(f: &[u8]) -> Option<(&[u8], usize)> {
    if ethertype(f)? != 0x0800 {
        return None;
    }
    let ip = f.get(14..)?;
    let ihl = (*ip.first()? & 0x0f) as usize * 4;
    (ip.len() >= 20 && ihl >= 20).then_some((ip, ihl))
}

fn proto_matches(p: Proto, f: &[u8]) -> bool {
    let number = match p {
        Proto::Arp => return ethertype(f) == Some(0x0806),
        Proto::Ip => return ethertype(f) == Some(0x0800),
        Proto::Icmp => 1,
        Proto::Udp => 17,
        Proto::Tcp => 6,
    };
    ip_header(f).is_some_and(|(ip, _)| ip[9] == number)
}

fn quad(b: &[u8], i: usize) -> Option<Ipv4Addr> {
    let s = b.get(i..i + 4)?;
    Some(Ipv4Addr::new(s[0], s[1], s[2], s[3]))
}

/// Source and destination addresses: of the IP header, or the sender and target of ARP.
fn addrs(f: &[u8]) -> Option<(Ipv4Addr, Ipv4Addr)> {
    match ethertype(f)? {
        0x0806 => Some((quad(f, 14 + 14)?, quad(f, 14 + 24)?)),
        _ => {
            let (ip, _) = ip_header(f)?;
            Some((quad(ip, 12)?, quad(ip, 16)?))
        }
    }
}

/// TCP or UDP ports of an unfragmented (or first-fragment) IPv4 packet.
fn ports(f: &[u8]) -> Option<(u16, u16)> {
    let (ip, ihl) = ip_header(f)?;
    let first_fragment = u16::from_be_bytes([ip[6], ip[7]]) & 0x1fff == 0;
    if !matches!(ip[9], 6 | 17) || !first_fragment {
        return None;
    }
    let l4 = ip.get(ihl..ihl + 4)?;
    Some((
        u16::from_be_bytes([l4[0], l4[1]]),
        u16::from_be_bytes([l4[2], l4[3]]),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    fn resolve(name: &str) -> Option<Ipv4Addr> {
        match name {
            "rs1" => Some(Ipv4Addr::new(10, 0, 0, 11)),
            n => n.parse().ok(),
        }
    }

    /// Ethernet + IPv4 (proto, src, dst) + 4 bytes of ports.
    fn frame(proto: u8, src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16) -> Vec<u8> {
        let mut f = vec![0u8; 14];
        f[12..14].copy_from_slice(&[8, 0]);
        let mut ip = vec![0x45, 0, 0, 24, 0, 0, 0, 0, 64, proto, 0, 0];
        ip.extend_from_slice(&src);
        ip.extend_from_slice(&dst);
        ip.extend_from_slice(&sport.to_be_bytes());
        ip.extend_from_slice(&dport.to_be_bytes());
        f.extend_from_slice(&ip);
        f
    }

    #[test]
    fn expressions_match_as_pcap_does() {
        let f = |s: &str| parse(&words(s), &resolve).unwrap();
        let udp = frame(17, [10, 0, 0, 1], [10, 0, 0, 11], 40000, 53);
        assert!(f("udp").matches(&udp));
        assert!(f("udp port 53 and dst rs1").matches(&udp));
        assert!(!f("src host rs1").matches(&udp));
        assert!(f("not tcp and (icmp or port domain)").matches(&udp));
        assert!(f("!icmp && host 10.0.0.1").matches(&udp));
        assert!(!f("arp or icmp").matches(&udp));
        // pcap: `and`/`or` are left-associative with equal precedence.
        assert!(f("icmp and tcp or udp").matches(&udp));
        assert!(!f("icmp and (tcp or udp)").matches(&udp));
        assert!(!f("port 80").matches(&[0u8; 3]));
    }

    #[test]
    fn errors_read_as_tcpdump_prints_them() {
        let e = |s: &str| parse(&words(s), &resolve).unwrap_err();
        assert_eq!(e("udp and"), SYNTAX);
        assert_eq!(e("(icmp"), SYNTAX);
        assert_eq!(e("icmp icmp"), SYNTAX);
        assert_eq!(e("host nosuch"), "unknown host 'nosuch'");
        assert_eq!(e("port nosuch"), "unknown port 'nosuch'");
    }
}
