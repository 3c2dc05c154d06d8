//! The heap bytes one entry of an IPVS director's connection table costs (issue 4,
//! "Performance": at most 256), its indexes and timer included. Run with `cargo bench --bench
//! lvs_mem`. A plain program, not criterion: it weighs, it does not time.

#[path = "common/counting.rs"]
mod counting;

use netstep::kernel::ipvs::conn::{Conn, ConnState, ConnTable};
use netstep::kernel::ipvs::ctl::{Method, Proto, SvcKey};
use netstep::kernel::ipvs::proto_tcp::State;
use netstep::sim::Time;
use std::net::Ipv4Addr;

const VIP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 200);

/// Heap bytes per entry of the connection table, indexes and timer included.
fn bytes_per_entry() -> f64 {
    const N: usize = 10_000;
    let before = counting::live();
    let mut t = ConnTable::default();
    for i in 0..N {
        t.insert(Conn {
            proto: Proto::Tcp,
            caddr: Ipv4Addr::new(10, 0, (i / 250) as u8, (i % 250) as u8),
            cport: 40_000 + (i % 20_000) as u16,
            vaddr: VIP,
            vport: 80,
            daddr: Ipv4Addr::new(10, 0, 0, 1 + (i % 4) as u8),
            dport: 80,
            method: Method::Route,
            svc: SvcKey::Addr(Proto::Tcp, VIP, 80),
            dest: 1,
            state: ConnState::Tcp(State::Established),
            expires: Time::from_secs(900 + i as u64),
            inactive: false,
            template: false,
            controlled: false,
            rearmed: false,
        });
    }
    let bytes = counting::live() - before;
    drop(t);
    bytes as f64 / N as f64
}

fn main() {
    let bytes = bytes_per_entry();
    println!(
        "lvs_mem: {bytes:.0} heap bytes per connection-table entry (10,000 entries, indexes and timers included)"
    );
    assert!(bytes <= 256.0, "over the 256-byte budget");
}
