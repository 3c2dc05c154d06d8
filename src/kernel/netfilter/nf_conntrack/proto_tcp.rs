//! TCP connection tracking (nf_conntrack_proto_tcp.c): the state a connection is in, moved by
//! the flags of each packet and the direction it travels, through the kernel's table
//! tcp_conntracks[direction][flags][state]. Window tracking (tcp_in_window) is not modelled:
//! a segment outside the window is tracked as if it were inside.

use super::{status, Conn, CtInfo, Timeouts, ORIGINAL, REPLY};

/// enum tcp_conntrack, in the kernel's order.
pub const NONE: u8 = 0;
pub const SYN_SENT: u8 = 1;
pub const SYN_RECV: u8 = 2;
pub const ESTABLISHED: u8 = 3;
pub const FIN_WAIT: u8 = 4;
pub const CLOSE_WAIT: u8 = 5;
pub const LAST_ACK: u8 = 6;
pub const TIME_WAIT: u8 = 7;
pub const CLOSE: u8 = 8;
pub const SYN_SENT2: u8 = 9;
/// Not states: the table's verdicts "ignore this packet" and "this packet is invalid".
const IG: u8 = 10;
const IV: u8 = 11;
pub const STATES: usize = 10;

/// The names `conntrack -L` prints (tcp_conntrack_names).
pub const NAMES: [&str; STATES] = [
    "NONE",
    "SYN_SENT",
    "SYN_RECV",
    "ESTABLISHED",
    "FIN_WAIT",
    "CLOSE_WAIT",
    "LAST_ACK",
    "TIME_WAIT",
    "CLOSE",
    "SYN_SENT2",
];

/// tcp_timeouts, seconds: net.netfilter.nf_conntrack_tcp_timeout_*.
pub const DEFAULT_TIMEOUTS: [u64; STATES] = [0, 120, 60, 432_000, 120, 60, 30, 120, 10, 120];

/// The sysctl names of the timeouts above (index 0, NONE, has none).
pub const TIMEOUT_SYSCTLS: [&str; STATES] = [
    "",
    "syn_sent",
    "syn_recv",
    "established",
    "fin_wait",
    "close_wait",
    "last_ack",
    "time_wait",
    "close",
    "",
];

// Column order: sNO sSS sSR sES sFW sCW sLA sTW sCL sS2.
const SNO: u8 = NONE;
const SSS: u8 = SYN_SENT;
const SSR: u8 = SYN_RECV;
const SES: u8 = ESTABLISHED;
const SFW: u8 = FIN_WAIT;
const SCW: u8 = CLOSE_WAIT;
const SLA: u8 = LAST_ACK;
const STW: u8 = TIME_WAIT;
const SCL: u8 = CLOSE;
const SS2: u8 = SYN_SENT2;

/// tcp_conntracks[dir][index][state]; rows are SYN, SYN+ACK, FIN, ACK, RST, none.
const TABLE: [[[u8; STATES]; 6]; 2] = [
    [
        [SSS, SSS, IG, IG, IG, IG, IG, SSS, SSS, SS2],
        [IV, IV, SSR, IV, IV, IV, IV, IV, IV, SSR],
        [IV, IV, SFW, SFW, SLA, SLA, SLA, STW, SCL, IV],
        [SES, IV, SES, SES, SCW, SCW, STW, STW, SCL, IV],
        [IV, SCL, SCL, SCL, SCL, SCL, SCL, SCL, SCL, SCL],
        [IV; STATES],
    ],
    [
        [IV, SS2, IV, IV, IV, IV, IV, SSS, IV, SS2],
        [IV, SSR, IG, IG, IG, IG, IG, IG, IG, SSR],
        [IV, IV, SFW, SFW, SLA, SLA, SLA, STW, SCL, IV],
        [IV, IG, SSR, SES, SCW, SCW, STW, STW, SCL, IG],
        [IV, SCL, SCL, SCL, SCL, SCL, SCL, SCL, SCL, SCL],
        [IV; STATES],
    ],
];

const _: () = assert!(SNO == 0);

/// get_conntrack_index: which row of the table a segment's flags select.
fn index(flags: u8) -> usize {
    const FIN: u8 = 0x01;
    const SYN: u8 = 0x02;
    const RST: u8 = 0x04;
    const ACK: u8 = 0x10;
    if flags & RST != 0 {
        4
    } else if flags & SYN != 0 {
        if flags & ACK != 0 {
            1
        } else {
            0
        }
    } else if flags & FIN != 0 {
        2
    } else if flags & ACK != 0 {
        3
    } else {
        5
    }
}

/// What the state machine decided for one segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// New state and timeout (seconds); ASSURED when this step earned it.
    Moved { state: u8, timeout: u64 },
    /// The table says ignore: the packet passes, the connection is untouched.
    Ignored,
    /// The segment makes no sense here: the packet is INVALID.
    Invalid,
    /// A SYN on a closed connection: delete it and track the SYN as a new one.
    Reopen,
    /// A RST answering a connection that never saw a reply: it is over now.
    Kill,
}

/// tcp_new: whether a segment with no connection may start one, and in which state.
/// SYN starts SYN_SENT; with nf_conntrack_tcp_loose a segment of a connection already under
/// way (an ACK) is picked up as ESTABLISHED.
pub fn new_state(flags: u8, loose: bool) -> Option<u8> {
    match TABLE[ORIGINAL][index(flags)][NONE as usize] {
        SSS => Some(SYN_SENT),
        SES if loose => Some(ESTABLISHED),
        _ => None,
    }
}

/// tcp_packet: one segment of connection `c` travelling in `dir`.
pub fn packet(c: &Conn, dir: usize, flags: u8, t: &Timeouts) -> Step {
    let idx = index(flags);
    let old = c.state;
    let new = TABLE[dir][idx][usize::from(old.min(SYN_SENT2))];
    if new == SSS && dir == ORIGINAL && old >= TIME_WAIT && old != SYN_SENT2 {
        return Step::Reopen;
    }
    if idx == 4 && !c.has(status::SEEN_REPLY) {
        return Step::Kill;
    }
    match new {
        IG => Step::Ignored,
        IV => Step::Invalid,
        s => Step::Moved {
            state: s,
            timeout: t.tcp[usize::from(s)],
        },
    }
}

/// Whether this step makes the connection ASSURED: a reply was seen and the connection went
/// from SYN_RECV or ESTABLISHED to ESTABLISHED (the handshake completed).
pub fn assures(c: &Conn, new: u8) -> bool {
    c.has(status::SEEN_REPLY)
        && !c.has(status::ASSURED)
        && (c.state == SYN_RECV || c.state == ESTABLISHED)
        && new == ESTABLISHED
}

/// The packet's ctinfo once its connection is known.
pub fn info(c: &Conn, dir: usize) -> CtInfo {
    if dir == REPLY || c.has(status::SEEN_REPLY) {
        CtInfo::Established
    } else {
        CtInfo::New
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::netfilter::nf_conntrack::Tuple;
    use crate::sim::Time;
    use std::net::Ipv4Addr;

    const S: u8 = 0x02;
    const SA: u8 = 0x12;
    const A: u8 = 0x10;
    const F: u8 = 0x11;
    const R: u8 = 0x04;

    fn conn(state: u8, seen_reply: bool) -> Conn {
        let t = Tuple {
            src: Ipv4Addr::new(10, 0, 0, 2),
            dst: Ipv4Addr::new(203, 0, 113, 2),
            proto: 6,
            sport: 40000,
            dport: 80,
        };
        Conn {
            tuple: [t, t.invert()],
            status: if seen_reply { status::SEEN_REPLY } else { 0 },
            state,
            timeout: Time::ZERO,
            start: Time::ZERO,
            mark: 0,
            masq_dev: None,
            last_rst: None,
        }
    }

    fn moved(c: &Conn, dir: usize, flags: u8) -> u8 {
        match packet(c, dir, flags, &Timeouts::default()) {
            Step::Moved { state, .. } => state,
            other => panic!("{other:?} from {}", NAMES[usize::from(c.state)]),
        }
    }

    #[test]
    fn a_handshake_and_a_close_walk_the_states() {
        assert_eq!(new_state(S, false), Some(SYN_SENT));
        assert_eq!(moved(&conn(SYN_SENT, false), REPLY, SA), SYN_RECV);
        assert_eq!(moved(&conn(SYN_RECV, true), ORIGINAL, A), ESTABLISHED);
        assert!(assures(&conn(SYN_RECV, true), ESTABLISHED));
        assert!(!assures(&conn(SYN_SENT, false), SYN_RECV));
        assert_eq!(moved(&conn(ESTABLISHED, true), ORIGINAL, F), FIN_WAIT);
        assert_eq!(moved(&conn(FIN_WAIT, true), REPLY, A), CLOSE_WAIT);
        assert_eq!(moved(&conn(CLOSE_WAIT, true), REPLY, F), LAST_ACK);
        assert_eq!(moved(&conn(LAST_ACK, true), ORIGINAL, A), TIME_WAIT);
        assert_eq!(moved(&conn(ESTABLISHED, true), REPLY, R), CLOSE);
    }

    #[test]
    fn timeouts_are_the_kernels() {
        let t = Timeouts::default();
        let secs = |s: u8| t.tcp[usize::from(s)];
        assert_eq!(
            (
                secs(SYN_SENT),
                secs(SYN_RECV),
                secs(ESTABLISHED),
                secs(TIME_WAIT),
                secs(CLOSE)
            ),
            (120, 60, 432_000, 120, 10)
        );
        match packet(&conn(SYN_SENT, false), REPLY, SA, &t) {
            Step::Moved { timeout, .. } => assert_eq!(timeout, 60),
            s => panic!("{s:?}"),
        }
    }

    #[test]
    fn odd_segments_are_ignored_invalid_reopened_or_killed() {
        let t = Timeouts::default();
        assert_eq!(
            packet(&conn(ESTABLISHED, true), ORIGINAL, S, &t),
            Step::Ignored
        );
        assert_eq!(
            packet(&conn(SYN_SENT, false), ORIGINAL, A, &t),
            Step::Invalid
        );
        assert_eq!(
            packet(&conn(TIME_WAIT, true), ORIGINAL, S, &t),
            Step::Reopen
        );
        assert_eq!(packet(&conn(SYN_SENT, false), REPLY, R | A, &t), Step::Kill);
        assert_eq!(new_state(A, true), Some(ESTABLISHED), "loose pick-up");
        assert_eq!(new_state(A, false), None);
        assert_eq!(new_state(SA, true), None);
        assert_eq!(
            moved(&conn(SYN_SENT, false), REPLY, S),
            SYN_SENT2,
            "simultaneous open"
        );
    }
}
