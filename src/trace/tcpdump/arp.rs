//! ARP (print-arp.c), and its diagram label.
use super::{hex_line, mac, Res};
use core::fmt::Write;
use core::net::Ipv4Addr;
use smoltcp::wire::{ArpOperation as Op, ArpPacket};

pub(super) fn arp(o: &mut String, b: &[u8], e: bool) -> Res {
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

/// The diagram label of an ARP payload.
pub(super) fn label(b: &[u8]) -> String {
    match ArpPacket::new_checked(b) {
        Ok(a) if a.operation() == Op::Request && a.protocol_len() == 4 => {
            let t = a.target_protocol_addr();
            format!("ARP who-has {}", Ipv4Addr::new(t[0], t[1], t[2], t[3]))
        }
        Ok(a) if a.operation() == Op::Reply => "ARP reply".into(),
        _ => "ARP".into(),
    }
}
