//! Sockets: the syscall surface between user-space programs and the kernel.
//!
//! Three kinds live here: ping sockets (ICMP echo by identifier, with the ICMP errors that
//! quote their packets), UDP sockets (udp.rs binds, connects, sends and demultiplexes them)
//! and packet sockets (tcpdump: every frame on a device, both ways). TCP has its own table
//! (tcp.rs), since smoltcp keeps its state.

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
    /// `dev: None` listens on every device (`tcpdump -i any`).
    Packet {
        dev: Option<usize>,
    },
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
}

impl Msg {
    /// Bytes of payload, what a receive queue counts (netstat's Recv-Q).
    pub fn payload_len(&self) -> usize {
        match self {
            Msg::Ip { packet, .. } => packet.len(),
            Msg::Dgram { data, .. } => data.len(),
            Msg::Frame { frame, .. } => frame.len(),
        }
    }
}

#[derive(Debug)]
pub struct Socket {
    pub owner: Pid,
    pub kind: SockKind,
    pub rx: VecDeque<Msg>,
}

#[derive(Debug, Default)]
pub struct Sockets {
    next: SockId,
    map: BTreeMap<SockId, Socket>,
    packet_sockets: usize,
}

/// A socket receive queue holds at most this many messages (the rest are dropped, as when
/// rcvbuf is full).
const RX_LIMIT: usize = 10_000;

impl Sockets {
    pub fn open(&mut self, owner: Pid, kind: SockKind) -> SockId {
        self.next += 1;
        if matches!(kind, SockKind::Packet { .. }) {
            self.packet_sockets += 1;
        }
        self.map.insert(
            self.next,
            Socket {
                owner,
                kind,
                rx: VecDeque::new(),
            },
        );
        self.next
    }

    pub fn close(&mut self, id: SockId) {
        if let Some(s) = self.map.remove(&id) {
            if matches!(s.kind, SockKind::Packet { .. }) {
                self.packet_sockets -= 1;
            }
        }
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
                true
            }
            _ => false,
        }
    }

    fn push(&mut self, matches: impl Fn(&SockKind) -> bool, msg: Msg) -> bool {
        let mut hit = false;
        for s in self.map.values_mut().filter(|s| matches(&s.kind)) {
            if s.rx.len() < RX_LIMIT {
                s.rx.push_back(msg.clone());
            }
            hit = true;
        }
        hit
    }

    pub fn deliver_ping(&mut self, ident: u16, at: Time, packet: &[u8]) -> bool {
        self.push(
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

    /// Copies a frame to every packet socket on `dev` (the tcpdump tap).
    pub fn tap(&mut self, dev: usize, outgoing: bool, frame: &[u8], at: Time) {
        if self.packet_sockets == 0 {
            return;
        }
        let msg = Msg::Frame {
            at,
            dev,
            outgoing,
            frame: frame.to_vec(),
        };
        self.push(
            |k| matches!(k, SockKind::Packet { dev: d } if d.is_none_or(|d| d == dev)),
            msg,
        );
    }
}
