//! The forwarding information base: the main routing table and its lookup.
//!
//! Connected routes are not stored: they are derived from the devices' primary addresses each
//! time, as the kernel adds and removes them with the addresses, so they can never go stale.
//! Lookup is longest prefix first, then the lowest metric.

use super::netdev::{network_of, DevKind, NetDevs};
use std::net::Ipv4Addr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteType {
    Unicast,
    /// `route add … reject` / `ip route add unreachable …`: answered with host unreachable.
    Unreachable,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proto {
    /// Added by the kernel for an address (`proto kernel`).
    Kernel,
    /// Added by a user (`route add`, `ip route add`: proto boot, not printed).
    Boot,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    pub dst: Ipv4Addr,
    pub prefix: u8,
    pub gw: Option<Ipv4Addr>,
    pub dev: Option<usize>,
    pub metric: u32,
    pub rtype: RouteType,
    pub proto: Proto,
    /// Preferred source (`src` in `ip route`), e.g. the alias address of `route add … dev lo:2`.
    pub src: Option<Ipv4Addr>,
}

impl Route {
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        network_of(ip, self.prefix) == self.dst
    }

    /// The flags `route -n` prints: U, G, H, or `!` for reject.
    pub fn flags(&self) -> String {
        if self.rtype == RouteType::Unreachable {
            return "!".into();
        }
        let mut f = String::from("U");
        if self.gw.is_some() {
            f.push('G');
        }
        if self.prefix == 32 {
            f.push('H');
        }
        f
    }
}

/// What a lookup found.
#[derive(Clone, Debug, PartialEq)]
pub enum FibResult {
    /// The destination is one of our own addresses: deliver locally.
    Local,
    /// Send out of `dev` to `nexthop` (the gateway, or the destination itself if on-link).
    Unicast {
        dev: usize,
        nexthop: Ipv4Addr,
        src: Option<Ipv4Addr>,
        route: Route,
    },
    Unreachable {
        route: Route,
    },
    NoRoute,
}

#[derive(Debug, PartialEq)]
pub enum FibError {
    /// SIOCADDRT: Network is unreachable
    GatewayUnreachable,
    /// SIOCADDRT: File exists
    Exists,
    /// SIOCDELRT: No such process
    NoSuchRoute,
    /// SIOCADDRT: No such device
    NoSuchDevice,
}

#[derive(Clone, Debug, Default)]
pub struct Fib {
    /// Routes added by users, in insertion order.
    statics: Vec<Route>,
}

impl Fib {
    /// The main table as `route -n` and `ip route` list it: connected and static routes in
    /// ascending destination order (the fib trie walk), then by prefix and metric.
    pub fn routes(&self, devs: &NetDevs) -> Vec<Route> {
        let mut all = connected_routes(devs);
        all.extend(
            self.statics
                .iter()
                .filter(|r| r.dev.is_none_or(|d| dev_up(devs, d)))
                .cloned(),
        );
        all.sort_by_key(|r| (u32::from(r.dst), r.prefix, r.metric));
        all
    }

    /// `fib_lookup`: local addresses first (the local table), then the main table. It walks
    /// the routes without building the sorted listing: this runs for every packet.
    pub fn lookup(&self, devs: &NetDevs, dst: Ipv4Addr) -> FibResult {
        if devs.is_local(dst) {
            return FibResult::Local;
        }
        let mut best: Option<Route> = None;
        // Only routes that cover dst are looked at (and cloned).
        let usable = self
            .statics
            .iter()
            .filter(|r| r.contains(dst) && r.dev.is_none_or(|d| dev_up(devs, d)))
            .cloned();
        for r in connected_iter(devs)
            .filter(|r| r.contains(dst))
            .chain(usable)
        {
            let wins = best.as_ref().is_none_or(|b| {
                (std::cmp::Reverse(r.prefix), r.metric) < (std::cmp::Reverse(b.prefix), b.metric)
            });
            if wins {
                best = Some(r);
            }
        }
        match best {
            None => FibResult::NoRoute,
            Some(route) if route.rtype == RouteType::Unreachable => {
                FibResult::Unreachable { route }
            }
            Some(route) => match self.resolve_dev(devs, &route) {
                Some(dev) => FibResult::Unicast {
                    dev,
                    nexthop: route.gw.unwrap_or(dst),
                    src: route.src,
                    route,
                },
                None => FibResult::NoRoute,
            },
        }
    }

    /// A gateway route without `dev` goes out of the device its gateway is on-link through.
    fn resolve_dev(&self, devs: &NetDevs, route: &Route) -> Option<usize> {
        route
            .dev
            .or_else(|| route.gw.and_then(|gw| onlink_dev(devs, gw)))
    }

    /// `ip route add` (netlink with NLM_F_EXCL): a route to the same destination with the
    /// same metric already there is `File exists`, whatever its gateway.
    pub fn add(&mut self, devs: &NetDevs, route: Route) -> Result<(), FibError> {
        self.insert(devs, route, true)
    }

    /// `route add` (the SIOCADDRT ioctl: create without NLM_F_EXCL): only an identical route
    /// is `File exists`; another gateway for the same destination and metric is added in
    /// front of the old one, and lookups now pick it (fib_table_insert prepends).
    pub fn add_ioctl(&mut self, devs: &NetDevs, route: Route) -> Result<(), FibError> {
        self.insert(devs, route, false)
    }

    fn insert(
        &mut self,
        devs: &NetDevs,
        mut route: Route,
        exclusive: bool,
    ) -> Result<(), FibError> {
        if let Some(gw) = route.gw {
            let dev = onlink_dev(devs, gw).ok_or(FibError::GatewayUnreachable)?;
            if route.dev.is_some_and(|d| d != dev) {
                return Err(FibError::GatewayUnreachable);
            }
            route.dev = Some(dev);
        }
        if let Some(d) = route.dev {
            if devs.get(d).is_none() {
                return Err(FibError::NoSuchDevice);
            }
        }
        let same_key =
            |r: &Route| r.dst == route.dst && r.prefix == route.prefix && r.metric == route.metric;
        let identical = |r: &Route| {
            same_key(r) && r.gw == route.gw && r.dev == route.dev && r.rtype == route.rtype
        };
        let clash = |r: &Route| if exclusive { same_key(r) } else { identical(r) };
        if self.statics.iter().any(clash) || connected_routes(devs).iter().any(clash) {
            return Err(FibError::Exists);
        }
        let at = self
            .statics
            .iter()
            .position(same_key)
            .unwrap_or(self.statics.len());
        self.statics.insert(at, route);
        Ok(())
    }

    /// `route del`: the first static route matching destination and prefix, and the gateway,
    /// device and metric when given.
    pub fn del(
        &mut self,
        dst: Ipv4Addr,
        prefix: u8,
        gw: Option<Ipv4Addr>,
        dev: Option<usize>,
        metric: Option<u32>,
    ) -> Result<Route, FibError> {
        let pos = self.statics.iter().position(|r| {
            r.dst == dst
                && r.prefix == prefix
                && gw.is_none_or(|g| r.gw == Some(g))
                && dev.is_none_or(|d| r.dev == Some(d))
                && metric.is_none_or(|m| r.metric == m)
        });
        pos.map(|i| self.statics.remove(i))
            .ok_or(FibError::NoSuchRoute)
    }

    /// Taking a device down flushes the routes through it, as fib_sync_down_dev does.
    pub fn flush_dev(&mut self, dev: usize) {
        self.statics.retain(|r| r.dev != Some(dev));
    }
}

fn dev_up(devs: &NetDevs, ifindex: usize) -> bool {
    devs.get(ifindex).is_some_and(|d| d.up)
}

/// One route per primary address (not on loopback devices, whose prefixes are local), as
/// fib_add_ifaddr adds them.
fn connected_iter(devs: &NetDevs) -> impl Iterator<Item = Route> + '_ {
    devs.iter()
        .filter(|d| d.up && d.kind != DevKind::Loopback)
        .flat_map(|dev| {
            dev.primaries()
                .filter(|a| a.prefix < 32)
                .map(move |a| Route {
                    dst: a.network(),
                    prefix: a.prefix,
                    gw: None,
                    dev: Some(dev.ifindex),
                    metric: 0,
                    rtype: RouteType::Unicast,
                    proto: Proto::Kernel,
                    src: Some(a.addr),
                })
        })
}

/// The connected routes as listed: two addresses in one subnet make one route.
fn connected_routes(devs: &NetDevs) -> Vec<Route> {
    let mut out: Vec<Route> = Vec::new();
    for r in connected_iter(devs) {
        if !out
            .iter()
            .any(|o| o.dst == r.dst && o.prefix == r.prefix && o.dev == r.dev)
        {
            out.push(r);
        }
    }
    out
}

/// The device through which `gw` is directly reachable (a connected route covers it).
pub fn onlink_dev(devs: &NetDevs, gw: Ipv4Addr) -> Option<usize> {
    connected_iter(devs)
        .find(|r| r.contains(gw))
        .and_then(|r| r.dev)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::netdev::IfAddr;

    fn devs() -> NetDevs {
        let mut d = NetDevs::new();
        let i = d.add("eth0", DevKind::Ether, [2, 0, 0, 0, 1, 1]);
        let dev = d.get_mut(i).unwrap();
        dev.up = true;
        dev.addrs.push(IfAddr {
            addr: "10.0.1.5".parse().unwrap(),
            prefix: 24,
            broadcast: None,
            label: "eth0".into(),
        });
        d
    }

    fn via(dst: &str, prefix: u8, gw: &str, metric: u32) -> Route {
        Route {
            dst: dst.parse().unwrap(),
            prefix,
            gw: Some(gw.parse().unwrap()),
            dev: None,
            metric,
            rtype: RouteType::Unicast,
            proto: Proto::Boot,
            src: None,
        }
    }

    #[test]
    fn longest_prefix_then_metric() {
        let d = devs();
        let mut fib = Fib::default();
        fib.add(&d, via("0.0.0.0", 0, "10.0.1.1", 0)).unwrap();
        fib.add(&d, via("10.0.3.0", 24, "10.0.1.2", 10)).unwrap();
        fib.add(&d, via("10.0.3.0", 24, "10.0.1.3", 5)).unwrap();
        let hop = |ip: &str| match fib.lookup(&d, ip.parse().unwrap()) {
            FibResult::Unicast { nexthop, .. } => nexthop.to_string(),
            other => format!("{other:?}"),
        };
        assert_eq!(hop("10.0.3.7"), "10.0.1.3");
        assert_eq!(hop("8.8.8.8"), "10.0.1.1");
        assert_eq!(hop("10.0.1.9"), "10.0.1.9");
        assert_eq!(
            fib.lookup(&d, "10.0.1.5".parse().unwrap()),
            FibResult::Local
        );
    }

    #[test]
    fn net_tools_errors() {
        let d = devs();
        let mut fib = Fib::default();
        assert_eq!(
            fib.add(&d, via("10.50.0.0", 16, "10.9.9.9", 0)),
            Err(FibError::GatewayUnreachable)
        );
        fib.add(&d, via("10.50.0.0", 16, "10.0.1.1", 0)).unwrap();
        assert_eq!(
            fib.add(&d, via("10.50.0.0", 16, "10.0.1.1", 0)),
            Err(FibError::Exists)
        );
        assert_eq!(
            fib.del("10.60.0.0".parse().unwrap(), 16, None, None, None),
            Err(FibError::NoSuchRoute)
        );
        assert!(fib
            .del("10.50.0.0".parse().unwrap(), 16, None, None, None)
            .is_ok());
    }

    #[test]
    fn ioctl_adds_a_second_gateway_in_front_netlink_refuses() {
        let d = devs();
        let mut fib = Fib::default();
        fib.add(&d, via("10.9.0.0", 16, "10.0.1.1", 0)).unwrap();
        assert_eq!(
            fib.add(&d, via("10.9.0.0", 16, "10.0.1.2", 0)),
            Err(FibError::Exists)
        );
        fib.add_ioctl(&d, via("10.9.0.0", 16, "10.0.1.2", 0))
            .unwrap();
        assert_eq!(
            fib.add_ioctl(&d, via("10.9.0.0", 16, "10.0.1.2", 0)),
            Err(FibError::Exists)
        );
        match fib.lookup(&d, "10.9.1.1".parse().unwrap()) {
            FibResult::Unicast { nexthop, .. } => assert_eq!(nexthop.to_string(), "10.0.1.2"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reject_route_and_flags() {
        let d = devs();
        let mut fib = Fib::default();
        let mut r = via("10.99.0.0", 16, "10.0.1.1", 0);
        r.gw = None;
        r.rtype = RouteType::Unreachable;
        fib.add(&d, r).unwrap();
        assert!(matches!(
            fib.lookup(&d, "10.99.1.1".parse().unwrap()),
            FibResult::Unreachable { .. }
        ));
        let flags: Vec<String> = fib.routes(&d).iter().map(Route::flags).collect();
        assert_eq!(flags, ["U", "!"]);
    }
}
