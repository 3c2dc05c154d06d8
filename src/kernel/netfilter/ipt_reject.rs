//! REJECT (net/ipv4/netfilter/ipt_REJECT.c, nf_reject_ipv4.c): the packet is dropped and its
//! sender told so, with an ICMP destination unreachable (port unreachable unless
//! `--reject-with` says otherwise) or, for TCP, a reset. That is the difference a client
//! sees: REJECT gives `Connection refused` at once, DROP a timeout.

use super::xt_target::RejectWith;
use super::Skb;
use crate::kernel::{icmp, ip_output, Kernel};
use crate::sim::Ctx;
use crate::why;

pub fn reject(k: &mut Kernel, ctx: &mut Ctx, skb: &Skb, with: RejectWith) {
    let pkt: &[u8] = &skb.data;
    match with.icmp_code() {
        Some(code) => {
            // nf_send_unreach: never about a packet that is itself being routed to us only
            // as a broadcast; icmp_send's own rules do the rest.
            icmp::send_error(k, ctx, pkt, icmp::DEST_UNREACH, code);
        }
        None => send_reset(k, ctx, pkt),
    }
}

/// nf_send_reset: a RST for a TCP segment (none for a RST, or for a fragment), from its
/// destination to its source: `seq` = the segment's ACK if it had one, else an ACK of what it
/// carried. The IP header has id 0, DF and the default TTL.
fn send_reset(k: &mut Kernel, ctx: &mut Ctx, pkt: &[u8]) {
    let Some(rst) = reset_for(pkt, k.sysctl.default_ttl) else {
        why!(
            ctx,
            "iptables",
            "REJECT tcp-reset: not a TCP segment that can be reset"
        );
        return;
    };
    ip_output::ip_local_out_packet(k, ctx, rst);
}

/// The reset answering `pkt`, or None when there must be none.
pub fn reset_for(pkt: &[u8], ttl: u8) -> Option<Vec<u8>> {
    let ihl = usize::from(pkt.first()? & 0x0f) * 4;
    if *pkt.get(9)? != 6 || u16::from_be_bytes([*pkt.get(6)?, *pkt.get(7)?]) & 0x1fff != 0 {
        return None;
    }
    let tcp = pkt.get(ihl..ihl + 20)?;
    let flags = tcp[13];
    if flags & 0x04 != 0 {
        return None;
    }
    let doff = usize::from(tcp[12] >> 4) * 4;
    let total = usize::from(u16::from_be_bytes([pkt[2], pkt[3]])).min(pkt.len());
    let payload = total.saturating_sub(ihl + doff) as u32;
    let seq = u32::from_be_bytes([tcp[4], tcp[5], tcp[6], tcp[7]]);
    let ack = u32::from_be_bytes([tcp[8], tcp[9], tcp[10], tcp[11]]);
    let mut out = vec![0u8; 40];
    out[0] = 0x45;
    out[3] = 40;
    out[6] = 0x40;
    out[8] = ttl;
    out[9] = 6;
    out[12..16].copy_from_slice(&pkt[16..20]);
    out[16..20].copy_from_slice(&pkt[12..16]);
    out[20..22].copy_from_slice(&tcp[2..4]);
    out[22..24].copy_from_slice(&tcp[0..2]);
    if flags & 0x10 != 0 {
        out[24..28].copy_from_slice(&ack.to_be_bytes());
        out[33] = 0x04;
    } else {
        let syn_fin = u32::from(flags & 0x02 != 0) + u32::from(flags & 0x01 != 0);
        let acked = seq.wrapping_add(payload).wrapping_add(syn_fin);
        out[28..32].copy_from_slice(&acked.to_be_bytes());
        out[33] = 0x14;
    }
    out[32] = 0x50;
    fill_checksums(&mut out);
    Some(out)
}

fn fill_checksums(p: &mut [u8]) {
    use smoltcp::wire::{IpAddress, Ipv4Packet, TcpPacket};
    let (s, d) = {
        let mut ip = Ipv4Packet::new_unchecked(&mut p[..]);
        ip.fill_checksum();
        (ip.src_addr(), ip.dst_addr())
    };
    TcpPacket::new_unchecked(&mut p[20..]).fill_checksum(&IpAddress::Ipv4(s), &IpAddress::Ipv4(d));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_syn_is_answered_with_rst_ack_of_its_sequence() {
        let mut syn = vec![0u8; 40];
        syn[0] = 0x45;
        syn[3] = 40;
        syn[9] = 6;
        syn[12..16].copy_from_slice(&[10, 0, 0, 2]);
        syn[16..20].copy_from_slice(&[10, 0, 0, 1]);
        syn[20..22].copy_from_slice(&40000u16.to_be_bytes());
        syn[22..24].copy_from_slice(&23u16.to_be_bytes());
        syn[24..28].copy_from_slice(&1000u32.to_be_bytes());
        syn[32] = 0x50;
        syn[33] = 0x02;
        let rst = reset_for(&syn, 64).expect("a reset");
        assert_eq!(&rst[12..16], &[10, 0, 0, 1]);
        assert_eq!(u16::from_be_bytes([rst[20], rst[21]]), 23);
        assert_eq!(
            u32::from_be_bytes([rst[28], rst[29], rst[30], rst[31]]),
            1001
        );
        assert_eq!(rst[33], 0x14, "RST|ACK");
        assert_eq!((rst[4], rst[5], rst[6]), (0, 0, 0x40), "id 0, DF");
        let mut r = rst.clone();
        r[33] = 0x04;
        assert!(reset_for(&r, 64).is_none(), "no reset for a reset");
        assert!(reset_for(&syn[..30], 64).is_none());
    }
}
