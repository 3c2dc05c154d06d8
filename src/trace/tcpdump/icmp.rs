//! ICMP (print-icmp.c), and its diagram label.
use super::{addr, be16, be32, get, Res};
use core::fmt::Write;
use smoltcp::wire::Icmpv4Packet;

pub(super) fn icmp(o: &mut String, b: &[u8], plen: usize) -> Res {
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

/// The diagram label of an ICMP message.
pub(super) fn label(b: &[u8]) -> String {
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
