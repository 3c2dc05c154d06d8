//! The layered view of one frame (`netstep show LAB N`), drawn the way the seed draws a PDU:
//! each layer in brackets inside the one that carries it, with every header field and its
//! size, and for a frame that a node forwarded, what that hop changed.
//!
//! ```text
//! 【ETH dst 02:00:00:00:02:01 src 02:00:00:00:01:01 type 0x0800 (IPv4)  14 bytes
//!   【IPv4 src 192.168.10.5 dst 192.168.10.11 ttl 64 proto 6 (TCP) len 60 id 0x2a4c df 1 checksum 0x1c2b  20 bytes
//!     【TCP sport 40001 dport 80 flags SYN seq 1392966480 ack 0 win 64240 checksum 0x5d1a  40 bytes
//!       【data 0 bytes】】】】
//! ```

use super::entry::{TraceEntry, TraceKind};
use crate::kernel::netdev::fmt_mac;
use smoltcp::wire::{
    ArpOperation, ArpPacket, EthernetFrame, Icmpv4Packet, Ipv4Packet, TcpPacket, UdpPacket,
};
use std::fmt::Write;

/// One protocol layer: its name, its header fields in wire order, and its size.
struct Layer {
    name: String,
    fields: Vec<(&'static str, String)>,
    size: String,
}

impl Layer {
    fn new(name: &str, fields: Vec<(&'static str, String)>, bytes: usize) -> Layer {
        Layer {
            name: name.to_string(),
            fields,
            size: format!("{bytes} bytes"),
        }
    }

    /// A layer that could not be read: said in its name.
    fn bad(text: String) -> Layer {
        Layer {
            name: text,
            fields: Vec::new(),
            size: String::new(),
        }
    }

    fn line(&self) -> String {
        let mut s = self.name.clone();
        for (k, v) in &self.fields {
            let _ = write!(s, " {k} {v}");
        }
        // Two spaces set the size apart from the last field.
        let gap = if self.fields.is_empty() { " " } else { "  " };
        if !self.size.is_empty() {
            let _ = write!(s, "{gap}{}", self.size);
        }
        s
    }
}

/// The nested layers of `frame`, one per line, each indented under its carrier.
pub fn layered(frame: &[u8]) -> String {
    let layers = decode(frame);
    let depth = layers.len();
    let mut out = String::new();
    for (i, l) in layers.iter().enumerate() {
        let close = if i + 1 == depth {
            "】".repeat(depth)
        } else {
            String::new()
        };
        let _ = writeln!(out, "{}【{}{close}", "  ".repeat(i), l.line());
    }
    out
}

fn decode(frame: &[u8]) -> Vec<Layer> {
    let mut layers = Vec::new();
    eth(frame, &mut layers);
    layers
}

fn eth(frame: &[u8], out: &mut Vec<Layer>) {
    let Ok(e) = EthernetFrame::new_checked(frame) else {
        out.push(Layer::bad(format!(
            "truncated frame, {} bytes",
            frame.len()
        )));
        return;
    };
    let ty = u16::from(e.ethertype());
    let name = match ty {
        0x0800 => "IPv4",
        0x0806 => "ARP",
        _ => "?",
    };
    let fields = vec![
        ("dst", fmt_mac(&e.dst_addr().0)),
        ("src", fmt_mac(&e.src_addr().0)),
        ("type", format!("0x{ty:04x} ({name})")),
    ];
    out.push(Layer::new("ETH", fields, 14));
    match ty {
        0x0800 => ipv4(e.payload(), out),
        0x0806 => arp(e.payload(), out),
        _ => data(e.payload(), out),
    }
}

fn arp(b: &[u8], out: &mut Vec<Layer>) {
    let Ok(a) = ArpPacket::new_checked(b) else {
        out.push(Layer::bad(format!("ARP truncated, {} bytes", b.len())));
        return;
    };
    let op = match a.operation() {
        ArpOperation::Request => "request",
        ArpOperation::Reply => "reply",
        _ => "other",
    };
    let ip = |s: &[u8]| {
        s.iter()
            .map(|o| o.to_string())
            .collect::<Vec<_>>()
            .join(".")
    };
    let mac = |s: &[u8]| {
        s.iter()
            .map(|o| format!("{o:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    };
    let fields = vec![
        ("op", op.to_string()),
        ("sender-mac", mac(a.source_hardware_addr())),
        ("sender-ip", ip(a.source_protocol_addr())),
        ("target-mac", mac(a.target_hardware_addr())),
        ("target-ip", ip(a.target_protocol_addr())),
    ];
    out.push(Layer::new("ARP", fields, 28));
}

fn ipv4(b: &[u8], out: &mut Vec<Layer>) {
    let Ok(p) = Ipv4Packet::new_checked(b) else {
        out.push(Layer::bad(format!("IPv4 truncated, {} bytes", b.len())));
        return;
    };
    let proto = u8::from(p.next_header());
    let pname = match proto {
        1 => " (ICMP)",
        4 => " (IPIP)",
        6 => " (TCP)",
        17 => " (UDP)",
        112 => " (VRRP)",
        _ => "",
    };
    let hl = p.header_len() as usize;
    let fields = vec![
        ("src", p.src_addr().to_string()),
        ("dst", p.dst_addr().to_string()),
        ("ttl", p.hop_limit().to_string()),
        ("proto", format!("{proto}{pname}")),
        ("len", p.total_len().to_string()),
        ("id", format!("0x{:04x}", p.ident())),
        ("df", (if p.dont_frag() { "1" } else { "0" }).to_string()),
        ("checksum", format!("0x{:04x}", p.checksum())),
    ];
    out.push(Layer::new("IPv4", fields, hl));
    let end = (p.total_len() as usize).clamp(hl, b.len());
    let pay = &b[hl..end];
    match proto {
        1 => icmp(pay, out),
        4 => ipv4(pay, out),
        6 => tcp(pay, out),
        17 => udp(pay, out),
        _ => data(pay, out),
    }
}

fn tcp(b: &[u8], out: &mut Vec<Layer>) {
    let Ok(t) = TcpPacket::new_checked(b) else {
        out.push(Layer::bad(format!("TCP truncated, {} bytes", b.len())));
        return;
    };
    let flags: Vec<&str> = [
        (t.syn(), "SYN"),
        (t.fin(), "FIN"),
        (t.rst(), "RST"),
        (t.psh(), "PSH"),
        (t.ack(), "ACK"),
        (t.urg(), "URG"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, n)| *n)
    .collect();
    let fields = vec![
        ("sport", t.src_port().to_string()),
        ("dport", t.dst_port().to_string()),
        ("flags", flags.join("/")),
        ("seq", (t.seq_number().0 as u32).to_string()),
        ("ack", (t.ack_number().0 as u32).to_string()),
        ("win", t.window_len().to_string()),
        ("checksum", format!("0x{:04x}", t.checksum())),
    ];
    out.push(Layer::new("TCP", fields, t.header_len() as usize));
    data(t.payload(), out);
}

fn udp(b: &[u8], out: &mut Vec<Layer>) {
    let Ok(u) = UdpPacket::new_checked(b) else {
        out.push(Layer::bad(format!("UDP truncated, {} bytes", b.len())));
        return;
    };
    let fields = vec![
        ("sport", u.src_port().to_string()),
        ("dport", u.dst_port().to_string()),
        ("len", u.len().to_string()),
        ("checksum", format!("0x{:04x}", u.checksum())),
    ];
    out.push(Layer::new("UDP", fields, 8));
    data(u.payload(), out);
}

fn icmp(b: &[u8], out: &mut Vec<Layer>) {
    let Ok(i) = Icmpv4Packet::new_checked(b) else {
        out.push(Layer::bad(format!("ICMP truncated, {} bytes", b.len())));
        return;
    };
    let fields = vec![
        ("type", u8::from(i.msg_type()).to_string()),
        ("code", i.msg_code().to_string()),
        ("checksum", format!("0x{:04x}", i.checksum())),
    ];
    out.push(Layer::new("ICMP", fields, 8));
    data(b.get(8..).unwrap_or(&[]), out);
}

/// The payload: its first bytes as text where printable, and its size.
fn data(b: &[u8], out: &mut Vec<Layer>) {
    let shown: String = b
        .iter()
        .take(32)
        .map(|&c| match c {
            b' '..=b'~' => c as char,
            b'\n' => '↵',
            _ => '.',
        })
        .collect();
    let more = if b.len() > 32 { "…" } else { "" };
    let fields = match b.is_empty() {
        true => Vec::new(),
        false => vec![("text", format!("\"{shown}{more}\""))],
    };
    out.push(Layer::new("data", fields, b.len()));
}

/// What a hop changed: the header fields of this frame that differ from `before` (the same
/// packet as the previous node received it), layer by layer.
pub fn changes(before: &[u8], after: &[u8]) -> Vec<String> {
    let (a, b) = (decode(before), decode(after));
    let mut out = Vec::new();
    for (la, lb) in a.iter().zip(&b) {
        if la.name != lb.name {
            out.push(format!("{} → {}", la.name, lb.name));
            break;
        }
        for ((k, va), (_, vb)) in la.fields.iter().zip(&lb.fields) {
            if va != vb {
                out.push(format!("{} {k} {va} → {vb}", la.name));
            }
        }
    }
    out
}

/// What event `n` was, when it was not a frame: a timer, a command, or beyond the run.
fn not_a_frame(entries: &[TraceEntry], n: u64) -> String {
    let last = entries.iter().map(|e| e.event).max().unwrap_or(0);
    let of = |pick: fn(&TraceKind) -> bool| entries.iter().find(|e| e.event == n && pick(&e.kind));
    if let Some(TraceEntry {
        kind: TraceKind::Timer { node },
        ..
    }) = of(|k| matches!(k, TraceKind::Timer { .. }))
    {
        return format!("event {n} is a timer ({node}), not a frame");
    }
    if n == 0 || n > last {
        return format!("event {n}: the run had events 1 to {last}");
    }
    if let Some(TraceEntry {
        kind: TraceKind::Command { node, line },
        ..
    }) = of(|k| matches!(k, TraceKind::Command { .. }))
    {
        return format!("event {n} is the command `{node}# {line}`, not a frame");
    }
    format!("event {n} is a timer that did nothing, not a frame")
}

fn frame_entry(entries: &[TraceEntry], n: u64) -> Option<&TraceEntry> {
    entries
        .iter()
        .find(|e| e.event == n && matches!(e.kind, TraceKind::Rx { .. }))
}

/// `show packet N`: the frame event numbered `n` in the trace, its layers, and what the hop
/// that sent it changed (compared with the same packet as that node received it).
pub fn show_packet(entries: &[TraceEntry], n: u64) -> Result<String, String> {
    let Some(e) = frame_entry(entries, n) else {
        return Err(not_a_frame(entries, n));
    };
    let TraceKind::Rx {
        node,
        port,
        from,
        frame,
    } = &e.kind
    else {
        return Err(not_a_frame(entries, n));
    };
    let mut s = format!("#{n} at {}: {node}:{port} received from {from}\n", e.time);
    s += &layered(frame);
    let before = entries[..entries.iter().position(|x| std::ptr::eq(x, e)).unwrap_or(0)]
        .iter()
        .rev()
        .find_map(|x| match &x.kind {
            TraceKind::Rx {
                node: prev,
                frame: f,
                ..
            } if prev == from && same_packet(f, frame) => Some(f),
            _ => None,
        });
    s += &match before {
        None => format!("{from} sent it (no earlier hop of this packet)\n"),
        Some(f) => match changes(f, frame).as_slice() {
            [] => format!("{from} passed it on unchanged\n"),
            c => format!("changed by {from}: {}\n", c.join(", ")),
        },
    };
    Ok(s)
}

/// Whether two frames carry the same IPv4 packet (source, destination, id, protocol), or are
/// identical (ARP).
fn same_packet(a: &[u8], b: &[u8]) -> bool {
    let ip = |f: &[u8]| {
        let e = EthernetFrame::new_checked(f).ok()?;
        let p = Ipv4Packet::new_checked(e.payload()).ok()?;
        Some((
            p.src_addr(),
            p.dst_addr(),
            p.ident(),
            u8::from(p.next_header()),
        ))
    };
    match (ip(a), ip(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syn(ttl: u8, src_mac: u8) -> Vec<u8> {
        let mut f = vec![2, 0, 0, 0, 2, 1, 2, 0, 0, 0, 1, src_mac, 0x08, 0x00];
        let mut ip = vec![0u8; 40];
        let mut p = Ipv4Packet::new_unchecked(&mut ip[..]);
        p.set_version(4);
        p.set_header_len(20);
        p.set_total_len(40);
        p.set_ident(0x2a4c);
        p.set_dont_frag(true);
        p.set_hop_limit(ttl);
        p.set_next_header(smoltcp::wire::IpProtocol::Tcp);
        p.set_src_addr(std::net::Ipv4Addr::new(192, 168, 10, 5));
        p.set_dst_addr(std::net::Ipv4Addr::new(192, 168, 10, 11));
        p.fill_checksum();
        let mut t = TcpPacket::new_unchecked(&mut ip[20..]);
        t.set_src_port(40001);
        t.set_dst_port(80);
        t.set_header_len(20);
        t.clear_flags();
        t.set_syn(true);
        t.set_window_len(64240);
        f.extend(ip);
        f
    }

    #[test]
    fn every_layer_nests_in_the_one_that_carries_it() {
        let v = layered(&syn(64, 1));
        let lines: Vec<&str> = v.lines().collect();
        assert_eq!(lines.len(), 4, "{v}");
        assert!(lines[0].starts_with(
            "【ETH dst 02:00:00:00:02:01 src 02:00:00:00:01:01 type 0x0800 (IPv4)  14 bytes"
        ));
        assert!(lines[1].starts_with("  【IPv4 src 192.168.10.5 dst 192.168.10.11 ttl 64 proto 6 (TCP) len 40 id 0x2a4c df 1 checksum 0x"));
        assert!(
            lines[2].starts_with("    【TCP sport 40001 dport 80 flags SYN seq 0 ack 0 win 64240")
        );
        assert_eq!(lines[3], "      【data 0 bytes】】】】");
    }

    #[test]
    fn a_router_hop_changes_the_macs_the_ttl_and_the_checksum() {
        let c = changes(&syn(64, 1), &syn(63, 9));
        assert!(
            c.contains(&"ETH src 02:00:00:00:01:01 → 02:00:00:00:01:09".to_string()),
            "{c:?}"
        );
        assert!(c.contains(&"IPv4 ttl 64 → 63".to_string()), "{c:?}");
        assert!(c.iter().any(|l| l.starts_with("IPv4 checksum ")), "{c:?}");
        assert_eq!(c.len(), 3, "{c:?}");
        assert!(changes(&syn(64, 1), &syn(64, 1)).is_empty());
    }

    /// An event that is not a frame is named for what it is.
    #[test]
    fn show_packet_says_what_an_event_was() {
        let e = |event, kind| TraceEntry {
            time: crate::sim::Time::ZERO,
            event,
            kind,
            reasons: Vec::new(),
        };
        let trace = vec![
            e(
                0,
                TraceKind::Command {
                    node: "a".into(),
                    line: "ping b".into(),
                },
            ),
            e(
                1,
                TraceKind::Rx {
                    node: "b".into(),
                    port: "eth0".into(),
                    from: "a".into(),
                    frame: syn(64, 1),
                },
            ),
            e(3, TraceKind::Timer { node: "a".into() }),
            e(
                3,
                TraceKind::Command {
                    node: "a".into(),
                    line: "arp -n".into(),
                },
            ),
            e(
                4,
                TraceKind::Rx {
                    node: "a".into(),
                    port: "eth0".into(),
                    from: "b".into(),
                    frame: syn(64, 1),
                },
            ),
        ];
        assert!(show_packet(&trace, 1).is_ok_and(|s| s.starts_with("#1 at ")));
        assert_eq!(
            show_packet(&trace, 3),
            Err("event 3 is a timer (a), not a frame".into())
        );
        assert_eq!(
            show_packet(&trace, 2),
            Err("event 2 is a timer that did nothing, not a frame".into())
        );
        assert_eq!(
            show_packet(&trace, 9),
            Err("event 9: the run had events 1 to 4".into())
        );
        assert_eq!(
            show_packet(&trace, 0),
            Err("event 0: the run had events 1 to 4".into())
        );
    }

    #[test]
    fn garbage_is_described_not_panicked_on() {
        for n in 0..60 {
            let junk: Vec<u8> = (0..n).map(|i| (i * 37 % 251) as u8).collect();
            let _ = layered(&junk);
        }
    }
}
