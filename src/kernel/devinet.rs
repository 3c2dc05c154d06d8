//! IPv4 addresses on devices (net/ipv4/devinet.c): what `ip addr add/del` (RTM_NEWADDR,
//! RTM_DELADDR over netlink) and ifconfig's ioctls change, and what keepalived calls to put a
//! virtual address on an interface with its label and take it off again.

use super::netdev::{IfAddr, NetDev};
use super::Kernel;

/// Why the kernel refused an address change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrError {
    /// EEXIST: the same address with the same prefix is already there.
    Exists,
    /// EADDRNOTAVAIL: no such address to delete.
    NotFound,
    /// ENODEV.
    NoDev,
}

impl AddrError {
    /// The netlink extended ack iproute2 prints, or strerror's text.
    pub fn message(self) -> &'static str {
        match self {
            AddrError::Exists => "File exists",
            AddrError::NotFound => "Cannot assign requested address",
            AddrError::NoDev => "No such device",
        }
    }
}

/// __inet_insert_ifa: the same address with the same prefix is EEXIST; a primary goes after
/// the last primary, a secondary (an earlier address covers its subnet) at the end, so
/// `is_secondary` keeps meaning what the kernel means.
pub fn inet_insert_ifa(dev: &mut NetDev, ifa: IfAddr) -> Result<(), AddrError> {
    if dev
        .addrs
        .iter()
        .any(|a| a.addr == ifa.addr && a.prefix == ifa.prefix)
    {
        return Err(AddrError::Exists);
    }
    let covered = dev
        .addrs
        .iter()
        .any(|a| a.prefix == ifa.prefix && a.contains(ifa.addr));
    if covered {
        dev.addrs.push(ifa);
        return Ok(());
    }
    let after = (0..dev.addrs.len())
        .rev()
        .find(|i| !dev.is_secondary(*i))
        .map_or(0, |i| i + 1);
    dev.addrs.insert(after, ifa);
    Ok(())
}

/// RTM_NEWADDR on device `ifindex`.
pub fn add(k: &mut Kernel, ifindex: usize, ifa: IfAddr) -> Result<(), AddrError> {
    let dev = k.devs.get_mut(ifindex).ok_or(AddrError::NoDev)?;
    inet_insert_ifa(dev, ifa)
}

/// RTM_DELADDR: removes `addr/prefix` from device `ifindex`, returning what was there.
pub fn del(
    k: &mut Kernel,
    ifindex: usize,
    addr: std::net::Ipv4Addr,
    prefix: u8,
) -> Result<IfAddr, AddrError> {
    let dev = k.devs.get_mut(ifindex).ok_or(AddrError::NoDev)?;
    let i = dev
        .addrs
        .iter()
        .position(|a| a.addr == addr && a.prefix == prefix)
        .ok_or(AddrError::NotFound)?;
    let ifa = dev.addrs.remove(i);
    inet_addr_removed(k, ifindex, addr);
    Ok(ifa)
}

/// The inetaddr notifier chain on NETDEV address removal: MASQUERADE forgets the
/// connections it mapped to that address (masq_inet_event).
pub fn inet_addr_removed(k: &mut Kernel, ifindex: usize, addr: std::net::Ipv4Addr) {
    if k.nf.ct.enabled {
        crate::kernel::netfilter::nf_nat::masquerade::address_gone(&mut k.nf.ct, ifindex, addr);
    }
}

/// Whether `addr/prefix` is on device `ifindex`.
pub fn has(k: &Kernel, ifindex: usize, addr: std::net::Ipv4Addr, prefix: u8) -> bool {
    k.devs
        .get(ifindex)
        .is_some_and(|d| d.addrs.iter().any(|a| a.addr == addr && a.prefix == prefix))
}
