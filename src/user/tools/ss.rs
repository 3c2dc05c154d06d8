//! `ss` (iproute2 6.1): the node's TCP and UDP sockets, next to netstat, in the layout
//! recorded in docs/fidelity-real.md §9: each column as wide as its widest cell (the header
//! included; ss measures a cell as it moves past it, so the last row's process, written
//! last, never widens its column), addresses right-aligned up to their `:`, ports
//! left-aligned, the process as ` users:(("name",pid=N,fd=M))`, and rows padded to the
//! header. Options: -t -u -l -a -n
//! -p -s (and -4, -e, -o, -i accepted without extra columns); by default only connected
//! sockets, as ss's default state filter.

use super::fmt;
use crate::kernel::process::Sys;
use crate::kernel::socket::{OpenSocket, Pid, SockKind};
use crate::kernel::tcp;
use smoltcp::socket::tcp::State;
use std::net::Ipv4Addr;

#[derive(Default)]
struct Opts {
    tcp: bool,
    udp: bool,
    listening: bool,
    all: bool,
    numeric: bool,
    process: bool,
    summary: bool,
}

/// One socket's row, its cells before alignment.
#[derive(Clone)]
struct Row {
    netid: &'static str,
    state: &'static str,
    recvq: usize,
    sendq: usize,
    local: (Ipv4Addr, String),
    peer: (String, String),
    process: String,
}

pub fn main(sys: &mut Sys, args: &[String]) -> i32 {
    let mut o = Opts::default();
    for a in &args[1..] {
        let Some(flags) = a.strip_prefix('-').filter(|f| !f.starts_with('-')) else {
            sys.eprint(&format!(
                "ss: unrecognized option '{a}'\nUsage: ss [ OPTIONS ]\n"
            ));
            return 1;
        };
        for c in flags.chars() {
            match c {
                't' => o.tcp = true,
                'u' => o.udp = true,
                'l' => o.listening = true,
                'a' => o.all = true,
                'n' => o.numeric = true,
                'p' => o.process = true,
                's' => o.summary = true,
                '4' | 'e' | 'o' | 'i' | 'm' | 'H' => {}
                c => {
                    sys.eprint(&format!(
                        "ss: invalid option -- '{c}'\nUsage: ss [ OPTIONS ]\n"
                    ));
                    return 1;
                }
            }
        }
    }
    if o.summary {
        let text = summary(sys);
        sys.print(&text);
        return 0;
    }
    if !o.tcp && !o.udp {
        (o.tcp, o.udp) = (true, true);
    }
    let mut rows = Vec::new();
    if o.tcp {
        rows.extend(tcp_rows(sys, &o));
    }
    if o.udp {
        rows.extend(udp_rows(sys, &o));
    }
    let text = render(&rows, o.tcp && o.udp);
    sys.print(&text);
    0
}

/// Whether a socket in `state` is shown: listeners with -l, everything with -a, and by
/// default the connected ones (ss's SS_CONN: not LISTEN, CLOSE, TIME-WAIT or SYN-RECV).
fn shown(o: &Opts, state: &str) -> bool {
    match (o.all, o.listening) {
        (true, _) => true,
        (false, true) => state == "LISTEN" || state == "UNCONN",
        (false, false) => !matches!(state, "LISTEN" | "UNCONN" | "TIME-WAIT" | "SYN-RECV"),
    }
}

fn state_name(s: State) -> &'static str {
    match s {
        State::Established => "ESTAB",
        State::SynSent => "SYN-SENT",
        State::SynReceived => "SYN-RECV",
        State::FinWait1 => "FIN-WAIT-1",
        State::FinWait2 => "FIN-WAIT-2",
        State::TimeWait => "TIME-WAIT",
        State::CloseWait => "CLOSE-WAIT",
        State::LastAck => "LAST-ACK",
        State::Closing => "CLOSING",
        State::Listen => "LISTEN",
        State::Closed => "UNCONN",
    }
}

fn port(p: u16, numeric: bool) -> String {
    match numeric {
        true => p.to_string(),
        false => fmt::service(p).map_or_else(|| p.to_string(), String::from),
    }
}

/// ` users:(("name",pid=N,fd=M))` for a socket held by `owner` as descriptor `fd`.
fn users(sys: &Sys, o: &Opts, owner: Option<Pid>, sock: OpenSocket) -> String {
    let Some(pid) = owner.filter(|_| o.process) else {
        return String::new();
    };
    let name = sys.k.procs.procs.get(&pid).map_or("?", |p| p.name.as_str());
    // A descriptor the shell opened (exec 8<>) has its number; a program's sockets are
    // numbered from 3 in the order it opened them.
    let fd = sys
        .k
        .fds
        .iter()
        .find(|((p, _), s)| *p == pid && **s == sock)
        .map_or(3 + sock_index(sys, pid, sock), |((_, fd), _)| *fd as usize);
    format!(" users:((\"{name}\",pid={pid},fd={fd}))")
}

/// Where `sock` comes among the sockets `pid` holds.
fn sock_index(sys: &Sys, pid: Pid, sock: OpenSocket) -> usize {
    let t = &sys.k.tcp;
    let mut mine: Vec<OpenSocket> = t
        .listeners
        .iter()
        .filter(|(_, l)| l.owner == pid)
        .map(|(id, _)| OpenSocket::Tcp(*id))
        .collect();
    mine.extend(
        t.conns
            .iter()
            .filter(|(_, c)| c.owner == Some(pid))
            .map(|(id, _)| OpenSocket::Tcp(*id)),
    );
    mine.sort_by_key(|s| s.inode());
    mine.iter().position(|s| *s == sock).unwrap_or(0)
}

fn tcp_rows(sys: &Sys, o: &Opts) -> Vec<Row> {
    let k = &*sys.k;
    let mut rows = Vec::new();
    for (id, l) in &k.tcp.listeners {
        let waiting = k
            .tcp
            .conns
            .values()
            .filter(|c| c.listener == Some(*id))
            .count();
        rows.push(Row {
            netid: "tcp",
            state: "LISTEN",
            recvq: waiting,
            sendq: l.backlog,
            local: (
                l.addr.unwrap_or(Ipv4Addr::UNSPECIFIED),
                port(l.port, o.numeric),
            ),
            peer: ("0.0.0.0".into(), "*".into()),
            process: users(sys, o, Some(l.owner), OpenSocket::Tcp(*id)),
        });
    }
    for (id, c) in k.tcp.conns.iter().filter(|(_, c)| c.unread.is_none()) {
        let (recvq, sendq) = tcp::queues(k, *id);
        rows.push(Row {
            netid: "tcp",
            state: state_name(c.state),
            recvq,
            sendq,
            local: (c.local.0, port(c.local.1, o.numeric)),
            peer: (c.remote.0.to_string(), port(c.remote.1, o.numeric)),
            process: users(sys, o, c.owner, OpenSocket::Tcp(*id)),
        });
    }
    for (local, remote) in k.tcp.tw.socks.keys() {
        rows.push(Row {
            netid: "tcp",
            state: "TIME-WAIT",
            recvq: 0,
            sendq: 0,
            local: (local.0, port(local.1, o.numeric)),
            peer: (remote.0.to_string(), port(remote.1, o.numeric)),
            process: String::new(),
        });
    }
    rows.retain(|r| shown(o, r.state));
    rows
}

fn udp_rows(sys: &Sys, o: &Opts) -> Vec<Row> {
    let mut rows = Vec::new();
    for (id, sock) in sys.k.sockets.iter() {
        let SockKind::Udp(u) = sock.kind else {
            continue;
        };
        if u.port == 0 {
            continue;
        }
        let (state, peer) = match u.peer {
            Some((ip, p)) => ("ESTAB", (ip.to_string(), port(p, o.numeric))),
            None => ("UNCONN", ("0.0.0.0".to_string(), "*".to_string())),
        };
        rows.push(Row {
            netid: "udp",
            state,
            recvq: sock.rx.iter().map(|m| m.payload_len()).sum(),
            sendq: 0,
            local: (u.addr, port(u.port, o.numeric)),
            peer,
            process: users(sys, o, Some(sock.owner), OpenSocket::Udp(*id)),
        });
    }
    rows.retain(|r| shown(o, r.state));
    rows
}

/// The table: every column as wide as its widest cell, one space before each but the first,
/// the address columns right-aligned and ending in `:`.
fn render(rows: &[Row], netid: bool) -> String {
    let mut table: Vec<Vec<String>> = vec![[
        "Netid",
        "State",
        "Recv-Q",
        "Send-Q",
        "Local Address:",
        "Port",
        "Peer Address:",
        "Port",
        "Process",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()];
    for r in rows {
        table.push(vec![
            r.netid.into(),
            r.state.into(),
            r.recvq.to_string(),
            r.sendq.to_string(),
            format!("{}:", r.local.0),
            r.local.1.clone(),
            format!("{}:", r.peer.0),
            r.peer.1.clone(),
            r.process.clone(),
        ]);
    }
    let first = if netid { 0 } else { 1 };
    // ss measures a cell when it moves past it, so the last cell it writes (the process of
    // the last row) never widens its column.
    let last = table.len() - 1;
    let widths: Vec<usize> = (0..9)
        .map(|c| {
            let cells = table
                .iter()
                .enumerate()
                .filter(|(i, _)| c != 8 || *i != last || *i == 0);
            cells
                .map(|(_, row)| row[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in &table {
        let mut line = String::new();
        for c in first..9 {
            // A space before each column, except the ports (glued to their address) and the
            // process (whose cells begin with their own space).
            if c != first && !matches!(c, 5 | 7 | 8) {
                line.push(' ');
            }
            let w = widths[c];
            match c {
                4 | 6 => line.push_str(&format!("{:>w$}", row[c])),
                _ => line.push_str(&format!("{:<w$}", row[c])),
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// `ss -s`: the totals by transport.
fn summary(sys: &Sys) -> String {
    let k = &*sys.k;
    let estab = k
        .tcp
        .conns
        .values()
        .filter(|c| c.state == State::Established)
        .count();
    let tw = k.tcp.tw.socks.len();
    let tcp = k.tcp.listeners.len() + k.tcp.conns.len();
    let udp = k
        .sockets
        .iter()
        .filter(|(_, s)| matches!(s.kind, SockKind::Udp(u) if u.port != 0))
        .count();
    let raw = k
        .sockets
        .iter()
        .filter(|(_, s)| matches!(s.kind, SockKind::Raw(_)))
        .count();
    let inet = tcp + udp + raw;
    format!(
        "Total: {}\nTCP:   {} (estab {estab}, closed 0, orphaned 0, timewait {tw})\n\n\
         Transport Total     IP        IPv6\n\
         RAW\t  {raw:<9} {raw:<9} 0        \n\
         UDP\t  {udp:<9} {udp:<9} 0        \n\
         TCP\t  {tcp:<9} {tcp:<9} 0        \n\
         INET\t  {inet:<9} {inet:<9} 0        \n\
         FRAG\t  0         0         0        \n\n",
        inet,
        tcp + tw,
    )
}

#[cfg(test)]
mod tests {
    use super::{render, Row};
    use std::net::Ipv4Addr;

    fn row(
        state: &'static str,
        local: [u8; 4],
        lport: &str,
        peer: &str,
        pport: &str,
        q: usize,
    ) -> Row {
        Row {
            netid: "tcp",
            state,
            recvq: 0,
            sendq: q,
            local: (Ipv4Addr::from(local), lport.into()),
            peer: (peer.into(), pport.into()),
            process: String::new(),
        }
    }

    /// docs/fidelity-real.md §9, byte for byte.
    #[test]
    fn columns_are_as_wide_as_their_cells() {
        let rows = [
            row("LISTEN", [0, 0, 0, 0], "9000", "0.0.0.0", "*", 5),
            row("ESTAB", [10, 9, 0, 1], "9000", "10.9.0.2", "42520", 0),
        ];
        assert_eq!(
            render(&rows, false),
            "State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n\
             LISTEN 0      5            0.0.0.0:9000      0.0.0.0:*           \n\
             ESTAB  0      0           10.9.0.1:9000     10.9.0.2:42520       \n"
        );
        let client = [row("ESTAB", [10, 9, 0, 2], "42520", "10.9.0.1", "9000", 0)];
        assert_eq!(
            render(&client, false),
            "State Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess\n\
             ESTAB 0      0           10.9.0.2:42520     10.9.0.1:9000       \n"
        );
        let mut l = row("LISTEN", [0, 0, 0, 0], "9000", "0.0.0.0", "*", 5);
        l.process = " users:((\"python3\",pid=4881,fd=3))".into();
        let mut e = row("ESTAB", [10, 9, 0, 1], "9000", "10.9.0.2", "42520", 0);
        e.process = " users:((\"python3\",pid=4881,fd=4))".into();
        assert_eq!(
            render(&[l.clone(), e], false),
            "State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process                           \n\
             LISTEN 0      5            0.0.0.0:9000      0.0.0.0:*     users:((\"python3\",pid=4881,fd=3))\n\
             ESTAB  0      0           10.9.0.1:9000     10.9.0.2:42520 users:((\"python3\",pid=4881,fd=4))\n"
        );
        assert_eq!(
            render(&[l], false),
            "State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n\
             LISTEN 0      5            0.0.0.0:9000      0.0.0.0:*    users:((\"python3\",pid=4881,fd=3))\n"
        );
    }
}
