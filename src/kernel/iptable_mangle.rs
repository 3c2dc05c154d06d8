//! The mangle table (net/ipv4/netfilter/iptable_mangle.c, run by ip_tables.c's
//! ipt_do_table) with the one target a lesson needs from it: MARK (xt_mark.c), which sets the
//! packet's firewall mark. An LVS fwmark service (`ipvsadm -A -f N`) takes the packets that
//! carry mark N: that is how one service covers port 80 and 443 together.
//!
//! The five chains exist and list as on Linux; rules run in PREROUTING, the only hook a
//! director's marks are set at (packets from outside, before routing). Matches are the
//! classic ones: -s, -d (with a prefix length), -p tcp|udp|icmp|N, --sport, --dport, -i,
//! each negatable with `!` as iptables writes it.

use std::net::Ipv4Addr;

/// The built-in chains, in the order `iptables -t mangle -L` lists them.
pub const CHAINS: [&str; 5] = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"];

/// An address match: address and prefix length, possibly negated (`! -s`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddrMatch {
    pub addr: Ipv4Addr,
    pub len: u8,
    pub invert: bool,
}

impl AddrMatch {
    pub fn mask(&self) -> u32 {
        match self.len {
            0 => 0,
            n => u32::MAX << (32 - u32::from(n.min(32))),
        }
    }

    fn matches(&self, ip: Ipv4Addr) -> bool {
        let m = self.mask();
        (u32::from(ip) & m == u32::from(self.addr) & m) != self.invert
    }
}

/// A port match (`--dport 80`, `--dport 8000:8080`, `! --dport 22`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortMatch {
    pub lo: u16,
    pub hi: u16,
    pub invert: bool,
}

impl PortMatch {
    fn matches(&self, port: u16) -> bool {
        (self.lo..=self.hi).contains(&port) != self.invert
    }
}

/// What a matching rule does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// xt_MARK: `mark = (mark & !mask) ^ value` (--set-mark V is value V, mask all ones;
    /// --set-xmark V/M is exactly that).
    Mark { value: u32, mask: u32 },
    /// Stop traversing the chain; the packet goes on with its mark.
    Accept,
    /// Back to the calling chain; from a built-in chain, the policy (ACCEPT).
    Return,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub src: Option<AddrMatch>,
    pub dst: Option<AddrMatch>,
    /// Protocol number and negation; None is `all`.
    pub proto: Option<(u8, bool)>,
    pub sport: Option<PortMatch>,
    pub dport: Option<PortMatch>,
    /// Input interface and negation.
    pub iif: Option<(String, bool)>,
    pub target: Target,
    pub packets: u64,
    pub bytes: u64,
}

/// What a rule looks at in a packet.
pub struct PacketInfo<'a> {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub proto: u8,
    /// Source and destination ports, for TCP and UDP.
    pub ports: Option<(u16, u16)>,
    pub iif: &'a str,
    pub len: usize,
}

impl Rule {
    fn matches(&self, p: &PacketInfo) -> bool {
        let addr = |m: &Option<AddrMatch>, ip| m.is_none_or(|m| m.matches(ip));
        let port = |m: &Option<PortMatch>, pick: fn((u16, u16)) -> u16| {
            m.is_none_or(|m| p.ports.is_some_and(|ports| m.matches(pick(ports))))
        };
        addr(&self.src, p.src)
            && addr(&self.dst, p.dst)
            && self.proto.is_none_or(|(n, inv)| (n == p.proto) != inv)
            && port(&self.sport, |(s, _)| s)
            && port(&self.dport, |(_, d)| d)
            && self
                .iif
                .as_ref()
                .is_none_or(|(name, inv)| iface_matches(name, p.iif) != *inv)
    }
}

/// `-i eth+` matches every name starting with `eth`, as iptables' trailing `+` does.
fn iface_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('+') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

#[derive(Clone, Debug, Default)]
pub struct Chain {
    pub rules: Vec<Rule>,
    /// The policy's counters (packets that reached the end of the chain).
    pub packets: u64,
    pub bytes: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Mangle {
    /// Indexed as CHAINS.
    pub chains: [Chain; 5],
}

impl Mangle {
    pub fn chain_index(name: &str) -> Option<usize> {
        CHAINS.iter().position(|c| *c == name)
    }

    /// No rules anywhere: the per-packet hook costs nothing.
    pub fn is_empty(&self) -> bool {
        self.chains.iter().all(|c| c.rules.is_empty())
    }

    /// ipt_do_table for PREROUTING: the packet's mark after the chain (0 coming in: marks
    /// are not carried over the wire). Returns the mark and the rule number that set it last.
    pub fn prerouting(&mut self, p: &PacketInfo) -> (u32, Option<usize>) {
        let chain = &mut self.chains[0];
        let mut mark = 0;
        let mut by = None;
        for (i, rule) in chain.rules.iter_mut().enumerate() {
            if !rule.matches(p) {
                continue;
            }
            rule.packets += 1;
            rule.bytes += p.len as u64;
            match rule.target {
                Target::Mark { value, mask } => {
                    mark = (mark & !mask) ^ value;
                    by = Some(i + 1);
                }
                Target::Accept | Target::Return => return (mark, by),
            }
        }
        chain.packets += 1;
        chain.bytes += p.len as u64;
        (mark, by)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(dport: u16, value: u32) -> Rule {
        Rule {
            src: None,
            dst: Some(AddrMatch {
                addr: Ipv4Addr::new(10, 0, 0, 100),
                len: 32,
                invert: false,
            }),
            proto: Some((6, false)),
            sport: None,
            dport: Some(PortMatch {
                lo: dport,
                hi: dport,
                invert: false,
            }),
            iif: None,
            target: Target::Mark {
                value,
                mask: u32::MAX,
            },
            packets: 0,
            bytes: 0,
        }
    }

    fn pkt(dst: [u8; 4], dport: u16) -> PacketInfo<'static> {
        PacketInfo {
            src: Ipv4Addr::new(10, 0, 0, 2),
            dst: dst.into(),
            proto: 6,
            ports: Some((40000, dport)),
            iif: "eth0",
            len: 60,
        }
    }

    #[test]
    fn marks_what_matches_and_counts_it() {
        let mut m = Mangle::default();
        m.chains[0].rules = vec![rule(80, 1), rule(443, 1)];
        assert_eq!(m.prerouting(&pkt([10, 0, 0, 100], 443)), (1, Some(2)));
        assert_eq!(m.prerouting(&pkt([10, 0, 0, 100], 22)), (0, None));
        assert_eq!(m.prerouting(&pkt([10, 0, 0, 101], 80)), (0, None));
        let r = &m.chains[0].rules;
        assert_eq!((r[0].packets, r[1].packets, r[1].bytes), (0, 1, 60));
        assert_eq!(m.chains[0].packets, 3, "every packet reached the policy");
    }

    #[test]
    fn later_rules_rewrite_and_accept_stops() {
        let mut m = Mangle::default();
        let mut xor = rule(80, 0x3);
        xor.target = Target::Mark {
            value: 0x3,
            mask: 0,
        };
        let mut stop = rule(80, 0);
        stop.target = Target::Accept;
        m.chains[0].rules = vec![rule(80, 0x5), xor, stop, rule(80, 9)];
        assert_eq!(m.prerouting(&pkt([10, 0, 0, 100], 80)), (0x6, Some(2)));
    }

    #[test]
    fn prefixes_negation_and_interface_wildcards() {
        let net = AddrMatch {
            addr: Ipv4Addr::new(10, 0, 0, 0),
            len: 24,
            invert: true,
        };
        assert!(!net.matches(Ipv4Addr::new(10, 0, 0, 7)));
        assert!(net.matches(Ipv4Addr::new(10, 0, 1, 7)));
        assert!(iface_matches("eth+", "eth1") && !iface_matches("eth0", "eth1"));
        let any = AddrMatch { len: 0, ..net };
        assert_eq!(any.mask(), 0);
    }
}
