//! Raw IP sockets and multicast between hosts on a switch: programs that call the socket
//! functions as keepalived calls the syscalls.

use super::*;
use crate::kernel::process::{Poll, Program, Sys};
use crate::sim::world::World;
use crate::sim::Time;

const A: Ipv4Addr = Ipv4Addr::new(192, 168, 10, 5);
const B: Ipv4Addr = Ipv4Addr::new(192, 168, 10, 11);
const C: Ipv4Addr = Ipv4Addr::new(192, 168, 10, 12);
const GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
const ETH0: usize = 2;

fn lan() -> World {
    let mut w = World::star(1, &["a", "b", "c"], "sw").expect("lan");
    for (i, ip) in [(0, A), (1, B), (2, C)] {
        let h = w.host_mut(i).expect("host");
        let line = format!("ifconfig eth0 {ip}/24");
        let r = crate::user::tools::run_builtin(&mut h.kernel, Time::ZERO, &line);
        assert_eq!(r.map(|r| r.2), Some(0));
    }
    w
}

struct Script<F: FnMut(&mut Sys) -> Poll>(F);

impl<F: FnMut(&mut Sys) -> Poll> Program for Script<F> {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        (self.0)(sys)
    }
}

fn spawn<F: FnMut(&mut Sys) -> Poll + 'static>(w: &mut World, node: usize, f: F) -> u32 {
    w.spawn(node, "t", "t", Box::new(Script(f)), true)
        .expect("spawn")
}

fn output(w: &World, node: usize, pid: u32) -> String {
    let p = w.host(node).and_then(|h| h.kernel.procs.procs.get(&pid));
    p.map(|p| p.terminal.clone()).unwrap_or_default()
}

/// A receiver of protocol 112 on eth0 that prints source, TTL and length of each packet;
/// `join` says whether it joins 224.0.0.18.
fn listener(w: &mut World, node: usize, join: bool) -> u32 {
    let mut sock = None;
    spawn(w, node, move |sys| {
        let id = *sock.get_or_insert_with(|| {
            let id = socket(sys.k, sys.pid, 112);
            bind_device(sys.k, id, ETH0).expect("bind");
            if join {
                super::join(sys.k, id, ETH0, GROUP).expect("join");
            }
            id
        });
        while let Some((_, pkt)) = recv(sys.k, id) {
            let p = Ipv4Packet::new_unchecked(&pkt[..]);
            let line = format!("{} ttl {} len {}\n", p.src_addr(), p.hop_limit(), pkt.len());
            sys.print(&line);
        }
        Poll::Idle(None)
    })
}

/// A whole IPv4 packet to `dst`, protocol 112, TTL 255, id 0 (the kernel picks one).
fn packet(src: Ipv4Addr, dst: Ipv4Addr, payload: &[u8]) -> Vec<u8> {
    let mut b = vec![0u8; 20 + payload.len()];
    let mut p = Ipv4Packet::new_unchecked(&mut b[..]);
    p.set_version(4);
    p.set_header_len(20);
    p.set_hop_limit(255);
    p.set_next_header(112.into());
    p.set_src_addr(src);
    p.set_dst_addr(dst);
    b[20..].copy_from_slice(payload);
    b
}

fn sender(w: &mut World, node: usize, src: Ipv4Addr, dst: Ipv4Addr, mc_loop: bool) -> u32 {
    spawn(w, node, move |sys| {
        let id = socket(sys.k, sys.pid, 112);
        bind_device(sys.k, id, ETH0).expect("bind");
        set_mc_loop(sys.k, id, mc_loop);
        if mc_loop {
            super::join(sys.k, id, ETH0, GROUP).expect("join");
        }
        let r = send_hdrincl(sys.k, sys.ctx, id, packet(src, dst, &[0x21; 20]));
        sys.print(&format!("{r:?}\n"));
        Poll::Exit(0)
    })
}

#[test]
fn multicast_reaches_members_only_with_the_group_mac() {
    let mut w = lan();
    w.add_node("x", "host").ok();
    let member = listener(&mut w, 1, true);
    let stranger = listener(&mut w, 2, false);
    w.run_until(Time::from_millis(1), 10_000).expect("run");
    sender(&mut w, 0, A, GROUP, false);
    w.run_until(Time::from_millis(10), 10_000).expect("run");
    assert_eq!(output(&w, 1, member), "192.168.10.5 ttl 255 len 40\n");
    assert_eq!(output(&w, 2, stranger), "");
    let reasons = w.reasons();
    assert!(
        reasons.contains("c ip: multicast 224.0.0.18: no socket joined it on eth0: dropped"),
        "{reasons}"
    );
    // The frame went to 01:00:5e:00:00:12 without an ARP request.
    let frames: Vec<_> = w
        .trace
        .iter()
        .filter_map(|e| match &e.kind {
            crate::trace::TraceKind::Rx { frame, .. } => Some(frame.clone()),
            _ => None,
        })
        .collect();
    assert!(
        frames
            .iter()
            .all(|f| f[..6] == [0x01, 0x00, 0x5e, 0x00, 0x00, 0x12]),
        "{frames:?}"
    );
}

#[test]
fn the_kernel_completes_the_header() {
    let mut w = lan();
    let member = listener(&mut w, 1, true);
    w.run_until(Time::from_millis(1), 10_000).expect("run");
    sender(&mut w, 0, Ipv4Addr::UNSPECIFIED, GROUP, false);
    w.run_until(Time::from_millis(10), 10_000).expect("run");
    assert_eq!(output(&w, 1, member), "192.168.10.5 ttl 255 len 40\n");
    let frame = w
        .trace
        .iter()
        .find_map(|e| match &e.kind {
            crate::trace::TraceKind::Rx { frame, .. } => Some(frame.clone()),
            _ => None,
        })
        .expect("a frame");
    let ip = Ipv4Packet::new_checked(&frame[14..54]).expect("ip");
    assert!(ip.verify_checksum());
    assert_ne!(ip.ident(), 0);
    assert_eq!(ip.total_len(), 40);
}

#[test]
fn multicast_loop_brings_our_own_advert_back_when_asked() {
    let mut w = lan();
    let me = sender(&mut w, 0, A, GROUP, true);
    w.run_until(Time::from_millis(10), 10_000).expect("run");
    assert_eq!(output(&w, 0, me), "Ok(())\n");
    // The looped copy was delivered on eth0 (no raw reader left: the sender exited), and
    // nothing answered it with a protocol unreachable.
    assert!(!w.reasons().contains("protocol unreachable"));
}

#[test]
fn unicast_to_a_protocol_with_a_raw_reader_is_not_unreachable() {
    let mut w = lan();
    let member = listener(&mut w, 1, false);
    let stranger_pid = listener(&mut w, 2, false);
    w.run_until(Time::from_millis(1), 10_000).expect("run");
    sender(&mut w, 0, A, B, false);
    sender(&mut w, 0, A, Ipv4Addr::new(192, 168, 10, 99), false);
    w.run_until(Time::from_millis(3100), 100_000).expect("run");
    assert_eq!(output(&w, 1, member), "192.168.10.5 ttl 255 len 40\n");
    assert_eq!(output(&w, 2, stranger_pid), "");
    assert!(!w.reasons().contains("b ip: no handler for IP protocol 112"));
}

#[test]
fn group_membership_is_counted_and_released_on_close() {
    let mut k = Kernel::new("h", crate::sim::rng::Rng::new(1));
    let dev = crate::kernel::testutil::plug(&mut k, "eth0", [2, 0, 0, 0, 1, 1]);
    let s1 = socket(&mut k, 7, 112);
    let s2 = socket(&mut k, 7, 112);
    assert_eq!(join(&mut k, s1, dev, GROUP), Ok(()));
    assert_eq!(join(&mut k, s1, dev, GROUP), Err(Errno::AddrInUse));
    assert_eq!(join(&mut k, s2, dev, GROUP), Ok(()));
    assert_eq!(join(&mut k, s2, dev, A), Err(Errno::Inval));
    assert_eq!(k.sockets.groups_on(dev), vec![(GROUP, 2)]);
    k.sockets.close(s1);
    assert!(k.sockets.is_member(dev, GROUP));
    assert_eq!(leave(&mut k, s2, dev, GROUP), Ok(()));
    assert_eq!(leave(&mut k, s2, dev, GROUP), Err(Errno::AddrNotAvail));
    assert!(!k.sockets.is_member(dev, GROUP));
    assert!(k.sockets.is_member(dev, Ipv4Addr::new(224, 0, 0, 1)));
}

#[test]
fn a_header_the_kernel_cannot_take_is_einval() {
    let mut k = Kernel::new("h", crate::sim::rng::Rng::new(1));
    let mut ctx = Ctx::new(Time::ZERO, "h", false);
    let s = socket(&mut k, 7, 112);
    assert_eq!(
        send_hdrincl(&mut k, &mut ctx, s, vec![0x45; 10]),
        Err(Errno::Inval)
    );
    assert_eq!(
        send_hdrincl(&mut k, &mut ctx, s, vec![0x65; 40]),
        Err(Errno::Inval)
    );
    assert_eq!(
        send_hdrincl(&mut k, &mut ctx, 999, vec![0x45; 40]),
        Err(Errno::BadFd)
    );
}
