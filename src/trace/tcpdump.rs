//! tcpdump-style one-line decoding of Ethernet frames.
//!
//! The text follows tcpdump 4.99.3 (Debian bookworm, the release set of the other reference
//! tools) run as `tcpdump -nn [-e]`: print-ether.c, print-arp.c, print-ip.c, print-icmp.c,
//! print-udp.c, print-tcp.c, print-vrrp.c and util-print.c of tag tcpdump-4.99.3. The caller
//! prefixes the timestamp. Deliberate differences, because we keep no state and decode only what
//! the labs use:
//! - TCP seq/ack are always absolute, as with `tcpdump -S`: relative numbers need per-connection
//!   state that a frame-at-a-time decoder does not have.
//! - UDP payloads (DNS, DHCP…), IGMP, IPv6, VLAN, LLDP, LLC and the rarer ICMP and TCP option
//!   bodies are not decoded; an unknown payload gets the first line of tcpdump's hex dump, on
//!   the same line, so the output stays one line.
//!
//! Two payloads the labs produce are decoded as tcpdump does: the first line of HTTP on ports
//! 80/8080 (`…, length 18: HTTP: GET / HTTP/1.0`) and keepalived's VRRP advertisements.
//!
//! Nothing here panics on any input: every read is bounds-checked, and running out of captured
//! bytes gives tcpdump's ` [|proto]` marker (the `Err(proto)` of `Res`).
use core::fmt::Write;
use core::net::Ipv4Addr;
use smoltcp::wire::{ArpOperation as Op, ArpPacket, EthernetFrame, Icmpv4Packet, Ipv4Packet};
use smoltcp::wire::{TcpPacket, UdpPacket};

/// tcpdump switches that change the one-liner.
#[derive(Clone, Copy, Debug, Default)]
pub struct Opts {
    /// `-e`: print the link-level header.
    pub link: bool,
    /// `-n`: kept for the API; addresses and ports are always printed numerically.
    pub numeric: bool,
}

/// `Err(proto)`: the capture ended inside `proto` (tcpdump longjmps and prints ` [|proto]`).
type Res = Result<(), &'static str>;

/// Writing into a String cannot fail.
macro_rules! w {
    ($o:expr, $($a:tt)*) => {{ let _ = write!($o, $($a)*); }};
}

/// `w!`, then success: the last words of a printer.
macro_rules! done {
    ($o:expr, $($a:tt)*) => {{ w!($o, $($a)*); Ok(()) }};
}

/// The tcpdump line of `frame`, without the timestamp.
pub fn one_liner(frame: &[u8], opts: Opts) -> String {
    let mut o = String::new();
    if let Err(p) = ether(&mut o, frame, opts.link) {
        w!(o, " [|{p}]");
    }
    o
}

// Checked readers: a byte beyond the capture is a truncation inside protocol `p`.
fn get(b: &[u8], i: usize, p: &'static str) -> Result<u8, &'static str> {
    b.get(i).copied().ok_or(p)
}
fn be16(b: &[u8], i: usize, p: &'static str) -> Result<u16, &'static str> {
    Ok(u16::from_be_bytes([get(b, i, p)?, get(b, i + 1, p)?]))
}
fn be32(b: &[u8], i: usize, p: &'static str) -> Result<u32, &'static str> {
    Ok(((be16(b, i, p)? as u32) << 16) | be16(b, i + 2, p)? as u32)
}
fn addr(b: &[u8], i: usize, p: &'static str) -> Result<Ipv4Addr, &'static str> {
    be32(b, i, p).map(Ipv4Addr::from)
}
/// Link addresses with colons, as tcpdump prints them (smoltcp's Display uses dashes).
fn mac(b: &[u8]) -> String {
    let hex: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
    hex.join(":")
}

/// The first line of tcpdump's hex_and_ascii_print: offset, 8 groups of 4 digits, ASCII.
fn hex_line(o: &mut String, b: &[u8]) {
    let b = &b[..b.len().min(16)];
    let hex: String = b
        .chunks(2)
        .map(|c| c.iter().fold(" ".into(), |s, x| format!("{s}{x:02x}")))
        .collect();
    let asc: String = b
        .iter()
        .map(|&c| if c.is_ascii_graphic() { c as char } else { '.' })
        .collect();
    if !b.is_empty() {
        w!(o, "0x0000: {hex:<40}  {asc}");
    }
}

fn ether(o: &mut String, f: &[u8], e: bool) -> Res {
    let eth = EthernetFrame::new_checked(f).map_err(|_| "ether")?;
    let (ty, pay) = (u16::from(eth.ethertype()), eth.payload());
    let name = match ty {
        0x0800 => "IPv4",
        0x0806 => "ARP",
        0x86dd => "IPv6",
        0x8100 => "802.1Q",
        0x88cc => "LLDP",
        _ => "Unknown",
    };
    let (src, dst) = (
        mac(eth.src_addr().as_bytes()),
        mac(eth.dst_addr().as_bytes()),
    );
    // Without -e tcpdump still prints the link header when it cannot decode the payload.
    if e || !matches!(ty, 0x0800 | 0x0806) {
        w!(o, "{src} > {dst}, ");
        match ty {
            0..=1500 => w!(o, "802.3, length {}: ", pay.len().min(ty as usize)),
            _ => w!(o, "ethertype {name} (0x{ty:04x}), length {}: ", f.len()),
        }
    }
    match ty {
        0x0800 => ip(o, pay, pay.len(), e, 0),
        0x0806 => arp(o, pay, e),
        _ => {
            hex_line(o, pay);
            Ok(())
        }
    }
}

fn arp(o: &mut String, b: &[u8], e: bool) -> Res {
    let a = ArpPacket::new_checked(b).map_err(|_| "arp")?;
    if !e {
        o.push_str("ARP, ");
    }
    let (hrd, pro) = (u16::from(a.hardware_type()), u16::from(a.protocol_type()));
    let (hl, pl) = (a.hardware_len(), a.protocol_len());
    if !matches!(pro, 0x0800 | 0x1000) || pl != 4 || hl == 0 {
        let h = match hrd {
            1 => "Ethernet".into(),
            _ => format!("Unknown Hardware ({hrd})"),
        };
        let p = match pro {
            0x800 => "IPv4".into(),
            _ => format!("Unknown Protocol (0x{pro:04x})"),
        };
        return done!(o, "{h} (len {hl}), {p} (len {pl}), length {}", b.len());
    }
    let ip4 = |s: &[u8]| Ipv4Addr::new(s[0], s[1], s[2], s[3]); // pl == 4 checked above
    let (sha, tha) = (mac(a.source_hardware_addr()), mac(a.target_hardware_addr()));
    let (spa, tpa) = (ip4(a.source_protocol_addr()), ip4(a.target_protocol_addr()));
    match u16::from(a.operation()) {
        // A known target MAC (unicast re-probe) is shown in parentheses.
        1 if a.target_hardware_addr().iter().any(|&x| x != 0) => {
            w!(o, "Request who-has {tpa} ({tha}) tell {spa}")
        }
        1 => w!(o, "Request who-has {tpa} tell {spa}"),
        2 => w!(o, "Reply {spa} is-at {sha}"),
        3 => w!(o, "Reverse Request who-is {tha} tell {sha}"),
        4 => w!(o, "Reverse Reply {tha} at {tpa}"),
        op => {
            w!(o, "Unknown ({op}) ");
            hex_line(o, b);
            return Ok(());
        }
    }
    done!(o, ", length {}", b.len())
}

/// ip_print: `b` is what was captured from the IP header on, `length` what the layer below
/// says is there (they differ only inside a tunnel whose outer packet was cut short).
fn ip(o: &mut String, b: &[u8], length: usize, e: bool, depth: u8) -> Res {
    match get(b, 0, "ip")? >> 4 {
        4 => {}
        6 => return done!(o, "IP6, wrong link-layer encapsulation (invalid)"),
        v => return done!(o, "IP{v} (invalid)"),
    }
    if !e {
        o.push_str("IP ");
    }
    if b.len() < 20 {
        return Err("ip");
    }
    // The fixed header is present, so smoltcp's accessors are in bounds; new_checked would
    // refuse the truncated packets that tcpdump still decodes.
    let p = Ipv4Packet::new_unchecked(b);
    let (hl, len) = (p.header_len() as usize, p.total_len() as usize);
    if hl < 20 {
        return done!(o, "bad-hlen {hl}");
    }
    if length < len {
        w!(o, "truncated-ip - {} bytes missing! ", len - length);
    }
    if len < hl {
        return done!(o, "bad-len {len}");
    }
    // Sizes come from the total length, not the frame: Ethernet pads frames to 60 bytes.
    let cap = &b[..len.min(b.len())];
    let (src, dst, proto, plen) = (
        p.src_addr(),
        p.dst_addr(),
        u8::from(p.next_header()),
        len - hl,
    );
    if p.frag_offset() != 0 {
        return done!(o, "{src} > {dst}: ip-proto-{proto}");
    }
    if !matches!(proto, 6 | 17 | 33 | 132) {
        w!(o, "{src} > {dst}: "); // TCP and UDP print the addresses with their ports
    }
    let Some(pay) = cap.get(hl..) else {
        w!(
            o,
            " [remaining caplen({}) < header length({hl})]",
            cap.len()
        );
        return Err("ip");
    };
    match proto {
        1 => icmp(o, pay, plen),
        6 => tcp(o, pay, plen, (src, dst)),
        17 => udp(o, pay, plen, (src, dst), p.more_frags()),
        // IP-in-IP: the inner datagram follows the outer addresses. The cap keeps a crafted
        // frame of nested headers from recursing thousands of times.
        4 if depth < 8 => ip(o, pay, plen, e, depth + 1),
        112 => vrrp(o, pay, plen, p.hop_limit()),
        _ => done!(o, " ip-proto-{proto} {plen}"),
    }
}

fn icmp(o: &mut String, b: &[u8], plen: usize) -> Res {
    const P: &str = "icmp";
    let (t, c) = (get(b, 0, P)?, get(b, 1, P)?);
    let s = match t {
        0 | 8 => {
            let p = Icmpv4Packet::new_checked(b).map_err(|_| P)?;
            let kind = if t == 8 { "request" } else { "reply" };
            format!(
                "echo {kind}, id {}, seq {}",
                p.echo_ident(),
                p.echo_seq_no()
            )
        }
        3 => unreach(b, c)?,
        5 => {
            // Offset 24 is the destination of the quoted datagram, 4 the gateway.
            let (d, gw) = (addr(b, 24, P)?, addr(b, 4, P)?);
            match c {
                0 => format!("redirect {d} to net {gw}"),
                1 => format!("redirect {d} to host {gw}"),
                2 => format!("redirect-tos {d} to net {gw}"),
                3 => format!("redirect-tos {d} to host {gw}"),
                _ => format!("redirect-#{c} {d} to {gw}"),
            }
        }
        11 => {
            addr(b, 24, P)?; // tcpdump checks the quoted header is there
            match c {
                0 => "time exceeded in-transit".into(),
                1 => "ip reassembly time exceeded".into(),
                _ => format!("time exceeded-#{c}"),
            }
        }
        12 if c != 0 => format!("parameter problem - code {c}"),
        12 => format!("parameter problem - octet {}", get(b, 4, P)?),
        13 => format!(
            "time stamp query id {} seq {}",
            be16(b, 4, P)?,
            be16(b, 6, P)?
        ),
        18 => format!("address mask is 0x{:08x}", be32(b, 8, P)?),
        4 => "source quench".into(),
        // Names only for 9 and 14: tcpdump goes on with the routers / the timestamps.
        9 => "router advertisement".into(),
        10 => "router solicitation".into(),
        14 => "time stamp reply".into(),
        15 => "information request".into(),
        16 => "information reply".into(),
        17 => "address mask request".into(),
        _ => format!("type-#{t}"),
    };
    done!(o, "ICMP {s}, length {plen}")
}

/// Destination unreachable, by code, with print-icmp.c's wording.
fn unreach(b: &[u8], c: u8) -> Result<String, &'static str> {
    const P: &str = "icmp";
    let d = addr(b, 24, P)?; // the quoted datagram's destination
    Ok(match c {
        0 => format!("net {d} unreachable"),
        1 => format!("host {d} unreachable"),
        2 => format!("{d} protocol {} unreachable", get(b, 17, P)?),
        3 => {
            // The quoted header's length locates the quoted transport header's port.
            let (proto, qhl) = (get(b, 17, P)?, (get(b, 8, P)? & 0x0f) as usize * 4);
            let port = be16(b, 8 + qhl + 2, P)?;
            let what = match proto {
                6 => "tcp port".into(),
                17 => "udp port".into(),
                _ => format!("protocol {proto} port"),
            };
            format!("{d} {what} {port} unreachable")
        }
        4 => match be16(b, 6, P)? {
            0 => format!("{d} unreachable - need to frag"),
            mtu => format!("{d} unreachable - need to frag (mtu {mtu})"),
        },
        5 => format!("{d} unreachable - source route failed"),
        6 => format!("net {d} unreachable - unknown"),
        7 => format!("host {d} unreachable - unknown"),
        8 => format!("{d} unreachable - source host isolated"),
        9 => format!("net {d} unreachable - admin prohibited"),
        10 => format!("host {d} unreachable - admin prohibited"),
        11 => format!("net {d} unreachable - tos prohibited"),
        12 => format!("host {d} unreachable - tos prohibited"),
        13 => format!("host {d} unreachable - admin prohibited filter"),
        14 => format!("host {d} unreachable - host precedence violation"),
        15 => format!("host {d} unreachable - precedence cutoff"),
        _ => format!("{d} unreachable - #{c}"),
    })
}

fn udp(o: &mut String, b: &[u8], length: usize, ips: (Ipv4Addr, Ipv4Addr), frag: bool) -> Res {
    let (src, dst) = ips;
    if b.len() < 4 {
        w!(o, "{src} > {dst}: ");
        return Err("udp");
    }
    w!(
        o,
        "{src}.{} > {dst}.{}: ",
        be16(b, 0, "udp")?,
        be16(b, 2, "udp")?
    );
    if length < 8 {
        return done!(o, "truncated-udp {length}");
    }
    // Whole header or nothing; new_checked would refuse the bad lengths tcpdump reports.
    let ulen = b
        .get(..8)
        .map(|h| UdpPacket::new_unchecked(h).len() as usize)
        .ok_or("udp")?;
    if ulen < 8 {
        return done!(o, "truncated-udplength {ulen}");
    }
    let (ulen, length) = (ulen - 8, (length - 8).min(ulen - 8));
    if ulen > length && !frag {
        return done!(o, "UDP, bad length {ulen} > {length}");
    }
    done!(o, "UDP, length {ulen}")
}

fn tcp(o: &mut String, b: &[u8], length: usize, ips: (Ipv4Addr, Ipv4Addr)) -> Res {
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

/// vrrp_print: keepalived's advertisements.
fn vrrp(o: &mut String, b: &[u8], len: usize, ttl: u8) -> Res {
    const P: &str = "vrrp";
    let (ver, ty) = (get(b, 0, P)? >> 4, get(b, 0, P)? & 0x0f);
    match ty {
        1 => w!(o, "VRRPv{ver}, Advertisement"),
        _ => w!(o, "VRRPv{ver}, unknown type ({ty})"),
    }
    if ttl != 255 {
        w!(o, ", (ttl {ttl})"); // RFC 3768 requires 255: tcpdump flags anything else
    }
    if !(2..=3).contains(&ver) || ty != 1 {
        return Ok(());
    }
    w!(o, ", vrid {}, prio {}", get(b, 1, P)?, get(b, 2, P)?);
    if ver == 3 {
        return done!(o, ", intvl {}cs, length {len}", be16(b, 4, P)? & 0x0fff);
    }
    let auth = match get(b, 4, P)? {
        a @ 0..=2 => ["none", "simple", "ah"][a as usize].to_string(),
        a => format!("#{a}"),
    };
    done!(
        o,
        ", authtype {auth}, intvl {}s, length {len}",
        get(b, 5, P)?
    )
}

/// The short label used on diagrams ("ARP who-has 10.0.0.2", "SYN/ACK", "UDP 33434", …).
pub fn label(frame: &[u8]) -> String {
    let Ok(eth) = EthernetFrame::new_checked(frame) else {
        return "truncated".into();
    };
    match u16::from(eth.ethertype()) {
        0x0806 => match ArpPacket::new_checked(eth.payload()) {
            Ok(a) if a.operation() == Op::Request && a.protocol_len() == 4 => {
                let t = a.target_protocol_addr();
                format!("ARP who-has {}", Ipv4Addr::new(t[0], t[1], t[2], t[3]))
            }
            Ok(a) if a.operation() == Op::Reply => "ARP reply".into(),
            _ => "ARP".into(),
        },
        0x0800 => ip_label(eth.payload()).unwrap_or_else(|| "IP".into()),
        t => format!("ethertype 0x{t:04x}"),
    }
}

const FLAG_WORDS: [&str; 8] = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"];

fn ip_label(b: &[u8]) -> Option<String> {
    let p = Ipv4Packet::new_unchecked(b.get(..20)?); // the fixed header suffices here
    let hl = p.header_len() as usize;
    let len = (p.total_len() as usize).min(b.len());
    let pay = b.get(hl..len).filter(|_| hl >= 20 && p.version() == 4)?;
    Some(match u8::from(p.next_header()) {
        1 => icmp_label(pay),
        6 => match TcpPacket::new_checked(pay).map(|t| flags(&t, FLAG_WORDS, "/")) {
            Ok(f) if !f.is_empty() => f,
            _ => "TCP".into(),
        },
        17 => match pay.get(..8) {
            Some(h) => format!("UDP {}", UdpPacket::new_unchecked(h).dst_port()),
            None => "UDP".into(),
        },
        4 => "IPIP".into(),
        112 => "VRRP".into(),
        n => format!("IP proto {n}"),
    })
}

fn icmp_label(b: &[u8]) -> String {
    let s = match (b.first(), b.get(1)) {
        (Some(8), _) => "echo request",
        (Some(0), _) => "echo reply",
        (Some(11), _) => "time exceeded",
        (Some(3), Some(0)) => "net unreachable",
        (Some(3), Some(1)) => "host unreachable",
        (Some(3), Some(2)) => "protocol unreachable",
        (Some(3), Some(3)) => "port unreachable",
        (Some(3), Some(4)) => "frag needed",
        (Some(3), _) => "unreachable",
        (Some(5), _) => "redirect",
        (Some(t), _) => return format!("ICMP type {t}"),
        (None, _) => return "ICMP".into(),
    };
    format!("ICMP {s}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use smoltcp::phy::ChecksumCapabilities as Caps;
    use smoltcp::wire::{ArpRepr, EthernetAddress as Mac, EthernetProtocol as Ety, EthernetRepr};
    use smoltcp::wire::{Icmpv4Repr as Icmp, IpProtocol as Ipp, Ipv4Repr, TcpSeqNumber as Seq};

    const E: Opts = Opts {
        link: true,
        numeric: true,
    };
    const N: Opts = Opts {
        link: false,
        numeric: true,
    };

    fn m(last: u8) -> Mac {
        Mac([0x02, 0x42, 0xc0, 0xa8, 0x0a, last])
    }
    fn eth(src: Mac, dst: Mac, ty: Ety, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; 14 + payload.len()];
        let mut fr = EthernetFrame::new_unchecked(&mut f[..]);
        EthernetRepr {
            src_addr: src,
            dst_addr: dst,
            ethertype: ty,
        }
        .emit(&mut fr);
        fr.payload_mut().copy_from_slice(payload);
        f
    }
    fn ipv4(src: &str, dst: &str, proto: u8, payload: &[u8]) -> Vec<u8> {
        let (src_addr, dst_addr) = (src.parse().unwrap(), dst.parse().unwrap());
        let next_header = Ipp::from(proto);
        let r = Ipv4Repr {
            src_addr,
            dst_addr,
            next_header,
            payload_len: payload.len(),
            hop_limit: 64,
        };
        let mut b = vec![0u8; 20 + payload.len()];
        r.emit(&mut Ipv4Packet::new_unchecked(&mut b[..]), &Caps::default());
        b[20..].copy_from_slice(payload);
        b
    }
    fn ip_frame(src: &str, dst: &str, proto: u8, payload: &[u8]) -> Vec<u8> {
        eth(m(5), m(11), Ety::Ipv4, &ipv4(src, dst, proto, payload))
    }
    /// A TCP segment; `flags` is the raw flags byte (0x02 SYN, 0x10 ACK, 0x18 PSH+ACK…).
    fn tcp_seg(
        ports: (u16, u16),
        flags: u8,
        seq: u32,
        ack: u32,
        opts: &[u8],
        data: &[u8],
    ) -> Vec<u8> {
        let mut b = vec![0u8; 20 + opts.len() + data.len()];
        let mut t = TcpPacket::new_unchecked(&mut b[..]);
        t.set_src_port(ports.0);
        t.set_dst_port(ports.1);
        t.set_seq_number(Seq(seq as i32));
        t.set_ack_number(Seq(ack as i32));
        t.set_header_len(20 + opts.len() as u8);
        t.set_window_len(if flags == 0x02 { 64240 } else { 502 });
        t.options_mut().copy_from_slice(opts);
        t.payload_mut().copy_from_slice(data);
        b[13] = flags;
        b
    }
    fn udp_dgram(sp: u16, dp: u16, data: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8; 8 + data.len()];
        let mut u = UdpPacket::new_unchecked(&mut b[..]);
        u.set_src_port(sp);
        u.set_dst_port(dp);
        u.set_len(8 + data.len() as u16);
        u.payload_mut().copy_from_slice(data);
        b
    }
    fn icmp(r: Icmp) -> Vec<u8> {
        let mut b = vec![0u8; r.buffer_len()];
        r.emit(
            &mut Icmpv4Packet::new_unchecked(&mut b[..]),
            &Caps::default(),
        );
        b
    }
    /// An ICMP error (type 3 code `code`, or 11) quoting a 60-byte UDP probe to `qdst`:33434,
    /// of which `quoted` bytes after the IP header are kept.
    fn icmp_err(code: u8, qdst: &str, quoted: usize) -> Vec<u8> {
        let (src_addr, dst_addr) = ("10.0.1.5".parse().unwrap(), qdst.parse().unwrap());
        let header = Ipv4Repr {
            src_addr,
            dst_addr,
            next_header: Ipp::Udp,
            payload_len: 40,
            hop_limit: 1,
        };
        let mut data = udp_dgram(40000, 33434, &[0; 32]);
        data.resize(quoted, 0);
        let data = &data[..];
        icmp(match code {
            11 => Icmp::TimeExceeded {
                reason: 0.into(),
                header,
                data,
            },
            c => Icmp::DstUnreachable {
                reason: c.into(),
                header,
                data,
            },
        })
    }
    fn arp_frame(op: Op, sha: Mac, spa: &str, tpa: &str, dst: Mac) -> Vec<u8> {
        let r = ArpRepr::EthernetIpv4 {
            operation: op,
            source_hardware_addr: sha,
            source_protocol_addr: spa.parse().unwrap(),
            target_hardware_addr: Mac([0; 6]),
            target_protocol_addr: tpa.parse().unwrap(),
        };
        let mut b = vec![0u8; r.buffer_len()];
        r.emit(&mut ArpPacket::new_unchecked(&mut b[..]));
        eth(sha, dst, Ety::Arp, &b)
    }
    /// Linux's SYN options: mss 1460, sackOK, TS val 4284774704 ecr 0, nop, wscale 7.
    const SYN_OPTS: [u8; 20] = [
        2, 4, 5, 180, 4, 2, 8, 10, 255, 100, 121, 48, 0, 0, 0, 0, 1, 3, 3, 7,
    ];
    fn syn() -> Vec<u8> {
        let seg = tcp_seg((34996, 80), 0x02, 2173805639, 0, &SYN_OPTS, b"");
        eth(
            m(5),
            m(0x0b),
            Ety::Ipv4,
            &ipv4("192.168.10.5", "192.168.10.11", 6, &seg),
        )
    }
    fn check(frame: &[u8], opts: Opts, want: &str, label_want: &str) {
        assert_eq!(one_liner(frame, opts), want);
        assert_eq!(label(frame), label_want);
    }

    #[test]
    fn arp_lines() {
        // formats.md §14, with -e and without.
        let req = arp_frame(Op::Request, m(0x64), "192.168.10.100", "192.168.10.5", m(5));
        let line = "Request who-has 192.168.10.5 tell 192.168.10.100, length 28";
        let link = "02:42:c0:a8:0a:64 > 02:42:c0:a8:0a:05, ethertype ARP (0x0806), length 42: ";
        check(
            &req,
            E,
            &format!("{link}{line}"),
            "ARP who-has 192.168.10.5",
        );
        check(&req, N, &format!("ARP, {line}"), "ARP who-has 192.168.10.5");
        let rep = arp_frame(Op::Reply, m(5), "192.168.10.5", "192.168.10.100", m(0x64));
        let want = "ARP, Reply 192.168.10.5 is-at 02:42:c0:a8:0a:05, length 28";
        check(&rep, N, want, "ARP reply");
        // Gratuitous and padded to 60 bytes: tcpdump counts the padding in the ARP length.
        let mut g = arp_frame(
            Op::Request,
            m(1),
            "10.0.0.200",
            "10.0.0.200",
            Mac::BROADCAST,
        );
        g.resize(60, 0);
        let want = "ARP, Request who-has 10.0.0.200 tell 10.0.0.200, length 46";
        check(&g, N, want, "ARP who-has 10.0.0.200");
        check(&req[..30], N, " [|arp]", "ARP");
    }

    #[test]
    fn tcp_lines() {
        let want = "02:42:c0:a8:0a:05 > 02:42:c0:a8:0a:0b, ethertype IPv4 (0x0800), length 74: \
            192.168.10.5.34996 > 192.168.10.11.80: Flags [S], seq 2173805639, win 64240, \
            options [mss 1460,sackOK,TS val 4284774704 ecr 0,nop,wscale 7], length 0";
        check(&syn(), E, want, "SYN");
        let c2s = |flags, seq, ack, opts: &[u8], data: &[u8]| {
            let seg = tcp_seg((34996, 80), flags, seq, ack, opts, data);
            ip_frame("192.168.10.5", "192.168.10.11", 6, &seg)
        };
        let s2c = |flags, seq, ack, opts: &[u8], data: &[u8]| {
            let seg = tcp_seg((80, 34996), flags, seq, ack, opts, data);
            ip_frame("192.168.10.11", "192.168.10.5", 6, &seg)
        };
        let (fwd, back) = (
            "IP 192.168.10.5.34996 > 192.168.10.11.80: Flags",
            "IP 192.168.10.11.80 > 192.168.10.5.34996: Flags",
        );
        let cases = [
            (s2c(0x12, 7, 2173805640, &[2, 4, 5, 180], b""), "SYN/ACK", format!("{back} [S.], seq 7, ack 2173805640, win 502, options [mss 1460], length 0")),
            (c2s(0x10, 2173805640, 8, b"", b""), "ACK", format!("{fwd} [.], ack 8, win 502, length 0")),
            (c2s(0x18, 2173805640, 8, b"", b"GET / HTTP/1.0\r\n\r\n"), "PSH/ACK", format!("{fwd} [P.], seq 2173805640:2173805658, ack 8, win 502, length 18: HTTP: GET / HTTP/1.0")),
            (s2c(0x18, 8, 2173805658, b"", b"HTTP/1.0 200 OK\r\n"), "PSH/ACK", format!("{back} [P.], seq 8:25, ack 2173805658, win 502, length 17: HTTP: HTTP/1.0 200 OK")),
            (s2c(0x18, 25, 2173805658, b"", b"<html>"), "PSH/ACK", format!("{back} [P.], seq 25:31, ack 2173805658, win 502, length 6: HTTP")),
            (c2s(0x11, 2173805658, 31, b"", b""), "FIN/ACK", format!("{fwd} [F.], seq 2173805658, ack 31, win 502, length 0")),
            (s2c(0x14, 0, 2173805640, b"", b""), "RST/ACK", format!("{back} [R.], seq 0, ack 2173805640, win 502, length 0")),
            (c2s(0x10, 1, 1, &[1, 99, 4, 0xab, 0xcd, 0, 0, 0], b""), "ACK", format!("{fwd} [.], ack 1, win 502, options [nop,unknown-99 0xabcd,eol], length 0")),
            (c2s(0x10, 1, 1, &[2, 1, 0, 0], b""), "ACK", format!("{fwd} [.], ack 1, win 502, options [[bad opt]")),
            (c2s(0x00, 1, 1, b"", b""), "TCP", format!("{fwd} [none], win 502, length 0")),
        ];
        for (frame, lab, want) in cases {
            check(&frame, N, &want, lab);
        }
    }

    #[test]
    fn icmp_lines() {
        let data = [0u8; 56];
        let echo = ip_frame(
            "192.168.1.5",
            "192.168.1.11",
            1,
            &icmp(Icmp::EchoRequest {
                ident: 1,
                seq_no: 1,
                data: &data,
            }),
        );
        let want = "IP 192.168.1.5 > 192.168.1.11: ICMP echo request, id 1, seq 1, length 64";
        check(&echo, N, want, "ICMP echo request");
        let reply = ip_frame(
            "192.168.1.11",
            "192.168.1.5",
            1,
            &icmp(Icmp::EchoReply {
                ident: 1,
                seq_no: 1,
                data: &data,
            }),
        );
        let want = "IP 192.168.1.11 > 192.168.1.5: ICMP echo reply, id 1, seq 1, length 64";
        check(&reply, N, want, "ICMP echo reply");
        let cases = [
            (
                11,
                "10.0.3.5",
                64,
                "time exceeded in-transit, length 92",
                "ICMP time exceeded",
            ),
            (
                1,
                "10.0.3.99",
                64,
                "host 10.0.3.99 unreachable, length 92",
                "ICMP host unreachable",
            ),
            (
                0,
                "10.9.0.1",
                64,
                "net 10.9.0.1 unreachable, length 92",
                "ICMP net unreachable",
            ),
            (
                3,
                "10.0.3.5",
                40,
                "10.0.3.5 udp port 33434 unreachable, length 68",
                "ICMP port unreachable",
            ),
            (
                2,
                "10.0.3.5",
                8,
                "10.0.3.5 protocol 17 unreachable, length 36",
                "ICMP protocol unreachable",
            ),
            (
                4,
                "10.0.3.5",
                8,
                "10.0.3.5 unreachable - need to frag, length 36",
                "ICMP frag needed",
            ),
        ];
        for (code, qdst, quoted, want, lab) in cases {
            let frame = ip_frame("10.0.2.1", "10.0.1.5", 1, &icmp_err(code, qdst, quoted));
            check(
                &frame,
                N,
                &format!("IP 10.0.2.1 > 10.0.1.5: ICMP {want}"),
                lab,
            );
        }
        // The IP header says 84 bytes but the capture holds fewer; the label uses what is there.
        let miss =
            "IP truncated-ip - 44 bytes missing! 192.168.1.5 > 192.168.1.11: ICMP echo request";
        check(
            &echo[..54],
            N,
            &format!("{miss}, id 1, seq 1, length 64"),
            "ICMP echo request",
        );
        let cut = "IP truncated-ip - 62 bytes missing! 192.168.1.5 > 192.168.1.11:  [|icmp]";
        check(&echo[..36], N, cut, "ICMP echo request");
        check(&echo[..24], N, "IP  [|ip]", "IP");
    }

    #[test]
    fn udp_ipip_and_others() {
        let probe = ip_frame(
            "10.0.1.5",
            "10.0.3.5",
            17,
            &udp_dgram(40000, 33434, &[0; 32]),
        );
        check(
            &probe,
            N,
            "IP 10.0.1.5.40000 > 10.0.3.5.33434: UDP, length 32",
            "UDP 33434",
        );
        // Ethernet pads this frame to 60 bytes: the lengths come from the IP header.
        let mut small = ip_frame(
            "10.0.1.5",
            "10.0.3.5",
            17,
            &udp_dgram(5000, 53, &[1, 2, 3, 4]),
        );
        small.resize(60, 0xee);
        check(
            &small,
            N,
            "IP 10.0.1.5.5000 > 10.0.3.5.53: UDP, length 4",
            "UDP 53",
        );
        let inner = ipv4(
            "192.168.1.5",
            "192.168.1.200",
            6,
            &tcp_seg((40001, 80), 2, 1, 0, &[], b""),
        );
        let tun = ip_frame("192.168.2.1", "192.168.3.12", 4, &inner);
        let tcp = "192.168.1.5.40001 > 192.168.1.200.80: Flags [S], seq 1, win 64240, length 0";
        check(
            &tun,
            N,
            &format!("IP 192.168.2.1 > 192.168.3.12: IP {tcp}"),
            "IPIP",
        );
        assert!(
            one_liner(&tun, E).ends_with(&format!("length 74: 192.168.2.1 > 192.168.3.12: {tcp}"))
        );
        let gre = ip_frame("10.0.0.1", "10.0.0.2", 47, &[0, 0, 8, 0]);
        check(
            &gre,
            N,
            "IP 10.0.0.1 > 10.0.0.2:  ip-proto-47 4",
            "IP proto 47",
        );
        let mut adv = vec![0x21, 51, 100, 1, 0, 1, 0, 0, 192, 168, 1, 200];
        adv.resize(20, 0);
        let mut vrrp = ip_frame("192.168.1.2", "224.0.0.18", 112, &adv);
        vrrp[14 + 8] = 255; // VRRP is sent with TTL 255
        let want = "IP 192.168.1.2 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 100, authtype none, intvl 1s, length 20";
        check(&vrrp, N, want, "VRRP");
        let unk = eth(
            m(5),
            Mac::BROADCAST,
            Ety::from(0x88b5),
            &(0..46).collect::<Vec<u8>>(),
        );
        let want = "02:42:c0:a8:0a:05 > ff:ff:ff:ff:ff:ff, ethertype Unknown (0x88b5), length 60: \
            0x0000:  0001 0203 0405 0607 0809 0a0b 0c0d 0e0f  ................";
        check(&unk, N, want, "ethertype 0x88b5");
        check(&unk, E, want, "ethertype 0x88b5");
        check(&unk[..10], N, " [|ether]", "truncated");
    }

    /// Random, truncated and mutated frames never panic (10k deterministic inputs).
    #[test]
    fn never_panics() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut rnd = move || {
            (x ^= x << 13, x ^= x >> 7, x ^= x << 17);
            x as usize
        };
        let get = b"GET / x\r\n";
        let seeds = [
            syn(),
            arp_frame(Op::Request, m(1), "10.0.0.1", "10.0.0.2", Mac::BROADCAST),
            ip_frame("10.0.2.1", "10.0.1.5", 1, &icmp_err(3, "10.0.3.5", 40)),
            ip_frame("1.1.1.1", "2.2.2.2", 17, &udp_dgram(1, 2, &[0; 8])),
            ip_frame(
                "1.1.1.1",
                "2.2.2.2",
                4,
                &ipv4(
                    "3.3.3.3",
                    "4.4.4.4",
                    6,
                    &tcp_seg((1, 80), 0x18, 1, 1, &SYN_OPTS, get),
                ),
            ),
            ip_frame("1.1.1.1", "2.2.2.2", 112, &[0x21, 51, 100, 1, 0, 1, 0, 0]),
        ];
        for n in 0..10_000 {
            let mut f = if n % 2 == 0 {
                // A valid frame with a few bytes changed: lengths, types, options go wrong.
                let mut f = seeds[rnd() % seeds.len()].clone();
                for _ in 0..rnd() % 4 {
                    let i = rnd() % f.len();
                    f[i] = rnd() as u8;
                }
                f
            } else {
                // Random bytes, mostly typed as ARP or IPv4 so that the decoders see them.
                let mut f: Vec<u8> = (0..rnd() % 120).map(|_| rnd() as u8).collect();
                if f.len() > 14 {
                    f[12..14].copy_from_slice(&[[8, 0], [8, 6], [0, 40]][rnd() % 3]);
                    f[14] = 0x40 | (f[14] & 0x0f);
                }
                f
            };
            f.truncate((rnd() % (f.len() + 1)).max(f.len() / 2));
            let _ = (one_liner(&f, N), one_liner(&f, E), label(&f));
        }
    }
}
