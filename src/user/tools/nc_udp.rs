//! `nc -u`: netcat-openbsd over a datagram socket.
//!
//! The client connects its UDP socket (nothing goes on the wire), sends its standard input as
//! one datagram (one read(2) of a heredoc) and prints every datagram that comes back. UDP has
//! no end of stream, so it runs until `-w SECS` of silence, a signal, or an error: a port
//! unreachable for an earlier datagram makes the next read fail with ECONNREFUSED, and nc
//! quits at once, silently, with status 0 (as netcat-openbsd 1.219 does). `-l` binds the port, takes the first datagram's sender as its peer (nc connects
//! to it), and relays the same way. `-z` writes "X" four times and reports success: the ICMP
//! answer cannot come back between writes, which is why `nc -zu` famously says yes to
//! closed remote ports.

use super::nc::Opts;
use crate::kernel::process::{Poll, Sys};
use crate::kernel::socket::SockId;
use crate::kernel::udp;
use crate::sim::time::SEC;
use crate::sim::Time;
use std::net::Ipv4Addr;

pub struct Udp {
    sock: SockId,
    /// -l: no peer until the first datagram.
    connected: bool,
    stdin: Vec<u8>,
    /// When the last datagram went or came (-w counts silence from there).
    last: Time,
    wait: Option<u64>,
}

/// Opens the socket: connected to HOST PORT, or bound to PORT with -l.
pub fn start(sys: &mut Sys, o: &Opts, dst: Ipv4Addr, stdin: Vec<u8>) -> Result<Udp, i32> {
    let sock = udp::socket(sys.k, sys.pid);
    let opened = if o.listen {
        udp::bind(sys.k, sock, Ipv4Addr::UNSPECIFIED, o.port).map(|_| ())
    } else {
        udp::connect(sys.k, sock, dst, o.port)
    };
    if let Err(e) = opened {
        let what = if o.listen { "bind failed" } else { "connect" };
        sys.eprint(&format!("nc: {what}: {}\n", e.message()));
        sys.k.sockets.close(sock);
        return Err(1);
    }
    if o.verbose && o.listen {
        sys.eprint(&format!("Bound on 0.0.0.0 {}\n", o.port));
    } else if o.verbose {
        let service = super::nc::service(o.port);
        sys.eprint(&format!(
            "Connection to {} {} port [udp/{service}] succeeded!\n",
            o.host, o.port
        ));
    }
    Ok(Udp {
        sock,
        connected: !o.listen,
        stdin,
        last: sys.now(),
        wait: o.wait,
    })
}

impl Udp {
    pub fn poll(&mut self, sys: &mut Sys, zero: bool) -> Poll {
        if zero {
            for _ in 0..4 {
                let _ = udp::sendto(sys.k, sys.ctx, self.sock, None, b"X");
            }
            return self.exit(sys, 0);
        }
        loop {
            if let Err(e) = self.send_stdin(sys) {
                sys.eprint(&format!("nc: write failed: {}\n", e.message()));
                return self.exit(sys, 1);
            }
            let Some(got) = udp::recvfrom(sys.k, self.sock) else {
                break;
            };
            let Ok(d) = got else {
                // readwrite() gives up on a failed read (ECONNREFUSED after a port
                // unreachable) without a word, and netcat-openbsd 1.219 exits 0
                // (docs/fidelity-real.md §8).
                return self.exit(sys, 0);
            };
            if !self.connected {
                self.accept(sys, d.from);
            }
            sys.print(&String::from_utf8_lossy(&d.data));
            self.last = sys.now();
        }
        match self.wait {
            Some(w) if sys.now() >= self.last + w * SEC => self.exit(sys, 0),
            Some(w) => Poll::Wait(Some(self.last + w * SEC)),
            None => Poll::Wait(None),
        }
    }

    /// Standard input goes out as one datagram once there is a peer.
    fn send_stdin(&mut self, sys: &mut Sys) -> Result<(), crate::kernel::ip_output::Errno> {
        if self.connected && !self.stdin.is_empty() {
            let data = std::mem::take(&mut self.stdin);
            udp::sendto(sys.k, sys.ctx, self.sock, None, &data)?;
            self.last = sys.now();
        }
        Ok(())
    }

    /// -l: the first datagram names the peer, and the socket connects to it.
    fn accept(&mut self, sys: &mut Sys, from: (Ipv4Addr, u16)) {
        let _ = udp::connect(sys.k, self.sock, from.0, from.1);
        self.connected = true;
        self.last = sys.now();
    }

    pub fn exit(&mut self, sys: &mut Sys, status: i32) -> Poll {
        sys.k.sockets.close(self.sock);
        Poll::Exit(status)
    }
}
