//! The heap bytes one entry of an IPVS director's connection table costs (issue 4,
//! "Performance": at most 256), its indexes and timer included. Run with `cargo bench --bench
//! lvs_mem`. A plain program, not criterion: it weighs, it does not time.

use netstep::kernel::ipvs::conn::{Conn, ConnState, ConnTable};
use netstep::kernel::ipvs::ctl::{Method, Proto, SvcKey};
use netstep::kernel::ipvs::proto_tcp::State;
use netstep::sim::Time;
use std::alloc::{GlobalAlloc, Layout, System};
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicUsize, Ordering};

const VIP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 200);

/// Counts live heap bytes (the only unsafe code here: a pass-through to the system
/// allocator).
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size(), Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Heap bytes per entry of the connection table, indexes and timer included.
fn bytes_per_entry() -> f64 {
    const N: usize = 10_000;
    let before = LIVE.load(Ordering::Relaxed);
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
    let bytes = LIVE.load(Ordering::Relaxed) - before;
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
