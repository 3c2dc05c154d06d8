//! Each match's and target's two faces: `print` (after a rule's row in `iptables -L`) and
//! `save` (after `-A CHAIN …` in `iptables -S` and iptables-save), as libxt_tcp, _udp,
//! _icmp, _multiport, _conntrack, _state, _comment, _mac, _mark, _MARK, _REJECT, _LOG and
//! _NAT write them.

use super::opts::ext::{ICMP_TYPES, TCP_FLAGS};
use crate::kernel::netfilter::x_tables::PortMatch;
use crate::kernel::netfilter::xt_match::{ctstate, Match, Which};
use crate::kernel::netfilter::xt_target::{LogOpts, NatKind, NatTarget, Target};
use crate::user::tools::fmt;

fn bang(invert: bool) -> &'static str {
    if invert {
        "!"
    } else {
        ""
    }
}

/// print_ports of libxt_tcp/libxt_udp: ` dpt:80`, ` dpts:8000:8080`, ` dpt:!22`.
fn ports(label: &str, m: &Option<PortMatch>, numeric: bool) -> String {
    let Some(m) = m.filter(|m| m.lo != 0 || m.hi != 65535 || m.invert) else {
        return String::new();
    };
    let port = |p: u16| match fmt::service(p).filter(|_| !numeric) {
        Some(name) => name.to_string(),
        None => p.to_string(),
    };
    let b = bang(m.invert);
    if m.lo == m.hi {
        format!(" {label}:{b}{}", port(m.lo))
    } else {
        format!(" {label}s:{b}{}:{}", port(m.lo), port(m.hi))
    }
}

fn save_ports(label: &str, m: &Option<PortMatch>) -> String {
    let Some(m) = m.filter(|m| m.lo != 0 || m.hi != 65535) else {
        return String::new();
    };
    let b = if m.invert { " !" } else { "" };
    if m.lo == m.hi {
        format!("{b} --{label} {}", m.lo)
    } else {
        format!("{b} --{label} {}:{}", m.lo, m.hi)
    }
}

fn flag_names(bits: u8) -> String {
    if bits == 0 {
        return "NONE".into();
    }
    let names: Vec<&str> = TCP_FLAGS[..6]
        .iter()
        .filter(|(_, b)| bits & b != 0)
        .map(|(n, _)| *n)
        .collect();
    names.join(",")
}

fn states(bits: u8) -> String {
    let names: Vec<&str> = ctstate::NAMES
        .iter()
        .filter(|(b, _)| bits & b != 0)
        .map(|(_, n)| *n)
        .collect();
    names.join(",")
}

fn port_list(ports: &[(u16, u16)], numeric: bool) -> String {
    let name = |p: u16| match fmt::service(p).filter(|_| !numeric) {
        Some(n) => n.to_string(),
        None => p.to_string(),
    };
    let parts: Vec<String> = ports
        .iter()
        .map(|&(lo, hi)| match lo == hi {
            true => name(lo),
            false => format!("{}:{}", name(lo), name(hi)),
        })
        .collect();
    parts.join(",")
}

fn mac(addr: &[u8; 6]) -> String {
    let parts: Vec<String> = addr.iter().map(|b| format!("{b:02X}")).collect();
    parts.join(":")
}

/// A match in `-L`.
pub fn print_match(m: &Match, numeric: bool) -> String {
    match m {
        Match::Tcp {
            sport,
            dport,
            flags,
        } => {
            let mut s =
                " tcp".to_string() + &ports("spt", sport, numeric) + &ports("dpt", dport, numeric);
            if let Some((mask, cmp, inv)) = flags {
                s += &format!(" flags:{}0x{mask:02X}/0x{cmp:02X}", bang(*inv));
            }
            s
        }
        Match::Udp { sport, dport } => {
            " udp".to_string() + &ports("spt", sport, numeric) + &ports("dpt", dport, numeric)
        }
        Match::Icmp { kind, code, invert } => {
            let name = ICMP_TYPES
                .iter()
                .find(|(_, t, c)| t == kind && c == code && !numeric);
            match (name, *kind) {
                (_, 255) => format!(" icmp{} any", bang(*invert)),
                (Some((n, _, _)), _) => format!(" icmp{} {n}", bang(*invert)),
                (None, k) => {
                    let mut s = format!(" icmp{} type {k}", bang(*invert));
                    if let Some(c) = code {
                        s += &format!(" code {c}");
                    }
                    s
                }
            }
        }
        Match::Multiport {
            which,
            ports,
            invert,
        } => {
            let w = match which {
                Which::Src => "sports",
                Which::Dst => "dports",
                Which::Either => "ports",
            };
            format!(
                " multiport {w} {}{}",
                bang(*invert),
                port_list(ports, numeric)
            )
        }
        Match::CtState {
            states: st,
            invert,
            old_state,
        } => {
            let word = if *old_state { "state" } else { "ctstate" };
            format!(" {}{word} {}", bang(*invert), states(*st))
        }
        Match::Comment(c) => format!(" /* {c} */"),
        Match::Mac { addr, invert } => {
            format!(" MAC{} {}", if *invert { " !" } else { "" }, mac(addr))
        }
        Match::Mark {
            value,
            mask,
            invert,
        } => format!(" mark match {}{}", bang(*invert), mark_value(*value, *mask)),
    }
}

fn mark_value(value: u32, mask: u32) -> String {
    if mask == u32::MAX {
        format!("0x{value:x}")
    } else {
        format!("0x{value:x}/0x{mask:x}")
    }
}

/// A match in `-S`.
pub fn save_match(m: &Match) -> String {
    let inv = |i: bool| if i { " !" } else { "" };
    match m {
        Match::Tcp {
            sport,
            dport,
            flags,
        } => {
            let mut s =
                " -m tcp".to_string() + &save_ports("sport", sport) + &save_ports("dport", dport);
            if let Some((mask, cmp, i)) = flags {
                s += &format!(
                    "{} --tcp-flags {} {}",
                    inv(*i),
                    flag_names(*mask),
                    flag_names(*cmp)
                );
            }
            s
        }
        Match::Udp { sport, dport } => {
            " -m udp".to_string() + &save_ports("sport", sport) + &save_ports("dport", dport)
        }
        Match::Icmp { kind, code, invert } => {
            let mut s = format!(" -m icmp{} --icmp-type {kind}", inv(*invert));
            if let Some(c) = code {
                s += &format!("/{c}");
            }
            s
        }
        Match::Multiport {
            which,
            ports,
            invert,
        } => {
            let w = match which {
                Which::Src => "sports",
                Which::Dst => "dports",
                Which::Either => "ports",
            };
            format!(
                " -m multiport{} --{w} {}",
                inv(*invert),
                port_list(ports, true)
            )
        }
        Match::CtState {
            states: st,
            invert,
            old_state: true,
        } => format!(" -m state{} --state {}", inv(*invert), states(*st)),
        Match::CtState {
            states: st, invert, ..
        } => {
            format!(" -m conntrack{} --ctstate {}", inv(*invert), states(*st))
        }
        Match::Comment(c) => format!(" -m comment --comment {}", quoted(c)),
        Match::Mac { addr, invert } => {
            format!(" -m mac{} --mac-source {}", inv(*invert), mac(addr))
        }
        Match::Mark {
            value,
            mask,
            invert,
        } => format!(
            " -m mark{} --mark {}",
            inv(*invert),
            mark_value(*value, *mask)
        ),
    }
}

/// xtables_save_string: a word as it is, anything else in double quotes with `"` and `\`
/// escaped.
pub fn quoted(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:+@%,=".contains(c));
    if plain {
        return s.to_string();
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The target's own words in `-L` (after the matches).
pub fn print_target(t: &Target, numeric: bool) -> String {
    match t {
        Target::Mark { value, mask } => mark_print(*value, *mask),
        Target::Reject(w) => format!(" reject-with {}", w.name()),
        Target::Log(l) => log_print(l, numeric),
        Target::Nat(n) => nat_print(n),
        _ => String::new(),
    }
}

/// The target in `-S`: ` -j NAME` and its options.
pub fn save_target(t: &Target) -> String {
    let name = target_name(t);
    let mut s = match t {
        Target::None => return String::new(),
        Target::Goto(c) => return format!(" -g {c}"),
        _ => format!(" -j {name}"),
    };
    match t {
        Target::Mark { value, mask } => s += &format!(" --set-xmark 0x{value:x}/0x{mask:x}"),
        Target::Reject(w) => s += &format!(" --reject-with {}", w.name()),
        Target::Log(l) => {
            if !l.prefix.is_empty() {
                s += &format!(" --log-prefix {}", quoted(&l.prefix));
            }
            if l.level != 4 {
                s += &format!(" --log-level {}", l.level);
            }
            for (on, opt, _) in log_flags(l) {
                if on {
                    s += &format!(" --log-{opt}");
                }
            }
        }
        Target::Nat(n) => s += &nat_save(n),
        _ => {}
    }
    s
}

pub fn target_name(t: &Target) -> &str {
    match t {
        Target::None => "",
        Target::Accept => "ACCEPT",
        Target::Drop => "DROP",
        Target::Return => "RETURN",
        Target::Jump(c) | Target::Goto(c) => c,
        Target::Reject(_) => "REJECT",
        Target::Log(_) => "LOG",
        Target::Mark { .. } => "MARK",
        Target::Nat(n) => n.kind.name(),
    }
}

/// The options with their XT_LOG_* bits.
fn log_flags(l: &LogOpts) -> [(bool, &'static str, u8); 5] {
    [
        (l.tcp_sequence, "tcp-sequence", 0x01),
        (l.tcp_options, "tcp-options", 0x02),
        (l.ip_options, "ip-options", 0x04),
        (l.uid, "uid", 0x08),
        (l.macdecode, "macdecode", 0x20),
    ]
}

/// The level names `-L` prints without `-n`.
const LEVEL_NAMES: [&str; 8] = [
    "emerg", "alert", "crit", "err", "warn", "notice", "info", "debug",
];

/// libxt_LOG's print: ` LOG flags N level L prefix "P"` with `-n`, else ` LOG level NAME
/// prefix "P"` (with the options by name).
fn log_print(l: &LogOpts, numeric: bool) -> String {
    let mut s = if numeric {
        let flags = log_flags(l)
            .iter()
            .filter(|(on, _, _)| *on)
            .fold(0u8, |acc, (_, _, bit)| acc | bit);
        format!(" LOG flags {flags} level {}", l.level)
    } else {
        let mut s = format!(" LOG level {}", LEVEL_NAMES[usize::from(l.level.min(7))]);
        for (on, name, _) in log_flags(l) {
            if on {
                s += &format!(" {name}");
            }
        }
        s
    };
    if !l.prefix.is_empty() {
        s += &format!(" prefix \"{}\"", l.prefix);
    }
    s
}

/// libxt_MARK revision 2's mark_tg_print.
pub fn mark_print(value: u32, mask: u32) -> String {
    if value == 0 {
        format!(" MARK and 0x{:x}", !mask)
    } else if value == mask {
        format!(" MARK or 0x{value:x}")
    } else if mask == 0 {
        format!(" MARK xor 0x{value:x}")
    } else if mask == u32::MAX {
        format!(" MARK set 0x{value:x}")
    } else {
        format!(" MARK xset 0x{value:x}/0x{mask:x}")
    }
}

fn range_text(n: &NatTarget) -> String {
    let mut s = String::new();
    if let Some((lo, hi)) = n.addrs {
        s += &lo.to_string();
        if hi != lo {
            s += &format!("-{hi}");
        }
    }
    if let Some((lo, hi)) = n.ports {
        s += &format!(":{lo}");
        if hi != lo {
            s += &format!("-{hi}");
        }
    }
    s
}

fn ports_text((lo, hi): (u16, u16)) -> String {
    match lo == hi {
        true => lo.to_string(),
        false => format!("{lo}-{hi}"),
    }
}

fn nat_flags(n: &NatTarget) -> String {
    let mut s = String::new();
    for (on, word) in [
        (n.random, "random"),
        (n.fully_random, "random-fully"),
        (n.persistent, "persistent"),
    ] {
        if on {
            s += " ";
            s += word;
        }
    }
    s
}

fn nat_print(n: &NatTarget) -> String {
    let mut s = match n.kind {
        NatKind::Snat | NatKind::Dnat => format!(" to:{}", range_text(n)),
        NatKind::Masquerade => n
            .ports
            .map_or(String::new(), |p| format!(" masq ports: {}", ports_text(p))),
        NatKind::Redirect => n
            .ports
            .map_or(String::new(), |p| format!(" redir ports {}", ports_text(p))),
    };
    s += &nat_flags(n);
    s
}

fn nat_save(n: &NatTarget) -> String {
    let mut s = match n.kind {
        NatKind::Snat => format!(" --to-source {}", range_text(n)),
        NatKind::Dnat => format!(" --to-destination {}", range_text(n)),
        _ => n
            .ports
            .map_or(String::new(), |p| format!(" --to-ports {}", ports_text(p))),
    };
    for (on, word) in [
        (n.random, "random"),
        (n.fully_random, "random-fully"),
        (n.persistent, "persistent"),
    ] {
        if on {
            s += &format!(" --{word}");
        }
    }
    s
}

/// Words a chain may not be called: the targets iptables knows.
pub fn is_target_word(name: &str) -> bool {
    matches!(
        name,
        "ACCEPT"
            | "DROP"
            | "RETURN"
            | "QUEUE"
            | "REJECT"
            | "LOG"
            | "MARK"
            | "SNAT"
            | "DNAT"
            | "MASQUERADE"
            | "REDIRECT"
    )
}
