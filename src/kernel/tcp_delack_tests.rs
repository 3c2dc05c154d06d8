//! The delayed-ACK engine on its own, segment by segment, against the timings recorded on
//! Linux (docs/fidelity-real.md §3).

use super::*;

const T0: Time = Time(1_000_000_000);

fn at(ms: u64) -> Time {
    Time(T0.0 + ms * MS)
}

fn data(seq: u32, len: u32) -> Seg {
    Seg {
        seq,
        ack: Some(1),
        len,
        psh: true,
        ..Seg::default()
    }
}

fn ack(n: u32) -> Seg {
    Seg {
        seq: 1,
        ack: Some(n),
        ..Seg::default()
    }
}

/// A pure ACK as smoltcp emits it (IPv4 + TCP, no options).
fn ack_pkt(n: u32) -> Vec<u8> {
    let mut pkt = vec![0u8; 40];
    let mut ip = Ipv4Packet::new_unchecked(&mut pkt[..]);
    ip.set_version(4);
    ip.set_header_len(20);
    ip.set_total_len(40);
    ip.set_next_header(smoltcp::wire::IpProtocol::Tcp);
    let mut t = TcpPacket::new_unchecked(ip.payload_mut());
    t.set_header_len(20);
    t.set_ack(true);
    t.set_ack_number(smoltcp::wire::TcpSeqNumber(n as i32));
    pkt
}

/// Feeds in-order data of `len` at `seq`; whether smoltcp's ACK of it is held.
fn receive(d: &mut DelAck, now: Time, seq: u32, len: u32) -> bool {
    let wait = d.input(
        now,
        &data(seq, len),
        seq,
        Some(seq + len),
        State::Established,
    );
    d.output(now, &ack(seq + len), wait, State::Established)
}

#[test]
fn the_first_sixteen_segments_are_acked_at_once_then_acks_wait_40_ms() {
    let mut d = DelAck::default();
    let mut seq = 1;
    for i in 0..16 {
        assert!(!receive(&mut d, at(50 * i), seq, 4), "segment {i}");
        seq += 4;
    }
    assert!(receive(&mut d, at(800), seq, 4), "quick-ACKs are used up");
    assert_eq!(d.timer, Some(at(840)));
}

#[test]
fn an_answer_within_ato_makes_the_connection_interactive_and_acks_ride_on_answers() {
    let mut d = DelAck::default();
    assert!(!receive(&mut d, at(0), 1, 3), "q1: quick-ACK");
    // The reply 10 ms later: ping-pong.
    d.output(at(10), &data(1, 6), false, State::Established);
    assert!(d.pingpong);
    assert!(receive(&mut d, at(500), 4, 3), "q2 waits for its answer");
    d.output(at(510), &data(7, 6), false, State::Established);
    assert!(
        d.held.is_none() && d.timer.is_none(),
        "the answer carried it"
    );
}

#[test]
fn a_delayed_ack_that_fires_ends_ping_pong_mode() {
    let mut d = DelAck::default();
    receive(&mut d, at(0), 1, 3);
    d.output(at(10), &data(1, 6), false, State::Established);
    assert!(receive(&mut d, at(500), 4, 3));
    d.hold(ack_pkt(7));
    assert_eq!(d.timer, Some(at(540)));
    assert!(d.fire(at(539), 100).is_none(), "not yet");
    let sent = d.fire(at(540), 100).expect("the held ACK");
    let tcp = Ipv4Packet::new_unchecked(&sent[..]);
    assert_eq!(TcpPacket::new_unchecked(tcp.payload()).window_len(), 100);
    assert!(!d.pingpong);
    // The next request is acknowledged at once (quick-ACK is back).
    assert!(!receive(&mut d, at(1000), 7, 3));
}

#[test]
fn a_fin_in_established_waits_for_our_own_fin() {
    let mut d = DelAck::default();
    receive(&mut d, at(0), 1, 3);
    let fin = Seg {
        seq: 4,
        ack: Some(1),
        fin: true,
        ..Seg::default()
    };
    let wait = d.input(at(1), &fin, 4, Some(5), State::CloseWait);
    assert!(wait && d.output(at(1), &ack(5), wait, State::CloseWait));
    // In FIN_WAIT2 the peer's FIN is acknowledged at once.
    let mut d = DelAck::default();
    let wait = d.input(at(1), &fin, 4, Some(5), State::TimeWait);
    assert!(!wait);
}

#[test]
fn out_of_order_and_repeated_data_are_acked_at_once() {
    let mut d = DelAck::default();
    for i in 0..20 {
        receive(&mut d, at(i), 1 + 4 * i as u32, 4);
    }
    let rcv = 81;
    // A gap: smoltcp answers with the old acknowledgement.
    assert!(!d.input(
        at(30),
        &data(rcv + 4, 4),
        rcv,
        Some(rcv),
        State::Established
    ));
    // A retransmission of what we had: quick-ACK mode again.
    d.quick = 0;
    assert!(!d.input(
        at(31),
        &data(rcv - 4, 4),
        rcv,
        Some(rcv),
        State::Established
    ));
    assert_eq!(d.quick, MAX_QUICKACKS);
}

#[test]
fn more_than_one_segment_unacknowledged_goes_at_once() {
    let mut d = DelAck::default();
    (d.ato, d.rcv_mss, d.rcv_wup, d.lrcvtime) = (ATO_MIN, 1460, 1, at(0));
    assert!(receive(&mut d, at(0), 1, 1460));
    d.hold(ack_pkt(1461));
    assert!(
        !receive(&mut d, at(1), 1461, 1460),
        "the second full segment"
    );
}

#[test]
fn reading_a_small_pushed_segment_sends_the_ack_unless_interactive() {
    let mut d = DelAck::default();
    (d.ato, d.rcv_wup, d.lrcvtime) = (ATO_MIN, 1, at(0));
    assert!(receive(&mut d, at(50), 1, 4));
    d.hold(ack_pkt(5));
    assert!(d.read(4, true, 1000).is_some());
    d.pingpong = true;
    assert!(receive(&mut d, at(100), 5, 4));
    d.hold(ack_pkt(9));
    assert!(
        d.read(4, true, 1000).is_none(),
        "interactive: wait for the answer"
    );
}

#[test]
fn the_rtt_is_timed_on_one_segment_and_bounds_the_timeout() {
    let mut d = DelAck::default();
    d.output(at(0), &data(1, 100), false, State::Established);
    d.input(at(2), &ack(101), 1, None, State::Established);
    assert_eq!(d.srtt, Some(2 * MS));
    assert_eq!(d.rto(), 202 * MS);
}
