//! Network devices: `lo`, `eth0`…, their aliases (`eth0:2`, `lo:2` are labels on addresses, as
//! in Linux), MAC, MTU, flags and counters.

use std::net::Ipv4Addr;

pub type Mac = [u8; 6];
pub const BROADCAST_MAC: Mac = [0xff; 6];

// IFF_* flags as in <linux/if.h>; ifconfig prints their sum in decimal.
pub const IFF_UP: u32 = 0x1;
pub const IFF_BROADCAST: u32 = 0x2;
pub const IFF_LOOPBACK: u32 = 0x8;
pub const IFF_POINTOPOINT: u32 = 0x10;
pub const IFF_RUNNING: u32 = 0x40;
pub const IFF_NOARP: u32 = 0x80;
pub const IFF_PROMISC: u32 = 0x100;
pub const IFF_MULTICAST: u32 = 0x1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DevKind {
    Loopback,
    Ether,
    /// An IP-in-IP tunnel (tunl0): no link layer, no ARP.
    Ipip,
}

/// An IPv4 address on a device. `label` is what `ifconfig` calls the interface (`eth0:2`).
#[derive(Clone, Debug, PartialEq)]
pub struct IfAddr {
    pub addr: Ipv4Addr,
    pub prefix: u8,
    pub broadcast: Option<Ipv4Addr>,
    pub label: String,
}

impl IfAddr {
    pub fn netmask(&self) -> Ipv4Addr {
        prefix_to_mask(self.prefix)
    }
    pub fn network(&self) -> Ipv4Addr {
        network_of(self.addr, self.prefix)
    }
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        network_of(ip, self.prefix) == self.network()
    }
}

#[derive(Clone, Debug, Default)]
pub struct Counters {
    pub rx_packets: u64,
    pub rx_bytes: u64,
    pub rx_dropped: u64,
    pub tx_packets: u64,
    pub tx_bytes: u64,
    pub tx_dropped: u64,
}

#[derive(Clone, Debug)]
pub struct NetDev {
    pub ifindex: usize,
    pub name: String,
    pub kind: DevKind,
    pub mac: Mac,
    pub mtu: u32,
    /// Administratively up (`ifconfig eth0 up`).
    pub up: bool,
    /// A cable is plugged in and its link is up (the RUNNING / LOWER_UP flag).
    pub carrier: bool,
    /// Packet sockets (tcpdump) put the device in promiscuous mode.
    pub promisc: u32,
    pub addrs: Vec<IfAddr>,
    pub stats: Counters,
}

impl NetDev {
    /// The IFF_* flags word ifconfig prints (`flags=4163<UP,BROADCAST,RUNNING,MULTICAST>`).
    pub fn flags(&self) -> u32 {
        let mut f = match self.kind {
            DevKind::Loopback => IFF_LOOPBACK,
            DevKind::Ether => IFF_BROADCAST | IFF_MULTICAST,
            DevKind::Ipip => IFF_NOARP,
        };
        if self.up {
            f |= IFF_UP;
            if self.carrier {
                f |= IFF_RUNNING;
            }
        }
        if self.promisc > 0 {
            f |= IFF_PROMISC;
        }
        f
    }

    pub fn is_running(&self) -> bool {
        self.up && self.carrier
    }

    /// Whether address `i` is secondary: an earlier address on the device covers its subnet.
    pub fn is_secondary(&self, i: usize) -> bool {
        let a = &self.addrs[i];
        self.addrs[..i]
            .iter()
            .any(|p| p.prefix == a.prefix && p.contains(a.addr))
    }

    /// Primary addresses, in order (those that own a connected route and are picked as sources).
    pub fn primaries(&self) -> impl Iterator<Item = &IfAddr> {
        self.addrs
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.is_secondary(*i))
            .map(|(_, a)| a)
    }
}

/// The devices of one host; ifindex = position + 1, `lo` is always 1.
/// The loopback device's index (lo is always the first device made).
pub const LO: usize = 1;

#[derive(Clone, Debug, Default)]
pub struct NetDevs {
    devs: Vec<NetDev>,
}

impl NetDevs {
    pub fn new() -> NetDevs {
        let mut d = NetDevs::default();
        let lo = d.add("lo", DevKind::Loopback, [0; 6]);
        if let Some(dev) = d.get_mut(lo) {
            dev.mtu = 65536;
            dev.up = true;
            dev.carrier = true;
            dev.addrs.push(IfAddr {
                addr: Ipv4Addr::LOCALHOST,
                prefix: 8,
                broadcast: None,
                label: "lo".into(),
            });
        }
        d
    }

    pub fn add(&mut self, name: &str, kind: DevKind, mac: Mac) -> usize {
        let ifindex = self.devs.len() + 1;
        self.devs.push(NetDev {
            ifindex,
            name: name.to_string(),
            kind,
            mac,
            mtu: 1500,
            up: false,
            carrier: false,
            promisc: 0,
            addrs: Vec::new(),
            stats: Counters::default(),
        });
        ifindex
    }

    pub fn get(&self, ifindex: usize) -> Option<&NetDev> {
        ifindex.checked_sub(1).and_then(|i| self.devs.get(i))
    }

    pub fn get_mut(&mut self, ifindex: usize) -> Option<&mut NetDev> {
        ifindex
            .checked_sub(1)
            .and_then(move |i| self.devs.get_mut(i))
    }

    /// A device by name; an alias name (`eth0:2`) finds its parent device.
    pub fn by_name(&self, name: &str) -> Option<&NetDev> {
        let base = name.split(':').next().unwrap_or(name);
        self.devs.iter().find(|d| d.name == base)
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.by_name(name).map(|d| d.ifindex)
    }

    pub fn iter(&self) -> impl Iterator<Item = &NetDev> {
        self.devs.iter()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut NetDev> {
        self.devs.iter_mut()
    }

    /// The device that holds `ip` as one of its addresses.
    pub fn owner_of(&self, ip: Ipv4Addr) -> Option<&NetDev> {
        self.devs
            .iter()
            .find(|d| d.up && d.addrs.iter().any(|a| a.addr == ip))
    }

    /// Is `ip` local to this host (Linux's local table: every address, the whole prefix of an
    /// address on a loopback device, and subnet broadcasts)?
    pub fn is_local(&self, ip: Ipv4Addr) -> bool {
        self.devs.iter().filter(|d| d.up).any(|d| {
            d.addrs
                .iter()
                .any(|a| a.addr == ip || (d.kind == DevKind::Loopback && a.contains(ip)))
        })
    }

    /// Is `ip` a broadcast address for one of our subnets (or the limited broadcast)?
    pub fn is_broadcast(&self, ip: Ipv4Addr) -> bool {
        ip == Ipv4Addr::BROADCAST
            || self.devs.iter().filter(|d| d.up).any(|d| {
                d.addrs
                    .iter()
                    .any(|a| a.broadcast == Some(ip) && a.prefix < 31)
            })
    }

    /// `inet_select_addr`: the source address for talking to `dst` out of `ifindex`. First a
    /// primary address of that device in dst's subnet, then its first primary address, then
    /// any global address on another device (127.x has host scope and is never picked).
    pub fn select_addr(&self, ifindex: usize, dst: Ipv4Addr) -> Option<Ipv4Addr> {
        let global = |a: &&IfAddr| !a.addr.is_loopback();
        if let Some(dev) = self.get(ifindex) {
            if let Some(a) = dev.primaries().filter(global).find(|a| a.contains(dst)) {
                return Some(a.addr);
            }
            if let Some(a) = dev.primaries().find(global) {
                return Some(a.addr);
            }
        }
        self.devs
            .iter()
            .filter(|d| d.up)
            .flat_map(|d| d.primaries())
            .find(global)
            .map(|a| a.addr)
    }
}

pub fn prefix_to_mask(prefix: u8) -> Ipv4Addr {
    let p = prefix.min(32) as u32;
    Ipv4Addr::from(if p == 0 { 0 } else { u32::MAX << (32 - p) })
}

/// The prefix length of a netmask, or None if the mask has holes (255.0.255.0).
pub fn mask_to_prefix(mask: Ipv4Addr) -> Option<u8> {
    let m = u32::from(mask);
    let ones = m.leading_ones();
    (m.checked_shl(ones).unwrap_or(0) == 0).then_some(ones as u8)
}

pub fn network_of(ip: Ipv4Addr, prefix: u8) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(ip) & u32::from(prefix_to_mask(prefix)))
}

pub fn broadcast_of(ip: Ipv4Addr, prefix: u8) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(ip) | !u32::from(prefix_to_mask(prefix)))
}

/// The classful default netmask ifconfig uses when none is given (10/8, 172.16/16, 192.168/24).
pub fn classful_prefix(ip: Ipv4Addr) -> u8 {
    match ip.octets()[0] {
        0..=127 => 8,
        128..=191 => 16,
        _ => 24,
    }
}

pub fn fmt_mac(mac: &Mac) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]
    )
}

pub fn parse_mac(text: &str) -> Option<Mac> {
    let mut mac = [0u8; 6];
    let mut parts = text.split(':');
    for byte in mac.iter_mut() {
        *byte = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(mac)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eth0_with(addrs: &[(&str, u8, &str)]) -> NetDevs {
        let mut d = NetDevs::new();
        let i = d.add("eth0", DevKind::Ether, [2, 0, 0, 0, 1, 1]);
        let dev = d.get_mut(i).unwrap();
        dev.up = true;
        dev.carrier = true;
        for (a, p, l) in addrs {
            dev.addrs.push(IfAddr {
                addr: a.parse().unwrap(),
                prefix: *p,
                broadcast: None,
                label: l.to_string(),
            });
        }
        d
    }

    #[test]
    fn masks_and_prefixes() {
        assert_eq!(prefix_to_mask(24), Ipv4Addr::new(255, 255, 255, 0));
        assert_eq!(prefix_to_mask(0), Ipv4Addr::UNSPECIFIED);
        assert_eq!(mask_to_prefix(Ipv4Addr::new(255, 255, 0, 0)), Some(16));
        assert_eq!(mask_to_prefix(Ipv4Addr::new(255, 0, 255, 0)), None);
        assert_eq!(
            broadcast_of(Ipv4Addr::new(10, 1, 2, 3), 8),
            Ipv4Addr::new(10, 255, 255, 255)
        );
    }

    #[test]
    fn alias_in_same_subnet_is_secondary() {
        let d = eth0_with(&[
            ("192.168.1.100", 24, "eth0"),
            ("192.168.1.200", 24, "eth0:2"),
        ]);
        let eth0 = d.by_name("eth0:2").unwrap();
        assert!(!eth0.is_secondary(0));
        assert!(eth0.is_secondary(1));
        assert_eq!(eth0.flags(), 4163);
    }

    #[test]
    fn loopback_prefix_is_all_local() {
        let mut d = eth0_with(&[("192.168.1.11", 24, "eth0")]);
        assert!(d.is_local("127.0.0.53".parse().unwrap()));
        let lo = d.get_mut(1).unwrap();
        lo.addrs.push(IfAddr {
            addr: "192.168.1.200".parse().unwrap(),
            prefix: 32,
            broadcast: None,
            label: "lo:2".into(),
        });
        assert!(d.is_local("192.168.1.200".parse().unwrap()));
        assert!(!d.is_local("192.168.1.201".parse().unwrap()));
    }

    #[test]
    fn source_selection_prefers_the_subnet_then_primary() {
        let d = eth0_with(&[("192.168.1.11", 24, "eth0"), ("10.0.0.1", 8, "eth0:1")]);
        assert_eq!(
            d.select_addr(2, "10.2.3.4".parse().unwrap()),
            Some("10.0.0.1".parse().unwrap())
        );
        assert_eq!(
            d.select_addr(2, "8.8.8.8".parse().unwrap()),
            Some("192.168.1.11".parse().unwrap())
        );
    }

    #[test]
    fn macs_parse_and_print() {
        assert_eq!(parse_mac("02:00:00:0a:01:ff"), Some([2, 0, 0, 10, 1, 255]));
        assert_eq!(parse_mac("02:00:00"), None);
        assert_eq!(fmt_mac(&[2, 0, 0, 10, 1, 255]), "02:00:00:0a:01:ff");
    }
}
