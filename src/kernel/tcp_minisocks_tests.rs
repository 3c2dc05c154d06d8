//! The timewait sock on its own: a kernel with one address and a permanent neighbour, a
//! timewait sock put in place by hand, and segments from the peer fed to it.

use super::*;
use crate::kernel::Kernel;
use crate::sim::rng::Rng;
use std::net::Ipv4Addr;

const US: (Ipv4Addr, u16) = (Ipv4Addr::new(10, 0, 0, 2), 80);
const PEER: (Ipv4Addr, u16) = (Ipv4Addr::new(10, 0, 0, 1), 40000);
const SND: u32 = 1000;
const RCV: u32 = 5000;

fn kernel() -> Kernel {
    let mut k = Kernel::new("b", Rng::new(1));
    crate::kernel::testutil::plug(&mut k, "eth0", [2, 0, 0, 0, 0, 2]);
    for line in [
        "ifconfig eth0 10.0.0.2/24",
        "arp -s 10.0.0.1 02:00:00:00:00:01",
    ] {
        let r = crate::user::tools::run_builtin(&mut k, Time::ZERO, line);
        assert_eq!(r.map(|r| r.2), Some(0), "{line}");
    }
    let tw = TimeWait {
        snd_nxt: SND,
        rcv_nxt: RCV,
        expires: Time::ZERO + TCP_TIMEWAIT_LEN,
    };
    k.tcp.tw.insert((US, PEER), tw);
    k
}

/// A segment from the peer: flags as letters (S, F, R, A), its sequence number and data.
fn segment(flags: &str, seq: u32, data: &[u8]) -> Vec<u8> {
    crate::kernel::testutil::tcp((PEER.1, US.1), flags, (seq, SND), 1000, data)
}

/// Feeds one segment at `at` seconds: (handled, the TCP headers we sent back, reasons).
fn feed(k: &mut Kernel, at: u64, seg: &[u8]) -> (bool, Vec<Vec<u8>>, String) {
    let mut ctx = Ctx::new(Time::ZERO + at * SEC, "b", true);
    let handled =
        tcp_timewait_state_process(k, &mut ctx, (US, PEER), &TcpPacket::new_unchecked(seg));
    let sent = ctx.tx.iter().map(|t| t.frame[34..54].to_vec()).collect();
    (handled, sent, ctx.reasons.join("\n"))
}

fn is_our_ack(h: &[u8]) -> bool {
    let t = TcpPacket::new_unchecked(h);
    t.ack()
        && !t.syn()
        && !t.fin()
        && !t.rst()
        && t.seq_number() == TcpSeqNumber(SND as i32)
        && t.ack_number() == TcpSeqNumber(RCV as i32)
        && t.window_len() == 64240
}

#[test]
fn a_retransmitted_fin_is_acked_again_and_restarts_the_wait() {
    let mut k = kernel();
    let (handled, sent, why) = feed(&mut k, 30, &segment("FA", RCV - 1, b""));
    assert!(handled);
    assert_eq!(sent.len(), 1, "{why}");
    assert!(is_our_ack(&sent[0]));
    assert!(why.contains("FIN again in TIME_WAIT"), "{why}");
    let expires = k.tcp.tw.find(&(US, PEER)).map(|t| t.expires);
    assert_eq!(expires, Some(Time::ZERO + 90 * SEC));
    assert_eq!(k.tcp.tw.next_expiry(), Some(Time::ZERO + 90 * SEC));
}

#[test]
fn a_reset_ends_it_and_a_plain_ack_changes_nothing() {
    let mut k = kernel();
    let (_, sent, _) = feed(&mut k, 1, &segment("A", RCV, b""));
    assert!(sent.is_empty());
    assert!(k.tcp.tw.find(&(US, PEER)).is_some());
    let (handled, sent, why) = feed(&mut k, 2, &segment("R", RCV, b""));
    assert!(handled && sent.is_empty());
    assert!(why.contains("RST in TIME_WAIT"), "{why}");
    assert!(k.tcp.tw.find(&(US, PEER)).is_none());
    assert_eq!(k.tcp.tw.next_expiry(), None);
}

#[test]
fn data_or_an_old_segment_gets_the_ack_of_the_last_state() {
    let mut k = kernel();
    let (_, sent, _) = feed(&mut k, 1, &segment("A", RCV, b"late"));
    assert!(sent.len() == 1 && is_our_ack(&sent[0]));
    let (_, sent, _) = feed(&mut k, 1, &segment("A", RCV - 100, b""));
    assert!(sent.len() == 1 && is_our_ack(&sent[0]));
}

#[test]
fn a_new_syn_with_a_higher_sequence_may_reuse_the_pair_an_old_one_may_not() {
    let mut k = kernel();
    let (handled, sent, _) = feed(&mut k, 1, &segment("S", RCV - 10, b""));
    assert!(handled, "an old SYN is answered by the timewait sock");
    assert!(sent.len() == 1 && is_our_ack(&sent[0]));
    let (handled, sent, why) = feed(&mut k, 2, &segment("S", RCV + 100_000, b""));
    assert!(!handled && sent.is_empty(), "the listener takes it: {why}");
    assert!(k.tcp.tw.find(&(US, PEER)).is_none());
}

#[test]
fn the_timer_removes_it_after_sixty_seconds_and_the_port_is_free_again() {
    let mut k = kernel();
    assert!(k.tcp.tw.local_port_in_use(80));
    let mut ctx = Ctx::new(Time::ZERO + 59 * SEC, "b", true);
    expire(&mut k, &mut ctx);
    assert!(k.tcp.tw.find(&(US, PEER)).is_some());
    let mut ctx = Ctx::new(Time::ZERO + 60 * SEC, "b", true);
    expire(&mut k, &mut ctx);
    assert!(k.tcp.tw.find(&(US, PEER)).is_none());
    assert!(!k.tcp.tw.local_port_in_use(80));
    assert!(ctx
        .reasons
        .join("")
        .contains("TIME_WAIT → CLOSE: 60 s are over"));
}
