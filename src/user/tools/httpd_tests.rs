//! httpd between two hosts on a switch: a client program sends one request and records
//! everything it gets back, then `<EOF>` when the server closes (first: the client only
//! closes after seeing the end of stream).

use super::*;
use crate::kernel::process::{Poll, Program, Sys};
use crate::kernel::tcp::{self, Recv, TcpId};
use crate::sim::world::World;
use crate::sim::Time;
use smoltcp::socket::tcp::State;

const SERVER_IP: Ipv4Addr = Ipv4Addr::new(192, 168, 10, 11);

/// Client `a` (192.168.10.5) and server `b` (192.168.10.11) on a switch.
fn lan() -> World {
    let mut w = World::star(1, &["a", "b"], "sw").expect("lan");
    for (i, ip) in [(0, "192.168.10.5/24"), (1, "192.168.10.11/24")] {
        let h = w.host_mut(i).expect("host");
        let r = crate::user::tools::run_builtin(
            &mut h.kernel,
            Time::ZERO,
            &format!("ifconfig eth0 {ip}"),
        );
        assert_eq!(r.map(|r| r.2), Some(0));
    }
    w.refresh_hosts();
    w
}

/// Sends `req` in the given pieces (one per poll once connected), prints what comes back.
struct Client {
    port: u16,
    pieces: Vec<&'static [u8]>,
    id: Option<TcpId>,
}

impl Program for Client {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        let id = match self.id {
            Some(id) => id,
            None => match tcp::connect(sys.k, sys.ctx, sys.pid, SERVER_IP, self.port) {
                Ok(id) => *self.id.insert(id),
                Err(_) => return Poll::Exit(1),
            },
        };
        if tcp::error(sys.k, id).is_some() {
            sys.print("<ERROR>");
            return Poll::Exit(1);
        }
        if tcp::state(sys.k, id) == State::Established && !self.pieces.is_empty() {
            let p = self.pieces.remove(0);
            let _ = tcp::send(sys.k, sys.ctx, id, p);
            // Come back a little later for the next piece: a separate segment.
            return Poll::Wait(Some(sys.now() + 1_000_000));
        }
        loop {
            match tcp::recv(sys.k, sys.ctx, id) {
                Recv::Data(d) => sys.print(&String::from_utf8_lossy(&d)),
                Recv::WouldBlock => return Poll::Wait(None),
                Recv::Eof => {
                    sys.print("<EOF>");
                    tcp::close(sys.k, sys.ctx, id);
                    return Poll::Exit(0);
                }
                Recv::Error(_) => {
                    sys.print("<ERROR>");
                    return Poll::Exit(1);
                }
            }
        }
    }
}

fn terminal(w: &World, node: usize, pid: u32) -> (String, Option<i32>) {
    let p = w
        .host(node)
        .and_then(|h| h.kernel.procs.procs.get(&pid))
        .expect("proc");
    (p.terminal.clone(), p.status)
}

fn start_httpd(w: &mut World, line: &str) -> u32 {
    let args: Vec<String> = line.split_whitespace().map(String::from).collect();
    let pid = w
        .spawn(1, "httpd", line, spawn(&args), true)
        .expect("spawn");
    w.run_until(w.now + 1_000_000, 100_000).expect("run");
    pid
}

/// Runs one request against b:80 and returns what the client printed.
fn fetch(w: &mut World, pieces: Vec<&'static [u8]>) -> String {
    let (out, status) = fetch_status(w, pieces);
    assert_eq!(status, Some(0), "{out}");
    out
}

fn fetch_status(w: &mut World, pieces: Vec<&'static [u8]>) -> (String, Option<i32>) {
    let cli = Client {
        port: 80,
        pieces,
        id: None,
    };
    let pid = w
        .spawn(0, "cli", "cli", Box::new(cli), false)
        .expect("spawn");
    w.run_until(w.now + 3_000_000_000, 100_000).expect("run");
    terminal(w, 0, pid)
}

fn access_log(w: &World) -> String {
    let data = w
        .host(1)
        .expect("host")
        .kernel
        .read_file(LOG)
        .unwrap_or_default();
    String::from_utf8_lossy(&data).into_owned()
}

fn reasons(w: &World) -> String {
    w.reasons()
}

#[test]
fn default_page_names_the_host_and_the_server_closes_first() {
    let mut w = lan();
    let spid = start_httpd(&mut w, "httpd");
    // As bash sends it: the request line, then the blank line, in two segments.
    let out = fetch(&mut w, vec![b"GET / HTTP/1.0\n", b"\n"]);
    let body = "<html><body><h1>b</h1></body></html>\n";
    let head = format!(
        "HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11.2\r\nDate: Wed, 25 Nov 2026 00:00:00 GMT\r\nContent-type: text/html\r\nContent-Length: {}\r\nLast-Modified: Wed, 25 Nov 2026 00:00:00 GMT\r\n\r\n",
        body.len()
    );
    assert_eq!(out, format!("{head}{body}<EOF>"));
    assert_eq!(
        access_log(&w),
        "192.168.10.5 - - [25/Nov/2026 00:00:00] \"GET / HTTP/1.0\" 200 -\n"
    );
    let r = reasons(&w);
    assert!(
        r.contains(&format!(
            "b httpd: GET / from 192.168.10.5: 200 ({} bytes)",
            body.len()
        )),
        "{r}"
    );
    assert!(
        r.contains("ESTABLISHED → FIN_WAIT1"),
        "the server closes first: {r}"
    );
    // A daemon: silent, still running.
    assert_eq!(terminal(&w, 1, spid), (String::new(), None));
}

#[test]
fn serves_a_file_and_head_sends_no_body() {
    let mut w = lan();
    let page = b"<h1>Hello from rs1</h1>\n";
    w.host_mut(1)
        .expect("host")
        .kernel
        .write_file("/var/www/html/index.html", page, false)
        .expect("write");
    w.host_mut(1)
        .expect("host")
        .kernel
        .write_file("/var/www/html/a.txt", b"hi\n", false)
        .expect("write");
    start_httpd(&mut w, "httpd");
    let out = fetch(&mut w, vec![b"GET / HTTP/1.1\r\nHost: b\r\n\r\n"]);
    assert!(out.starts_with("HTTP/1.0 200 OK\r\n"), "{out}");
    assert!(out.contains("Content-Length: 24\r\n"), "{out}");
    assert!(
        out.ends_with("\r\n\r\n<h1>Hello from rs1</h1>\n<EOF>"),
        "HTTP/1.1 too is closed: {out}"
    );
    let out = fetch(&mut w, vec![b"GET /a.txt HTTP/1.0\r\n\r\n"]);
    assert!(
        out.contains("Content-type: text/plain\r\n") && out.ends_with("\r\n\r\nhi\n<EOF>"),
        "{out}"
    );
    let out = fetch(&mut w, vec![b"HEAD / HTTP/1.0\r\n\r\n"]);
    assert!(
        out.contains("Content-Length: 24\r\n") && out.ends_with("\r\n\r\n<EOF>"),
        "{out}"
    );
}

#[test]
fn errors_404_501_400_and_413() {
    let mut w = lan();
    start_httpd(&mut w, "httpd");
    let out = fetch(&mut w, vec![b"GET /nope.html HTTP/1.0\r\n\r\n"]);
    assert!(out.starts_with("HTTP/1.0 404 File not found\r\n"), "{out}");
    assert!(
        out.contains("Connection: close\r\nContent-Type: text/html;charset=utf-8\r\n"),
        "{out}"
    );
    assert!(
        out.contains("<p>Error code: 404</p>") && out.ends_with("</html>\n<EOF>"),
        "{out}"
    );
    assert!(access_log(&w).ends_with("code 404, message File not found\n192.168.10.5 - - [25/Nov/2026 00:00:00] \"GET /nope.html HTTP/1.0\" 404 -\n"));
    let out = fetch(&mut w, vec![b"POST / HTTP/1.0\r\n\r\n"]);
    assert!(
        out.starts_with("HTTP/1.0 501 Unsupported method ('POST')\r\n"),
        "{out}"
    );
    let out = fetch(&mut w, vec![b"garbage\n\n"]);
    assert!(
        out.starts_with("HTTP/1.0 400 Bad request syntax ('garbage')\r\n"),
        "{out}"
    );
    let out = fetch(&mut w, vec![b"GET /../../etc/hostname HTTP/1.0\n\n"]);
    assert!(
        out.starts_with("HTTP/1.0 404 "),
        "no escape from the document root: {out}"
    );
    // More than the cap, in pieces that fit the client's send buffer. The server answers and
    // closes with bytes unread, so the client may see a reset after the answer, as on Linux.
    let big: &'static [u8] = Box::leak(vec![b'x'; 40_000].into_boxed_slice());
    let (out, _) = fetch_status(&mut w, vec![big, big]);
    assert!(
        out.starts_with("HTTP/1.0 413 Request Entity Too Large\r\n"),
        "{out}"
    );
}

#[test]
fn a_second_httpd_on_the_same_port_fails_and_options_work() {
    let mut w = lan();
    start_httpd(&mut w, "httpd -p 8080 -d /srv");
    let pid = start_httpd(&mut w, "httpd -p 8080");
    assert_eq!(
        terminal(&w, 1, pid),
        ("httpd: bind: Address already in use\n".to_string(), Some(1))
    );
    w.host_mut(1)
        .expect("host")
        .kernel
        .vfs
        .mkdir("/srv")
        .expect("mkdir");
    w.host_mut(1)
        .expect("host")
        .kernel
        .write_file("/srv/f.bin", b"\x01\x02", false)
        .expect("write");
    let cli = Client {
        port: 8080,
        pieces: vec![b"GET /f.bin HTTP/1.0\n\n"],
        id: None,
    };
    let cpid = w
        .spawn(0, "cli", "cli", Box::new(cli), false)
        .expect("spawn");
    w.run_until(w.now + 3_000_000_000, 100_000).expect("run");
    let out = terminal(&w, 0, cpid).0;
    assert!(
        out.contains("Content-type: application/octet-stream\r\nContent-Length: 2\r\n"),
        "{out}"
    );
    let pid = start_httpd(&mut w, "httpd -x");
    assert_eq!(terminal(&w, 1, pid), (USAGE.to_string(), Some(2)));
}

#[test]
fn header_parsing_never_panics() {
    assert_eq!(header_end(b"GET / HTTP/1.0\n\n"), Some(16));
    assert_eq!(header_end(b"GET / HTTP/1.0\r\n\r\nrest"), Some(18));
    assert_eq!(header_end(b"\n\n"), Some(2));
    assert_eq!(header_end(b"GET / HTTP/1.0\r\n"), None);
    for junk in [
        &b""[..],
        b"\xff\xfe\n",
        b"GET",
        b"GET / HTTP/x.y",
        b"   \r\n",
    ] {
        let _ = parse_request(junk);
    }
    assert_eq!(
        translate("/var/www/html/", "/a/../b/./c?q=1#f"),
        "/var/www/html/a/b/c"
    );
}
