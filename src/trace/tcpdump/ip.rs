//! IPv4 (print-ip.c) and what it carries that needs no file of its own: UDP (print-udp.c),
//! IP-in-IP and the protocols shown only by number; and the diagram label of an IP packet.
use super::{be16, get, icmp, tcp, vrrp, Res};
use core::fmt::Write;
use core::net::Ipv4Addr;
use smoltcp::wire::{Ipv4Packet, UdpPacket};

/// ip_print: `b` is what was captured from the IP header on, `length` what the layer below
/// says is there (they differ only inside a tunnel whose outer packet was cut short).
pub(super) fn ip(o: &mut String, b: &[u8], length: usize, e: bool, depth: u8) -> Res {
    match get(b, 0, "ip")? >> 4 {
        4 => {}
        6 => return done!(o, "IP6, wrong link-layer encapsulation (invalid)"),
        v => return done!(o, "IP{v} (invalid)"),
    }
    if !e {
        o.push_str("IP ");
    }
    if b.len() < 20 {
        return Err("ip");
    }
    // The fixed header is present, so smoltcp's accessors are in bounds; new_checked would
    // refuse the truncated packets that tcpdump still decodes.
    let p = Ipv4Packet::new_unchecked(b);
    let (hl, len) = (p.header_len() as usize, p.total_len() as usize);
    if hl < 20 {
        return done!(o, "bad-hlen {hl}");
    }
    if length < len {
        w!(o, "truncated-ip - {} bytes missing! ", len - length);
    }
    if len < hl {
        return done!(o, "bad-len {len}");
    }
    // Sizes come from the total length, not the frame: Ethernet pads frames to 60 bytes.
    let cap = &b[..len.min(b.len())];
    let (src, dst, proto, plen) = (
        p.src_addr(),
        p.dst_addr(),
        u8::from(p.next_header()),
        len - hl,
    );
    if p.frag_offset() != 0 {
        return done!(o, "{src} > {dst}: ip-proto-{proto}");
    }
    if !matches!(proto, 6 | 17 | 33 | 132) {
        w!(o, "{src} > {dst}: "); // TCP and UDP print the addresses with their ports
    }
    let Some(pay) = cap.get(hl..) else {
        w!(
            o,
            " [remaining caplen({}) < header length({hl})]",
            cap.len()
        );
        return Err("ip");
    };
    match proto {
        1 => icmp::icmp(o, pay, plen),
        6 => tcp::tcp(o, pay, plen, (src, dst)),
        17 => udp(o, pay, plen, (src, dst), p.more_frags()),
        // IP-in-IP: the inner datagram follows the outer addresses. The cap keeps a crafted
        // frame of nested headers from recursing thousands of times.
        4 if depth < 8 => ip(o, pay, plen, e, depth + 1),
        112 => vrrp::vrrp(o, pay, plen, p.hop_limit()),
        _ => done!(o, " ip-proto-{proto} {plen}"),
    }
}

fn udp(o: &mut String, b: &[u8], length: usize, ips: (Ipv4Addr, Ipv4Addr), frag: bool) -> Res {
    let (src, dst) = ips;
    if b.len() < 4 {
        w!(o, "{src} > {dst}: ");
        return Err("udp");
    }
    w!(
        o,
        "{src}.{} > {dst}.{}: ",
        be16(b, 0, "udp")?,
        be16(b, 2, "udp")?
    );
    if length < 8 {
        return done!(o, "truncated-udp {length}");
    }
    // Whole header or nothing; new_checked would refuse the bad lengths tcpdump reports.
    let ulen = b
        .get(..8)
        .map(|h| UdpPacket::new_unchecked(h).len() as usize)
        .ok_or("udp")?;
    if ulen < 8 {
        return done!(o, "truncated-udplength {ulen}");
    }
    let (ulen, length) = (ulen - 8, (length - 8).min(ulen - 8));
    if ulen > length && !frag {
        return done!(o, "UDP, bad length {ulen} > {length}");
    }
    let sports = (be16(b, 0, "udp")?, be16(b, 2, "udp")?);
    if (sports.0 == 53 || sports.1 == 53) && !frag {
        return super::dns::dns(o, b.get(8..8 + ulen).unwrap_or(&[]), ulen);
    }
    done!(o, "UDP, length {ulen}")
}

/// The diagram label of an IPv4 packet; None if the header is cut short or invalid.
pub(super) fn label(b: &[u8]) -> Option<String> {
    let p = Ipv4Packet::new_unchecked(b.get(..20)?); // the fixed header suffices here
    let hl = p.header_len() as usize;
    let len = (p.total_len() as usize).min(b.len());
    let pay = b.get(hl..len).filter(|_| hl >= 20 && p.version() == 4)?;
    Some(match u8::from(p.next_header()) {
        1 => icmp::label(pay),
        6 => tcp::label(pay),
        17 => match pay.get(..8) {
            Some(h) => format!("UDP {}", UdpPacket::new_unchecked(h).dst_port()),
            None => "UDP".into(),
        },
        4 => "IPIP".into(),
        112 => "VRRP".into(),
        n => format!("IP proto {n}"),
    })
}
