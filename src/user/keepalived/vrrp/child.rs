//! The VRRP child (keepalived/vrrp/vrrp_daemon.c, vrrp_scheduler.c): reads the `vrrp_*`
//! blocks, opens a raw socket per interface joined to 224.0.0.18, runs each instance's
//! state machine on the adverts and timers, and does what the machines decide: send
//! adverts, put the VIPs on and take them off (netlink address calls, with their labels),
//! send gratuitous ARPs on a packet socket, run notify scripts.

use super::instance::{Effect, State, Vrrp};
use super::packet::{self, PROTO_VRRP, TTL};
use super::sync::Group;
use super::track::Tracker;
use super::tracking::Links;
use crate::kernel::netdev::IfAddr;
use crate::kernel::process::{Poll, Program, Signal, Sys};
use crate::kernel::socket::SockId;
use crate::kernel::{af_packet, af_unix, devinet, raw, rtnetlink};
use crate::sim::time::SEC;
use crate::sim::Time;
use crate::user::keepalived::conf::{Config, Global, Pass, SyncGroup, Vip};
use crate::user::keepalived::log::Log;
use crate::user::keepalived::opts::Opts;
use crate::user::keepalived::parent::{read, ready_path};
use crate::why;
use std::net::Ipv4Addr;

/// One interface's sockets: adverts in, adverts out, gratuitous ARPs out.
struct Sock {
    dev: usize,
    rx: SockId,
    tx: SockId,
    garp: SockId,
}

pub struct VrrpChild {
    opts: Opts,
    pub(super) log: Log,
    /// The parent's global_defs.
    global: Global,
    started: bool,
    pub(super) instances: Vec<Vrrp>,
    socks: Vec<Sock>,
    pub(super) tracker: Tracker,
    pub(super) links: Links,
    pub(super) sync_conf: Vec<SyncGroup>,
    pub(super) groups: Vec<Group>,
    /// The netlink reflector: link changes wake us.
    netlink: Option<SockId>,
    group: Ipv4Addr,
    /// SIGTERM: the time the process ends (keepalived gives IGMP leaves a second).
    stopping: Option<Time>,
}

pub fn spawn(opts: Opts, log: Log, global: Global) -> Box<dyn Program> {
    Box::new(VrrpChild {
        opts,
        log,
        global,
        started: false,
        instances: Vec::new(),
        socks: Vec::new(),
        tracker: Tracker::default(),
        links: Links::default(),
        sync_conf: Vec::new(),
        groups: Vec::new(),
        netlink: None,
        group: Ipv4Addr::new(224, 0, 0, 18),
        stopping: None,
    })
}

impl VrrpChild {
    /// start_vrrp: read the config, open the sockets, start the instances.
    fn start(&mut self, sys: &mut Sys) -> Option<i32> {
        sys.set_pdeathsig(Signal::Term);
        let _ = sys.write_file(
            &self.opts.vrrp_pid,
            format!("{}\n", sys.pid).as_bytes(),
            false,
        );
        let parsed = read(
            sys,
            &self.opts,
            (Pass::Vrrp, false),
            Some(self.global.clone()),
        )?;
        let log = self.log.clone();
        log.detail(sys, "Registering Kernel netlink reflector");
        self.netlink = Some(rtnetlink::socket(sys.k, sys.pid));
        log.detail(sys, "Registering Kernel netlink command channel");
        for m in parsed.messages(Pass::Vrrp) {
            log.info(sys, &m);
        }
        if parsed.fatal || parsed.invalid {
            return Some(2);
        }
        self.setup(sys, parsed.cfg);
        self.tell_parent(sys);
        None
    }

    fn setup(&mut self, sys: &mut Sys, cfg: Config) {
        self.group = cfg.global.mcast_group4;
        let log = self.log.clone();
        let mut announced: Vec<String> = Vec::new();
        for conf in cfg.instances {
            let dev_name = conf.interface.clone().unwrap_or_default();
            let dev = sys.k.devs.index_of(&dev_name).unwrap_or(0);
            let saddr = conf
                .unicast_src_ip
                .or(conf.mcast_src_ip)
                .or_else(|| primary(sys, dev));
            let saddr = saddr.unwrap_or(Ipv4Addr::UNSPECIFIED);
            if !announced.contains(&dev_name) {
                announced.push(dev_name.clone());
                log.detail(
                    sys,
                    &format!("Assigned address {saddr} for interface {dev_name}"),
                );
            }
            self.instances.push(Vrrp::new(conf, saddr));
        }
        self.tracker = Tracker::new(cfg.scripts, &self.instances);
        self.sync_conf = cfg.sync_groups;
        self.initial_tracking(sys);
        log.detail(sys, "Registering gratuitous ARP shared channel");
        let now = sys.now();
        for i in 0..self.instances.len() {
            let group = super::sync::group_of(&self.groups, i).map(|g| self.groups[g].state);
            let fx = self.instances[i].start(now, group);
            self.apply(sys, i, fx);
        }
        for i in 0..self.instances.len() {
            self.open_socket(sys, i);
        }
    }

    /// The instance's interface gets its sockets (one set per interface: the sockpool).
    fn open_socket(&mut self, sys: &mut Sys, i: usize) {
        let name = self.instances[i].conf.interface.clone().unwrap_or_default();
        let Some(dev) = sys.k.devs.index_of(&name) else {
            return;
        };
        if self.socks.iter().any(|s| s.dev == dev) {
            return;
        }
        let rx = raw::socket(sys.k, sys.pid, PROTO_VRRP);
        let _ = raw::bind_device(sys.k, rx, dev);
        let _ = raw::join(sys.k, rx, dev, self.group);
        let tx = raw::socket(sys.k, sys.pid, PROTO_VRRP);
        let _ = raw::bind_device(sys.k, tx, dev);
        raw::set_mc_loop(sys.k, tx, false);
        // ETH_P_RARP: the GARP socket never reads anything.
        let garp = af_packet::socket(sys.k, sys.pid, Some(dev), Some(0x8035));
        self.socks.push(Sock { dev, rx, tx, garp });
        let log = self.log.clone();
        let fd = 12 + 2 * self.socks.len();
        log.detail(
            sys,
            &format!(
                "VRRP sockpool: [ifindex({dev:>3}), family(IPv4), proto(112), fd({fd},{}) multicast, address({})]",
                fd + 1,
                self.group
            ),
        );
    }

    fn tell_parent(&self, sys: &mut Sys) {
        let ppid = sys.k.procs.procs.get(&sys.pid).map_or(1, |p| p.ppid);
        let s = af_unix::socket(sys.k, sys.pid);
        let _ = af_unix::sendto(sys.k, s, &ready_path(ppid), b"vrrp");
        sys.k.sockets.close(s);
    }

    /// vrrp_read_dispatcher_thread: adverts in, tracking, then timers.
    fn run(&mut self, sys: &mut Sys) {
        let now = sys.now();
        for si in 0..self.socks.len() {
            let (rx, dev) = (self.socks[si].rx, self.socks[si].dev);
            while let Some((_, pkt)) = raw::recv(sys.k, rx) {
                self.dispatch(sys, dev, &pkt);
            }
        }
        if let Some(nl) = self.netlink {
            // The messages only wake us: Links reads each interface's state itself.
            while rtnetlink::recv(sys.k, nl).is_some() {}
        }
        self.track(sys);
        for i in 0..self.instances.len() {
            if self.instances[i].sands.is_some_and(|t| t <= now) {
                self.timer(sys, i);
            }
            let fx = self.instances[i].garp_delay(now);
            self.apply(sys, i, fx);
        }
    }

    /// An advert arrived on `dev`: to the instance with its VRID there.
    fn dispatch(&mut self, sys: &mut Sys, dev: usize, pkt: &[u8]) {
        let now = sys.now();
        let r = match packet::parse(pkt) {
            Ok(r) => r,
            Err(bad) => {
                let log = self.log.clone();
                log.info(sys, &bad.message(""));
                return;
            }
        };
        if self.instances.iter().any(|v| v.saddr == r.src) {
            return;
        }
        let found = self.instances.iter().position(|v| {
            v.conf.vrid == Some(r.advert.vrid)
                && v.conf.interface.as_deref() == sys.k.devs.get(dev).map(|d| d.name.as_str())
        });
        let Some(i) = found else {
            return;
        };
        let before = self.instances[i].state;
        let fx = self.instances[i].receive(now, &r);
        self.apply(sys, i, fx);
        self.transition(sys, i, before);
    }

    /// Does what instance `i` decided.
    pub(super) fn apply(&mut self, sys: &mut Sys, i: usize, fx: Vec<Effect>) {
        for e in fx {
            match e {
                Effect::Log { text, detail } => {
                    let log = self.log.clone();
                    if detail {
                        log.detail(sys, &text)
                    } else {
                        log.info(sys, &text)
                    }
                }
                Effect::Why(text) => why!(sys.ctx, "vrrp", "{text}"),
                Effect::Advert(prio) => self.send_advert(sys, i, prio),
                Effect::SetVips => self.vips(sys, i, true),
                Effect::RemoveVips => self.vips(sys, i, false),
                Effect::Garps(n) => self.garps(sys, i, n),
                Effect::Notify(state) => super::notify::run(sys, &self.instances[i], state),
                Effect::GroupNotify(state) => {
                    let g = super::sync::group_of(&self.groups, i);
                    let line =
                        g.and_then(|g| super::tracking::group_script(&self.groups[g], state));
                    if let Some(line) = line {
                        super::notify::exec(sys, &line);
                    }
                }
            }
        }
    }

    fn send_advert(&mut self, sys: &mut Sys, i: usize, prio: u8) {
        let v = &self.instances[i];
        let name = v.conf.interface.clone().unwrap_or_default();
        let Some(dev) = sys.k.devs.index_of(&name) else {
            return;
        };
        let Some(sock) = self.socks.iter().find(|s| s.dev == dev).map(|s| s.tx) else {
            return;
        };
        let advert = v.advert(prio);
        let ip_id = self.instances[i].next_ip_id();
        let v = &self.instances[i];
        let peers: Vec<Ipv4Addr> = if v.conf.unicast_peers.is_empty() {
            vec![self.group]
        } else {
            v.conf.unicast_peers.clone()
        };
        for dst in peers {
            let pkt = advert.ip_packet(v.saddr, dst, TTL, ip_id);
            why!(
                sys.ctx,
                "vrrp",
                "{} sends advert vrid {} prio {prio} to {dst}",
                v.name(),
                advert.vrid
            );
            if let Err(e) = raw::send_hdrincl(sys.k, sys.ctx, sock, pkt) {
                let text = format!(
                    "({}): send advert error {} ({})",
                    v.name(),
                    errno(e),
                    e.message()
                );
                let log = self.log.clone();
                log.info(sys, &text);
            }
        }
    }

    /// netlink_iplist: the VIPs on (with their labels) or off.
    fn vips(&mut self, sys: &mut Sys, i: usize, add: bool) {
        let v = &self.instances[i];
        let default_dev = v.conf.interface.clone().unwrap_or_default();
        for vip in v.conf.vips.iter().chain(v.conf.evips.iter()) {
            let dev_name = vip.dev.clone().unwrap_or_else(|| default_dev.clone());
            let Some(dev) = sys.k.devs.index_of(&dev_name) else {
                continue;
            };
            // The reason names the VIP as ifconfig shows it: by its label, if it has one.
            let shown = vip.label.as_deref().unwrap_or(&dev_name);
            if add {
                let ifa = ifaddr(vip, &dev_name);
                if devinet::add(sys.k, dev, ifa).is_ok() {
                    let (name, addr, prefix) = (v.name(), vip.addr, vip.prefix);
                    why!(sys.ctx, "vrrp", "{name} adds {addr}/{prefix} to {shown}");
                }
            } else if devinet::del(sys.k, dev, vip.addr, vip.prefix).is_ok() {
                let (name, addr, prefix) = (v.name(), vip.addr, vip.prefix);
                why!(
                    sys.ctx,
                    "vrrp",
                    "{name} removes {addr}/{prefix} from {shown}"
                );
            }
        }
    }

    /// vrrp_send_link_update: `n` rounds of one gratuitous ARP per VIP.
    fn garps(&mut self, sys: &mut Sys, i: usize, n: u32) {
        let v = &self.instances[i];
        if !v.vipset {
            return;
        }
        let default_dev = v.conf.interface.clone().unwrap_or_default();
        let log = self.log.clone();
        for round in 0..n {
            for vip in v.conf.vips.iter().chain(v.conf.evips.iter()) {
                let dev_name = vip.dev.clone().unwrap_or_else(|| default_dev.clone());
                let Some(dev) = sys.k.devs.index_of(&dev_name) else {
                    continue;
                };
                if round == 0 {
                    log.detail(
                        sys,
                        &format!(
                            "({}) Sending/queueing gratuitous ARPs on {dev_name} for {}",
                            v.name(),
                            vip.addr
                        ),
                    );
                }
                log.detail(
                    sys,
                    &format!("Sending gratuitous ARP on {dev_name} for {}", vip.addr),
                );
                let Some(sock) = self.socks.iter().find(|s| s.dev == dev).map(|s| s.garp) else {
                    continue;
                };
                let frame = packet::garp(sys.k.dev_mac(dev), vip.addr);
                why!(
                    sys.ctx,
                    "vrrp",
                    "{} gratuitous ARP {} of {n} for {} on {dev_name}",
                    v.name(),
                    round + 1,
                    vip.addr
                );
                let _ = af_packet::sendto(sys.k, sys.ctx, sock, dev, frame);
            }
        }
    }

    /// SIGTERM: masters resign and take their VIPs off; the process ends a second later.
    fn shutdown(&mut self, sys: &mut Sys) {
        if self.stopping.is_some() {
            return;
        }
        let log = self.log.clone();
        for i in 0..self.instances.len() {
            let fx = if self.opts.dont_release_vrrp {
                Vec::new()
            } else {
                self.instances[i].shutdown()
            };
            self.apply(sys, i, fx);
        }
        let _ = log;
        self.stopping = Some(sys.now() + SEC);
    }

    /// SIGHUP: the configuration again. Instances that are still there keep their state
    /// (a master sends an advert at once and restarts its cadence); new ones start;
    /// removed ones stop as on SIGTERM.
    fn reload(&mut self, sys: &mut Sys) {
        let log = self.log.clone();
        log.info(sys, "Reloading");
        let Some(parsed) = read(
            sys,
            &self.opts,
            (Pass::Vrrp, false),
            Some(self.global.clone()),
        ) else {
            return;
        };
        for m in parsed.messages(Pass::Vrrp) {
            log.info(sys, &m);
        }
        let now = sys.now();
        let mut old: Vec<Vrrp> = std::mem::take(&mut self.instances);
        for conf in parsed.cfg.instances {
            match old.iter().position(|v| v.conf.name == conf.name) {
                Some(p) => {
                    let mut v = old.remove(p);
                    v.reconfigure(conf);
                    self.instances.push(v);
                }
                None => {
                    let dev = sys
                        .k
                        .devs
                        .index_of(conf.interface.as_deref().unwrap_or(""))
                        .unwrap_or(0);
                    let saddr = primary(sys, dev).unwrap_or(Ipv4Addr::UNSPECIFIED);
                    self.instances.push(Vrrp::new(conf, saddr));
                    let i = self.instances.len() - 1;
                    let fx = self.instances[i].start(now, None);
                    self.apply(sys, i, fx);
                    self.open_socket(sys, i);
                }
            }
        }
        for mut gone in old {
            let fx = gone.shutdown();
            self.instances.push(gone);
            let i = self.instances.len() - 1;
            self.apply(sys, i, fx);
            self.instances.pop();
        }
        self.tracker = Tracker::new(parsed.cfg.scripts, &self.instances);
        self.links = Links::new(sys, &self.instances);
        self.sync_conf = parsed.cfg.sync_groups;
        self.groups = super::sync::build(&self.sync_conf, &self.instances);
        for i in 0..self.instances.len() {
            let fx = self.instances[i].reloaded(now);
            self.apply(sys, i, fx);
        }
        self.tell_parent(sys);
    }

    fn next_wake(&self) -> Option<Time> {
        let timers = self.instances.iter().filter_map(|v| v.next_timer());
        timers
            .chain(self.tracker.next_timer())
            .chain(self.stopping)
            .min()
    }
}

impl Program for VrrpChild {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        if !self.started {
            self.started = true;
            if let Some(code) = self.start(sys) {
                return Poll::Exit(code);
            }
        }
        if let Some(end) = self.stopping {
            if sys.now() >= end {
                let log = self.log.clone();
                log.stopped(sys);
                let _ = sys.remove(&self.opts.vrrp_pid);
                return Poll::Exit(0);
            }
            return Poll::Idle(Some(end));
        }
        self.run(sys);
        // Scripts run as children: keep polling while one is out.
        if self.tracker.busy() {
            return Poll::Wait(self.next_wake());
        }
        Poll::Idle(self.next_wake())
    }

    fn signal(&mut self, sys: &mut Sys, sig: Signal) -> Poll {
        match sig {
            Signal::Hup => self.reload(sys),
            Signal::Usr1 | Signal::Usr2 => {}
            _ => self.shutdown(sys),
        }
        Poll::Idle(self.next_wake())
    }
}

/// The first address of an interface (the adverts' source).
fn primary(sys: &Sys, dev: usize) -> Option<Ipv4Addr> {
    sys.k.devs.get(dev)?.primaries().next().map(|a| a.addr)
}

fn ifaddr(vip: &Vip, dev_name: &str) -> IfAddr {
    IfAddr {
        addr: vip.addr,
        prefix: vip.prefix,
        broadcast: vip.brd,
        label: vip.label.clone().unwrap_or_else(|| dev_name.to_string()),
    }
}

fn errno(e: crate::kernel::ip_output::Errno) -> i32 {
    use crate::kernel::ip_output::Errno as E;
    match e {
        E::NetUnreach => 101,
        E::HostUnreach => 113,
        E::NetDown => 100,
        E::NoDev => 19,
        _ => 22,
    }
}

impl State {
    /// The word notify scripts get.
    pub fn word(self) -> &'static str {
        self.name()
    }
}
