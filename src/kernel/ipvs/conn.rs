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
    /// A template that outlived its timeout while it still controlled connections: its
    /// timeout is now 60 s, and stays so when a new connection uses it (ip_vs_conn_expire
    /// sets `cp->timeout = 60*HZ`).
    pub rearmed: bool,
}

#[derive(Default)]
pub struct ConnTable {
    pub conns: BTreeMap<ConnId, Conn>,
    /// The two lookups, keyed by the packed 5-tuple (`pack`): the kernel hashes the same
    /// fields; one integer compares faster than a tuple of five.
    by_in: BTreeMap<u128, ConnId>,
    by_out: BTreeMap<u128, ConnId>,
    /// When entries expire. An entry's timer restarts with every packet (mod_timer), so
    /// this set is lazy: a later expiry leaves the old, earlier item in place, and `expire`
    /// moves it on when it comes due. An entry is due when its own `expires` has come.
    timers: BTreeSet<(Time, ConnId)>,
    next: ConnId,
}

/// A 5-tuple as one integer, ordered as the tuple is.
fn pack((proto, a, aport, b, bport): InKey) -> u128 {
    (proto as u128) << 96
        | (u32::from(a) as u128) << 64
        | (aport as u128) << 48
        | (u32::from(b) as u128) << 16
        | bport as u128
}

fn in_key(c: &Conn) -> InKey {
    (c.proto, c.caddr, c.cport, c.vaddr, c.vport)
}

fn out_key(c: &Conn) -> OutKey {
    (c.proto, c.daddr, c.dport, c.caddr, c.cport)
}

/// What a state change did to the destination's counters: (active, inactive) deltas.
pub type Counts = (i32, i32);

impl ConnTable {
    pub fn find_in(&self, key: &InKey) -> Option<ConnId> {
        self.by_in.get(&pack(*key)).copied()
    }

    pub fn find_out(&self, key: &OutKey) -> Option<ConnId> {
        self.by_out.get(&pack(*key)).copied()
    }

    /// When `expire` has something to do next: the earliest item, which may be one a
    /// restart has moved on (the director then wakes, finds nothing due, and sleeps on).
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
        self.by_in.insert(pack(in_key(&c)), id);
        if !c.template {
            self.by_out.insert(pack(out_key(&c)), id);
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
        let expires = now + timeout;
        if expires < c.expires {
            // Sooner than the item in the set: it needs an item of its own.
            self.timers.insert((expires, id));
        }
        c.expires = expires;
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
            match self.conns.get(&id).map(|c| c.expires) {
                Some(expires) if expires > now => {
                    self.timers.insert((expires, id)); // restarted since: not yet
                }
                Some(_) => gone.extend(self.remove(id)),
                None => {} // an item left behind by a restart to a shorter timeout
            }
        }
        gone
    }

    fn remove(&mut self, id: ConnId) -> Option<Conn> {
        let c = self.conns.remove(&id)?;
        let inkey = pack(in_key(&c));
        if self.by_in.get(&inkey) == Some(&id) {
            self.by_in.remove(&inkey);
        }
        let outkey = pack(out_key(&c));
        if self.by_out.get(&outkey) == Some(&id) {
            self.by_out.remove(&outkey);
        }
        // Its item in `timers` may be older than `expires`; `expire` skips it when due.
        self.timers.remove(&(c.expires, id));
        Some(c)
    }

    /// ip_vs_check_template's invalidation: a template whose server is gone is rehashed with
    /// client port 0 and virtual/destination port 0xffff, so no lookup finds it again; it
    /// stays listed until it expires.
    pub fn invalidate_template(&mut self, id: ConnId) {
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        if c.vport == 0xffff {
            return;
        }
        let old = pack(in_key(c));
        (c.cport, c.vport, c.dport) = (0, 0xffff, 0xffff);
        let new = pack(in_key(c));
        if self.by_in.get(&old) == Some(&id) {
            self.by_in.remove(&old);
        }
        self.by_in.insert(new, id);
    }

    /// Ends an entry now (a reused client port: conn_reuse_mode).
    pub fn kill(&mut self, id: ConnId) -> Option<Conn> {
        self.remove(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::ipvs::proto_tcp::State;

    const S: u64 = 1_000_000_000;

    fn entry(cport: u16, expires: u64) -> Conn {
        let ip = |d| Ipv4Addr::new(10, 0, 0, d);
        Conn {
            proto: Proto::Tcp,
            caddr: ip(2),
            cport,
            vaddr: ip(100),
            vport: 80,
            daddr: ip(11),
            dport: 80,
            method: Method::Route,
            svc: SvcKey::Addr(Proto::Tcp, ip(100), 80),
            dest: 0,
            state: ConnState::Tcp(State::SynRecv),
            expires: Time(expires * S),
            inactive: true,
            template: false,
            controlled: false,
            rearmed: false,
        }
    }

    #[test]
    fn a_restarted_timer_expires_at_its_new_time_only() {
        let mut t = ConnTable::default();
        let id = t.insert(entry(40000, 60));
        t.set_state(
            id,
            ConnState::Tcp(State::Established),
            Time(10 * S),
            900 * S,
        );
        assert_eq!(
            t.expire(Time(60 * S)).len(),
            0,
            "the old expiry passes harmlessly"
        );
        assert_eq!(t.next_expiry(), Some(Time(910 * S)));
        assert_eq!(
            t.find_in(&(
                Proto::Tcp,
                Ipv4Addr::new(10, 0, 0, 2),
                40000,
                Ipv4Addr::new(10, 0, 0, 100),
                80
            )),
            Some(id)
        );
        let gone = t.expire(Time(910 * S));
        assert_eq!(gone.len(), 1);
        assert!(t.is_empty() && t.next_expiry().is_none());
    }

    #[test]
    fn a_shorter_timeout_expires_early_and_leaves_nothing_behind() {
        let mut t = ConnTable::default();
        let id = t.insert(entry(40000, 60));
        t.set_state(id, ConnState::Tcp(State::Close), Time(0), 10 * S);
        assert_eq!(t.expire(Time(10 * S)).len(), 1);
        assert_eq!(
            t.expire(Time(60 * S)).len(),
            0,
            "the stale item finds no entry"
        );
        assert!(t.next_expiry().is_none());
    }

    #[test]
    fn packed_keys_sort_as_tuples() {
        let a = (
            Proto::Tcp,
            Ipv4Addr::new(10, 0, 0, 2),
            65535,
            Ipv4Addr::new(9, 9, 9, 9),
            1,
        );
        let b = (
            Proto::Tcp,
            Ipv4Addr::new(10, 0, 0, 3),
            0,
            Ipv4Addr::new(0, 0, 0, 0),
            0,
        );
        let c = (
            Proto::Udp,
            Ipv4Addr::new(0, 0, 0, 0),
            0,
            Ipv4Addr::new(0, 0, 0, 0),
            0,
        );
        assert!(pack(a) < pack(b) && pack(b) < pack(c));
        assert_eq!(a < b, pack(a) < pack(b));
    }
}
