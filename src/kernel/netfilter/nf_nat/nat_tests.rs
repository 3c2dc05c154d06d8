//! Choosing mappings: the original tuple when it is free, a remapped port (or ICMP id) when
//! it is taken, ranges and their exhaustion, and rewriting packets both ways.

use super::*;
use crate::kernel::netfilter::nf_conntrack::Conntrack;
use crate::kernel::testutil::segment;
use crate::sim::time::SEC;

const R1: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 1);
const SRV: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 2);

fn tuple(host: u8, sport: u16) -> Tuple {
    Tuple {
        src: Ipv4Addr::new(10, 0, 0, host),
        dst: SRV,
        proto: 6,
        sport,
        dport: 80,
    }
}

fn masq() -> Range {
    Range {
        addrs: Some((R1, R1)),
        ports: None,
        random_fully: false,
        persistent: false,
    }
}

/// A new connection for `t`, mapped with `range` and confirmed: its reply tuple.
fn connect(ct: &mut Conntrack, rng: &mut Rng, t: Tuple, range: &Range) -> Option<Tuple> {
    let now = Time::ZERO;
    let id = ct.create(t, now, 1000).ok()?;
    ct.refresh(id, now, 120);
    setup_info(ct, rng, id, range, Manip::Src, now)?;
    let reply = ct.conns.get(&id)?.tuple[REPLY];
    ct.confirm(id, now).then_some(reply)
}

#[test]
fn the_port_is_kept_when_free_and_moved_when_taken() {
    let (mut ct, mut rng) = (Conntrack::default(), Rng::new(1));
    let first = connect(&mut ct, &mut rng, tuple(2, 40000), &masq()).expect("mapped");
    assert_eq!((first.dst, first.dport), (R1, 40000));
    let second = connect(&mut ct, &mut rng, tuple(3, 40000), &masq()).expect("mapped");
    assert_eq!(second.dst, R1);
    assert_ne!(second.dport, 40000);
    assert!(
        second.dport >= 1024,
        "a port of the same class: {}",
        second.dport
    );
    let again = connect(
        &mut Conntrack::default(),
        &mut Rng::new(1),
        tuple(2, 40000),
        &masq(),
    );
    assert_eq!(again, Some(first), "deterministic for a seed");
}

#[test]
fn low_ports_stay_in_their_class() {
    let (mut ct, mut rng) = (Conntrack::default(), Rng::new(7));
    for (port, lo, hi) in [(100, 1, 511), (700, 600, 1023)] {
        connect(&mut ct, &mut rng, tuple(2, port), &masq()).expect("first");
        let r = connect(&mut ct, &mut rng, tuple(3, port), &masq()).expect("second");
        assert!((lo..=hi).contains(&r.dport), "{port} → {}", r.dport);
    }
}

#[test]
fn an_exhausted_range_leaves_the_connection_unconfirmable() {
    let (mut ct, mut rng) = (Conntrack::default(), Rng::new(3));
    let two = Range {
        ports: Some((2000, 2001)),
        ..masq()
    };
    let a = connect(&mut ct, &mut rng, tuple(2, 40000), &two).expect("a");
    let b = connect(&mut ct, &mut rng, tuple(3, 40000), &two).expect("b");
    let mut got = [a.dport, b.dport];
    got.sort_unstable();
    assert_eq!(got, [2000, 2001]);
    assert_eq!(connect(&mut ct, &mut rng, tuple(4, 40000), &two), None);
    assert_eq!(ct.stats.insert_failed, 1);
}

#[test]
fn icmp_ids_move_and_a_destination_keeps_its_port() {
    let (mut ct, mut rng) = (Conntrack::default(), Rng::new(5));
    let echo = |host| Tuple {
        proto: 1,
        sport: 77,
        dport: 8 << 8,
        ..tuple(host, 0)
    };
    let a = connect(&mut ct, &mut rng, echo(2), &masq()).expect("a");
    let b = connect(&mut ct, &mut rng, echo(3), &masq()).expect("b");
    assert_eq!(a.sport, 77);
    assert_ne!(b.sport, 77);
    let chosen = unique_tuple(
        &ct,
        &mut rng,
        0,
        &a.invert(),
        &Range {
            addrs: None,
            ..masq()
        },
        Manip::Dst,
        Time::ZERO,
    );
    assert_eq!(
        chosen.tuple.dport,
        a.invert().dport,
        "DNAT without ports never moves one"
    );
}

#[test]
fn packets_are_rewritten_each_way_after_the_mapping() {
    let (mut ct, mut rng) = (Conntrack::default(), Rng::new(1));
    connect(&mut ct, &mut rng, tuple(2, 40000), &masq()).expect("a");
    let id = ct.conns.keys().next().expect("id");
    let mut out = segment((Ipv4Addr::new(10, 0, 0, 2), 40000), (SRV, 80), "S");
    assert!(packet(&ct, id, 0, Manip::Src, &mut out));
    assert_eq!(&out[12..16], &R1.octets());
    let mut back = segment((SRV, 80), (R1, 40000), "SA");
    assert!(
        !packet(&ct, id, 1, Manip::Src, &mut back),
        "replies change at the other hook"
    );
    assert!(packet(&ct, id, 1, Manip::Dst, &mut back));
    assert_eq!(&back[16..20], &[10, 0, 0, 2]);
    assert!(needs(status::SRC_NAT, 0, Manip::Src) && needs(status::SRC_NAT, 1, Manip::Dst));
    assert!(!needs(status::SRC_NAT, 0, Manip::Dst));
    let _ = SEC;
}

#[test]
fn an_icmp_error_is_translated_inside_and_out() {
    let (mut ct, mut rng) = (Conntrack::default(), Rng::new(1));
    connect(&mut ct, &mut rng, tuple(2, 40000), &masq()).expect("a");
    let id = ct.conns.keys().next().expect("id");
    // The server's port unreachable about r1's packet (as the server saw it).
    let quoted = segment((R1, 40000), (SRV, 80), "S");
    let body = crate::kernel::icmp::build(3, 3, [0; 4], &quoted[..28]);
    let mut err = vec![0u8; 20];
    err[0] = 0x45;
    err[3] = (20 + body.len()) as u8;
    err[8] = 64;
    err[9] = 1;
    err[12..16].copy_from_slice(&SRV.octets());
    err[16..20].copy_from_slice(&R1.octets());
    err.extend_from_slice(&body);
    smoltcp::wire::Ipv4Packet::new_unchecked(&mut err[..]).fill_checksum();
    assert!(icmp_reply_translation(&ct, id, REPLY, Manip::Dst, &mut err));
    assert_eq!(&err[16..20], &[10, 0, 0, 2], "delivered to the inside host");
    assert_eq!(
        &err[28 + 12..28 + 16],
        &[10, 0, 0, 2],
        "the quoted source is the host's"
    );
    let ip = smoltcp::wire::Ipv4Packet::new_unchecked(&err[..]);
    assert!(ip.verify_checksum());
    let icmp = smoltcp::wire::Icmpv4Packet::new_unchecked(&err[20..]);
    assert!(icmp.verify_checksum());
}
