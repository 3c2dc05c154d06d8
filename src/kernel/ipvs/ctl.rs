//! The IPVS rule table (net/netfilter/ipvs/ip_vs_ctl.c): virtual services and their real
//! servers, as `ipvsadm -A/-E/-D/-a/-e/-d/-C/-Z` change them, with libipvs's error strings.
//!
//! A service keeps its destinations newest first (`ipvsadm -a` inserts at the head), which is
//! the order every scheduler walks. A deleted destination that still has connections moves to
//! the service's trash, and re-adding the same address and port revives it with its counters;
//! the destinations of a deleted service (`-D`, `-C`) wait the same way among the orphans.

use super::est::Est;
use super::sched::{self, Change, DestView, Flags, Scheduler};
use std::net::Ipv4Addr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Proto {
    Tcp = 6,
    Udp = 17,
    /// IPPROTO_IP: only in the persistence templates of fwmark services, whose key holds
    /// the mark where the other templates hold the protocol's virtual address and port.
    Ip = 0,
}

impl Proto {
    pub fn name(self) -> &'static str {
        match self {
            Proto::Tcp => "TCP",
            Proto::Udp => "UDP",
            Proto::Ip => "IP",
        }
    }
}

/// The forwarding method of a destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// -g, DR: only the Ethernet destination changes.
    Route,
    /// -m, NAT.
    Masq,
    /// -i, IP-in-IP.
    Tunnel,
}

/// A service's key. The derived order is ipvsadm's listing order: address services first
/// (by protocol, address, port), then fwmark services by mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SvcKey {
    /// -t / -u: protocol, virtual address and port.
    Addr(Proto, Ipv4Addr, u16),
    /// -f: every packet the mangle table marked with this value, whatever its protocol,
    /// address or port (ip_vs_svc_fwm_find).
    Fwmark(u32),
}

impl SvcKey {
    /// The virtual port, 0 for a fwmark service.
    pub fn port(self) -> u16 {
        match self {
            SvcKey::Addr(_, _, port) => port,
            SvcKey::Fwmark(_) => 0,
        }
    }
}

/// Cumulative counters (`--stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub conns: u64,
    pub inpkts: u64,
    pub outpkts: u64,
    pub inbytes: u64,
    pub outbytes: u64,
}

#[derive(Clone, Debug)]
pub struct Dest {
    pub id: u32,
    pub addr: Ipv4Addr,
    pub port: u16,
    pub method: Method,
    pub weight: u32,
    pub u_threshold: u32,
    pub l_threshold: u32,
    pub active: u32,
    pub inactive: u32,
    pub persist: u32,
    pub overloaded: bool,
    pub stats: Stats,
    pub est: Est,
}

impl Dest {
    pub fn view(&self) -> DestView {
        DestView {
            id: self.id,
            addr: self.addr,
            port: self.port,
            weight: self.weight,
            active: self.active,
            inactive: self.inactive,
            overloaded: self.overloaded,
        }
    }
}

pub struct Service {
    pub key: SvcKey,
    pub sched_name: String,
    pub sched: Box<dyn Scheduler>,
    pub flags: Flags,
    /// -p: the persistence timeout in seconds.
    pub persistent: Option<u32>,
    /// -M: the persistence netmask.
    pub netmask: Ipv4Addr,
    /// Newest first.
    pub dests: Vec<Dest>,
    /// Deleted destinations that still have connections.
    pub trash: Vec<Dest>,
    pub stats: Stats,
    pub est: Est,
}

impl Service {
    pub fn views(&self) -> Vec<DestView> {
        self.dests.iter().map(Dest::view).collect()
    }

    /// A destination by id, in the list or in the trash (connections outlive deletion).
    pub fn dest_mut(&mut self, id: u32) -> Option<&mut Dest> {
        self.dests
            .iter_mut()
            .chain(self.trash.iter_mut())
            .find(|d| d.id == id)
    }

    pub fn dest(&self, id: u32) -> Option<&Dest> {
        self.dests
            .iter()
            .chain(self.trash.iter())
            .find(|d| d.id == id)
    }
}

/// What `ipvsadm -A/-E` sets on a service.
#[derive(Clone, Debug)]
pub struct SvcConf {
    pub sched: String,
    pub flags: Flags,
    pub persistent: Option<u32>,
    pub netmask: Ipv4Addr,
}

/// What `ipvsadm -a/-e` sets on a destination.
#[derive(Clone, Copy, Debug)]
pub struct DestConf {
    pub addr: Ipv4Addr,
    pub port: u16,
    pub method: Method,
    pub weight: u32,
    pub u_threshold: u32,
    pub l_threshold: u32,
}

/// libipvs's ipvs_strerror texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtlError {
    ServiceExists,
    NoService,
    ServiceNotDefined,
    DestExists,
    NoDest,
    NoScheduler,
}

impl CtlError {
    pub fn message(self) -> &'static str {
        match self {
            CtlError::ServiceExists => "Service already exists",
            CtlError::NoService => "No such service",
            CtlError::ServiceNotDefined => "Service not defined",
            CtlError::DestExists => "Destination already exists",
            CtlError::NoDest => "No such destination",
            CtlError::NoScheduler => "Scheduler or persistence engine not found",
        }
    }
}

#[derive(Default)]
pub struct Rules {
    pub services: Vec<Service>,
    /// Destinations of deleted services that still have connections (the kernel's global
    /// trash): their entries count down here, and re-adding the same service and server
    /// within that time brings the counters back.
    pub orphans: Vec<(SvcKey, Dest)>,
    next_dest: u32,
}

impl Rules {
    pub fn find(&self, key: &SvcKey) -> Option<&Service> {
        self.services.iter().find(|s| s.key == *key)
    }

    pub fn find_mut(&mut self, key: &SvcKey) -> Option<&mut Service> {
        self.services.iter_mut().find(|s| s.key == *key)
    }

    /// -A.
    pub fn add_service(&mut self, key: SvcKey, conf: &SvcConf) -> Result<(), CtlError> {
        if self.find(&key).is_some() {
            return Err(CtlError::ServiceExists);
        }
        let sched = sched::new(&conf.sched, &[], conf.flags).ok_or(CtlError::NoScheduler)?;
        self.services.push(Service {
            key,
            sched_name: conf.sched.clone(),
            sched,
            flags: conf.flags,
            persistent: conf.persistent,
            netmask: conf.netmask,
            dests: Vec::new(),
            trash: Vec::new(),
            stats: Stats::default(),
            est: Est::default(),
        });
        Ok(())
    }

    /// -E: a new scheduler is bound with every destination present (init_service).
    pub fn edit_service(&mut self, key: SvcKey, conf: &SvcConf) -> Result<(), CtlError> {
        let svc = self.find_mut(&key).ok_or(CtlError::NoService)?;
        if conf.sched != svc.sched_name || conf.flags != svc.flags {
            let views = svc.views();
            svc.sched = sched::new(&conf.sched, &views, conf.flags).ok_or(CtlError::NoScheduler)?;
            svc.sched_name = conf.sched.clone();
            svc.flags = conf.flags;
        }
        svc.persistent = conf.persistent;
        svc.netmask = conf.netmask;
        Ok(())
    }

    /// -D.
    pub fn del_service(&mut self, key: SvcKey) -> Result<(), CtlError> {
        let i = self
            .services
            .iter()
            .position(|s| s.key == key)
            .ok_or(CtlError::NoService)?;
        let svc = self.services.remove(i);
        self.orphan(svc);
        Ok(())
    }

    /// A deleted service's destinations that still have connections go to the trash.
    fn orphan(&mut self, svc: Service) {
        let busy = svc
            .dests
            .into_iter()
            .chain(svc.trash)
            .filter(|d| d.active + d.inactive + d.persist > 0);
        self.orphans.extend(busy.map(|d| (svc.key, d)));
    }

    /// A destination by id, in its service (list or trash) or among the orphans.
    pub fn dest_mut(&mut self, key: &SvcKey, id: u32) -> Option<&mut Dest> {
        match self.services.iter_mut().find(|s| s.key == *key) {
            Some(svc) if svc.dest(id).is_some() => svc.dest_mut(id),
            _ => self
                .orphans
                .iter_mut()
                .find(|(k, d)| k == key && d.id == id)
                .map(|(_, d)| d),
        }
    }

    /// Forgets trashed destinations whose last connection has gone.
    pub fn empty_trash(&mut self) {
        let busy = |d: &Dest| d.active + d.inactive + d.persist > 0;
        for s in &mut self.services {
            s.trash.retain(busy);
        }
        self.orphans.retain(|(_, d)| busy(d));
    }

    /// -a: at the head of the list (a trashed twin comes back with its counters).
    pub fn add_dest(&mut self, key: SvcKey, conf: &DestConf) -> Result<(), CtlError> {
        self.next_dest += 1;
        let fresh = self.next_dest;
        let svc = self.find_mut(&key).ok_or(CtlError::ServiceNotDefined)?;
        if svc
            .dests
            .iter()
            .any(|d| (d.addr, d.port) == (conf.addr, conf.port))
        {
            return Err(CtlError::DestExists);
        }
        let revived =
            svc.trash
                .iter()
                .position(|d| (d.addr, d.port) == (conf.addr, conf.port))
                .map(|i| svc.trash.remove(i))
                .or_else(|| {
                    let i = self.orphans.iter().position(|(k, d)| {
                        *k == key && (d.addr, d.port) == (conf.addr, conf.port)
                    })?;
                    Some(self.orphans.remove(i).1)
                });
        let Some(svc) = self.find_mut(&key) else {
            return Err(CtlError::ServiceNotDefined);
        };
        let mut d = revived.unwrap_or(Dest {
            id: fresh,
            addr: conf.addr,
            port: conf.port,
            method: conf.method,
            weight: 0,
            u_threshold: 0,
            l_threshold: 0,
            active: 0,
            inactive: 0,
            persist: 0,
            overloaded: false,
            stats: Stats::default(),
            est: Est::default(),
        });
        apply(&mut d, conf);
        let id = d.id;
        svc.dests.insert(0, d);
        let views = svc.views();
        svc.sched.update(&views, Change::Add(id));
        Ok(())
    }

    /// -e: every field is replaced (ipvsadm sends a whole destination).
    pub fn edit_dest(&mut self, key: SvcKey, conf: &DestConf) -> Result<(), CtlError> {
        let svc = self.find_mut(&key).ok_or(CtlError::NoService)?;
        let d = svc
            .dests
            .iter_mut()
            .find(|d| (d.addr, d.port) == (conf.addr, conf.port))
            .ok_or(CtlError::NoDest)?;
        apply(d, conf);
        let id = d.id;
        let views = svc.views();
        svc.sched.update(&views, Change::Edit(id));
        Ok(())
    }

    /// -d: to the trash while connections still refer to it.
    pub fn del_dest(&mut self, key: SvcKey, addr: Ipv4Addr, port: u16) -> Result<(), CtlError> {
        let svc = self.find_mut(&key).ok_or(CtlError::NoService)?;
        let i = svc
            .dests
            .iter()
            .position(|d| (d.addr, d.port) == (addr, port))
            .ok_or(CtlError::NoDest)?;
        let prev = i.checked_sub(1).map(|p| svc.dests[p].id);
        let d = svc.dests.remove(i);
        let id = d.id;
        if d.active + d.inactive + d.persist > 0 {
            svc.trash.push(d);
        }
        let views = svc.views();
        svc.sched.update(&views, Change::Del { id, prev });
        Ok(())
    }

    /// -C.
    pub fn clear(&mut self) {
        for svc in std::mem::take(&mut self.services) {
            self.orphan(svc);
        }
    }

    /// -Z: one service's counters, or all.
    pub fn zero(&mut self, key: Option<SvcKey>) -> Result<(), CtlError> {
        if let Some(k) = key {
            self.find(&k).ok_or(CtlError::NoService)?;
        }
        for s in self
            .services
            .iter_mut()
            .filter(|s| key.is_none_or(|k| s.key == k))
        {
            s.stats = Stats::default();
            s.est = Est::default();
            for d in &mut s.dests {
                d.stats = Stats::default();
                d.est = Est::default();
            }
        }
        Ok(())
    }
}

/// Sets a destination's configuration. A threshold raised or removed clears OVERLOAD at once
/// (it is set again only at the next bind).
fn apply(d: &mut Dest, conf: &DestConf) {
    if conf.u_threshold == 0 || conf.u_threshold > d.u_threshold {
        d.overloaded = false;
    }
    d.method = conf.method;
    d.weight = conf.weight;
    d.u_threshold = conf.u_threshold;
    d.l_threshold = conf.l_threshold;
}
