//! The heap bytes one tracked connection costs (issue 13, "Performance": under 320), its two
//! hash slots included: 10,000 confirmed TCP entries in a host's conntrack table, mapped by
//! MASQUERADE as a NAT router's are. Run with `cargo bench --bench nat_mem`. A plain
//! program, not criterion: it weighs, it does not time.

#[path = "common/counting.rs"]
mod counting;

use netstep::kernel::netfilter::nf_conntrack::{status, Conntrack, Tuple};
use netstep::sim::Time;
use std::net::Ipv4Addr;

fn bytes_per_entry() -> f64 {
    const N: usize = 10_000;
    let before = counting::live();
    let mut ct = Conntrack::default();
    for i in 0..N {
        let t = Tuple {
            src: Ipv4Addr::new(10, 0, (i / 250) as u8, (i % 250) as u8),
            dst: Ipv4Addr::new(203, 0, 113, 2 + (i % 4) as u8),
            proto: 6,
            sport: 32_768 + (i % 20_000) as u16,
            dport: 80,
        };
        let id = ct.create(t, Time::ZERO, 262_144).expect("room");
        let mut reply = t.invert();
        (reply.dst, reply.dport) = (Ipv4Addr::new(203, 0, 113, 1), 1024 + i as u16);
        ct.alter_reply(id, reply);
        ct.refresh(id, Time::ZERO, 432_000);
        if let Some(c) = ct.conns.get_mut(&id) {
            c.status |=
                status::SRC_NAT | status::SRC_NAT_DONE | status::SEEN_REPLY | status::ASSURED;
        }
        assert!(ct.confirm(id, Time::ZERO));
    }
    let bytes = counting::live() - before;
    drop(ct);
    bytes as f64 / N as f64
}

fn main() {
    let bytes = bytes_per_entry();
    println!(
        "nat_mem: {bytes:.0} heap bytes per tracked connection (10,000 entries, both hash slots included)"
    );
    assert!(bytes < 320.0, "over the 320-byte budget");
}
