//! ARP and the neighbour table (net/ipv4/arp.c, net/core/neighbour.c).
//!
//! States as in Linux: INCOMPLETE while asking (3 broadcasts 1 s apart, packets queued),
//! REACHABLE when a reply confirmed it, STALE when learned from a request or after
//! reachable_time, DELAY then PROBE (unicast) when a stale entry is used, FAILED when nobody
//! answered, PERMANENT for `arp -s`. Who answers a request is decided by arp_ignore, which
//! source address our own requests carry by arp_announce.

use super::dev;
use super::icmp;
use super::netdev::{fmt_mac, Mac, BROADCAST_MAC};
use super::Kernel;
use crate::sim::{Ctx, Time};
use crate::why;
use smoltcp::wire::{ArpOperation, ArpPacket, ArpRepr, Ipv4Packet};
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
    /// When reachability was last confirmed.
    pub confirmed: Time,
    /// Probes sent in the current INCOMPLETE or PROBE round.
    pub probes: u32,
    pub timer: Option<Time>,
    /// IP packets waiting for the address (arp_queue).
    pub queue: VecDeque<Vec<u8>>,
    /// `arp -s … pub`: answer for this address on behalf of someone else.
    pub proxy: bool,
}

#[derive(Clone, Debug, Default)]
pub struct NeighTable {
    /// In creation order, which is the order `arp -n` and `ip neigh` list them.
    pub entries: Vec<Neigh>,
}

/// Most packets queued on one unresolved entry (Linux counts bytes; 101 packets is close).
const QUEUE_LIMIT: usize = 101;

impl NeighTable {
    pub fn find(&self, dev: usize, ip: Ipv4Addr) -> Option<&Neigh> {
        self.entries
            .iter()
            .find(|n| n.dev == dev && n.ip == ip && !n.proxy)
    }

    fn index(&self, dev: usize, ip: Ipv4Addr) -> Option<usize> {
        self.entries
            .iter()
            .position(|n| n.dev == dev && n.ip == ip && !n.proxy)
    }

    fn create(&mut self, dev: usize, ip: Ipv4Addr, now: Time) -> usize {
        self.entries.push(Neigh {
            ip,
            dev,
            mac: None,
            state: Nud::Failed,
            updated: now,
            confirmed: Time::ZERO,
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

    pub fn next_timer(&self) -> Option<Time> {
        self.entries.iter().filter_map(|n| n.timer).min()
    }
}

/// The kind of frame by its Ethernet destination (skb->pkt_type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PktType {
    Host,
    Broadcast,
    OtherHost,
}

/// Handles a received ARP packet on `dev` (arp_process).
pub fn arp_rcv(k: &mut Kernel, ctx: &mut Ctx, dev: usize, pkt_type: PktType, body: &[u8]) {
    let parsed = ArpPacket::new_checked(body).and_then(|p| ArpRepr::parse(&p));
    let Ok(ArpRepr::EthernetIpv4 {
        operation,
        source_hardware_addr,
        source_protocol_addr: sip,
        target_protocol_addr: tip,
        ..
    }) = parsed
    else {
        why!(ctx, "arp", "malformed ARP packet dropped");
        return;
    };
    let mut sha = [0u8; 6];
    sha.copy_from_slice(source_hardware_addr.as_bytes());
    let devname = k.dev_name(dev);
    if sip.is_multicast() || tip.is_multicast() || sha == BROADCAST_MAC {
        why!(ctx, "arp", "bogus sender or target, dropped");
        return;
    }
    let is_request = operation == ArpOperation::Request;
    if sip.is_unspecified() {
        // Duplicate address detection probe (`arping -D`): answer if the address is ours.
        if is_request && k.devs.is_local(tip) && arp_ignore_allows(k, ctx, dev, sip, tip) {
            why!(
                ctx,
                "arp",
                "{tip} is ours: answer the duplicate-address probe"
            );
            send_arp(k, ctx, dev, ArpOperation::Reply, sha, tip, sha, sip);
        }
        return;
    }
    if is_request && k.devs.is_local(tip) && !k.devs.is_local(sip) {
        if !arp_ignore_allows(k, ctx, dev, sip, tip) {
            return;
        }
        neigh_event_ns(k, ctx, dev, sip, sha);
        why!(
            ctx,
            "arp",
            "{tip} is ours: reply {tip} is-at {} on {devname}",
            fmt_mac(&k.dev_mac(dev))
        );
        let mac = k.dev_mac(dev);
        send_arp(k, ctx, dev, ArpOperation::Reply, mac, tip, sha, sip);
        return;
    }
    if is_request && proxy_answer(k, ctx, dev, sha, sip, tip) {
        return;
    }
    update_from_packet(k, ctx, dev, pkt_type, is_request, sha, sip, tip);
}

/// `arp -s IP MAC pub`: answer requests for an address that is not ours.
fn proxy_answer(
    k: &mut Kernel,
    ctx: &mut Ctx,
    dev: usize,
    sha: Mac,
    sip: Ipv4Addr,
    tip: Ipv4Addr,
) -> bool {
    let Some(p) = k
        .neigh
        .entries
        .iter()
        .find(|n| n.proxy && n.ip == tip && n.dev == dev)
    else {
        return false;
    };
    let mac = p.mac.unwrap_or(k.dev_mac(dev));
    why!(
        ctx,
        "arp",
        "{tip} is a published (proxy) entry: reply {tip} is-at {}",
        fmt_mac(&mac)
    );
    send_arp(k, ctx, dev, ArpOperation::Reply, mac, tip, sha, sip);
    true
}

/// arp_ignore: should we answer a request for our address `tip` that came in on `dev`?
fn arp_ignore_allows(k: &Kernel, ctx: &mut Ctx, dev: usize, sip: Ipv4Addr, tip: Ipv4Addr) -> bool {
    let name = k.dev_name(dev);
    let level = k.sysctl.conf_max(&name, "arp_ignore");
    let Some(d) = k.devs.get(dev) else {
        return false;
    };
    let on_dev = d.addrs.iter().find(|a| a.addr == tip);
    let (ok, why_not) = match level {
        0 => (true, String::new()),
        1 | 3 => (on_dev.is_some(), format!("{tip} is not on {name}")),
        2 => (
            on_dev.is_some_and(|a| a.contains(sip)),
            format!("{tip} is not on {name} in the subnet of {sip}"),
        ),
        _ => (false, format!("arp_ignore={level} never replies")),
    };
    if !ok {
        why!(
            ctx,
            "arp",
            "no reply to who-has {tip}: arp_ignore={level} and {why_not}"
        );
    }
    ok
}

/// neigh_event_ns: a request addressed to us teaches us its sender (STALE, overriding).
fn neigh_event_ns(k: &mut Kernel, ctx: &mut Ctx, dev: usize, ip: Ipv4Addr, mac: Mac) {
    let i = match k.neigh.index(dev, ip) {
        Some(i) => i,
        None => k.neigh.create(dev, ip, ctx.now),
    };
    neigh_update(k, ctx, i, mac, Nud::Stale, true, "its request to us");
}

/// The "update our ARP tables" part of arp_process for packets not answered above.
#[allow(clippy::too_many_arguments)]
fn update_from_packet(
    k: &mut Kernel,
    ctx: &mut Ctx,
    dev: usize,
    pkt_type: PktType,
    is_request: bool,
    sha: Mac,
    sip: Ipv4Addr,
    tip: Ipv4Addr,
) {
    let garp = sip == tip;
    let index = k.neigh.index(dev, sip);
    let name = k.dev_name(dev);
    let i = match index {
        Some(i) => i,
        None if garp && k.sysctl.conf_or(&name, "arp_accept") => k.neigh.create(dev, sip, ctx.now),
        None => {
            if garp {
                why!(
                    ctx,
                    "arp",
                    "gratuitous ARP for {sip}: no entry to update and arp_accept=0, ignored"
                );
            } else if is_request {
                why!(ctx, "arp", "who-has {tip} is not for us, ignored");
            } else {
                why!(
                    ctx,
                    "arp",
                    "reply from {sip} that we did not ask for, ignored"
                );
            }
            return;
        }
    };
    let locktime = k.sysctl.neigh("locktime").max(0) as u64 * 10_000_000;
    let n = &k.neigh.entries[i];
    let override_ok = ctx.now > n.updated + locktime || garp;
    // Broadcast replies and requests do not prove the neighbour is reachable.
    let state = if !is_request && pkt_type == PktType::Host {
        Nud::Reachable
    } else {
        Nud::Stale
    };
    let how = if garp {
        "gratuitous ARP"
    } else if is_request {
        "its request"
    } else {
        "reply"
    };
    neigh_update(k, ctx, i, sha, state, override_ok, how);
}

/// neigh_update: set a new address/state, obeying "first reply wins" unless overriding.
fn neigh_update(
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
        if n.mac == Some(mac) && state == Nud::Stale {
            state = n.state;
        }
    }
    let old = (n.state, n.mac);
    if (n.state, n.mac) != (state, Some(mac)) {
        n.updated = ctx.now;
    }
    n.mac = Some(mac);
    n.state = state;
    n.probes = 0;
    n.timer = match state {
        Nud::Reachable => {
            n.confirmed = ctx.now;
            Some(ctx.now + reachable)
        }
        _ => None,
    };
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

/// neigh_resolve_output: send an IP packet to `nexthop` on `dev`, resolving its address first.
pub fn neigh_output(k: &mut Kernel, ctx: &mut Ctx, dev: usize, nexthop: Ipv4Addr, pkt: Vec<u8>) {
    let i = match k.neigh.index(dev, nexthop) {
        Some(i) => i,
        None => k.neigh.create(dev, nexthop, ctx.now),
    };
    let delay = k.sysctl.neigh("delay_first_probe_time").max(0) as u64 * 1_000_000_000;
    let n = &mut k.neigh.entries[i];
    match n.state {
        Nud::Permanent | Nud::Reachable | Nud::Delay | Nud::Probe => {
            let mac = n.mac.unwrap_or(BROADCAST_MAC);
            dev::xmit_ip(k, ctx, dev, mac, pkt);
        }
        Nud::Stale => {
            n.state = Nud::Delay;
            n.updated = ctx.now;
            n.timer = Some(ctx.now + delay);
            let mac = n.mac.unwrap_or(BROADCAST_MAC);
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

/// arp_solicit: send one request for entry `i` and arm the retransmit timer.
fn solicit(k: &mut Kernel, ctx: &mut Ctx, i: usize) {
    let retrans = k.sysctl.neigh("retrans_time_ms").max(1) as u64 * 1_000_000;
    let n = &mut k.neigh.entries[i];
    n.probes += 1;
    n.timer = Some(ctx.now + retrans);
    let (dev, target, unicast) = (n.dev, n.ip, n.state == Nud::Probe);
    let dst = if unicast {
        n.mac.unwrap_or(BROADCAST_MAC)
    } else {
        BROADCAST_MAC
    };
    let queued_src = n
        .queue
        .back()
        .and_then(|p| Ipv4Packet::new_checked(p.as_slice()).ok())
        .map(|p| p.src_addr());
    let Some(saddr) = announce_source(k, ctx, dev, target, queued_src) else {
        why!(
            ctx,
            "arp",
            "no address to send a request from on {}",
            k.dev_name(dev)
        );
        return;
    };
    let mac = k.dev_mac(dev);
    let probes = k.neigh.entries[i].probes;
    let how = if unicast {
        "unicast probe"
    } else {
        "broadcast"
    };
    why!(
        ctx,
        "arp",
        "who-has {target} tell {saddr} on {} ({how} {probes})",
        k.dev_name(dev)
    );
    send_arp(k, ctx, dev, ArpOperation::Request, mac, saddr, dst, target);
}

/// arp_announce: the sender address of our request for `target`.
fn announce_source(
    k: &Kernel,
    ctx: &mut Ctx,
    dev: usize,
    target: Ipv4Addr,
    queued_src: Option<Ipv4Addr>,
) -> Option<Ipv4Addr> {
    let name = k.dev_name(dev);
    let level = k.sysctl.conf_max(&name, "arp_announce");
    let local_src = queued_src.filter(|s| k.devs.is_local(*s));
    let chosen = match level {
        0 => local_src,
        1 => local_src.filter(|s| {
            k.devs
                .get(dev)
                .is_some_and(|d| d.addrs.iter().any(|a| a.contains(target) && a.contains(*s)))
        }),
        _ => None,
    };
    if let Some(s) = chosen {
        if k.devs
            .get(dev)
            .is_some_and(|d| !d.addrs.iter().any(|a| a.addr == s))
        {
            why!(ctx, "arp", "arp_announce={level}: ask from {s}, the queued packet's source, though it is not on {name}");
        }
        return Some(s);
    }
    let s = k.devs.select_addr(dev, target);
    if let (Some(q), Some(s)) = (local_src, s) {
        if q != s {
            why!(
                ctx,
                "arp",
                "arp_announce={level}: ask from {s}, the primary address of {name}, not {q}"
            );
        }
    }
    s
}

#[allow(clippy::too_many_arguments)]
fn send_arp(
    k: &mut Kernel,
    ctx: &mut Ctx,
    dev: usize,
    op: ArpOperation,
    sha: Mac,
    sip: Ipv4Addr,
    dst: Mac,
    tip: Ipv4Addr,
) {
    let tha = if op == ArpOperation::Request {
        [0; 6]
    } else {
        dst
    };
    let frame = build_arp(op, k.dev_mac(dev), sha, sip, dst, tha, tip);
    dev::xmit(k, ctx, dev, frame);
}

/// An Ethernet frame carrying one ARP packet (also used by arping).
pub fn build_arp(
    op: ArpOperation,
    eth_src: Mac,
    sha: Mac,
    sip: Ipv4Addr,
    eth_dst: Mac,
    tha: Mac,
    tip: Ipv4Addr,
) -> Vec<u8> {
    use smoltcp::wire::EthernetAddress as E;
    let repr = ArpRepr::EthernetIpv4 {
        operation: op,
        source_hardware_addr: E(sha),
        source_protocol_addr: sip,
        target_hardware_addr: E(tha),
        target_protocol_addr: tip,
    };
    let mut body = vec![0u8; repr.buffer_len()];
    repr.emit(&mut ArpPacket::new_unchecked(&mut body[..]));
    dev::eth_frame(eth_dst, eth_src, 0x0806, &body)
}

/// neigh_timer_handler for every entry whose timer is due.
pub fn neigh_timers(k: &mut Kernel, ctx: &mut Ctx) {
    let mut i = 0;
    while i < k.neigh.entries.len() {
        if k.neigh.entries[i].timer.is_some_and(|t| t <= ctx.now) {
            k.neigh.entries[i].timer = None;
            neigh_timer(k, ctx, i);
        }
        i += 1;
    }
}

fn neigh_timer(k: &mut Kernel, ctx: &mut Ctx, i: usize) {
    let mcast = k.sysctl.neigh("mcast_solicit").max(0) as u32;
    let ucast = k.sysctl.neigh("ucast_solicit").max(0) as u32;
    let delay = k.sysctl.neigh("delay_first_probe_time").max(0) as u64 * 1_000_000_000;
    let n = &mut k.neigh.entries[i];
    let ip = n.ip;
    match n.state {
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
            why!(ctx, "arp", "{ip} DELAY → REACHABLE: confirmed meanwhile");
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
