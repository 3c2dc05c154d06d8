//! `ipvsadm` (v1.31): edits the director's IPVS rules and lists them, its connection table
//! and counters in the tool's exact layouts (lvs.md §4). Option errors exit 2 with
//! ipvsadm's messages; the kernel's refusals print libipvs's strings and exit 1.

mod list;
pub mod opts;

use crate::kernel::ipvs::ctl::{DestConf, Method, Proto, SvcConf, SvcKey};
use crate::kernel::process::{Poll, Program, Sys};
use opts::{host_port, Cmd, Opts};
use std::net::Ipv4Addr;

const VERSION: &str = "ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\n";
/// `ipvsadm -h`: the v1.31 synopsis, then the Commands and Options sections in the words
/// ipvsadm has printed since 1.2x (v1.31's tunnel options are left out: not simulated).
const USAGE: &str = "ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)
Usage:
  ipvsadm -A|E virtual-service [-s scheduler] [-p [timeout]] [-M netmask] [--pe persistence_engine] [-b sched-flags]
  ipvsadm -D virtual-service
  ipvsadm -C
  ipvsadm -R
  ipvsadm -S [-n]
  ipvsadm -a|e virtual-service -r server-address [options]
  ipvsadm -d virtual-service -r server-address
  ipvsadm -L|l [virtual-service] [options]
  ipvsadm -Z [virtual-service]
  ipvsadm --set tcp tcpfin udp
  ipvsadm --start-daemon {master|backup} [daemon-options]
  ipvsadm --stop-daemon {master|backup}
  ipvsadm -h

Commands:
Either long or short options are allowed.
  --add-service     -A        add virtual service with options
  --edit-service    -E        edit virtual service with options
  --delete-service  -D        delete virtual service
  --clear           -C        clear the whole table
  --restore         -R        restore rules from stdin
  --save            -S        save rules to stdout
  --add-server      -a        add real server with options
  --edit-server     -e        edit real server with options
  --delete-server   -d        delete real server
  --list            -L|-l     list the table
  --zero            -Z        zero counters in a service or all services
  --set tcp tcpfin udp        set connection timeout values
  --start-daemon              start connection sync daemon
  --stop-daemon               stop connection sync daemon
  --help            -h        display this help message

virtual-service:
  --tcp-service|-t  service-address   service-address is host[:port]
  --udp-service|-u  service-address   service-address is host[:port]
  --sctp-service    service-address   service-address is host[:port]
  --fwmark-service|-f fwmark          fwmark is an integer greater than zero

Options:
  --ipv6         -6                   fwmark entry uses IPv6
  --scheduler    -s scheduler         one of rr|wrr|lc|wlc|lblc|lblcr|dh|sh|sed|nq|fo|ovf|mh,
                                      the default scheduler is wlc.
  --pe            engine              alternate persistence engine may be sip,
                                      not set by default.
  --persistent   -p [timeout]         persistent service
  --netmask      -M netmask           persistent granularity mask
  --real-server  -r server-address    server-address is host (and port)
  --gatewaying   -g                   gatewaying (direct routing) (default)
  --ipip         -i                   ipip encapsulation (tunneling)
  --masquerading -m                   masquerading (NAT)
  --weight       -w weight            capacity of real server
  --u-threshold  -x uthreshold        upper threshold of connections
  --l-threshold  -y lthreshold        lower threshold of connections
  --connection   -c                   output of current IPVS connections
  --timeout                           output of timeout (tcp tcpfin udp)
  --daemon                            output of daemon information
  --stats                             output of statistics information
  --rate                              output of rate information
  --exact                             expand numbers (display exact values)
  --thresholds                        output of thresholds information
  --persistent-conn                   output of persistent connection info
  --nosort                            disable sorting output of service/server entries
  --sort                              does nothing, for backwards compatibility
  --ops          -o                   one-packet scheduling
  --numeric      -n                   numeric output of addresses and ports
  --sched-flags  -b flags             scheduler flags (comma-separated)
";

/// ipvsadm reads standard input for -R, so it is a program (it finishes on its first poll).
pub fn spawn(args: &[String]) -> Box<dyn Program> {
    Box::new(Ipvsadm {
        args: args.to_vec(),
        stdin: String::new(),
    })
}

struct Ipvsadm {
    args: Vec<String>,
    stdin: String,
}

impl Program for Ipvsadm {
    fn set_stdin(&mut self, data: String) {
        self.stdin = data;
    }

    fn poll(&mut self, sys: &mut Sys) -> Poll {
        let code = match run(sys, &self.args[1..], &self.stdin) {
            Ok(()) => 0,
            Err((text, code)) => {
                sys.eprint(&format!("{text}\n"));
                code
            }
        };
        Poll::Exit(code)
    }
}

/// A failure: the message and the exit status.
type Fail = (String, i32);

fn usage(text: String) -> Fail {
    (text, 2)
}

fn run(sys: &mut Sys, args: &[String], stdin: &str) -> Result<(), Fail> {
    let o = opts::parse(args).map_err(usage)?;
    match o.cmd.unwrap_or(Cmd::List) {
        Cmd::List => list::list(sys, &o).map_err(kernel),
        Cmd::Save => {
            list::save(sys, o.numeric);
            Ok(())
        }
        Cmd::Restore => restore(sys, stdin),
        Cmd::Help => {
            sys.print(USAGE);
            Ok(())
        }
        Cmd::Version => {
            sys.print(VERSION);
            Ok(())
        }
        Cmd::Set => set_timeouts(sys, &o),
        cmd => edit(sys, cmd, &o),
    }
}

/// libipvs's refusal: its message, exit 1.
fn kernel(e: crate::kernel::ipvs::ctl::CtlError) -> Fail {
    (e.message().to_string(), 1)
}

fn edit(sys: &mut Sys, cmd: Cmd, o: &Opts) -> Result<(), Fail> {
    if cmd == Cmd::Flush {
        sys.k.ipvs.rules.clear();
        return Ok(());
    }
    let key = match (&o.service, cmd) {
        (None, Cmd::Zero) => return sys.k.ipvs.rules.zero(None).map_err(kernel),
        (None, _) => {
            return Err(usage(format!(
                "You need to supply the 'service-address' option for the '{}' command",
                cmd.name()
            )))
        }
        (Some(s), _) => service_key(sys, s, o.persistent.is_some())?,
    };
    let rules = &mut sys.k.ipvs.rules;
    match cmd {
        Cmd::AddService => rules.add_service(key, &svc_conf(o)?),
        Cmd::EditService => rules.edit_service(key, &svc_conf(o)?),
        Cmd::DelService => rules.del_service(key),
        Cmd::Zero => rules.zero(Some(key)),
        Cmd::AddServer | Cmd::EditServer | Cmd::DelServer => {
            let conf = dest_conf(sys, key, o)?;
            let rules = &mut sys.k.ipvs.rules;
            match cmd {
                Cmd::AddServer => rules.add_dest(key, &conf),
                Cmd::EditServer => rules.edit_dest(key, &conf),
                _ => rules.del_dest(key, conf.addr, conf.port),
            }
        }
        _ => Ok(()),
    }
    .map_err(kernel)
}

/// `-t VIP:PORT`: a port of 0 (or none) only for a persistent service. `-f MARK`: a
/// decimal integer above 0 (parse_fwmark).
fn service_key(
    sys: &Sys,
    (proto, text): &(Proto, String),
    persistent: bool,
) -> Result<SvcKey, Fail> {
    if *proto == Proto::Ip {
        return match text.parse::<u32>() {
            Ok(mark) if mark > 0 => Ok(SvcKey::Fwmark(mark)),
            _ => Err(usage(format!("invalid fwmark value `{text}' specified"))),
        };
    }
    let (ip, port) = host_port(text, &|h| sys.k.resolve(h))
        .ok_or_else(|| usage("illegal virtual server address[:port] specified".into()))?;
    let port = port.unwrap_or(0);
    if port == 0 && !persistent {
        return Err(usage(
            "Zero port specified for non-persistent service".into(),
        ));
    }
    Ok(SvcKey::Addr(*proto, ip, port))
}

fn svc_conf(o: &Opts) -> Result<SvcConf, Fail> {
    let netmask = match &o.netmask {
        None => Ipv4Addr::BROADCAST,
        Some(m) => m
            .parse()
            .map_err(|_| usage("illegal virtual server netmask specified".into()))?,
    };
    Ok(SvcConf {
        sched: o.sched.clone().unwrap_or_else(|| "wlc".into()),
        flags: o.flags,
        persistent: o.persistent,
        netmask,
    })
}

/// `-r RIP[:PORT] -g|-m|-i -w W -x U -y L` with ipvsadm's defaults (DR, weight 1, no
/// thresholds). DR and TUN always use the service's port, except for a fwmark service,
/// whose servers keep the port given (none: 0, the packet's own port).
fn dest_conf(sys: &Sys, key: SvcKey, o: &Opts) -> Result<DestConf, Fail> {
    let text = o.server.as_deref().unwrap_or_default();
    let (addr, port) = host_port(text, &|h| sys.k.resolve(h))
        .ok_or_else(|| usage("illegal real server address[:port] specified".into()))?;
    let method = o.method.unwrap_or(Method::Route);
    let port = match (key, method) {
        (SvcKey::Fwmark(_), _) => port.unwrap_or(0),
        (_, Method::Masq) => port.unwrap_or(key.port()),
        _ => key.port(),
    };
    let number = |v: &Option<String>, max: u64, what: &str| -> Result<u32, Fail> {
        match v {
            None => Ok(0),
            Some(t) => t
                .parse::<u64>()
                .ok()
                .filter(|n| *n <= max)
                .map(|n| n as u32)
                .ok_or_else(|| usage(format!("illegal {what} specified"))),
        }
    };
    let weight = match &o.weight {
        None => 1,
        w => number(w, 65535, "weight")?,
    };
    Ok(DestConf {
        addr,
        port,
        method,
        weight,
        u_threshold: number(&o.u_threshold, i32::MAX as u64, "u_threshold")?,
        l_threshold: number(&o.l_threshold, i32::MAX as u64, "l_threshold")?,
    })
}

/// `--set tcp tcpfin udp`: 0 leaves a value as it is.
fn set_timeouts(sys: &mut Sys, o: &Opts) -> Result<(), Fail> {
    let mut v = [0u64; 3];
    for (slot, text) in v.iter_mut().zip(&o.set) {
        *slot = text
            .parse()
            .ok()
            .filter(|n| *n <= 31 * 86400)
            .ok_or_else(|| usage(format!("illegal timeout value specified: {text}")))?;
    }
    let ipvs = &mut sys.k.ipvs;
    for (slot, new) in [
        &mut ipvs.timeout_tcp,
        &mut ipvs.timeout_tcpfin,
        &mut ipvs.timeout_udp,
    ]
    .into_iter()
    .zip(v)
    {
        if new > 0 {
            *slot = new;
        }
    }
    Ok(())
}

/// `-R`: every line of standard input is a command line (the -S format). A bad line stops
/// the restore, naming its number.
fn restore(sys: &mut Sys, stdin: &str) -> Result<(), Fail> {
    for (n, line) in stdin.lines().enumerate() {
        let words: Vec<String> = line.split_whitespace().map(String::from).collect();
        if words.is_empty() || words[0].starts_with('#') {
            continue;
        }
        run(sys, &words, "").map_err(|(text, code)| (format!("line {}: {text}", n + 1), code))?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
