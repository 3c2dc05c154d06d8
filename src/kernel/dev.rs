//! The device layer (net/core/dev.c): frames in from a port, up to ARP or IPv4; frames out to
//! a port. Packet sockets (tcpdump) see both directions here, before any filtering.

use super::arp::{self, PktType};
use super::ip_input;
use super::netdev::{fmt_mac, Mac, BROADCAST_MAC};
use super::Kernel;
use crate::sim::Ctx;
use crate::why;

pub const ETH_HDR: usize = 14;

/// Builds an Ethernet II frame. Padding to the 60-byte minimum is the NIC's job (the link's).
pub fn eth_frame(dst: Mac, src: Mac, ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(ETH_HDR + payload.len());
    f.extend_from_slice(&dst);
    f.extend_from_slice(&src);
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// dev_queue_xmit: hand a frame to the device's port, if the device can send.
pub fn xmit(k: &mut Kernel, ctx: &mut Ctx, ifindex: usize, frame: Vec<u8>) {
    let Some(dev) = k.devs.get_mut(ifindex) else {
        return;
    };
    if !dev.is_running() {
        dev.stats.tx_dropped += 1;
        let state = if dev.up { "has no carrier" } else { "is down" };
        let name = dev.name.clone();
        why!(ctx, "dev", "{name} {state}: frame dropped");
        return;
    }
    dev.stats.tx_packets += 1;
    dev.stats.tx_bytes += frame.len() as u64;
    k.sockets.tap(ifindex, true, &frame, ctx.now);
    ctx.send(ifindex, frame);
}

/// Sends an IP packet to a neighbour whose address is known.
pub fn xmit_ip(k: &mut Kernel, ctx: &mut Ctx, ifindex: usize, dst: Mac, pkt: Vec<u8>) {
    let src = k.dev_mac(ifindex);
    xmit(k, ctx, ifindex, eth_frame(dst, src, 0x0800, &pkt));
}

/// netif_receive_skb: a frame arrived on `ifindex`.
pub fn netif_receive(k: &mut Kernel, ctx: &mut Ctx, ifindex: usize, frame: &[u8]) {
    let Some(dev) = k.devs.get_mut(ifindex) else {
        return;
    };
    if !dev.up {
        dev.stats.rx_dropped += 1;
        why!(ctx, "dev", "{} is down: frame dropped", dev.name);
        return;
    }
    dev.stats.rx_packets += 1;
    dev.stats.rx_bytes += frame.len() as u64;
    let mac = dev.mac;
    k.sockets.tap(ifindex, false, frame, ctx.now);
    if frame.len() < ETH_HDR {
        why!(
            ctx,
            "dev",
            "runt frame of {} bytes on {} dropped",
            frame.len(),
            k.dev_name(ifindex)
        );
        return;
    }
    let mut dst = [0u8; 6];
    dst.copy_from_slice(&frame[..6]);
    let pkt_type = if dst == mac {
        PktType::Host
    } else if dst == BROADCAST_MAC || dst[0] & 1 == 1 {
        PktType::Broadcast
    } else {
        why!(
            ctx,
            "dev",
            "frame for {} is not for {} ({}): dropped",
            fmt_mac(&dst),
            k.dev_name(ifindex),
            fmt_mac(&mac)
        );
        return;
    };
    let ethertype = u16::from_be_bytes([frame[12], frame[13]]);
    let payload = &frame[ETH_HDR..];
    match ethertype {
        0x0806 => arp::arp_rcv(k, ctx, ifindex, pkt_type, payload),
        0x0800 => ip_input::ip_rcv(k, ctx, ifindex, pkt_type, payload, frame.get(..ETH_HDR)),
        other => why!(ctx, "dev", "ethertype 0x{other:04x} not handled: dropped"),
    }
}
