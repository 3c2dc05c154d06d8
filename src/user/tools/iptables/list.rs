//! What `iptables -L` and `-S` print, as iptables 1.8.9 prints it: print_header and
//! nft_ipv4_print_rule (print_rule_details, print_fragment, print_ifaces,
//! print_ipv4_addresses, then each match's and the target's print), xtables_print_num for
//! counters, and iptables-save's form (save_ipv4_addr, save_rule_details, the matches' and
//! targets' save) for `-S`. The one 1.8.9 quirk kept on purpose: with `-n` the `prot` column
//! shows the protocol number (`6`, `0` for all); iptables 1.8.10 went back to names.

use super::print::{print_match, print_target, save_match, save_target, target_name};
use crate::kernel::netfilter::x_tables::{policy_word, AddrMatch, Chain, IfMatch, Rule, Table};
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

/// print_header: the chain line and the column titles. A user-defined chain shows how many
/// rules jump to it instead of a policy.
fn header(chain: &Chain, refs: usize, f: Format) -> String {
    let mut s = format!("Chain {}", chain.name);
    match chain.policy {
        Some(p) => {
            s += &format!(" (policy {}", policy_word(Some(p)));
            if f.verbose {
                s += &format!(
                    " {}packets, {}bytes",
                    num_plain(chain.packets, f.kmg),
                    num_plain(chain.bytes, f.kmg)
                );
            }
        }
        None => s += &format!(" ({refs} references"),
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

/// The matches' and the target's print functions.
fn extras(r: &Rule, numeric: bool) -> String {
    let mut s: String = r.matches.iter().map(|m| print_match(m, numeric)).collect();
    s += &print_target(&r.target, numeric);
    s
}

fn iface(m: &Option<IfMatch>, numeric: bool) -> String {
    match m {
        Some(m) => format!("{}{}", if m.invert { "!" } else { "" }, m.name),
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
    let (p, p_inv) = r.ip.proto.unwrap_or((0, false));
    s.push(if p_inv { '!' } else { ' ' });
    // 1.8.9 prints the number with -n (commit "Print protocol numbers if --numeric").
    match proto_name(p, f.numeric).filter(|_| !f.numeric) {
        Some(name) => s += &format!("{name:<4} "),
        None => s += &format!("{p:<4} "),
    }
    s += "-- ";
    if f.verbose {
        s += &format!(
            " {:<6} {:<6} ",
            iface(&r.ip.iif, f.numeric),
            iface(&r.ip.oif, f.numeric)
        );
    }
    s.push(inv(&r.ip.src));
    s += &format!("{:<19} ", address(k, &r.ip.src, f.numeric));
    s.push(inv(&r.ip.dst));
    s += &format!("{:<19} ", address(k, &r.ip.dst, f.numeric));
    s += &extras(r, f.numeric);
    s += "\n";
    s
}

/// `-L [CHAIN [N]]`: every chain (or one), a blank line between them; with a rule number,
/// only that rule's row and no header.
pub fn list(k: &Kernel, t: &Table, chains: &[&Chain], rulenum: usize, f: Format) -> String {
    let mut out = String::new();
    for (i, chain) in chains.iter().enumerate() {
        if rulenum > 0 {
            if let Some(r) = chain.rules.get(rulenum - 1) {
                out += &row(k, rulenum, r, f);
            }
            continue;
        }
        if i > 0 {
            out += "\n";
        }
        out += &header(chain, t.references(&chain.name), f);
        for (n, r) in chain.rules.iter().enumerate() {
            out += &row(k, n + 1, r, f);
        }
    }
    out
}

/// A rule as iptables-save writes it, after `-A CHAIN`.
pub fn save_rule(chain: &str, r: &Rule, counters: bool) -> String {
    let mut s = format!("-A {chain}");
    s += &save_addr('s', &r.ip.src);
    s += &save_addr('d', &r.ip.dst);
    for (letter, m) in [('i', &r.ip.iif), ('o', &r.ip.oif)] {
        if let Some(m) = m.as_ref().filter(|m| m.name != "+") {
            s += &format!("{} -{letter} {}", if m.invert { " !" } else { "" }, m.name);
        }
    }
    if let Some((p, invert)) = r.ip.proto.filter(|(p, _)| *p > 0) {
        s += if invert { " !" } else { "" };
        match proto_name(p, false) {
            Some(name) => s += &format!(" -p {name}"),
            None => s += &format!(" -p {p}"),
        }
    }
    for m in &r.matches {
        s += &save_match(m);
    }
    if counters {
        s += &format!(" -c {} {}", r.packets, r.bytes);
    }
    s += &save_target(&r.target);
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

/// `-S [CHAIN [N]]`: the policies (`-N` for user chains), then the rules; with a rule
/// number, only that rule.
pub fn list_rules(chains: &[&Chain], rulenum: usize, counters: bool) -> String {
    let mut out = String::new();
    if rulenum == 0 {
        for chain in chains {
            match chain.policy {
                Some(p) => {
                    out += &format!("-P {} {}", chain.name, policy_word(Some(p)));
                    if counters {
                        out += &format!(" -c {} {}", chain.packets, chain.bytes);
                    }
                }
                None => out += &format!("-N {}", chain.name),
            }
            out += "\n";
        }
    }
    for chain in chains {
        for (n, r) in chain.rules.iter().enumerate() {
            if rulenum == 0 || rulenum == n + 1 {
                out += &save_rule(&chain.name, r, counters);
            }
        }
    }
    out
}

/// What `-v` echoes for each rule it adds or deletes (FMT_PRINT_RULE: untabulated, numeric).
pub fn echo_rule(r: &Rule) -> String {
    let (p, p_inv) = r.ip.proto.unwrap_or((0, false));
    let proto = proto_name(p, true).map_or_else(|| p.to_string(), String::from);
    format!(
        "{} {}{proto} opt -- in {} out {} {}{} {}-> {}  {}\n",
        target_name(&r.target),
        if p_inv { '!' } else { ' ' },
        iface(&r.ip.iif, true),
        iface(&r.ip.oif, true),
        inv(&r.ip.src),
        address_plain(&r.ip.src),
        inv(&r.ip.dst),
        address_plain(&r.ip.dst),
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

/// Every chain's rules, as iptables-save writes a table's body.
pub fn list_rules_save(t: &Table, counters: bool) -> String {
    let mut out = String::new();
    for chain in &t.chains {
        for r in &chain.rules {
            if counters {
                out += &format!("[{}:{}] ", r.packets, r.bytes);
            }
            out += &save_rule(&chain.name, r, false);
        }
    }
    out
}
