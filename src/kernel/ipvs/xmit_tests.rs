//! The transmitters byte for byte: a director with the client's LAN on eth0 (VIP on eth0:2)
//! and the real servers' LAN on eth1, one crafted client packet fed to `ip_vs_in`, and the
//! Ethernet frame that leaves compared with it (lvs.md §2).

use super::super::core::{ip_vs_in, ip_vs_out};
use super::super::ctl::{DestConf, Method, Proto, SvcConf, SvcKey};
use crate::kernel::Kernel;
use crate::sim::rng::Rng;
use crate::sim::time::MS;
use crate::sim::{Ctx, Time};
use smoltcp::wire::{IpAddress, Ipv4Packet, TcpPacket};
use std::net::Ipv4Addr;

const DIR_MAC: [u8; 6] = [2, 0, 0, 0, 0, 2];
const DIR_ETH1_MAC: [u8; 6] = [2, 0, 0, 0, 1, 2];
const DIR_ETH1: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const CLIENT: (Ipv4Addr, u16) = (Ipv4Addr::new(192, 168, 10, 5), 40000);
const CLIENT_MAC: [u8; 6] = [2, 0, 0, 0, 0, 5];
const VIP: (Ipv4Addr, u16) = (Ipv4Addr::new(192, 168, 10, 200), 80);
/// The DR real server shares the client's LAN; the NAT and TUN ones sit behind eth1.
const RS_DR: (Ipv4Addr, u16) = (Ipv4Addr::new(192, 168, 10, 11), 80);
const RS_NAT: (Ipv4Addr, u16) = (Ipv4Addr::new(10, 0, 0, 11), 8080);
const RS_TUN: (Ipv4Addr, u16) = (Ipv4Addr::new(10, 0, 0, 12), 80);
const RS_MACS: [(Ipv4Addr, [u8; 6]); 3] = [
    (RS_DR.0, [2, 0, 0, 0, 0, 0x11]),
    (RS_NAT.0, [2, 0, 0, 0, 1, 0x11]),
    (RS_TUN.0, [2, 0, 0, 0, 1, 0x12]),
];
const KEY: SvcKey = SvcKey::Addr(Proto::Tcp, VIP.0, VIP.1);
const PAYLOAD: &[u8] = b"GET / HTTP/1.0\r\n\r\n";

fn mac_text(m: [u8; 6]) -> String {
    crate::kernel::netdev::fmt_mac(&m)
}

fn builtin(k: &mut Kernel, line: &str) {
    let r = crate::user::tools::run_builtin(k, Time::ZERO, line);
    assert_eq!(r.map(|r| r.2), Some(0), "{line}");
}

/// The director, with one service on VIP:80 whose only real server uses `method`.
fn director(method: Method, rs: (Ipv4Addr, u16)) -> Kernel {
    let mut k = Kernel::new("dir", Rng::new(1));
    for (name, mac) in [("eth0", DIR_MAC), ("eth1", DIR_ETH1_MAC)] {
        crate::kernel::testutil::plug(&mut k, name, mac);
    }
    builtin(&mut k, "ifconfig eth0 192.168.10.100/24");
    builtin(
        &mut k,
        "ifconfig eth0:2 192.168.10.200 netmask 255.255.255.0",
    );
    builtin(&mut k, &format!("ifconfig eth1 {DIR_ETH1}/24"));
    builtin(
        &mut k,
        &format!("arp -s {} {}", CLIENT.0, mac_text(CLIENT_MAC)),
    );
    for (ip, mac) in RS_MACS {
        builtin(&mut k, &format!("arp -s {ip} {}", mac_text(mac)));
    }
    let svc = SvcConf {
        sched: "rr".into(),
        flags: Default::default(),
        persistent: None,
        netmask: Ipv4Addr::BROADCAST,
    };
    k.ipvs.rules.add_service(KEY, &svc).expect("add service");
    let dest = DestConf {
        addr: rs.0,
        port: rs.1,
        method,
        weight: 1,
        u_threshold: 0,
        l_threshold: 0,
    };
    k.ipvs.rules.add_dest(KEY, &dest).expect("add dest");
    k
}

/// An IPv4+TCP packet with some TOS, an ID and the request as payload.
fn packet(src: (Ipv4Addr, u16), dst: (Ipv4Addr, u16), syn: bool, ttl: u8, df: bool) -> Vec<u8> {
    sized(src, dst, syn, ttl, df, PAYLOAD.len())
}

/// The same with `len` bytes of payload (the request, then zeros).
fn sized(
    src: (Ipv4Addr, u16),
    dst: (Ipv4Addr, u16),
    syn: bool,
    ttl: u8,
    df: bool,
    len: usize,
) -> Vec<u8> {
    let mut b = vec![0u8; 40 + len];
    let len = b.len() as u16;
    let mut ip = Ipv4Packet::new_unchecked(&mut b[..]);
    ip.set_version(4);
    ip.set_header_len(20);
    ip.set_dscp(10);
    ip.set_total_len(len);
    ip.set_ident(0x1234);
    ip.clear_flags();
    ip.set_dont_frag(df);
    ip.set_hop_limit(ttl);
    ip.set_next_header(smoltcp::wire::IpProtocol::Tcp);
    ip.set_src_addr(src.0);
    ip.set_dst_addr(dst.0);
    ip.fill_checksum();
    let mut t = TcpPacket::new_unchecked(&mut b[20..]);
    t.set_src_port(src.1);
    t.set_dst_port(dst.1);
    t.set_seq_number(smoltcp::wire::TcpSeqNumber(1000));
    t.set_ack_number(smoltcp::wire::TcpSeqNumber(if syn { 0 } else { 5000 }));
    t.set_header_len(20);
    t.clear_flags();
    t.set_syn(syn);
    t.set_ack(!syn);
    t.set_window_len(64240);
    t.payload_mut()[..PAYLOAD.len()].copy_from_slice(PAYLOAD);
    t.fill_checksum(&IpAddress::Ipv4(src.0), &IpAddress::Ipv4(dst.0));
    b
}

/// Feeds a packet to LOCAL_IN, which must take it: the frames the director sent.
fn feed(k: &mut Kernel, pkt: &[u8]) -> Vec<Vec<u8>> {
    let mut ctx = Ctx::new(Time::ZERO + MS, "dir", true);
    let taken = ip_vs_in(k, &mut ctx, pkt, 0);
    let why = ctx.reasons.join("\n");
    assert!(taken, "IPVS did not take it: {why}");
    ctx.tx.into_iter().map(|t| t.frame).collect()
}

/// The single frame sent: (Ethernet destination, source, the IP packet without padding).
fn one_frame(frames: &[Vec<u8>]) -> ([u8; 6], [u8; 6], &[u8]) {
    assert_eq!(frames.len(), 1, "one frame out");
    let f = &frames[0];
    assert_eq!(&f[12..14], &[0x08, 0x00], "IPv4");
    let ip = &f[14..];
    let len = Ipv4Packet::new_checked(ip).expect("IPv4").total_len() as usize;
    let mac = |r: std::ops::Range<usize>| <[u8; 6]>::try_from(&f[r]).expect("mac");
    (mac(0..6), mac(6..12), &ip[..len])
}

fn checksums_ok(ip: &[u8]) -> bool {
    let p = Ipv4Packet::new_checked(ip).expect("IPv4");
    let (s, d) = (IpAddress::Ipv4(p.src_addr()), IpAddress::Ipv4(p.dst_addr()));
    let t = TcpPacket::new_checked(p.payload()).expect("TCP");
    p.verify_checksum() && t.verify_checksum(&s, &d)
}

/// `out` is `inp` with the TTL one lower and a valid new header checksum, nothing else changed.
fn assert_only_ttl_decremented(inp: &[u8], out: &[u8]) {
    assert_eq!(out.len(), inp.len());
    assert_eq!(out[8], inp[8] - 1, "TTL");
    assert_eq!((&out[..8], &out[9..10]), (&inp[..8], &inp[9..10]));
    assert_eq!(&out[12..20], &inp[12..20], "addresses");
    assert!(Ipv4Packet::new_checked(out)
        .expect("IPv4")
        .verify_checksum());
    assert_eq!(&out[20..], &inp[20..], "TCP segment byte-identical");
}

#[test]
fn dr_rewrites_only_the_ethernet_destination_and_the_ttl() {
    let mut k = director(Method::Route, RS_DR);
    let pkt = packet(CLIENT, VIP, true, 64, true);
    let frames = feed(&mut k, &pkt);
    let (dst, src, ip) = one_frame(&frames);
    assert_eq!(dst, RS_MACS[0].1, "to the real server's MAC");
    assert_eq!(src, DIR_MAC, "from the director's eth0");
    assert_only_ttl_decremented(&pkt, ip);
}

#[test]
fn nat_rewrites_the_destination_in_and_the_source_out() {
    let mut k = director(Method::Masq, RS_NAT);
    let pkt = packet(CLIENT, VIP, true, 64, true);
    let frames = feed(&mut k, &pkt);
    let (dst, src, ip) = one_frame(&frames);
    assert_eq!((dst, src), (RS_MACS[1].1, DIR_ETH1_MAC));
    let p = Ipv4Packet::new_checked(ip).expect("IPv4");
    let t = TcpPacket::new_checked(p.payload()).expect("TCP");
    assert_eq!((p.src_addr(), t.src_port()), CLIENT);
    assert_eq!((p.dst_addr(), t.dst_port()), RS_NAT);
    assert_eq!(p.hop_limit(), 63);
    assert_eq!(t.payload(), PAYLOAD);
    assert!(checksums_ok(ip));

    // The reply, caught at FORWARD: from the VIP and the virtual port again.
    let reply = packet(RS_NAT, CLIENT, false, 64, true);
    let mut ctx = Ctx::new(Time::ZERO + 2 * MS, "dir", true);
    let out = ip_vs_out(&mut k, &mut ctx, &reply).expect("a reply of a NAT connection");
    let p = Ipv4Packet::new_checked(&out[..]).expect("IPv4");
    let t = TcpPacket::new_checked(p.payload()).expect("TCP");
    assert_eq!((p.src_addr(), t.src_port()), VIP);
    assert_eq!((p.dst_addr(), t.dst_port()), CLIENT);
    assert_eq!(t.payload(), PAYLOAD);
    assert!(checksums_ok(&out));
}

#[test]
fn tun_wraps_the_packet_in_ipip_from_the_directors_address_toward_the_rip() {
    for df in [true, false] {
        let mut k = director(Method::Tunnel, RS_TUN);
        let pkt = packet(CLIENT, VIP, true, 64, df);
        let frames = feed(&mut k, &pkt);
        let (dst, src, ip) = one_frame(&frames);
        assert_eq!((dst, src), (RS_MACS[2].1, DIR_ETH1_MAC));
        let outer = Ipv4Packet::new_checked(ip).expect("IPv4");
        assert_eq!((outer.version(), outer.header_len()), (4, 20));
        assert_eq!(u8::from(outer.next_header()), 4, "IPIP");
        assert_eq!(outer.src_addr(), DIR_ETH1, "the address toward the RIP");
        assert_eq!(outer.dst_addr(), RS_TUN.0);
        assert_eq!(outer.hop_limit(), 63, "the inner TTL after the decrement");
        assert_eq!(outer.dont_frag(), df, "DF copied from the inner packet");
        assert_eq!(outer.frag_offset(), 0);
        assert_eq!(outer.total_len() as usize, 20 + pkt.len());
        assert!(outer.verify_checksum());
        assert_only_ttl_decremented(&pkt, outer.payload());
    }
}

#[test]
fn ttl_1_gets_time_exceeded_and_nothing_reaches_the_real_server() {
    let mut k = director(Method::Route, RS_DR);
    let frames = feed(&mut k, &packet(CLIENT, VIP, true, 1, true));
    let (dst, _, ip) = one_frame(&frames);
    assert_eq!(dst, CLIENT_MAC, "only the client hears back");
    let p = Ipv4Packet::new_checked(ip).expect("IPv4");
    assert_eq!(
        (u8::from(p.next_header()), p.dst_addr()),
        (1, CLIENT.0),
        "ICMP to the client"
    );
    assert_eq!(&p.payload()[..2], &[11, 0], "time exceeded in transit");
}

/// A connection opened with a SYN, then a data packet of `len` payload bytes on it: the
/// frames that packet caused.
fn big_packet(method: Method, rs: (Ipv4Addr, u16), df: bool, len: usize) -> Vec<Vec<u8>> {
    let mut k = director(method, rs);
    feed(&mut k, &packet(CLIENT, VIP, true, 64, df));
    feed(&mut k, &sized(CLIENT, VIP, false, 64, df, len))
}

#[test]
fn a_full_size_df_packet_does_not_fit_the_tunnel_and_the_client_learns_the_mtu() {
    // 1500 bytes leave by DR as they came, but not with 20 bytes of IPIP header around them.
    let frames = big_packet(Method::Route, RS_DR, true, 1460);
    assert_eq!(one_frame(&frames).0, RS_MACS[0].1);
    let frames = big_packet(Method::Tunnel, RS_TUN, true, 1460);
    let (dst, _, ip) = one_frame(&frames);
    assert_eq!(dst, CLIENT_MAC, "nothing to the real server");
    let p = Ipv4Packet::new_checked(ip).expect("IPv4");
    assert_eq!((u8::from(p.next_header()), p.src_addr()), (1, VIP.0));
    let icmp = p.payload();
    assert_eq!(&icmp[..2], &[3, 4], "fragmentation needed");
    assert_eq!(
        &icmp[6..8],
        &1480u16.to_be_bytes(),
        "next-hop MTU 1500 - 20"
    );
    // Without DF the kernel would fragment; netstep does not, and drops it.
    assert!(big_packet(Method::Tunnel, RS_TUN, false, 1460).is_empty());
    // 1480 bytes fit the tunnel.
    let frames = big_packet(Method::Tunnel, RS_TUN, true, 1440);
    assert_eq!(one_frame(&frames).0, RS_MACS[2].1);
}
