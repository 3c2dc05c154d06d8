//! A host for the tools' unit tests: `h` with eth0 10.0.0.1/24, a neighbour `peer` 10.0.0.2,
//! a default gateway `gw` 10.0.0.254, and a closure standing in for the rest of the network:
//! it sees every frame the host sends and returns frames to deliver back at given times.

use crate::kernel::dev;
use crate::kernel::fib::{Proto, Route, RouteType};
use crate::kernel::icmp;
use crate::kernel::netdev::{IfAddr, Mac};
use crate::kernel::process::Program;
use crate::kernel::socket::Pid;
use crate::node::host::Host;
use crate::sim::rng::Rng;
use crate::sim::{Ctx, Time};
use smoltcp::wire::{IpProtocol, Ipv4Packet};
use std::net::Ipv4Addr;
use std::rc::Rc;

pub const ME: Mac = [2, 0, 0, 0, 0, 1];
pub const PEER: Mac = [2, 0, 0, 0, 0, 2];
pub const GW: Mac = [2, 0, 0, 0, 0, 0xfe];
pub const ETH0: usize = 2;

pub fn ip(s: &str) -> Ipv4Addr {
    s.parse().expect("test address")
}

pub fn us(n: u64) -> u64 {
    n * 1_000
}

pub fn secs(s: f64) -> Time {
    Time((s * 1e9).round() as u64)
}

/// The network: given the time and a frame the host sent, frames to deliver and when.
pub type Net<'a> = &'a mut dyn FnMut(Time, &[u8]) -> Vec<(Time, Vec<u8>)>;

pub struct Rig {
    pub host: Host,
    pub now: Time,
    /// Frames sent by the host and not yet shown to the network.
    outbox: Vec<Vec<u8>>,
    pending: Vec<(Time, Vec<u8>)>,
    /// Every frame the host sent, with its time.
    pub wire: Vec<(Time, Vec<u8>)>,
    pub reasons: Vec<String>,
}

impl Default for Rig {
    fn default() -> Rig {
        Rig::new()
    }
}

impl Rig {
    pub fn new() -> Rig {
        let mut host = Host::new("h", Rng::new(1));
        let k = &mut host.kernel;
        let eth0 = k.add_ether("eth0", ME);
        assert_eq!(eth0, ETH0);
        if let Some(d) = k.devs.get_mut(eth0) {
            d.up = true;
            d.carrier = true;
            d.addrs.push(IfAddr {
                addr: ip("10.0.0.1"),
                prefix: 24,
                broadcast: Some(ip("10.0.0.255")),
                label: "eth0".into(),
            });
        }
        k.neigh
            .set_static(eth0, ip("10.0.0.2"), PEER, true, false, Time::ZERO);
        k.neigh
            .set_static(eth0, ip("10.0.0.254"), GW, true, false, Time::ZERO);
        let default = Route {
            dst: ip("0.0.0.0"),
            prefix: 0,
            gw: Some(ip("10.0.0.254")),
            dev: None,
            metric: 0,
            rtype: RouteType::Unicast,
            proto: Proto::Boot,
            src: None,
        };
        k.fib.add(&k.devs, default).expect("default route");
        k.lab_hosts = Rc::new(vec![
            (ip("10.0.0.1"), "h".into()),
            (ip("10.0.0.2"), "peer".into()),
            (ip("10.0.0.254"), "gw".into()),
        ]);
        Rig {
            host,
            now: Time::ZERO,
            outbox: Vec::new(),
            pending: Vec::new(),
            wire: Vec::new(),
            reasons: Vec::new(),
        }
    }

    pub fn no_default_route(&mut self) {
        let k = &mut self.host.kernel;
        k.fib
            .del(ip("0.0.0.0"), 0, None, None, None)
            .expect("route");
    }

    fn ctx(&self) -> Ctx {
        Ctx::new(self.now, "h", true)
    }

    fn collect(&mut self, ctx: Ctx) {
        self.reasons.extend(ctx.reasons);
        for tx in ctx.tx {
            self.wire.push((self.now, tx.frame.clone()));
            self.outbox.push(tx.frame);
        }
    }

    /// Starts `cmd` (split on spaces) as a foreground process; it runs until it first waits.
    pub fn spawn(&mut self, spawner: fn(&[String]) -> Box<dyn Program>, cmd: &str) -> Pid {
        let argv: Vec<String> = cmd.split_whitespace().map(String::from).collect();
        let mut ctx = self.ctx();
        let pid = self
            .host
            .spawn(&argv[0], cmd, spawner(&argv), false, &mut ctx);
        self.collect(ctx);
        pid
    }

    /// Runs the world until `pid` exits (its status) or until `until` (None).
    pub fn run(&mut self, pid: Pid, until: Time, net: Net) -> Option<i32> {
        for _ in 0..100_000 {
            for frame in std::mem::take(&mut self.outbox) {
                self.pending.extend(net(self.now, &frame));
            }
            if let Some(code) = self.status(pid) {
                return Some(code);
            }
            let next_frame = self.pending.iter().map(|(t, _)| *t).min();
            let next = [self.host.next_wake(), next_frame]
                .into_iter()
                .flatten()
                .min()?;
            if next > until {
                self.now = until;
                return None;
            }
            self.now = next.max(self.now);
            let mut ctx = self.ctx();
            let now = self.now;
            let (due, later) = std::mem::take(&mut self.pending)
                .into_iter()
                .partition(|(t, _)| *t <= now);
            self.pending = later;
            for (_, frame) in due {
                self.host.receive(ETH0, &frame, &mut ctx);
            }
            self.host.timer(&mut ctx);
            self.collect(ctx);
        }
        panic!("the world did not settle");
    }

    pub fn interrupt(&mut self, pid: Pid) {
        let mut ctx = self.ctx();
        self.host.interrupt(pid, &mut ctx);
        self.collect(ctx);
    }

    pub fn status(&self, pid: Pid) -> Option<i32> {
        self.host
            .kernel
            .procs
            .procs
            .get(&pid)
            .and_then(|p| p.status)
    }

    /// What the process wrote to its terminal (stdout and stderr as they came).
    pub fn output(&self, pid: Pid) -> String {
        self.host
            .kernel
            .procs
            .procs
            .get(&pid)
            .map(|p| p.terminal.clone())
            .unwrap_or_default()
    }
}

/// A network that never answers.
pub fn silent(_: Time, _: &[u8]) -> Vec<(Time, Vec<u8>)> {
    Vec::new()
}

/// An IPv4 packet with a correct header checksum.
pub fn ipv4(src: Ipv4Addr, dst: Ipv4Addr, ttl: u8, proto: u8, payload: &[u8]) -> Vec<u8> {
    let mut b = vec![0u8; 20 + payload.len()];
    let mut p = Ipv4Packet::new_unchecked(&mut b[..]);
    p.set_version(4);
    p.set_header_len(20);
    p.set_total_len((20 + payload.len()) as u16);
    p.clear_flags();
    p.set_hop_limit(ttl);
    p.set_next_header(IpProtocol::from(proto));
    p.set_src_addr(src);
    p.set_dst_addr(dst);
    p.fill_checksum();
    b[20..].copy_from_slice(payload);
    b
}

/// The IPv4 packet an Ethernet frame carries.
pub fn ip_of(frame: &[u8]) -> Option<Ipv4Packet<&[u8]>> {
    if frame.len() < 34 || frame[12..14] != [8, 0] {
        return None;
    }
    Ipv4Packet::new_checked(&frame[14..]).ok()
}

/// A frame back to the host from whoever `sent` was addressed to.
pub fn back(sent: &[u8], packet: &[u8]) -> Vec<u8> {
    let mut from = [0u8; 6];
    from.copy_from_slice(&sent[..6]);
    dev::eth_frame(ME, from, 0x0800, packet)
}

/// The echo reply to an echo request frame, with the given TTL.
pub fn echo_reply(sent: &[u8], ttl: u8) -> Option<Vec<u8>> {
    let p = ip_of(sent)?;
    let icmp_msg = p.payload();
    if u8::from(p.next_header()) != 1 || icmp_msg.first() != Some(&icmp::ECHO_REQUEST) {
        return None;
    }
    let id = u16::from_be_bytes([icmp_msg[4], icmp_msg[5]]);
    let seq = u16::from_be_bytes([icmp_msg[6], icmp_msg[7]]);
    let reply = icmp::echo(icmp::ECHO_REPLY, id, seq, &icmp_msg[8..]);
    let pkt = ipv4(p.dst_addr(), p.src_addr(), ttl, 1, &reply);
    Some(back(sent, &pkt))
}

/// An ICMP error from `from` quoting the IP packet of `sent`, as a router sends it.
pub fn icmp_error(sent: &[u8], from: Ipv4Addr, icmp_type: u8, code: u8) -> Option<Vec<u8>> {
    let p = ip_of(sent)?;
    let quoted = &sent[14..14 + p.total_len() as usize];
    let msg = icmp::build(icmp_type, code, [0; 4], quoted);
    let pkt = ipv4(from, p.src_addr(), 64, 1, &msg);
    Some(back(sent, &pkt))
}
