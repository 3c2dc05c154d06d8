//! bash's `/dev/tcp/HOST/PORT`: `exec 8<> /dev/tcp/www/80` connects and keeps the socket as
//! fd 8 of the terminal's shell, `>&8` writes to it, `<&8` reads it to the end of stream,
//! `exec 8>&-` closes it (the four-way close begins).

use crate::kernel::process::{Poll, Program, Sys};
use crate::kernel::tcp::{self, Recv, TcpId};
use smoltcp::socket::tcp::State;

/// `/dev/tcp/HOST/PORT` → (host, port), as bash splits it.
pub fn parse(path: &str) -> Option<(String, u16)> {
    let rest = path.strip_prefix("/dev/tcp/")?;
    let (host, port) = rest.split_once('/')?;
    Some((host.to_string(), port.parse().ok()?))
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
        if let Some(old) = sys.k.fds.insert((self.owner, self.fd), self.id) {
            tcp::close(sys.k, sys.ctx, old);
        }
        Poll::Exit(0)
    }
}

/// Reads a socket to the end of stream (what `cat <&8` sees as its input).
pub struct Drain {
    pub id: TcpId,
    pub fd: u32,
}

impl Program for Drain {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        loop {
            match tcp::recv(sys.k, sys.ctx, self.id) {
                Recv::Data(d) => sys.print(&String::from_utf8_lossy(&d)),
                Recv::WouldBlock => return Poll::Wait(None),
                Recv::Eof => return Poll::Exit(0),
                Recv::Error(_) => {
                    sys.eprint(&format!("bash: {}: Bad file descriptor\n", self.fd));
                    return Poll::Exit(1);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dev_tcp_paths() {
        assert_eq!(super::parse("/dev/tcp/www/80"), Some(("www".into(), 80)));
        assert_eq!(super::parse("/dev/tcp/www"), None);
        assert_eq!(super::parse("/dev/tcp/www/http"), None);
        assert_eq!(super::parse("/etc/hosts"), None);
    }
}
