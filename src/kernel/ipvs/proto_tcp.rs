//! The director's view of a TCP connection (net/netfilter/ipvs/ip_vs_proto_tcp.c): eleven
//! states, their default timeouts, and the three transition tables (lvs.md §3.1–3.3). The
//! row is the packet's flag class, RST > SYN > FIN > ACK; a packet with none of them closes.

use crate::sim::time::SEC;
use smoltcp::wire::TcpPacket;

/// IP_VS_TCP_S_*: the index is the kernel's state number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    None = 0,
    Established,
    SynSent,
    SynRecv,
    FinWait,
    TimeWait,
    Close,
    CloseWait,
    LastAck,
    Listen,
    SynAck,
}

use State::*;

const ALL: [State; 11] = [
    None,
    Established,
    SynSent,
    SynRecv,
    FinWait,
    TimeWait,
    Close,
    CloseWait,
    LastAck,
    Listen,
    SynAck,
];

impl State {
    /// The name `ipvsadm -lnc` prints.
    pub fn name(self) -> &'static str {
        [
            "NONE",
            "ESTABLISHED",
            "SYN_SENT",
            "SYN_RECV",
            "FIN_WAIT",
            "TIME_WAIT",
            "CLOSE",
            "CLOSE_WAIT",
            "LAST_ACK",
            "LISTEN",
            "SYNACK",
        ][self as usize]
    }

    /// Default timeouts (tcp_timeouts[]), in ns. ESTABLISHED and FIN_WAIT follow
    /// `ipvsadm --set`, which the caller passes.
    pub fn timeout(self, established_s: u64, fin_s: u64) -> u64 {
        let s = match self {
            None => 2,
            Established => established_s,
            FinWait => fin_s,
            SynSent | TimeWait | Listen | SynAck => 120,
            SynRecv | CloseWait => 60,
            Close => 10,
            LastAck => 30,
        };
        s * SEC
    }

    /// Counted in ActiveConn (kernel ≥ 4.8, commit be2cef49904b).
    pub fn active(self) -> bool {
        matches!(self, Established | SynSent | SynRecv | SynAck)
    }
}

/// Which transition table a packet uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    /// Client → server on a NAT connection.
    Input,
    /// Server → client (NAT only).
    Output,
    /// Client → server on a DR or TUN connection (IP_VS_CONN_F_NOOUTPUT).
    InputOnly,
}

/// The flag class of a segment: the table's row.
fn row(seg: &TcpPacket<&[u8]>) -> Option<usize> {
    if seg.rst() {
        Some(3)
    } else if seg.syn() {
        Some(0)
    } else if seg.fin() {
        Some(1)
    } else if seg.ack() {
        Some(2)
    } else {
        Option::None
    }
}

// Rows: syn, fin, ack, rst. Columns: NO ES SS SR FW TW CL CW LA LI SA (lvs.md §3.2), laid
// out as the kernel's tcp_states[] so the tables can be read side by side with it.
#[rustfmt::skip]
const INPUT: [[State; 11]; 4] = [
    [SynRecv, Established, Established, SynRecv, SynRecv, SynRecv, SynRecv, SynRecv, SynRecv, SynRecv, SynRecv],
    [Close, CloseWait, SynSent, TimeWait, TimeWait, TimeWait, Close, CloseWait, LastAck, Listen, TimeWait],
    [Established, Established, SynSent, Established, FinWait, TimeWait, Close, CloseWait, Close, Listen, Established],
    [Close, Close, Close, SynRecv, Close, Close, Close, Close, LastAck, Listen, SynRecv],
];
#[rustfmt::skip]
const OUTPUT: [[State; 11]; 4] = [
    [SynSent, Established, SynSent, SynRecv, SynSent, SynSent, SynSent, SynSent, SynSent, Listen, SynRecv],
    [TimeWait, FinWait, SynSent, TimeWait, FinWait, TimeWait, Close, TimeWait, LastAck, Listen, TimeWait],
    [Established, Established, SynSent, Established, FinWait, TimeWait, Close, CloseWait, LastAck, Established, Established],
    [Close, Close, SynSent, Close, Close, TimeWait, Close, Close, Close, Close, Close],
];
/// INPUT with DR/TUN's three differences: a FIN in ESTABLISHED or FIN_WAIT is FIN_WAIT (the
/// director never sees the server's side close), and a RST in SYNACK closes.
#[rustfmt::skip]
const INPUT_ONLY: [[State; 11]; 4] = [
    [SynRecv, Established, Established, SynRecv, SynRecv, SynRecv, SynRecv, SynRecv, SynRecv, SynRecv, SynRecv],
    [Close, FinWait, SynSent, TimeWait, FinWait, TimeWait, Close, CloseWait, LastAck, Listen, TimeWait],
    [Established, Established, SynSent, Established, FinWait, TimeWait, Close, CloseWait, Close, Listen, Established],
    [Close, Close, Close, SynRecv, Close, Close, Close, Close, LastAck, Listen, Close],
];

/// set_tcp_state: the state after `seg` in direction `dir`.
pub fn next(cur: State, dir: Dir, seg: &TcpPacket<&[u8]>) -> State {
    let Some(r) = row(seg) else {
        return Close;
    };
    let table = match dir {
        Dir::Input => &INPUT,
        Dir::Output => &OUTPUT,
        Dir::InputOnly => &INPUT_ONLY,
    };
    table[r][cur as usize]
}

/// The state with this number (for tests and listings).
pub fn from_index(i: usize) -> Option<State> {
    ALL.get(i).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(flags: &str) -> Vec<u8> {
        crate::kernel::testutil::tcp((0, 0), flags, (0, 0), 0, &[])
    }

    fn walk(dir_flags: &[(Dir, &str)]) -> Vec<&'static str> {
        let mut s = None;
        dir_flags
            .iter()
            .map(|(d, f)| {
                let b = seg(f);
                s = next(s, *d, &TcpPacket::new_unchecked(&b[..]));
                s.name()
            })
            .collect()
    }

    #[test]
    fn a_dr_connection_as_the_director_sees_it() {
        let i = Dir::InputOnly;
        let got = walk(&[(i, "S"), (i, "A"), (i, "A"), (i, "FA"), (i, "A")]);
        assert_eq!(
            got,
            [
                "SYN_RECV",
                "ESTABLISHED",
                "ESTABLISHED",
                "FIN_WAIT",
                "FIN_WAIT"
            ]
        );
    }

    #[test]
    fn a_nat_connection_sees_both_directions() {
        let (i, o) = (Dir::Input, Dir::Output);
        let got = walk(&[
            (i, "S"),
            (o, "SA"),
            (i, "A"),
            (i, "FA"),
            (o, "FA"),
            (i, "A"),
        ]);
        assert_eq!(
            got,
            [
                "SYN_RECV",
                "SYN_RECV",
                "ESTABLISHED",
                "CLOSE_WAIT",
                "TIME_WAIT",
                "TIME_WAIT"
            ]
        );
        // The server closes first: FW, then the client's FIN gives TW.
        let got = walk(&[(i, "S"), (o, "SA"), (i, "A"), (o, "FA"), (i, "FA")]);
        assert_eq!(got[3..], ["FIN_WAIT", "TIME_WAIT"]);
    }

    #[test]
    fn rst_wins_over_syn_and_no_flags_close() {
        let got = walk(&[(Dir::Input, "S"), (Dir::Output, "RS")]);
        assert_eq!(got, ["SYN_RECV", "CLOSE"]);
        assert_eq!(
            walk(&[(Dir::InputOnly, "S"), (Dir::InputOnly, "")]),
            ["SYN_RECV", "CLOSE"]
        );
    }

    #[test]
    fn timeouts_and_active_states() {
        assert_eq!(SynRecv.timeout(900, 120), 60 * SEC);
        assert_eq!(Established.timeout(900, 120), 900 * SEC);
        assert_eq!(FinWait.timeout(900, 77), 77 * SEC);
        assert_eq!(Close.timeout(900, 120), 10 * SEC);
        assert!(SynRecv.active() && Established.active() && !FinWait.active());
        assert_eq!(from_index(3), Some(SynRecv));
    }
}
