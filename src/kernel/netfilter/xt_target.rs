//! Targets: the verdicts (ACCEPT, DROP, RETURN, a chain), and the extensions netstep runs:
//! REJECT (ipt_REJECT.c), LOG (xt_LOG.c, nf_log_syslog.c), MARK (xt_mark.c), and the NAT
//! ones, SNAT, DNAT, MASQUERADE and REDIRECT (xt_nat.c, xt_MASQUERADE.c, xt_REDIRECT.c),
//! which only say what mapping to set up: nf_nat does it.

use super::xt_match::PacketView;
use std::fmt::Write;
use std::net::Ipv4Addr;

/// What REJECT answers with (`--reject-with`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RejectWith {
    NetUnreachable,
    HostUnreachable,
    PortUnreachable,
    ProtoUnreachable,
    NetProhibited,
    HostProhibited,
    AdminProhibited,
    TcpReset,
}

impl RejectWith {
    /// The names iptables takes and prints, in its table's order.
    pub const ALL: [(RejectWith, &'static str); 8] = [
        (RejectWith::NetUnreachable, "icmp-net-unreachable"),
        (RejectWith::HostUnreachable, "icmp-host-unreachable"),
        (RejectWith::PortUnreachable, "icmp-port-unreachable"),
        (RejectWith::ProtoUnreachable, "icmp-proto-unreachable"),
        (RejectWith::NetProhibited, "icmp-net-prohibited"),
        (RejectWith::HostProhibited, "icmp-host-prohibited"),
        (RejectWith::AdminProhibited, "icmp-admin-prohibited"),
        (RejectWith::TcpReset, "tcp-reset"),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(w, _)| *w == self)
            .map_or("icmp-port-unreachable", |(_, n)| n)
    }

    /// The ICMP destination-unreachable code it sends (None: a TCP reset).
    pub fn icmp_code(self) -> Option<u8> {
        Some(match self {
            RejectWith::NetUnreachable => 0,
            RejectWith::HostUnreachable => 1,
            RejectWith::ProtoUnreachable => 2,
            RejectWith::PortUnreachable => 3,
            RejectWith::NetProhibited => 9,
            RejectWith::HostProhibited => 10,
            RejectWith::AdminProhibited => 13,
            RejectWith::TcpReset => return None,
        })
    }
}

/// LOG's options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogOpts {
    pub prefix: String,
    /// syslog level, 4 (warning) unless `--log-level` says otherwise.
    pub level: u8,
    pub tcp_sequence: bool,
    pub tcp_options: bool,
    pub ip_options: bool,
    pub uid: bool,
    pub macdecode: bool,
}

impl Default for LogOpts {
    fn default() -> LogOpts {
        LogOpts {
            prefix: String::new(),
            level: 4,
            tcp_sequence: false,
            tcp_options: false,
            ip_options: false,
            uid: false,
            macdecode: false,
        }
    }
}

impl LogOpts {
    /// The line nf_log_syslog writes to the kernel log (without dmesg's timestamp).
    pub fn line(&self, v: &PacketView) -> String {
        let mut s = format!(
            "{}IN={} OUT={} ",
            self.prefix,
            v.iif.unwrap_or(""),
            v.oif.unwrap_or("")
        );
        if let (Some(_), Some(mac)) = (v.iif, v.mac_header) {
            s.push_str("MAC=");
            let hex: Vec<String> = mac.iter().map(|b| format!("{b:02x}")).collect();
            s.push_str(&hex.join(":"));
            s.push(' ');
        }
        dump_ipv4(&mut s, v.pkt, self, true);
        s
    }
}

/// dump_ipv4_packet: addresses, header fields, then the transport's; an ICMP error's
/// quoted packet follows in brackets (once: not inside another quote).
fn dump_ipv4(s: &mut String, p: &[u8], opts: &LogOpts, outer: bool) {
    let v = PacketView::new(p);
    let seq = opts.tcp_sequence;
    let byte = |i: usize| p.get(i).copied().unwrap_or(0);
    let word = |i: usize| u16::from_be_bytes([byte(i), byte(i + 1)]);
    let tos = byte(1);
    let _ = write!(
        s,
        "SRC={} DST={} LEN={} TOS=0x{:02X} PREC=0x{:02X} TTL={} ID={} ",
        v.src(),
        v.dst(),
        word(2),
        tos & 0x1e,
        tos & 0xe0,
        byte(8),
        word(4)
    );
    let frag = word(6);
    if frag & 0x8000 != 0 {
        s.push_str("CE ");
    }
    if frag & 0x4000 != 0 {
        s.push_str("DF ");
    }
    if frag & 0x2000 != 0 {
        s.push_str("MF ");
    }
    let l4 = v.l4();
    let l4b = |i: usize| l4.get(i).copied().unwrap_or(0);
    let l4w = |i: usize| u16::from_be_bytes([l4b(i), l4b(i + 1)]);
    match v.proto() {
        6 => {
            let _ = write!(s, "PROTO=TCP SPT={} DPT={} ", l4w(0), l4w(2));
            if seq {
                let dw =
                    |i: usize| u32::from_be_bytes([l4b(i), l4b(i + 1), l4b(i + 2), l4b(i + 3)]);
                let _ = write!(s, "SEQ={} ACK={} ", dw(4), dw(8));
            }
            let flags = l4b(13);
            let _ = write!(s, "WINDOW={} RES=0x{:02x} ", l4w(14), l4b(12) & 0x0e);
            let doff = usize::from(l4b(12) >> 4) * 4;
            for (bit, name) in [
                (0x80, "CWR"),
                (0x40, "ECE"),
                (0x20, "URG"),
                (0x10, "ACK"),
                (0x08, "PSH"),
                (0x04, "RST"),
                (0x02, "SYN"),
                (0x01, "FIN"),
            ] {
                if flags & bit != 0 {
                    s.push_str(name);
                    s.push(' ');
                }
            }
            let _ = write!(s, "URGP={} ", l4w(18));
            if opts.tcp_options && doff > 20 {
                let o = l4.get(20..doff).unwrap_or(&[]);
                let hex: String = o.iter().map(|b| format!("{b:02X}")).collect();
                let _ = write!(s, "OPT ({hex}) ");
            }
        }
        17 => {
            let _ = write!(s, "PROTO=UDP SPT={} DPT={} LEN={} ", l4w(0), l4w(2), l4w(4));
        }
        1 => {
            let _ = write!(s, "PROTO=ICMP TYPE={} CODE={} ", l4b(0), l4b(1));
            if matches!(l4b(0), 0 | 8) {
                let _ = write!(s, "ID={} SEQ={} ", l4w(4), l4w(6));
            }
            if outer && matches!(l4b(0), 3 | 4 | 5 | 11 | 12) && l4.len() >= 8 + 20 {
                s.push('[');
                dump_ipv4(s, &l4[8..], opts, false);
                s.push_str("] ");
            }
        }
        n => {
            let _ = write!(s, "PROTO={n} ");
        }
    }
}

/// Which NAT target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NatKind {
    Snat,
    Dnat,
    Masquerade,
    Redirect,
}

impl NatKind {
    pub fn name(self) -> &'static str {
        match self {
            NatKind::Snat => "SNAT",
            NatKind::Dnat => "DNAT",
            NatKind::Masquerade => "MASQUERADE",
            NatKind::Redirect => "REDIRECT",
        }
    }
}

/// A NAT target's range: addresses and ports to map to (nf_nat_range2), and its flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NatTarget {
    pub kind: NatKind,
    pub addrs: Option<(Ipv4Addr, Ipv4Addr)>,
    pub ports: Option<(u16, u16)>,
    pub random: bool,
    pub fully_random: bool,
    pub persistent: bool,
}

impl NatTarget {
    pub fn new(kind: NatKind) -> NatTarget {
        NatTarget {
            kind,
            addrs: None,
            ports: None,
            random: false,
            fully_random: false,
            persistent: false,
        }
    }

    /// SNAT and MASQUERADE change the source; DNAT and REDIRECT the destination.
    pub fn is_source(&self) -> bool {
        matches!(self.kind, NatKind::Snat | NatKind::Masquerade)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// No `-j`: the rule only counts.
    None,
    Accept,
    Drop,
    Return,
    Jump(String),
    Goto(String),
    Reject(RejectWith),
    Log(LogOpts),
    /// xt_MARK: `mark = (mark & !mask) ^ value`.
    Mark {
        value: u32,
        mask: u32,
    },
    Nat(NatTarget),
}

impl Target {
    /// The chain a jump or goto names.
    pub fn chain(&self) -> Option<&str> {
        match self {
            Target::Jump(c) | Target::Goto(c) => Some(c),
            _ => None,
        }
    }
}
