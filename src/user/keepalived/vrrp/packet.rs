//! VRRPv2 adverts as keepalived builds them (vrrp.c: vrrp_build_ip4, vrrp_build_vrrp_v2)
//! and checks them (vrrp_check_packet).
//!
//! ```text
//! IP:    4 5 | TOS 0xc0 | len | id 0 (the kernel picks one) | no frag | TTL 255 | proto 112
//! VRRP:  0x21 | VRID | priority | count | auth type | advert int (s) | checksum
//!        the addresses, then 8 bytes of authentication data (the password, zero padded)
//! ```

use crate::kernel::netdev::Mac;
use std::net::Ipv4Addr;

pub const PROTO_VRRP: u8 = 112;
pub const TTL: u8 = 255;

/// What an advert says.
#[derive(Clone, Debug, PartialEq)]
pub struct Advert {
    pub vrid: u8,
    pub priority: u8,
    /// 0 none, 1 simple password, 2 AH.
    pub auth_type: u8,
    pub adver_int: u8,
    pub addrs: Vec<Ipv4Addr>,
    pub auth_data: [u8; 8],
}

/// The Internet checksum (RFC 1071) of `data`.
pub fn in_csum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for c in data.chunks(2) {
        let word = u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]);
        sum += u32::from(word);
    }
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

impl Advert {
    /// The VRRP message (the IP payload).
    pub fn vrrp_bytes(&self) -> Vec<u8> {
        let mut b = vec![
            0x21,
            self.vrid,
            self.priority,
            self.addrs.len() as u8,
            self.auth_type,
            self.adver_int,
            0,
            0,
        ];
        for a in &self.addrs {
            b.extend_from_slice(&a.octets());
        }
        b.extend_from_slice(&self.auth_data);
        let c = in_csum(&b);
        b[6..8].copy_from_slice(&c.to_be_bytes());
        b
    }

    /// The whole IPv4 packet keepalived hands to its raw socket (IP_HDRINCL), with the
    /// id it counts itself (vrrp_update_pkt: 1, 2, … never 0, which the kernel would fill).
    pub fn ip_packet(&self, src: Ipv4Addr, dst: Ipv4Addr, ttl: u8, id: u16) -> Vec<u8> {
        let vrrp = self.vrrp_bytes();
        let mut p = vec![0u8; 20];
        p[0] = 0x45;
        p[1] = 0xc0;
        let len = (20 + vrrp.len()) as u16;
        p[2..4].copy_from_slice(&len.to_be_bytes());
        p[4..6].copy_from_slice(&id.to_be_bytes());
        p[8] = ttl;
        p[9] = PROTO_VRRP;
        p[12..16].copy_from_slice(&src.octets());
        p[16..20].copy_from_slice(&dst.octets());
        p.extend_from_slice(&vrrp);
        p
    }
}

/// Why a received packet is not taken (vrrp_check_packet's messages, without the
/// instance name keepalived puts first).
#[derive(Clone, Debug, PartialEq)]
pub enum Bad {
    TooShort(usize),
    Length { got: usize, want: usize },
    Ttl(u8),
    InvalidAuth(u8),
    Version(u8),
    Type(u8),
    Checksum,
    AuthType { got: u8, want: u8 },
    Password,
    Interval { mine: u32, got: u8 },
    Count { got: u8, want: usize },
    Addresses { vrid: u8, missing: Ipv4Addr },
}

impl Bad {
    /// The log line keepalived writes for `iname`.
    pub fn message(&self, iname: &str) -> String {
        match self {
            Bad::TooShort(n) => format!("IPv4 VRRP packet too short - {n} bytes"),
            Bad::Length { got, want } => format!(
                "({iname}) vrrp packet too {}, length {got} and expect {want}",
                if got > want { "long" } else { "short" }
            ),
            Bad::InvalidAuth(t) => format!("({iname}) Invalid auth type: {t}"),
            Bad::Ttl(t) => format!("({iname}) invalid TTL/HL. Received {t} and expect 255"),
            Bad::Version(v) => format!("({iname}) wrong version. Received {v} and expect 2"),
            Bad::Type(t) => format!("({iname}) Invalid packet type. {t} and expect 1"),
            Bad::Checksum => format!("({iname}) Invalid VRRPv2 checksum"),
            Bad::AuthType { got, want } => {
                format!("({iname}) received a {got} auth, expecting {want}!")
            }
            Bad::Password => format!("({iname}) received an invalid passwd!"),
            Bad::Interval { mine, got } => format!(
                "({iname}) advertisement interval mismatch mine={mine} sec rcv'd={got} sec"
            ),
            Bad::Count { got, want } => format!(
                "({iname}) received an unexpected ip number count {got}, expected {want}!"
            ),
            Bad::Addresses { vrid, missing } => format!(
                "({iname}) ip address associated with VRID {vrid} not present in MASTER advert: {missing}"
            ),
        }
    }
}

/// What this instance expects of a peer's adverts.
pub struct Expect<'a> {
    pub multicast: bool,
    pub auth_type: u8,
    pub auth_data: [u8; 8],
    pub adver_int_s: u32,
    pub vips: &'a [Ipv4Addr],
    pub skip_check_adv_addr: bool,
}

/// The parts of a received IPv4 packet keepalived looks at.
pub struct Received {
    pub src: Ipv4Addr,
    pub ttl: u8,
    pub advert: Advert,
    pub version: u8,
    pub kind: u8,
    pub checksum_ok: bool,
    /// The message as sent, for the count check.
    pub naddr: u8,
}

/// Splits an IPv4 packet carrying VRRP.
pub fn parse(pkt: &[u8]) -> Result<Received, Bad> {
    let ihl = usize::from(pkt.first().map_or(0, |b| b & 0x0f)) * 4;
    let vrrp = pkt.get(ihl..).filter(|v| v.len() >= 8 && ihl >= 20);
    let Some(v) = vrrp else {
        return Err(Bad::TooShort(pkt.len()));
    };
    let naddr = v[3];
    let need = 8 + 4 * usize::from(naddr) + 8;
    if v.len() != need {
        return Err(Bad::Length {
            got: pkt.len(),
            want: ihl + need,
        });
    }
    let addrs = (0..usize::from(naddr))
        .map(|i| Ipv4Addr::new(v[8 + 4 * i], v[9 + 4 * i], v[10 + 4 * i], v[11 + 4 * i]))
        .collect();
    let mut auth_data = [0u8; 8];
    auth_data.copy_from_slice(&v[need - 8..need]);
    Ok(Received {
        src: Ipv4Addr::new(pkt[12], pkt[13], pkt[14], pkt[15]),
        ttl: pkt[8],
        version: v[0] >> 4,
        kind: v[0] & 0x0f,
        checksum_ok: in_csum(&v[..need]) == 0,
        naddr,
        advert: Advert {
            vrid: v[1],
            priority: v[2],
            auth_type: v[4],
            adver_int: v[5],
            addrs,
            auth_data,
        },
    })
}

/// vrrp_check_packet, in its order of checks.
pub fn check(r: &Received, e: &Expect) -> Result<(), Bad> {
    if e.multicast && r.ttl != TTL {
        return Err(Bad::Ttl(r.ttl));
    }
    if r.version != 2 {
        return Err(Bad::Version(r.version));
    }
    let a = &r.advert;
    if a.auth_type > 2 {
        return Err(Bad::InvalidAuth(a.auth_type));
    }
    if a.auth_type != e.auth_type {
        return Err(Bad::AuthType {
            got: a.auth_type,
            want: e.auth_type,
        });
    }
    if e.auth_type == 1 && a.auth_data != e.auth_data {
        return Err(Bad::Password);
    }
    if u32::from(a.adver_int) != e.adver_int_s {
        return Err(Bad::Interval {
            mine: e.adver_int_s,
            got: a.adver_int,
        });
    }
    if r.kind != 1 {
        return Err(Bad::Type(r.kind));
    }
    if !e.skip_check_adv_addr && usize::from(r.naddr) != e.vips.len() {
        return Err(Bad::Count {
            got: r.naddr,
            want: e.vips.len(),
        });
    }
    if !r.checksum_ok {
        return Err(Bad::Checksum);
    }
    if !e.skip_check_adv_addr {
        if let Some(missing) = e.vips.iter().find(|v| !a.addrs.contains(v)) {
            return Err(Bad::Addresses {
                vrid: a.vrid,
                missing: *missing,
            });
        }
    }
    Ok(())
}

/// A gratuitous ARP as keepalived sends it (vrrp_arp.c): a broadcast request whose sender
/// and target are both the VIP, target MAC ff:ff:ff:ff:ff:ff.
pub fn garp(mac: Mac, vip: Ipv4Addr) -> Vec<u8> {
    let mut f = Vec::with_capacity(42);
    f.extend_from_slice(&[0xff; 6]);
    f.extend_from_slice(&mac);
    f.extend_from_slice(&[0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01]);
    f.extend_from_slice(&mac);
    f.extend_from_slice(&vip.octets());
    f.extend_from_slice(&[0xff; 6]);
    f.extend_from_slice(&vip.octets());
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn advert() -> Advert {
        let mut auth = [0u8; 8];
        auth[..4].copy_from_slice(b"1111");
        Advert {
            vrid: 51,
            priority: 100,
            auth_type: 1,
            adver_int: 1,
            addrs: vec![Ipv4Addr::new(192, 168, 10, 200)],
            auth_data: auth,
        }
    }

    #[test]
    fn builds_what_keepalived_sends() {
        let p = advert().ip_packet(
            Ipv4Addr::new(192, 168, 10, 101),
            Ipv4Addr::new(224, 0, 0, 18),
            255,
            1,
        );
        assert_eq!(p.len(), 40);
        assert_eq!(&p[..2], &[0x45, 0xc0]);
        assert_eq!(p[8], 255);
        assert_eq!(p[9], 112);
        assert_eq!(&p[20..26], &[0x21, 51, 100, 1, 1, 1]);
        assert_eq!(&p[32..36], b"1111");
        assert_eq!(in_csum(&p[20..]), 0);
    }

    #[test]
    fn checks_in_keepalived_order() {
        let vip = [Ipv4Addr::new(192, 168, 10, 200)];
        let a = advert();
        let e = Expect {
            multicast: true,
            auth_type: 1,
            auth_data: a.auth_data,
            adver_int_s: 1,
            vips: &vip,
            skip_check_adv_addr: false,
        };
        let pkt = a.ip_packet(
            Ipv4Addr::new(192, 168, 10, 102),
            Ipv4Addr::new(224, 0, 0, 18),
            255,
            1,
        );
        let r = parse(&pkt).expect("parses");
        assert_eq!(check(&r, &e), Ok(()));
        let low_ttl = a.ip_packet(
            Ipv4Addr::new(192, 168, 10, 102),
            Ipv4Addr::new(224, 0, 0, 18),
            64,
            1,
        );
        assert_eq!(
            check(&parse(&low_ttl).expect("parses"), &e),
            Err(Bad::Ttl(64))
        );
        let mut wrong = a.clone();
        wrong.auth_data = *b"2222\0\0\0\0";
        let pkt = wrong.ip_packet(
            Ipv4Addr::new(192, 168, 10, 102),
            Ipv4Addr::new(224, 0, 0, 18),
            255,
            1,
        );
        assert_eq!(check(&parse(&pkt).expect("parses"), &e), Err(Bad::Password));
        let mut corrupt = a.ip_packet(
            Ipv4Addr::new(192, 168, 10, 102),
            Ipv4Addr::new(224, 0, 0, 18),
            255,
            1,
        );
        corrupt[38] ^= 1;
        assert_eq!(
            check(&parse(&corrupt).expect("parses"), &e),
            Err(Bad::Password)
        );
        assert_eq!(parse(&corrupt[..25]).err(), Some(Bad::TooShort(25)));
        assert_eq!(
            parse(&corrupt[..39]).err(),
            Some(Bad::Length { got: 39, want: 40 })
        );
        assert!(Bad::Ttl(64)
            .message("VI_1")
            .contains("invalid TTL/HL. Received 64 and expect 255"));
    }

    #[test]
    fn garp_layout() {
        let f = garp([2, 0, 0, 0, 2, 1], Ipv4Addr::new(192, 168, 10, 200));
        assert_eq!(f.len(), 42);
        assert_eq!(&f[20..22], &[0, 1]);
        assert_eq!(&f[28..32], &[192, 168, 10, 200]);
        assert_eq!(&f[38..42], &[192, 168, 10, 200]);
        assert_eq!(&f[32..38], &[0xff; 6]);
    }
}
