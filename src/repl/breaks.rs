//! Breakpoints: `break ON` makes `continue` stop after the first event that matches. ON is
//! a node (`rs1`), an interface (`dir:eth0`), a protocol (`arp`, `icmp`, `tcp`, `udp`), TCP
//! flags (`SYN`, `FIN`, `RST`, `ACK`), or a subsystem's decision (`ipvs`, `arp`, `tcp` …,
//! written `reason:ipvs`): any event whose reasons include one from it.

use crate::trace::{tcpdump, TraceEntry, TraceKind};

#[derive(Clone, Debug, PartialEq)]
pub enum Break {
    Node(String),
    Iface(String, String),
    Proto(String),
    Flag(char),
    Reason(String),
}

impl Break {
    pub fn parse(on: &str, nodes: &[String]) -> Result<Break, String> {
        if let Some(sub) = on.strip_prefix("reason:") {
            return Ok(Break::Reason(sub.to_string()));
        }
        if let Some((n, i)) = on.split_once(':') {
            return match nodes.iter().any(|x| x == n) {
                true => Ok(Break::Iface(n.into(), i.into())),
                false => Err(format!("break: no node '{n}'")),
            };
        }
        if nodes.iter().any(|x| x == on) {
            return Ok(Break::Node(on.into()));
        }
        match on.to_ascii_lowercase().as_str() {
            p @ ("arp" | "icmp" | "tcp" | "udp" | "ip") => Ok(Break::Proto(p.into())),
            "syn" => Ok(Break::Flag('S')),
            "fin" => Ok(Break::Flag('F')),
            "rst" => Ok(Break::Flag('R')),
            "ack" => Ok(Break::Flag('.')),
            _ => Err(format!(
                "break: '{on}' is not a node, NODE:IF, arp|icmp|tcp|udp|ip, SYN|FIN|RST|ACK or reason:SUBSYSTEM"
            )),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Break::Node(n) => format!("any event on {n}"),
            Break::Iface(n, i) => format!("frames arriving on {n}:{i}"),
            Break::Proto(p) => format!("{p} frames"),
            Break::Flag(f) => format!("TCP segments with flag {f}"),
            Break::Reason(s) => format!("decisions of {s}"),
        }
    }

    pub fn hits(&self, e: &TraceEntry) -> bool {
        let (node, port, frame) = match &e.kind {
            TraceKind::Rx {
                node, port, frame, ..
            } => (node, Some(port), Some(frame)),
            TraceKind::Timer { node } | TraceKind::Command { node, .. } => (node, None, None),
        };
        let line = frame.map(|f| tcpdump::one_liner(f, tcpdump::Opts::default()));
        match self {
            Break::Node(n) => node == n,
            Break::Iface(n, i) => node == n && port.is_some_and(|p| p == i),
            Break::Proto(p) => line.is_some_and(|l| proto_of(&l) == Some(p.as_str())),
            Break::Flag(f) => line.is_some_and(|l| tcp_flags(&l).is_some_and(|fl| fl.contains(*f))),
            Break::Reason(s) => e.reasons.iter().any(|r| {
                r.split_whitespace()
                    .nth(1)
                    .is_some_and(|w| w.trim_end_matches(':') == s)
            }),
        }
    }
}

/// The protocol of a tcpdump line, as a breakpoint names it.
fn proto_of(line: &str) -> Option<&'static str> {
    if line.starts_with("ARP") {
        Some("arp")
    } else if line.contains(": ICMP") {
        Some("icmp")
    } else if line.contains("Flags [") {
        Some("tcp")
    } else if line.contains(": UDP") || line.contains("UDP, length") {
        Some("udp")
    } else if line.starts_with("IP") {
        Some("ip")
    } else {
        None
    }
}

/// `S.` from `Flags [S.]`.
fn tcp_flags(line: &str) -> Option<&str> {
    let start = line.find("Flags [")? + 7;
    let end = start + line[start..].find(']')?;
    Some(&line[start..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_break_accepts() {
        let nodes = vec!["rs1".to_string(), "dir".to_string()];
        assert_eq!(Break::parse("rs1", &nodes), Ok(Break::Node("rs1".into())));
        assert_eq!(
            Break::parse("dir:eth0", &nodes),
            Ok(Break::Iface("dir".into(), "eth0".into()))
        );
        assert_eq!(Break::parse("SYN", &nodes), Ok(Break::Flag('S')));
        assert_eq!(Break::parse("arp", &nodes), Ok(Break::Proto("arp".into())));
        assert_eq!(
            Break::parse("reason:ipvs", &nodes),
            Ok(Break::Reason("ipvs".into()))
        );
        assert!(Break::parse("x:eth0", &nodes).is_err());
        assert!(Break::parse("bogus", &nodes).is_err());
        assert_eq!(tcp_flags("IP a > b: Flags [S.], seq 1"), Some("S."));
        assert_eq!(proto_of("ARP, Request who-has"), Some("arp"));
    }
}
