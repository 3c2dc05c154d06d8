//! What the VRRP child checks once it has read the whole file (vrrp.c's vrrp_complete_init
//! and vrrp_complete_instance, vrrp_sync.c's vrrp_sync_set_group): sync groups first, then
//! each instance, then VRID clashes. The messages are keepalived's, without a line.

use super::stream::Parser;

impl Parser<'_> {
    /// vrrp_complete_init: each instance must have a VRID and an interface; the rest is
    /// reconciled with a message; two instances may not share a VRID on one interface.
    pub(super) fn vrrp_validate(&mut self) {
        if self.missing_iface {
            self.error_unplaced("Non-existent interface specified in configuration".into());
            self.invalid = true;
            return;
        }
        for i in self.cfg.instances.clone() {
            if i.vrid.is_none() {
                self.error_unplaced(format!("({}) the virtual router id must be set", i.name));
                self.invalid = true;
                return;
            }
            if i.interface.is_none() && i.unicast_src_ip.is_none() {
                self.error_unplaced(format!("({}) Unknown interface!", i.name));
                self.invalid = true;
                return;
            }
        }
        self.script_security();
        self.sync_groups();
        let names: Vec<String> = self.cfg.instances.iter().map(|i| i.name.clone()).collect();
        for name in &names {
            self.complete_instance(name);
        }
        self.vrid_conflicts();
        // vrrp_complete_init checks the VIPs again once interfaces are assigned.
        for i in self.cfg.instances.clone() {
            if i.vips.is_empty() && !self.invalid {
                self.error_unplaced(format!(
                    "({}) No VIP specified; at least one is sensible",
                    i.name
                ));
            }
        }
    }

    /// Scripts that exist would run as root: without enable_script_security that is a
    /// security error (check_vrrp_script_security).
    fn script_security(&mut self) {
        if self.cfg.global.enable_script_security {
            return;
        }
        let files = self.files;
        let runs = self.scripts.iter().any(|s| {
            let prog = s.split_whitespace().next().unwrap_or("");
            files.executable(prog)
        });
        if runs {
            self.error_unplaced(
                "SECURITY VIOLATION - scripts are being executed but script_security not enabled."
                    .into(),
            );
            self.security = true;
        }
    }

    /// vrrp_sync_set_group for each group: members must exist and be in one group only; a
    /// group left empty is removed, one member is probably a mistake. What is left are the
    /// groups the VRRP child runs.
    fn sync_groups(&mut self) {
        let mut kept = Vec::new();
        let mut taken: Vec<String> = Vec::new();
        for mut g in std::mem::take(&mut self.cfg.sync_groups) {
            let gname = g.name.clone();
            if g.members.is_empty() {
                self.error_unplaced(format!(
                    "Sync group {gname} has no virtual router(s). removing"
                ));
                continue;
            }
            let mut members = Vec::new();
            // INIT until the first member; BACKUP once one is not a master address owner.
            let mut state: Option<bool> = None;
            for m in std::mem::take(&mut g.members) {
                let Some(i) = self.cfg.instances.iter().find(|i| i.name == m) else {
                    self.error_unplaced(format!(
                        "Virtual router {m} specified in sync group {gname} doesn't exist - ignoring"
                    ));
                    continue;
                };
                if taken.contains(&m) {
                    self.error_unplaced(format!(
                        "Virtual router {m} cannot exist in more than one sync group; ignoring {gname}"
                    ));
                    continue;
                }
                let owner = i.want_master && i.priority == 255;
                if state == Some(true) && !i.want_master {
                    self.error_unplaced(format!("Sync group {gname} has some member(s) as address owner and some not as address owner. This won't work."));
                }
                if state != Some(false) {
                    state = Some(owner);
                }
                taken.push(m.clone());
                members.push(m);
            }
            match members.len() {
                0 => {
                    self.error_unplaced(format!(
                        "Sync group {gname}, no matching virtual router found in group declaration - removing"
                    ));
                    continue;
                }
                1 => self.error_unplaced(format!(
                    "Sync group {gname} has only 1 virtual router(s) - this probably isn't what you want"
                )),
                _ => {}
            }
            g.members = members;
            kept.push(g);
        }
        self.cfg.sync_groups = kept;
    }

    /// In a sync group (without sync_group_tracking_weight) or as the address owner, an
    /// instance's weights are ignored. keepalived 2.2.7 says so for a tracked interface but
    /// keeps applying its weight (docs/keepalived-real.md §14); weighted scripts are dropped.
    fn ignore_weights(&mut self, i: &mut super::types::Instance) {
        let name = i.name.clone();
        let in_sync = self
            .cfg
            .sync_groups
            .iter()
            .any(|g| !g.tracking_weight && g.members.contains(&name));
        if !in_sync && i.priority != 255 {
            return;
        }
        let why = if in_sync {
            "SYNC group"
        } else {
            "address owner"
        };
        for t in i.track_interfaces.clone() {
            if t.weight != 0 {
                let weight = if in_sync { "weight " } else { "" };
                self.error_unplaced(format!(
                    "({name}) ignoring {} tracked interface {weight}due to {why}",
                    t.name
                ));
            }
        }
        if !in_sync {
            i.track_interfaces.retain(|t| t.weight == 0);
        }
        let why = if in_sync {
            "SYNC group"
        } else {
            "address_owner"
        };
        let scripts = self.cfg.scripts.clone();
        let weight_of = |(s, w): &(String, Option<i32>)| {
            w.or_else(|| scripts.iter().find(|x| x.name == *s).map(|x| x.weight))
                .unwrap_or(0)
        };
        for ts in i.track_scripts.clone() {
            if weight_of(&ts) != 0 {
                self.error_unplaced(format!(
                    "({name}) ignoring tracked script {} with weights due to {why}",
                    ts.0
                ));
            }
        }
        i.track_scripts.retain(|ts| weight_of(ts) == 0);
    }

    fn complete_instance(&mut self, name: &str) {
        let Some(i) = self.cfg.instances.iter().find(|i| i.name == name).cloned() else {
            return;
        };
        let mut i = i;
        if let Some(own) = i.interface.clone() {
            if i.track_interfaces.iter().any(|t| t.name == own) {
                self.error_unplaced(format!(
                    "({name}) Ignoring track_interface {own} since own interface"
                ));
                i.track_interfaces.retain(|t| t.name != own);
            }
        }
        if i.vips.is_empty() {
            self.error_unplaced(format!(
                "({name}) No VIP specified; at least one is sensible"
            ));
        }
        self.ignore_weights(&mut i);
        if i.auth_type.is_some() && i.auth_data[0] == 0 {
            self.error_unplaced(format!(
                "({name}) Authentication specified but no password given. Ignoring"
            ));
            i.auth_type = None;
        }
        if i.priority == 255 && i.nopreempt {
            self.error_unplaced(format!(
                "({name}) nopreempt is incompatible with priority 255. resetting nopreempt"
            ));
            i.nopreempt = false;
        }
        if i.want_master && i.nopreempt {
            self.error_unplaced(format!(
                "({name}) Warning - nopreempt will not work with initial state MASTER - clearing"
            ));
            i.nopreempt = false;
        }
        if i.want_master && i.preempt_delay > 0 {
            self.error_unplaced(format!(
                "({name}) Warning - preempt delay will not work with initial state MASTER - clearing"
            ));
            i.preempt_delay = 0;
        }
        if i.preempt_delay > 0 && i.nopreempt {
            self.error_unplaced(format!(
                "({name}) preempt_delay is incompatible with nopreempt mode - resetting"
            ));
            i.preempt_delay = 0;
        }
        if i.version == 2 && i.advert_int % 1_000_000 != 0 {
            self.error_unplaced(format!(
                "({name}) VRRPv2 advertisement interval {:.6}s must be an integer. rounding",
                i.advert_int as f64 / 1e6
            ));
            i.advert_int = ((i.advert_int + 500_000) / 1_000_000).max(1) * 1_000_000;
        }
        if let Some(slot) = self.cfg.instances.iter_mut().find(|x| x.name == name) {
            *slot = i;
        }
    }

    fn vrid_conflicts(&mut self) {
        let list = self.cfg.instances.clone();
        for (n, a) in list.iter().enumerate() {
            for b in &list[n + 1..] {
                if a.vrid == b.vrid && a.interface == b.interface {
                    self.error_unplaced(format!(
                        "{} and {} both use VRID {} with IPv4 on interface {}",
                        a.name,
                        b.name,
                        a.vrid.unwrap_or(0),
                        a.interface.as_deref().unwrap_or("")
                    ));
                    self.invalid = true;
                    return;
                }
            }
        }
    }
}
