//! Extension matches (net/netfilter/xt_tcpudp.c, xt_multiport.c, xt_conntrack.c,
//! xt_state.c, xt_comment.c, xt_mac.c, xt_mark.c, net/ipv4/netfilter/ip_tables.c's icmp
//! match) and the view of a packet they read. Reading is bounds-checked: a short or odd
//! packet does not match, it never panics.

use super::x_tables::PortMatch;
use std::net::Ipv4Addr;

/// Connection-tracking states as xt_conntrack and xt_state number them.
pub mod ctstate {
    pub const INVALID: u8 = 1;
    pub const ESTABLISHED: u8 = 1 << 1;
    pub const RELATED: u8 = 1 << 2;
    pub const NEW: u8 = 1 << 3;
    pub const UNTRACKED: u8 = 1 << 4;
    pub const SNAT: u8 = 1 << 5;
    pub const DNAT: u8 = 1 << 6;
    /// In the order iptables prints them.
    pub const NAMES: [(u8, &str); 7] = [
        (INVALID, "INVALID"),
        (NEW, "NEW"),
        (RELATED, "RELATED"),
        (ESTABLISHED, "ESTABLISHED"),
        (UNTRACKED, "UNTRACKED"),
        (SNAT, "SNAT"),
        (DNAT, "DNAT"),
    ];
}

/// What the matches see of a packet: its IPv4 bytes, the interfaces, its mark, its
/// connection's state (when conntrack runs) and the Ethernet header (for input).
#[derive(Clone, Copy, Debug)]
pub struct PacketView<'a> {
    pub pkt: &'a [u8],
    pub iif: Option<&'a str>,
    pub oif: Option<&'a str>,
    pub mark: u32,
    pub ctstate: u8,
    /// The Ethernet header it came in with (`-m mac` reads its source; LOG prints it).
    pub mac_header: Option<&'a [u8]>,
}

impl<'a> PacketView<'a> {
    pub fn new(pkt: &'a [u8]) -> PacketView<'a> {
        PacketView {
            pkt,
            iif: None,
            oif: None,
            mark: 0,
            ctstate: ctstate::UNTRACKED,
            mac_header: None,
        }
    }

    pub fn with_mark(&self, mark: u32) -> PacketView<'a> {
        PacketView { mark, ..*self }
    }

    fn quad(&self, at: usize) -> Ipv4Addr {
        match self.pkt.get(at..at + 4) {
            Some(&[a, b, c, d]) => Ipv4Addr::new(a, b, c, d),
            _ => Ipv4Addr::UNSPECIFIED,
        }
    }

    pub fn src(&self) -> Ipv4Addr {
        self.quad(12)
    }

    pub fn dst(&self) -> Ipv4Addr {
        self.quad(16)
    }

    pub fn proto(&self) -> u8 {
        self.pkt.get(9).copied().unwrap_or(0)
    }

    /// The transport header (after the IP header), if the packet has one.
    pub fn l4(&self) -> &'a [u8] {
        let ihl = self.pkt.first().map_or(20, |b| usize::from(b & 0x0f) * 4);
        self.pkt.get(ihl..).unwrap_or(&[])
    }

    /// Source and destination ports of TCP or UDP.
    pub fn ports(&self) -> Option<(u16, u16)> {
        match (self.proto(), self.l4()) {
            (6 | 17, [a, b, c, d, ..]) => {
                Some((u16::from_be_bytes([*a, *b]), u16::from_be_bytes([*c, *d])))
            }
            _ => None,
        }
    }

    /// TCP flags (FIN SYN RST PSH ACK URG as their bits).
    pub fn tcp_flags(&self) -> Option<u8> {
        (self.proto() == 6)
            .then(|| self.l4().get(13).copied())
            .flatten()
    }
}

/// Which ports a multiport match looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    Src,
    Dst,
    Either,
}

/// The extension matches netstep runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Match {
    /// `-p tcp` or `-m tcp`: ports and flags (`--tcp-flags MASK COMP`, `--syn`).
    Tcp {
        sport: Option<PortMatch>,
        dport: Option<PortMatch>,
        flags: Option<(u8, u8, bool)>,
    },
    Udp {
        sport: Option<PortMatch>,
        dport: Option<PortMatch>,
    },
    /// `--icmp-type`: type, code (None: any), negation.
    Icmp {
        kind: u8,
        code: Option<u8>,
        invert: bool,
    },
    /// `-m multiport --dports 80,443,8000:8080`.
    Multiport {
        which: Which,
        ports: Vec<(u16, u16)>,
        invert: bool,
    },
    /// `-m conntrack --ctstate A,B` (or `-m state --state`, which reads the same bits).
    CtState {
        states: u8,
        invert: bool,
        old_state: bool,
    },
    Comment(String),
    Mac {
        addr: [u8; 6],
        invert: bool,
    },
    /// `-m mark --mark V[/M]`.
    Mark {
        value: u32,
        mask: u32,
        invert: bool,
    },
}

impl Match {
    pub fn matches(&self, v: &PacketView) -> bool {
        match self {
            Match::Tcp {
                sport,
                dport,
                flags,
            } => {
                v.proto() == 6
                    && ports_match(v, *sport, *dport)
                    && flags.is_none_or(|(mask, cmp, inv)| {
                        v.tcp_flags().is_some_and(|f| (f & mask == cmp) != inv)
                    })
            }
            Match::Udp { sport, dport } => v.proto() == 17 && ports_match(v, *sport, *dport),
            Match::Icmp { kind, code, invert } => {
                let hit = v.proto() == 1
                    && match v.l4() {
                        [t, c, ..] => t == kind && code.is_none_or(|code| code == *c),
                        _ => false,
                    };
                hit != *invert
            }
            Match::Multiport {
                which,
                ports,
                invert,
            } => v.ports().is_some_and(|(s, d)| {
                let hit = |p: u16| ports.iter().any(|&(lo, hi)| (lo..=hi).contains(&p));
                let any = match which {
                    Which::Src => hit(s),
                    Which::Dst => hit(d),
                    Which::Either => hit(s) || hit(d),
                };
                any != *invert
            }),
            Match::CtState { states, invert, .. } => (v.ctstate & states != 0) != *invert,
            Match::Comment(_) => true,
            Match::Mac { addr, invert } => v
                .mac_header
                .is_some_and(|h| (h.get(6..12) == Some(&addr[..])) != *invert),
            Match::Mark {
                value,
                mask,
                invert,
            } => ((v.mark & mask) == *value) != *invert,
        }
    }

    /// Whether the match needs connection tracking to run.
    pub fn needs_conntrack(&self) -> bool {
        matches!(self, Match::CtState { .. })
    }
}

fn ports_match(v: &PacketView, sport: Option<PortMatch>, dport: Option<PortMatch>) -> bool {
    let Some((s, d)) = v.ports() else {
        return sport.is_none() && dport.is_none();
    };
    sport.is_none_or(|m| m.matches(s)) && dport.is_none_or(|m| m.matches(d))
}
