//! ipvsadm 1.31's command line: one command, its options, and the legality table with
//! ipvsadm's own messages (exit status 2), lvs.md §4.1.

use crate::kernel::ipvs::ctl::{Method, Proto};
use crate::kernel::ipvs::sched::Flags;
use std::net::Ipv4Addr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    AddService,
    EditService,
    DelService,
    Flush,
    List,
    AddServer,
    EditServer,
    DelServer,
    Set,
    Restore,
    Save,
    Zero,
    Help,
    Version,
}

impl Cmd {
    /// The name ipvsadm's messages use.
    pub fn name(self) -> &'static str {
        match self {
            Cmd::AddService => "add-service",
            Cmd::EditService => "edit-service",
            Cmd::DelService => "delete-service",
            Cmd::Flush => "flush",
            Cmd::List => "list",
            Cmd::AddServer => "add-server",
            Cmd::EditServer => "edit-server",
            Cmd::DelServer => "delete-server",
            Cmd::Set => "set",
            Cmd::Restore => "restore",
            Cmd::Save => "save",
            Cmd::Zero => "zero",
            Cmd::Help => "help",
            Cmd::Version => "version",
        }
    }
}

/// An option as the legality table names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Opt {
    Numeric,
    Connection,
    Service,
    Scheduler,
    Persistent,
    Netmask,
    RealServer,
    Method,
    Weight,
    UThreshold,
    LThreshold,
    Format,
    Timeout,
    SchedFlags,
}

impl Opt {
    fn name(self) -> &'static str {
        match self {
            Opt::Numeric => "numeric",
            Opt::Connection => "connection",
            Opt::Service => "service-address",
            Opt::Scheduler => "scheduler",
            Opt::Persistent => "persistent",
            Opt::Netmask => "netmask",
            Opt::RealServer => "real-server",
            Opt::Method => "forwarding-method",
            Opt::Weight => "weight",
            Opt::UThreshold => "u-threshold",
            Opt::LThreshold => "l-threshold",
            Opt::Format => "stats",
            Opt::Timeout => "timeout",
            Opt::SchedFlags => "sched-flags",
        }
    }
}

/// Which listing `-L` prints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Plain,
    Stats,
    Rate,
    Thresholds,
    PersistentConn,
}

#[derive(Clone, Debug, Default)]
pub struct Opts {
    pub cmd: Option<Cmd>,
    /// -t or -u with `host:port`, or -f with the mark (as Proto::Ip: no protocol).
    pub service: Option<(Proto, String)>,
    pub sched: Option<String>,
    pub persistent: Option<u32>,
    pub netmask: Option<String>,
    pub server: Option<String>,
    pub method: Option<Method>,
    pub weight: Option<String>,
    pub u_threshold: Option<String>,
    pub l_threshold: Option<String>,
    pub flags: Flags,
    pub numeric: bool,
    pub connection: bool,
    pub format: Format,
    pub exact: bool,
    pub nosort: bool,
    pub timeout: bool,
    /// --set's three values.
    pub set: Vec<String>,
    seen: Vec<Opt>,
}

/// `-p` with no value: IPVS_SVC_PERSISTENT_TIMEOUT.
pub const PERSISTENT_DEFAULT: u32 = 360;

fn command(word: &str) -> Option<Cmd> {
    Some(match word {
        "-A" | "--add-service" => Cmd::AddService,
        "-E" | "--edit-service" => Cmd::EditService,
        "-D" | "--delete-service" => Cmd::DelService,
        "-C" | "--clear" => Cmd::Flush,
        "-L" | "-l" | "--list" => Cmd::List,
        "-a" | "--add-server" => Cmd::AddServer,
        "-e" | "--edit-server" => Cmd::EditServer,
        "-d" | "--delete-server" => Cmd::DelServer,
        "--set" => Cmd::Set,
        "-R" | "--restore" => Cmd::Restore,
        "-S" | "--save" => Cmd::Save,
        "-Z" | "--zero" => Cmd::Zero,
        "-h" | "--help" => Cmd::Help,
        "-v" | "--version" => Cmd::Version,
        _ => return None,
    })
}

/// Parses argv (without argv[0]); Err is ipvsadm's message.
pub fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts::default();
    let mut words = expand_bundles(args).into_iter().peekable();
    while let Some(w) = words.next() {
        if let Some(c) = command(&w) {
            if o.cmd.is_some() {
                return Err("multiple commands specified".into());
            }
            o.cmd = Some(c);
            if c == Cmd::Set {
                for _ in 0..3 {
                    o.set
                        .push(words.next().ok_or("--set requires 3 arguments")?);
                }
            }
            continue;
        }
        let mut value = |name: &str| {
            words
                .next()
                .ok_or(format!("option {name} requires an argument"))
        };
        match w.as_str() {
            "-t" | "--tcp-service" => o.service = Some((Proto::Tcp, value(&w)?)),
            "-u" | "--udp-service" => o.service = Some((Proto::Udp, value(&w)?)),
            "-f" | "--fwmark-service" => o.service = Some((Proto::Ip, value(&w)?)),
            "-s" | "--scheduler" => o.sched = Some(value(&w)?),
            "-M" | "--netmask" => o.netmask = Some(value(&w)?),
            "-r" | "--real-server" => o.server = Some(value(&w)?),
            "-w" | "--weight" => o.weight = Some(value(&w)?),
            "-x" | "--u-threshold" => o.u_threshold = Some(value(&w)?),
            "-y" | "--l-threshold" => o.l_threshold = Some(value(&w)?),
            "-b" | "--sched-flags" => o.flags = sched_flags(&value(&w)?)?,
            "-g" | "--gatewaying" => o.method = Some(Method::Route),
            "-m" | "--masquerading" => o.method = Some(Method::Masq),
            "-i" | "--ipip" => o.method = Some(Method::Tunnel),
            "-n" | "--numeric" => o.numeric = true,
            "-c" | "--connection" => o.connection = true,
            "--stats" => o.format = Format::Stats,
            "--rate" => o.format = Format::Rate,
            "--thresholds" => o.format = Format::Thresholds,
            "--persistent-conn" => o.format = Format::PersistentConn,
            "--exact" => o.exact = true,
            "--nosort" => o.nosort = true,
            "--sort" => o.nosort = false,
            "--timeout" => o.timeout = true,
            "-p" | "--persistent" => {
                // The timeout is optional: a following number is it.
                let t = match words.peek().filter(|n| n.parse::<u64>().is_ok()) {
                    Some(_) => words.next().unwrap_or_default(),
                    None => PERSISTENT_DEFAULT.to_string(),
                };
                o.persistent = Some(
                    t.parse()
                        .ok()
                        .filter(|t| (1..=2_678_400).contains(t))
                        .ok_or("illegal persistence timeout specified")?,
                );
            }
            other => return Err(format!("Illegal option: {other}")),
        }
        record(&mut o, &w);
    }
    check(&o)?;
    Ok(o)
}

/// `-Ln` is `-L -n`, as popt splits short options.
fn expand_bundles(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for a in args {
        let short = a.len() > 2 && a.starts_with('-') && !a.starts_with("--");
        if short && a[1..].chars().all(|c| "LlnceEaAdDCRSZhv".contains(c)) {
            out.extend(a[1..].chars().map(|c| format!("-{c}")));
        } else {
            out.push(a.clone());
        }
    }
    out
}

fn sched_flags(text: &str) -> Result<Flags, String> {
    let mut f = Flags::default();
    for flag in text.split(',') {
        match flag {
            "sh-fallback" | "flag-1" => f.fallback = true,
            "sh-port" | "flag-2" => f.port = true,
            _ => return Err(format!("invalid scheduler flag: {flag}")),
        }
    }
    Ok(f)
}

fn record(o: &mut Opts, word: &str) {
    let opt = match word {
        "-t" | "--tcp-service" | "-u" | "--udp-service" | "-f" | "--fwmark-service" => Opt::Service,
        "-s" | "--scheduler" => Opt::Scheduler,
        "-p" | "--persistent" => Opt::Persistent,
        "-M" | "--netmask" => Opt::Netmask,
        "-r" | "--real-server" => Opt::RealServer,
        "-g" | "--gatewaying" | "-m" | "--masquerading" | "-i" | "--ipip" => Opt::Method,
        "-w" | "--weight" => Opt::Weight,
        "-x" | "--u-threshold" => Opt::UThreshold,
        "-y" | "--l-threshold" => Opt::LThreshold,
        "-n" | "--numeric" => Opt::Numeric,
        "-c" | "--connection" => Opt::Connection,
        "-b" | "--sched-flags" => Opt::SchedFlags,
        "--timeout" => Opt::Timeout,
        "--stats" | "--rate" | "--thresholds" | "--persistent-conn" | "--exact" | "--nosort"
        | "--sort" => Opt::Format,
        _ => return,
    };
    o.seen.push(opt);
}

/// The command/option table: what each command must have and may have.
fn check(o: &Opts) -> Result<(), String> {
    let cmd = o.cmd.unwrap_or(Cmd::List);
    use Opt::{Connection, Format as Fmt};
    use Opt::{
        LThreshold, Method, Netmask, Numeric, Persistent, RealServer, SchedFlags, Scheduler,
        Service, Timeout, UThreshold, Weight,
    };
    let (required, allowed): (&[Opt], &[Opt]) = match cmd {
        Cmd::AddService | Cmd::EditService => (
            &[Service],
            &[Service, Scheduler, Persistent, Netmask, SchedFlags],
        ),
        Cmd::DelService => (&[Service], &[Service]),
        Cmd::AddServer | Cmd::EditServer => (
            &[Service, RealServer],
            &[Service, RealServer, Method, Weight, UThreshold, LThreshold],
        ),
        Cmd::DelServer => (&[Service, RealServer], &[Service, RealServer]),
        Cmd::List => (&[], &[Numeric, Connection, Service, Fmt, Timeout]),
        Cmd::Save => (&[], &[Numeric]),
        Cmd::Zero => (&[], &[Service]),
        _ => (&[], &[]),
    };
    if let Some(bad) = o.seen.iter().find(|s| !allowed.contains(s)) {
        return Err(format!(
            "Illegal '{}' option with the '{}' command",
            bad.name(),
            cmd.name()
        ));
    }
    if let Some(missing) = required.iter().find(|r| !o.seen.contains(r)) {
        return Err(format!(
            "You need to supply the '{}' option for the '{}' command",
            missing.name(),
            cmd.name()
        ));
    }
    let listing_kinds = [o.connection, o.service.is_some(), o.timeout]
        .iter()
        .filter(|b| **b)
        .count();
    let conn_format = matches!(o.format, self::Format::Plain | self::Format::PersistentConn);
    if cmd == Cmd::List && (listing_kinds > 1 || (o.connection && !conn_format)) {
        return Err("options conflicts in the list command".into());
    }
    Ok(())
}

/// `host[:port]` with a name from /etc/hosts or a dotted quad, and a number or service name.
pub fn host_port(
    text: &str,
    resolve: &dyn Fn(&str) -> Option<Ipv4Addr>,
) -> Option<(Ipv4Addr, Option<u16>)> {
    let (host, port) = match text.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (text, None),
    };
    let ip = resolve(host)?;
    let port = match port {
        None => None,
        Some(p) => Some(p.parse().ok().or_else(|| service_port(p))?),
    };
    Some((ip, port))
}

/// getservbyname for the services fmt::service knows.
fn service_port(name: &str) -> Option<u16> {
    [22, 53, 80, 443, 514, 8080]
        .into_iter()
        .find(|p| super::super::fmt::service(*p) == Some(name))
}
