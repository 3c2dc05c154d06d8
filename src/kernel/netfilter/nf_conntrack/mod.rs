//! Connection tracking (net/netfilter/nf_conntrack_core.c): every packet is matched to a
//! connection by its tuple, in the direction it travels (ORIGINAL: as the first packet went;
//! REPLY: the other way). A connection made by a packet is *unconfirmed* until that packet
//! has passed every hook (conntrack confirm runs last): a packet dropped on the way leaves
//! nothing behind. Connections expire lazily, as the kernel's do: a lookup that finds an
//! expired entry deletes it, and a collection pass runs when its time comes.

pub mod events;
pub mod hash;
pub mod hooks;
pub mod proto_icmp;
pub mod proto_tcp;
pub mod proto_udp;
pub mod show;
pub mod slab;
pub mod tuple;

use crate::sim::time::SEC;
use crate::sim::Time;
use std::net::Ipv4Addr;
pub use tuple::Tuple;

/// The two directions of a connection.
pub const ORIGINAL: usize = 0;
pub const REPLY: usize = 1;

/// enum ip_conntrack_info: how a packet relates to its connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtInfo {
    /// Part of a connection that has seen packets both ways (either direction).
    Established,
    /// An ICMP error about a tracked connection.
    Related,
    /// The first packet (or a later one before any reply).
    New,
}

/// A packet's connection: which entry, which direction, what the packet is to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CtRef {
    pub id: u32,
    pub dir: usize,
    pub info: CtInfo,
}

/// enum ip_conntrack_status bits.
pub mod status {
    pub const SEEN_REPLY: u32 = 1 << 1;
    pub const ASSURED: u32 = 1 << 2;
    pub const CONFIRMED: u32 = 1 << 3;
    pub const SRC_NAT: u32 = 1 << 4;
    pub const DST_NAT: u32 = 1 << 5;
    pub const SRC_NAT_DONE: u32 = 1 << 7;
    pub const DST_NAT_DONE: u32 = 1 << 8;
}

/// One tracked connection (struct nf_conn).
#[derive(Clone, Debug)]
pub struct Conn {
    /// ORIGINAL and REPLY tuples; NAT changes the REPLY one.
    pub tuple: [Tuple; 2],
    pub status: u32,
    /// TCP's conntrack state (proto_tcp::State as u8); 0 for others.
    pub state: u8,
    pub timeout: Time,
    /// When it began (UDP becomes a stream 2 s after).
    pub start: Time,
    pub mark: u32,
    /// The device a MASQUERADE mapping took its address from.
    pub masq_dev: Option<u16>,
    /// The last TCP packet was a RST, in this direction (a SYN may reopen it).
    pub last_rst: Option<u8>,
}

impl Conn {
    pub fn has(&self, bit: u32) -> bool {
        self.status & bit != 0
    }
}

/// The per-protocol timeouts (net.netfilter.nf_conntrack_*_timeout*), in seconds.
#[derive(Clone, Debug)]
pub struct Timeouts {
    pub tcp: [u64; proto_tcp::STATES],
    pub udp: u64,
    pub udp_stream: u64,
    pub icmp: u64,
    pub generic: u64,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            tcp: proto_tcp::DEFAULT_TIMEOUTS,
            udp: 30,
            udp_stream: 120,
            icmp: 30,
            generic: 600,
        }
    }
}

/// The counters `conntrack -S` shows.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    pub found: u64,
    pub invalid: u64,
    pub insert: u64,
    pub insert_failed: u64,
    pub drop: u64,
    pub early_drop: u64,
}

/// A host's connection table (one net namespace's).
pub struct Conntrack {
    /// Loaded (modprobe nf_conntrack): something asked for it.
    pub enabled: bool,
    /// By id (a slot), the order `conntrack -L` lists them in.
    pub conns: slab::ConnSlab,
    /// Both tuples of every confirmed connection → id << 1 | direction.
    hash: hash::TupleMap<Tuple, u32>,
    /// nf_nat_bysource: source-NATed connections by their original source (protocol,
    /// address, port), so a client's next connection finds its mapping without a search.
    bysource: hash::TupleMap<(u8, Ipv4Addr, u16), u32>,
    /// Confirmed connections (nf_conntrack_count).
    confirmed: usize,
    pub stats: Stats,
    /// When the next collection pass is due.
    next_gc: Time,
    /// The time of the host's latest event (what /proc/net/nf_conntrack counts down from).
    pub clock: Time,
    pub events: events::EventLog,
}

impl Default for Conntrack {
    fn default() -> Conntrack {
        Conntrack {
            enabled: false,
            conns: slab::ConnSlab::default(),
            hash: hash::TupleMap::default(),
            bysource: hash::TupleMap::default(),
            confirmed: 0,
            stats: Stats::default(),
            next_gc: Time::ZERO,
            clock: Time::ZERO,
            events: events::EventLog::default(),
        }
    }
}

/// How often the collector looks (gc_worker's longest interval is 60 s; a shorter one keeps
/// `conntrack -E`'s DESTROY lines near their time).
const GC_INTERVAL: u64 = SEC;

/// Why a new connection could not be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// nf_conntrack_max reached and nothing could be evicted.
    TableFull,
}

impl Conntrack {
    pub fn count(&self) -> usize {
        self.confirmed
    }

    /// The connection a source NAT gave this original source (protocol, address, port).
    pub fn by_source(&self, key: (u8, Ipv4Addr, u16)) -> Option<&Conn> {
        self.conns.get(self.bysource.get(&key)?)
    }

    fn source_key(c: &Conn) -> (u8, Ipv4Addr, u16) {
        let o = &c.tuple[ORIGINAL];
        (o.proto, o.src, o.sport)
    }

    /// The confirmed connection a tuple belongs to, and in which direction; an expired one
    /// is deleted instead of found.
    pub fn find(&mut self, t: &Tuple, now: Time) -> Option<(u32, usize)> {
        let v = *self.hash.get(t)?;
        let id = v >> 1;
        if self.conns.get(&id).is_some_and(|c| c.timeout <= now) {
            self.delete(id);
            return None;
        }
        Some((id, (v & 1) as usize))
    }

    /// The original tuple of the connection whose REPLY tuple is `reply` (who holds a mapping).
    pub fn conns_by_reply(&self, reply: &Tuple, now: Time) -> Option<Tuple> {
        let (id, dir) = self.lookup(reply)?;
        let c = self
            .conns
            .get(&id)
            .filter(|c| c.timeout > now && dir == REPLY)?;
        Some(c.tuple[0])
    }

    /// The connection and direction of a tuple, expired or not (for reading, not tracking).
    pub fn lookup(&self, t: &Tuple) -> Option<(u32, usize)> {
        self.hash.get(t).map(|v| (v >> 1, (v & 1) as usize))
    }

    /// Whether a tuple is in use by a confirmed connection other than `except`
    /// (nf_conntrack_tuple_taken).
    pub fn taken(&self, t: &Tuple, except: u32, now: Time) -> bool {
        self.hash.get(t).is_some_and(|v| {
            v >> 1 != except && self.conns.get(&(v >> 1)).is_some_and(|c| c.timeout > now)
        })
    }

    /// A new, unconfirmed connection for a packet with tuple `t` (init_conntrack), in a
    /// table of at most `max` (net.netfilter.nf_conntrack_max).
    pub fn create(&mut self, t: Tuple, now: Time, max: u32) -> Result<u32, Refused> {
        if self.count() >= max as usize && !self.early_drop(now, max) {
            self.stats.drop += 1;
            return Err(Refused::TableFull);
        }
        let id = self.conns.vacant();
        self.conns.insert(
            id,
            Conn {
                tuple: [t, t.invert()],
                status: 0,
                state: 0,
                timeout: now,
                start: now,
                mark: 0,
                masq_dev: None,
                last_rst: None,
            },
        );
        Ok(id)
    }

    /// early_drop: a full table makes room by evicting a connection that never became
    /// ASSURED (the oldest such here; the kernel looks in a few hash buckets).
    fn early_drop(&mut self, now: Time, max: u32) -> bool {
        self.gc(now);
        if self.count() < max as usize {
            return true;
        }
        let victim = self
            .conns
            .iter()
            .find(|(_, c)| c.has(status::CONFIRMED) && !c.has(status::ASSURED))
            .map(|(id, _)| id);
        match victim {
            Some(id) => {
                self.stats.early_drop += 1;
                self.delete(id);
                true
            }
            None => false,
        }
    }

    /// __nf_conntrack_confirm: the connection enters the table. False when one of its tuples
    /// is already there (a NAT mapping that found no free tuple): the packet is dropped.
    pub fn confirm(&mut self, id: u32, now: Time) -> bool {
        let Some(c) = self.conns.get(&id) else {
            return true;
        };
        if c.has(status::CONFIRMED) {
            return true;
        }
        let tuples = c.tuple;
        if tuples.iter().any(|t| self.taken(t, id, now)) {
            self.stats.insert_failed += 1;
            self.stats.drop += 1;
            self.conns.remove(&id);
            return false;
        }
        for (dir, t) in tuples.iter().enumerate() {
            self.hash.insert(*t, id << 1 | dir as u32);
        }
        self.confirmed += 1;
        if let Some(c) = self.conns.get_mut(&id) {
            c.status |= status::CONFIRMED;
            if c.has(status::SRC_NAT_DONE) {
                let key = Self::source_key(c);
                self.bysource.insert(key, id);
            }
        }
        self.stats.insert += 1;
        self.events.new_conn(self.conns.get(&id), now);
        true
    }

    /// A connection that was never confirmed (its packet dropped or stolen) goes with it.
    pub fn forget_unconfirmed(&mut self, id: u32) {
        if self
            .conns
            .get(&id)
            .is_some_and(|c| !c.has(status::CONFIRMED))
        {
            self.conns.remove(&id);
        }
    }

    /// nf_ct_delete: out of the table, with a DESTROY event.
    pub fn delete(&mut self, id: u32) -> Option<Conn> {
        let c = self.conns.remove(&id)?;
        if c.has(status::CONFIRMED) {
            self.confirmed -= 1;
            for t in &c.tuple {
                if self.hash.get(t).is_some_and(|v| v >> 1 == id) {
                    self.hash.remove(t);
                }
            }
            let key = Self::source_key(&c);
            if self.bysource.get(&key) == Some(&id) {
                self.bysource.remove(&key);
            }
            self.events.destroy(&c);
        }
        Some(c)
    }

    /// nf_conntrack_alter_reply: NAT chose the tuple replies will carry.
    pub fn alter_reply(&mut self, id: u32, reply: Tuple) {
        if let Some(c) = self.conns.get_mut(&id) {
            c.tuple[REPLY] = reply;
        }
    }

    /// `conntrack -D`: the DESTROY event says who (ctnetlink's portid) and keeps the timeout.
    pub fn delete_by_user(&mut self, id: u32, now: Time, portid: u32) {
        if let Some(c) = self.conns.get(&id).cloned() {
            if self.events.listening() {
                self.events.destroy_by_user(&c, now, portid);
            }
            self.events.mute_next_destroy();
            self.delete(id);
        }
    }

    /// Sets the timeout `secs` from now (nf_ct_refresh).
    pub fn refresh(&mut self, id: u32, now: Time, secs: u64) {
        if let Some(c) = self.conns.get_mut(&id) {
            c.timeout = now + secs * SEC;
        }
    }

    /// gc_worker: deletes what expired. Cheap when not due.
    pub fn gc(&mut self, now: Time) {
        if now < self.next_gc || self.conns.is_empty() {
            return;
        }
        self.next_gc = now + GC_INTERVAL;
        let dead: Vec<u32> = self
            .conns
            .iter()
            .filter(|(_, c)| c.has(status::CONFIRMED) && c.timeout <= now)
            .map(|(id, _)| id)
            .collect();
        for id in dead {
            self.delete(id);
        }
    }

    /// When the collector next wants to run, while someone listens for events.
    pub fn next_wake(&self) -> Option<Time> {
        (self.events.listening() && !self.conns.is_empty()).then_some(self.next_gc)
    }

    /// The ctstate bits of a packet's connection, as xt_conntrack computes them.
    pub fn ctstate(&self, r: CtRef) -> u8 {
        use super::xt_match::ctstate as s;
        let mut bits = match r.info {
            CtInfo::Established => s::ESTABLISHED,
            CtInfo::Related => s::RELATED,
            CtInfo::New => s::NEW,
        };
        if let Some(c) = self.conns.get(&r.id) {
            if c.has(status::SRC_NAT) {
                bits |= s::SNAT;
            }
            if c.has(status::DST_NAT) {
                bits |= s::DNAT;
            }
        }
        bits
    }

    /// `conntrack -F`: everything goes, with its DESTROY event.
    pub fn flush(&mut self) -> usize {
        let ids: Vec<u32> = self.conns.keys().collect();
        ids.into_iter().filter_map(|id| self.delete(id)).count()
    }

    /// The live, confirmed connections in listing order.
    pub fn listed(&self, now: Time) -> impl Iterator<Item = (u32, &Conn)> {
        self.conns
            .iter()
            .filter(move |(_, c)| c.has(status::CONFIRMED) && c.timeout > now)
    }

    /// Seconds left before a connection expires, as the kernel reports them (rounded down).
    pub fn secs_left(c: &Conn, now: Time) -> u64 {
        c.timeout.0.saturating_sub(now.0) / SEC
    }

    /// Bytes of memory per tracked connection: the entry, its two hash slots.
    pub fn entry_bytes() -> usize {
        std::mem::size_of::<Conn>() + 4 + 2 * (std::mem::size_of::<Tuple>() + 4) + 16
    }
}

#[cfg(test)]
#[path = "conntrack_tests.rs"]
mod tests;
