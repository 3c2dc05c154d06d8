//! TCP (print-tcp.c): the header, the option list, and the first line of HTTP on ports
//! 80/8080 (print-http.c); and the diagram label of a segment.
use super::{be16, Res};
use core::fmt::Write;
use core::net::Ipv4Addr;
use smoltcp::wire::TcpPacket;

pub(super) fn tcp(o: &mut String, b: &[u8], length: usize, ips: (Ipv4Addr, Ipv4Addr)) -> Res {
    let (src, dst) = ips;
    if b.len() < 4 {
        w!(o, "{src} > {dst}:");
        return Err("tcp");
    }
    let (sp, dp) = (be16(b, 0, "tcp")?, be16(b, 2, "tcp")?);
    w!(o, "{src}.{sp} > {dst}.{dp}: ");
    if b.len() < 20 {
        return Err("tcp");
    }
    // The fixed header is present, so the accessors are in bounds; options are checked below.
    let t = TcpPacket::new_unchecked(b);
    let hl = t.header_len() as usize;
    if hl < 20 {
        let n = (length as u32).wrapping_sub(hl as u32);
        return done!(o, " tcp {n} [bad hdr length {hl} - too short, < 20]");
    }
    let f = flags(&t, ["F", "S", "R", "P", ".", "U", "E", "W"], "");
    w!(o, "Flags [{}]", if f.is_empty() { "none" } else { &f });
    if hl > length {
        return done!(o, " [bad hdr length {hl} - too long, > {length}]");
    }
    let (dlen, seq) = (length - hl, t.seq_number().0 as u32);
    if dlen > 0 || t.syn() || t.fin() || t.rst() {
        w!(o, ", seq {seq}");
        if dlen > 0 {
            w!(o, ":{}", seq.wrapping_add(dlen as u32));
        }
    }
    if t.ack() {
        w!(o, ", ack {}", t.ack_number().0 as u32);
    }
    w!(o, ", win {}", t.window_len());
    if t.urg() {
        w!(o, ", urg {}", t.urgent_at());
    }
    if hl > 20 && !tcp_opts(o, &b[20..hl.min(b.len())], hl - 20) {
        return Ok(()); // tcpdump ends the line after "[bad opt]" or a truncation
    }
    w!(o, ", length {dlen}");
    if dlen > 0 && [sp, dp].iter().any(|p| [80, 8080].contains(p)) {
        http(o, b.get(hl..).unwrap_or_default());
    }
    Ok(())
}

/// The set flags, named from `names` in bit order (FIN SYN RST PSH ACK URG ECE CWR), which is
/// also the order tcpdump prints them in.
fn flags(t: &TcpPacket<&[u8]>, names: [&str; 8], sep: &str) -> String {
    let bits = [
        t.fin(),
        t.syn(),
        t.rst(),
        t.psh(),
        t.ack(),
        t.urg(),
        t.ece(),
        t.cwr(),
    ];
    let on: Vec<&str> = names
        .into_iter()
        .zip(bits)
        .filter(|f| f.1)
        .map(|f| f.0)
        .collect();
    on.join(sep)
}

/// Why the option list stopped early: an inconsistent length or the end of the capture.
enum Stop {
    Bad,
    Trunc,
}

/// The option list; false if tcpdump stopped the whole line inside it.
fn tcp_opts(o: &mut String, cap: &[u8], hlen: usize) -> bool {
    o.push_str(", options [");
    let mut done = 0; // options fully printed: tcpdump closes the list only after one
    let (text, more) = match opts_loop(o, cap, hlen, &mut done) {
        Ok(()) => ("]", true),
        Err(Stop::Bad) => (if done > 0 { "[bad opt]]" } else { "[bad opt]" }, false),
        Err(Stop::Trunc) => (if done > 0 { " [|tcp]>" } else { " [|tcp]" }, false),
    };
    o.push_str(text);
    more
}

/// tcpdump's option names (tcp_option_values).
fn opt_name(opt: u8) -> Option<&'static str> {
    match opt {
        0..=8 => "eol nop mss wscale sackOK sack echo echoreply TS"
            .split(' ')
            .nth(opt as usize),
        11 => Some("cc"),
        12 => Some("ccnew"),
        13 => Some(""), // CC.ECHO has an empty name in tcpdump
        19 => Some("md5"),
        20 => Some("scps"),
        28 => Some("uto"),
        29 => Some("tcp-ao"),
        30 => Some("mptcp"),
        34 => Some("tfo"),
        254 => Some("exp"),
        _ => None,
    }
}

fn opts_loop(o: &mut String, cap: &[u8], mut hlen: usize, done: &mut usize) -> Result<(), Stop> {
    let mut i = 0;
    let byte = |i: usize| cap.get(i).copied().ok_or(Stop::Trunc);
    while hlen > 0 {
        o.push_str(if *done > 0 { "," } else { "" });
        let (opt, len) = match byte(i)? {
            x @ (0 | 1) => (x, 1),
            x if (2..=hlen).contains(&(byte(i + 1)? as usize)) => (x, byte(i + 1)? as usize),
            _ => return Err(Stop::Bad),
        };
        i += len.min(2);
        hlen -= len.min(2);
        match opt_name(opt) {
            Some(n) => o.push_str(n),
            None => w!(o, "unknown-{opt}"),
        }
        // LENCHECK: n data bytes must fit the header (else bad) and the capture (else cut).
        let need = |n: usize| match (n > hlen, i + n > cap.len()) {
            (true, _) => Err(Stop::Bad),
            (_, true) => Err(Stop::Trunc),
            _ => Ok(&cap[i..i + n]),
        };
        let be = |d: &[u8]| d.iter().fold(0u32, |v, &x| (v << 8) | x as u32);
        let datalen = match opt {
            0 | 1 | 4 => 0,
            // mss (2 bytes), wscale (1), the echo/cc family (4)
            2 | 3 | 6 | 7 | 11..=13 => {
                let n = match opt {
                    2 => 2,
                    3 => 1,
                    _ => 4,
                };
                w!(o, " {}", be(need(n)?));
                n
            }
            8 => {
                let d = need(8)?;
                w!(o, " val {} ecr {}", be(&d[..4]), be(&d[4..]));
                8
            }
            5 if (len - 2) % 8 != 0 => {
                o.push_str(" invalid sack");
                len - 2
            }
            5 => {
                w!(o, " {} ", (len - 2) / 8);
                for k in (0..len - 2).step_by(8) {
                    let d = &need(k + 8)?[k..];
                    w!(o, "{{{}:{}}}", be(&d[..4]), be(&d[4..]));
                }
                len - 2
            }
            _ => {
                o.push_str(if len > 2 { " 0x" } else { "" });
                for k in 0..len - 2 {
                    w!(o, "{:02x}", need(k + 1)?[k]);
                }
                len - 2
            }
        };
        i += datalen;
        hlen = hlen.saturating_sub(datalen);
        if datalen + len.min(2) != len {
            w!(o, "[len {len}]");
        }
        *done += 1;
        if opt == 0 {
            break;
        }
    }
    Ok(())
}

/// The request methods of tcpdump's HTTP printer (httpcmds in print-http.c).
const HTTP_CMDS: &str = "GET PUT COPY HEAD LOCK MOVE POLL POST BCOPY BMOVE MKCOL TRACE LABEL \
    MERGE DELETE SEARCH UNLOCK REPORT UPDATE NOTIFY BDELETE CONNECT OPTIONS CHECKIN PROPFIND \
    CHECKOUT CCM_POST SUBSCRIBE PROPPATCH BPROPFIND BPROPPATCH UNCHECKOUT MKACTIVITY \
    MKWORKSPACE UNSUBSCRIBE RPC_CONNECT VERSION-CONTROL BASELINE-CONTROL";

/// http_print/txtproto_print: "HTTP", then the first line when the segment starts a request
/// (known method first) or a response (3-digit code second); other segments are body.
fn http(o: &mut String, b: &[u8]) {
    o.push_str(": HTTP");
    let Some((t1, next)) = token(b, 0) else {
        return;
    };
    let code =
        token(b, next).is_some_and(|(t, _)| t.len() == 3 && t.bytes().all(|c| c.is_ascii_digit()));
    if !HTTP_CMDS
        .split_whitespace()
        .any(|c| c.eq_ignore_ascii_case(t1))
        && !code
    {
        return;
    }
    // print_txt_line: up to LF or CRLF; binary data or a lone CR prints nothing.
    let text = |n: usize| String::from_utf8_lossy(&b[..n]).into_owned();
    match b
        .iter()
        .position(|&c| !(c == b'\t' || (0x20..0x7f).contains(&c)))
    {
        None => w!(o, ": {} [|http]", text(b.len())), // the line goes on in the next segment
        Some(k) if b[k] == b'\n' || b[k..].starts_with(b"\r\n") => w!(o, ": {}", text(k)),
        Some(_) => {}
    }
}

/// fetch_token: a printable token (< 128 chars) at `i`, and the index after the blanks that
/// follow it; None for an empty token or binary data.
fn token(b: &[u8], i: usize) -> Option<(&str, usize)> {
    let rest = b.get(i..)?;
    let n = rest
        .iter()
        .position(|c| b" \t\r\n".contains(c))
        .unwrap_or(rest.len());
    if n == 0 || n >= 128 || !rest[..n].iter().all(|c| (0x21..0x7f).contains(c)) {
        return None;
    }
    let blanks = rest[n..]
        .iter()
        .take_while(|&&c| c == b' ' || c == b'\t')
        .count();
    Some((core::str::from_utf8(&rest[..n]).ok()?, i + n + blanks))
}

const FLAG_WORDS: [&str; 8] = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"];

/// The diagram label of a TCP segment: an HTTP request or status line when it starts one
/// (`GET /`, `HTTP/1.0 200 OK`), else its flags ("SYN/ACK"), or "TCP".
pub(super) fn label(b: &[u8]) -> String {
    let Ok(t) = TcpPacket::new_checked(b) else {
        return "TCP".into();
    };
    if let Some(http) = http_line(t.payload()) {
        return http;
    }
    match flags(&t, FLAG_WORDS, "/") {
        f if !f.is_empty() => f,
        _ => "TCP".into(),
    }
}

/// `GET /index.html` (method and target) or `HTTP/1.0 200 OK` from a segment's first line.
fn http_line(payload: &[u8]) -> Option<String> {
    let end = payload.iter().position(|&c| c == b'\r' || c == b'\n')?;
    let line = core::str::from_utf8(&payload[..end]).ok()?;
    let mut words = line.split(' ');
    let first = words.next()?;
    if first.starts_with("HTTP/1.") {
        return Some(line.to_string());
    }
    let methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"];
    methods
        .contains(&first)
        .then(|| format!("{first} {}", words.next().unwrap_or("")))
}
