//! One attempt of a checker, on the node's own sockets: HTTP_GET connects, sends
//! keepalived's request and reads the reply to its end; TCP_CHECK only connects; MISC_CHECK
//! runs its script as a child process; PING_CHECK sends one echo request.

use super::checker::{Checker, Outcome};
use crate::kernel::icmp::{self, ECHO_REPLY, ECHO_REQUEST};
use crate::kernel::ip_output::{ip_local_out, IpOut};
use crate::kernel::process::{Signal, Sys};
use crate::kernel::socket::{Msg, Pid, SockId, SockKind};
use crate::kernel::tcp::{self, Recv, TcpId};
use crate::sim::Time;
use crate::user::keepalived::conf::CheckKind;
use crate::user::shell::{lexer, Shell};
use md5::{Digest, Md5};
use smoltcp::socket::tcp::State;

pub enum Probe {
    Http {
        conn: TcpId,
        /// keepalived's request, sent once the connection is up.
        request: Vec<u8>,
        sent: bool,
        reply: Vec<u8>,
        deadline: Time,
    },
    Tcp {
        conn: TcpId,
        deadline: Time,
    },
    Misc {
        pid: Pid,
        deadline: Time,
    },
    Ping {
        sock: SockId,
        ident: u16,
        deadline: Time,
    },
}

/// Starts an attempt (`request` is what HTTP_GET will send); Err is an outcome at once (a
/// connect that fails on the spot).
pub fn start(sys: &mut Sys, c: &Checker, request: Vec<u8>) -> Result<Probe, Outcome> {
    let now = sys.now();
    let deadline = now + c.connect_timeout * 1_000;
    let (ip, port) = c.dst;
    match &c.conf.kind {
        CheckKind::Http { .. } | CheckKind::Tcp => {
            let conn = tcp::connect(sys.k, sys.ctx, sys.pid, ip, port)
                .map_err(|e| Outcome::Down(format!("Error connecting server ({})", e.message())))?;
            Ok(match c.conf.kind {
                CheckKind::Tcp => Probe::Tcp { conn, deadline },
                _ => Probe::Http {
                    conn,
                    request,
                    sent: false,
                    reply: Vec::new(),
                    deadline,
                },
            })
        }
        CheckKind::Misc { path, timeout, .. } => {
            let line = path.clone().unwrap_or_default();
            let script = lexer::parse(&line).map_err(|e| Outcome::Down(e.to_string()))?;
            let first = line.split_whitespace().next().unwrap_or("sh");
            let base = first.rsplit('/').next().unwrap_or(first).to_string();
            let pid = sys.fork(&base, &line, Box::new(Shell::new(script, Vec::new())));
            let t = timeout.unwrap_or(c.delay_loop);
            Ok(Probe::Misc {
                pid,
                deadline: now + t * 1_000,
            })
        }
        CheckKind::Ping => {
            let ident = (sys.pid as u16) ^ (c.rs as u16).wrapping_mul(0x9e37);
            let sock = sys.k.sockets.open(sys.pid, SockKind::Ping { ident });
            let msg = icmp::echo(ECHO_REQUEST, ident, 1, &[0u8; 56]);
            let out = IpOut {
                src: None,
                dst: ip,
                proto: 1,
                ttl: None,
                df: false,
                oif: None,
            };
            if let Err(e) = ip_local_out(sys.k, sys.ctx, out, &msg) {
                sys.k.sockets.close(sock);
                return Err(Outcome::Down(e.message().into()));
            }
            Ok(Probe::Ping {
                sock,
                ident,
                deadline,
            })
        }
    }
}

/// The request HTTP_GET sends (check_http.c's request_template).
pub fn request(path: &str, host: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: {host}\r\n\r\n")
        .into_bytes()
}

impl Probe {
    /// Moves the attempt on; Some when it is over.
    pub fn poll(&mut self, sys: &mut Sys, c: &Checker) -> Option<Outcome> {
        let now = sys.now();
        match self {
            Probe::Tcp { conn, deadline } => {
                let conn = *conn;
                if tcp::error(sys.k, conn).is_some() || tcp::state(sys.k, conn) == State::Closed {
                    return Some(Outcome::Down("TCP connection failed".into()));
                }
                if tcp::state(sys.k, conn) == State::Established {
                    tcp::close(sys.k, sys.ctx, conn);
                    return Some(Outcome::Up);
                }
                (now >= *deadline).then(|| {
                    tcp::close(sys.k, sys.ctx, conn);
                    Outcome::Down("TCP connection timeout".into())
                })
            }
            Probe::Http {
                conn,
                request,
                sent,
                reply,
                deadline,
            } => http(sys, c, (*conn, sent, reply, deadline), request),
            Probe::Misc { pid, deadline } => match sys.child_status(*pid) {
                Some(status) => Some(misc_outcome(c, status)),
                None if now >= *deadline => {
                    sys.k.procs.kill(*pid, Signal::Kill);
                    Some(Outcome::Down("timed out".into()))
                }
                None => None,
            },
            Probe::Ping {
                sock,
                ident,
                deadline,
            } => {
                while let Some(msg) = sys.k.sockets.recv(*sock) {
                    if let Msg::Ip { packet, .. } = msg {
                        let l4 =
                            packet.get(usize::from(packet.first().map_or(5, |b| b & 0xf)) * 4..);
                        if let Some([t, _, _, _, a, b, ..]) = l4 {
                            if *t == ECHO_REPLY && u16::from_be_bytes([*a, *b]) == *ident {
                                sys.k.sockets.close(*sock);
                                return Some(Outcome::Up);
                            }
                        }
                    }
                }
                (now >= *deadline).then(|| {
                    sys.k.sockets.close(*sock);
                    Outcome::Down("ICMP timeout".into())
                })
            }
        }
    }

    pub fn deadline(&self) -> Time {
        match self {
            Probe::Http { deadline, .. }
            | Probe::Tcp { deadline, .. }
            | Probe::Misc { deadline, .. }
            | Probe::Ping { deadline, .. } => *deadline,
        }
    }

    /// The attempt is abandoned (the checker stops): its socket closes, its script is killed.
    pub fn cancel(&self, sys: &mut Sys) {
        match self {
            Probe::Http { conn, .. } | Probe::Tcp { conn, .. } => tcp::close(sys.k, sys.ctx, *conn),
            Probe::Misc { pid, .. } => {
                sys.k.procs.kill(*pid, Signal::Kill);
            }
            Probe::Ping { sock, .. } => sys.k.sockets.close(*sock),
        }
    }
}

/// HTTP_GET: connect, send the request, read to the end, then judge status and digest.
fn http(
    sys: &mut Sys,
    c: &Checker,
    (conn, sent, reply, deadline): (TcpId, &mut bool, &mut Vec<u8>, &mut Time),
    req: &[u8],
) -> Option<Outcome> {
    let now = sys.now();
    if !*sent {
        if let Some(e) = tcp::error(sys.k, conn) {
            return Some(Outcome::Down(format!(
                "Error connecting server ({})",
                e.message()
            )));
        }
        if tcp::state(sys.k, conn) != State::Established {
            return (now >= *deadline).then(|| {
                tcp::close(sys.k, sys.ctx, conn);
                Outcome::Down("Timeout connecting server".into())
            });
        }
        if tcp::send(sys.k, sys.ctx, conn, req).is_err() {
            tcp::close(sys.k, sys.ctx, conn);
            return Some(Outcome::Down("Error sending request".into()));
        }
        *sent = true;
        *deadline = now + c.connect_timeout * 1_000;
    }
    loop {
        match tcp::recv(sys.k, sys.ctx, conn) {
            Recv::Data(d) => {
                reply.extend_from_slice(&d);
                *deadline = now + c.connect_timeout * 1_000;
            }
            Recv::WouldBlock if now >= *deadline => {
                tcp::close(sys.k, sys.ctx, conn);
                return Some(Outcome::Down("Timeout reading data to".into()));
            }
            Recv::WouldBlock => return None,
            Recv::Eof | Recv::Error(_) => {
                tcp::close(sys.k, sys.ctx, conn);
                return Some(judge(c, reply));
            }
        }
    }
}

/// http_handle_response: no data, a status outside `status_code`, or a digest that
/// differs is a failure.
fn judge(c: &Checker, reply: &[u8]) -> Outcome {
    if reply.is_empty() {
        return Outcome::Down("Read, no data received from".into());
    }
    let (head, body) = split_reply(reply);
    let status: u16 = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let CheckKind::Http { urls, .. } = &c.conf.kind else {
        return Outcome::Up;
    };
    let url = urls.get(c.url_it.unwrap_or(0));
    let codes = url.map(|u| u.status_codes.clone()).unwrap_or_default();
    let ok = if codes.is_empty() {
        (200..=299).contains(&status)
    } else {
        codes.iter().any(|(a, b)| (*a..=*b).contains(&status))
    };
    if !ok {
        return Outcome::Down("HTTP status code error to".into());
    }
    if let Some(digest) = url.and_then(|u| u.digest.as_ref()) {
        if md5_hex(body) != *digest {
            return Outcome::Down("MD5 digest error to".into());
        }
    }
    Outcome::Up
}

/// The header (as text) and the body after the blank line.
pub fn split_reply(reply: &[u8]) -> (String, &[u8]) {
    let end = reply
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
        .or_else(|| reply.windows(2).position(|w| w == b"\n\n").map(|p| p + 2))
        .unwrap_or(reply.len());
    (
        String::from_utf8_lossy(&reply[..end]).into_owned(),
        &reply[end..],
    )
}

pub fn md5_hex(data: &[u8]) -> String {
    let d = Md5::digest(data);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// A MISC_CHECK script's exit status: 0 up, 2..255 up with weight status-2 under
/// misc_dynamic, anything else down.
fn misc_outcome(c: &Checker, status: i32) -> Outcome {
    let dynamic = matches!(c.conf.kind, CheckKind::Misc { dynamic: true, .. });
    match status {
        0 => Outcome::Up,
        s if dynamic && (2..=255).contains(&s) => Outcome::Weight(s - 2),
        s if s > 128 => Outcome::Down(format!("due to signal {}", s - 128)),
        s => Outcome::Down(format!("exited with status {s}")),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn digests_and_requests() {
        assert_eq!(super::md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(
            super::request("/", "192.168.10.11:80"),
            b"GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 192.168.10.11:80\r\n\r\n"
        );
        let (h, b) = super::split_reply(b"HTTP/1.0 200 OK\r\nA: b\r\n\r\nbody");
        assert!(h.starts_with("HTTP/1.0 200"));
        assert_eq!(b, b"body");
    }
}
