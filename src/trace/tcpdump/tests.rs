//! Unit tests of the decoder: whole frames built with smoltcp, checked against tcpdump 4.99.3.
use super::*;
use smoltcp::phy::ChecksumCapabilities as Caps;
use smoltcp::wire::{
    ArpOperation as Op, ArpPacket, Icmpv4Packet, Ipv4Packet, TcpPacket, UdpPacket,
};
use smoltcp::wire::{ArpRepr, EthernetAddress as Mac, EthernetProtocol as Ety, EthernetRepr};
use smoltcp::wire::{Icmpv4Repr as Icmp, IpProtocol as Ipp, Ipv4Repr, TcpSeqNumber as Seq};

const E: Opts = Opts {
    link: true,
    numeric: true,
};
const N: Opts = Opts {
    link: false,
    numeric: true,
};

fn m(last: u8) -> Mac {
    Mac([0x02, 0x42, 0xc0, 0xa8, 0x0a, last])
}
fn eth(src: Mac, dst: Mac, ty: Ety, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0u8; 14 + payload.len()];
    let mut fr = EthernetFrame::new_unchecked(&mut f[..]);
    EthernetRepr {
        src_addr: src,
        dst_addr: dst,
        ethertype: ty,
    }
    .emit(&mut fr);
    fr.payload_mut().copy_from_slice(payload);
    f
}
fn ipv4(src: &str, dst: &str, proto: u8, payload: &[u8]) -> Vec<u8> {
    let (src_addr, dst_addr) = (src.parse().unwrap(), dst.parse().unwrap());
    let next_header = Ipp::from(proto);
    let r = Ipv4Repr {
        src_addr,
        dst_addr,
        next_header,
        payload_len: payload.len(),
        hop_limit: 64,
    };
    let mut b = vec![0u8; 20 + payload.len()];
    r.emit(&mut Ipv4Packet::new_unchecked(&mut b[..]), &Caps::default());
    b[20..].copy_from_slice(payload);
    b
}
fn ip_frame(src: &str, dst: &str, proto: u8, payload: &[u8]) -> Vec<u8> {
    eth(m(5), m(11), Ety::Ipv4, &ipv4(src, dst, proto, payload))
}
/// A TCP segment; `flags` is the raw flags byte (0x02 SYN, 0x10 ACK, 0x18 PSH+ACK…).
fn tcp_seg(ports: (u16, u16), flags: u8, seq: u32, ack: u32, opts: &[u8], data: &[u8]) -> Vec<u8> {
    let mut b = vec![0u8; 20 + opts.len() + data.len()];
    let mut t = TcpPacket::new_unchecked(&mut b[..]);
    t.set_src_port(ports.0);
    t.set_dst_port(ports.1);
    t.set_seq_number(Seq(seq as i32));
    t.set_ack_number(Seq(ack as i32));
    t.set_header_len(20 + opts.len() as u8);
    t.set_window_len(if flags == 0x02 { 64240 } else { 502 });
    t.options_mut().copy_from_slice(opts);
    t.payload_mut().copy_from_slice(data);
    b[13] = flags;
    b
}
fn udp_dgram(sp: u16, dp: u16, data: &[u8]) -> Vec<u8> {
    let mut b = vec![0u8; 8 + data.len()];
    let mut u = UdpPacket::new_unchecked(&mut b[..]);
    u.set_src_port(sp);
    u.set_dst_port(dp);
    u.set_len(8 + data.len() as u16);
    u.payload_mut().copy_from_slice(data);
    b
}
fn icmp(r: Icmp) -> Vec<u8> {
    let mut b = vec![0u8; r.buffer_len()];
    r.emit(
        &mut Icmpv4Packet::new_unchecked(&mut b[..]),
        &Caps::default(),
    );
    b
}
/// An ICMP error (type 3 code `code`, or 11) quoting a 60-byte UDP probe to `qdst`:33434,
/// of which `quoted` bytes after the IP header are kept.
fn icmp_err(code: u8, qdst: &str, quoted: usize) -> Vec<u8> {
    let (src_addr, dst_addr) = ("10.0.1.5".parse().unwrap(), qdst.parse().unwrap());
    let header = Ipv4Repr {
        src_addr,
        dst_addr,
        next_header: Ipp::Udp,
        payload_len: 40,
        hop_limit: 1,
    };
    let mut data = udp_dgram(40000, 33434, &[0; 32]);
    data.resize(quoted, 0);
    let data = &data[..];
    icmp(match code {
        11 => Icmp::TimeExceeded {
            reason: 0.into(),
            header,
            data,
        },
        c => Icmp::DstUnreachable {
            reason: c.into(),
            header,
            data,
        },
    })
}
fn arp_frame(op: Op, sha: Mac, spa: &str, tpa: &str, dst: Mac) -> Vec<u8> {
    let r = ArpRepr::EthernetIpv4 {
        operation: op,
        source_hardware_addr: sha,
        source_protocol_addr: spa.parse().unwrap(),
        target_hardware_addr: Mac([0; 6]),
        target_protocol_addr: tpa.parse().unwrap(),
    };
    let mut b = vec![0u8; r.buffer_len()];
    r.emit(&mut ArpPacket::new_unchecked(&mut b[..]));
    eth(sha, dst, Ety::Arp, &b)
}
/// Linux's SYN options: mss 1460, sackOK, TS val 4284774704 ecr 0, nop, wscale 7.
const SYN_OPTS: [u8; 20] = [
    2, 4, 5, 180, 4, 2, 8, 10, 255, 100, 121, 48, 0, 0, 0, 0, 1, 3, 3, 7,
];
fn syn() -> Vec<u8> {
    let seg = tcp_seg((34996, 80), 0x02, 2173805639, 0, &SYN_OPTS, b"");
    eth(
        m(5),
        m(0x0b),
        Ety::Ipv4,
        &ipv4("192.168.10.5", "192.168.10.11", 6, &seg),
    )
}
fn check(frame: &[u8], opts: Opts, want: &str, label_want: &str) {
    assert_eq!(one_liner(frame, opts), want);
    assert_eq!(label(frame), label_want);
}

#[test]
fn arp_lines() {
    // formats.md §14, with -e and without.
    let req = arp_frame(Op::Request, m(0x64), "192.168.10.100", "192.168.10.5", m(5));
    let line = "Request who-has 192.168.10.5 tell 192.168.10.100, length 28";
    let link = "02:42:c0:a8:0a:64 > 02:42:c0:a8:0a:05, ethertype ARP (0x0806), length 42: ";
    check(
        &req,
        E,
        &format!("{link}{line}"),
        "ARP who-has 192.168.10.5",
    );
    check(&req, N, &format!("ARP, {line}"), "ARP who-has 192.168.10.5");
    let rep = arp_frame(Op::Reply, m(5), "192.168.10.5", "192.168.10.100", m(0x64));
    let want = "ARP, Reply 192.168.10.5 is-at 02:42:c0:a8:0a:05, length 28";
    check(&rep, N, want, "ARP reply");
    // Gratuitous and padded to 60 bytes: tcpdump counts the padding in the ARP length.
    let mut g = arp_frame(
        Op::Request,
        m(1),
        "10.0.0.200",
        "10.0.0.200",
        Mac::BROADCAST,
    );
    g.resize(60, 0);
    let want = "ARP, Request who-has 10.0.0.200 tell 10.0.0.200, length 46";
    check(&g, N, want, "ARP who-has 10.0.0.200");
    check(&req[..30], N, " [|arp]", "ARP");
}

#[test]
fn tcp_lines() {
    let want = "02:42:c0:a8:0a:05 > 02:42:c0:a8:0a:0b, ethertype IPv4 (0x0800), length 74: \
        192.168.10.5.34996 > 192.168.10.11.80: Flags [S], seq 2173805639, win 64240, \
        options [mss 1460,sackOK,TS val 4284774704 ecr 0,nop,wscale 7], length 0";
    check(&syn(), E, want, "SYN");
    let c2s = |flags, seq, ack, opts: &[u8], data: &[u8]| {
        let seg = tcp_seg((34996, 80), flags, seq, ack, opts, data);
        ip_frame("192.168.10.5", "192.168.10.11", 6, &seg)
    };
    let s2c = |flags, seq, ack, opts: &[u8], data: &[u8]| {
        let seg = tcp_seg((80, 34996), flags, seq, ack, opts, data);
        ip_frame("192.168.10.11", "192.168.10.5", 6, &seg)
    };
    let (fwd, back) = (
        "IP 192.168.10.5.34996 > 192.168.10.11.80: Flags",
        "IP 192.168.10.11.80 > 192.168.10.5.34996: Flags",
    );
    let cases = [
        (s2c(0x12, 7, 2173805640, &[2, 4, 5, 180], b""), "SYN/ACK", format!("{back} [S.], seq 7, ack 2173805640, win 502, options [mss 1460], length 0")),
        (c2s(0x10, 2173805640, 8, b"", b""), "ACK", format!("{fwd} [.], ack 8, win 502, length 0")),
        (c2s(0x18, 2173805640, 8, b"", b"GET / HTTP/1.0\r\n\r\n"), "GET /", format!("{fwd} [P.], seq 2173805640:2173805658, ack 8, win 502, length 18: HTTP: GET / HTTP/1.0")),
        (s2c(0x18, 8, 2173805658, b"", b"HTTP/1.0 200 OK\r\n"), "HTTP/1.0 200 OK", format!("{back} [P.], seq 8:25, ack 2173805658, win 502, length 17: HTTP: HTTP/1.0 200 OK")),
        (s2c(0x18, 25, 2173805658, b"", b"<html>"), "PSH/ACK", format!("{back} [P.], seq 25:31, ack 2173805658, win 502, length 6: HTTP")),
        (c2s(0x11, 2173805658, 31, b"", b""), "FIN/ACK", format!("{fwd} [F.], seq 2173805658, ack 31, win 502, length 0")),
        (s2c(0x14, 0, 2173805640, b"", b""), "RST/ACK", format!("{back} [R.], seq 0, ack 2173805640, win 502, length 0")),
        (c2s(0x10, 1, 1, &[1, 99, 4, 0xab, 0xcd, 0, 0, 0], b""), "ACK", format!("{fwd} [.], ack 1, win 502, options [nop,unknown-99 0xabcd,eol], length 0")),
        (c2s(0x10, 1, 1, &[2, 1, 0, 0], b""), "ACK", format!("{fwd} [.], ack 1, win 502, options [[bad opt]")),
        (c2s(0x00, 1, 1, b"", b""), "TCP", format!("{fwd} [none], win 502, length 0")),
    ];
    for (frame, lab, want) in cases {
        check(&frame, N, &want, lab);
    }
}

#[test]
fn icmp_lines() {
    let data = [0u8; 56];
    let echo = ip_frame(
        "192.168.1.5",
        "192.168.1.11",
        1,
        &icmp(Icmp::EchoRequest {
            ident: 1,
            seq_no: 1,
            data: &data,
        }),
    );
    let want = "IP 192.168.1.5 > 192.168.1.11: ICMP echo request, id 1, seq 1, length 64";
    check(&echo, N, want, "ICMP echo request");
    let reply = ip_frame(
        "192.168.1.11",
        "192.168.1.5",
        1,
        &icmp(Icmp::EchoReply {
            ident: 1,
            seq_no: 1,
            data: &data,
        }),
    );
    let want = "IP 192.168.1.11 > 192.168.1.5: ICMP echo reply, id 1, seq 1, length 64";
    check(&reply, N, want, "ICMP echo reply");
    let cases = [
        (
            11,
            "10.0.3.5",
            64,
            "time exceeded in-transit, length 92",
            "ICMP time exceeded",
        ),
        (
            1,
            "10.0.3.99",
            64,
            "host 10.0.3.99 unreachable, length 92",
            "ICMP host unreachable",
        ),
        (
            0,
            "10.9.0.1",
            64,
            "net 10.9.0.1 unreachable, length 92",
            "ICMP net unreachable",
        ),
        (
            3,
            "10.0.3.5",
            40,
            "10.0.3.5 udp port 33434 unreachable, length 68",
            "ICMP port unreachable",
        ),
        (
            2,
            "10.0.3.5",
            8,
            "10.0.3.5 protocol 17 unreachable, length 36",
            "ICMP protocol unreachable",
        ),
        (
            4,
            "10.0.3.5",
            8,
            "10.0.3.5 unreachable - need to frag, length 36",
            "ICMP frag needed",
        ),
    ];
    for (code, qdst, quoted, want, lab) in cases {
        let frame = ip_frame("10.0.2.1", "10.0.1.5", 1, &icmp_err(code, qdst, quoted));
        check(
            &frame,
            N,
            &format!("IP 10.0.2.1 > 10.0.1.5: ICMP {want}"),
            lab,
        );
    }
    // The IP header says 84 bytes but the capture holds fewer; the label uses what is there.
    let miss = "IP truncated-ip - 44 bytes missing! 192.168.1.5 > 192.168.1.11: ICMP echo request";
    check(
        &echo[..54],
        N,
        &format!("{miss}, id 1, seq 1, length 64"),
        "ICMP echo request",
    );
    let cut = "IP truncated-ip - 62 bytes missing! 192.168.1.5 > 192.168.1.11:  [|icmp]";
    check(&echo[..36], N, cut, "ICMP echo request");
    check(&echo[..24], N, "IP  [|ip]", "IP");
}

#[test]
fn udp_ipip_and_others() {
    let probe = ip_frame(
        "10.0.1.5",
        "10.0.3.5",
        17,
        &udp_dgram(40000, 33434, &[0; 32]),
    );
    check(
        &probe,
        N,
        "IP 10.0.1.5.40000 > 10.0.3.5.33434: UDP, length 32",
        "UDP 33434",
    );
    // Ethernet pads this frame to 60 bytes: the lengths come from the IP header.
    let mut small = ip_frame(
        "10.0.1.5",
        "10.0.3.5",
        17,
        &udp_dgram(5000, 53, &[1, 2, 3, 4]),
    );
    small.resize(60, 0xee);
    check(
        &small,
        N,
        "IP 10.0.1.5.5000 > 10.0.3.5.53: [|domain]",
        "UDP 53",
    );
    let inner = ipv4(
        "192.168.1.5",
        "192.168.1.200",
        6,
        &tcp_seg((40001, 80), 2, 1, 0, &[], b""),
    );
    let tun = ip_frame("192.168.2.1", "192.168.3.12", 4, &inner);
    let tcp = "192.168.1.5.40001 > 192.168.1.200.80: Flags [S], seq 1, win 64240, length 0";
    check(
        &tun,
        N,
        &format!("IP 192.168.2.1 > 192.168.3.12: IP {tcp}"),
        "IPIP",
    );
    assert!(one_liner(&tun, E).ends_with(&format!("length 74: 192.168.2.1 > 192.168.3.12: {tcp}")));
    let gre = ip_frame("10.0.0.1", "10.0.0.2", 47, &[0, 0, 8, 0]);
    check(
        &gre,
        N,
        "IP 10.0.0.1 > 10.0.0.2:  ip-proto-47 4",
        "IP proto 47",
    );
    let mut adv = vec![0x21, 51, 100, 1, 0, 1, 0, 0, 192, 168, 1, 200];
    adv.resize(20, 0);
    let mut vrrp = ip_frame("192.168.1.2", "224.0.0.18", 112, &adv);
    vrrp[14 + 8] = 255; // VRRP is sent with TTL 255
    let want = "IP 192.168.1.2 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 100, authtype none, intvl 1s, length 20";
    check(&vrrp, N, want, "VRRP");
    let unk = eth(
        m(5),
        Mac::BROADCAST,
        Ety::from(0x88b5),
        &(0..46).collect::<Vec<u8>>(),
    );
    let want = "02:42:c0:a8:0a:05 > ff:ff:ff:ff:ff:ff, ethertype Unknown (0x88b5), length 60: \
        0x0000:  0001 0203 0405 0607 0809 0a0b 0c0d 0e0f  ................";
    check(&unk, N, want, "ethertype 0x88b5");
    check(&unk, E, want, "ethertype 0x88b5");
    check(&unk[..10], N, " [|ether]", "truncated");
}

/// Random, truncated and mutated frames never panic (10k deterministic inputs).
#[test]
fn never_panics() {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x as usize
    };
    let get = b"GET / x\r\n";
    let seeds = [
        syn(),
        arp_frame(Op::Request, m(1), "10.0.0.1", "10.0.0.2", Mac::BROADCAST),
        ip_frame("10.0.2.1", "10.0.1.5", 1, &icmp_err(3, "10.0.3.5", 40)),
        ip_frame("1.1.1.1", "2.2.2.2", 17, &udp_dgram(1, 2, &[0; 8])),
        ip_frame(
            "1.1.1.1",
            "2.2.2.2",
            4,
            &ipv4(
                "3.3.3.3",
                "4.4.4.4",
                6,
                &tcp_seg((1, 80), 0x18, 1, 1, &SYN_OPTS, get),
            ),
        ),
        ip_frame("1.1.1.1", "2.2.2.2", 112, &[0x21, 51, 100, 1, 0, 1, 0, 0]),
    ];
    for n in 0..10_000 {
        let mut f = if n % 2 == 0 {
            // A valid frame with a few bytes changed: lengths, types, options go wrong.
            let mut f = seeds[rnd() % seeds.len()].clone();
            for _ in 0..rnd() % 4 {
                let i = rnd() % f.len();
                f[i] = rnd() as u8;
            }
            f
        } else {
            // Random bytes, mostly typed as ARP or IPv4 so that the decoders see them.
            let mut f: Vec<u8> = (0..rnd() % 120).map(|_| rnd() as u8).collect();
            if f.len() > 14 {
                f[12..14].copy_from_slice(&[[8, 0], [8, 6], [0, 40]][rnd() % 3]);
                f[14] = 0x40 | (f[14] & 0x0f);
            }
            f
        };
        f.truncate((rnd() % (f.len() + 1)).max(f.len() / 2));
        let _ = (one_liner(&f, N), one_liner(&f, E), label(&f));
    }
}
