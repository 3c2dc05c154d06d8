//! `httpd [-p PORT] [-d DIR]`: a small web server modelled on Python's `http.server` (as the
//! reference observed it), so load-balancing and TCP lessons have something to talk to. It is
//! a daemon: silent on the terminal, it serves GET and HEAD from DIR until killed and logs
//! each request, in Python's words, to /var/log/httpd/access.log.
//!
//! Like Python's BaseHTTPRequestHandler (protocol_version HTTP/1.0) it answers every request
//! with an `HTTP/1.0` status line and closes first after the response, whatever the client's
//! version or `Connection:` header asked for.

use crate::kernel::process::{Poll, Program, Sys};
use crate::kernel::tcp::{self, Recv, TcpId};
use crate::kernel::vfs::FsError;
use crate::sim::Time;
use crate::why;
use std::collections::VecDeque;
use std::fmt::Write;
use std::net::Ipv4Addr;

const USAGE: &str = "usage: httpd [-p PORT] [-d DIR]\n";
const LOG_DIR: &str = "/var/log/httpd";
const LOG: &str = "/var/log/httpd/access.log";
/// Requests larger than this get 413 instead of growing a buffer without end.
const MAX_REQUEST: usize = 64 * 1024;
const SERVER: &str = "SimpleHTTP/0.6 Python/3.11.2";
/// The lab's files never change, so every one was last modified at the lab's midnight.
const LAST_MODIFIED: &str = "Wed, 25 Nov 2026 00:00:00 GMT";

/// One accepted connection.
struct Conn {
    id: TcpId,
    peer: Ipv4Addr,
    /// What arrived so far of the request (it may come in several segments).
    req: Vec<u8>,
    /// Chunks still to send: send() may take only part when the buffer is full.
    out: VecDeque<Vec<u8>>,
    /// The response is queued: close once `out` has drained.
    answered: bool,
    /// Finished with: dropped from the table after this poll.
    gone: bool,
}

struct Httpd {
    args: Vec<String>,
    dir: String,
    listener: Option<TcpId>,
    conns: Vec<Conn>,
}

pub fn spawn(args: &[String]) -> Box<dyn Program> {
    Box::new(Httpd {
        args: args.to_vec(),
        dir: String::new(),
        listener: None,
        conns: Vec::new(),
    })
}

/// `-p PORT` and `-d DIR`, with Python's http.server defaults replaced by a real server's.
fn parse(args: &[String]) -> Option<(u16, String)> {
    let (mut port, mut dir) = (80u16, "/var/www/html".to_string());
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "-p" => port = it.next()?.parse().ok().filter(|p| *p > 0)?,
            "-d" => dir = it.next()?.clone(),
            _ => return None,
        }
    }
    Some((port, dir))
}

/// A parsed request: enough to answer it and to log it.
struct Request {
    line: String,
    method: String,
    path: String,
}

/// A response: the status, its reason phrase, headers-to-be and body.
struct Response {
    code: u16,
    reason: String,
    ctype: &'static str,
    body: Vec<u8>,
    /// Python's send_error sends different headers from a file's.
    error: bool,
}

/// Where the request's header ends (after the blank line, `\r\n` or bare `\n`, as Python's
/// readline-based parser accepts both; bash sends `GET / HTTP/1.0\n\n`).
fn header_end(buf: &[u8]) -> Option<usize> {
    let mut start = 0;
    for (i, b) in buf.iter().enumerate() {
        if *b == b'\n' {
            let line = &buf[start..i];
            if (line.is_empty() || line == b"\r") && start > 0 {
                return Some(i + 1);
            }
            start = i + 1;
        }
    }
    None
}

/// The request line's three words, or the 400 that Python would send.
fn parse_request(head: &[u8]) -> Result<Request, Box<(Request, Response)>> {
    let text = String::from_utf8_lossy(head);
    let line = text
        .lines()
        .next()
        .unwrap_or("")
        .trim_end_matches('\r')
        .to_string();
    let words: Vec<&str> = line.split_whitespace().collect();
    let ok_version = |v: &str| {
        v.strip_prefix("HTTP/")
            .and_then(|n| n.split_once('.'))
            .is_some_and(|(a, b)| a.parse::<u32>().is_ok() && b.parse::<u32>().is_ok())
    };
    match words.as_slice() {
        [m, p, v] if ok_version(v) => Ok(Request {
            method: m.to_string(),
            path: p.to_string(),
            line,
        }),
        _ => {
            let msg = format!("Bad request syntax ('{line}')");
            let req = Request {
                method: String::new(),
                path: String::new(),
                line,
            };
            Err(Box::new((
                req,
                error(400, &msg, "Bad request syntax or unsupported method"),
            )))
        }
    }
}

/// Python 3.11's DEFAULT_ERROR_MESSAGE page.
fn error(code: u16, message: &str, explain: &str) -> Response {
    let body = format!(
        "<!DOCTYPE HTML>\n<html lang=\"en\">\n    <head>\n        <meta charset=\"utf-8\">\n        <title>Error response</title>\n    </head>\n    <body>\n        <h1>Error response</h1>\n        <p>Error code: {code}</p>\n        <p>Message: {}.</p>\n        <p>Error code explanation: {code} - {explain}.</p>\n    </body>\n</html>\n",
        escape(message)
    );
    Response {
        code,
        reason: message.to_string(),
        ctype: "text/html;charset=utf-8",
        body: body.into_bytes(),
        error: true,
    }
}

/// html.escape(…, quote=False), as send_error applies to the message.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()) {
        Some(e) if e == "html" || e == "htm" => "text/html",
        Some(e) if e == "txt" => "text/plain",
        _ => "application/octet-stream",
    }
}

/// The file under `dir` a URL path names: query and fragment dropped, and `.`/`..` ignored
/// (as Python's translate_path does) so nothing outside `dir` can be reached.
fn translate(dir: &str, path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut file = dir.trim_end_matches('/').to_string();
    for part in path
        .split('/')
        .filter(|p| !p.is_empty() && *p != "." && *p != "..")
    {
        file.push('/');
        file.push_str(part);
    }
    file
}

/// GET or HEAD of a path: the file, a directory's index.html, or the page naming the host
/// (so a load-balancing lesson shows which server answered).
fn serve(sys: &Sys, dir: &str, path: &str) -> Response {
    let file = translate(dir, path);
    let found = match sys.read_file(&file) {
        Err(FsError::IsDir) => sys
            .k
            .read_file(&format!("{file}/index.html"))
            .map(|b| (b, "x.html")),
        Ok(b) if !path.ends_with('/') => Ok((b, file.as_str())),
        Ok(_) => Err(FsError::NotDir),
        Err(e) => Err(e),
    };
    let ok = |body: Vec<u8>, ctype| Response {
        code: 200,
        reason: "OK".into(),
        ctype,
        body,
        error: false,
    };
    match found {
        Ok((body, name)) => ok(body, content_type(name)),
        Err(FsError::NotFound) if sys.is_dir(&file) || file == dir.trim_end_matches('/') => {
            let page = format!("<html><body><h1>{}</h1></body></html>\n", sys.k.hostname);
            ok(page.into_bytes(), "text/html")
        }
        Err(_) => error(404, "File not found", "Nothing matches the given URI"),
    }
}

/// The response to a whole request header.
fn respond(sys: &Sys, dir: &str, head: &[u8]) -> (Request, Response) {
    match parse_request(head) {
        Err(bad) => *bad,
        Ok(req) => {
            let resp = match req.method.as_str() {
                "GET" | "HEAD" => serve(sys, dir, &req.path),
                m => error(
                    501,
                    &format!("Unsupported method ('{m}')"),
                    "Server does not support this operation",
                ),
            };
            (req, resp)
        }
    }
}

/// The header block, in the order and spelling Python sends. The date is the lab's day at
/// the virtual time of day: `Wed, 25 Nov 2026 08:30:35 GMT`. (Written into one buffer: a
/// server answers thousands of requests in a benchmark.)
fn headers(now: Time, r: &Response) -> Vec<u8> {
    let mut h = String::with_capacity(192);
    let _ = write!(
        h,
        "HTTP/1.0 {} {}\r\nServer: {SERVER}\r\nDate: Wed, 25 Nov 2026 {} GMT\r\n",
        r.code,
        r.reason,
        now.hms()
    );
    let len = r.body.len();
    let _ = match r.error {
        true => write!(
            h,
            "Connection: close\r\nContent-Type: {}\r\nContent-Length: {len}\r\n",
            r.ctype
        ),
        false => write!(
            h,
            "Content-type: {}\r\nContent-Length: {len}\r\nLast-Modified: {LAST_MODIFIED}\r\n",
            r.ctype
        ),
    };
    h += "\r\n";
    h.into_bytes()
}

/// Appends Python's log lines (log_error's first for errors, then log_request's).
fn log(sys: &mut Sys, peer: Ipv4Addr, req: &Request, r: &Response) {
    let hms = sys.now().hms();
    let mut text = String::with_capacity(96);
    if r.error {
        let _ = writeln!(
            text,
            "{peer} - - [25/Nov/2026 {hms}] code {}, message {}",
            r.code, r.reason
        );
    }
    let _ = writeln!(
        text,
        "{peer} - - [25/Nov/2026 {hms}] \"{}\" {} -",
        req.line, r.code
    );
    if sys.write_file(LOG, text.as_bytes(), true).is_err() {
        let _ = sys.mkdir(LOG_DIR);
        let _ = sys.write_file(LOG, text.as_bytes(), true);
    }
}

impl Httpd {
    fn start(&mut self, sys: &mut Sys) -> Result<TcpId, i32> {
        let Some((port, dir)) = parse(&self.args) else {
            sys.eprint(USAGE);
            return Err(2);
        };
        self.dir = dir;
        tcp::listen(sys.k, sys.pid, None, port, 128).map_err(|e| {
            sys.eprint(&format!("httpd: bind: {}\n", e.message()));
            1
        })
    }

    /// Reads what arrived; once the header is complete (or too big), queues the answer.
    fn read(&self, sys: &mut Sys, c: &mut Conn) {
        while !c.answered {
            match tcp::recv(sys.k, sys.ctx, c.id) {
                Recv::Data(d) => c.req.extend_from_slice(&d),
                Recv::WouldBlock => break,
                // The client gave up before a whole request: nothing to answer.
                Recv::Eof | Recv::Error(_) => {
                    tcp::close(sys.k, sys.ctx, c.id);
                    c.gone = true;
                    return;
                }
            }
            if let Some(end) = header_end(&c.req) {
                let (req, resp) = respond(sys, &self.dir, &c.req[..end]);
                self.answer(sys, c, req, resp);
            } else if c.req.len() > MAX_REQUEST {
                let req = Request {
                    line: String::new(),
                    method: String::new(),
                    path: String::new(),
                };
                self.answer(
                    sys,
                    c,
                    req,
                    error(413, "Request Entity Too Large", "Entity is too large"),
                );
            }
        }
    }

    /// Queues headers and body as two chunks (two segments on the wire, as observed).
    fn answer(&self, sys: &mut Sys, c: &mut Conn, req: Request, r: Response) {
        // A request too big or malformed has no method and path to name.
        why!(
            sys.ctx,
            "httpd",
            "{} from {}: {} ({} bytes)",
            match req.method.is_empty() {
                true => "a bad request".to_string(),
                false => format!("{} {}", req.method, req.path),
            },
            c.peer,
            r.code,
            r.body.len()
        );
        log(sys, c.peer, &req, &r);
        c.out.push_back(headers(sys.now(), &r));
        if req.method != "HEAD" && !r.body.is_empty() {
            c.out.push_back(r.body);
        }
        c.answered = true;
    }

    /// Sends what is queued; closes (server first) when all of it is in the kernel.
    fn flush(sys: &mut Sys, c: &mut Conn) {
        while let Some(chunk) = c.out.front_mut() {
            match tcp::send(sys.k, sys.ctx, c.id, chunk) {
                Ok(n) if n == chunk.len() => {
                    c.out.pop_front();
                }
                Ok(n) => {
                    chunk.drain(..n);
                    return;
                }
                Err(_) => {
                    c.out.clear();
                    break;
                }
            }
        }
        if c.answered {
            // Unread bytes (a pipelined request) make this a reset, as on Linux.
            tcp::close(sys.k, sys.ctx, c.id);
            c.gone = true;
        }
    }
}

impl Program for Httpd {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        let lid = match self.listener {
            Some(l) => l,
            None => match self.start(sys) {
                Ok(l) => {
                    // Bound: now detach, as a daemon does, and serve from the background.
                    self.listener = Some(l);
                    return Poll::Daemon;
                }
                Err(code) => return Poll::Exit(code),
            },
        };
        while let Some(id) = tcp::accept(sys.k, sys.pid, lid) {
            let peer = sys
                .k
                .tcp
                .conns
                .get(&id)
                .map_or(Ipv4Addr::UNSPECIFIED, |c| c.remote.0);
            self.conns.push(Conn {
                id,
                peer,
                req: Vec::new(),
                out: VecDeque::new(),
                answered: false,
                gone: false,
            });
        }
        let mut conns = std::mem::take(&mut self.conns);
        for c in conns.iter_mut() {
            self.read(sys, c);
            if !c.gone {
                Httpd::flush(sys, c);
            }
        }
        conns.retain(|c| !c.gone);
        self.conns = conns;
        Poll::Wait(None)
    }
}

#[cfg(test)]
#[path = "httpd_tests.rs"]
mod tests;
