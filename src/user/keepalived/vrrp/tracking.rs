//! What keeps an instance down or moves its priority, and how its sync group follows
//! (vrrp_track.c, keepalived_netlink.c's process_if_status_change, vrrp_scheduler.c's
//! TSM): the instance's own interface and its `track_interface`s by their link state, its
//! `track_script`s by their results. A weight-0 source that is down puts the instance in
//! FAULT until every such source is up again; a weighted one moves its priority.

use super::child::VrrpChild;
use super::instance::{State, Vrrp};
use super::sync;
use crate::kernel::process::Sys;

/// The link state of every interface an instance watches, as last reported.
#[derive(Default)]
pub struct Links {
    seen: Vec<(String, bool)>,
}

impl Links {
    /// Interfaces watched: each instance's own (unless dont_track_primary) and its
    /// track_interfaces, in interface order.
    pub fn new(sys: &Sys, instances: &[Vrrp]) -> Links {
        let mut names: Vec<String> = Vec::new();
        for v in instances {
            let own = v
                .conf
                .interface
                .iter()
                .filter(|_| !v.conf.dont_track_primary);
            for n in own.chain(v.conf.track_interfaces.iter().map(|t| &t.name)) {
                if !names.contains(n) {
                    names.push(n.clone());
                }
            }
        }
        names.sort_by_key(|n| sys.k.devs.index_of(n).unwrap_or(usize::MAX));
        let seen = names
            .into_iter()
            .map(|n| (n.clone(), running(sys, &n)))
            .collect();
        Links { seen }
    }

    fn up(&self, name: &str) -> bool {
        self.seen.iter().any(|(n, up)| n == name && *up)
    }

    /// "Netlink reports eth2 down" for each watched interface whose link changed.
    fn changes(&mut self, sys: &mut Sys, child_log: &crate::user::keepalived::log::Log) -> bool {
        let mut changed = false;
        for (name, up) in &mut self.seen {
            let now_up = running(sys, name);
            if now_up != *up {
                *up = now_up;
                changed = true;
                let word = if now_up { "up" } else { "down" };
                child_log.info(sys, &format!("Netlink reports {name} {word}"));
            }
        }
        changed
    }
}

fn running(sys: &Sys, name: &str) -> bool {
    sys.k.devs.by_name(name).is_some_and(|d| d.is_running())
}

/// Instance `v`'s fault sources (interfaces first, by the links' order) and what its
/// weighted interfaces add to its priority.
fn interfaces(v: &Vrrp, links: &Links) -> (Vec<String>, i32) {
    let mut faults = Vec::new();
    let mut delta = 0;
    for (name, up) in &links.seen {
        let own = v.conf.interface.as_deref() == Some(name.as_str()) && !v.conf.dont_track_primary;
        let tracked = v.conf.track_interfaces.iter().find(|t| t.name == *name);
        if (own || tracked.is_some_and(|t| t.weight == 0)) && !up {
            faults.push(format!("interface {name} down"));
        }
        if let Some(t) = tracked {
            delta += t.delta(links.up(name));
        }
    }
    (faults, delta)
}

impl VrrpChild {
    /// initialise_tracking_priorities and vrrp_complete_init's FAULT pass, before the
    /// instances start: what is down is said, priorities moved, groups synced to FAULT.
    pub(super) fn initial_tracking(&mut self, sys: &mut Sys) {
        let log = self.log.clone();
        self.links = Links::new(sys, &self.instances);
        for (name, up) in self.links.seen.clone() {
            for v in self.instances.iter().filter(|_| !up) {
                let (faults, _) = interfaces(v, &self.links);
                if faults.contains(&format!("interface {name} down")) {
                    let text = format!(
                        "({}): entering FAULT state (interface {name} down)",
                        v.name()
                    );
                    log.info(sys, &text);
                }
            }
        }
        for i in 0..self.instances.len() {
            let (faults, delta) = self.assess(i);
            for f in faults.iter().filter_map(|f| f.strip_prefix("script ")) {
                let text = format!(
                    "({}): entering FAULT state due to script {f}",
                    self.instances[i].name()
                );
                log.info(sys, &text);
            }
            self.instances[i].faults = faults;
            let fx = self.instances[i].set_priority(delta);
            self.apply(sys, i, fx);
        }
        self.groups = sync::build(&self.sync_conf, &self.instances);
        for g in &self.groups {
            if let Some(&first) = g
                .members
                .iter()
                .find(|&&m| !self.instances[m].faults.is_empty())
            {
                let text = format!(
                    "VRRP_Group({}): Syncing {} to FAULT state",
                    g.conf.name,
                    self.instances[first].name()
                );
                log.info(sys, &text);
            }
        }
        for i in 0..self.instances.len() {
            let group_down = self.group_state(i) == Some(State::Fault);
            if !self.instances[i].faults.is_empty() || group_down {
                log.info(
                    sys,
                    &format!("({}) entering FAULT state", self.instances[i].name()),
                );
            }
        }
    }

    fn group_state(&self, i: usize) -> Option<State> {
        sync::group_of(&self.groups, i).map(|g| self.groups[g].state)
    }

    /// Instance `i`'s fault sources (interfaces, then scripts) and its priority delta.
    fn assess(&self, i: usize) -> (Vec<String>, i32) {
        let (mut faults, if_delta) = interfaces(&self.instances[i], &self.links);
        let (sc_delta, failing) = self.tracker.assess(i);
        faults.extend(failing.into_iter().map(|s| format!("script {s}")));
        (faults, if_delta + sc_delta)
    }

    /// Links and scripts: anything that changed is applied to every instance.
    pub(super) fn track(&mut self, sys: &mut Sys) {
        let log = self.log.clone();
        let links = self.links.changes(sys, &log);
        let scripts = self.tracker.run(sys, &log);
        if !links && !scripts {
            return;
        }
        for i in 0..self.instances.len() {
            self.reassess(sys, i);
        }
    }

    /// One instance against its sources now: priority, then down or up (try_up_instance
    /// waits while another member of its sync group is down).
    fn reassess(&mut self, sys: &mut Sys, i: usize) {
        let now = sys.now();
        let (faults, delta) = self.assess(i);
        let fx = self.instances[i].set_priority(delta);
        self.apply(sys, i, fx);
        let was_down = !self.instances[i].faults.is_empty();
        let first = faults.first().cloned();
        self.instances[i].faults = faults;
        let group = sync::group_of(&self.groups, i);
        match (was_down, first) {
            (false, Some(why)) => {
                let fx = self.instances[i].down(now, &why);
                self.apply(sys, i, fx);
                if let Some(g) = group {
                    if sync::members_down(&self.groups[g], &self.instances) == 1 {
                        self.follow(sys, g, i, State::Fault);
                    }
                }
            }
            (true, None) => {
                let held =
                    group.is_some_and(|g| sync::members_down(&self.groups[g], &self.instances) > 0);
                if held {
                    return;
                }
                let fx = self.instances[i].up(now);
                self.apply(sys, i, fx);
                if let Some(g) = group {
                    let to = self.instances[i].state;
                    self.follow(sys, g, i, to);
                }
            }
            _ => {}
        }
    }

    /// The rest of group `g` follows member `from` into `to`.
    fn follow(&mut self, sys: &mut Sys, g: usize, from: usize, to: State) {
        let now = sys.now();
        if to == State::Master && sync::blocker(&self.groups[g], &self.instances, from).is_some() {
            return;
        }
        for (m, fx) in sync::follow(&mut self.groups[g], &mut self.instances, from, to, now) {
            self.apply(sys, m, fx);
        }
    }

    /// The down timer of instance `i` ran out, or its timer as MASTER: in a sync group a
    /// BACKUP waits for the others to want MASTER too.
    pub(super) fn timer(&mut self, sys: &mut Sys, i: usize) {
        let now = sys.now();
        let group = sync::group_of(&self.groups, i);
        if self.instances[i].state == State::Backup {
            if let Some(g) = group {
                if let Some(w) = sync::blocker(&self.groups[g], &self.instances, i) {
                    let (gname, w) = (self.groups[g].conf.name.clone(), w.to_string());
                    let fx = self.instances[i].hold(now, &gname, &w);
                    self.apply(sys, i, fx);
                    return;
                }
            }
        }
        let before = self.instances[i].state;
        let fx = self.instances[i].timeout(now);
        self.apply(sys, i, fx);
        self.transition(sys, i, before);
    }

    /// vrrp_scheduler.c's TSM after an advert or a timer: a member that became MASTER
    /// takes its group along, one that fell back to BACKUP too.
    pub(super) fn transition(&mut self, sys: &mut Sys, i: usize, before: State) {
        let Some(g) = sync::group_of(&self.groups, i) else {
            return;
        };
        match (before, self.instances[i].state) {
            (_, State::Master) => self.follow(sys, g, i, State::Master),
            (State::Master, State::Backup) => self.follow(sys, g, i, State::Backup),
            _ => {}
        }
    }
}

/// The group's own notify script for `state`.
pub fn group_script(g: &sync::Group, state: State) -> Option<String> {
    match state {
        State::Master => g.conf.notify_master.clone(),
        State::Backup => g.conf.notify_backup.clone(),
        State::Fault => g.conf.notify_fault.clone(),
        State::Init => None,
    }
}
