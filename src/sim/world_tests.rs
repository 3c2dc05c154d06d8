//! The world's own rules: arrival times, link state, loss, the storm budget, stopping at an
//! event number.

use super::*;

fn broadcast_frame() -> Vec<u8> {
    let mut f = vec![0xff; 6];
    f.extend_from_slice(&[2, 0, 0, 0, 1, 1, 0x88, 0xb5]);
    f.resize(60, 0);
    f
}

/// A host `a` on eth0, cabled to a switch `sw` with the given link parameters, plus host `b`.
fn lan(params: LinkParams) -> World {
    let mut w = World::new(1);
    for (n, k) in [("a", "host"), ("b", "host"), ("sw", "switch")] {
        w.add_node(n, k).unwrap();
    }
    w.connect(("a", Some("eth0")), ("sw", None), params)
        .unwrap();
    w.connect(("b", Some("eth0")), ("sw", None), LinkParams::default())
        .unwrap();
    w
}

fn rx_times(w: &World, at: &str) -> Vec<u64> {
    w.trace
        .iter()
        .filter(|e| matches!(&e.kind, TraceKind::Rx { node, .. } if node == at))
        .map(|e| e.time.nanos())
        .collect()
}

#[test]
fn arrival_is_queueing_plus_serialization_plus_propagation() {
    let params = LinkParams {
        delay_ns: 5_000,
        rate_bps: Some(10_000_000),
        ..LinkParams::default()
    };
    let mut w = lan(params);
    w.inject(0, 2, broadcast_frame());
    w.inject(0, 2, broadcast_frame());
    w.run_idle(1000).unwrap();
    // 60 bytes at 10 Mbit/s = 48 µs, + 5 µs; the second frame waits for the first.
    assert_eq!(rx_times(&w, "sw"), [53_000, 101_000]);
}

#[test]
fn a_down_link_delivers_nothing_and_drops_carrier() {
    let mut w = lan(LinkParams::default());
    w.set_link("a", Some("eth0"), false).unwrap();
    let carrier = w
        .host(0)
        .and_then(|h| h.kernel.devs.get(2))
        .map(|d| d.carrier);
    assert_eq!(carrier, Some(false));
    w.inject(0, 2, broadcast_frame());
    w.run_idle(1000).unwrap();
    assert!(rx_times(&w, "sw").is_empty());
}

#[test]
fn total_loss_loses_every_frame() {
    let mut w = lan(LinkParams {
        loss_pct: 100.0,
        ..LinkParams::default()
    });
    for _ in 0..10 {
        w.inject(0, 2, broadcast_frame());
    }
    w.run_idle(1000).unwrap();
    assert!(rx_times(&w, "sw").is_empty());
}

#[test]
fn a_switch_loop_storm_hits_the_budget() {
    let mut w = lan(LinkParams::default());
    w.add_node("sw2", "switch").unwrap();
    w.connect(("sw", None), ("sw2", None), LinkParams::default())
        .unwrap();
    w.connect(("sw2", None), ("sw", None), LinkParams::default())
        .unwrap();
    w.inject(0, 2, broadcast_frame());
    let err = w.run_idle(10_000).unwrap_err();
    assert!(matches!(err, RunError::Budget { .. }));
    assert!(err.message(10_000).contains("broadcast storm"));
}

#[test]
fn stop_at_halts_exactly_there() {
    let mut w = lan(LinkParams::default());
    w.inject(0, 2, broadcast_frame());
    w.stop_at = Some(1);
    assert_eq!(w.run_idle(1000), Err(RunError::Stopped));
    assert_eq!(w.events, 1);
    w.stop_at = None;
    w.run_idle(1000).unwrap();
    assert_eq!(w.events, 2);
}

#[test]
fn names_and_links_are_checked() {
    let mut w = lan(LinkParams::default());
    assert!(w.add_node("a", "host").unwrap_err().contains("duplicate"));
    assert!(w
        .add_node("x y", "host")
        .unwrap_err()
        .contains("bad node name"));
    let err = w
        .connect(
            ("a", Some("eth0")),
            ("b", Some("eth1")),
            LinkParams::default(),
        )
        .unwrap_err();
    assert!(err.contains("already linked"), "{err}");
}

#[test]
fn interface_names_are_canonical() {
    for ok in ["eth0", "eth1", "eth10", "eth199"] {
        assert!(eth_number(ok).is_some(), "{ok}");
    }
    for bad in [
        "eth", "eth01", "eth+1", "eth-1", "eth200", "eth1a", "eth 1", "Eth1",
    ] {
        assert_eq!(eth_number(bad), None, "{bad}");
    }
    let mut w = World::new(1);
    w.add_node("a", "host").expect("a");
    w.add_node("s", "switch").expect("s");
    let e = w
        .connect(("a", Some("eth01")), ("s", None), LinkParams::default())
        .unwrap_err();
    assert!(e.contains("bad interface name 'eth01'"), "{e}");
}

/// Each host's MACs carry its number in 16 bits: one node more would share one.
#[test]
fn no_more_nodes_than_macs_tell_apart() {
    let mut w = World::new(1);
    for i in 0..MAX_NODES {
        w.add_node(&format!("h{i}"), "hub").expect("fits");
    }
    assert_eq!(w.node_index("h65534"), Some(65_534));
    let e = w.add_node("one_more", "hub").unwrap_err();
    assert!(e.contains("too many nodes"), "{e}");
}
