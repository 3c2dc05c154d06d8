//! Unix datagram sockets (net/unix/af_unix.c), named by path: how programs on one node talk
//! to each other. `systemctl` asks systemd (PID 1) to start or stop a unit on
//! `/run/systemd/private` and waits for its answer on a socket of its own.

use super::ip_output::Errno;
use super::socket::{Msg, Pid, SockId, SockKind};
use super::Kernel;

pub fn socket(k: &mut Kernel, pid: Pid) -> SockId {
    k.sockets.open(pid, SockKind::Unix)
}

/// bind(): EADDRINUSE when a live socket already has the path.
pub fn bind(k: &mut Kernel, id: SockId, path: &str) -> Result<(), Errno> {
    k.sockets.bind_path(id, path)
}

/// sendto(path): ECONNREFUSED when nobody is bound there.
pub fn sendto(k: &mut Kernel, id: SockId, path: &str, data: &[u8]) -> Result<(), Errno> {
    let from = k.sockets.path_of(id).map(str::to_string);
    let to = k.sockets.bound(path).ok_or(Errno::ConnRefused)?;
    let msg = Msg::Unix {
        from,
        data: data.to_vec(),
    };
    if k.sockets.queue(to, msg) {
        Ok(())
    } else {
        Err(Errno::Again)
    }
}

/// recvfrom(): a datagram and the sender's path (None for an unbound sender).
pub fn recvfrom(k: &mut Kernel, id: SockId) -> Option<(Option<String>, Vec<u8>)> {
    match k.sockets.recv(id)? {
        Msg::Unix { from, data } => Some((from, data)),
        _ => None,
    }
}
