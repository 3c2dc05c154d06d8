//! The query engine dig and nslookup share (BIND's dighost.c): one question to one server
//! over a connected UDP socket, `tries` times, `time` seconds each. Every failed try prints
//! `;; communications error to SERVER#53: timed out` (or `connection refused`, when an ICMP
//! port unreachable came back), and when all tries failed the caller says
//! `;; no servers could be reached`.

use crate::kernel::ip_output::Errno;
use crate::kernel::process::Sys;
use crate::kernel::socket::SockId;
use crate::kernel::udp;
use crate::sim::time::SEC;
use crate::sim::Time;
use crate::user::dns::wire::Message;
use std::net::Ipv4Addr;

/// dig's defaults: +time=5 +tries=3.
pub const TIME: u64 = 5;
pub const TRIES: u32 = 3;

pub struct Query {
    pub server: Ipv4Addr,
    pub port: u16,
    pub msg: Message,
    pub tries: u32,
    pub time: u64,
    sock: Option<SockId>,
    sent_at: Time,
    tried: u32,
}

/// A reply and what dig reports about it.
pub struct Reply {
    pub msg: Message,
    pub size: usize,
    pub rtt_ms: u64,
}

pub enum Status {
    Wait(Time),
    Done(Reply),
    /// Every try failed.
    Unreachable,
}

impl Query {
    pub fn new(server: Ipv4Addr, port: u16, msg: Message, tries: u32, time: u64) -> Query {
        Query {
            server,
            port,
            msg,
            tries: tries.max(1),
            time: time.max(1),
            sock: None,
            sent_at: Time::ZERO,
            tried: 0,
        }
    }

    pub fn poll(&mut self, sys: &mut Sys) -> Status {
        // Bounded by the number of tries: each pass sends one or finishes.
        for _ in 0..=self.tries {
            let Some(sock) = self.sock else {
                if self.tried == self.tries {
                    return Status::Unreachable;
                }
                if let Err(e) = self.send(sys) {
                    self.fail(sys, &e.message().to_ascii_lowercase());
                }
                continue;
            };
            match self.receive(sys, sock) {
                Ok(Some(reply)) => return Status::Done(reply),
                Ok(None) if sys.now() < self.sent_at + self.time * SEC => {
                    return Status::Wait(self.sent_at + self.time * SEC)
                }
                Ok(None) => self.fail(sys, "timed out"),
                Err(why) => self.fail(sys, why),
            }
        }
        Status::Unreachable
    }

    /// One try. A send that fails at once (no route) fails the try without waiting.
    fn send(&mut self, sys: &mut Sys) -> Result<usize, Errno> {
        let sock = udp::socket(sys.k, sys.pid);
        self.tried += 1;
        self.sent_at = sys.now();
        self.sock = Some(sock);
        let bytes = self.msg.encode();
        udp::connect(sys.k, sock, self.server, self.port)
            .and_then(|_| udp::sendto(sys.k, sys.ctx, sock, None, &bytes))
    }

    /// A reply with our id, Ok(None) while waiting, or Err when the port was unreachable.
    fn receive(&mut self, sys: &mut Sys, sock: SockId) -> Result<Option<Reply>, &'static str> {
        while let Some(got) = udp::recvfrom(sys.k, sock) {
            let d = got.map_err(|_| "connection refused")?;
            let Ok(msg) = Message::decode(&d.data) else {
                continue;
            };
            if msg.header.id == self.msg.header.id && msg.header.qr {
                sys.k.sockets.close(sock);
                self.sock = None;
                let rtt_ms = (sys.now() - self.sent_at) / 1_000_000;
                return Ok(Some(Reply {
                    msg,
                    size: d.data.len(),
                    rtt_ms,
                }));
            }
        }
        Ok(None)
    }

    fn fail(&mut self, sys: &mut Sys, why: &str) {
        if let Some(s) = self.sock.take() {
            sys.k.sockets.close(s);
        }
        sys.print(&format!(
            ";; communications error to {}#{}: {why}\n",
            self.server, self.port
        ));
    }
}

/// The first name server of /etc/resolv.conf (127.0.0.1 without one) and its search list.
pub fn resolv_conf(sys: &mut Sys) -> crate::user::libc::resolv_conf::ResolvConf {
    let path = crate::user::libc::resolv_conf::PATH;
    let text = sys.read_file(path).unwrap_or_default();
    crate::user::libc::resolv_conf::parse(&String::from_utf8_lossy(&text))
}
