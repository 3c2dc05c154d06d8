//! net/ipv4/inet_connection_sock.c's listen(2) and accept(2) for TCP: a listener is an
//! address and port with a backlog; accept() takes the oldest connection born on it that
//! finished its handshake.

use super::ip_output::Errno;
use super::socket::Pid;
use super::tcp::{Listener, TcpId};
use super::Kernel;
use smoltcp::socket::tcp::State;
use std::net::Ipv4Addr;

/// listen(2) on `addr` (None = 0.0.0.0) and `port`.
pub fn listen(
    k: &mut Kernel,
    pid: Pid,
    addr: Option<Ipv4Addr>,
    port: u16,
    backlog: usize,
) -> Result<TcpId, Errno> {
    if port == 0
        || k.tcp
            .listeners
            .values()
            .any(|l| l.port == port && (l.addr.is_none() || addr.is_none() || l.addr == addr))
    {
        return Err(Errno::AddrInUse);
    }
    let id = k.tcp.alloc_id();
    k.tcp.listeners.insert(
        id,
        Listener {
            owner: pid,
            addr,
            port,
            backlog: backlog.max(1),
        },
    );
    Ok(id)
}

/// accept(2): the oldest established connection born on the listener, now held by `pid`.
pub fn accept(k: &mut Kernel, pid: Pid, listener: TcpId) -> Option<TcpId> {
    let id = k
        .tcp
        .conns
        .iter()
        .find(|(_, c)| {
            c.listener == Some(listener)
                && !matches!(c.state, State::SynReceived | State::Listen | State::Closed)
        })
        .map(|(id, _)| *id)?;
    let conn = k.tcp.conns.get_mut(&id)?;
    conn.listener = None;
    conn.owner = Some(pid);
    Some(id)
}
