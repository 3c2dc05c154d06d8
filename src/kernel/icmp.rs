//! ICMP (net/ipv4/icmp.c): echo replies, errors sent for others' packets, errors received
//! for ours, and the per-destination rate limit on errors.

use super::ip_output::{self, IpOut};
use super::Kernel;
use crate::sim::{Ctx, Time};
use crate::why;
use smoltcp::wire::{Icmpv4Packet, Ipv4Packet};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

pub const ECHO_REPLY: u8 = 0;
pub const DEST_UNREACH: u8 = 3;
pub const ECHO_REQUEST: u8 = 8;
pub const TIME_EXCEEDED: u8 = 11;

pub const NET_UNREACH: u8 = 0;
pub const HOST_UNREACH: u8 = 1;
pub const PROT_UNREACH: u8 = 2;
pub const PORT_UNREACH: u8 = 3;

/// Errors quote as much of the offending packet as fits in 576 bytes (RFC 1812, icmp_send).
const QUOTE_LIMIT: usize = 576 - 20 - 8;

/// The token bucket per destination behind net.ipv4.icmp_ratelimit (inet_peer_xrlim_allow).
#[derive(Clone, Debug, Default)]
pub struct IcmpState {
    peers: BTreeMap<Ipv4Addr, (u64, Time)>,
}

/// Builds an ICMP message with a correct checksum.
pub fn build(icmp_type: u8, code: u8, rest: [u8; 4], data: &[u8]) -> Vec<u8> {
    let mut buf = vec![0u8; 8 + data.len()];
    buf[0] = icmp_type;
    buf[1] = code;
    buf[4..8].copy_from_slice(&rest);
    buf[8..].copy_from_slice(data);
    Icmpv4Packet::new_unchecked(&mut buf[..]).fill_checksum();
    buf
}

pub fn echo(icmp_type: u8, ident: u16, seq: u16, data: &[u8]) -> Vec<u8> {
    let mut rest = [0u8; 4];
    rest[..2].copy_from_slice(&ident.to_be_bytes());
    rest[2..].copy_from_slice(&seq.to_be_bytes());
    build(icmp_type, 0, rest, data)
}

/// icmp_rcv: an ICMP message addressed to this host.
pub fn icmp_rcv(k: &mut Kernel, ctx: &mut Ctx, pkt: &[u8], broadcast: bool) {
    let Ok(ip) = Ipv4Packet::new_checked(pkt) else {
        return;
    };
    let (src, dst) = (ip.src_addr(), ip.dst_addr());
    let body = ip.payload();
    let Ok(icmp) = Icmpv4Packet::new_checked(body) else {
        why!(ctx, "icmp", "truncated ICMP from {src} dropped");
        return;
    };
    if !icmp.verify_checksum() {
        why!(ctx, "icmp", "bad ICMP checksum from {src}: dropped");
        return;
    }
    match body[0] {
        ECHO_REQUEST => echo_reply(k, ctx, &icmp, src, dst, broadcast),
        ECHO_REPLY => {
            let id = icmp.echo_ident();
            if k.sockets.deliver_ping(id, ctx.now, pkt) {
                why!(
                    ctx,
                    "icmp",
                    "echo reply from {src} (id {id}, seq {}) to the ping socket",
                    icmp.echo_seq_no()
                );
            } else {
                why!(
                    ctx,
                    "icmp",
                    "echo reply from {src} with id {id}: no ping socket waits for it"
                );
            }
        }
        DEST_UNREACH | TIME_EXCEEDED => error_rcv(k, ctx, pkt, src, body[0], body[1]),
        t => why!(ctx, "icmp", "ICMP type {t} from {src} ignored"),
    }
}

fn echo_reply(
    k: &mut Kernel,
    ctx: &mut Ctx,
    icmp: &Icmpv4Packet<&[u8]>,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    broadcast: bool,
) {
    if k.sysctl.int("net.ipv4.icmp_echo_ignore_all") != 0 {
        why!(
            ctx,
            "icmp",
            "echo request from {src} ignored: icmp_echo_ignore_all=1"
        );
        return;
    }
    if broadcast && k.sysctl.int("net.ipv4.icmp_echo_ignore_broadcasts") != 0 {
        why!(
            ctx,
            "icmp",
            "broadcast echo request from {src} ignored: icmp_echo_ignore_broadcasts=1"
        );
        return;
    }
    let reply = echo(
        ECHO_REPLY,
        icmp.echo_ident(),
        icmp.echo_seq_no(),
        icmp.data(),
    );
    why!(ctx, "icmp", "echo request from {src}: send echo reply");
    // A reply to a broadcast ping comes from our own address, not the broadcast address.
    let from = if broadcast { None } else { Some(dst) };
    let out = IpOut::icmp(from, src);
    let _ = ip_output::ip_local_out(k, ctx, out, &reply);
}

/// An ICMP error about one of our packets: find the socket that sent the quoted packet.
fn error_rcv(k: &mut Kernel, ctx: &mut Ctx, pkt: &[u8], src: Ipv4Addr, icmp_type: u8, code: u8) {
    let quoted = &Ipv4Packet::new_unchecked(pkt).payload()[8..];
    let what = describe(icmp_type, code);
    let Ok(inner) = Ipv4Packet::new_checked(quoted).or_else(|_| quoted_header(quoted)) else {
        why!(
            ctx,
            "icmp",
            "{what} from {src} quotes no valid IP header: dropped"
        );
        return;
    };
    let hl = inner.header_len() as usize;
    let l4 = quoted.get(hl..).unwrap_or(&[]);
    let proto = u8::from(inner.next_header());
    let delivered = match proto {
        1 if l4.len() >= 8 && l4[0] == ECHO_REQUEST => {
            k.sockets
                .deliver_ping(u16::from_be_bytes([l4[4], l4[5]]), ctx.now, pkt)
        }
        17 if l4.len() >= 4 => {
            let local = (inner.src_addr(), u16::from_be_bytes([l4[0], l4[1]]));
            let remote = (inner.dst_addr(), u16::from_be_bytes([l4[2], l4[3]]));
            super::udp::err_rcv(k, ctx, pkt, local, remote, icmp_type, code)
        }
        6 if l4.len() >= 4 => {
            let local = (inner.src_addr(), u16::from_be_bytes([l4[0], l4[1]]));
            let remote = (inner.dst_addr(), u16::from_be_bytes([l4[2], l4[3]]));
            super::tcp_ipv4::err_rcv(k, ctx, local, remote, icmp_type, code)
        }
        _ => false,
    };
    if delivered {
        why!(
            ctx,
            "icmp",
            "{what} from {src} about our packet to {}: passed to its socket",
            inner.dst_addr()
        );
    } else {
        why!(
            ctx,
            "icmp",
            "{what} from {src} about a packet to {}: no socket to tell",
            inner.dst_addr()
        );
    }
}

/// A quoted header may be cut short of the original total length: accept the header alone.
fn quoted_header(quoted: &[u8]) -> smoltcp::wire::Result<Ipv4Packet<&[u8]>> {
    let p = Ipv4Packet::new_unchecked(quoted);
    if quoted.len() >= 20 && p.version() == 4 && quoted.len() >= p.header_len() as usize {
        Ok(p)
    } else {
        Err(smoltcp::wire::Error)
    }
}

pub fn describe(icmp_type: u8, code: u8) -> &'static str {
    match (icmp_type, code) {
        (DEST_UNREACH, NET_UNREACH) => "net unreachable",
        (DEST_UNREACH, HOST_UNREACH) => "host unreachable",
        (DEST_UNREACH, PROT_UNREACH) => "protocol unreachable",
        (DEST_UNREACH, PORT_UNREACH) => "port unreachable",
        (DEST_UNREACH, 4) => "fragmentation needed",
        (DEST_UNREACH, _) => "destination unreachable",
        (TIME_EXCEEDED, _) => "time exceeded",
        _ => "ICMP error",
    }
}

/// icmp_send: report a problem with `orig` (a whole IP packet) to its sender.
pub fn send_error(k: &mut Kernel, ctx: &mut Ctx, orig: &[u8], icmp_type: u8, code: u8) {
    let Ok(ip) = Ipv4Packet::new_checked(orig) else {
        return;
    };
    let (src, dst) = (ip.src_addr(), ip.dst_addr());
    let what = describe(icmp_type, code);
    // Never an error about an error, a broadcast, a fragment tail, or a packet from nowhere.
    let is_error = u8::from(ip.next_header()) == 1
        && ip
            .payload()
            .first()
            .is_some_and(|t| ![ECHO_REQUEST, ECHO_REPLY].contains(t));
    if is_error
        || ip.frag_offset() != 0
        || src.is_unspecified()
        || src.is_broadcast()
        || dst.is_broadcast()
        || k.devs.is_broadcast(dst)
    {
        why!(
            ctx,
            "icmp",
            "no {what} for that packet (error, broadcast or fragment)"
        );
        return;
    }
    let to_self = k.devs.is_local(src);
    if !to_self && !rate_allows(k, ctx.now, src, icmp_type) {
        why!(
            ctx,
            "icmp",
            "{what} to {src} suppressed by icmp_ratelimit (IcmpOutRateLimitHost)"
        );
        return;
    }
    let quote = &orig[..orig.len().min(QUOTE_LIMIT)];
    let msg = build(icmp_type, code, [0; 4], quote);
    // The error comes from the address the offending packet was sent to when that is ours
    // (port unreachable), else from the address the route back to the sender picks.
    let from = k.devs.is_local(dst).then_some(dst);
    why!(
        ctx,
        "icmp",
        "send {what} to {src} about its packet to {dst}"
    );
    let out = IpOut::icmp(from, src);
    let _ = ip_output::ip_local_out(k, ctx, out, &msg);
}

/// inet_peer_xrlim_allow: a bucket of up to 6 × icmp_ratelimit ms that refills 1 ms per ms;
/// each error costs icmp_ratelimit. Types outside icmp_ratemask are never limited.
fn rate_allows(k: &mut Kernel, now: Time, dst: Ipv4Addr, icmp_type: u8) -> bool {
    let mask = k.sysctl.int("net.ipv4.icmp_ratemask");
    let cost = k.sysctl.int("net.ipv4.icmp_ratelimit").max(0) as u64 * 1_000_000;
    if icmp_type >= 32 || mask & (1 << icmp_type) == 0 || cost == 0 {
        return true;
    }
    let cap = 6 * cost;
    // A new peer starts as if last seen long ago: a full bucket.
    let (tokens, last) = k.icmp.peers.get(&dst).copied().unwrap_or((cap, now));
    let tokens = (tokens + (now - last)).min(cap);
    let allowed = tokens >= cost;
    let left = if allowed { tokens - cost } else { tokens };
    k.icmp.peers.insert(dst, (left, now));
    allowed
}
