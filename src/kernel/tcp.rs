//! TCP, through smoltcp: one `Medium::Ip` interface per host behind two in-memory queues.
//! Our ip_input decides a segment is local and hands it here; whatever smoltcp emits goes
//! back out through our ip_output (routing, source checks, ARP, loopback stay ours).
//!
//! This is the first step of docs/transport-plan.md: no sockets yet, so every segment meets
//! a closed port and smoltcp answers as Linux does, `[R.] seq 0 ack ISN+1 win 0`.

use super::ip_output::{self, IpOut};
use super::Kernel;
use crate::sim::{Ctx, Time};
use crate::why;
use smoltcp::iface::{Config, Interface, SocketSet};
use smoltcp::phy::{Device, DeviceCapabilities, Medium, RxToken, TxToken};
use smoltcp::time::Instant;
use smoltcp::wire::{HardwareAddress, Ipv4Packet, TcpPacket};
use std::collections::VecDeque;

/// smoltcp reads the MTU once, when the interface is made; below 40 it underflows.
const MTU: usize = 1500;

/// The device smoltcp sees: packets we feed it, packets it wants sent.
#[derive(Default)]
pub struct Queues {
    rx: VecDeque<Vec<u8>>,
    tx: Vec<Vec<u8>>,
}

pub struct Rx(Vec<u8>);
pub struct Tx<'a>(&'a mut Vec<Vec<u8>>);

impl RxToken for Rx {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
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

impl Device for Queues {
    type RxToken<'a> = Rx;
    type TxToken<'a> = Tx<'a>;

    fn receive(&mut self, _: Instant) -> Option<(Rx, Tx<'_>)> {
        let pkt = self.rx.pop_front()?;
        Some((Rx(pkt), Tx(&mut self.tx)))
    }

    fn transmit(&mut self, _: Instant) -> Option<Tx<'_>> {
        Some(Tx(&mut self.tx))
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ip;
        caps.max_transmission_unit = MTU;
        caps
    }
}

pub struct Tcp {
    iface: Interface,
    dev: Queues,
    /// The sockets of no connection: what a segment for a closed port is polled with.
    closed: SocketSet<'static>,
}

fn instant(t: Time) -> Instant {
    Instant::from_micros((t.nanos() / 1_000) as i64)
}

impl Tcp {
    /// `seed` drives smoltcp's initial sequence numbers, so runs repeat exactly.
    pub fn new(seed: u64) -> Tcp {
        let mut dev = Queues::default();
        let mut config = Config::new(HardwareAddress::Ip);
        config.random_seed = seed;
        let mut iface = Interface::new(config, &mut dev, Instant::from_micros(0));
        // ip_input has already decided the segment is ours; smoltcp must not second-guess it.
        iface.set_any_ip(true);
        Tcp {
            iface,
            dev,
            closed: SocketSet::new(vec![]),
        }
    }
}

/// tcp_v4_rcv: a unicast TCP segment for one of our addresses (`pkt` is the whole IP packet).
pub fn tcp_rcv(k: &mut Kernel, ctx: &mut Ctx, pkt: &[u8]) {
    let ip = Ipv4Packet::new_unchecked(pkt);
    if let Ok(seg) = TcpPacket::new_checked(ip.payload()) {
        if !seg.rst() {
            why!(
                ctx,
                "tcp",
                "nothing listens on {}:{}: reset",
                ip.dst_addr(),
                seg.dst_port()
            );
        }
    }
    let tcp = &mut k.tcp;
    tcp.dev.rx.push_back(pkt.to_vec());
    tcp.iface
        .poll(instant(ctx.now), &mut tcp.dev, &mut tcp.closed);
    send_emitted(k, ctx);
}

/// Sends what smoltcp emitted through our own output path, keeping its TCP segment (its
/// checksum covers the same addresses) and building our own IP header around it.
fn send_emitted(k: &mut Kernel, ctx: &mut Ctx) {
    for pkt in std::mem::take(&mut k.tcp.dev.tx) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::Rng;
    use smoltcp::wire::{IpAddress, IpProtocol, TcpControl, TcpRepr, TcpSeqNumber};
    use std::net::Ipv4Addr;

    fn syn(src: Ipv4Addr, dst: Ipv4Addr, port: u16) -> Vec<u8> {
        let repr = TcpRepr {
            src_port: 40000,
            dst_port: port,
            control: TcpControl::Syn,
            seq_number: TcpSeqNumber(1000),
            ack_number: None,
            window_len: 64240,
            window_scale: None,
            max_seg_size: Some(1460),
            sack_permitted: false,
            sack_ranges: [None; 3],
            timestamp: None,
            payload: &[],
        };
        let mut l4 = vec![0u8; repr.buffer_len()];
        let caps = smoltcp::phy::ChecksumCapabilities::default();
        repr.emit(
            &mut TcpPacket::new_unchecked(&mut l4[..]),
            &IpAddress::Ipv4(src),
            &IpAddress::Ipv4(dst),
            &caps,
        );
        let mut k = Kernel::new("x", Rng::new(1));
        let out = IpOut {
            src: None,
            dst,
            proto: u8::from(IpProtocol::Tcp),
            ttl: None,
            df: true,
            oif: None,
        };
        let mut p = ip_output::build(&mut k, src, &out, &l4);
        Ipv4Packet::new_unchecked(&mut p[..]).fill_checksum();
        p
    }

    #[test]
    fn a_closed_port_answers_rst_ack_like_linux() {
        let (a, b) = (Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
        let mut k = Kernel::new("b", Rng::new(1));
        let lo = k.devs.get_mut(1).unwrap();
        lo.addrs.push(crate::kernel::netdev::IfAddr {
            addr: b,
            prefix: 32,
            broadcast: None,
            label: "lo:1".into(),
        });
        let mut ctx = Ctx::new(Time::ZERO, "b", true);
        // A SYN from b to itself: the RST loops back through lo, where we can read it.
        tcp_rcv(&mut k, &mut ctx, &syn(a, b, 81));
        assert!(k.tcp.dev.tx.is_empty());
        let reasons = ctx.reasons.join("\n");
        assert!(
            reasons.contains("nothing listens on 10.0.0.2:81: reset"),
            "{reasons}"
        );
        // The reply went to 10.0.0.1, which has no route here: no frame, a reason instead.
        assert!(reasons.contains("no way to 10.0.0.1"), "{reasons}");
    }

    #[test]
    fn the_rst_carries_seq_0_ack_isn_plus_1_and_window_0() {
        let me = Ipv4Addr::new(10, 0, 0, 2);
        let mut k = Kernel::new("b", Rng::new(1));
        let lo = k.devs.get_mut(1).unwrap();
        lo.addrs.push(crate::kernel::netdev::IfAddr {
            addr: me,
            prefix: 32,
            broadcast: None,
            label: "lo:1".into(),
        });
        let mut ctx = Ctx::new(Time::ZERO, "b", true);
        tcp_rcv(&mut k, &mut ctx, &syn(me, me, 81));
        let rst = k.backlog.pop_front().expect("RST looped back");
        let ip = Ipv4Packet::new_checked(&rst[..]).unwrap();
        let seg = TcpPacket::new_checked(ip.payload()).unwrap();
        assert!(seg.rst() && seg.ack());
        assert_eq!(
            (seg.seq_number(), seg.ack_number(), seg.window_len()),
            (TcpSeqNumber(0), TcpSeqNumber(1001), 0)
        );
        assert_eq!((seg.src_port(), seg.dst_port()), (81, 40000));
        assert!(ip.dont_frag());
    }
}
