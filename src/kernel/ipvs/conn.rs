//! The IPVS connection table (net/netfilter/ipvs/ip_vs_conn.c): one entry per client
//! connection (and per persistence template), found from the client side (in) and, for NAT,
//! from the real server side (out). An entry's timer restarts on every packet; its expiry is
//! the only thing that lowers its destination's ActiveConn/InActConn (lvs.md §3.1, §3.4).

use super::ctl::{Method, Proto, SvcKey};
use super::proto_tcp::State;
use crate::sim::Time;
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

pub type ConnId = u64;

/// (protocol, client address, client port, virtual address, virtual port).
pub type InKey = (Proto, Ipv4Addr, u16, Ipv4Addr, u16);
/// (protocol, real server address, real server port, client address, client port).
pub type OutKey = (Proto, Ipv4Addr, u16, Ipv4Addr, u16);

/// The state an entry shows: a TCP state, or UDP's single one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnState {
    Tcp(State),
    Udp,
}

impl ConnState {
    pub fn name(self) -> &'static str {
        match self {
            ConnState::Tcp(s) => s.name(),
            ConnState::Udp => "UDP",
        }
    }

    fn active(self) -> bool {
        matches!(self, ConnState::Tcp(s) if s.active())
    }
}

#[derive(Clone, Debug)]
pub struct Conn {
    pub proto: Proto,
    pub caddr: Ipv4Addr,
    pub cport: u16,
    pub vaddr: Ipv4Addr,
    pub vport: u16,
    pub daddr: Ipv4Addr,
    pub dport: u16,
    pub method: Method,
    pub svc: SvcKey,
    pub dest: u32,
    pub state: ConnState,
    pub expires: Time,
    /// IP_VS_CONN_F_INACTIVE: counted in InActConn rather than ActiveConn.
    pub inactive: bool,
    /// A persistence template (client port 0), counted in PersistConn.
    pub template: bool,
    /// Made under a persistence template (the kernel's cp->control): conn_reuse_mode never
    /// takes it for a new connection.
    pub controlled: bool,
}

#[derive(Default)]
pub struct ConnTable {
    pub conns: BTreeMap<ConnId, Conn>,
    by_in: BTreeMap<InKey, ConnId>,
    by_out: BTreeMap<OutKey, ConnId>,
    timers: BTreeSet<(Time, ConnId)>,
    next: ConnId,
}

/// What a state change did to the destination's counters: (active, inactive) deltas.
pub type Counts = (i32, i32);

impl ConnTable {
    pub fn find_in(&self, key: &InKey) -> Option<ConnId> {
        self.by_in.get(key).copied()
    }

    pub fn find_out(&self, key: &OutKey) -> Option<ConnId> {
        self.by_out.get(key).copied()
    }

    pub fn next_expiry(&self) -> Option<Time> {
        self.timers.first().map(|(t, _)| *t)
    }

    pub fn len(&self) -> usize {
        self.conns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.conns.is_empty()
    }

    /// ip_vs_conn_new: a new entry, INACTIVE until its state says otherwise.
    pub fn insert(&mut self, c: Conn) -> ConnId {
        self.next += 1;
        let id = self.next;
        self.by_in
            .insert((c.proto, c.caddr, c.cport, c.vaddr, c.vport), id);
        if !c.template {
            self.by_out
                .insert((c.proto, c.daddr, c.dport, c.caddr, c.cport), id);
        }
        self.timers.insert((c.expires, id));
        self.conns.insert(id, c);
        id
    }

    /// Moves an entry to `state` with a fresh timer of `timeout` ns from `now`; returns the
    /// change to its destination's (active, inactive) counters.
    pub fn set_state(&mut self, id: ConnId, state: ConnState, now: Time, timeout: u64) -> Counts {
        let Some(c) = self.conns.get_mut(&id) else {
            return (0, 0);
        };
        self.timers.remove(&(c.expires, id));
        c.expires = now + timeout;
        self.timers.insert((c.expires, id));
        c.state = state;
        if c.template {
            return (0, 0);
        }
        match (c.inactive, state.active()) {
            (true, true) => {
                c.inactive = false;
                (1, -1)
            }
            (false, false) => {
                c.inactive = true;
                (-1, 1)
            }
            _ => (0, 0),
        }
    }

    /// Entries whose timer has run out, removed from the table, oldest first.
    pub fn expire(&mut self, now: Time) -> Vec<Conn> {
        let mut gone = Vec::new();
        while let Some((at, id)) = self.timers.first().copied() {
            if at > now {
                break;
            }
            self.timers.remove(&(at, id));
            if let Some(c) = self.remove(id) {
                gone.push(c);
            }
        }
        gone
    }

    fn remove(&mut self, id: ConnId) -> Option<Conn> {
        let c = self.conns.remove(&id)?;
        let inkey = (c.proto, c.caddr, c.cport, c.vaddr, c.vport);
        if self.by_in.get(&inkey) == Some(&id) {
            self.by_in.remove(&inkey);
        }
        let outkey = (c.proto, c.daddr, c.dport, c.caddr, c.cport);
        if self.by_out.get(&outkey) == Some(&id) {
            self.by_out.remove(&outkey);
        }
        self.timers.remove(&(c.expires, id));
        Some(c)
    }

    /// Ends an entry now (a reused client port: conn_reuse_mode).
    pub fn kill(&mut self, id: ConnId) -> Option<Conn> {
        self.remove(id)
    }
}
