//! The programs a node can run, one file each, by the name a user types.
//!
//! A *builtin* finishes at once (it only reads or changes kernel state: `ifconfig`, `route`);
//! a *program* runs over virtual time (`ping`, `traceroute`, `tcpdump`) as a state machine.

use crate::kernel::process::{Program, Sys};

pub mod args;
pub mod arp;
pub mod arping;
pub mod conntrack;
pub mod curl;
pub mod dig;
pub mod dig_query;
pub mod dmesg;
pub mod fmt;
pub mod genhash;
pub mod httpd;
pub mod ifconfig;
pub mod ip;
pub mod iptables;
pub mod ipvsadm;
pub mod journalctl;
pub mod kill;
pub mod named;
pub mod nc;
pub mod nc_udp;
pub mod netstat;
pub mod nslookup;
pub mod ping;
pub mod ping_opts;
pub mod ping_stats;
pub mod pkg;
pub mod ps;
pub mod route;
pub mod service;
pub mod session;
pub mod ss;
pub mod sysctl;
pub mod systemctl;
pub mod tcpdump;
pub mod tcpdump_filter;
#[cfg(test)]
pub mod testkit;
pub mod traceroute;

/// A command that finishes immediately: writes to `sys.out`/`sys.err`, returns the exit status.
pub type Builtin = fn(&mut Sys, &[String]) -> i32;
/// Builds a long-running program from its arguments (argv[0] included).
pub type Spawner = fn(&[String]) -> Box<dyn Program>;

pub enum Command {
    Builtin(Builtin),
    Program(Spawner),
}

/// Runs a builtin (ifconfig, route, netstat …) on a host's kernel at `now`, as the shell
/// would run a line of one command without redirections: (stdout, stderr, exit status), or
/// None when `line` names no builtin. For tests, benchmarks and library users building a world.
pub fn run_builtin(
    k: &mut crate::kernel::Kernel,
    now: crate::sim::Time,
    line: &str,
) -> Option<(String, String, i32)> {
    let args: Vec<String> = line.split_whitespace().map(String::from).collect();
    let Some(Command::Builtin(f)) = lookup(args.first()?) else {
        return None;
    };
    let mut ctx = crate::sim::Ctx::new(now, "", false);
    k.clock = now;
    let mut sys = Sys {
        k,
        ctx: &mut ctx,
        pid: 1,
        out: String::new(),
        err: String::new(),
    };
    let status = f(&mut sys, &args);
    Some((sys.out, sys.err, status))
}

/// Finds a command by name (argv[0], path stripped as a PATH lookup would).
pub fn lookup(name: &str) -> Option<Command> {
    let base = name.rsplit('/').next().unwrap_or(name);
    Some(match base {
        "ifconfig" => Command::Builtin(ifconfig::main),
        "ip" => Command::Builtin(ip::main),
        "iptables" => Command::Builtin(iptables::main),
        "iptables-save" => Command::Builtin(iptables::save::iptables_save),
        "iptables-restore" => Command::Program(iptables::save::spawn_restore),
        "conntrack" => Command::Program(conntrack::spawn),
        "dmesg" => Command::Builtin(dmesg::main),
        "route" => Command::Builtin(route::main),
        "arp" => Command::Builtin(arp::main),
        "sysctl" => Command::Builtin(sysctl::main),
        "netstat" => Command::Builtin(netstat::main),
        "ss" => Command::Builtin(ss::main),
        "apt" | "apt-get" => Command::Builtin(pkg::apt),
        "yum" => Command::Builtin(pkg::yum),
        "vi" | "vim" | "nano" => Command::Builtin(pkg::editor),
        "ping" => Command::Program(ping::spawn),
        "traceroute" => Command::Program(traceroute::spawn),
        "tcpdump" => Command::Program(tcpdump::spawn),
        "arping" => Command::Program(arping::spawn),
        "ps" => Command::Builtin(ps::main),
        "nc" | "netcat" => Command::Program(nc::spawn),
        "curl" => Command::Program(curl::spawn),
        "httpd" => Command::Program(httpd::spawn),
        "named" => Command::Program(named::spawn),
        "ipvsadm" => Command::Program(ipvsadm::spawn),
        "dig" => Command::Program(dig::spawn),
        "nslookup" => Command::Program(nslookup::spawn),
        "kill" => Command::Builtin(kill::kill),
        "pidof" => Command::Builtin(kill::pidof),
        "pgrep" | "pkill" => Command::Builtin(kill::pgrep),
        "systemctl" => Command::Program(systemctl::spawn),
        "keepalived" => Command::Program(crate::user::keepalived::spawn),
        "genhash" => Command::Program(genhash::spawn),
        "service" => Command::Program(service::spawn),
        "journalctl" => Command::Builtin(journalctl::main),
        _ => return None,
    })
}

/// Every command name (tools and shell builtins), for `help` and tab completion.
pub const NAMES: &[&str] = &[
    "apt",
    "apt-get",
    "arp",
    "arping",
    "cat",
    "conntrack",
    "curl",
    "dig",
    "dmesg",
    "echo",
    "false",
    "genhash",
    "grep",
    "head",
    "hostname",
    "httpd",
    "ifconfig",
    "ip",
    "iptables",
    "iptables-restore",
    "iptables-save",
    "ipvsadm",
    "journalctl",
    "keepalived",
    "kill",
    "ls",
    "mkdir",
    "named",
    "nc",
    "netstat",
    "nslookup",
    "pgrep",
    "pidof",
    "ping",
    "pkill",
    "ps",
    "rm",
    "route",
    "service",
    "sleep",
    "ss",
    "sysctl",
    "systemctl",
    "tail",
    "tcpdump",
    "traceroute",
    "true",
    "vi",
    "wait",
    "wc",
    "yum",
];
