//! Rewriting a packet's addresses, ports and ICMP ids (nf_nat_proto.c's
//! nf_nat_ipv4_manip_pkt and the l4 manips), with checksums updated incrementally (RFC 1624)
//! as the kernel does: the result equals a full recomputation when the checksum was right,
//! and an ICMP error's quoted header (whose transport checksum covers bytes that were cut
//! off) can still be corrected.

use crate::kernel::netfilter::nf_conntrack::Tuple;

/// Which side of the tuple a NAT hook changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Manip {
    Src,
    Dst,
}

impl Manip {
    pub fn other(self) -> Manip {
        match self {
            Manip::Src => Manip::Dst,
            Manip::Dst => Manip::Src,
        }
    }
}

/// Folds a 32-bit one's-complement sum to 16 bits.
fn fold(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

/// The checksum at `at` after `old` (16-bit words) became `new`: HC' = ~(~HC + ~m + m').
fn replace(pkt: &mut [u8], at: usize, old: &[u8], new: &[u8]) {
    let Some(bytes) = pkt.get(at..at + 2) else {
        return;
    };
    let hc = u16::from_be_bytes([bytes[0], bytes[1]]);
    let mut sum = u32::from(!hc);
    for (o, n) in old.chunks(2).zip(new.chunks(2)) {
        let word = |c: &[u8]| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]);
        sum += u32::from(!word(o)) + u32::from(word(n));
    }
    let out = !fold(sum);
    pkt[at..at + 2].copy_from_slice(&out.to_be_bytes());
}

/// Overwrites the bytes at `at` with `new`, updating the checksums at `sums` (a UDP
/// checksum of 0, which means "none", is never given here, so it stays 0). Allocates
/// nothing: it runs for every NATed packet.
fn set<const N: usize>(pkt: &mut [u8], at: usize, new: [u8; N], sums: [Option<usize>; 2]) {
    let Some(cur) = pkt.get(at..at + N) else {
        return;
    };
    let mut old = [0u8; N];
    old.copy_from_slice(cur);
    for s in sums.into_iter().flatten() {
        replace(pkt, s, &old, &new);
    }
    pkt[at..at + N].copy_from_slice(&new);
}

/// nf_nat_ipv4_manip_pkt: rewrites the IPv4 packet at `off` in `pkt` (0 for the packet
/// itself, or where an ICMP error quotes one) so that its source (Src) or destination (Dst)
/// becomes `target`'s.
pub fn manip_pkt(pkt: &mut [u8], off: usize, target: &Tuple, manip: Manip) {
    let Some(&vihl) = pkt.get(off) else {
        return;
    };
    let ihl = usize::from(vihl & 0x0f) * 4;
    let l4 = off + ihl;
    let proto = pkt.get(off + 9).copied().unwrap_or(0);
    let (addr_at, addr, port_at, port) = match manip {
        Manip::Src => (off + 12, target.src, l4, target.sport),
        Manip::Dst => (off + 16, target.dst, l4 + 2, target.dport),
    };
    // The transport checksum covers the addresses (pseudo-header) and the port.
    let l4sum = match proto {
        6 if pkt.len() >= l4 + 20 => Some(l4 + 16),
        17 if pkt.get(l4 + 6..l4 + 8).is_some_and(|c| c != [0, 0]) => Some(l4 + 6),
        _ => None,
    };
    set(pkt, addr_at, addr.octets(), [Some(off + 10), l4sum]);
    match proto {
        6 | 17 if pkt.len() >= l4 + 4 => set(pkt, port_at, port.to_be_bytes(), [l4sum, None]),
        1 if is_echo_like(pkt.get(l4).copied()) => {
            set(
                pkt,
                l4 + 4,
                target.sport.to_be_bytes(),
                [Some(l4 + 2), None],
            );
        }
        _ => {}
    }
}

/// ICMP messages with an id (icmp_manip_pkt's list); errors have none.
fn is_echo_like(t: Option<u8>) -> bool {
    matches!(t, Some(0 | 8 | 13 | 14 | 15 | 16 | 17 | 18))
}

/// The ICMP checksum over the whole message after `ihl` bytes of IP header.
pub fn icmp_checksum(pkt: &mut [u8], ihl: usize) {
    if pkt.len() < ihl + 4 {
        return;
    }
    pkt[ihl + 2] = 0;
    pkt[ihl + 3] = 0;
    let mut sum: u32 = 0;
    for c in pkt[ihl..].chunks(2) {
        sum += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    let out = !fold(sum);
    pkt[ihl + 2..ihl + 4].copy_from_slice(&out.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use smoltcp::wire::{IpAddress, Ipv4Packet, TcpPacket, UdpPacket};
    use std::net::Ipv4Addr;

    fn tcp_packet() -> Vec<u8> {
        let mut p = vec![0u8; 44];
        p[0] = 0x45;
        p[3] = 44;
        p[8] = 64;
        p[9] = 6;
        p[12..16].copy_from_slice(&[10, 0, 0, 2]);
        p[16..20].copy_from_slice(&[203, 0, 113, 2]);
        p[20..22].copy_from_slice(&40000u16.to_be_bytes());
        p[22..24].copy_from_slice(&80u16.to_be_bytes());
        p[32] = 0x50;
        p[33] = 0x02;
        p[40..44].copy_from_slice(b"data");
        Ipv4Packet::new_unchecked(&mut p[..]).fill_checksum();
        fill_tcp(&mut p);
        p
    }

    fn fill_tcp(p: &mut [u8]) {
        let (s, d) = {
            let ip = Ipv4Packet::new_unchecked(&p[..]);
            (ip.src_addr(), ip.dst_addr())
        };
        TcpPacket::new_unchecked(&mut p[20..])
            .fill_checksum(&IpAddress::Ipv4(s), &IpAddress::Ipv4(d));
    }

    fn target(src: [u8; 4], sport: u16) -> Tuple {
        Tuple {
            src: Ipv4Addr::from(src),
            dst: Ipv4Addr::new(203, 0, 113, 2),
            proto: 6,
            sport,
            dport: 80,
        }
    }

    #[test]
    fn incremental_checksums_equal_recomputed_ones() {
        let mut p = tcp_packet();
        manip_pkt(&mut p, 0, &target([203, 0, 113, 1], 1024), Manip::Src);
        let ip = Ipv4Packet::new_unchecked(&p[..]);
        assert!(ip.verify_checksum());
        assert_eq!(ip.src_addr(), Ipv4Addr::new(203, 0, 113, 1));
        let tcp = TcpPacket::new_unchecked(&p[20..]);
        assert_eq!(tcp.src_port(), 1024);
        let mut again = p.clone();
        fill_tcp(&mut again);
        assert_eq!(p, again, "same bytes as a full recomputation");
    }

    #[test]
    fn destination_manip_and_udp_without_checksum() {
        let mut p = tcp_packet();
        let t = Tuple {
            dst: Ipv4Addr::new(10, 0, 0, 9),
            dport: 8080,
            ..target([10, 0, 0, 2], 40000)
        };
        manip_pkt(&mut p, 0, &t, Manip::Dst);
        let mut again = p.clone();
        fill_tcp(&mut again);
        assert_eq!(p, again);
        assert_eq!(TcpPacket::new_unchecked(&p[20..]).dst_port(), 8080);
        let mut u = tcp_packet();
        u.truncate(28);
        u[3] = 28;
        u[9] = 17;
        u[24..28].copy_from_slice(&[0, 8, 0, 0]);
        Ipv4Packet::new_unchecked(&mut u[..]).fill_checksum();
        manip_pkt(&mut u, 0, &target([203, 0, 113, 1], 5000), Manip::Src);
        assert_eq!(&u[26..28], &[0, 0], "a zero UDP checksum stays zero");
        assert_eq!(UdpPacket::new_unchecked(&u[20..]).src_port(), 5000);
        assert!(Ipv4Packet::new_unchecked(&u[..]).verify_checksum());
    }

    #[test]
    fn short_and_odd_packets_never_panic() {
        for n in 0..44 {
            let mut p = tcp_packet();
            p.truncate(n);
            manip_pkt(&mut p, 0, &target([1, 2, 3, 4], 1), Manip::Src);
            manip_pkt(&mut p, 30, &target([1, 2, 3, 4], 1), Manip::Dst);
            icmp_checksum(&mut p, 20);
        }
    }
}
