//! `vrrp_instance`, `vrrp_script`, `vrrp_sync_group` (keepalived/vrrp/vrrp_parser.c) and the
//! checks the VRRP child makes once it has read them (vrrp.c's vrrp_complete_init).

use super::stream::{Kind, Parser, Section, Values};
use super::types::{AuthType, Instance, SyncGroup, TrackedIf, Vip, VrrpScript};
use std::net::Ipv4Addr;

pub(super) fn keyword(section: Section, word: &str) -> Option<Kind> {
    match section {
        Section::Instance => instance_keyword(word),
        Section::Auth => matches!(word, "auth_type" | "auth_pass").then_some(Kind::Leaf),
        Section::Script => matches!(
            word,
            "script" | "interval" | "timeout" | "weight" | "rise" | "fall" | "user" | "init_fail"
        )
        .then_some(Kind::Leaf),
        Section::SyncGroup => match word {
            "group" => Some(Kind::Values(Values::GroupMembers)),
            "notify_master"
            | "notify_backup"
            | "notify_fault"
            | "notify"
            | "smtp_alert"
            | "global_tracking"
            | "sync_group_tracking_weight"
            | "notify_stop" => Some(Kind::Leaf),
            "track_interface" | "track_script" | "track_file" | "track_process" | "track_bfd" => {
                Some(Kind::Unsimulated)
            }
            _ => None,
        },
        _ => None,
    }
}

fn instance_keyword(word: &str) -> Option<Kind> {
    Some(match word {
        "state"
        | "interface"
        | "virtual_router_id"
        | "priority"
        | "advert_int"
        | "version"
        | "nopreempt"
        | "preempt"
        | "preempt_delay"
        | "garp_master_delay"
        | "garp_master_repeat"
        | "garp_master_refresh"
        | "garp_master_refresh_repeat"
        | "notify_master"
        | "notify_backup"
        | "notify_fault"
        | "notify_stop"
        | "notify"
        | "mcast_src_ip"
        | "unicast_src_ip"
        | "skip_check_adv_addr"
        | "strict_mode"
        | "dont_track_primary"
        | "smtp_alert"
        | "debug"
        | "down_timer_adverts"
        | "lower_prio_no_advert"
        | "higher_prio_send_advert"
        | "accept"
        | "no_accept"
        | "promote_secondaries"
        | "unicast_ttl"
        | "garp_lower_prio_delay"
        | "garp_lower_prio_repeat"
        | "notify_priority_changes"
        | "kernel_rx_buf_size" => Kind::Leaf,
        "authentication" => Kind::Block(Section::Auth),
        "virtual_ipaddress" => Kind::Values(Values::Vips),
        "virtual_ipaddress_excluded" => Kind::Values(Values::Evips),
        "unicast_peer" => Kind::Values(Values::UnicastPeers),
        "track_interface" => Kind::Values(Values::TrackInterfaces),
        "track_script" => Kind::Values(Values::TrackScripts),
        "use_vmac"
        | "use_vmac_addr"
        | "vmac_xmit_base"
        | "use_ipvlan"
        | "vrf"
        | "track_file"
        | "track_process"
        | "track_bfd"
        | "mcast_dst_ip"
        | "track_src_ip"
        | "virtual_routes"
        | "virtual_rules"
        | "linkbeat_use_polling"
        | "notify_deleted"
        | "notify_master_rx_lower_pri"
        | "lvs_sync_daemon_interface"
        | "garp_extra_if"
        | "vmac_garp_intvl"
        | "unicast_fault_no_peer"
        | "check_unicast_src"
        | "old_unicast_checksum"
        | "native_ipv6" => Kind::Unsimulated,
        _ => return None,
    })
}

impl Parser<'_> {
    fn instance(&mut self) -> Option<&mut Instance> {
        self.cfg.instances.last_mut()
    }

    fn iname(&self) -> String {
        self.cfg
            .instances
            .last()
            .map(|i| i.name.clone())
            .unwrap_or_default()
    }

    pub(super) fn vrrp_open(&mut self, section: Section, words: &[String]) -> bool {
        let line = self.at.as_ref().map_or(0, |a| a.1);
        match section {
            Section::Instance => {
                self.cfg.have_vrrp = true;
                if words.len() != 2 {
                    self.error("vrrp_instance must have a name".into());
                    return false;
                }
                if self.cfg.instances.iter().any(|i| i.name == words[1]) {
                    self.error(format!("vrrp instance {} already defined", words[1]));
                    return false;
                }
                let i = Instance::new(&words[1], line, &self.cfg.global);
                self.cfg.instances.push(i);
                self.prio_set = false;
                true
            }
            Section::Script => {
                let Some(name) = self.arg(words, 1).map(str::to_string) else {
                    return false;
                };
                self.cfg.scripts.push(VrrpScript::new(&name));
                true
            }
            Section::SyncGroup => {
                let Some(name) = self.arg(words, 1).map(str::to_string) else {
                    return false;
                };
                self.cfg.sync_groups.push(SyncGroup {
                    name,
                    members: Vec::new(),
                    tracking_weight: false,
                    notify_master: None,
                    notify_backup: None,
                    notify_fault: None,
                });
                true
            }
            _ => true,
        }
    }

    pub(super) fn vrrp_close(&mut self, section: Section) {
        if section == Section::Instance && !self.prio_set {
            // No priority: the initial state decides it (MASTER is the address owner).
            if let Some(i) = self.instance() {
                i.priority = if i.want_master { 255 } else { 100 };
            }
        }
    }

    pub(super) fn vrrp_leaf(&mut self, section: Section, words: &[String]) {
        match section {
            Section::Instance => self.instance_leaf(words),
            Section::Auth => self.auth_leaf(words),
            Section::Script => self.script_leaf(words),
            Section::SyncGroup => self.group_leaf(words),
            _ => {}
        }
    }

    fn instance_leaf(&mut self, words: &[String]) {
        let name = self.iname();
        let flag = |p: &mut Parser, f: fn(&mut Instance)| {
            if let Some(i) = p.instance() {
                f(i)
            }
        };
        match words[0].as_str() {
            "nopreempt" => return flag(self, |i| i.nopreempt = true),
            "preempt" => return flag(self, |i| i.nopreempt = false),
            "skip_check_adv_addr" => return flag(self, |i| i.skip_check_adv_addr = true),
            "strict_mode" => return flag(self, |i| i.strict = true),
            "lower_prio_no_advert" => return flag(self, |i| i.lower_prio_no_advert = true),
            "higher_prio_send_advert" => return flag(self, |i| i.higher_prio_send_advert = true),
            "dont_track_primary" => return flag(self, |i| i.dont_track_primary = true),
            "smtp_alert"
            | "debug"
            | "accept"
            | "no_accept"
            | "promote_secondaries"
            | "notify_priority_changes" => return,
            _ => {}
        }
        if words[0].starts_with("notify") {
            return self.notify_leaf(words);
        }
        let Some(v) = self.arg(words, 1).map(str::to_string) else {
            return;
        };
        match words[0].as_str() {
            "state" => match v.as_str() {
                "MASTER" => flag(self, |i| i.want_master = true),
                "BACKUP" if self.instance().is_some_and(|i| i.want_master) => self.error(format!(
                    "({name}) state previously set as MASTER - ignoring BACKUP"
                )),
                "BACKUP" => flag(self, |i| i.want_master = false),
                _ => {
                    self.error(format!("({name}) unknown state '{v}', defaulting to BACKUP"));
                    flag(self, |i| i.want_master = false);
                }
            },
            "interface" => self.interface(&name, &v),
            "virtual_router_id" => match self.unsigned(&v, 1, 255, false) {
                Some(n) => {
                    if let Some(i) = self.instance() {
                        i.vrid = Some(n as u8)
                    }
                }
                None => self.error(format!(
                    "({name}): VRID '{v}' not valid - must be between 1 & 255"
                )),
            },
            "priority" => {
                let p = match self.unsigned(&v, 1, 255, false) {
                    Some(p) => p as u8,
                    None => {
                        self.error(format!(
                            "({name}) Priority not valid! must be between 1 & 255. Using default 100"
                        ));
                        100
                    }
                };
                self.prio_set = true;
                if let Some(i) = self.instance() {
                    i.priority = p;
                }
            }
            "advert_int" => match self.seconds(&v, 10_000, 255_000_000, true) {
                Some(us) if us > 0 => {
                    if let Some(i) = self.instance() {
                        i.advert_int = us
                    }
                }
                _ => self.error(format!(
                    "({name}) Advert interval ({v}) not valid! Must be > 0 - ignoring"
                )),
            },
            "version" => match self.int(&v, 2, 3, true) {
                Some(n) => {
                    if let Some(i) = self.instance() {
                        i.version = n as u8
                    }
                }
                None => self.error(format!("({name}): Version must be either 2 or 3")),
            },
            "preempt_delay" => {
                let d = self.seconds(&v, 0, 1000 * 1_000_000, true);
                if d.is_none() {
                    self.error(format!(
                        "({name}) Preempt_delay not valid! must be between 0-1000"
                    ));
                }
                if let Some(i) = self.instance() {
                    i.preempt_delay = d.unwrap_or(0)
                }
            }
            "garp_master_delay" | "garp_master_repeat" | "garp_master_refresh"
            | "garp_master_refresh_repeat" => self.garp(&name, &words[0], &v),
            "down_timer_adverts" => {
                if let Some(n) = self.unsigned(&v, 1, 100, true) {
                    if let Some(i) = self.instance() {
                        i.down_timer_adverts = n
                    }
                }
            }
            "mcast_src_ip" | "unicast_src_ip" => match v.parse::<Ipv4Addr>() {
                Ok(a) => {
                    if let Some(i) = self.instance() {
                        if words[0] == "mcast_src_ip" {
                            i.mcast_src_ip = Some(a)
                        } else {
                            i.unicast_src_ip = Some(a)
                        }
                    }
                }
                Err(_) => self.error(format!(
                    "Configuration error: VRRP instance[{name}] malformed src address[{v}]. Skipping..."
                )),
            },
            // unicast_ttl, garp_lower_prio_*, kernel_rx_buf_size: read, not simulated.
            _ => {}
        }
    }

    /// notify_master / notify_backup / notify_fault / notify_stop / notify.
    fn notify_leaf(&mut self, words: &[String]) {
        let Some(script) = self.script_arg(words) else {
            return;
        };
        if let Some(i) = self.instance() {
            let slot = match words[0].as_str() {
                "notify_master" => &mut i.notify_master,
                "notify_backup" => &mut i.notify_backup,
                "notify_fault" => &mut i.notify_fault,
                "notify_stop" => &mut i.notify_stop,
                _ => &mut i.notify,
            };
            *slot = Some(script);
        }
    }

    fn interface(&mut self, name: &str, dev: &str) {
        if dev.len() >= 16 {
            self.error(format!("Interface name '{dev}' too long - ignoring"));
            return;
        }
        if dev == "lo" {
            self.error(format!(
                "({name}) cannot use a loopback interface ({dev}) for vrrp - ignoring"
            ));
            return;
        }
        if !self.ifaces.iter().any(|i| i == dev) {
            self.error(format!(
                "WARNING - interface {dev} for vrrp_instance {name} doesn't exist"
            ));
            self.missing_iface = true;
        }
        if let Some(i) = self.instance() {
            i.interface = Some(dev.to_string());
        }
    }

    fn garp(&mut self, name: &str, key: &str, v: &str) {
        let max = if key == "garp_master_delay" {
            u32::MAX / 1_000_000
        } else {
            u32::MAX
        };
        let Some(mut n) = self.unsigned(v, 0, max, true) else {
            self.error(format!("({name}): {key} '{v}' invalid - ignoring"));
            return;
        };
        if n == 0 && key.ends_with("repeat") {
            self.error(format!(
                "({name}): {key} must be greater than 0, setting to 1"
            ));
            n = 1;
        }
        if let Some(i) = self.instance() {
            match key {
                "garp_master_delay" => i.garp_master_delay = n,
                "garp_master_repeat" => i.garp_master_repeat = n,
                "garp_master_refresh" => i.garp_master_refresh = n,
                _ => i.garp_master_refresh_repeat = n,
            }
        }
    }

    fn auth_leaf(&mut self, words: &[String]) {
        let name = self.iname();
        let Some(v) = self.arg(words, 1).map(str::to_string) else {
            return;
        };
        if words[0] == "auth_type" {
            let t = match v.as_str() {
                "AH" => AuthType::Ah,
                "PASS" => AuthType::Pass,
                _ => {
                    self.error(format!("({name}) unknown authentication type '{v}'"));
                    return;
                }
            };
            if let Some(i) = self.instance() {
                i.auth_type = Some(t);
            }
            return;
        }
        if v.len() > 8 {
            self.error("Truncating auth_pass to 8 characters".into());
        }
        let mut data = [0u8; 8];
        for (d, b) in data.iter_mut().zip(v.bytes()) {
            *d = b;
        }
        if let Some(i) = self.instance() {
            i.auth_data = data;
        }
    }

    fn script_leaf(&mut self, words: &[String]) {
        if words[0] == "init_fail" {
            if let Some(s) = self.cfg.scripts.last_mut() {
                s.init_fail = true;
            }
            return;
        }
        if words[0] == "script" {
            let script = self.script_arg(words);
            if let (Some(script), Some(s)) = (script, self.cfg.scripts.last_mut()) {
                s.script = Some(script);
            }
            return;
        }
        let Some(v) = self.arg(words, 1).map(str::to_string) else {
            return;
        };
        let n = match words[0].as_str() {
            "weight" => {
                let w = self.int(&v, -253, 253, true);
                if let (Some(w), Some(s)) = (w, self.cfg.scripts.last_mut()) {
                    s.weight = w;
                }
                return;
            }
            "user" => return,
            _ => self.unsigned(&v, 1, u32::MAX, true),
        };
        let (Some(n), Some(s)) = (n, self.cfg.scripts.last_mut()) else {
            return;
        };
        match words[0].as_str() {
            "interval" => s.interval = u64::from(n),
            "timeout" => s.timeout = Some(u64::from(n)),
            "rise" => s.rise = n,
            _ => s.fall = n,
        }
    }

    fn group_leaf(&mut self, words: &[String]) {
        match words[0].as_str() {
            "sync_group_tracking_weight" => {
                if let Some(g) = self.cfg.sync_groups.last_mut() {
                    g.tracking_weight = true;
                }
                return;
            }
            "global_tracking" => {
                let Some(g) = self.cfg.sync_groups.last_mut() else {
                    return;
                };
                g.tracking_weight = true;
                let text = format!("({}) global_tracking is deprecated. Use track_interface/script/file on the sync group", g.name);
                self.error(text);
                return;
            }
            w if !w.starts_with("notify") => return,
            _ => {}
        }
        let Some(script) = self.script_arg(words) else {
            return;
        };
        if let Some(g) = self.cfg.sync_groups.last_mut() {
            match words[0].as_str() {
                "notify_master" => g.notify_master = Some(script),
                "notify_backup" => g.notify_backup = Some(script),
                "notify_fault" => g.notify_fault = Some(script),
                _ => {}
            }
        }
    }

    /// alloc_track_if: `NAME [weight W [reverse]]`, with keepalived's complaints.
    fn tracked_if(&mut self, name: &str, words: &[String]) -> Option<TrackedIf> {
        let tracked = words[0].clone();
        if !self.ifaces.contains(&tracked) {
            self.error(format!(
                "({name}) tracked interface {tracked} doesn't exist"
            ));
            self.missing_iface = true;
            return None;
        }
        let dup = self
            .instance()
            .is_some_and(|i| i.track_interfaces.iter().any(|t| t.name == tracked));
        if dup {
            self.error(format!(
                "({name}) duplicate track_interface {tracked} - ignoring"
            ));
            return None;
        }
        let mut t = TrackedIf {
            name: tracked.clone(),
            weight: 0,
            reverse: false,
        };
        let Some(opt) = words.get(1) else {
            return Some(t);
        };
        if opt != "weight" {
            self.error(format!(
                "({name}) unknown track_interface {tracked} option {opt} - ignoring"
            ));
            return None;
        }
        let Some(w) = words.get(2) else {
            self.error(format!(
                "({name}) weight without value specified for track_interface {tracked} - ignoring"
            ));
            return None;
        };
        t.weight = match self.int(w, -254, 254, true) {
            None => {
                self.error(format!(
                    "({name}) weight {w} for {tracked} must be between [-253..253] inclusive. Ignoring..."
                ));
                0
            }
            Some(x) if x.abs() == 254 => {
                self.error(format!(
                    "({name}) weight for {tracked} cannot be +/-254. Setting to +/-253"
                ));
                x.signum() * 253
            }
            Some(x) => x,
        };
        match words.get(3).map(String::as_str) {
            Some("reverse") => t.reverse = true,
            Some(other) => self.error(format!(
                "({name}) unknown track_interace {tracked} weight option {other} - ignoring"
            )),
            None => {}
        }
        Some(t)
    }

    pub(super) fn vrrp_value(&mut self, kind: Values, words: &[String]) {
        let name = self.iname();
        match kind {
            Values::Vips | Values::Evips => {
                if let Some(vip) = self.vip(words) {
                    if let Some(i) = self.instance() {
                        match kind {
                            Values::Vips => i.vips.push(vip),
                            _ => i.evips.push(vip),
                        }
                    }
                }
            }
            Values::UnicastPeers => match words[0].parse::<Ipv4Addr>() {
                Ok(a) => {
                    if let Some(i) = self.instance() {
                        i.unicast_peers.push(a)
                    }
                }
                Err(_) => self.error(format!(
                    "Configuration error: VRRP instance[{name}] malformed unicast peer address[{}]. Skipping...",
                    words[0]
                )),
            },
            Values::TrackInterfaces => {
                if let Some(t) = self.tracked_if(&name, words) {
                    if let Some(i) = self.instance() {
                        i.track_interfaces.push(t);
                    }
                }
            }
            Values::TrackScripts => {
                let weight = match (words.get(1).map(String::as_str), words.get(2)) {
                    (Some("weight"), Some(w)) => self.int(w, -253, 253, true),
                    _ => None,
                };
                if let Some(i) = self.instance() {
                    i.track_scripts.push((words[0].clone(), weight));
                }
            }
            Values::GroupMembers => {
                if let Some(g) = self.cfg.sync_groups.last_mut() {
                    g.members.extend(words.iter().cloned());
                }
            }
            Values::Emails => {}
        }
    }

    /// alloc_ipaddress: `ADDR[/LEN] [dev IF] [brd ADDR] [scope S] [label L]`.
    fn vip(&mut self, words: &[String]) -> Option<Vip> {
        let text = &words[0];
        let (addr_text, prefix) = match text.split_once('/') {
            Some((a, p)) => {
                let len = self.unsigned(p, 0, 32, true);
                if len.is_none() {
                    self.error(format!(
                        "Invalid address prefix len {p} for address {text} - using 32"
                    ));
                }
                (a, len.unwrap_or(32) as u8)
            }
            None => (text.as_str(), 32),
        };
        let Ok(addr) = addr_text.parse::<Ipv4Addr>() else {
            self.error(format!("VRRP parsed invalid IP {text}. skipping IP..."));
            return None;
        };
        let mut vip = Vip {
            addr,
            prefix,
            dev: None,
            label: None,
            brd: None,
            scope: None,
        };
        let mut i = 1;
        while let Some(key) = words.get(i) {
            let known = matches!(
                key.as_str(),
                "dev" | "label" | "scope" | "brd" | "broadcast"
            );
            if !known {
                self.error(format!(
                    "Unknown configuration entry '{key}' for ip address - ignoring"
                ));
                i += 1;
                continue;
            }
            let Some(val) = words.get(i + 1) else {
                self.error(format!("No {key} parameter specified for {text}"));
                break;
            };
            i += 2;
            match key.as_str() {
                "dev" if !self.ifaces.iter().any(|i| i == val) => {
                    self.error(format!(
                        "WARNING - interface {val} for ip address {text} doesn't exist"
                    ));
                    self.missing_iface = true;
                }
                "dev" => vip.dev = Some(val.clone()),
                "label" => vip.label = Some(val.clone()),
                "scope" => vip.scope = Some(val.clone()),
                "brd" | "broadcast" => match (val.as_str(), val.parse::<Ipv4Addr>()) {
                    ("+", _) => vip.brd = Some(crate::kernel::netdev::broadcast_of(addr, prefix)),
                    ("-", _) => vip.brd = Some(crate::kernel::netdev::network_of(addr, prefix)),
                    (_, Ok(b)) => vip.brd = Some(b),
                    _ => self.error(format!(
                        "VRRP is trying to assign invalid broadcast {val}. skipping VIP..."
                    )),
                },
                _ => {}
            }
        }
        Some(vip)
    }
}
