//! The part of pcap-filter(7) that labs use: `arp`, `ip`, `icmp`, `udp`, `tcp`,
//! `[src|dst] host ADDR` (or a bare address or host name), `[src|dst] port N`, a protocol
//! before host/port (`udp port 53`), `not`/`!`, `and`/`&&`, `or`/`||` and parentheses. As in
//! pcap, `and` and `or` have the same precedence and group from the left; `not` binds
//! tightest. Matching reads the frame with bounds checks only: no input can panic it.
//!
//! The parser keeps its open parentheses on a stack of its own rather than recursing, and
//! stops where libpcap's bison stack does (about 10,000 levels: `memory exhausted`), so no
//! expression can exhaust netstep's stack.

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
    /// A run of `and`s (or `or`s) in a row is one node: long chains add no depth.
    And(Vec<Filter>),
    Or(Vec<Filter>),
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
const EXHAUSTED: &str = "can't parse filter expression: memory exhausted";
/// libpcap's parser stack (bison's YYMAXDEPTH 10000) holds about this many open `not`s
/// and parentheses, or alternations of `and` and `or`.
const MAX_DEPTH: usize = 9_995;

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

    /// The whole expression, with an explicit stack of open parentheses.
    fn expr(&mut self) -> Result<Filter, String> {
        let mut open: Vec<Level> = Vec::new();
        let mut cur = Level::default();
        // Open parentheses and `not`s waiting for their term: what a bison stack holds.
        let mut depth = 0usize;
        loop {
            // A term: `not`s, then a primitive or an opening parenthesis.
            let t = self.next()?;
            match t.as_str() {
                "not" | "!" => {
                    cur.nots += 1;
                    depth += 1;
                }
                "(" => {
                    open.push(std::mem::take(&mut cur));
                    depth += 1;
                }
                _ => {
                    let mut f = self.primitive(t)?;
                    loop {
                        depth -= cur.nots;
                        f = negate(f, std::mem::take(&mut cur.nots));
                        cur.add(f)?;
                        match self.peek() {
                            Some("and" | "&&") => cur.op = Some(true),
                            Some("or" | "||") => cur.op = Some(false),
                            Some(")") => {
                                let outer = open.pop().ok_or(SYNTAX)?;
                                let inner = std::mem::replace(&mut cur, outer);
                                self.at += 1;
                                depth -= 1;
                                f = inner.finish()?;
                                continue;
                            }
                            None if open.is_empty() => return cur.finish(),
                            _ => return Err(SYNTAX.into()),
                        }
                        self.at += 1;
                        break;
                    }
                }
            }
            if depth + cur.depth > MAX_DEPTH {
                return Err(EXHAUSTED.into());
            }
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
            return Ok(Filter::And(vec![Filter::Proto(p), rest]));
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

/// The expression inside one pair of parentheses (or the whole one) as it is read.
#[derive(Default)]
struct Level {
    left: Option<Filter>,
    /// The operator read after `left`: Some(true) for `and`.
    op: Option<bool>,
    /// `not`s read before the next term.
    nots: usize,
    /// How deep `left` is: each switch between `and` and `or` adds one.
    depth: usize,
}

impl Level {
    fn add(&mut self, f: Filter) -> Result<(), String> {
        let left = match self.left.take() {
            None => f,
            Some(left) => match (self.op.take().ok_or(SYNTAX)?, left) {
                (true, Filter::And(mut v)) => {
                    v.push(f);
                    Filter::And(v)
                }
                (false, Filter::Or(mut v)) => {
                    v.push(f);
                    Filter::Or(v)
                }
                (and, left) => {
                    self.depth += 1;
                    if and {
                        Filter::And(vec![left, f])
                    } else {
                        Filter::Or(vec![left, f])
                    }
                }
            },
        };
        self.left = Some(left);
        Ok(())
    }

    fn finish(self) -> Result<Filter, String> {
        if self.op.is_some() || self.nots > 0 {
            return Err(SYNTAX.into());
        }
        self.left.ok_or_else(|| SYNTAX.into())
    }
}

/// `not` n times: two cancel out, so the tree never gets deeper than one.
fn negate(f: Filter, nots: usize) -> Filter {
    if nots % 2 == 1 {
        Filter::Not(Box::new(f))
    } else {
        f
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
            Filter::And(all) => all.iter().all(|f| f.matches(frame)),
            Filter::Or(any) => any.iter().any(|f| f.matches(frame)),
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
        assert_eq!(e("()"), SYNTAX);
        assert_eq!(e("icmp )"), SYNTAX);
        assert_eq!(e("not"), SYNTAX);
    }

    /// libpcap gives up at about 10,000 levels; netstep says what tcpdump says, and never
    /// runs out of stack (this runs on a test thread's small stack).
    #[test]
    fn deep_nesting_is_refused_as_libpcap_refuses_it() {
        let deep = |prefix: &str, n: usize, mid: &str, suffix: &str| -> Vec<String> {
            let mut w = vec![prefix.to_string(); n];
            w.push(mid.into());
            w.extend(std::iter::repeat_n(suffix.to_string(), n).filter(|s| !s.is_empty()));
            w
        };
        let udp = frame(17, [10, 0, 0, 1], [10, 0, 0, 11], 40000, 53);
        let ok = parse(&deep("not", 9_991, "icmp", ""), &resolve).expect("9,991 nots");
        assert!(ok.matches(&udp));
        for words in [
            deep("not", 50_000, "icmp", ""),
            deep("(", 50_000, "icmp", ")"),
        ] {
            assert_eq!(parse(&words, &resolve), Err(EXHAUSTED.into()));
        }
        let parens = parse(&deep("(", 5_000, "udp", ")"), &resolve).expect("5,000 parentheses");
        assert!(parens.matches(&udp));
        // Long chains of one operator are flat; alternating ones count as depth.
        let mut chain = vec!["icmp".to_string()];
        for _ in 0..50_000 {
            chain.extend(["or".into(), "icmp".into()]);
        }
        chain.extend(["or".into(), "udp".into()]);
        assert!(parse(&chain, &resolve).expect("a flat chain").matches(&udp));
        let mut alt = vec!["icmp".to_string()];
        for i in 0..20_000 {
            alt.extend([if i % 2 == 0 { "or" } else { "and" }.into(), "udp".into()]);
        }
        assert_eq!(parse(&alt, &resolve), Err(EXHAUSTED.into()));
    }
}
