//! Test helpers for the kernel's own tests: a NIC with a cable in it, and TCP segments built
//! from flag letters, so each test states only what it is about.

use super::netdev::Mac;
use super::Kernel;
use smoltcp::wire::{IpAddress, IpProtocol, Ipv4Packet, TcpPacket, TcpSeqNumber};
use std::net::Ipv4Addr;

/// An Ethernet device with its cable plugged in (carrier up, as the world does when a link
/// joins it), still administratively down.
pub fn plug(k: &mut Kernel, name: &str, mac: Mac) -> usize {
    let i = k.add_ether(name, mac);
    if let Some(d) = k.devs.get_mut(i) {
        d.carrier = true;
    }
    i
}

/// A 20-byte TCP header followed by `data`; `flags` as letters (S, F, R, A, P). The checksum
/// is left 0 for the caller to fill once the addresses are known.
pub fn tcp(
    ports: (u16, u16),
    flags: &str,
    (seq, ack): (u32, u32),
    win: u16,
    data: &[u8],
) -> Vec<u8> {
    let mut b = vec![0u8; 20 + data.len()];
    let mut t = TcpPacket::new_unchecked(&mut b[..]);
    t.set_src_port(ports.0);
    t.set_dst_port(ports.1);
    t.set_seq_number(TcpSeqNumber(seq as i32));
    t.set_ack_number(TcpSeqNumber(ack as i32));
    t.set_header_len(20);
    t.clear_flags();
    t.set_syn(flags.contains('S'));
    t.set_fin(flags.contains('F'));
    t.set_rst(flags.contains('R'));
    t.set_ack(flags.contains('A'));
    t.set_psh(flags.contains('P'));
    t.set_window_len(win);
    t.payload_mut().copy_from_slice(data);
    b
}

/// A whole IPv4 TCP segment (DF, TTL 64, seq 1000, ack 5000) with correct checksums.
pub fn segment(src: (Ipv4Addr, u16), dst: (Ipv4Addr, u16), flags: &str) -> Vec<u8> {
    let mut b = vec![0u8; 40];
    let mut ip = Ipv4Packet::new_unchecked(&mut b[..]);
    ip.set_version(4);
    ip.set_header_len(20);
    ip.set_total_len(40);
    ip.clear_flags();
    ip.set_dont_frag(true);
    ip.set_hop_limit(64);
    ip.set_next_header(IpProtocol::Tcp);
    ip.set_src_addr(src.0);
    ip.set_dst_addr(dst.0);
    ip.fill_checksum();
    b[20..].copy_from_slice(&tcp((src.1, dst.1), flags, (1000, 5000), 64240, &[]));
    let mut t = TcpPacket::new_unchecked(&mut b[20..]);
    t.fill_checksum(&IpAddress::Ipv4(src.0), &IpAddress::Ipv4(dst.0));
    b
}
