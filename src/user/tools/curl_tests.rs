//! curl's parsers and messages directly, then end to end against a tiny HTTP/1.0 server on
//! a switched LAN: a (10.0.0.1, curl), b (10.0.0.2, server), c (10.0.0.3, does not forward).

use super::*;
use crate::kernel::process::{Poll, Program, Sys};
use crate::sim::world::World;
use crate::sim::Time;

fn argv(line: &str) -> Vec<String> {
    line.split_whitespace().map(String::from).collect()
}

#[test]
fn parses_flags_clusters_and_values() {
    let o = parse(&argv(
        "curl -sv -I -o/tmp/x -m 2.5 --connect-timeout 1 http://b/",
    ))
    .unwrap();
    assert!(o.silent && o.verbose && o.head);
    assert_eq!(o.output.as_deref(), Some("/tmp/x"));
    assert_eq!((o.max_time, o.connect_timeout), (Some(2.5), Some(1.0)));
    assert_eq!(o.url, "http://b/");
    let o = parse(&argv("curl -so out b")).unwrap();
    assert_eq!((o.output.as_deref(), o.url.as_str()), (Some("out"), "b"));
}

#[test]
fn option_errors_are_curls() {
    let try_ = "curl: try 'curl --help' or 'curl --manual' for more information\n";
    let e = |l: &str| parse(&argv(l)).unwrap_err();
    assert_eq!(e("curl"), (2, format!("curl: no URL specified!\n{try_}")));
    assert_eq!(
        e("curl -x b"),
        (2, format!("curl: option -x: is unknown\n{try_}"))
    );
    assert_eq!(
        e("curl --bogus b").1,
        format!("curl: option --bogus: is unknown\n{try_}")
    );
    assert_eq!(
        e("curl b -o").1,
        format!("curl: option -o: requires parameter\n{try_}")
    );
    let m = "curl: option -m: expected a proper numerical parameter\n";
    assert_eq!(e("curl -m x b").1, format!("{m}{try_}"));
}

#[test]
fn parses_urls() {
    let u = parse_url("http://www:8080/a/b?q=1#frag").unwrap();
    assert_eq!(
        (u.host.as_str(), u.port, u.path.as_str()),
        ("www", 8080, "/a/b?q=1")
    );
    assert_eq!(u.host_header(), "www:8080");
    let u = parse_url("10.0.0.2").unwrap();
    assert_eq!(
        (u.port, u.path.as_str(), u.host_header()),
        (80, "/", "10.0.0.2".into())
    );
    assert_eq!(parse_url("HTTP://u:p@b?x").unwrap().path, "/?x");
    let bad = fail(3, "URL using bad/illegal format or missing URL");
    for u in [
        "http://",
        "http://:80/",
        "http://b:x/",
        "http://b:99999",
        "://b",
        "a b",
        "http://é/",
    ] {
        assert_eq!(parse_url(u), Err(fail(3, bad.msg.clone())), "{u}");
    }
    assert_eq!(
        parse_url("https://b/"),
        Err(fail(1, "Protocol \"https\" not supported"))
    );
}

#[test]
fn builds_the_request_curl_sends() {
    let u = parse_url("http://www/index.html").unwrap();
    assert_eq!(
        request(&u, false),
        "GET /index.html HTTP/1.1\r\nHost: www\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"
    );
    assert!(request(&u, true).starts_with("HEAD /index.html HTTP/1.1\r\n"));
}

/// Listens on `port`; to each connection, after the blank line, answers a fixed HTTP/1.0
/// reply and closes (as a 1.0 server does), unless `mute` (a hung server, for -m).
#[derive(Default)]
struct Server {
    port: u16,
    mute: bool,
    listener: Option<TcpId>,
    conns: Vec<(TcpId, Vec<u8>)>,
}

impl Program for Server {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        let lid = match self.listener {
            Some(l) => l,
            None => *self
                .listener
                .insert(tcp::listen(sys.k, sys.pid, None, self.port, 8).expect("listen")),
        };
        while let Some(c) = tcp::accept(sys.k, sys.pid, lid) {
            self.conns.push((c, Vec::new()));
        }
        for (c, got) in &mut self.conns {
            while let Recv::Data(d) = tcp::recv(sys.k, sys.ctx, *c) {
                got.extend_from_slice(&d);
            }
            if got.ends_with(b"\r\n\r\n") && !self.mute {
                got.clear();
                let reply = b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello";
                let _ = tcp::send(sys.k, sys.ctx, *c, reply);
                tcp::close(sys.k, sys.ctx, *c);
            }
        }
        Poll::Wait(None)
    }
}

/// Runs a builtin (ifconfig, route) on a node at time zero.
fn builtin(w: &mut World, node: usize, line: &str) {
    let h = w.host_mut(node).expect("host");
    let r = crate::user::tools::run_builtin(&mut h.kernel, Time::ZERO, line).expect("a builtin");
    assert_eq!(r.2, 0, "{line}: {}", r.1);
}

fn lan() -> World {
    let mut w = World::star(1, &["a", "b", "c"], "sw").expect("lan");
    for (i, ip) in ["10.0.0.1/24", "10.0.0.2/24", "10.0.0.3/24"]
        .iter()
        .enumerate()
    {
        builtin(&mut w, i, &format!("ifconfig eth0 {ip}"));
    }
    // c has forwarding off, so what a sends this way vanishes: SYNs go unanswered.
    builtin(&mut w, 0, "route add -host 10.9.9.9 gw 10.0.0.3");
    w.refresh_hosts();
    for (port, mute) in [(80, false), (8080, true)] {
        let srv = Server {
            port,
            mute,
            ..Server::default()
        };
        w.spawn(1, "srv", "srv", Box::new(srv), true)
            .expect("server");
    }
    w
}

/// Runs `line` as curl on a; its terminal (stdout, then stderr, per step) and exit status.
fn curl(w: &mut World, line: &str) -> (String, i32) {
    let pid = w
        .spawn(0, "curl", line, spawn(&argv(line)), false)
        .expect("spawn");
    let deadline = w.now + 200_000_000_000;
    w.run_until_exit(0, pid, deadline, 1_000_000).expect("run");
    let p = w
        .host(0)
        .and_then(|h| h.kernel.procs.procs.get(&pid))
        .expect("proc");
    (p.terminal.clone(), p.status.expect("curl exited"))
}

#[test]
fn fetches_a_page() {
    let mut w = lan();
    assert_eq!(curl(&mut w, "curl http://b/"), ("hello".into(), 0));
    assert_eq!(curl(&mut w, "curl -s 10.0.0.2"), ("hello".into(), 0));
}

#[test]
fn verbose_prints_curls_lines() {
    let mut w = lan();
    let (out, code) = curl(&mut w, "curl -v http://b/");
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    let want = [
        "*   Trying 10.0.0.2:80...",
        "* Connected to b (10.0.0.2) port 80 (#0)",
        "> GET / HTTP/1.1",
        "> Host: b",
        "> User-Agent: curl/7.88.1",
        "> Accept: */*",
        "> ",
        "* Mark bundle as not supporting multiuse",
        "* HTTP 1.0, assume close after body",
        "< HTTP/1.0 200 OK",
        "< Content-Length: 5",
        "< ",
        // The body has no newline of its own, so curl's next line follows it, as in a terminal.
        "hello* Closing connection 0",
    ];
    assert_eq!(lines, want, "{out}");
}

#[test]
fn head_prints_headers_and_o_writes_the_file() {
    let mut w = lan();
    let (out, code) = curl(&mut w, "curl -I http://b/");
    assert_eq!(
        (out.as_str(), code),
        ("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n", 0)
    );
    assert_eq!(
        curl(&mut w, "curl -s -o /tmp/page http://b/"),
        (String::new(), 0)
    );
    let file = w.host(0).map(|h| h.kernel.read_file("/tmp/page"));
    assert_eq!(file, Some(Ok(b"hello".to_vec())));
}

#[test]
fn connection_failures() {
    let mut w = lan();
    let refused =
        "curl: (7) Failed to connect to b port 81 after 0 ms: Couldn't connect to server\n";
    assert_eq!(curl(&mut w, "curl http://b:81/"), (refused.into(), 7));
    assert_eq!(curl(&mut w, "curl -s http://b:81/"), (String::new(), 7));
    let (out, _) = curl(&mut w, "curl -v b:81");
    assert!(
        out.contains("* connect to 10.0.0.2 port 81 failed: Connection refused\n"),
        "{out}"
    );
    assert!(
        out.ends_with(&format!("* Closing connection 0\n{refused}")),
        "{out}"
    );
    let unknown = "curl: (6) Could not resolve host: nosuch\n";
    assert_eq!(curl(&mut w, "curl nosuch"), (unknown.into(), 6));
    let noroute =
        "curl: (7) Failed to connect to 10.1.2.3 port 80 after 0 ms: Couldn't connect to server\n";
    assert_eq!(curl(&mut w, "curl 10.1.2.3"), (noroute.into(), 7));
    let https = "curl: (1) Protocol \"https\" not supported\n";
    assert_eq!(curl(&mut w, "curl https://b/"), (https.into(), 1));
}

#[test]
fn timeouts_exit_28() {
    let mut w = lan();
    let t = "curl: (28) Failed to connect to 10.9.9.9 port 80 after 2000 ms: Timeout was reached\n";
    assert_eq!(curl(&mut w, "curl -m 2 10.9.9.9"), (t.into(), 28));
    let t = t.replace("2000", "1500");
    assert_eq!(
        curl(&mut w, "curl --connect-timeout 1.5 -m 9 http://10.9.9.9/"),
        (t, 28)
    );
    // Without -m the kernel gives up after tcp_syn_retries: ETIMEDOUT, reported as 28 too.
    let (out, code) = curl(&mut w, "curl 10.9.9.9");
    assert_eq!(code, 28, "{out}");
    assert!(
        out.starts_with("curl: (28) Failed to connect to 10.9.9.9 port 80 after "),
        "{out}"
    );
    assert!(out.ends_with(" ms: Couldn't connect to server\n"), "{out}");
    let t = "curl: (28) Operation timed out after 1000 milliseconds with 0 bytes received\n";
    assert_eq!(curl(&mut w, "curl -m 1 b:8080"), (t.into(), 28));
}

#[test]
fn never_panics_on_odd_input() {
    for line in [
        "curl -",
        "curl --",
        "curl -o",
        "curl -m -1 b",
        "curl ::::",
        "curl http://b:/",
        "curl @",
    ] {
        let _ = parse(&argv(line)).map(|o| parse_url(&o.url));
    }
}
