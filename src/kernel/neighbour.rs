//! The neighbour table (net/core/neighbour.c): the IPv4-to-MAC cache ARP fills.
//!
//! States as in Linux: INCOMPLETE while asking (3 broadcasts 1 s apart, packets queued),
//! REACHABLE when a reply confirmed it, STALE when learned from a request or after
//! reachable_time, DELAY then PROBE (unicast) when a stale entry is used, FAILED when nobody
//! answered, PERMANENT for `arp -s`. The questions themselves are ARP's (arp.rs).

use super::arp::solicit;
use super::dev;
use super::icmp;
use super::netdev::{fmt_mac, Mac, BROADCAST_MAC};
use super::Kernel;
use crate::sim::{Ctx, Time};
use crate::why;
use std::cell::Cell;
use std::collections::VecDeque;
use std::net::Ipv4Addr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nud {
    Incomplete,
    Reachable,
    Stale,
    Delay,
    Probe,
    Failed,
    Permanent,
}

impl Nud {
    /// The name `ip neigh` prints.
    pub fn name(self) -> &'static str {
        match self {
            Nud::Incomplete => "INCOMPLETE",
            Nud::Reachable => "REACHABLE",
            Nud::Stale => "STALE",
            Nud::Delay => "DELAY",
            Nud::Probe => "PROBE",
            Nud::Failed => "FAILED",
            Nud::Permanent => "PERMANENT",
        }
    }

    /// NUD_VALID: the entry has a usable hardware address.
    pub fn valid(self) -> bool {
        !matches!(self, Nud::Incomplete | Nud::Failed)
    }
}

#[derive(Clone, Debug)]
pub struct Neigh {
    pub ip: Ipv4Addr,
    pub dev: usize,
    pub mac: Option<Mac>,
    pub state: Nud,
    /// When the address or state last changed: replies within `locktime` of it cannot
    /// override the address (the first of several replies wins).
    pub updated: Time,
    /// When reachability was last confirmed (an ARP reply to us, or TCP's ACKs).
    pub confirmed: Time,
    /// When a packet last went out through it while it was not REACHABLE (neigh->used: the
    /// connected fast path does not update it).
    pub used: Time,
    /// The reachable_time it was given when it last became REACHABLE: how long a
    /// confirmation keeps it so.
    pub reach: u64,
    /// Probes sent in the current INCOMPLETE or PROBE round.
    pub probes: u32,
    /// Set through `NeighTable::set_timer` only, which keeps the table's `earliest`.
    pub(in crate::kernel) timer: Option<Time>,
    /// IP packets waiting for the address (arp_queue).
    pub queue: VecDeque<Vec<u8>>,
    /// `arp -s … pub`: answer for this address on behalf of someone else.
    pub proxy: bool,
}

#[derive(Clone, Debug)]
pub struct NeighTable {
    /// In creation order, which is the order `arp -n` and `ip neigh` list them.
    pub entries: Vec<Neigh>,
    /// No entry's timer is earlier (it may be earlier than all: a timer stopped or moved
    /// later leaves it, and the next pass of `neigh_timers` makes it exact). Kept so that
    /// finding the host's next wake-up after every packet scans no entries.
    earliest: Option<Time>,
    /// Where the entry of an address was last found, by the address's last byte: a guess
    /// that `index` checks, so a lookup on a LAN costs one compare instead of a scan.
    hint: Vec<Cell<usize>>,
}

impl Default for NeighTable {
    fn default() -> Self {
        NeighTable {
            entries: Vec::new(),
            earliest: None,
            hint: vec![Cell::new(0); 256],
        }
    }
}

/// Most packets queued on one unresolved entry (Linux counts bytes; 101 packets is close).
const QUEUE_LIMIT: usize = 101;

impl NeighTable {
    pub fn find(&self, dev: usize, ip: Ipv4Addr) -> Option<&Neigh> {
        self.index(dev, ip).map(|i| &self.entries[i])
    }

    pub(crate) fn index(&self, dev: usize, ip: Ipv4Addr) -> Option<usize> {
        let is = |n: &Neigh| n.dev == dev && n.ip == ip && !n.proxy;
        let hint = &self.hint[ip.octets()[3] as usize];
        if self.entries.get(hint.get()).is_some_and(is) {
            return Some(hint.get());
        }
        let i = self.entries.iter().position(is)?;
        hint.set(i);
        Some(i)
    }

    pub(crate) fn create(&mut self, dev: usize, ip: Ipv4Addr, now: Time) -> usize {
        self.entries.push(Neigh {
            ip,
            dev,
            mac: None,
            state: Nud::Failed,
            updated: now,
            confirmed: Time::ZERO,
            used: now,
            reach: 0,
            probes: 0,
            timer: None,
            queue: VecDeque::new(),
            proxy: false,
        });
        self.entries.len() - 1
    }

    /// `arp -s` / `ip neigh add … nud permanent` (or `temp`: STALE).
    pub fn set_static(
        &mut self,
        dev: usize,
        ip: Ipv4Addr,
        mac: Mac,
        permanent: bool,
        proxy: bool,
        now: Time,
    ) {
        self.entries
            .retain(|n| !(n.dev == dev && n.ip == ip && n.proxy == proxy));
        let i = self.create(dev, ip, now);
        let n = &mut self.entries[i];
        n.mac = Some(mac);
        n.proxy = proxy;
        n.state = if permanent || proxy {
            Nud::Permanent
        } else {
            Nud::Stale
        };
    }

    /// `arp -d` / `ip neigh del`: true if something was removed.
    pub fn delete(&mut self, dev: Option<usize>, ip: Ipv4Addr) -> bool {
        let before = self.entries.len();
        self.entries
            .retain(|n| !(n.ip == ip && dev.is_none_or(|d| d == n.dev)));
        before != self.entries.len()
    }

    pub fn flush_dev(&mut self, dev: usize) {
        self.entries
            .retain(|n| n.dev != dev || n.state == Nud::Permanent);
    }

    /// neigh_confirm: a higher layer proved the neighbour is there.
    pub fn confirm(&mut self, dev: usize, ip: Ipv4Addr, now: Time) {
        if let Some(i) = self.index(dev, ip) {
            self.entries[i].confirmed = now;
        }
    }

    pub fn next_timer(&self) -> Option<Time> {
        self.earliest
    }

    pub fn timer(&self, i: usize) -> Option<Time> {
        self.entries.get(i).and_then(|n| n.timer)
    }

    /// Arms entry `i`'s timer for `t`, or stops it with None.
    pub fn set_timer(&mut self, i: usize, t: Option<Time>) {
        let Some(n) = self.entries.get_mut(i) else {
            return;
        };
        n.timer = t;
        if let Some(t) = t {
            self.earliest = Some(self.earliest.map_or(t, |e| e.min(t)));
        }
    }
}

/// neigh_update: set a new address/state, obeying "first reply wins" unless overriding.
pub(crate) fn neigh_update(
    k: &mut Kernel,
    ctx: &mut Ctx,
    i: usize,
    mac: Mac,
    mut state: Nud,
    override_ok: bool,
    how: &str,
) {
    let reachable = reachable_time(k);
    let n = &mut k.neigh.entries[i];
    let ip = n.ip;
    if n.state == Nud::Permanent {
        why!(
            ctx,
            "arp",
            "{ip} is PERMANENT; {how} from {} ignored",
            fmt_mac(&mac)
        );
        return;
    }
    // Only a state that proves reachability confirms the entry (NUD_CONNECTED); a real
    // kernel shows `used` reset by such a reply too (docs/fidelity-real.md §1.1).
    if state == Nud::Reachable {
        n.confirmed = ctx.now;
        n.used = ctx.now;
    }
    if n.state.valid() {
        if n.mac != Some(mac) && !override_ok {
            why!(
                ctx,
                "arp",
                "{ip} is-at {} ignored: entry changed less than locktime ago (first reply wins)",
                fmt_mac(&mac)
            );
            return;
        }
        // The same address again, as STALE (a broadcast request naming us): the entry keeps
        // its state, and with it its timer.
        if n.mac == Some(mac) && state == Nud::Stale {
            state = n.state;
        }
    }
    let old = (n.state, n.mac);
    if (n.state, n.mac) != (state, Some(mac)) {
        n.updated = ctx.now;
    }
    n.mac = Some(mac);
    if state != old.0 {
        // A new state: the old timer goes, and REACHABLE gets one of reachable_time.
        n.state = state;
        n.probes = 0;
        let timer = match state {
            Nud::Reachable => {
                n.reach = reachable;
                Some(ctx.now + reachable)
            }
            _ => None,
        };
        k.neigh.set_timer(i, timer);
    }
    if old != (state, Some(mac)) {
        let verb = if old.1.is_some_and(|m| m != mac) {
            "now"
        } else {
            "is"
        };
        why!(
            ctx,
            "arp",
            "{ip} {verb} at {} ({}, from {how})",
            fmt_mac(&mac),
            state.name()
        );
    }
    flush_queue(k, ctx, i);
}

/// Sends the packets that waited for this entry's address.
fn flush_queue(k: &mut Kernel, ctx: &mut Ctx, i: usize) {
    let n = &mut k.neigh.entries[i];
    let (Some(mac), dev) = (n.mac, n.dev) else {
        return;
    };
    let queued: Vec<Vec<u8>> = n.queue.drain(..).collect();
    if !queued.is_empty() {
        why!(
            ctx,
            "arp",
            "{} resolved: sending {} queued packet(s)",
            n.ip,
            queued.len()
        );
    }
    for pkt in queued {
        dev::xmit_ip(k, ctx, dev, mac, pkt);
    }
}

/// Linux picks reachable_time at random between base/2 and 3·base/2.
fn reachable_time(k: &mut Kernel) -> u64 {
    let base = k.sysctl.neigh("base_reachable_time_ms").max(1) as u64 * 1_000_000;
    base / 2 + k.rng.below(base)
}

/// arp_constructor's NUD_NOARP cases: a multicast group's MAC is computed (arp_mc_map:
/// 01:00:5e and the group's low 23 bits) and a broadcast goes to ff:ff:ff:ff:ff:ff; neither
/// is asked for.
fn noarp_mac(k: &Kernel, dev: usize, ip: Ipv4Addr) -> Option<Mac> {
    if ip.is_multicast() {
        let o = ip.octets();
        return Some([0x01, 0x00, 0x5e, o[1] & 0x7f, o[2], o[3]]);
    }
    let subnet_broadcast = || {
        k.devs
            .get(dev)
            .is_some_and(|d| d.addrs.iter().any(|a| a.broadcast == Some(ip)))
    };
    (ip.is_broadcast() || subnet_broadcast()).then_some(BROADCAST_MAC)
}

/// neigh_resolve_output: send an IP packet to `nexthop` on `dev`, resolving its address first.
pub fn neigh_output(k: &mut Kernel, ctx: &mut Ctx, dev: usize, nexthop: Ipv4Addr, pkt: Vec<u8>) {
    if let Some(mac) = noarp_mac(k, dev, nexthop) {
        dev::xmit_ip(k, ctx, dev, mac, pkt);
        return;
    }
    let i = match k.neigh.index(dev, nexthop) {
        Some(i) => i,
        None => k.neigh.create(dev, nexthop, ctx.now),
    };
    let n = &mut k.neigh.entries[i];
    // neigh_resolve_output marks the entry used; a REACHABLE entry's fast path
    // (neigh_connected_output) does not.
    if !matches!(n.state, Nud::Reachable | Nud::Permanent) {
        n.used = ctx.now;
    }
    match n.state {
        Nud::Permanent | Nud::Reachable | Nud::Delay | Nud::Probe => {
            let mac = n.mac.unwrap_or(BROADCAST_MAC);
            dev::xmit_ip(k, ctx, dev, mac, pkt);
        }
        Nud::Stale => {
            let delay = k.sysctl.neigh("delay_first_probe_time").max(0) as u64 * 1_000_000_000;
            n.state = Nud::Delay;
            n.updated = ctx.now;
            let mac = n.mac.unwrap_or(BROADCAST_MAC);
            k.neigh.set_timer(i, Some(ctx.now + delay));
            why!(
                ctx,
                "arp",
                "{nexthop} is STALE: use it and enter DELAY (probe in 5s unless confirmed)"
            );
            dev::xmit_ip(k, ctx, dev, mac, pkt);
        }
        Nud::Incomplete => {
            if n.queue.len() >= QUEUE_LIMIT {
                n.queue.pop_front();
            }
            n.queue.push_back(pkt);
            why!(
                ctx,
                "arp",
                "{nexthop} still INCOMPLETE: packet queued ({} waiting)",
                n.queue.len()
            );
        }
        Nud::Failed => {
            n.state = Nud::Incomplete;
            n.updated = ctx.now;
            n.probes = 0;
            n.queue.push_back(pkt);
            why!(
                ctx,
                "arp",
                "{nexthop} unknown on {}: queue the packet and ask",
                k.dev_name(dev)
            );
            solicit(k, ctx, i);
        }
    }
}

/// neigh_timer_handler for every entry whose timer is due.
pub fn neigh_timers(k: &mut Kernel, ctx: &mut Ctx) {
    if k.neigh.earliest.is_none_or(|t| t > ctx.now) {
        return; // the bound is in the future: nothing is due
    }
    let mut i = 0;
    while i < k.neigh.entries.len() {
        if k.neigh.entries[i].timer.is_some_and(|t| t <= ctx.now) {
            k.neigh.entries[i].timer = None;
            neigh_timer(k, ctx, i);
        }
        i += 1;
    }
    k.neigh.earliest = k.neigh.entries.iter().filter_map(|n| n.timer).min();
}

fn neigh_timer(k: &mut Kernel, ctx: &mut Ctx, i: usize) {
    // An entry that was never REACHABLE has no reachable_time of its own yet.
    if k.neigh.entries[i].state == Nud::Delay && k.neigh.entries[i].reach == 0 {
        k.neigh.entries[i].reach = reachable_time(k);
    }
    let mcast = k.sysctl.neigh("mcast_solicit").max(0) as u32;
    let ucast = k.sysctl.neigh("ucast_solicit").max(0) as u32;
    let delay = k.sysctl.neigh("delay_first_probe_time").max(0) as u64 * 1_000_000_000;
    let n = &mut k.neigh.entries[i];
    let ip = n.ip;
    match n.state {
        // Confirmed since it became REACHABLE (TCP's ACKs, a reply): still alive.
        Nud::Reachable if ctx.now < n.confirmed + n.reach => {
            let next = n.confirmed + n.reach;
            k.neigh.set_timer(i, Some(next));
        }
        // Not confirmed, but in use: DELAY, and a probe unless confirmed meanwhile.
        Nud::Reachable if ctx.now <= n.used + delay => {
            n.state = Nud::Delay;
            n.updated = ctx.now;
            why!(
                ctx,
                "arp",
                "{ip} REACHABLE → DELAY: not confirmed within reachable_time, but in use"
            );
            k.neigh.set_timer(i, Some(ctx.now + delay));
        }
        Nud::Reachable => {
            n.state = Nud::Stale;
            n.updated = ctx.now;
            why!(
                ctx,
                "arp",
                "{ip} REACHABLE → STALE: not confirmed within reachable_time"
            );
        }
        Nud::Delay if n.confirmed + delay > ctx.now => {
            n.state = Nud::Reachable;
            n.updated = ctx.now;
            why!(ctx, "arp", "{ip} DELAY → REACHABLE: confirmed meanwhile");
            let next = n.confirmed + n.reach;
            k.neigh.set_timer(i, Some(next));
        }
        Nud::Delay => {
            n.state = Nud::Probe;
            n.probes = 0;
            why!(
                ctx,
                "arp",
                "{ip} DELAY → PROBE: no confirmation for 5s, ask by unicast"
            );
            solicit(k, ctx, i);
        }
        Nud::Probe | Nud::Incomplete => {
            let limit = if n.state == Nud::Probe { ucast } else { mcast };
            if n.probes >= limit {
                fail(k, ctx, i);
            } else {
                solicit(k, ctx, i);
            }
        }
        Nud::Stale | Nud::Failed | Nud::Permanent => {}
    }
}

/// Nobody answered: FAILED, and every queued packet gets ICMP host unreachable (arp_error_report).
fn fail(k: &mut Kernel, ctx: &mut Ctx, i: usize) {
    let n = &mut k.neigh.entries[i];
    let tries = n.probes;
    n.state = Nud::Failed;
    n.mac = None;
    n.updated = ctx.now;
    let queued: Vec<Vec<u8>> = n.queue.drain(..).collect();
    why!(
        ctx,
        "arp",
        "no reply for {} after {tries} requests → FAILED; {} queued packet(s) get host unreachable",
        n.ip,
        queued.len()
    );
    for pkt in queued {
        icmp::send_error(k, ctx, &pkt, icmp::DEST_UNREACH, icmp::HOST_UNREACH);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000_000;

    #[test]
    fn the_next_timer_is_never_later_than_an_armed_one() {
        let mut t = NeighTable::default();
        let a = t.create(1, Ipv4Addr::new(10, 0, 0, 1), Time::ZERO);
        let b = t.create(1, Ipv4Addr::new(10, 0, 0, 2), Time::ZERO);
        assert_eq!(t.next_timer(), None);
        t.set_timer(a, Some(Time(30 * S)));
        t.set_timer(b, Some(Time(5 * S)));
        assert_eq!(t.next_timer(), Some(Time(5 * S)));
        // Stopping a timer may leave an early wake-up, never a late one.
        t.set_timer(b, None);
        assert!(t.next_timer().is_some_and(|w| w <= Time(30 * S)));
        assert_eq!((t.timer(a), t.timer(b)), (Some(Time(30 * S)), None));
    }

    #[test]
    fn lookups_survive_entries_moving() {
        let mut t = NeighTable::default();
        let ip = |d| Ipv4Addr::new(10, 0, 0, d);
        t.create(1, ip(1), Time::ZERO);
        t.create(1, ip(2), Time::ZERO);
        t.create(2, ip(2), Time::ZERO);
        assert_eq!(t.index(1, ip(2)), Some(1));
        assert_eq!(t.index(2, ip(2)), Some(2), "same last byte, other device");
        assert!(t.delete(Some(1), ip(1)));
        assert_eq!(t.index(1, ip(2)), Some(0), "a stale guess is checked");
        assert_eq!(t.index(1, ip(1)), None);
        assert_eq!(t.find(2, ip(2)).map(|n| n.dev), Some(2));
    }
}
