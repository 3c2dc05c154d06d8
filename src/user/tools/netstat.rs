//! `netstat` (net-tools 2.10): the routing table (`-r`), the interface table (`-i`), and the
//! socket tables (`-t`, `-u`, `-a`, `-l`, `-p`, `-e`, `-o`), which only have their headers
//! until the kernel has TCP and UDP sockets.

use super::fmt;
use crate::kernel::netdev::NetDev;
use crate::kernel::process::Sys;
use crate::kernel::socket::{Msg, Pid, SockKind};
use crate::kernel::tcp;
use std::net::Ipv4Addr;

const E_USAGE: i32 = 0;
const E_OPTERR: i32 = 3;

pub const IFACE_HEADER: &str =
    "Iface             MTU    RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg\n";

const LONG: &[(&str, char)] = &[
    ("route", 'r'),
    ("interfaces", 'i'),
    ("numeric", 'n'),
    ("extend", 'e'),
    ("programs", 'p'),
    ("timers", 'o'),
    ("listening", 'l'),
    ("all", 'a'),
    ("tcp", 't'),
    ("udp", 'u'),
    ("raw", 'w'),
    ("wide", 'W'),
    ("verbose", 'v'),
    ("version", 'V'),
    ("help", 'h'),
    ("fib", 'F'),
    ("protocol", 'A'),
    ("inet", '4'),
];

const USAGE: &str =
    "usage: netstat [-vWeenNcCF] [<Af>] -r         netstat {-V|--version|-h|--help}\n       \
    netstat [-vWnNcaeol] [<Socket> ...]\n       \
    netstat { [-vWeenNac] -i | [-cnNe] -M | -s [-6tuw] }\n\n        \
    -r, --route              display routing table\n        \
    -i, --interfaces         display interface table\n        \
    -g, --groups             display multicast group memberships\n        \
    -s, --statistics         display networking statistics (like SNMP)\n        \
    -M, --masquerade         display masqueraded connections\n\n        \
    -v, --verbose            be verbose\n        \
    -W, --wide               don't truncate IP addresses\n        \
    -n, --numeric            don't resolve names\n        \
    --numeric-hosts          don't resolve host names\n        \
    --numeric-ports          don't resolve port names\n        \
    --numeric-users          don't resolve user names\n        \
    -N, --symbolic           resolve hardware names\n        \
    -e, --extend             display other/more information\n        \
    -p, --programs           display PID/Program name for sockets\n        \
    -o, --timers             display timers\n        \
    -c, --continuous         continuous listing\n\n        \
    -l, --listening          display listening server sockets\n        \
    -a, --all                display all sockets (default: connected)\n        \
    -F, --fib                display Forwarding Information Base (default)\n        \
    -C, --cache              display routing cache instead of FIB\n\n  \
    <Socket>={-t|--tcp} {-u|--udp} {-U|--udplite} {-S|--sctp} {-w|--raw}\n           \
    {-x|--unix} --ax25 --ipx --netrom\n  \
    <AF>=Use '-6|-4' or '-A <af>' or '--<af>'; default: inet\n  \
    List of possible address families (which support routing):\n";

/// Which sockets to list and how (netstat's flag_* variables).
#[derive(Default)]
pub struct SockOpts {
    pub all: bool,
    pub listening: bool,
    pub programs: bool,
    pub timers: bool,
    /// How many `-e`.
    pub extend: u32,
    pub numeric: bool,
    pub wide: bool,
    pub tcp: bool,
    pub udp: bool,
    pub raw: bool,
}

pub fn main(sys: &mut Sys, args: &[String]) -> i32 {
    let g = match fmt::getopt("netstat", args, "A:Faeilnoprtuvw4VWh?", LONG) {
        Ok(g) => g,
        Err(msg) => {
            sys.eprint(&format!("{msg}\n"));
            return usage(sys, E_OPTERR);
        }
    };
    let mut o = SockOpts::default();
    let (mut route, mut iface) = (false, false);
    for (opt, value) in &g.opts {
        match opt {
            'r' => route = true,
            'i' => iface = true,
            'n' => o.numeric = true,
            'e' => o.extend += 1,
            'p' => o.programs = true,
            'o' => o.timers = true,
            'l' => o.listening = true,
            'a' => o.all = true,
            't' => o.tcp = true,
            'u' => o.udp = true,
            'w' => o.raw = true,
            'W' => o.wide = true,
            'V' => {
                sys.print("net-tools 2.10\n");
                return 0;
            }
            'h' => return usage(sys, E_USAGE),
            '?' => return usage(sys, E_OPTERR),
            'A' if value.as_deref() != Some("inet") => {
                let af = value.as_deref().unwrap_or("");
                sys.eprint(&format!("Address family `{af}' not supported.\n"));
                return E_OPTERR;
            }
            _ => {}
        }
    }
    match (route, iface) {
        (true, true) => usage(sys, E_OPTERR),
        (true, false) => {
            // netstat's default layout is route's `-e` one, and `-e` gives route's default.
            let ext = match o.extend {
                0 => 2,
                1 => 1,
                n => n + 1,
            };
            super::route::print_fib(sys, ext & 3, o.numeric);
            0
        }
        (false, true) => interfaces(sys, &o),
        (false, false) => {
            print_sockets(sys, &o);
            0
        }
    }
}

fn usage(sys: &mut Sys, status: i32) -> i32 {
    fmt::usage_with_families(sys, USAGE, status == E_USAGE, status)
}

/// `netstat -i`: the short table of the interfaces that are up (all with `-a`), sorted by
/// name, each alias (`eth0:2`) a row of its own without counters, as net-tools lists them
/// (docs/fidelity-real.md §6); with `-e` the ifconfig blocks instead.
fn interfaces(sys: &mut Sys, o: &SockOpts) -> i32 {
    let mut s = String::from("Kernel Interface table\n");
    if o.extend == 0 {
        s += IFACE_HEADER;
    }
    for (name, ifindex) in super::ifconfig::names(sys.k) {
        let Some(dev) = sys.k.devs.get(ifindex) else {
            continue;
        };
        if !dev.up && !o.all {
            continue;
        }
        if o.extend > 0 {
            s += &super::ifconfig::block(dev, &name);
        } else if name == dev.name {
            s += &iface_row(dev);
        } else {
            s += &alias_row(dev, &name);
        }
    }
    sys.print(&s);
    0
}

/// One `netstat -i` row (ife_print_short): counters, then the flag letters.
pub fn iface_row(dev: &NetDev) -> String {
    let c = &dev.stats;
    format!(
        "{:<15.15} {:>5} {:>8} {:>6} {:>6} {:<6} {:>8} {:>6} {:>6} {:>6} {}\n",
        dev.name,
        dev.mtu,
        c.rx_packets,
        0,
        c.rx_dropped,
        0,
        c.tx_packets,
        0,
        c.tx_dropped,
        0,
        flag_letters(dev)
    )
}

/// An alias's row: the parent's MTU and flags, and no statistics (an alias has none).
fn alias_row(dev: &NetDev, name: &str) -> String {
    format!(
        "{:<15.15} {:>5} {:<56}{}\n",
        name,
        dev.mtu,
        "     - no statistics available -",
        flag_letters(dev)
    )
}

/// The flag letters of ife_print_short, in its order.
fn flag_letters(dev: &NetDev) -> String {
    let flags = dev.flags();
    let letters: String = [
        (0x200, 'A'),
        (0x2, 'B'),
        (0x4, 'D'),
        (0x8, 'L'),
        (0x1000, 'M'),
        (0x100, 'P'),
        (0x20, 'N'),
        (0x80, 'O'),
        (0x10, 'p'),
        (0x800, 's'),
        (0x400, 'm'),
        (0x40, 'R'),
        (0x1, 'U'),
    ]
    .iter()
    .filter(|(f, _)| flags & f != 0)
    .map(|(_, c)| *c)
    .collect();
    letters
}

/// The socket tables (formats.md §5): the Internet table unless only other families were
/// asked for, and the UNIX one when no protocol was named. (netstep has no UNIX sockets: the table is empty.)
pub fn print_sockets(sys: &mut Sys, o: &SockOpts) {
    let which = if o.all {
        "(servers and established)"
    } else if o.listening {
        "(only servers)"
    } else {
        "(w/o servers)"
    };
    let programs = if o.programs {
        " PID/Program name    "
    } else {
        ""
    };
    let mut s = format!(
        "Active Internet connections {which}\n\
         Proto Recv-Q Send-Q Local Address           Foreign Address         State      "
    );
    if o.extend > 0 {
        s += " User       Inode     ";
    }
    s += programs;
    if o.timers {
        s += " Timer";
    }
    s.push('\n');
    let mut rows = Vec::new();
    if o.tcp || !(o.udp || o.raw) {
        rows.extend(tcp_rows(sys, o));
    }
    if o.udp || !(o.tcp || o.raw) {
        rows.extend(udp_rows(sys, o));
    }
    print_rows(sys, o, &rows, &mut s);
    if !(o.tcp || o.udp || o.raw) {
        s += &format!(
            "Active UNIX domain sockets {which}\n\
             Proto RefCnt Flags       Type       State         I-Node  {programs} Path\n"
        );
    }
    sys.print(&s);
}

/// One row per TCP socket: listeners first (with -a or -l), then connections (unless -l),
/// in creation order, as `%-4s  %6ld %6ld %-23s %-23s %-11s` plus the -p and -o columns.
/// What one row of the TCP table shows.
struct Row {
    proto: &'static str,
    local: String,
    remote: String,
    state: &'static str,
    recvq: usize,
    sendq: usize,
    owner: Option<Pid>,
    timer: String,
}

fn tcp_rows(sys: &Sys, o: &SockOpts) -> Vec<Row> {
    let k = &*sys.k;
    let mut rows: Vec<Row> = Vec::new();
    if o.all || o.listening {
        for (id, l) in &k.tcp.listeners {
            let waiting = k
                .tcp
                .conns
                .values()
                .filter(|c| c.listener == Some(*id))
                .count();
            let local = endpoint(
                sys,
                l.addr.unwrap_or(Ipv4Addr::UNSPECIFIED),
                l.port,
                o.numeric,
            );
            let timer = "off (0.00/0/0)".to_string();
            rows.push(Row {
                proto: "tcp",
                local,
                remote: "0.0.0.0:*".into(),
                state: "LISTEN",
                recvq: waiting,
                // /proc/net/tcp shows the accept queue as rx_queue and 0 as tx_queue
                // for a listener (only `ss` shows the backlog).
                sendq: 0,
                owner: Some(l.owner),
                timer,
            });
        }
    }
    if o.all || !o.listening {
        // A socket that went to TIME_WAIT while still held is no longer in the table: its
        // timewait sock is listed instead.
        for (id, c) in k.tcp.conns.iter().filter(|(_, c)| c.unread.is_none()) {
            let (recvq, sendq) = tcp::queues(k, *id);
            rows.push(Row {
                proto: "tcp",
                local: endpoint(sys, c.local.0, c.local.1, o.numeric),
                remote: endpoint(sys, c.remote.0, c.remote.1, o.numeric),
                state: tcp::state_name(c.state),
                recvq,
                sendq,
                owner: c.owner,
                timer: "off (0.00/0/0)".to_string(),
            });
        }
        for ((local, remote), tw) in &k.tcp.tw.socks {
            let left = tw.expires - sys.ctx.now;
            rows.push(Row {
                proto: "tcp",
                local: endpoint(sys, local.0, local.1, o.numeric),
                remote: endpoint(sys, remote.0, remote.1, o.numeric),
                state: "TIME_WAIT",
                recvq: 0,
                sendq: 0,
                owner: None,
                timer: format!("timewait ({:.2}/0/0)", left as f64 / 1e9),
            });
        }
    }
    rows
}

/// One row per bound UDP socket (/proc/net/udp): an unconnected one is a "server" with an
/// empty state, a connected one is ESTABLISHED. Unbound sockets are not in the table.
fn udp_rows(sys: &Sys, o: &SockOpts) -> Vec<Row> {
    let mut rows = Vec::new();
    for (_, sock) in sys.k.sockets.iter() {
        let SockKind::Udp(u) = sock.kind else {
            continue;
        };
        let listening = u.peer.is_none();
        if u.port == 0 || !(o.all || listening == o.listening) {
            continue;
        }
        let (remote, state) = match u.peer {
            Some((ip, port)) => (endpoint(sys, ip, port, o.numeric), "ESTABLISHED"),
            None => ("0.0.0.0:*".to_string(), ""),
        };
        rows.push(Row {
            proto: "udp",
            local: endpoint(sys, u.addr, u.port, o.numeric),
            remote,
            state,
            recvq: sock.rx.iter().map(Msg::payload_len).sum(),
            sendq: 0,
            owner: Some(sock.owner),
            timer: "off (0.00/0/0)".to_string(),
        });
    }
    rows
}

fn print_rows(sys: &Sys, o: &SockOpts, rows: &[Row], s: &mut String) {
    let k = &*sys.k;
    for r in rows {
        let (rq, sq, local, remote, state) = (r.recvq, r.sendq, &r.local, &r.remote, r.state);
        s.push_str(&format!(
            "{:<4}  {rq:>6} {sq:>6} {local:<23} {remote:<23} {state:<11}",
            r.proto
        ));
        if o.programs {
            let prog = r
                .owner
                .and_then(|pid| k.procs.procs.get(&pid).map(|p| format!("{pid}/{}", p.name)))
                .unwrap_or_else(|| "-".into());
            let prog: String = prog.chars().take(19).collect();
            s.push_str(&format!(" {prog:<20}"));
        }
        if o.timers {
            s.push_str(&format!(" {}", r.timer));
        }
        s.push('\n');
    }
}

/// `a.b.c.d:port` with -n; else the host name and service name where known.
fn endpoint(sys: &Sys, ip: Ipv4Addr, port: u16, numeric: bool) -> String {
    if numeric {
        return format!("{ip}:{port}");
    }
    let host = if ip.is_unspecified() {
        ip.to_string()
    } else {
        sys.k.reverse(ip).unwrap_or_else(|| ip.to_string())
    };
    let service = fmt::service(port).map_or_else(|| port.to_string(), String::from);
    format!("{host}:{service}")
}

#[cfg(test)]
mod tests {
    use super::super::fmt::testutil::{host, ok, run};

    const TCP_HEAD: &str =
        "Proto Recv-Q Send-Q Local Address           Foreign Address         State      ";

    #[test]
    fn routing_table() {
        let mut k = host();
        ok(
            &mut k,
            "ifconfig eth0 192.168.10.5 netmask 255.255.255.0 up",
        );
        ok(&mut k, "route add default gw 192.168.10.1");
        ok(
            &mut k,
            "route add -net 10.99.0.0 netmask 255.255.0.0 reject",
        );
        let want = "Kernel IP routing table\n\
            Destination     Gateway         Genmask         Flags   MSS Window  irtt Iface\n\
            0.0.0.0         192.168.10.1    0.0.0.0         UG        0 0          0 eth0\n\
            10.99.0.0       -               255.255.0.0     !         - -          - -\n\
            192.168.10.0    0.0.0.0         255.255.255.0   U         0 0          0 eth0\n";
        for line in ["netstat -rn", "netstat -nr", "netstat -r -n"] {
            assert_eq!(run(&mut k, line), (want.to_string(), String::new(), 0));
        }
        assert!(run(&mut k, "netstat -r")
            .0
            .contains("\ndefault         192.168.10.1 "));
        let e = run(&mut k, "netstat -rne").0;
        assert!(e.contains("Flags Metric Ref    Use Iface\n"));
    }

    #[test]
    fn interface_table() {
        let mut k = host();
        ok(&mut k, "ifconfig eth0 192.168.10.5 up");
        ok(&mut k, "ifconfig eth0:2 192.168.10.200 up");
        if let Some(d) = k.devs.get_mut(2) {
            d.stats.rx_packets = 220;
            d.stats.tx_packets = 175;
        }
        ok(
            &mut k,
            "ifconfig lo:2 10.9.0.200 netmask 255.255.255.255 up",
        );
        let want = "Kernel Interface table\n\
            Iface             MTU    RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg\n\
            eth0             1500      220      0      0 0           175      0      0      0 BMRU\n\
            eth0:2           1500      - no statistics available -                        BMRU\n\
            lo              65536        0      0      0 0             0      0      0      0 LRU\n\
            lo:2            65536      - no statistics available -                        LRU\n";
        assert_eq!(run(&mut k, "netstat -i").0, want);
        ok(&mut k, "ifconfig eth0 down");
        assert!(!run(&mut k, "netstat -i").0.contains("eth0"));
        assert!(run(&mut k, "netstat -ia")
            .0
            .contains("\neth0             1500 "));
    }

    #[test]
    fn socket_headers() {
        let mut k = host();
        let want = format!(
            "Active Internet connections (servers and established)\n{TCP_HEAD} PID/Program name    \n"
        );
        assert_eq!(run(&mut k, "netstat -natp").0, want);
        let want = format!("Active Internet connections (only servers)\n{TCP_HEAD}\n");
        assert_eq!(run(&mut k, "netstat -ltn").0, want);
        let out = run(&mut k, "netstat -tnpo").0;
        assert!(out.ends_with(" PID/Program name     Timer\n"), "{out}");
        let out = run(&mut k, "netstat -an").0;
        assert!(out.ends_with(
            "Active UNIX domain sockets (servers and established)\n\
             Proto RefCnt Flags       Type       State         I-Node   Path\n"
        ));
    }

    #[test]
    fn bad_options() {
        let mut k = host();
        let (out, err, status) = run(&mut k, "netstat -q");
        assert_eq!(out, "");
        assert!(err.starts_with("netstat: invalid option -- 'q'\nusage: netstat [-vWeenNcCF]"));
        assert_eq!(status, 3);
        assert_eq!(run(&mut k, "netstat -ri").2, 3);
    }
}
