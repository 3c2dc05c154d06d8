//! The checker child (keepalived/check/check_daemon.c, ipwrapper.c): creates each
//! virtual server in IPVS with its real servers, runs their checkers on their schedules,
//! and keeps the table to the servers whose checkers all pass, on MASTER and BACKUP alike.

use super::checker::{Checker, Outcome, Verdict};
use super::ipvs;
use super::probe::{self, Probe};
use crate::kernel::af_unix;
use crate::kernel::process::{Poll, Program, Signal, Sys};
use crate::sim::Time;
use crate::user::keepalived::conf::{fmt_vs, trio, Global, Pass, RealServer, VirtualServer};
use crate::user::keepalived::log::Log;
use crate::user::keepalived::opts::Opts;
use crate::user::keepalived::parent::{read, ready_path};
use crate::user::shell::{lexer, Shell};

/// A real server as the checker child tracks it.
struct Server {
    alive: bool,
    /// In the kernel's table (with its weight, or 0 when inhibited).
    set: bool,
    weight: i32,
    inhibit: bool,
}

pub struct CheckerChild {
    opts: Opts,
    log: Log,
    /// The parent's global_defs.
    global: Global,
    started: bool,
    vss: Vec<VirtualServer>,
    servers: Vec<Vec<Server>>,
    quorum_up: Vec<bool>,
    checkers: Vec<Checker>,
    probes: Vec<Option<Probe>>,
}

pub fn spawn(opts: Opts, log: Log, global: Global) -> Box<dyn Program> {
    Box::new(CheckerChild {
        opts,
        log,
        global,
        started: false,
        vss: Vec::new(),
        servers: Vec::new(),
        quorum_up: Vec::new(),
        checkers: Vec::new(),
        probes: Vec::new(),
    })
}

impl CheckerChild {
    fn start(&mut self, sys: &mut Sys) -> Option<i32> {
        sys.set_pdeathsig(Signal::Term);
        let _ = sys.write_file(
            &self.opts.check_pid,
            format!("{}\n", sys.pid).as_bytes(),
            false,
        );
        let parsed = read(
            sys,
            &self.opts,
            (Pass::Checker, false),
            Some(self.global.clone()),
        )?;
        let log = self.log.clone();
        for m in parsed.messages(Pass::Checker) {
            log.info(sys, &m);
        }
        if parsed.fatal || parsed.invalid {
            return Some(2);
        }
        log.info(sys, "Initializing ipvs");
        if parsed.cfg.global.lvs_flush {
            sys.k.ipvs.rules.clear();
        }
        for vs in parsed.cfg.virtual_servers {
            self.add_vs(sys, vs);
        }
        for vi in 0..self.vss.len() {
            self.update_quorum(sys, vi, true);
        }
        self.activate(sys, 0);
        log.info(sys, "Activating BFD healthchecker");
        self.tell_parent(sys);
        None
    }

    /// init_services: the service, its live servers (in config order, so the kernel's list
    /// runs newest first), and its checkers.
    fn add_vs(&mut self, sys: &mut Sys, vs: VirtualServer) {
        ipvs::add_service(sys, &vs);
        let vi = self.vss.len();
        let mut servers = Vec::new();
        for (ri, rs) in vs.real_servers.iter().enumerate() {
            let inhibit = rs
                .defaults
                .inhibit_on_failure
                .or(vs.defaults.inhibit_on_failure)
                .unwrap_or(false);
            let alpha = rs.defaults.alpha.or(vs.defaults.alpha).unwrap_or(false);
            let alive = !alpha || rs.checkers.is_empty();
            if alive || inhibit {
                ipvs::add_dest(sys, &vs, rs, if alive { rs.weight } else { 0 }, inhibit);
            }
            servers.push(Server {
                alive,
                set: alive || inhibit,
                weight: rs.weight,
                inhibit,
            });
            for conf in rs.checkers.clone() {
                self.checkers.push(Checker::new(conf, (vi, &vs), (ri, rs)));
                self.probes.push(None);
            }
        }
        self.servers.push(servers);
        self.quorum_up.push(false);
        self.vss.push(vs);
    }

    /// register_checkers_thread for the checkers from `first` on.
    fn activate(&mut self, sys: &mut Sys, first: usize) {
        let log = self.log.clone();
        let now = sys.now();
        for c in &mut self.checkers[first..] {
            log.info(
                sys,
                &format!(
                    "Activating healthchecker for service {} for VS {}",
                    c.name, c.vs_name
                ),
            );
            let r = sys.k.rng.next_u32();
            c.schedule_first(now, r);
        }
    }

    fn tell_parent(&self, sys: &mut Sys) {
        let ppid = sys.k.procs.procs.get(&sys.pid).map_or(1, |p| p.ppid);
        let s = af_unix::socket(sys.k, sys.pid);
        let _ = af_unix::sendto(sys.k, s, &ready_path(ppid), b"checker");
        sys.k.sockets.close(s);
    }

    /// Runs due checkers and moves the attempts in flight along.
    fn run(&mut self, sys: &mut Sys) {
        let now = sys.now();
        for i in 0..self.checkers.len() {
            if self.probes[i].is_none() && self.checkers[i].next.is_some_and(|t| t <= now) {
                self.checkers[i].next = None;
                let request = self.request(i);
                match probe::start(sys, &self.checkers[i], request) {
                    Ok(p) => self.probes[i] = Some(p),
                    Err(outcome) => self.finished(sys, i, outcome),
                }
            }
            let done = self.probes[i]
                .as_mut()
                .and_then(|p| p.poll(sys, &self.checkers[i]));
            if let Some(outcome) = done {
                self.probes[i] = None;
                self.finished(sys, i, outcome);
            }
        }
    }

    /// The Host header: a virtualhost if one is set along the cascade, else ADDR:PORT.
    fn host(&self, i: usize) -> String {
        let c = &self.checkers[i];
        let vs = &self.vss[c.vs];
        let rs = &vs.real_servers[c.rs];
        let url_host = match &c.conf.kind {
            crate::user::keepalived::conf::CheckKind::Http {
                urls, virtualhost, ..
            } => urls
                .get(c.url_it.unwrap_or(0))
                .and_then(|u| u.virtualhost.clone())
                .or_else(|| virtualhost.clone()),
            _ => None,
        };
        url_host
            .or_else(|| rs.virtualhost.clone())
            .or_else(|| vs.virtualhost.clone())
            .unwrap_or_else(|| format!("{}:{}", c.dst.0, c.dst.1))
    }

    fn request(&self, i: usize) -> Vec<u8> {
        let c = &self.checkers[i];
        let path = match &c.conf.kind {
            crate::user::keepalived::conf::CheckKind::Http { urls, .. } => urls
                .get(c.url_it.unwrap_or(0))
                .and_then(|u| u.path.clone())
                .unwrap_or_else(|| "/".into()),
            _ => return Vec::new(),
        };
        probe::request(&path, &self.host(i))
    }

    fn finished(&mut self, sys: &mut Sys, i: usize, outcome: Outcome) {
        let now = sys.now();
        let verdict = self.checkers[i].done(now, outcome);
        self.verdict(sys, i, verdict);
    }

    fn verdict(&mut self, sys: &mut Sys, i: usize, v: Verdict) {
        let log = self.log.clone();
        for l in &v.log {
            log.info(sys, l);
        }
        let (vi, ri) = (self.checkers[i].vs, self.checkers[i].rs);
        if let Some(w) = v.weight {
            self.set_weight(sys, vi, ri, w);
        }
        if v.state.is_some() {
            let alive = self
                .checkers
                .iter()
                .filter(|c| c.vs == vi && c.rs == ri)
                .all(|c| c.is_up);
            self.server_state(sys, vi, ri, alive);
        }
    }

    /// perform_svr_state: a server that changed goes in or out of its service.
    fn server_state(&mut self, sys: &mut Sys, vi: usize, ri: usize, alive: bool) {
        if self.servers[vi][ri].alive == alive {
            return;
        }
        let vs = self.vss[vi].clone();
        let rs = &vs.real_servers[ri];
        let inhibit = self.servers[vi][ri].inhibit;
        let verb = match (alive, inhibit) {
            (true, true) => "Enabl",
            (true, false) => "Add",
            (false, true) => "Disabl",
            (false, false) => "Remov",
        };
        let prep = match (alive, inhibit) {
            (_, true) => "of",
            (true, false) => "to",
            (false, false) => "from",
        };
        let name = trio(rs.addr, vs.protocol, rs.port);
        let log = self.log.clone();
        log.info(
            sys,
            &format!("{verb}ing service {name} {prep} VS {}", fmt_vs(&vs)),
        );
        if alive {
            ipvs::add_dest(sys, &vs, rs, self.servers[vi][ri].weight, inhibit);
        } else {
            ipvs::del_dest(sys, &vs, rs, inhibit);
        }
        let s = &mut self.servers[vi][ri];
        s.alive = alive;
        s.set = alive || inhibit;
        notify(
            sys,
            if alive {
                &rs.notify_up
            } else {
                &rs.notify_down
            },
        );
        self.update_quorum(sys, vi, false);
    }

    /// misc_dynamic: the server's weight follows the script's exit status.
    fn set_weight(&mut self, sys: &mut Sys, vi: usize, ri: usize, w: i32) {
        let old = self.servers[vi][ri].weight;
        if old == w {
            return;
        }
        self.servers[vi][ri].weight = w;
        let vs = self.vss[vi].clone();
        let rs = &vs.real_servers[ri];
        let alive = self.servers[vi][ri].alive;
        let log = self.log.clone();
        let name = trio(rs.addr, vs.protocol, rs.port);
        let state = if alive { "" } else { "in" };
        log.info(
            sys,
            &format!(
                "Changing weight from {old} to {w} for {state}active service {name} of VS {}",
                fmt_vs(&vs)
            ),
        );
        if alive {
            ipvs::add_dest(sys, &vs, rs, w, true);
        }
    }

    /// update_quorum_state: the sum of live weights against quorum ± hysteresis.
    fn update_quorum(&mut self, sys: &mut Sys, vi: usize, init: bool) {
        let vs = &self.vss[vi];
        let sum: i64 = self.servers[vi]
            .iter()
            .filter(|s| s.alive)
            .map(|s| i64::from(s.weight))
            .sum();
        let (q, h) = (i64::from(vs.quorum), i64::from(vs.hysteresis));
        let up = self.quorum_up[vi];
        let threshold = q + if up { -h } else { h };
        let name = fmt_vs(vs);
        let (qu, qd) = (vs.quorum_up.clone(), vs.quorum_down.clone());
        let log = self.log.clone();
        if !up && sum >= threshold {
            self.quorum_up[vi] = true;
            log.info(
                sys,
                &format!("Gained quorum {q}+{h}={threshold} <= {sum} for VS {name}"),
            );
            self.sorry(sys, vi, false);
            if !init {
                notify(sys, &qu);
            }
        } else if (up && (sum == 0 || sum < threshold))
            || (init && !up && self.vss[vi].sorry_server.is_some())
        {
            self.quorum_up[vi] = false;
            let what = if init {
                "Starting with quorum down"
            } else {
                "Lost quorum"
            };
            log.info(
                sys,
                &format!("{what} {q}-{h}={threshold} > {sum} for VS {name}"),
            );
            self.sorry(sys, vi, true);
            notify(sys, &qd);
        }
    }

    /// The sorry server replaces the live servers while the quorum is down.
    fn sorry(&mut self, sys: &mut Sys, vi: usize, add: bool) {
        let vs = self.vss[vi].clone();
        let Some((ip, port)) = vs.sorry_server else {
            return;
        };
        let rs = sorry_rs(&vs, ip, port);
        let name = trio(ip, vs.protocol, port);
        let log = self.log.clone();
        let in_table = sys
            .k
            .ipvs
            .rules
            .find(&ipvs::svc_key(&vs))
            .is_some_and(|s| s.dests.iter().any(|d| d.addr == ip && d.port == port));
        if add && !in_table {
            log.info(
                sys,
                &format!("Adding sorry server {name} to VS {}", fmt_vs(&vs)),
            );
            ipvs::add_dest(sys, &vs, &rs, 1, false);
        } else if !add && in_table {
            log.info(
                sys,
                &format!("Removing sorry server {name} from VS {}", fmt_vs(&vs)),
            );
            ipvs::del_dest(sys, &vs, &rs, false);
        }
    }

    /// SIGTERM: every server "Shutting down", the services deleted (unless
    /// --dont-release-ipvs), then the process ends.
    fn shutdown(&mut self, sys: &mut Sys) -> Poll {
        for p in self.probes.iter_mut().filter_map(Option::take) {
            p.cancel(sys);
        }
        let log = self.log.clone();
        for vi in 0..self.vss.len() {
            let vs = self.vss[vi].clone();
            for (ri, rs) in vs.real_servers.iter().enumerate() {
                let name = trio(rs.addr, vs.protocol, rs.port);
                let inh = if self.servers[vi][ri].inhibit && !self.servers[vi][ri].alive {
                    "(inhibited) "
                } else {
                    ""
                };
                log.info(
                    sys,
                    &format!("Shutting down {inh}service {name} from VS {}", fmt_vs(&vs)),
                );
                if !self.opts.dont_release_ipvs && self.servers[vi][ri].set {
                    ipvs::del_dest(sys, &vs, rs, false);
                }
            }
            if !self.opts.dont_release_ipvs {
                ipvs::del_service(sys, &vs);
            }
        }
        log.stopped(sys);
        let _ = sys.remove(&self.opts.check_pid);
        Poll::Exit(0)
    }

    /// SIGHUP: the configuration again; virtual servers that went away are removed, new
    /// ones created; those that stay keep their servers' state.
    fn reload(&mut self, sys: &mut Sys) {
        let log = self.log.clone();
        log.info(sys, "Reloading");
        let Some(parsed) = read(
            sys,
            &self.opts,
            (Pass::Checker, false),
            Some(self.global.clone()),
        ) else {
            return;
        };
        for m in parsed.messages(Pass::Checker) {
            log.info(sys, &m);
        }
        log.info(sys, "Reinitializing ipvs");
        let new_keys: Vec<_> = parsed.cfg.virtual_servers.iter().map(|v| v.key).collect();
        for vs in self.vss.clone() {
            if !new_keys.contains(&vs.key) {
                log.info(sys, &format!("Removing Virtual Server {}", fmt_vs(&vs)));
                ipvs::del_service(sys, &vs);
            }
        }
        for p in self.probes.iter_mut().filter_map(Option::take) {
            p.cancel(sys);
        }
        self.vss.clear();
        self.servers.clear();
        self.quorum_up.clear();
        self.checkers.clear();
        self.probes.clear();
        for vs in parsed.cfg.virtual_servers {
            self.add_vs(sys, vs);
        }
        for vi in 0..self.vss.len() {
            self.update_quorum(sys, vi, true);
        }
        self.activate(sys, 0);
        log.info(sys, "Activating BFD healthchecker");
        self.tell_parent(sys);
    }

    fn next_wake(&self) -> Option<Time> {
        let timers = self.checkers.iter().filter_map(|c| c.next);
        let deadlines = self.probes.iter().flatten().map(Probe::deadline);
        timers.chain(deadlines).min()
    }
}

impl Program for CheckerChild {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        if !self.started {
            self.started = true;
            if let Some(code) = self.start(sys) {
                return Poll::Exit(code);
            }
        }
        self.run(sys);
        // TCP progress is smoltcp's: while an attempt is out, look after every event.
        if self.probes.iter().any(Option::is_some) {
            Poll::Wait(self.next_wake())
        } else {
            Poll::Idle(self.next_wake())
        }
    }

    fn signal(&mut self, sys: &mut Sys, sig: Signal) -> Poll {
        match sig {
            Signal::Hup => {
                self.reload(sys);
                Poll::Idle(self.next_wake())
            }
            Signal::Usr1 | Signal::Usr2 => Poll::Idle(self.next_wake()),
            _ => self.shutdown(sys),
        }
    }
}

fn sorry_rs(vs: &VirtualServer, ip: std::net::Ipv4Addr, port: u16) -> RealServer {
    RealServer {
        addr: ip,
        port,
        line: vs.line,
        weight: 1,
        kind: None,
        uthreshold: None,
        lthreshold: None,
        notify_up: None,
        notify_down: None,
        virtualhost: None,
        defaults: Default::default(),
        checkers: Vec::new(),
    }
}

/// notify_up / notify_down / quorum_up / quorum_down: a script line run as a child.
fn notify(sys: &mut Sys, script: &Option<String>) {
    let Some(line) = script else {
        return;
    };
    let Ok(parsed) = lexer::parse(line) else {
        return;
    };
    let first = line.split_whitespace().next().unwrap_or("sh");
    let base = first.rsplit('/').next().unwrap_or(first).to_string();
    sys.fork(&base, line, Box::new(Shell::new(parsed, Vec::new())));
}
