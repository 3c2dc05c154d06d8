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
//!
//! One file per protocol family: `arp`, `ip` (IPv4, UDP, IP-in-IP and the rest), `icmp`,
//! `tcp` (with its options and the HTTP hint) and `vrrp`; this file has the public API and the
//! Ethernet level.
use core::fmt::Write;
use core::net::Ipv4Addr;
use smoltcp::wire::EthernetFrame;

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

mod arp;
mod dns;
mod icmp;
mod ip;
mod tcp;
mod vrrp;

#[cfg(test)]
mod tests;

/// The tcpdump line of `frame`, without the timestamp.
pub fn one_liner(frame: &[u8], opts: Opts) -> String {
    let mut o = String::new();
    if let Err(p) = ether(&mut o, frame, opts.link) {
        w!(o, " [|{p}]");
    }
    o
}

// Checked readers: a byte beyond the capture is a truncation inside protocol `p`.
pub(super) fn get(b: &[u8], i: usize, p: &'static str) -> Result<u8, &'static str> {
    b.get(i).copied().ok_or(p)
}
pub(super) fn be16(b: &[u8], i: usize, p: &'static str) -> Result<u16, &'static str> {
    Ok(u16::from_be_bytes([get(b, i, p)?, get(b, i + 1, p)?]))
}
pub(super) fn be32(b: &[u8], i: usize, p: &'static str) -> Result<u32, &'static str> {
    Ok(((be16(b, i, p)? as u32) << 16) | be16(b, i + 2, p)? as u32)
}
pub(super) fn addr(b: &[u8], i: usize, p: &'static str) -> Result<Ipv4Addr, &'static str> {
    be32(b, i, p).map(Ipv4Addr::from)
}
/// Link addresses with colons, as tcpdump prints them (smoltcp's Display uses dashes).
pub(super) fn mac(b: &[u8]) -> String {
    let hex: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
    hex.join(":")
}

/// The first line of tcpdump's hex_and_ascii_print: offset, 8 groups of 4 digits, ASCII.
pub(super) fn hex_line(o: &mut String, b: &[u8]) {
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
        0x0800 => ip::ip(o, pay, pay.len(), e, 0),
        0x0806 => arp::arp(o, pay, e),
        _ => {
            hex_line(o, pay);
            Ok(())
        }
    }
}

/// The short label used on diagrams ("ARP who-has 10.0.0.2", "SYN/ACK", "UDP 33434", …).
pub fn label(frame: &[u8]) -> String {
    let Ok(eth) = EthernetFrame::new_checked(frame) else {
        return "truncated".into();
    };
    match u16::from(eth.ethertype()) {
        0x0806 => arp::label(eth.payload()),
        0x0800 => ip::label(eth.payload()).unwrap_or_else(|| "IP".into()),
        t => format!("ethertype 0x{t:04x}"),
    }
}
