//! The kernel of a simulated Linux host, one file per mechanism as in net/ipv4.
//!
//! A frame goes up: dev (netif_receive) → arp | ip_input → icmp/udp or ip_forward; a packet
//! goes down: ip_output → fib → arp (neighbour) → dev (xmit). Reasons for every decision are
//! recorded on the event's `Ctx`.

pub mod af_packet;
pub mod af_unix;
pub mod arp;
pub mod dev;
pub mod devinet;
pub mod fib;
pub mod icmp;
pub mod inet_connection_sock;
pub mod inet_hashtables;
pub mod ip_forward;
pub mod ip_input;
pub mod ip_output;
pub mod ipip;
pub mod ipvs;
pub mod neighbour;
pub mod netdev;
pub mod netfilter;
pub mod process;
pub mod procfs;
pub mod procfs_net;
pub mod procfs_net_sock;
pub mod procfs_pid;
pub mod raw;
pub mod rtnetlink;
pub mod slab;
pub mod socket;
pub mod sysctl;
pub mod tcp;
pub mod tcp_delack;
pub mod tcp_glue;
pub mod tcp_ipv4;
pub mod tcp_minisocks;
pub mod tcp_timer;
#[cfg(test)]
pub mod testutil;
pub mod udp;
pub mod vfs;

use crate::sim::rng::Rng;
use crate::sim::Ctx;
use netdev::{DevKind, Mac, NetDevs};
use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::rc::Rc;

/// Name and address of every node in the lab, for the generated part of /etc/hosts.
pub type LabHosts = Rc<Vec<(Ipv4Addr, String)>>;

pub struct Kernel {
    pub hostname: String,
    pub devs: NetDevs,
    pub neigh: arp::NeighTable,
    pub fib: fib::Fib,
    pub sysctl: sysctl::Sysctl,
    pub icmp: icmp::IcmpState,
    pub sockets: socket::Sockets,
    pub vfs: vfs::Vfs,
    pub rng: Rng,
    /// Packets sent to ourselves, waiting to come back in on `lo`.
    /// Packets sent to ourselves, with the device they come back in on (`lo`, or the
    /// device of a looped-back multicast).
    pub backlog: VecDeque<(usize, Vec<u8>)>,
    pub lab_hosts: LabHosts,
    pub tcp: tcp::Tcp,
    /// The time of the event being handled: what /proc's countdowns count from.
    pub clock: crate::sim::Time,
    /// Files a distribution keeps about the node's own configuration (its interface files),
    /// made from that configuration when read, unless written (user/distro.rs registers them).
    pub etc_views: Vec<vfs::EtcView>,
    /// The login shell of the node's terminal: `$$` in every lab line, and the owner of the
    /// fds that `exec 8<> /dev/tcp/…` opens, which outlive the line that opened them.
    pub session: Option<socket::Pid>,
    /// Open descriptors beyond 0-2: (pid, fd) → socket.
    pub fds: std::collections::BTreeMap<(socket::Pid, u32), socket::OpenSocket>,
    /// The task list: what `ps` shows and `kill` signals.
    pub procs: process::ProcTable,
    /// The virtual servers of a director (empty on every other host).
    pub ipvs: ipvs::Ipvs,
    /// Netfilter: the iptables tables (filter, nat, mangle) and the connection table.
    pub nf: netfilter::Netfilter,
    ip_id: u16,
}

impl Kernel {
    pub fn new(hostname: &str, mut rng: Rng) -> Kernel {
        let ip_id = rng.next_u32() as u16;
        // A child generator, so TCP's draws never shift the kernel's own sequence.
        let tcp_seed = rng.derive(6).next_u64();
        Kernel {
            hostname: hostname.to_string(),
            devs: NetDevs::new(),
            neigh: arp::NeighTable::default(),
            fib: fib::Fib::default(),
            sysctl: sysctl::Sysctl::default(),
            icmp: icmp::IcmpState::default(),
            sockets: socket::Sockets::default(),
            vfs: vfs::Vfs::new(hostname),
            rng,
            backlog: VecDeque::new(),
            lab_hosts: Rc::new(Vec::new()),
            tcp: tcp::Tcp::new(tcp_seed),
            clock: crate::sim::Time::ZERO,
            etc_views: Vec::new(),
            session: None,
            fds: std::collections::BTreeMap::new(),
            // Boot has run a few hundred processes before the lab's first command.
            procs: process::ProcTable::new(1000),
            ipvs: ipvs::Ipvs::default(),
            nf: netfilter::Netfilter::default(),
            ip_id,
        }
    }

    /// Creates an Ethernet device (when a link is plugged into `eth3`, say).
    pub fn add_ether(&mut self, name: &str, mac: Mac) -> usize {
        self.sysctl.add_interface(name);
        self.devs.add(name, DevKind::Ether, mac)
    }

    pub fn dev_name(&self, ifindex: usize) -> String {
        self.devs
            .get(ifindex)
            .map_or_else(|| format!("if{ifindex}"), |d| d.name.clone())
    }

    pub fn dev_mac(&self, ifindex: usize) -> Mac {
        self.devs.get(ifindex).map_or([0; 6], |d| d.mac)
    }

    pub fn next_ip_id(&mut self) -> u16 {
        self.ip_id = self.ip_id.wrapping_add(1);
        self.ip_id
    }

    /// Takes a device administratively down or up. Down flushes its routes and neighbours,
    /// as the kernel does on NETDEV_DOWN.
    pub fn set_dev_up(&mut self, ifindex: usize, up: bool) {
        if let Some(d) = self.devs.get_mut(ifindex) {
            d.up = up;
        }
        if !up {
            self.fib.flush_dev(ifindex);
            self.neigh.flush_dev(ifindex);
        }
        rtnetlink::notify_link(self, ifindex);
    }

    /// The cable was pulled or plugged in (netif_carrier_off/on): listeners hear it.
    pub fn set_carrier(&mut self, ifindex: usize, carrier: bool) {
        if let Some(d) = self.devs.get_mut(ifindex) {
            d.carrier = carrier;
        }
        rtnetlink::notify_link(self, ifindex);
    }

    /// Processes packets this host sent to itself (through `lo`).
    pub fn run_backlog(&mut self, ctx: &mut Ctx) {
        // Bounded: a packet looping back to itself forever would otherwise never end.
        for _ in 0..10_000 {
            let Some((dev, pkt)) = self.backlog.pop_front() else {
                return;
            };
            ip_input::ip_rcv_looped(self, ctx, dev, &pkt);
        }
    }

    /// `ls -l /proc/PID/fd`: the standard descriptors on the terminal, then open sockets.
    pub fn fd_links(&self, pid: socket::Pid) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = ["0", "1", "2", "255"]
            .iter()
            .map(|f| (f.to_string(), "/dev/pts/0".to_string()))
            .collect();
        for ((_, fd), sock) in self.fds.range((pid, 0)..=(pid, u32::MAX)) {
            v.push((fd.to_string(), format!("socket:[{}]", sock.inode())));
        }
        v.sort();
        v
    }

    /// A process handed its sockets to another (a daemon that detached).
    pub fn reown(&mut self, old: socket::Pid, new: socket::Pid) {
        self.sockets.reown(old, new);
        for l in self.tcp.listeners.values_mut().filter(|l| l.owner == old) {
            l.owner = new;
        }
        for c in self.tcp.conns.values_mut().filter(|c| c.owner == Some(old)) {
            c.owner = Some(new);
        }
    }

    /// Forward lookup: /etc/hosts (with the lab's nodes) for a name, or a dotted quad.
    pub fn resolve(&self, name: &str) -> Option<Ipv4Addr> {
        if let Ok(ip) = name.parse() {
            return Some(ip);
        }
        procfs::hosts_entries(self)
            .into_iter()
            .find(|(_, names)| names.iter().any(|n| n == name))
            .map(|(ip, _)| ip)
    }

    /// Reverse lookup through /etc/hosts (first name of the first line with that address).
    pub fn reverse(&self, ip: Ipv4Addr) -> Option<String> {
        procfs::hosts_entries(self)
            .into_iter()
            .find(|(a, _)| *a == ip)
            .and_then(|(_, n)| n.into_iter().next())
    }
}
