//! The rule tables (net/netfilter/x_tables.c, net/ipv4/netfilter/ip_tables.c): a table holds
//! chains, a chain holds rules, a rule is the classic IPv4 match (addresses, protocol,
//! interfaces), extension matches and a target. `ipt_do_table` walks a hook's built-in chain
//! from its first rule: jumps push the place to come back to, RETURN (or the end of a
//! user-defined chain) pops it, the end of a built-in chain is its policy.

use super::xt_match::{Match, PacketView};
use super::xt_target::{NatTarget, RejectWith, Target};
use std::net::Ipv4Addr;

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

    pub fn matches(&self, ip: Ipv4Addr) -> bool {
        let m = self.mask();
        (u32::from(ip) & m == u32::from(self.addr) & m) != self.invert
    }
}

/// A port or port range (`--dport 80`, `--dport 8000:8080`, `! --dport 22`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortMatch {
    pub lo: u16,
    pub hi: u16,
    pub invert: bool,
}

impl PortMatch {
    pub fn matches(&self, port: u16) -> bool {
        (self.lo..=self.hi).contains(&port) != self.invert
    }
}

/// An interface match (`-i eth0`, `-o eth+`, `! -i lo`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IfMatch {
    pub name: String,
    pub invert: bool,
}

impl IfMatch {
    /// A trailing `+` matches every name that starts with what precedes it.
    pub fn matches(&self, name: Option<&str>) -> bool {
        let hit = name.is_some_and(|n| match self.name.strip_suffix('+') {
            Some(prefix) => n.starts_with(prefix),
            None => self.name == n,
        });
        hit != self.invert
    }
}

/// struct ipt_ip: what every rule may test without an extension.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IpMatch {
    pub src: Option<AddrMatch>,
    pub dst: Option<AddrMatch>,
    /// Protocol number and negation; None is `all`.
    pub proto: Option<(u8, bool)>,
    pub iif: Option<IfMatch>,
    pub oif: Option<IfMatch>,
}

impl IpMatch {
    fn matches(&self, v: &PacketView) -> bool {
        self.src.is_none_or(|m| m.matches(v.src()))
            && self.dst.is_none_or(|m| m.matches(v.dst()))
            && self.proto.is_none_or(|(n, inv)| (n == v.proto()) != inv)
            && self.iif.as_ref().is_none_or(|m| m.matches(v.iif))
            && self.oif.as_ref().is_none_or(|m| m.matches(v.oif))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub ip: IpMatch,
    pub matches: Vec<Match>,
    pub target: Target,
    pub packets: u64,
    pub bytes: u64,
}

impl Rule {
    pub fn new(ip: IpMatch, matches: Vec<Match>, target: Target) -> Rule {
        Rule {
            ip,
            matches,
            target,
            packets: 0,
            bytes: 0,
        }
    }

    fn matches(&self, v: &PacketView) -> bool {
        self.ip.matches(v) && self.matches.iter().all(|m| m.matches(v))
    }

    /// The same rule but for its counters (what `-D` and `-C` compare).
    pub fn same(&self, other: &Rule) -> bool {
        self.ip == other.ip && self.matches == other.matches && self.target == other.target
    }
}

/// A built-in chain's policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    Accept,
    Drop,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    pub name: String,
    /// Built-in chains have one; user-defined chains do not.
    pub policy: Option<Policy>,
    pub rules: Vec<Rule>,
    /// The policy's counters (packets that reached the end of a built-in chain).
    pub packets: u64,
    pub bytes: u64,
}

impl Chain {
    pub fn new(name: &str, policy: Option<Policy>) -> Chain {
        Chain {
            name: name.to_string(),
            policy,
            rules: Vec::new(),
            packets: 0,
            bytes: 0,
        }
    }

    pub fn builtin(&self) -> bool {
        self.policy.is_some()
    }

    pub fn zero(&mut self) {
        self.packets = 0;
        self.bytes = 0;
        for r in &mut self.rules {
            r.packets = 0;
            r.bytes = 0;
        }
    }
}

/// What a table decided for a packet.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Accept,
    Drop,
    Reject(RejectWith),
    Nat(NatTarget),
}

/// A table's decision: the outcome, the chain and rule (1-based; None: the chain's policy)
/// that made it, and the LOG lines the walk wrote.
#[derive(Debug)]
pub struct Decision {
    pub outcome: Outcome,
    pub chain: usize,
    pub rule: Option<usize>,
    pub logs: Vec<String>,
    /// The last MARK rule that matched (its number in its chain), for the trace.
    pub mark_rule: Option<usize>,
}

impl Decision {
    /// `filter INPUT rule 3` or `filter INPUT policy DROP`, for the trace.
    pub fn by(&self, t: &Table) -> String {
        let Some(ch) = t.chains.get(self.chain) else {
            return t.name.to_string();
        };
        match self.rule {
            Some(n) => format!("{} {} rule {n}", t.name, ch.name),
            None => format!("{} {} policy {}", t.name, ch.name, policy_word(ch.policy)),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    pub name: &'static str,
    pub chains: Vec<Chain>,
}

impl Table {
    /// A table with its built-in chains, all with policy ACCEPT.
    pub fn new(name: &'static str, builtins: &[&str]) -> Table {
        Table {
            name,
            chains: builtins
                .iter()
                .map(|c| Chain::new(c, Some(Policy::Accept)))
                .collect(),
        }
    }

    pub fn index(&self, chain: &str) -> Option<usize> {
        self.chains.iter().position(|c| c.name == chain)
    }

    pub fn chain(&self, name: &str) -> Option<&Chain> {
        self.chains.iter().find(|c| c.name == name)
    }

    pub fn chain_mut(&mut self, name: &str) -> Option<&mut Chain> {
        self.chains.iter_mut().find(|c| c.name == name)
    }

    /// No rule anywhere and every policy ACCEPT: the table lets everything through untouched.
    pub fn is_idle(&self) -> bool {
        self.chains
            .iter()
            .all(|c| c.rules.is_empty() && c.policy != Some(Policy::Drop))
    }

    /// Rules in any chain that jump (or go) to `name` (a chain in use cannot be deleted).
    pub fn references(&self, name: &str) -> usize {
        self.chains
            .iter()
            .flat_map(|c| &c.rules)
            .filter(|r| r.target.chain() == Some(name))
            .count()
    }

    /// Whether a rule in chain `from` jumping to `to` would make a loop.
    pub fn would_loop(&self, from: &str, to: &str) -> bool {
        let mut todo = vec![to.to_string()];
        let mut seen: Vec<String> = Vec::new();
        while let Some(c) = todo.pop() {
            if c == from {
                return true;
            }
            if seen.contains(&c) {
                continue;
            }
            if let Some(chain) = self.chain(&c) {
                todo.extend(
                    chain
                        .rules
                        .iter()
                        .filter_map(|r| r.target.chain())
                        .map(String::from),
                );
            }
            seen.push(c);
        }
        false
    }

    /// ipt_do_table: walks `chain` for the packet. `mark` is the packet's firewall mark
    /// (MARK rules change it).
    pub fn run(&mut self, chain: &str, v: &PacketView, mark: &mut u32) -> Decision {
        let mut logs = Vec::new();
        let mut mark_rule = None;
        let Some(start) = self.index(chain) else {
            return decided(Outcome::Accept, (0, None), logs, None);
        };
        let len = v.pkt.len() as u64;
        let mut stack: Vec<(usize, usize)> = Vec::new();
        let (mut c, mut i) = (start, 0);
        loop {
            let Some(rule) = self.chains[c].rules.get(i) else {
                if let Some((back, next)) = stack.pop() {
                    (c, i) = (back, next);
                    continue;
                }
                // nf_tables keeps no counters on a base chain's policy: they stay as `-P
                // -c` or `-Z` left them, as iptables-nft shows.
                let outcome = match self.chains[c].policy {
                    Some(Policy::Drop) => Outcome::Drop,
                    _ => Outcome::Accept,
                };
                return decided(outcome, (c, None), logs, mark_rule);
            };
            i += 1;
            if !rule.matches(&v.with_mark(*mark)) {
                continue;
            }
            let at = (c, Some(i));
            let step = match &rule.target {
                Target::None => None,
                Target::Accept => Some(Outcome::Accept),
                Target::Drop => Some(Outcome::Drop),
                Target::Reject(with) => Some(Outcome::Reject(*with)),
                Target::Nat(n) => Some(Outcome::Nat(n.clone())),
                Target::Log(l) => {
                    logs.push(l.line(v));
                    None
                }
                Target::Mark { value, mask } => {
                    *mark = (*mark & !mask) ^ value;
                    mark_rule = Some(i);
                    None
                }
                Target::Return => {
                    match stack.pop() {
                        Some((back, next)) => (c, i) = (back, next),
                        // RETURN in a built-in chain: its policy.
                        None => i = usize::MAX,
                    }
                    None
                }
                Target::Jump(name) | Target::Goto(name) => {
                    if let Some(to) = self.index(name) {
                        if matches!(rule.target, Target::Jump(_)) {
                            stack.push((c, i));
                        }
                        (c, i) = (to, 0);
                    }
                    None
                }
            };
            let r = &mut self.chains[at.0].rules[i_of(at)];
            r.packets += 1;
            r.bytes += len;
            if let Some(outcome) = step {
                return decided(outcome, at, logs, mark_rule);
            }
        }
    }
}

/// The index of a rule from its 1-based number.
fn i_of((_, n): (usize, Option<usize>)) -> usize {
    n.unwrap_or(1) - 1
}

fn decided(
    outcome: Outcome,
    (chain, rule): (usize, Option<usize>),
    logs: Vec<String>,
    mark_rule: Option<usize>,
) -> Decision {
    Decision {
        outcome,
        chain,
        rule,
        logs,
        mark_rule,
    }
}

pub fn policy_word(p: Option<Policy>) -> &'static str {
    match p {
        Some(Policy::Drop) => "DROP",
        _ => "ACCEPT",
    }
}

#[cfg(test)]
#[path = "x_tables_tests.rs"]
mod tests;
