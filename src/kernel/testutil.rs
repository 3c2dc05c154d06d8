//! Test helpers for the kernel's own tests: a NIC with a cable in it, and TCP segments built
//! from flag letters, so each test states only what it is about.

use super::netdev::Mac;
use super::Kernel;
use smoltcp::wire::{TcpPacket, TcpSeqNumber};

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
