//! bash's `/dev/tcp/HOST/PORT` and `/dev/udp/HOST/PORT`: `exec 8<> /dev/tcp/www/80` connects
//! and keeps the socket as fd 8 of the terminal's shell, `>&8` writes to it, `<&8` reads it
//! (to the end of stream for TCP; UDP has none, so it reads until interrupted), `exec 8>&-`
//! closes it (for TCP the four-way close begins). A UDP "connection" sends nothing: connect(2)
//! only fixes the peer, and each write is one datagram.

use crate::kernel::process::{Poll, Program, Sys};
use crate::kernel::socket::OpenSocket;
use crate::kernel::tcp::{self, Recv, TcpId};
use crate::kernel::udp;
use smoltcp::socket::tcp::State;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    Tcp,
    Udp,
}

/// `/dev/tcp/HOST/PORT` → (Tcp, host, port), as bash splits it; the same for `/dev/udp/`.
pub fn parse(path: &str) -> Option<(Proto, String, u16)> {
    let (proto, rest) = match path.strip_prefix("/dev/tcp/") {
        Some(rest) => (Proto::Tcp, rest),
        None => (Proto::Udp, path.strip_prefix("/dev/udp/")?),
    };
    let (host, port) = rest.split_once('/')?;
    Some((proto, host.to_string(), port.parse().ok()?))
}

/// Gives descriptor `fd` of `owner` to `sock`, closing whatever it held before (as dup2 does).
pub fn install(sys: &mut Sys, owner: u32, fd: u32, sock: OpenSocket) {
    if let Some(old) = sys.k.fds.insert((owner, fd), sock) {
        old.close(sys.k, sys.ctx);
    }
}

/// `/dev/udp/HOST/PORT` opened for writing: a UDP socket connected to HOST:PORT (nothing is
/// sent yet). None after printing bash's error.
pub fn open_udp(sys: &mut Sys, path: &str) -> Option<OpenSocket> {
    let Some((_, host, port)) = parse(path) else {
        sys.eprint(&format!("bash: {path}: No such file or directory\n"));
        return None;
    };
    let Some(ip) = sys.k.resolve(&host) else {
        sys.eprint(&format!(
            "bash: {host}: Name or service not known\nbash: {path}: Invalid argument\n"
        ));
        return None;
    };
    let me = super::owner(sys);
    let id = udp::socket(sys.k, me);
    if let Err(e) = udp::connect(sys.k, id, ip, port) {
        sys.k.sockets.close(id);
        let why = e.message();
        sys.eprint(&format!("bash: connect: {why}\nbash: {path}: {why}\n"));
        return None;
    }
    Some(OpenSocket::Udp(id))
}

/// write(2) on a socket descriptor: into the TCP stream, or one datagram.
pub fn write(
    sys: &mut Sys,
    sock: OpenSocket,
    data: &[u8],
) -> Result<usize, crate::kernel::ip_output::Errno> {
    match sock {
        OpenSocket::Tcp(id) => tcp::send(sys.k, sys.ctx, id, data),
        OpenSocket::Udp(id) => udp::sendto(sys.k, sys.ctx, id, None, data),
    }
}

/// Waits for `exec N<> /dev/tcp/…` to connect, then records fd N for `owner`.
pub struct Connect {
    pub id: TcpId,
    pub fd: u32,
    pub owner: u32,
    pub path: String,
}

impl Program for Connect {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        if let Some(e) = tcp::error(sys.k, self.id) {
            // bash reports the connect(2) error, then the redirection that failed.
            sys.eprint(&format!(
                "bash: connect: {}\nbash: {}: {}\n",
                e.message(),
                self.path,
                e.message()
            ));
            tcp::close(sys.k, sys.ctx, self.id);
            return Poll::Exit(1);
        }
        if tcp::state(sys.k, self.id) != State::Established {
            return Poll::Wait(None);
        }
        install(sys, self.owner, self.fd, OpenSocket::Tcp(self.id));
        Poll::Exit(0)
    }
}

/// Reads a socket (what `cat <&8` sees as its input): a TCP stream to its end, UDP
/// datagrams as they come.
pub struct Drain {
    pub sock: OpenSocket,
    pub fd: u32,
    /// The command that reads the descriptor (`cat` in `cat <&8`): a read error is its.
    pub reader: String,
}

impl Program for Drain {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        match self.sock {
            OpenSocket::Tcp(id) => self.stream(sys, id),
            OpenSocket::Udp(id) => {
                while let Some(got) = udp::recvfrom(sys.k, id) {
                    match got {
                        Ok(d) => sys.print(&String::from_utf8_lossy(&d.data)),
                        Err(e) => return self.failed(sys, e.message()),
                    }
                }
                Poll::Wait(None)
            }
        }
    }
}

impl Drain {
    fn stream(&self, sys: &mut Sys, id: TcpId) -> Poll {
        loop {
            match tcp::recv(sys.k, sys.ctx, id) {
                Recv::Data(d) => sys.print(&String::from_utf8_lossy(&d)),
                Recv::WouldBlock => return Poll::Wait(None),
                Recv::Eof => return Poll::Exit(0),
                Recv::Error(e) => {
                    // read(2) failed in the reading command (`cat: -: Connection reset by peer`).
                    sys.eprint(&format!("{}: -: {}\n", self.reader, e.message()));
                    return Poll::Exit(1);
                }
            }
        }
    }

    fn failed(&self, sys: &mut Sys, why: &str) -> Poll {
        sys.eprint(&format!("bash: {}: {why}\n", self.fd));
        Poll::Exit(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_tcp_and_udp_paths() {
        assert_eq!(
            parse("/dev/tcp/www/80"),
            Some((Proto::Tcp, "www".into(), 80))
        );
        assert_eq!(
            parse("/dev/udp/10.0.0.1/514"),
            Some((Proto::Udp, "10.0.0.1".into(), 514))
        );
        assert_eq!(parse("/dev/tcp/www"), None);
        assert_eq!(parse("/dev/tcp/www/http"), None);
        assert_eq!(parse("/etc/hosts"), None);
    }
}
