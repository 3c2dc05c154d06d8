//! `curl` (7.88.1, as Debian 12 ships it), for plain HTTP only:
//! `curl [-s] [-v] [-i] [-I] [-o FILE] [-m SECS] [--connect-timeout SECS] URL`.
//! It connects, sends one HTTP/1.1 request, reads the answer until the server closes or
//! Content-Length is met, and prints the body. Error lines and exit codes are curl's own, so a
//! lab can `expect` them; times in them are virtual milliseconds.

use crate::kernel::ip_output::Errno;
use crate::kernel::process::{Poll, Program, Sys};
use crate::kernel::tcp::{self, Recv, TcpId};
use crate::sim::Time;
use crate::user::libc::getaddrinfo::{self, getaddrinfo, Answers};
use smoltcp::socket::tcp::State;
use std::net::Ipv4Addr;

const TRY: &str = "curl: try 'curl --help' or 'curl --manual' for more information\n";
const BAD_URL: &str = "URL using bad/illegal format or missing URL";

/// A failure as curl reports it: `curl: (code) message`.
#[derive(Debug, PartialEq)]
pub struct Fail {
    pub code: i32,
    pub msg: String,
}

fn fail(code: i32, msg: impl Into<String>) -> Fail {
    Fail {
        code,
        msg: msg.into(),
    }
}

#[derive(Debug, Default, PartialEq)]
pub struct Opts {
    pub silent: bool,
    pub verbose: bool,
    /// -I: HEAD request, print the headers.
    pub head: bool,
    /// -i: print the headers before the body.
    pub include: bool,
    pub output: Option<String>,
    pub max_time: Option<f64>,
    pub connect_timeout: Option<f64>,
    /// --local-port: the source port to bind to.
    pub local_port: Option<u16>,
    pub url: String,
}

#[derive(Debug, Default, PartialEq)]
pub struct Url {
    pub host: String,
    pub port: u16,
    pub path: String,
}

impl Url {
    /// The Host header: curl adds the port only when it is not the scheme's default.
    pub fn host_header(&self) -> String {
        match self.port {
            80 => self.host.clone(),
            p => format!("{}:{p}", self.host),
        }
    }
}

/// Parses the command line. Err is (exit status, text for stderr), as curl's tool layer
/// reports option errors (exit 2) before any transfer starts.
pub fn parse(args: &[String]) -> Result<Opts, (i32, String)> {
    let mut o = Opts::default();
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--silent" => o.silent = true,
            "--verbose" => o.verbose = true,
            "--head" => o.head = true,
            "--include" => o.include = true,
            "--output" | "--max-time" | "--connect-timeout" | "--local-port" => {
                let v = it.next().ok_or_else(|| needs(a))?;
                set_value(&mut o, a, v)?;
            }
            s if s.starts_with("--") => return Err(unknown(s)),
            s if s.starts_with('-') && s.len() > 1 => short_flags(&mut o, s, &mut it)?,
            _ => o.url = a.clone(),
        }
    }
    if o.url.is_empty() {
        return Err((2, format!("curl: no URL specified!\n{TRY}")));
    }
    Ok(o)
}

/// A cluster like `-sv` or `-so FILE`; a flag taking a value takes the rest of the cluster
/// or, if nothing is left, the next word (getopt style, as curl does).
fn short_flags<'a>(
    o: &mut Opts,
    s: &str,
    it: &mut impl Iterator<Item = &'a String>,
) -> Result<(), (i32, String)> {
    for (i, c) in s.char_indices().skip(1) {
        match c {
            's' => o.silent = true,
            'v' => o.verbose = true,
            'I' => o.head = true,
            'i' => o.include = true,
            'o' | 'm' => {
                let flag = format!("-{c}");
                let rest = &s[i + 1..];
                let v = if rest.is_empty() {
                    it.next().ok_or_else(|| needs(&flag))?.clone()
                } else {
                    rest.to_string()
                };
                return set_value(o, &flag, &v);
            }
            _ => return Err(unknown(&format!("-{c}"))),
        }
    }
    Ok(())
}

fn set_value(o: &mut Opts, flag: &str, v: &str) -> Result<(), (i32, String)> {
    let secs = || {
        v.parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .ok_or_else(|| {
                let m = format!("curl: option {flag}: expected a proper numerical parameter\n");
                (2, m + TRY)
            })
    };
    match flag {
        "-o" | "--output" => o.output = Some(v.to_string()),
        "-m" | "--max-time" => o.max_time = Some(secs()?),
        "--local-port" => {
            // NUM or NUM-NUM; the first port of a range is the one tried first.
            let first = v.split('-').next().unwrap_or("");
            let p = first
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| {
                    let m = format!("curl: option {flag}: expected a proper numerical parameter\n");
                    (2, m + TRY)
                })?;
            o.local_port = Some(p);
        }
        _ => o.connect_timeout = Some(secs()?),
    }
    Ok(())
}

fn needs(flag: &str) -> (i32, String) {
    (2, format!("curl: option {flag}: requires parameter\n{TRY}"))
}

fn unknown(flag: &str) -> (i32, String) {
    (2, format!("curl: option {flag}: is unknown\n{TRY}"))
}

/// Splits `[scheme://]host[:port][/path]`. A URL without a scheme is guessed to be http,
/// as curl does; any other scheme is one this curl was built without.
pub fn parse_url(text: &str) -> Result<Url, Fail> {
    let rest = match text.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
        Some((scheme, _)) if !scheme.is_empty() && scheme.chars().all(is_scheme_char) => {
            return Err(fail(1, format!("Protocol \"{scheme}\" not supported")));
        }
        Some(_) => return Err(fail(3, BAD_URL)),
        None => text,
    };
    let cut = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(cut);
    // Credentials go in an Authorization header we do not send; the host follows the '@'.
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().map_err(|_| fail(3, BAD_URL))?),
        None => (hostport, 80),
    };
    if host.is_empty() || !host.chars().all(is_host_char) {
        return Err(fail(3, BAD_URL));
    }
    let path = tail.split('#').next().unwrap_or("");
    let path = match path {
        "" => "/".to_string(),
        p if p.starts_with('?') => format!("/{p}"),
        p => p.to_string(),
    };
    Ok(Url {
        host: host.to_string(),
        port,
        path,
    })
}

fn is_scheme_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+-.".contains(c)
}

fn is_host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._".contains(c)
}

/// The request, exactly as curl 7.88.1 sends it.
pub fn request(url: &Url, head: bool) -> String {
    let method = if head { "HEAD" } else { "GET" };
    format!(
        "{method} {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
        url.path,
        url.host_header()
    )
}

enum Phase {
    Start,
    Connecting(TcpId),
    Transfer(TcpId),
}

struct Curl {
    args: Vec<String>,
    opts: Opts,
    url: Url,
    dst: Ipv4Addr,
    phase: Phase,
    started: Time,
    /// Everything received so far (headers and body).
    buf: Vec<u8>,
    /// Where the body starts in `buf`, once the header block is complete.
    body_at: Option<usize>,
    content_length: Option<usize>,
    /// The server asked to close (HTTP/1.0 or `Connection: close`), so curl will not reuse it.
    closing: bool,
    /// The server closed its side.
    eof: bool,
    answers: Answers,
}

pub fn spawn(args: &[String]) -> Box<dyn Program> {
    let host = parse(args)
        .ok()
        .and_then(|o| parse_url(&o.url).ok())
        .map(|u| u.host);
    getaddrinfo::resolving(args, host, start)
}

fn start(args: &[String], answers: Answers) -> Box<dyn Program> {
    Box::new(Curl {
        answers,
        args: args.to_vec(),
        opts: Opts::default(),
        url: Url::default(),
        dst: Ipv4Addr::UNSPECIFIED,
        phase: Phase::Start,
        started: Time::ZERO,
        buf: Vec::new(),
        body_at: None,
        content_length: None,
        closing: false,
        eof: false,
    })
}

impl Curl {
    fn elapsed_ms(&self, sys: &Sys) -> u64 {
        (sys.now() - self.started) / 1_000_000
    }

    fn deadline(&self, connecting: bool) -> Option<Time> {
        let secs = match connecting {
            true => [self.opts.connect_timeout, self.opts.max_time]
                .into_iter()
                .flatten()
                .reduce(f64::min),
            false => self.opts.max_time,
        };
        secs.map(|s| self.started + (s * 1e9).round() as u64)
    }

    fn verbose(&self, sys: &mut Sys, line: &str) {
        if self.opts.verbose {
            sys.eprint(&format!("{line}\n"));
        }
    }

    /// Reports a failure as curl does (`-v` repeats it as an info line) and exits.
    fn die(&self, sys: &mut Sys, id: Option<TcpId>, f: Fail) -> Poll {
        if let Some(id) = id {
            tcp::close(sys.k, sys.ctx, id);
        }
        self.verbose(sys, &format!("* {}", f.msg));
        self.verbose(sys, "* Closing connection 0");
        if !self.opts.silent {
            sys.eprint(&format!("curl: ({}) {}\n", f.code, f.msg));
        }
        Poll::Exit(f.code)
    }

    fn connect_failed(&self, sys: &Sys, code: i32, why: &str) -> Fail {
        let ms = self.elapsed_ms(sys);
        let (host, port) = (&self.url.host, self.url.port);
        fail(
            code,
            format!("Failed to connect to {host} port {port} after {ms} ms: {why}"),
        )
    }

    fn start(&mut self, sys: &mut Sys) -> Poll {
        self.started = sys.now();
        self.opts = match parse(&self.args) {
            Ok(o) => o,
            Err((code, text)) => {
                sys.eprint(&text);
                return Poll::Exit(code);
            }
        };
        self.url = match parse_url(&self.opts.url) {
            Ok(u) => u,
            Err(f) => return self.die(sys, None, f),
        };
        let Ok(found) = getaddrinfo(sys, &self.url.host, &self.answers) else {
            let f = fail(6, format!("Could not resolve host: {}", self.url.host));
            return self.die(sys, None, f);
        };
        let dst = found.addr;
        self.dst = dst;
        self.verbose(sys, &format!("*   Trying {dst}:{}...", self.url.port));
        let to = (dst, self.url.port);
        match tcp::connect_from(sys.k, sys.ctx, sys.pid, to, self.opts.local_port) {
            Ok(id) => {
                self.phase = Phase::Connecting(id);
                self.connecting(sys, id)
            }
            Err(Errno::AddrInUse) => {
                let f = fail(45, "bind failed with errno 98: Address already in use");
                self.die(sys, None, f)
            }
            Err(e) => self.refused(sys, None, e),
        }
    }

    /// The socket said no (RST, ICMP, no route): curl 7.88 names the errno in an info line
    /// and reports CURLE_COULDNT_CONNECT; the kernel giving up on SYNs is a timeout (28).
    fn refused(&self, sys: &mut Sys, id: Option<TcpId>, e: Errno) -> Poll {
        let (ip, port, why) = (self.dst, self.url.port, e.message());
        self.verbose(sys, &format!("* connect to {ip} port {port} failed: {why}"));
        let code = if e == Errno::TimedOut { 28 } else { 7 };
        let f = self.connect_failed(sys, code, "Couldn't connect to server");
        self.die(sys, id, f)
    }

    fn connecting(&mut self, sys: &mut Sys, id: TcpId) -> Poll {
        if let Some(e) = tcp::error(sys.k, id) {
            return self.refused(sys, Some(id), e);
        }
        if tcp::state(sys.k, id) != State::Established {
            let deadline = self.deadline(true);
            if deadline.is_some_and(|d| sys.now() >= d) {
                let f = self.connect_failed(sys, 28, "Timeout was reached");
                return self.die(sys, Some(id), f);
            }
            return Poll::Wait(deadline);
        }
        let (host, ip, port) = (&self.url.host, self.dst, self.url.port);
        self.verbose(
            sys,
            &format!("* Connected to {host} ({ip}) port {port} (#0)"),
        );
        let req = request(&self.url, self.opts.head);
        if tcp::send(sys.k, sys.ctx, id, req.as_bytes()).is_err() {
            return self.die(sys, Some(id), fail(55, "Failed sending HTTP request"));
        }
        for line in req.split("\r\n").take_while(|l| !l.is_empty()) {
            self.verbose(sys, &format!("> {line}"));
        }
        self.verbose(sys, "> ");
        self.phase = Phase::Transfer(id);
        self.transfer(sys, id)
    }

    fn transfer(&mut self, sys: &mut Sys, id: TcpId) -> Poll {
        loop {
            match tcp::recv(sys.k, sys.ctx, id) {
                Recv::Data(d) => self.buf.extend_from_slice(&d),
                Recv::WouldBlock => break,
                Recv::Eof => {
                    self.eof = true;
                    break;
                }
                Recv::Error(e) => {
                    let f = fail(56, format!("Recv failure: {}", e.message()));
                    return self.die(sys, Some(id), f);
                }
            }
        }
        if self.body_at.is_none() {
            if let Err(f) = self.headers(sys) {
                return self.die(sys, Some(id), f);
            }
            // A step's stdout reaches the terminal before its stderr: print the body a step
            // later so that `-v` shows headers, then body, as curl does.
            if self.body_at.is_some() && self.opts.verbose {
                return Poll::Wait(Some(sys.now()));
            }
        }
        if self.eof || self.complete() {
            return self.finish(sys, id, self.eof);
        }
        let deadline = self.deadline(false);
        if deadline.is_some_and(|d| sys.now() >= d) {
            let f = fail(28, self.timed_out_text(sys));
            return self.die(sys, Some(id), f);
        }
        Poll::Wait(deadline)
    }

    fn timed_out_text(&self, sys: &Sys) -> String {
        let ms = self.elapsed_ms(sys);
        let got = self.body().len();
        let of = self.content_length.map(|t| format!(" out of {t}"));
        let of = of.unwrap_or_default();
        format!("Operation timed out after {ms} milliseconds with {got}{of} bytes received")
    }

    fn body(&self) -> &[u8] {
        self.body_at.map_or(&[][..], |at| &self.buf[at..])
    }

    /// The body is all there: a HEAD answer has none; else Content-Length says how much.
    fn complete(&self) -> bool {
        match (self.body_at, self.content_length) {
            (None, _) => false,
            (Some(_), _) if self.opts.head => true,
            (Some(_), Some(n)) => self.body().len() >= n,
            (Some(_), None) => false,
        }
    }

    /// Once the header block is in: checks it is HTTP, notes Content-Length and whether the
    /// server closes, and echoes it for -v as curl 7.88 does.
    fn headers(&mut self, sys: &mut Sys) -> Result<(), Fail> {
        if self.buf.len() >= 5 && !self.buf.starts_with(b"HTTP/") {
            return Err(fail(1, "Received HTTP/0.9 when not allowed"));
        }
        let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            return Ok(());
        };
        self.body_at = Some(end + 4);
        let text = String::from_utf8_lossy(&self.buf[..end]).into_owned();
        let http10 = text.starts_with("HTTP/1.0");
        self.closing = http10;
        self.verbose(sys, "* Mark bundle as not supporting multiuse");
        if http10 {
            self.verbose(sys, "* HTTP 1.0, assume close after body");
        }
        for line in text.split("\r\n") {
            self.verbose(sys, &format!("< {line}"));
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                self.content_length = value.parse().ok();
            } else if name.eq_ignore_ascii_case("connection") {
                self.closing |= value.eq_ignore_ascii_case("close");
            }
        }
        self.verbose(sys, "< ");
        Ok(())
    }

    /// Delivers what was asked for (-I: the headers, -i: both, else the body) and exits 0,
    /// whatever the HTTP status: curl fails on 4xx/5xx only with -f.
    fn finish(&mut self, sys: &mut Sys, id: TcpId, eof: bool) -> Poll {
        let Some(at) = self.body_at else {
            let f = match self.buf.is_empty() {
                true => fail(52, "Empty reply from server"),
                false => fail(8, "Weird server reply"),
            };
            return self.die(sys, Some(id), f);
        };
        let out = match (self.opts.head, self.opts.include) {
            (true, _) => &self.buf[..at],
            (false, true) => &self.buf[..],
            (false, false) => self.body(),
        };
        if let Err(f) = self.deliver(sys, out.to_vec()) {
            return self.die(sys, Some(id), f);
        }
        if let (Some(n), false) = (self.content_length, self.opts.head) {
            let have = self.body().len();
            if eof && have < n {
                let f = fail(
                    18,
                    format!("transfer closed with {} bytes remaining to read", n - have),
                );
                return self.die(sys, Some(id), f);
            }
        }
        tcp::close(sys.k, sys.ctx, id);
        match self.closing || eof {
            true => self.verbose(sys, "* Closing connection 0"),
            false => {
                let host = self.url.host.clone();
                self.verbose(sys, &format!("* Connection #0 to host {host} left intact"));
            }
        }
        Poll::Exit(0)
    }

    fn deliver(&self, sys: &mut Sys, data: Vec<u8>) -> Result<(), Fail> {
        match &self.opts.output {
            Some(path) if path != "-" => sys
                .k
                .write_file(path, &data, false)
                .map_err(|_| fail(23, "Failure writing output to destination")),
            _ => {
                sys.print(&String::from_utf8_lossy(&data));
                Ok(())
            }
        }
    }
}

impl Program for Curl {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        match self.phase {
            Phase::Start => self.start(sys),
            Phase::Connecting(id) => self.connecting(sys, id),
            Phase::Transfer(id) => self.transfer(sys, id),
        }
    }
}

#[cfg(test)]
#[path = "curl_tests.rs"]
mod tests;
