//! TCP sockets (net/ipv4/tcp.c's calls): connect, listen, accept, send, recv, close, each
//! connection a smoltcp socket in a set of its own (so a retransmitted SYN can never be taken
//! by another listener: docs/transport-plan.md §3.6). Segments come in through tcp_ipv4.rs.

pub use super::inet_connection_sock::{accept, listen};
use super::ip_output::{route_output, Errno, OutRoute};
use super::slab::SockBufs;
use super::socket::Pid;
use super::tcp_delack::{self, DelAck};
use super::tcp_glue::{send_emitted, time_of, Glue};
pub use super::tcp_ipv4::{connect, connect_from};
use super::Kernel;
use crate::sim::{Ctx, Time};
use crate::why;
use smoltcp::iface::{SocketHandle, SocketSet};
use smoltcp::socket::tcp::{self, State};
use smoltcp::wire::{Ipv4Packet, TcpPacket};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// A socket id: connections and listeners share one numbering.
pub type TcpId = u32;
/// Buffers of 64240 bytes make smoltcp advertise Linux's SYN window (and need no window
/// scaling: the window in a segment is the free space itself).
pub(super) const BUF: usize = 64240;

pub struct Conn {
    pub set: SocketSet<'static>,
    pub handle: SocketHandle,
    pub local: (Ipv4Addr, u16),
    pub remote: (Ipv4Addr, u16),
    /// The process that holds it; None before accept() and after close() (netstat's `-`).
    pub owner: Option<Pid>,
    /// The listener a passive connection was born on, until accept().
    pub listener: Option<TcpId>,
    /// Born on a listener (the server's side), accepted or not.
    pub passive: bool,
    pub state: State,
    /// When it entered `state` (netstat -o's timewait countdown).
    pub since: Time,
    /// When smoltcp wants the socket polled next (retransmission, TIME_WAIT's end).
    pub next_poll: Option<Time>,
    /// SYNs sent so far, and when connect() gives up (tcp_syn_retries).
    pub syns: u32,
    pub deadline: Option<Time>,
    /// What the next call on it reports (ECONNREFUSED, ECONNRESET).
    pub error: Option<Errno>,
    /// The sequence numbers of the last segment it sent: where the timewait sock goes on.
    pub snd_nxt: u32,
    pub rcv_nxt: u32,
    /// The highest acknowledgement the peer sent, and whether an ACK since then proved the
    /// path (forward progress or a duplicate): the next segment we send confirms the
    /// neighbour (tcp_ack's sk_dst_confirm, done at transmit as dst_confirm_neigh is).
    pub acked: u32,
    pub confirm_pending: bool,
    /// When our pure ACKs leave (tcp_delack.rs).
    pub delack: DelAck,
    /// Set once the connection went to TIME_WAIT while a process still held it: the socket
    /// is closed, and this is what was left to read before the end of stream.
    pub unread: Option<Vec<u8>>,
    /// The memory `set`'s socket borrows as its buffers (slab.rs). Declared after `set` so
    /// that it is dropped after it; None once the socket was replaced by a closed one.
    bufs: Option<SockBufs>,
}

impl Conn {
    /// Replaces the smoltcp socket by a closed one without buffers, so nothing more is sent
    /// (not even a reset), and gives the buffers back to the slab.
    pub fn drop_socket(&mut self) {
        // The old socket is dropped here, before the buffers it borrowed go back.
        self.set.remove(self.handle);
        self.handle = self.set.add(tcp::Socket::new(
            tcp::SocketBuffer::new(vec![]),
            tcp::SocketBuffer::new(vec![]),
        ));
        self.bufs = None;
        self.next_poll = None;
        self.delack = DelAck::default();
        self.state = State::Closed;
    }
}

pub struct Listener {
    pub owner: Pid,
    pub addr: Option<Ipv4Addr>,
    pub port: u16,
    pub backlog: usize,
}

pub struct Tcp {
    pub glue: Glue,
    /// The sockets of no connection: what a segment for a closed port is polled with.
    pub closed: SocketSet<'static>,
    pub conns: BTreeMap<TcpId, Conn>,
    pub listeners: BTreeMap<TcpId, Listener>,
    /// (local, remote) → connection: the demultiplexing index.
    by_tuple: BTreeMap<u128, TcpId>,
    /// Connections in TIME_WAIT (tcp_minisocks.rs).
    pub tw: super::tcp_minisocks::TwTable,
    next_id: TcpId,
    /// The last time smoltcp was polled, for poll_at.
    pub now: Time,
    /// No connection's `next_poll` or `deadline` is earlier (it may be earlier than all:
    /// tcp_timer::timers makes it exact on each pass). Spares a scan of the connections
    /// after every event to find the host's next wake-up.
    pub(super) earliest: Option<Time>,
}

/// (local, remote) address and port.
pub type Tuple = ((Ipv4Addr, u16), (Ipv4Addr, u16));

/// A 4-tuple as one integer (one compare per step of the index's search, not four).
fn pack((la, lp): (Ipv4Addr, u16), (ra, rp): (Ipv4Addr, u16)) -> u128 {
    (u32::from(la) as u128) << 64 | (lp as u128) << 48 | (u32::from(ra) as u128) << 16 | rp as u128
}

/// What recv() found.
#[derive(Debug, PartialEq)]
pub enum Recv {
    Data(Vec<u8>),
    WouldBlock,
    Eof,
    Error(Errno),
}

impl Tcp {
    pub fn new(seed: u64) -> Tcp {
        Tcp {
            glue: Glue::new(seed),
            closed: SocketSet::new(vec![]),
            conns: BTreeMap::new(),
            listeners: BTreeMap::new(),
            by_tuple: BTreeMap::new(),
            tw: Default::default(),
            next_id: 0,
            now: Time::ZERO,
            earliest: None,
        }
    }

    pub(super) fn alloc_id(&mut self) -> TcpId {
        self.next_id += 1;
        self.next_id
    }

    /// A new smoltcp socket in a set of its own. smoltcp's own delayed ACKs are off: Linux's
    /// policy (tcp_delack.rs) decides which of its ACKs wait.
    pub fn new_conn(
        &mut self,
        local: (Ipv4Addr, u16),
        remote: (Ipv4Addr, u16),
    ) -> (TcpId, &mut Conn) {
        let (bufs, rx, tx) = SockBufs::new(BUF);
        let mut sock = tcp::Socket::new(tcp::SocketBuffer::new(rx), tcp::SocketBuffer::new(tx));
        sock.set_ack_delay(None);
        // Room for exactly one socket: an empty Vec would grow to four.
        let mut set = SocketSet::new(Vec::with_capacity(1));
        let handle = set.add(sock);
        let id = self.alloc_id();
        let conn = Conn {
            set,
            handle,
            local,
            remote,
            owner: None,
            listener: None,
            passive: false,
            state: State::Closed,
            since: self.now,
            next_poll: None,
            syns: 0,
            deadline: None,
            error: None,
            snd_nxt: 0,
            rcv_nxt: 0,
            acked: 0,
            confirm_pending: false,
            delack: DelAck::default(),
            unread: None,
            bufs: Some(bufs),
        };
        self.by_tuple.insert(pack(local, remote), id);
        (id, self.conns.entry(id).or_insert(conn))
    }

    /// The connection with this 4-tuple, if any.
    pub fn find(&self, local: (Ipv4Addr, u16), remote: (Ipv4Addr, u16)) -> Option<TcpId> {
        self.by_tuple.get(&pack(local, remote)).copied()
    }

    /// Forgets a connection (and its entry in the index).
    pub fn remove(&mut self, id: TcpId) {
        if let Some(c) = self.conns.remove(&id) {
            self.unindex(id, c.local, c.remote);
        }
    }

    fn unindex(&mut self, id: TcpId, local: (Ipv4Addr, u16), remote: (Ipv4Addr, u16)) {
        let key = pack(local, remote);
        if self.by_tuple.get(&key) == Some(&id) {
            self.by_tuple.remove(&key);
        }
    }

    /// When TCP's timers next need to run: a connection's retransmission, connect timeout
    /// or TIME_WAIT end (never later; perhaps earlier, see `earliest`).
    pub fn next_timer(&mut self) -> Option<Time> {
        self.earliest.into_iter().chain(self.tw.next_expiry()).min()
    }

    /// Makes `earliest` exact again (tcp_timer::timers, after running what was due).
    pub(super) fn recompute_timer(&mut self) {
        self.earliest = self
            .conns
            .values()
            .flat_map(|c| [c.next_poll, c.deadline, c.delack.timer])
            .flatten()
            .min();
    }

    pub(super) fn port_in_use(&self, port: u16) -> bool {
        self.conns.values().any(|c| c.local.1 == port)
            || self.listeners.values().any(|l| l.port == port)
            || self.tw.local_port_in_use(port)
    }
}

/// Lowers `earliest` to a timer just set for `t`.
pub(super) fn lower(earliest: &mut Option<Time>, t: Option<Time>) {
    if let Some(t) = t {
        *earliest = Some(earliest.map_or(t, |e| e.min(t)));
    }
}

/// Linux's names for TCP states, as netstat prints them.
pub fn state_name(s: State) -> &'static str {
    match s {
        State::Closed => "CLOSE",
        State::Listen => "LISTEN",
        State::SynSent => "SYN_SENT",
        State::SynReceived => "SYN_RECV",
        State::Established => "ESTABLISHED",
        State::FinWait1 => "FIN_WAIT1",
        State::FinWait2 => "FIN_WAIT2",
        State::CloseWait => "CLOSE_WAIT",
        State::Closing => "CLOSING",
        State::LastAck => "LAST_ACK",
        State::TimeWait => "TIME_WAIT",
    }
}

/// Polls one connection (feeding it `pkt`), sends what it emitted, and records its state
/// change as a reason. A connection that reached CLOSED is removed.
pub fn poll_conn(k: &mut Kernel, ctx: &mut Ctx, id: TcpId, pkt: Option<&[u8]>) {
    k.tcp.now = ctx.now;
    let Some(conn) = k.tcp.conns.get_mut(&id) else {
        return;
    };
    if let Some(p) = pkt {
        note_ack(conn, p);
    }
    let expected = conn.rcv_nxt;
    k.tcp.glue.poll(ctx.now, pkt, &mut conn.set);
    if let Some((snd, rcv)) = last_sent(&k.tcp.glue.dev.tx) {
        (conn.snd_nxt, conn.rcv_nxt) = (snd, rcv);
    }
    let st = conn.set.get::<tcp::Socket>(conn.handle).state();
    let tx = &mut k.tcp.glue.dev.tx;
    if let Some(at) = tcp_delack::sort(&mut conn.delack, ctx.now, pkt, expected, st, tx) {
        why!(
            ctx,
            "tcp",
            "ACK delayed {} ms, to ride on our next segment",
            at.0.saturating_sub(ctx.now.0) / 1_000_000
        );
        lower(&mut k.tcp.earliest, Some(at));
    }
    if conn.confirm_pending && !k.tcp.glue.dev.tx.is_empty() {
        conn.confirm_pending = false;
        let remote = conn.remote.0;
        confirm_neighbour(k, ctx, remote);
    }
    let Some(conn) = k.tcp.conns.get_mut(&id) else {
        return;
    };
    // When smoltcp next wants this socket polled: it changes only when the socket is polled,
    // so keeping it here spares asking smoltcp about every connection after every event.
    let at = super::tcp_glue::instant(ctx.now);
    conn.next_poll = k.tcp.glue.iface.poll_at(at, &conn.set).map(time_of);
    lower(&mut k.tcp.earliest, conn.next_poll);
    let new = st;
    let old = std::mem::replace(&mut conn.state, new);
    if old != new {
        conn.since = ctx.now;
        let (l, r) = (conn.local, conn.remote);
        let side = if conn.passive { "server" } else { "client" };
        why!(
            ctx,
            "tcp",
            "{side} {}:{} > {}:{} {} → {}",
            l.0,
            l.1,
            r.0,
            r.1,
            state_name(old),
            state_name(new)
        );
        conn.error = match (old, new) {
            (State::SynSent, State::Closed) => Some(Errno::ConnRefused),
            (State::Established | State::CloseWait | State::SynReceived, State::Closed) => {
                Some(Errno::ConnReset)
            }
            _ => conn.error,
        };
    }
    super::tcp_timer::limit_syns(k, ctx, id);
    super::tcp_timer::arm_fin_wait2(k, ctx, id);
    send_emitted(k, ctx);
    if let Some(c) = k.tcp.conns.get(&id).filter(|c| c.state == State::TimeWait) {
        let (snd, rcv) = (c.snd_nxt, c.rcv_nxt);
        super::tcp_minisocks::tcp_time_wait(k, ctx, id, snd, rcv);
    }
    reap(k, id);
}

/// tcp_ack's flags as far as the neighbour cares: an ACK that acknowledges something new
/// (FLAG_FORWARD_PROGRESS) or a pure duplicate (not FLAG_NOT_DUP) proves the peer hears us.
fn note_ack(conn: &mut Conn, pkt: &[u8]) {
    let Ok(ip) = Ipv4Packet::new_checked(pkt) else {
        return;
    };
    let Ok(seg) = TcpPacket::new_checked(ip.payload()) else {
        return;
    };
    if !seg.ack() || seg.rst() {
        return;
    }
    let ack = seg.ack_number().0 as u32;
    let forward = ack.wrapping_sub(conn.acked) as i32 > 0;
    let dup = ack == conn.acked && seg.payload().is_empty() && !seg.syn() && !seg.fin();
    if forward {
        conn.acked = ack;
    }
    if forward || dup {
        conn.confirm_pending = true;
    }
}

/// dst_confirm_neigh: the neighbour the route to `remote` goes through is confirmed now.
fn confirm_neighbour(k: &mut Kernel, ctx: &Ctx, remote: Ipv4Addr) {
    if let Ok(OutRoute::Remote { dev, nexthop, .. }) = route_output(k, remote, None) {
        k.neigh.confirm(dev, nexthop, ctx.now);
    }
}

/// snd_nxt and rcv_nxt after the last segment in `tx`: its sequence number plus what it
/// occupies (data, SYN, FIN), and its acknowledgement number.
fn last_sent(tx: &[Vec<u8>]) -> Option<(u32, u32)> {
    let ip = Ipv4Packet::new_checked(&tx.last()?[..]).ok()?;
    let seg = TcpPacket::new_checked(ip.payload()).ok()?;
    let len = seg.payload().len() + usize::from(seg.syn()) + usize::from(seg.fin());
    let snd = (seg.seq_number() + len).0 as u32;
    Some((snd, seg.ack_number().0 as u32))
}

/// The connection left smoltcp for a timewait sock: gone, or, while a process still holds
/// it, a closed socket that returns its unread bytes and then the end of stream.
pub(super) fn detach(k: &mut Kernel, id: TcpId) {
    let Some(conn) = k.tcp.conns.get_mut(&id) else {
        return;
    };
    if conn.owner.is_none() {
        k.tcp.remove(id);
        return;
    }
    let sock = conn.set.get_mut::<tcp::Socket>(conn.handle);
    let mut left = vec![0u8; sock.recv_queue()];
    let n = sock.recv_slice(&mut left).unwrap_or(0);
    left.truncate(n);
    conn.drop_socket();
    conn.unread = Some(left);
    let (local, remote) = (conn.local, conn.remote);
    k.tcp.unindex(id, local, remote);
}

/// Forgets a closed connection nobody holds, or that died before accept().
pub(super) fn reap(k: &mut Kernel, id: TcpId) {
    let dead =
        k.tcp.conns.get(&id).is_some_and(|c| {
            c.state == State::Closed && (c.owner.is_none() || c.listener.is_some())
        });
    if dead {
        k.tcp.remove(id);
    }
}

/// send(2): queues what fits and sends at once, as tcp_sendmsg pushes.
pub fn send(k: &mut Kernel, ctx: &mut Ctx, id: TcpId, data: &[u8]) -> Result<usize, Errno> {
    let conn = k.tcp.conns.get_mut(&id).ok_or(Errno::BadFd)?;
    if let Some(e) = conn.error {
        return Err(e);
    }
    let n = conn
        .set
        .get_mut::<tcp::Socket>(conn.handle)
        .send_slice(data)
        .map_err(|_| Errno::Pipe)?;
    poll_conn(k, ctx, id, None);
    Ok(n)
}

/// recv(2), non-blocking: data, nothing yet, end of stream, or the connection's error.
pub fn recv(k: &mut Kernel, ctx: &mut Ctx, id: TcpId) -> Recv {
    let Some(conn) = k.tcp.conns.get_mut(&id) else {
        return Recv::Error(Errno::BadFd);
    };
    if let Some(left) = conn.unread.as_mut() {
        return match left.is_empty() {
            true => Recv::Eof,
            false => Recv::Data(std::mem::take(left)),
        };
    }
    if matches!(
        conn.state,
        State::SynSent | State::SynReceived | State::Listen
    ) && conn.error.is_none()
    {
        // Still connecting: a blocking read would wait.
        return Recv::WouldBlock;
    }
    let sock = conn.set.get_mut::<tcp::Socket>(conn.handle);
    // Nothing queued (the common case for a server polling its connections): an empty
    // slice still tells "nothing yet" from the end of stream, and allocates nothing.
    let mut buf = match sock.recv_queue() {
        0 => Vec::new(),
        n => vec![0u8; n],
    };
    let got = sock.recv_slice(&mut buf);
    let result = match got {
        Ok(0) => Recv::WouldBlock,
        Ok(n) => {
            buf.truncate(n);
            Recv::Data(buf)
        }
        Err(tcp::RecvError::Finished) => Recv::Eof,
        Err(_) => Recv::Error(conn.error.unwrap_or(Errno::ConnReset)),
    };
    if let Recv::Data(d) = &result {
        read_done(k, ctx, id, d.len());
        // Reading opens the window: let smoltcp say so.
        poll_conn(k, ctx, id, None);
    }
    result
}

/// tcp_cleanup_rbuf: once the application has read, a held ACK may have to go now.
fn read_done(k: &mut Kernel, ctx: &mut Ctx, id: TcpId, copied: usize) {
    let Some(conn) = k.tcp.conns.get_mut(&id) else {
        return;
    };
    let drained = conn.set.get::<tcp::Socket>(conn.handle).recv_queue() == 0;
    let win = window(conn);
    if let Some(ack) = conn.delack.read(copied, drained, win) {
        why!(ctx, "tcp", "the application read the data: ACK now");
        k.tcp.glue.dev.tx.push(ack);
        send_emitted(k, ctx);
    }
}

/// The receive window a segment sent now advertises: the free space of the buffer.
pub(super) fn window(conn: &Conn) -> u16 {
    let s = conn.set.get::<tcp::Socket>(conn.handle);
    (s.recv_capacity() - s.recv_queue()).min(u16::MAX as usize) as u16
}

/// Recv-Q and Send-Q as netstat shows them: bytes not yet read, bytes not yet acknowledged.
pub fn queues(k: &Kernel, id: TcpId) -> (usize, usize) {
    k.tcp.conns.get(&id).map_or((0, 0), |c| {
        let s = c.set.get::<tcp::Socket>(c.handle);
        (s.recv_queue(), s.send_queue())
    })
}

/// The state of a connection (Closed when it is gone).
pub fn state(k: &Kernel, id: TcpId) -> State {
    k.tcp.conns.get(&id).map_or(State::Closed, |c| c.state)
}

/// The error a connection ended with, if any.
pub fn error(k: &Kernel, id: TcpId) -> Option<Errno> {
    k.tcp.conns.get(&id).and_then(|c| c.error)
}

/// close(2): a FIN, and the connection lives on without an owner until it is done. A
/// listener closes with its unaccepted connections.
pub fn close(k: &mut Kernel, ctx: &mut Ctx, id: TcpId) {
    if k.tcp.listeners.remove(&id).is_some() {
        let children: Vec<TcpId> = k
            .tcp
            .conns
            .iter()
            .filter(|(_, c)| c.listener == Some(id))
            .map(|(i, _)| *i)
            .collect();
        for c in children {
            abort(k, ctx, c);
        }
        return;
    }
    let Some(conn) = k.tcp.conns.get_mut(&id) else {
        return;
    };
    conn.owner = None;
    let sock = conn.set.get_mut::<tcp::Socket>(conn.handle);
    if conn.state == State::SynSent {
        // smoltcp would send a bogus RST here; Linux just forgets the attempt.
        k.tcp.remove(id);
        return;
    }
    if sock.recv_queue() > 0 {
        // Closing with unread data resets the connection, as Linux does.
        sock.abort();
    } else {
        send_fin(sock);
    }
    poll_conn(k, ctx, id, None);
}

/// tcp_send_fin: the FIN joins the data not yet sent, and all of it leaves now, whatever
/// Nagle was waiting for (__tcp_push_pending_frames with TCP_NAGLE_OFF).
fn send_fin(sock: &mut tcp::Socket) {
    sock.set_nagle_enabled(false);
    sock.close();
}

/// shutdown(SHUT_WR): our FIN; the socket can still read until the peer's FIN.
pub fn shutdown(k: &mut Kernel, ctx: &mut Ctx, id: TcpId) {
    if let Some(conn) = k.tcp.conns.get_mut(&id) {
        send_fin(conn.set.get_mut::<tcp::Socket>(conn.handle));
        poll_conn(k, ctx, id, None);
    }
}

fn abort(k: &mut Kernel, ctx: &mut Ctx, id: TcpId) {
    if let Some(conn) = k.tcp.conns.get_mut(&id) {
        conn.set.get_mut::<tcp::Socket>(conn.handle).abort();
        conn.owner = None;
        conn.listener = None;
    }
    poll_conn(k, ctx, id, None);
}

/// A process exited: its sockets close.
pub fn close_owner(k: &mut Kernel, ctx: &mut Ctx, pid: Pid) {
    let mine: Vec<TcpId> = k
        .tcp
        .listeners
        .iter()
        .filter(|(_, l)| l.owner == pid)
        .map(|(i, _)| *i)
        .chain(
            k.tcp
                .conns
                .iter()
                .filter(|(_, c)| c.owner == Some(pid))
                .map(|(i, _)| *i),
        )
        .collect();
    for id in mine {
        close(k, ctx, id);
    }
}
