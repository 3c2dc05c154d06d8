//! What `iptables -L` and `-S` print, as iptables 1.8.9 prints it: print_header and
//! nft_ipv4_print_rule (print_rule_details, print_fragment, print_ifaces,
//! print_ipv4_addresses, then each match's and the target's print), xtables_print_num for
//! counters, and iptables-save's form (save_ipv4_addr, save_rule_details, the matches' and
//! targets' save) for `-S`. The one 1.8.9 quirk kept on purpose: with `-n` the `prot` column
//! shows the protocol number (`6`, `0` for all); iptables 1.8.10 went back to names.

use crate::kernel::iptable_mangle::{AddrMatch, Chain, PortMatch, Rule, Target};
use crate::kernel::Kernel;
use crate::user::tools::fmt;
use std::net::Ipv4Addr;

/// xtables_chain_protos: the names iptables knows without /etc/protocols.
pub const CHAIN_PROTOS: &[(&str, u8)] = &[
    ("tcp", 6),
    ("sctp", 132),
    ("udp", 17),
    ("udplite", 136),
    ("icmp", 1),
    ("ipv6-icmp", 58),
    ("icmpv6", 58),
    ("esp", 50),
    ("ah", 51),
    ("mobility-header", 135),
    ("ipv6-mh", 135),
    ("mh", 135),
    ("all", 0),
];

/// The few /etc/protocols lines (Debian's netbase) a lab may meet.
pub const ETC_PROTOCOLS: &[(&str, u8)] = &[
    ("ip", 0),
    ("igmp", 2),
    ("ipencap", 4),
    ("gre", 47),
    ("ospf", 89),
    ("vrrp", 112),
];

/// The listing flags (FMT_*): `-n`, `-v`, not `-x`, `--line-numbers`.
#[derive(Clone, Copy, Default)]
pub struct Format {
    pub numeric: bool,
    pub verbose: bool,
    pub kmg: bool,
    pub line_numbers: bool,
}

/// proto_to_name: iptables' own names, then /etc/protocols unless `nolookup`.
fn proto_name(num: u8, nolookup: bool) -> Option<&'static str> {
    let own = CHAIN_PROTOS.iter().find(|(_, n)| *n == num);
    let etc = || ETC_PROTOCOLS.iter().find(|(_, n)| *n == num && num != 0);
    own.or_else(|| (!nolookup).then(etc).flatten())
        .map(|(name, _)| *name)
}

/// xtables_print_num in a table column: exact (`-x`, 8 wide) or abbreviated (5 wide, K/M/G/T
/// after 99999, rounded).
fn num(n: u64, kmg: bool) -> String {
    if !kmg {
        return format!("{n:>8} ");
    }
    if n <= 99999 {
        return format!("{n:>5} ");
    }
    let mut n = (n + 500) / 1000;
    for unit in ['K', 'M', 'G'] {
        if n <= 9999 {
            return format!("{n:>4}{unit} ");
        }
        n = (n + 500) / 1000;
    }
    format!("{n:>4}T ")
}

/// xtables_print_num with FMT_NOTABLE, as the policy line uses it: no padding.
fn num_plain(n: u64, kmg: bool) -> String {
    num(n, kmg).trim_start().to_string()
}

fn target_name(t: &Target) -> &'static str {
    match t {
        Target::Mark { .. } => "MARK",
        Target::Accept => "ACCEPT",
        Target::Return => "RETURN",
    }
}

/// print_header: the chain line and the column titles.
fn header(name: &str, chain: &Chain, f: Format) -> String {
    let mut s = format!("Chain {name} (policy ACCEPT");
    if f.verbose {
        s += &format!(
            " {}packets, {}bytes",
            num_plain(chain.packets, f.kmg),
            num_plain(chain.bytes, f.kmg)
        );
    }
    s += ")\n";
    if f.line_numbers {
        s += "num  ";
    }
    if f.verbose {
        s += if f.kmg {
            " pkts bytes "
        } else {
            "    pkts      bytes "
        };
    }
    s += "target     prot opt";
    if f.verbose {
        s += " in     out    ";
    }
    s += " source               destination         \n";
    s
}

/// ipv4_addr_to_string: `anywhere` (without -n) for no match, else the address or a name,
/// and `/LEN` unless it is 32.
fn address(k: &Kernel, m: &Option<AddrMatch>, numeric: bool) -> String {
    let (ip, len) = m.map_or((Ipv4Addr::UNSPECIFIED, 0), |m| (m.addr, m.len));
    if len == 0 && !numeric {
        return "anywhere".into();
    }
    let name = if numeric {
        ip.to_string()
    } else {
        k.reverse(ip)
            .or_else(|| fmt::net_name(k, ip))
            .unwrap_or_else(|| ip.to_string())
    };
    if len == 32 {
        name
    } else {
        format!("{name}/{len}")
    }
}

fn inv(m: &Option<AddrMatch>) -> char {
    if m.is_some_and(|m| m.invert) {
        '!'
    } else {
        ' '
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
    let bang = if m.invert { "!" } else { "" };
    if m.lo == m.hi {
        format!(" {label}:{bang}{}", port(m.lo))
    } else {
        format!(" {label}s:{bang}{}:{}", port(m.lo), port(m.hi))
    }
}

/// The port match's name: the rule's protocol, as `-p` loaded it.
fn port_match_name(r: &Rule) -> &'static str {
    match r.proto {
        Some((17, _)) => "udp",
        _ => "tcp",
    }
}

/// The matches' and the target's print functions.
fn extras(r: &Rule, numeric: bool) -> String {
    let mut s = String::new();
    if r.sport.is_some() || r.dport.is_some() {
        s += &format!(" {}", port_match_name(r));
        s += &ports("spt", &r.sport, numeric);
        s += &ports("dpt", &r.dport, numeric);
    }
    if let Target::Mark { value, mask } = r.target {
        s += &mark_print(value, mask);
    }
    s
}

/// libxt_MARK revision 2's mark_tg_print.
fn mark_print(value: u32, mask: u32) -> String {
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

fn iface(r: &Rule, numeric: bool) -> String {
    match &r.iif {
        Some((name, invert)) => format!("{}{name}", if *invert { "!" } else { "" }),
        None if numeric => "*".into(),
        None => "any".into(),
    }
}

/// One rule as a table row (print_firewall's layout).
fn row(k: &Kernel, n: usize, r: &Rule, f: Format) -> String {
    let mut s = String::new();
    if f.line_numbers {
        s += &format!("{n:<4} ");
    }
    if f.verbose {
        s += &num(r.packets, f.kmg);
        s += &num(r.bytes, f.kmg);
    }
    s += &format!("{:<9} ", target_name(&r.target));
    let (p, p_inv) = r.proto.unwrap_or((0, false));
    s.push(if p_inv { '!' } else { ' ' });
    // 1.8.9 prints the number with -n (commit "Print protocol numbers if --numeric").
    match proto_name(p, f.numeric).filter(|_| !f.numeric) {
        Some(name) => s += &format!("{name:<4} "),
        None => s += &format!("{p:<4} "),
    }
    s += "-- ";
    if f.verbose {
        s += &format!(" {:<6} {:<6} ", iface(r, f.numeric), iface_none(f.numeric));
    }
    s.push(inv(&r.src));
    s += &format!("{:<19} ", address(k, &r.src, f.numeric));
    s.push(inv(&r.dst));
    s += &format!("{:<19} ", address(k, &r.dst, f.numeric));
    s += &extras(r, f.numeric);
    s += "\n";
    s
}

/// The `out` column: netstep's rules have no output interface.
fn iface_none(numeric: bool) -> &'static str {
    if numeric {
        "*"
    } else {
        "any"
    }
}

/// `-L [CHAIN [N]]`: every chain (or one), a blank line between them; with a rule number,
/// only that rule's row and no header.
pub fn list(k: &Kernel, chains: &[(&str, Chain)], rulenum: usize, f: Format) -> String {
    let mut out = String::new();
    for (i, (name, chain)) in chains.iter().enumerate() {
        if rulenum > 0 {
            if let Some(r) = chain.rules.get(rulenum - 1) {
                out += &row(k, rulenum, r, f);
            }
            continue;
        }
        if i > 0 {
            out += "\n";
        }
        out += &header(name, chain, f);
        for (n, r) in chain.rules.iter().enumerate() {
            out += &row(k, n + 1, r, f);
        }
    }
    out
}

/// A rule as iptables-save writes it, after `-A CHAIN`.
pub fn save_rule(chain: &str, r: &Rule, counters: bool) -> String {
    let mut s = format!("-A {chain}");
    s += &save_addr('s', &r.src);
    s += &save_addr('d', &r.dst);
    if let Some((name, invert)) = r.iif.as_ref().filter(|(n, _)| n != "+") {
        s += &format!("{} -i {name}", if *invert { " !" } else { "" });
    }
    if let Some((p, invert)) = r.proto.filter(|(p, _)| *p > 0) {
        s += if invert { " !" } else { "" };
        match proto_name(p, false) {
            Some(name) => s += &format!(" -p {name}"),
            None => s += &format!(" -p {p}"),
        }
    }
    if r.sport.is_some() || r.dport.is_some() {
        s += &format!(" -m {}", port_match_name(r));
        s += &save_ports("sport", &r.sport);
        s += &save_ports("dport", &r.dport);
    }
    if counters {
        s += &format!(" -c {} {}", r.packets, r.bytes);
    }
    s += &format!(" -j {}", target_name(&r.target));
    if let Target::Mark { value, mask } = r.target {
        s += &format!(" --set-xmark 0x{value:x}/0x{mask:x}");
    }
    s + "\n"
}

/// save_ipv4_addr: nothing for 0.0.0.0/0, else ` [!] -s ADDR/LEN` (LEN 32 included).
fn save_addr(letter: char, m: &Option<AddrMatch>) -> String {
    match m {
        Some(m) if m.len > 0 || m.invert || !m.addr.is_unspecified() => format!(
            "{} -{letter} {}/{}",
            if m.invert { " !" } else { "" },
            m.addr,
            m.len
        ),
        _ => String::new(),
    }
}

fn save_ports(label: &str, m: &Option<PortMatch>) -> String {
    let Some(m) = m.filter(|m| m.lo != 0 || m.hi != 65535) else {
        return String::new();
    };
    let bang = if m.invert { " !" } else { "" };
    if m.lo == m.hi {
        format!("{bang} --{label} {}", m.lo)
    } else {
        format!("{bang} --{label} {}:{}", m.lo, m.hi)
    }
}

/// `-S [CHAIN [N]]`: the policies, then the rules; with a rule number, only that rule.
pub fn list_rules(chains: &[(&str, Chain)], rulenum: usize, counters: bool) -> String {
    let mut out = String::new();
    if rulenum == 0 {
        for (name, chain) in chains {
            out += &format!("-P {name} ACCEPT");
            if counters {
                out += &format!(" -c {} {}", chain.packets, chain.bytes);
            }
            out += "\n";
        }
    }
    for (name, chain) in chains {
        for (n, r) in chain.rules.iter().enumerate() {
            if rulenum == 0 || rulenum == n + 1 {
                out += &save_rule(name, r, counters);
            }
        }
    }
    out
}

/// What `-v` echoes for each rule it adds or deletes (FMT_PRINT_RULE: untabulated, numeric).
pub fn echo_rule(r: &Rule) -> String {
    let (p, p_inv) = r.proto.unwrap_or((0, false));
    let proto = proto_name(p, true).map_or_else(|| p.to_string(), String::from);
    format!(
        "{} {}{proto} opt -- in {} out * {}{} {}-> {}  {}\n",
        target_name(&r.target),
        if p_inv { '!' } else { ' ' },
        iface(r, true),
        inv(&r.src),
        address_plain(&r.src),
        inv(&r.dst),
        address_plain(&r.dst),
        extras(r, true)
    )
}

/// ipv4_addr_to_string with FMT_NUMERIC, for the echoed rule.
fn address_plain(m: &Option<AddrMatch>) -> String {
    let (ip, len) = m.map_or((Ipv4Addr::UNSPECIFIED, 0), |m| (m.addr, m.len));
    if len == 32 {
        ip.to_string()
    } else {
        format!("{ip}/{len}")
    }
}
