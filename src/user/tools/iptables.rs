//! `iptables` (1.8.9, the nf_tables build Debian 12 installs) for the mangle table: rules with
//! MARK, ACCEPT and RETURN are added, inserted, replaced, deleted, checked, flushed, zeroed
//! and listed (`-L`, `-S`) with iptables' layouts, messages and exit statuses (2 for misuse,
//! 1 for the kernel's refusals, 3 for an unknown table). The rules live in the kernel's
//! `mangle` table, whose PREROUTING chain marks packets for an LVS fwmark service.
//!
//! The filter table exists with its three empty chains, so `iptables -L`, `-F` and `-S` work
//! as on a fresh host. What netstep does not simulate (filter rules, the nat, raw and
//! security tables, other targets and matches, user-defined chains) is refused with a
//! `netstep:` line and status 1, never accepted silently.

#[path = "iptables_list.rs"]
mod list;
#[path = "iptables_opts.rs"]
mod opts;

use crate::kernel::iptable_mangle::{Chain, Rule, Target, CHAINS};
use crate::kernel::process::Sys;
use opts::{Jump, Parsed};

pub const VERSION: &str = "1.8.9 (nf_tables)";

const TRY: &str = "Try `iptables -h' or 'iptables --help' for more information.\n";
const FILTER_CHAINS: [&str; 3] = ["INPUT", "FORWARD", "OUTPUT"];

// nft_strerror's texts for the errors netstep's table can give.
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
}

pub fn main(sys: &mut Sys, args: &[String]) -> i32 {
    let result = opts::parse(sys.k, args).and_then(|p| run(sys, &p));
    match result {
        Ok(()) => 0,
        Err(stop) => report(sys, stop),
    }
}

fn report(sys: &mut Sys, stop: Stop) -> i32 {
    match stop {
        Stop::Done(text) => {
            sys.print(&text);
            0
        }
        Stop::Param(msg) => {
            sys.eprint(&format!("iptables v{VERSION}: {msg}\n{TRY}"));
            2
        }
        Stop::Hint(line) => {
            sys.eprint(&format!("{line}{TRY}"));
            2
        }
        Stop::Version(msg) => {
            sys.eprint(&format!(
                "iptables v{VERSION}: {msg}\nPerhaps iptables or your kernel needs to be upgraded.\n"
            ));
            3
        }
        Stop::Kernel(msg) => {
            sys.eprint(&format!("iptables: {msg}\n"));
            1
        }
        Stop::Netstep(msg) => {
            sys.eprint(&format!("netstep: {msg}\n"));
            1
        }
    }
}

/// The tables: mangle and filter run; the other real ones are refused; anything else does
/// not exist (nft_table_builtin_find).
pub fn check_table(table: &str) -> Result<(), Stop> {
    match table {
        "mangle" | "filter" => Ok(()),
        "nat" | "raw" | "security" => Err(Stop::Netstep(format!(
            "table '{table}' is not simulated (only mangle's MARK is)"
        ))),
        _ => Err(Stop::Version(format!("table '{table}' does not exist"))),
    }
}

fn chain_names(table: &str) -> &'static [&'static str] {
    if table == "mangle" {
        &CHAINS
    } else {
        &FILTER_CHAINS
    }
}

/// The chains a listing shows (all, or the one named), copied out of the kernel.
fn view(sys: &Sys, p: &Parsed) -> Result<Vec<(&'static str, Chain)>, Stop> {
    let all = chain_names(&p.table).iter().enumerate().map(|(i, name)| {
        let chain = match p.table.as_str() {
            "mangle" => sys.k.mangle.chains[i].clone(),
            _ => Chain::default(),
        };
        (*name, chain)
    });
    let chains: Vec<_> = all
        .filter(|(name, _)| p.chain.as_deref().is_none_or(|c| c == *name))
        .collect();
    if chains.is_empty() {
        return Err(Stop::Kernel(NO_CHAIN));
    }
    Ok(chains)
}

fn run(sys: &mut Sys, p: &Parsed) -> Result<(), Stop> {
    use opts::*;
    check_table(&p.table)?;
    match p.cmd {
        APPEND | INSERT | REPLACE => add(sys, p),
        DELETE | CHECK => delete(sys, p),
        DELETE_NUM => delete_num(sys, p),
        FLUSH => for_chains(sys, p, "Flushing", |c| c.rules.clear()),
        ZERO => for_chains(sys, p, "Zeroing", zero),
        ZERO_NUM => zero_num(sys, p),
        SET_POLICY => policy(sys, p),
        DELETE_CHAIN if p.chain.is_none() => Ok(()),
        NEW_CHAIN | DELETE_CHAIN | RENAME => Err(Stop::Netstep(
            "user-defined chains are not simulated".into(),
        )),
        cmd => {
            show(sys, p, cmd & LIST_RULES != 0)?;
            match cmd & ZERO {
                0 => Ok(()),
                _ => for_chains(sys, p, "Zeroing", zero),
            }
        }
    }
}

/// `-L` and `-S`.
fn show(sys: &mut Sys, p: &Parsed, rules: bool) -> Result<(), Stop> {
    let chains = view(sys, p)?;
    let text = if rules {
        list::list_rules(&chains, p.rulenum, p.verbose)
    } else {
        let f = list::Format {
            numeric: p.options & opts::O_NUMERIC != 0,
            verbose: p.verbose,
            kmg: p.options & opts::O_EXACT == 0,
            line_numbers: p.options & opts::O_LINENUM != 0,
        };
        list::list(sys.k, &chains, p.rulenum, f)
    };
    sys.print(&text);
    Ok(())
}

/// The mangle chain a rule command works on. Filter chains exist but hold no rules here.
fn mangle_chain(p: &Parsed) -> Result<usize, Stop> {
    let name = p.chain.as_deref().unwrap_or("");
    if !chain_names(&p.table).contains(&name) {
        return Err(Stop::Kernel(NO_CHAIN));
    }
    if p.table != "mangle" {
        return Err(Stop::Netstep(format!(
            "{} rules are not simulated (only mangle's MARK is)",
            p.table
        )));
    }
    Ok(CHAINS.iter().position(|c| *c == name).unwrap_or(0))
}

/// The rules with their target; a jump to a chain that does not exist is nf_tables' error.
fn resolved(p: &Parsed) -> Result<Vec<Rule>, Stop> {
    let target: Target = match &p.jump {
        Jump::Target(t) => *t,
        Jump::Chain(name) => {
            return Err(Stop::Param(format!("Chain '{name}' does not exist")));
        }
        Jump::None => {
            return Err(Stop::Netstep(
                "a rule without -j is not simulated (use MARK, ACCEPT or RETURN)".into(),
            ))
        }
    };
    Ok(p.rules
        .iter()
        .map(|r| Rule {
            target,
            ..r.clone()
        })
        .collect())
}

/// `-A`, `-I [N]`, `-R N`.
fn add(sys: &mut Sys, p: &Parsed) -> Result<(), Stop> {
    let rules = resolved(p)?;
    let idx = mangle_chain(p)?;
    let chain = &mut sys.k.mangle.chains[idx];
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
    if idx != 0 {
        // Honest about the model: only PREROUTING is evaluated.
        sys.eprint(&format!(
            "netstep: mangle {} rules are listed but not run (only PREROUTING is simulated)\n",
            CHAINS[idx]
        ));
    }
    Ok(())
}

/// Rules equal but for their counters (what `-D` and `-C` compare).
fn same(a: &Rule, b: &Rule) -> bool {
    let bare = |r: &Rule| Rule {
        packets: 0,
        bytes: 0,
        ..r.clone()
    };
    bare(a) == bare(b)
}

/// `-D CHAIN rule` and `-C CHAIN rule`: every named rule must exist, else nothing changes.
fn delete(sys: &mut Sys, p: &Parsed) -> Result<(), Stop> {
    let idx = mangle_chain(p)?;
    let rules = match resolved(p) {
        Ok(rules) => rules,
        Err(Stop::Param(_)) => return Err(Stop::Kernel(BAD_RULE)),
        Err(e) => return Err(e),
    };
    let mut kept = sys.k.mangle.chains[idx].rules.clone();
    let mut echoed = String::new();
    for r in &rules {
        let at = kept
            .iter()
            .position(|k| same(k, r))
            .ok_or(Stop::Kernel(BAD_RULE))?;
        if p.cmd == opts::DELETE {
            echoed += &list::echo_rule(&kept.remove(at));
        }
    }
    if p.cmd == opts::DELETE {
        sys.k.mangle.chains[idx].rules = kept;
        if p.verbose {
            sys.print(&echoed);
        }
    }
    Ok(())
}

fn delete_num(sys: &mut Sys, p: &Parsed) -> Result<(), Stop> {
    let idx = mangle_chain(p)?;
    let rules = &mut sys.k.mangle.chains[idx].rules;
    if p.rulenum > rules.len() {
        return Err(Stop::Kernel("Index of deletion too big."));
    }
    rules.remove(p.rulenum - 1);
    Ok(())
}

fn zero(c: &mut Chain) {
    c.packets = 0;
    c.bytes = 0;
    for r in &mut c.rules {
        r.packets = 0;
        r.bytes = 0;
    }
}

/// `-F [CHAIN]` and `-Z [CHAIN]`: `-v` names each chain as it goes.
fn for_chains(sys: &mut Sys, p: &Parsed, verb: &str, f: fn(&mut Chain)) -> Result<(), Stop> {
    let names: Vec<&str> = view(sys, p)?.into_iter().map(|(n, _)| n).collect();
    for name in names {
        if p.verbose {
            sys.print(&format!("{verb} chain `{name}'\n"));
        }
        if let Some(i) = CHAINS
            .iter()
            .position(|c| *c == name)
            .filter(|_| p.table == "mangle")
        {
            f(&mut sys.k.mangle.chains[i]);
        }
    }
    Ok(())
}

/// `-Z CHAIN N`: a rule number past the end zeroes nothing, silently, as nf_tables does.
fn zero_num(sys: &mut Sys, p: &Parsed) -> Result<(), Stop> {
    view(sys, p)?;
    let name = p.chain.as_deref().unwrap_or("");
    let Some(i) = CHAINS
        .iter()
        .position(|c| *c == name)
        .filter(|_| p.table == "mangle")
    else {
        return Ok(());
    };
    if let Some(r) = sys.k.mangle.chains[i].rules.get_mut(p.rulenum - 1) {
        r.packets = 0;
        r.bytes = 0;
    }
    Ok(())
}

/// `-P CHAIN ACCEPT [-c P B]`: the built-in chains' policy is ACCEPT and stays so.
fn policy(sys: &mut Sys, p: &Parsed) -> Result<(), Stop> {
    let name = p.chain.as_deref().unwrap_or("");
    if !chain_names(&p.table).contains(&name) {
        return Err(Stop::Kernel("Bad built-in chain name."));
    }
    match p.policy.as_deref() {
        Some("ACCEPT") => {}
        Some("DROP") => return Err(Stop::Netstep("policy DROP is not simulated".into())),
        _ => {
            return Err(Stop::Kernel(
                "Bad policy name. Run `dmesg' for more information.",
            ))
        }
    }
    let i = CHAINS.iter().position(|c| *c == name);
    if let (Some(i), Some((pk, by)), "mangle") = (i, p.counters, p.table.as_str()) {
        sys.k.mangle.chains[i].packets = pk;
        sys.k.mangle.chains[i].bytes = by;
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
#[path = "iptables_tests.rs"]
mod tests;
