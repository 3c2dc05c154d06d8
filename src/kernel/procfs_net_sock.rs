//! `/proc/net/tcp` and `/proc/net/udp` in the kernel's layouts (tcp_ipv4.c's tcp4_seq_show,
//! get_tcp4_sock and get_timewait4_sock; udp.c's udp4_format_sock), as recorded in
//! docs/fidelity-real.md §5: addresses in little-endian hex, ports in hex, the state as the
//! kernel's number, queues, timers in clock ticks (USER_HZ = 100), the socket's inode (0 for a
//! socket no process holds: not yet accepted, or closed), and every line padded to 149
//! (TCP) or 127 (UDP) characters.
//!
//! Where the kernel walks its hash tables, netstep lists in creation order (listeners, then
//! connections, then TIME_WAIT); a UDP socket's `sl` is its hash bucket, the port modulo the
//! 4,096 buckets (a real namespace adds a random `net_hash_mix`, so its buckets differ).

use super::procfs_net::hex;
use super::socket::{Msg, OpenSocket, SockKind};
use super::tcp::{self, Conn};
use super::Kernel;
use crate::sim::Time;
use smoltcp::socket::tcp::State;
use std::net::Ipv4Addr;

/// One clock tick of /proc (USER_HZ).
const TICK: u64 = 10_000_000;
/// TCP_INIT_CWND, and TCP_INFINITE_SSTHRESH's -1 for a connection in its initial slow start:
/// netstep's TCP has no congestion control of its own, so they never change.
const CWND: u32 = 10;
const UDP_BUCKETS: u16 = 4096;

/// The kernel's numbers for the TCP states (include/net/tcp_states.h).
fn state_number(s: State) -> u8 {
    match s {
        State::Established => 0x01,
        State::SynSent => 0x02,
        State::SynReceived => 0x03,
        State::FinWait1 => 0x04,
        State::FinWait2 => 0x05,
        State::TimeWait => 0x06,
        State::Closed => 0x07,
        State::CloseWait => 0x08,
        State::LastAck => 0x09,
        State::Listen => 0x0A,
        State::Closing => 0x0B,
    }
}

/// `%pK` of a socket: the kernel prints a hashed pointer; a fixed mix of the inode keeps it
/// looking like one and the same on every run.
fn pointer(seed: u64) -> String {
    let mut x = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    format!("{:016x}", (x ^ (x >> 31)) & 0x0000_ffff_ffff_ffff)
}

fn ticks(ns: u64) -> u64 {
    ns / TICK
}

fn endpoint((ip, port): (Ipv4Addr, u16)) -> String {
    format!("{}:{port:04X}", hex(ip))
}

pub fn proc_net_tcp(k: &Kernel, now: Time) -> String {
    let mut lines = vec![String::from(
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
    )];
    for (id, l) in &k.tcp.listeners {
        let waiting = k
            .tcp
            .conns
            .values()
            .filter(|c| c.listener == Some(*id))
            .count();
        let inode = OpenSocket::Tcp(*id).inode();
        let local = (l.addr.unwrap_or(Ipv4Addr::UNSPECIFIED), l.port);
        lines.push(format!(
            "{:4}: {} 00000000:0000 0A 00000000:{waiting:08X} 00:00000000 00000000     0        0 {inode} 1 {} 100 0 0 {CWND} 0",
            lines.len() - 1,
            endpoint(local),
            pointer(inode.into()),
        ));
    }
    for (id, c) in k.tcp.conns.iter().filter(|(_, c)| c.unread.is_none()) {
        lines.push(conn_line(k, lines.len() - 1, *id, c, now));
    }
    for ((local, remote), tw) in &k.tcp.tw.socks {
        let left = ticks(tw.expires.0.saturating_sub(now.0));
        lines.push(format!(
            "{:4}: {} {} 06 00000000:00000000 03:{left:08X} 00000000     0        0 0 3 {}",
            lines.len() - 1,
            endpoint(*local),
            endpoint(*remote),
            pointer(u64::from(tw.snd_nxt) << 32 | u64::from(tw.rcv_nxt)),
        ));
    }
    lines.iter().map(|l| format!("{l:<149}\n")).collect()
}

/// get_tcp4_sock: one connection.
fn conn_line(k: &Kernel, sl: usize, id: tcp::TcpId, c: &Conn, now: Time) -> String {
    let (rx, tx) = tcp::queues(k, id);
    // The retransmission timer runs while something is unacknowledged (SYN included).
    let (tr, when) = match c.next_poll {
        Some(t) if tx > 0 || matches!(c.state, State::SynSent | State::SynReceived) => {
            (1, ticks(t.0.saturating_sub(now.0)))
        }
        _ => (0, 0),
    };
    let retrans = c.syns.saturating_sub(1);
    let inode = match c.owner {
        Some(_) => OpenSocket::Tcp(id).inode(),
        None => 0,
    };
    let (rto, ato, quick) = c.delack.proc_fields();
    format!(
        "{sl:4}: {} {} {:02X} {tx:08X}:{rx:08X} {tr:02X}:{when:08X} {retrans:08X}     0        0 {inode} 1 {} {} {} {quick} {CWND} -1",
        endpoint(c.local),
        endpoint(c.remote),
        state_number(c.state),
        pointer(u64::from(OpenSocket::Tcp(id).inode())),
        ticks(rto),
        ticks(ato),
    )
}

pub fn proc_net_udp(k: &Kernel) -> String {
    let mut socks: Vec<(u16, String)> = Vec::new();
    for (id, sock) in k.sockets.iter() {
        let SockKind::Udp(u) = sock.kind else {
            continue;
        };
        if u.port == 0 {
            continue; // not bound: not in the hash table
        }
        let (remote, st) = match u.peer {
            Some(peer) => (endpoint(peer), 0x01),
            None => (endpoint((Ipv4Addr::UNSPECIFIED, 0)), 0x07),
        };
        let rx: usize = sock.rx.iter().map(Msg::payload_len).sum();
        let inode = OpenSocket::Udp(*id).inode();
        let bucket = u.port % UDP_BUCKETS;
        socks.push((
            bucket,
            format!(
                "{bucket:5}: {} {remote} {st:02X} 00000000:{rx:08X} 00:00000000 00000000     0        0 {inode} 2 {} 0",
                endpoint((u.addr, u.port)),
                pointer(inode.into()),
            ),
        ));
    }
    // Bucket by bucket, as udp_get_first/udp_get_next walk the table.
    socks.sort_by_key(|(b, _)| *b);
    let header = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops";
    std::iter::once(header.to_string())
        .chain(socks.into_iter().map(|(_, l)| l))
        .map(|l| format!("{l:<127}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::kernel::testutil::plug;
    use crate::kernel::{tcp, udp, Kernel};
    use crate::sim::rng::Rng;
    use crate::sim::Time;
    use std::net::Ipv4Addr;

    fn node() -> Kernel {
        let mut k = Kernel::new("a", Rng::new(1));
        plug(&mut k, "eth0", [2, 0, 0, 0, 1, 1]);
        let r = crate::user::tools::run_builtin(&mut k, Time::ZERO, "ifconfig eth0 10.9.0.1/24");
        assert_eq!(r.map(|r| r.2), Some(0));
        k
    }

    #[test]
    fn tcp_lists_a_listener_in_the_kernels_layout() {
        let mut k = node();
        let id = tcp::listen(&mut k, 7, None, 9000, 5).expect("listen");
        let text = super::proc_net_tcp(&k, Time::ZERO);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.iter().all(|l| l.len() == 149), "{text:?}");
        assert_eq!(lines[0].trim_end(), "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode");
        let want = format!("   0: 00000000:2328 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 {} 1 ", 100_000 + id);
        assert!(lines[1].starts_with(&want), "{text}");
        assert!(lines[1].trim_end().ends_with(" 100 0 0 10 0"), "{text}");
    }

    #[test]
    fn udp_lists_bound_sockets_by_bucket() {
        let mut k = node();
        for port in [9001, 53] {
            let s = udp::socket(&mut k, 7);
            udp::bind(&mut k, s, Ipv4Addr::new(10, 9, 0, 1), port).expect("bind");
        }
        udp::socket(&mut k, 7); // unbound: not listed
        let text = super::proc_net_udp(&k);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.iter().all(|l| l.len() == 127), "{text:?}");
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[1].starts_with("   53: 0100090A:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 2000"), "{text}");
        assert!(
            lines[2].starts_with("  809: 0100090A:2329 00000000:0000 07 "),
            "{text}"
        );
        assert!(
            lines[2].trim_end().ends_with(" 2 ") || lines[2].trim_end().ends_with(" 0"),
            "{text}"
        );
    }
}
