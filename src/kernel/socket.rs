//! Sockets: the syscall surface between user-space programs and the kernel.
//!
//! Four kinds live here: ping sockets (ICMP echo by identifier, with the ICMP errors that
//! quote their packets), UDP sockets (udp.rs binds, connects, sends and demultiplexes them),
//! raw IP sockets (raw.rs: keepalived's VRRP) and packet sockets (tcpdump: every frame on a
//! device, both ways; af_packet.rs sends on them). TCP has its own table (tcp.rs), since
//! smoltcp keeps its state. Multicast memberships (IP_ADD_MEMBERSHIP) belong to sockets and
//! are counted per device here, as the kernel's in_device mc_list counts its users.

use crate::sim::Time;
use std::collections::{BTreeMap, VecDeque};
use std::net::Ipv4Addr;

pub type SockId = u32;
pub type Pid = u32;

/// What a process's descriptor (beyond 0–2) refers to: a TCP connection or a UDP socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenSocket {
    Tcp(super::tcp::TcpId),
    Udp(SockId),
}

impl OpenSocket {
    /// The inode `ls -l /proc/PID/fd` shows as `socket:[N]` (TCP and UDP numbered apart).
    pub fn inode(self) -> u32 {
        match self {
            OpenSocket::Tcp(id) => 100_000 + id,
            OpenSocket::Udp(id) => 200_000 + id,
        }
    }

    /// close(2): a TCP connection begins its close; a UDP socket is simply gone.
    pub fn close(self, k: &mut super::Kernel, ctx: &mut crate::sim::Ctx) {
        match self {
            OpenSocket::Tcp(id) => super::tcp::close(k, ctx, id),
            OpenSocket::Udp(id) => k.sockets.close(id),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SockKind {
    Ping {
        ident: u16,
    },
    Udp(super::udp::UdpSock),
    Raw(super::raw::RawSock),
    /// AF_UNIX datagrams (af_unix.rs); its path, if bound, is in `Sockets::paths`.
    Unix,
    /// `dev: None` listens on every device (`tcpdump -i any`); `ethertype: None` takes
    /// every protocol (ETH_P_ALL), `Some(t)` only frames of that type.
    Packet {
        dev: Option<usize>,
        ethertype: Option<u16>,
    },
    /// NETLINK_ROUTE, joined to RTNLGRP_LINK (rtnetlink.rs).
    Netlink,
}

#[derive(Clone, Debug)]
pub enum Msg {
    /// A whole IPv4 packet: an echo reply, or an ICMP error quoting one of our packets.
    Ip { at: Time, packet: Vec<u8> },
    /// A UDP payload and where it came from (recvfrom).
    Dgram {
        at: Time,
        from: (Ipv4Addr, u16),
        to: Ipv4Addr,
        data: Vec<u8>,
    },
    Frame {
        at: Time,
        dev: usize,
        outgoing: bool,
        frame: Vec<u8>,
    },
    /// A unix datagram and the path of the socket that sent it.
    Unix { from: Option<String>, data: Vec<u8> },
    /// RTM_NEWLINK: interface `dev` changed; `running` is its IFF_RUNNING now.
    Link { dev: usize, running: bool },
}

impl Msg {
    /// Bytes of payload, what a receive queue counts (netstat's Recv-Q).
    pub fn payload_len(&self) -> usize {
        match self {
            Msg::Ip { packet, .. } => packet.len(),
            Msg::Dgram { data, .. } => data.len(),
            Msg::Frame { frame, .. } => frame.len(),
            Msg::Unix { data, .. } => data.len(),
            Msg::Link { .. } => 0,
        }
    }
}

#[derive(Debug)]
pub struct Socket {
    pub owner: Pid,
    pub kind: SockKind,
    pub rx: VecDeque<Msg>,
    /// Multicast groups joined on this socket: (device, group).
    pub groups: Vec<(usize, Ipv4Addr)>,
}

#[derive(Debug, Default)]
pub struct Sockets {
    next: SockId,
    map: BTreeMap<SockId, Socket>,
    packet_sockets: usize,
    raw_sockets: usize,
    /// Joined groups per device with their number of sockets (the device's mc_list).
    mc: BTreeMap<(usize, Ipv4Addr), u32>,
    /// Bound unix socket paths.
    paths: BTreeMap<String, SockId>,
    /// Owners of sockets that got input since the host last looked (see `take_woken`).
    woken: Vec<Pid>,
}

/// A socket receive queue holds at most this many messages (the rest are dropped, as when
/// rcvbuf is full).
const RX_LIMIT: usize = 10_000;

impl Sockets {
    pub fn open(&mut self, owner: Pid, kind: SockKind) -> SockId {
        self.next += 1;
        match kind {
            SockKind::Packet { .. } => self.packet_sockets += 1,
            SockKind::Raw(_) => self.raw_sockets += 1,
            _ => {}
        }
        self.map.insert(
            self.next,
            Socket {
                owner,
                kind,
                rx: VecDeque::new(),
                groups: Vec::new(),
            },
        );
        self.next
    }

    pub fn close(&mut self, id: SockId) {
        if let Some(s) = self.map.remove(&id) {
            match s.kind {
                SockKind::Packet { .. } => self.packet_sockets -= 1,
                SockKind::Raw(_) => self.raw_sockets -= 1,
                _ => {}
            }
            for g in s.groups {
                self.drop_group(g);
            }
            self.paths.retain(|_, s| *s != id);
        }
    }

    /// bind() of a unix socket to a path.
    pub fn bind_path(&mut self, id: SockId, path: &str) -> Result<(), super::ip_output::Errno> {
        if self.paths.contains_key(path) {
            return Err(super::ip_output::Errno::AddrInUse);
        }
        if !matches!(self.map.get(&id).map(|s| s.kind), Some(SockKind::Unix)) {
            return Err(super::ip_output::Errno::BadFd);
        }
        self.paths.insert(path.to_string(), id);
        Ok(())
    }

    /// The socket bound to a unix path.
    pub fn bound(&self, path: &str) -> Option<SockId> {
        self.paths.get(path).copied()
    }

    /// The path a unix socket is bound to.
    pub fn path_of(&self, id: SockId) -> Option<&str> {
        self.paths
            .iter()
            .find(|(_, s)| **s == id)
            .map(|(p, _)| p.as_str())
    }

    /// IP_ADD_MEMBERSHIP: false (EADDRINUSE) when the socket already joined it there.
    pub fn join(&mut self, id: SockId, dev: usize, group: Ipv4Addr) -> bool {
        let Some(s) = self.map.get_mut(&id) else {
            return false;
        };
        if s.groups.contains(&(dev, group)) {
            return false;
        }
        s.groups.push((dev, group));
        *self.mc.entry((dev, group)).or_insert(0) += 1;
        true
    }

    /// IP_DROP_MEMBERSHIP: false (EADDRNOTAVAIL) when the socket had not joined it.
    pub fn leave(&mut self, id: SockId, dev: usize, group: Ipv4Addr) -> bool {
        let Some(s) = self.map.get_mut(&id) else {
            return false;
        };
        let Some(i) = s.groups.iter().position(|g| *g == (dev, group)) else {
            return false;
        };
        s.groups.remove(i);
        self.drop_group((dev, group));
        true
    }

    fn drop_group(&mut self, g: (usize, Ipv4Addr)) {
        if let Some(n) = self.mc.get_mut(&g) {
            *n -= 1;
            if *n == 0 {
                self.mc.remove(&g);
            }
        }
    }

    /// ip_check_mc_rcu: has some socket joined `group` on `dev`? 224.0.0.1 (all hosts) is
    /// joined by every multicast-capable device.
    pub fn is_member(&self, dev: usize, group: Ipv4Addr) -> bool {
        group == Ipv4Addr::new(224, 0, 0, 1) || self.mc.contains_key(&(dev, group))
    }

    /// The groups joined on `dev`, with their users (`ip maddr`, `netstat -g`).
    pub fn groups_on(&self, dev: usize) -> Vec<(Ipv4Addr, u32)> {
        self.mc
            .range((dev, Ipv4Addr::UNSPECIFIED)..=(dev, Ipv4Addr::BROADCAST))
            .map(|((_, g), n)| (*g, *n))
            .collect()
    }

    /// A process exited: its sockets close.
    pub fn close_owner(&mut self, pid: Pid) {
        let ids: Vec<SockId> = self
            .map
            .iter()
            .filter(|(_, s)| s.owner == pid)
            .map(|(i, _)| *i)
            .collect();
        for id in ids {
            self.close(id);
        }
    }

    pub fn reown(&mut self, old: Pid, new: Pid) {
        for s in self.map.values_mut().filter(|s| s.owner == old) {
            s.owner = new;
        }
    }

    pub fn recv(&mut self, id: SockId) -> Option<Msg> {
        self.map.get_mut(&id).and_then(|s| s.rx.pop_front())
    }

    pub fn has_data(&self, id: SockId) -> bool {
        self.map.get(&id).is_some_and(|s| !s.rx.is_empty())
    }

    /// Whether any raw IP socket is open (most hosts have none: their input skips the scan).
    pub fn has_raw(&self) -> bool {
        self.raw_sockets > 0
    }

    pub fn iter(&self) -> impl Iterator<Item = (&SockId, &Socket)> {
        self.map.iter()
    }

    pub fn get(&self, id: SockId) -> Option<&Socket> {
        self.map.get(&id)
    }

    pub fn get_mut(&mut self, id: SockId) -> Option<&mut Socket> {
        self.map.get_mut(&id)
    }

    /// Queues a message on one socket (a full queue drops it, as a full rcvbuf does).
    pub fn queue(&mut self, id: SockId, msg: Msg) -> bool {
        match self.map.get_mut(&id) {
            Some(s) if s.rx.len() < RX_LIMIT => {
                s.rx.push_back(msg);
                self.woken.push(s.owner);
                true
            }
            _ => false,
        }
    }

    /// Queues `msg` on every socket whose kind `matches`; true if there was one.
    pub fn push_to(&mut self, matches: impl Fn(&SockKind) -> bool, msg: Msg) -> bool {
        let mut hit = false;
        for s in self.map.values_mut().filter(|s| matches(&s.kind)) {
            if s.rx.len() < RX_LIMIT {
                s.rx.push_back(msg.clone());
                self.woken.push(s.owner);
            }
            hit = true;
        }
        hit
    }

    /// The processes that got input since the last call: a process sleeping in `Poll::Idle`
    /// runs when one of its sockets becomes readable (sk_data_ready wakes the waiter).
    pub fn take_woken(&mut self) -> Vec<Pid> {
        std::mem::take(&mut self.woken)
    }

    /// Whether some process has input it has not been woken for.
    pub fn any_woken(&self) -> bool {
        !self.woken.is_empty()
    }

    pub fn deliver_ping(&mut self, ident: u16, at: Time, packet: &[u8]) -> bool {
        self.push_to(
            |k| *k == SockKind::Ping { ident },
            Msg::Ip {
                at,
                packet: packet.to_vec(),
            },
        )
    }

    pub fn ping_ident_in_use(&self, ident: u16) -> bool {
        self.map
            .values()
            .any(|s| s.kind == SockKind::Ping { ident })
    }

    /// Copies a frame to every packet socket on `dev` that takes its protocol (the tcpdump
    /// tap).
    pub fn tap(&mut self, dev: usize, outgoing: bool, frame: &[u8], at: Time) {
        if self.packet_sockets == 0 {
            return;
        }
        let ethertype = match frame {
            [_, _, _, _, _, _, _, _, _, _, _, _, a, b, ..] => u16::from_be_bytes([*a, *b]),
            _ => 0,
        };
        let msg = Msg::Frame {
            at,
            dev,
            outgoing,
            frame: frame.to_vec(),
        };
        self.push_to(
            |k| {
                matches!(k, SockKind::Packet { dev: d, ethertype: t }
                    if d.is_none_or(|d| d == dev) && t.is_none_or(|t| t == ethertype))
            },
            msg,
        );
    }
}
