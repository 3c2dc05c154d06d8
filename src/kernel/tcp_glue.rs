//! The smoltcp side of TCP: a `Medium::Ip` device made of two in-memory queues, and one poll
//! of the interface for one connection's sockets. Whatever smoltcp emits goes back out through
//! our ip_output (routing, source checks, ARP and loopback stay ours).

use super::ip_output::{self, IpOut};
use super::Kernel;
use crate::sim::{Ctx, Time};
use smoltcp::iface::{Config, Interface, SocketSet};
use smoltcp::phy::{Device, DeviceCapabilities, Medium, RxToken, TxToken};
use smoltcp::time::Instant;
use smoltcp::wire::{HardwareAddress, Ipv4Packet};

/// smoltcp reads the MTU once, when the interface is made; below 40 it underflows.
const MTU: usize = 1500;

/// What smoltcp emitted, waiting to go out through our ip_output.
#[derive(Default)]
pub struct Queues {
    pub tx: Vec<Vec<u8>>,
}

/// The device smoltcp sees during one poll: at most one packet to read (borrowed, not
/// copied), and the queue it sends into.
struct OnePoll<'p> {
    rx: Option<&'p [u8]>,
    tx: &'p mut Vec<Vec<u8>>,
}

pub struct Rx<'p>(&'p [u8]);
pub struct Tx<'a>(&'a mut Vec<Vec<u8>>);

impl RxToken for Rx<'_> {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(self.0)
    }
}

impl TxToken for Tx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut buf = vec![0u8; len];
        let r = f(&mut buf);
        self.0.push(buf);
        r
    }
}

impl<'p> Device for OnePoll<'p> {
    type RxToken<'a>
        = Rx<'p>
    where
        Self: 'a;
    type TxToken<'a>
        = Tx<'a>
    where
        Self: 'a;

    fn receive(&mut self, _: Instant) -> Option<(Rx<'p>, Tx<'_>)> {
        let pkt = self.rx.take()?;
        Some((Rx(pkt), Tx(self.tx)))
    }

    fn transmit(&mut self, _: Instant) -> Option<Tx<'_>> {
        Some(Tx(self.tx))
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ip;
        caps.max_transmission_unit = MTU;
        caps
    }
}

pub fn instant(t: Time) -> Instant {
    Instant::from_micros((t.nanos() / 1_000) as i64)
}

pub fn time_of(i: Instant) -> Time {
    Time(i.total_micros().max(0) as u64 * 1_000)
}

/// A host's smoltcp interface (with `any_ip`: our ip_input has already decided the segment
/// is ours) and its device.
pub struct Glue {
    pub iface: Interface,
    pub dev: Queues,
}

impl Glue {
    /// `seed` drives smoltcp's initial sequence numbers, so runs repeat exactly.
    pub fn new(seed: u64) -> Glue {
        let mut dev = Queues::default();
        let mut config = Config::new(HardwareAddress::Ip);
        config.random_seed = seed;
        let mut one = OnePoll {
            rx: None,
            tx: &mut dev.tx,
        };
        let mut iface = Interface::new(config, &mut one, Instant::from_micros(0));
        iface.set_any_ip(true);
        Glue { iface, dev }
    }

    /// Feeds `pkt` (if any) and polls the interface with `set`.
    pub fn poll(&mut self, now: Time, pkt: Option<&[u8]>, set: &mut SocketSet<'static>) {
        let mut one = OnePoll {
            rx: pkt,
            tx: &mut self.dev.tx,
        };
        self.iface.poll(instant(now), &mut one, set);
    }
}

/// Sends what smoltcp emitted through our own output path, keeping its TCP segment (its
/// checksum covers the same addresses) inside our own IP header.
pub fn send_emitted(k: &mut Kernel, ctx: &mut Ctx) {
    for pkt in std::mem::take(&mut k.tcp.glue.dev.tx) {
        let Ok(ip) = Ipv4Packet::new_checked(&pkt[..]) else {
            continue;
        };
        let out = IpOut {
            src: Some(ip.src_addr()),
            dst: ip.dst_addr(),
            proto: 6,
            ttl: None,
            df: true,
            oif: None,
        };
        let _ = ip_output::ip_local_out(k, ctx, out, ip.payload());
    }
}
