//! `genhash` (keepalived 2.2.7): fetches a URL as HTTP_GET does and prints the MD5 of the
//! body, the value a url block's `digest` compares. It hashes whatever status came back,
//! prints "Connection failed" when it could not connect, and exits 0 either way (1 only for
//! a usage error). `-v` shows the header and body as hex dumps, then the hash.

use crate::kernel::process::{Poll, Program, Sys};
use crate::kernel::tcp::{self, Recv, TcpId};
use crate::sim::Time;
use crate::user::keepalived::check::probe::{md5_hex, request, split_reply};
use smoltcp::socket::tcp::State;
use std::fmt::Write;
use std::net::Ipv4Addr;

/// genhash_usage's text after its first line (which names the program).
const USAGE: &str = "Commands:
   -s server-address -p port -u url
   -S -s server-address -p port -u url
   -h

Options:
Either long or short options are allowed.
   --use-ssl         -S       Use SSL connection to remote server.
   --use-sni         -I       Use SNI during SSL handshake (uses virtualhost setting; see -V).
   --server          -s       Use the specified remote server address.
   --port            -p       Use the specified remote server port.
   --url             -u       Use the specified remote server url.
   --use-virtualhost -V       Use the specified virtualhost in GET query.
   --verbose         -v       Use verbose mode output.
   --help            -h       Display this short inlined help screen.
   --fwmark          -m       Use the specified FW mark.
   --protocol        -P       Use the specified HTTP protocol - '1.0', 1.0c', '1.1'.
                                1.0c means 1.0 with 'Connection: close'
   --timeout         -t       Timeout in seconds
";

struct Opts {
    server: Ipv4Addr,
    port: u16,
    url: String,
    vhost: Option<String>,
    verbose: bool,
    timeout: Option<u64>,
}

struct Genhash {
    /// The options, without the program name (or keepalived's `-T`).
    args: Vec<String>,
    /// What the usage line calls us: `genhash`, or `keepalived --genhash` for `keepalived -T`.
    prog: String,
    /// keepalived's complaint when `-T` was not its first option, printed first.
    warning: Option<String>,
    run: Option<Run>,
}

struct Run {
    o: Opts,
    conn: TcpId,
    sent: bool,
    reply: Vec<u8>,
    started: Time,
}

pub fn spawn(args: &[String]) -> Box<dyn Program> {
    Box::new(Genhash {
        args: args.get(1..).unwrap_or_default().to_vec(),
        prog: "genhash".into(),
        warning: None,
        run: None,
    })
}

/// `keepalived -T …` (or `--genhash`), `args[at]` being that option: genhash's mode of
/// keepalived, reading the options after it. Options before it are ignored, with main.c's
/// warning.
pub fn spawn_from_keepalived(args: &[String], at: usize) -> Box<dyn Program> {
    let name = if args[at] == "-T" { "-T" } else { "genhash" };
    Box::new(Genhash {
        args: args.get(at + 1..).unwrap_or_default().to_vec(),
        prog: format!("{} --genhash", args[0]),
        warning: (at > 1).then(|| {
            format!("Warning -- `{name}` not used as first option, previous options ignored\n")
        }),
        run: None,
    })
}

/// Err means: print the usage (to standard error, exit 1, as genhash_usage is followed).
fn parse(args: &[String]) -> Result<Opts, ()> {
    let (mut server, mut port, mut url) = (None, None, None);
    let mut o = Opts {
        server: Ipv4Addr::UNSPECIFIED,
        port: 0,
        url: String::new(),
        vhost: None,
        verbose: false,
        timeout: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || it.next().cloned().ok_or(());
        match a.as_str() {
            "-s" | "--server" => server = Some(val()?),
            "-p" | "--port" => port = Some(val()?),
            "-u" | "--url" => url = Some(val()?),
            "-V" | "--use-virtualhost" => o.vhost = Some(val()?),
            "-t" | "--timeout" => o.timeout = val()?.parse().ok(),
            "-P" | "--protocol" | "-m" | "--fwmark" => {
                val()?;
            }
            "-v" | "--verbose" => o.verbose = true,
            _ => return Err(()),
        }
    }
    o.server = server.and_then(|s| s.parse().ok()).ok_or(())?;
    o.port = port.and_then(|p| p.parse().ok()).ok_or(())?;
    o.url = url.ok_or(())?;
    Ok(o)
}

impl Program for Genhash {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        if self.run.is_none() {
            if let Some(w) = self.warning.take() {
                sys.eprint(&w);
            }
            let o = match parse(&self.args) {
                Ok(o) => o,
                Err(()) => {
                    sys.eprint(&format!("Usage: {} COMMAND [OPTIONS]\n{USAGE}", self.prog));
                    return Poll::Exit(1);
                }
            };
            match tcp::connect(sys.k, sys.ctx, sys.pid, o.server, o.port) {
                Ok(conn) => {
                    self.run = Some(Run {
                        o,
                        conn,
                        sent: false,
                        reply: Vec::new(),
                        started: sys.now(),
                    })
                }
                Err(_) => return Poll::Exit(failed(sys, &o, Time::ZERO)),
            }
        }
        let Some(r) = self.run.as_mut() else {
            return Poll::Exit(1);
        };
        r.step(sys)
    }
}

impl Run {
    fn step(&mut self, sys: &mut Sys) -> Poll {
        let elapsed = sys.now() - self.started;
        let deadline = self.o.timeout.map(|t| self.started + t * 1_000_000_000);
        if deadline.is_some_and(|d| sys.now() >= d) {
            tcp::close(sys.k, sys.ctx, self.conn);
            return Poll::Exit(failed(sys, &self.o, Time(elapsed)));
        }
        if !self.sent {
            if tcp::error(sys.k, self.conn).is_some() {
                return Poll::Exit(failed(sys, &self.o, Time(elapsed)));
            }
            if tcp::state(sys.k, self.conn) != State::Established {
                return Poll::Wait(deadline);
            }
            let host = self
                .o
                .vhost
                .clone()
                .unwrap_or_else(|| format!("{}:{}", self.o.server, self.o.port));
            let _ = tcp::send(sys.k, sys.ctx, self.conn, &request(&self.o.url, &host));
            self.sent = true;
        }
        loop {
            match tcp::recv(sys.k, sys.ctx, self.conn) {
                Recv::Data(d) => self.reply.extend_from_slice(&d),
                Recv::WouldBlock => return Poll::Wait(deadline),
                Recv::Eof | Recv::Error(_) => break,
            }
        }
        tcp::close(sys.k, sys.ctx, self.conn);
        if self.reply.is_empty() {
            sys.eprint("no data received from remote webserver\n");
            return Poll::Exit(0);
        }
        let (head, body) = split_reply(&self.reply);
        let hash = md5_hex(body);
        if self.o.verbose {
            let text = verbose(head.as_bytes(), body, &hash, &self.o.url, elapsed);
            sys.print(&text);
        } else {
            sys.print(&format!("{hash}\n"));
        }
        Poll::Exit(0)
    }
}

fn failed(sys: &mut Sys, o: &Opts, elapsed: Time) -> i32 {
    sys.print("Connection failed\n");
    if o.verbose {
        sys.print(&format!(
            "\nGlobal response time for [{}] = {} usecs\n",
            o.url,
            elapsed.0 / 1_000
        ));
    }
    0
}

const DELIM: &str = "-----------------------";

fn banner(o: &mut String, title: &str) {
    let _ = writeln!(o, "{DELIM}[{title}]{DELIM}");
}

/// The verbose layout: banners, 16-byte hex lines with decimal offsets.
fn verbose(head: &[u8], body: &[u8], hash: &str, url: &str, elapsed: u64) -> String {
    let mut o = String::new();
    banner(&mut o, "    HTTP Header Buffer    ");
    hexdump(&mut o, head);
    banner(&mut o, " HTTP Header Ascii Buffer ");
    let _ = writeln!(o, "{}", String::from_utf8_lossy(head).replace('\r', ""));
    banner(&mut o, "        HTML Buffer        ");
    hexdump(&mut o, body);
    o.push('\n');
    banner(&mut o, "    HTML hash resulting    ");
    let digest: Vec<u8> = (0..hash.len() / 2)
        .filter_map(|i| u8::from_str_radix(&hash[2 * i..2 * i + 2], 16).ok())
        .collect();
    hexdump(&mut o, &digest);
    banner(&mut o, " HTML hash final resulting ");
    let _ = writeln!(o, "{hash}\n");
    let _ = writeln!(
        o,
        "Global response time for [{url}] = {} usecs",
        elapsed / 1_000
    );
    o
}

fn hexdump(o: &mut String, data: &[u8]) {
    for (n, chunk) in data.chunks(16).enumerate() {
        let mut hex = String::new();
        for i in 0..16 {
            if i == 8 {
                hex.push_str("- ");
            }
            match chunk.get(i) {
                Some(b) => {
                    let _ = write!(hex, "{b:02x} ");
                }
                None => hex.push_str("   "),
            }
        }
        let ascii: String = chunk
            .iter()
            .map(|&b| {
                if (0x20..0x7f).contains(&b) {
                    b as char
                } else {
                    '.'
                }
            })
            .collect();
        let _ = writeln!(o, "{:04}  {hex}  {ascii}", n * 16);
    }
}
