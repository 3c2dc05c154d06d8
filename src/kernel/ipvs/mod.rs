//! IPVS, the Linux Virtual Server in the kernel (net/netfilter/ipvs): a director is a host
//! with IPVS rules. Packets to a virtual service are caught at LOCAL_IN (core.rs), matched to
//! or given a connection (conn.rs, scheduled by sched/), run through the TCP state machine
//! (proto_tcp.rs) and sent on by the destination's method (xmit.rs: DR, NAT, TUN); NAT replies
//! are caught at FORWARD. ctl.rs holds the rules `ipvsadm` edits.
//! ../shared/reference/lvs.md is the specification.

pub mod conn;
pub mod core;
pub mod ctl;
pub mod est;
pub mod proto_tcp;
pub mod sched;
pub mod xmit;

/// The director's IPVS state.
pub struct Ipvs {
    pub rules: ctl::Rules,
    pub conns: conn::ConnTable,
    /// `ipvsadm --set tcp tcpfin udp`, in seconds (900 120 300).
    pub timeout_tcp: u64,
    pub timeout_tcpfin: u64,
    pub timeout_udp: u64,
}

impl Default for Ipvs {
    fn default() -> Ipvs {
        Ipvs {
            rules: ctl::Rules::default(),
            conns: conn::ConnTable::default(),
            timeout_tcp: 900,
            timeout_tcpfin: 120,
            timeout_udp: 300,
        }
    }
}

impl Ipvs {
    /// Whether IPVS has anything to do (no rules and no entries: packets pass untouched).
    pub fn idle(&self) -> bool {
        self.rules.services.is_empty() && self.conns.is_empty()
    }
}
