//! `iptables` (1.8.9, the nf_tables build Debian 12 installs) for the filter, nat and mangle
//! tables: rules are added, inserted, replaced, deleted, checked, flushed, zeroed and listed
//! (`-L`, `-S`) with iptables' layouts, messages and exit statuses (2 for misuse, 1 for the
//! kernel's refusals, 3 for an unknown table); user-defined chains are made (-N), renamed
//! (-E) and deleted (-X); built-in chains get a policy (-P). The rules live in the kernel's
//! tables (kernel/netfilter/), whose hooks run them on every packet. `iptables-save` and
//! `iptables-restore` are in save.rs.
//!
//! What netstep does not run (the raw and security tables, matches and targets beyond those
//! listed in ext.rs and targets.rs) is refused with a `netstep:` line and status 1, never
//! accepted silently.

mod list;
mod opts;
mod print;
pub mod save;

use crate::kernel::netfilter::x_tables::{Chain, Policy, Rule, Table};
use crate::kernel::netfilter::xt_target::{NatKind, RejectWith, Target};
use crate::kernel::process::Sys;
use opts::{Jump, Parsed};

pub const VERSION: &str = "1.8.9 (nf_tables)";

const TRY: &str = "Try `iptables -h' or 'iptables --help' for more information.\n";

// nft_strerror's texts for the errors netstep's tables can give.
const NO_CHAIN: &str = "No chain/target/match by that name.";
const BAD_RULE: &str = "Bad rule (does a matching rule exist in that chain?).";
const EINVAL: &str = "Invalid argument. Run `dmesg' for more information.";

/// Why the command stops before (or instead of) succeeding.
pub enum Stop {
    /// `-h`, `-V`: text on standard output, status 0.
    Done(String),
    /// xtables_error(PARAMETER_PROBLEM, …): the message, the hint to `-h`, status 2.
    Param(String),
    /// A line of its own (`Bad argument`) or nothing, then the hint; status 2.
    Hint(String),
    /// xtables_error(VERSION_PROBLEM, …): status 3.
    Version(String),
    /// The kernel refused: `iptables: TEXT`, status 1.
    Kernel(&'static str),
    /// Something netstep does not simulate: status 1.
    Netstep(String),
    /// iptables-nft cannot show it: the message, status 1.
    Incompatible(String),
    /// The kernel refused the nf_tables batch: `OP failed (strerror): what`, status 4.
    Batch(String),
}

pub fn main(sys: &mut Sys, args: &[String]) -> i32 {
    match execute(sys, args) {
        Ok(()) => 0,
        Err(stop) => report(sys, stop),
    }
}

/// One iptables command line (also what iptables-restore runs for each rule line).
pub fn execute(sys: &mut Sys, args: &[String]) -> Result<(), Stop> {
    let p = opts::parse(sys.k, args)?;
    let r = run(sys, &p);
    if r.is_ok() && p.cmd & opts::MODIFYING != 0 {
        sys.k.nf.touch(&p.table);
    }
    sys.k.nf.refresh();
    r
}

/// The message a stop prints and its status.
pub fn message(stop: &Stop) -> (String, bool, i32) {
    match stop {
        Stop::Done(text) => (text.clone(), true, 0),
        Stop::Param(msg) => (format!("iptables v{VERSION}: {msg}\n{TRY}"), false, 2),
        Stop::Hint(line) => (format!("{line}{TRY}"), false, 2),
        Stop::Version(msg) => (
            format!(
                "iptables v{VERSION}: {msg}\nPerhaps iptables or your kernel needs to be upgraded.\n"
            ),
            false,
            3,
        ),
        Stop::Kernel(msg) => (format!("iptables: {msg}\n"), false, 1),
        Stop::Netstep(msg) => (format!("netstep: {msg}\n"), false, 1),
        Stop::Incompatible(msg) => (format!("iptables v{VERSION}: {msg}\n"), false, 1),
        Stop::Batch(msg) => (format!("iptables v{VERSION}:  {msg}\n"), false, 4),
    }
}

fn report(sys: &mut Sys, stop: Stop) -> i32 {
    let (text, out, status) = message(&stop);
    if out {
        sys.print(&text);
    } else {
        sys.eprint(&text);
    }
    status
}

/// The tables: filter, nat and mangle run; raw and security are refused; anything else
/// does not exist (nft_table_builtin_find).
pub fn check_table(table: &str) -> Result<(), Stop> {
    match table {
        "mangle" | "filter" | "nat" => Ok(()),
        "raw" | "security" => Err(Stop::Netstep(format!(
            "table '{table}' is not simulated (filter, nat and mangle are)"
        ))),
        _ => Err(Stop::Version(format!("table '{table}' does not exist"))),
    }
}

fn table<'k>(sys: &'k Sys, p: &Parsed) -> &'k Table {
    sys.k.nf.table(&p.table).unwrap_or(&sys.k.nf.filter)
}

fn table_mut<'k>(sys: &'k mut Sys, p: &Parsed) -> &'k mut Table {
    let name = p.table.clone();
    let nf = &mut sys.k.nf;
    match name.as_str() {
        "nat" => &mut nf.nat,
        "mangle" => &mut nf.mangle,
        _ => &mut nf.filter,
    }
}

/// The chains a listing shows (all, or the one named), copied out of the kernel.
fn view(sys: &Sys, p: &Parsed) -> Result<(Table, Vec<Chain>), Stop> {
    let t = table(sys, p).clone();
    let chains: Vec<Chain> = t
        .chains
        .iter()
        .filter(|c| p.chain.as_deref().is_none_or(|n| n == c.name))
        .cloned()
        .collect();
    if let (true, Some(name)) = (chains.is_empty(), &p.chain) {
        if p.cmd & (opts::LIST | opts::LIST_RULES) != 0 {
            return Err(Stop::Incompatible(format!(
                "chain `{name}' in table `{}' is incompatible, use 'nft' tool.",
                p.table
            )));
        }
        return Err(Stop::Kernel(NO_CHAIN));
    }
    Ok((t, chains))
}

fn run(sys: &mut Sys, p: &Parsed) -> Result<(), Stop> {
    use opts::*;
    check_table(&p.table)?;
    match p.cmd {
        APPEND | INSERT | REPLACE => add(sys, p),
        DELETE | CHECK => delete(sys, p),
        DELETE_NUM => delete_num(sys, p),
        FLUSH => for_chains(sys, p, "Flushing", |c| c.rules.clear()),
        ZERO => for_chains(sys, p, "Zeroing", Chain::zero),
        ZERO_NUM => zero_num(sys, p),
        SET_POLICY => policy(sys, p),
        NEW_CHAIN => new_chain(sys, p),
        DELETE_CHAIN => delete_chain(sys, p),
        RENAME => rename(sys, p),
        cmd => {
            show(sys, p, cmd & LIST_RULES != 0)?;
            match cmd & ZERO {
                0 => Ok(()),
                _ => for_chains(sys, p, "Zeroing", Chain::zero),
            }
        }
    }
}

/// `-L` and `-S`.
fn show(sys: &mut Sys, p: &Parsed, rules: bool) -> Result<(), Stop> {
    let (t, chains) = view(sys, p)?;
    let refs: Vec<&Chain> = chains.iter().collect();
    let text = if rules {
        list::list_rules(&refs, p.rulenum, p.verbose)
    } else {
        let f = list::Format {
            numeric: p.options & opts::O_NUMERIC != 0,
            verbose: p.verbose,
            kmg: p.options & opts::O_EXACT == 0,
            line_numbers: p.options & opts::O_LINENUM != 0,
        };
        list::list(sys.k, &t, &refs, p.rulenum, f)
    };
    sys.print(&text);
    Ok(())
}

/// The chain a rule command works on.
fn rule_chain(sys: &Sys, p: &Parsed) -> Result<usize, Stop> {
    let name = p.chain.as_deref().unwrap_or("");
    table(sys, p).index(name).ok_or(Stop::Kernel(NO_CHAIN))
}

/// The rules with their target, checked as the kernel's checkentry functions check them.
fn resolved(sys: &Sys, p: &Parsed) -> Result<Vec<Rule>, Stop> {
    let t = table(sys, p);
    let chain = p.chain.as_deref().unwrap_or("");
    let target = match &p.jump {
        Jump::Target(t) => t.clone(),
        Jump::Chain(name) => {
            if t.index(name).is_none() {
                return Err(Stop::Param(format!("Chain '{name}' does not exist")));
            }
            if t.would_loop(chain, name) {
                return Err(Stop::Kernel("Too many levels of symbolic links."));
            }
            match p.goto {
                true => Target::Goto(name.clone()),
                false => Target::Jump(name.clone()),
            }
        }
        Jump::None => Target::None,
    };
    if p.cmd & (opts::APPEND | opts::INSERT | opts::REPLACE) != 0 {
        check_target(&p.table, chain, t, &target, p)?;
    }
    Ok(p.rules
        .iter()
        .map(|r| Rule {
            target: target.clone(),
            ..r.clone()
        })
        .collect())
}

/// Where each target may be used: NAT only in the nat table's chains for its hooks, REJECT
/// only where packets are filtered, nothing that drops in the nat table.
fn check_target(
    table: &str,
    chain: &str,
    t: &Table,
    target: &Target,
    p: &Parsed,
) -> Result<(), Stop> {
    let builtin = t.chain(chain).is_some_and(Chain::builtin);
    let op = match p.cmd {
        opts::INSERT => "RULE_INSERT",
        opts::REPLACE => "RULE_REPLACE",
        _ => "RULE_APPEND",
    };
    let einval = || {
        Stop::Batch(format!(
            "{op} failed (Invalid argument): rule in chain {chain}"
        ))
    };
    let in_chains = |names: &[&str]| !builtin || names.contains(&chain);
    match target {
        Target::Drop | Target::Reject(_) if table == "nat" => Err(Stop::Param(format!(
            "\nThe \"nat\" table is not intended for filtering, the use of {} is therefore inhibited.\n",
            print::target_name(target)
        ))),
        Target::Nat(n) => {
            let ok = table == "nat"
                && match n.kind {
                    NatKind::Snat => in_chains(&["POSTROUTING", "INPUT"]),
                    NatKind::Masquerade => in_chains(&["POSTROUTING"]),
                    NatKind::Dnat | NatKind::Redirect => in_chains(&["PREROUTING", "OUTPUT"]),
                };
            ok.then_some(()).ok_or_else(einval)
        }
        Target::Reject(w) => {
            let tcp = p.rules.first().and_then(|r| r.ip.proto) == Some((6, false));
            let ok = in_chains(&["INPUT", "FORWARD", "OUTPUT"])
                && (*w != RejectWith::TcpReset || tcp);
            ok.then_some(()).ok_or_else(einval)
        }
        _ => Ok(()),
    }
}

/// `-A`, `-I [N]`, `-R N`.
fn add(sys: &mut Sys, p: &Parsed) -> Result<(), Stop> {
    let idx = rule_chain(sys, p)?;
    let rules = resolved(sys, p)?;
    let chain = &mut table_mut(sys, p).chains[idx];
    let len = chain.rules.len();
    match p.cmd {
        opts::INSERT if p.rulenum > len + 1 => {
            return Err(Stop::Kernel("Index of insertion too big."))
        }
        opts::REPLACE if p.rulenum > len => {
            return Err(Stop::Kernel("Index of replacement too big."))
        }
        opts::INSERT => {
            for r in &rules {
                chain.rules.insert(p.rulenum - 1, r.clone());
            }
        }
        opts::REPLACE => chain.rules[p.rulenum - 1] = rules[0].clone(),
        _ => chain.rules.extend(rules.iter().cloned()),
    }
    if p.verbose {
        for r in &rules {
            sys.print(&list::echo_rule(r));
        }
    }
    Ok(())
}

/// `-D CHAIN rule` and `-C CHAIN rule`: every named rule must exist, else nothing changes.
fn delete(sys: &mut Sys, p: &Parsed) -> Result<(), Stop> {
    let idx = rule_chain(sys, p)?;
    let rules = match resolved(sys, p) {
        Ok(rules) => rules,
        Err(Stop::Param(_)) => return Err(Stop::Kernel(BAD_RULE)),
        Err(e) => return Err(e),
    };
    let mut kept = table(sys, p).chains[idx].rules.clone();
    let mut echoed = String::new();
    for r in &rules {
        let at = kept
            .iter()
            .position(|k| k.same(r))
            .ok_or(Stop::Kernel(BAD_RULE))?;
        if p.cmd == opts::DELETE {
            echoed += &list::echo_rule(&kept.remove(at));
        }
    }
    if p.cmd == opts::DELETE {
        table_mut(sys, p).chains[idx].rules = kept;
        if p.verbose {
            sys.print(&echoed);
        }
    }
    Ok(())
}

fn delete_num(sys: &mut Sys, p: &Parsed) -> Result<(), Stop> {
    let idx = rule_chain(sys, p)?;
    let rules = &mut table_mut(sys, p).chains[idx].rules;
    if p.rulenum > rules.len() {
        return Err(Stop::Kernel("Index of deletion too big."));
    }
    rules.remove(p.rulenum - 1);
    Ok(())
}

/// `-F [CHAIN]` and `-Z [CHAIN]`: `-v` names each chain as it goes.
fn for_chains(sys: &mut Sys, p: &Parsed, verb: &str, f: fn(&mut Chain)) -> Result<(), Stop> {
    let names: Vec<String> = view(sys, p)?.1.into_iter().map(|c| c.name).collect();
    for name in names {
        if p.verbose {
            sys.print(&format!("{verb} chain `{name}'\n"));
        }
        if let Some(c) = table_mut(sys, p).chain_mut(&name) {
            f(c);
        }
    }
    Ok(())
}

/// `-Z CHAIN N`: a rule number past the end zeroes nothing, silently, as nf_tables does.
fn zero_num(sys: &mut Sys, p: &Parsed) -> Result<(), Stop> {
    let idx = rule_chain(sys, p)?;
    if let Some(r) = table_mut(sys, p).chains[idx].rules.get_mut(p.rulenum - 1) {
        r.packets = 0;
        r.bytes = 0;
    }
    Ok(())
}

/// `-P CHAIN ACCEPT|DROP [-c P B]`: built-in chains only.
fn policy(sys: &mut Sys, p: &Parsed) -> Result<(), Stop> {
    let name = p.chain.as_deref().unwrap_or("");
    if !table(sys, p).chain(name).is_some_and(Chain::builtin) {
        return Err(Stop::Kernel("Bad built-in chain name."));
    }
    let policy = match p.policy.as_deref() {
        Some("ACCEPT") => Policy::Accept,
        Some("DROP") => Policy::Drop,
        _ => {
            return Err(Stop::Kernel(
                "Bad policy name. Run `dmesg' for more information.",
            ))
        }
    };
    if let Some(c) = table_mut(sys, p).chain_mut(name) {
        c.policy = Some(policy);
        if let Some((pk, by)) = p.counters {
            (c.packets, c.bytes) = (pk, by);
        }
    }
    Ok(())
}

/// `-N CHAIN`.
fn new_chain(sys: &mut Sys, p: &Parsed) -> Result<(), Stop> {
    let name = p.chain.clone().unwrap_or_default();
    if table(sys, p).index(&name).is_some() {
        return Err(Stop::Kernel("Chain already exists."));
    }
    check_chain_name(&name)?;
    table_mut(sys, p).chains.push(Chain::new(&name, None));
    Ok(())
}

/// iptables' own checks on a new chain's name.
fn check_chain_name(name: &str) -> Result<(), Stop> {
    if name.starts_with('-') || name.starts_with('!') {
        return Err(Stop::Param(format!(
            "Invalid chain name `{name}' (cannot start with '-' or '!')"
        )));
    }
    if print::is_target_word(name) {
        return Err(Stop::Param(
            "chain name may not clash with target name".into(),
        ));
    }
    Ok(())
}

/// `-X [CHAIN]`: a user-defined chain that is empty and unused; without a name, every such
/// chain.
fn delete_chain(sys: &mut Sys, p: &Parsed) -> Result<(), Stop> {
    let t = table_mut(sys, p);
    let Some(name) = p.chain.clone() else {
        let doomed: Vec<String> = t
            .chains
            .iter()
            .filter(|c| !c.builtin() && c.rules.is_empty())
            .map(|c| c.name.clone())
            .collect();
        for name in doomed {
            if t.references(&name) == 0 {
                t.chains.retain(|c| c.name != name);
            }
        }
        return Ok(());
    };
    let Some(chain) = t.chain(&name) else {
        return Err(Stop::Kernel(NO_CHAIN));
    };
    if chain.builtin() {
        return Err(Stop::Kernel("Operation not permitted."));
    }
    if t.references(&name) > 0 || !chain.rules.is_empty() {
        return Err(Stop::Batch(format!(
            "CHAIN_DEL failed (Device or resource busy): chain {name}"
        )));
    }
    t.chains.retain(|c| c.name != name);
    Ok(())
}

/// `-E OLD NEW`: the rules that jump to it follow.
fn rename(sys: &mut Sys, p: &Parsed) -> Result<(), Stop> {
    let old = p.chain.clone().unwrap_or_default();
    let new = p.new_name.clone().unwrap_or_default();
    check_chain_name(&new)?;
    let t = table_mut(sys, p);
    if t.chain(&new).is_some() {
        return Err(Stop::Kernel("File exists."));
    }
    match t.chain(&old) {
        None => return Err(Stop::Kernel(NO_CHAIN)),
        Some(c) if c.builtin() => return Err(Stop::Kernel("Operation not permitted.")),
        Some(_) => {}
    }
    for c in &mut t.chains {
        if c.name == old {
            c.name = new.clone();
        }
        for r in &mut c.rules {
            match &mut r.target {
                Target::Jump(n) | Target::Goto(n) if *n == old => *n = new.clone(),
                _ => {}
            }
        }
    }
    Ok(())
}

/// `iptables -h`: xtables_printhelp for IPv4.
pub const HELP: &str = "iptables v1.8.9 (nf_tables)

Usage: iptables -[ACD] chain rule-specification [options]
       iptables -I chain [rulenum] rule-specification [options]
       iptables -R chain rulenum rule-specification [options]
       iptables -D chain rulenum [options]
       iptables -[LS] [chain [rulenum]] [options]
       iptables -[FZ] [chain] [options]
       iptables -[NX] chain
       iptables -E old-chain-name new-chain-name
       iptables -P chain target [options]
       iptables -h (print this help information)

Commands:
Either long or short options are allowed.
  --append  -A chain\t\tAppend to chain
  --check   -C chain\t\tCheck for the existence of a rule
  --delete  -D chain\t\tDelete matching rule from chain
  --delete  -D chain rulenum
\t\t\t\tDelete rule rulenum (1 = first) from chain
  --insert  -I chain [rulenum]
\t\t\t\tInsert in chain as rulenum (default 1=first)
  --replace -R chain rulenum
\t\t\t\tReplace rule rulenum (1 = first) in chain
  --list    -L [chain [rulenum]]
\t\t\t\tList the rules in a chain or all chains
  --list-rules -S [chain [rulenum]]
\t\t\t\tPrint the rules in a chain or all chains
  --flush   -F [chain]\t\tDelete all rules in  chain or all chains
  --zero    -Z [chain [rulenum]]
\t\t\t\tZero counters in chain or all chains
  --new     -N chain\t\tCreate a new user-defined chain
  --delete-chain
            -X [chain]\t\tDelete a user-defined chain
  --policy  -P chain target
\t\t\t\tChange policy on chain to target
  --rename-chain
            -E old-chain new-chain
\t\t\t\tChange chain name, (moving any references)

Options:
    --ipv4\t-4\t\tNothing (line is ignored by ip6tables-restore)
    --ipv6\t-6\t\tError (line is ignored by iptables-restore)
[!] --protocol\t-p proto\tprotocol: by number or name, eg. `tcp'
[!] --source\t-s address[/mask][...]
\t\t\t\tsource specification
[!] --destination -d address[/mask][...]
\t\t\t\tdestination specification
[!] --in-interface -i input name[+]
\t\t\t\tnetwork interface name ([+] for wildcard)
 --jump\t-j target
\t\t\t\ttarget for rule (may load target extension)
  --goto      -g chain
\t\t\t       jump to chain with no return
  --match\t-m match
\t\t\t\textended match (may load extension)
  --numeric\t-n\t\tnumeric output of addresses and ports
[!] --out-interface -o output name[+]
\t\t\t\tnetwork interface name ([+] for wildcard)
  --table\t-t table\ttable to manipulate (default: `filter')
  --verbose\t-v\t\tverbose mode
  --wait\t-w [seconds]\tmaximum wait to acquire xtables lock before give up
  --line-numbers\t\tprint line numbers when listing
  --exact\t-x\t\texpand numbers (display exact values)
[!] --fragment\t-f\t\tmatch second or further fragments only
  --modprobe=<command>\t\ttry to insert modules using this command
  --set-counters -c PKTS BYTES\tset the counter during insert/append
[!] --version\t-V\t\tprint package version.
";

#[cfg(test)]
mod tables_tests;
#[cfg(test)]
mod tests;
