//! ARP (net/ipv4/arp.c): answering requests for our addresses (as arp_ignore allows),
//! learning from what we hear, and asking for others (from the source arp_announce picks).
//! The cache itself is the neighbour table (neighbour.rs).

use super::dev;
use super::neighbour::neigh_update;
pub use super::neighbour::{neigh_output, neigh_timers, Neigh, NeighTable, Nud};
use super::netdev::{fmt_mac, Mac, BROADCAST_MAC};
use super::Kernel;
use crate::sim::Ctx;
use crate::why;
use smoltcp::wire::{ArpOperation, ArpPacket, ArpRepr, Ipv4Packet};
use std::net::Ipv4Addr;

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
            let mac = k.dev_mac(dev);
            send_arp(k, ctx, dev, ArpOperation::Reply, mac, tip, sha, sip);
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

/// arp_solicit: send one request for entry `i` and arm the retransmit timer.
pub(crate) fn solicit(k: &mut Kernel, ctx: &mut Ctx, i: usize) {
    let retrans = k.sysctl.neigh("retrans_time_ms").max(1) as u64 * 1_000_000;
    let n = &mut k.neigh.entries[i];
    n.probes += 1;
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
    k.neigh.set_timer(i, Some(ctx.now + retrans));
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
