//! The top level and `global_defs` (keepalived/core/global_parser.c).

use super::numbers;
use super::stream::{Kind, Owner, Parser, Section, Values};
use std::net::Ipv4Addr;

/// Top-level keywords and the process each belongs to.
pub(super) fn root(word: &str) -> Option<(Kind, Owner)> {
    Some(match word {
        "global_defs" => (Kind::Block(Section::Global), Owner::Global),
        "vrrp_instance" => (Kind::Block(Section::Instance), Owner::Vrrp),
        "vrrp_script" => (Kind::Block(Section::Script), Owner::Vrrp),
        "vrrp_sync_group" => (Kind::Block(Section::SyncGroup), Owner::Vrrp),
        "virtual_server" => (Kind::Block(Section::Vs), Owner::Check),
        "linkbeat_use_polling"
        | "net_namespace"
        | "net_namespace_ipvs"
        | "namespace_with_ipsets"
        | "use_pid_dir"
        | "instance"
        | "child_wait_time" => (Kind::Unsimulated, Owner::Global),
        "track_group"
        | "static_ipaddress"
        | "static_routes"
        | "static_rules"
        | "garp_group"
        | "linkbeat_interfaces"
        | "vrrp_track_process"
        | "track_file"
        | "vrrp_track_file"
        | "interface_up_down_delays" => (Kind::Unsimulated, Owner::Vrrp),
        "SSL" | "virtual_server_group" => (Kind::Unsimulated, Owner::Check),
        "bfd_instance" => (Kind::Unsimulated, Owner::Bfd),
        _ => return None,
    })
}

/// The keywords of `global_defs`.
pub(super) fn keyword(word: &str) -> Option<Kind> {
    Some(match word {
        "router_id"
        | "notification_email_from"
        | "smtp_server"
        | "smtp_helo_name"
        | "smtp_connect_timeout"
        | "vrrp_mcast_group4"
        | "vrrp_garp_master_delay"
        | "vrrp_garp_master_repeat"
        | "vrrp_garp_master_refresh"
        | "vrrp_garp_master_refresh_repeat"
        | "vrrp_version"
        | "vrrp_strict"
        | "vrrp_skip_check_adv_addr"
        | "lvs_flush"
        | "enable_script_security"
        | "script_user"
        | "max_auto_priority"
        | "vrrp_garp_interval"
        | "vrrp_gna_interval"
        | "vrrp_lower_prio_no_advert"
        | "vrrp_higher_prio_send_advert"
        | "smtp_alert"
        | "vrrp_check_unicast_src"
        | "dynamic_interfaces"
        | "vrrp_priority"
        | "checker_priority"
        | "vrrp_no_swap"
        | "checker_no_swap"
        | "lvs_timeouts"
        | "vrrp_down_timer_adverts" => Kind::Leaf,
        "notification_email" => Kind::Values(Values::Emails),
        "process_names"
        | "process_name"
        | "vrrp_process_name"
        | "checker_process_name"
        | "lvs_process_name"
        | "bfd_process_name"
        | "startup_script"
        | "startup_script_timeout"
        | "shutdown_script"
        | "shutdown_script_timeout"
        | "min_auto_priority_delay"
        | "smtp_alert_vrrp"
        | "smtp_alert_checker"
        | "checker_log_all_failures"
        | "no_email_faults"
        | "default_interface"
        | "disable_local_igmp"
        | "lvs_flush_on_stop"
        | "lvs_flush_onstop"
        | "lvs_sync_daemon"
        | "vrrp_mcast_group6"
        | "vrrp_garp_lower_prio_delay"
        | "vrrp_garp_lower_prio_repeat"
        | "vrrp_min_garp"
        | "vrrp_garp_extra_if"
        | "vrrp_vmac_garp_intvl"
        | "vrrp_iptables"
        | "vrrp_ipsets"
        | "nftables"
        | "vrrp_rt_priority"
        | "checker_rt_priority"
        | "vrrp_cpu_affinity"
        | "checker_cpu_affinity"
        | "notify_fifo"
        | "notify_fifo_script"
        | "vrrp_notify_fifo"
        | "vrrp_notify_fifo_script"
        | "lvs_notify_fifo"
        | "lvs_notify_fifo_script"
        | "snmp_socket"
        | "enable_traps"
        | "enable_snmp_vrrp"
        | "enable_snmp_keepalived"
        | "enable_snmp_rfc"
        | "enable_snmp_checker"
        | "enable_dbus"
        | "dbus_service_name"
        | "vrrp_startup_delay"
        | "log_unknown_vrids"
        | "vmac_prefix"
        | "umask"
        | "random_seed"
        | "reload_check_config"
        | "reload_file"
        | "include_check"
        | "config_save_dir"
        | "tmp_config_directory"
        | "data_use_instance"
        | "rs_init_notifies"
        | "no_checker_emails" => Kind::Unsimulated,
        _ => return None,
    })
}

impl Parser<'_> {
    /// strvec_slot(strvec, i): a missing parameter is fatal (keepalived exits with status 2).
    pub(super) fn arg<'a>(&mut self, words: &'a [String], i: usize) -> Option<&'a str> {
        if let Some(w) = words.get(i) {
            return Some(w);
        }
        let text = match words.get(i - 1) {
            Some(prev) => format!(
                "*** Configuration line starting `{}` is missing a parameter after keyword `{prev}` at word position {}",
                words[0],
                i + 1
            ),
            None => format!(
                "*** Configuration line starting `{}` is missing a parameter at word position {}",
                words[0],
                i + 1
            ),
        };
        self.error(text);
        self.fatal = true;
        None
    }

    pub(super) fn unsigned(
        &mut self,
        text: &str,
        min: u32,
        max: u32,
        lenient: bool,
    ) -> Option<u32> {
        let r = numbers::unsigned(text, min, max, lenient, self.test);
        if let Some(m) = r.message {
            self.error(m);
        }
        r.value
    }

    pub(super) fn int(&mut self, text: &str, min: i32, max: i32, lenient: bool) -> Option<i32> {
        let r = numbers::int(text, min, max, lenient, self.test);
        if let Some(m) = r.message {
            self.error(m);
        }
        r.value
    }

    /// Seconds with up to 6 decimals, as microseconds.
    pub(super) fn seconds(&mut self, text: &str, min: u64, max: u64, lenient: bool) -> Option<u64> {
        let r = numbers::decimal(text, min, max, 6, lenient, self.test);
        if let Some(m) = r.message {
            self.error(m);
        }
        r.value
    }

    pub(super) fn global_leaf(&mut self, words: &[String]) {
        let g_word = words[0].as_str();
        match g_word {
            "vrrp_strict" => self.cfg.global.strict = true,
            "vrrp_skip_check_adv_addr" => self.cfg.global.skip_check_adv_addr = true,
            "lvs_flush" => self.cfg.global.lvs_flush = true,
            "enable_script_security" => self.cfg.global.enable_script_security = true,
            "max_auto_priority" => self.cfg.global.max_auto_priority = true,
            "smtp_alert"
            | "dynamic_interfaces"
            | "vrrp_no_swap"
            | "checker_no_swap"
            | "vrrp_lower_prio_no_advert"
            | "vrrp_higher_prio_send_advert"
            | "vrrp_check_unicast_src" => {}
            _ => self.global_value(words),
        }
    }

    fn global_value(&mut self, words: &[String]) {
        let Some(v) = self.arg(words, 1).map(str::to_string) else {
            return;
        };
        let g = &words[0];
        match g.as_str() {
            "router_id" => self.cfg.global.router_id = Some(v),
            "notification_email_from" => self.cfg.global.notification_email_from = Some(v),
            "smtp_server" => self.cfg.global.smtp_server = Some(v),
            "script_user" => self.cfg.global.script_user = Some(v),
            "smtp_connect_timeout" => {
                self.cfg.global.smtp_connect_timeout = self.unsigned(&v, 1, u32::MAX, true)
            }
            "vrrp_mcast_group4" => match v.parse::<Ipv4Addr>() {
                Ok(a) if a.is_multicast() => self.cfg.global.mcast_group4 = a,
                Ok(_) => self.error(format!(
                    "vrrp_mcast_group4 [{v}] is not multicast. Skipping"
                )),
                Err(_) => self.error(format!("Can't parse vrrp_mcast_group4 [{v}]. Skipping")),
            },
            "vrrp_garp_master_delay" => match self.unsigned(&v, 0, u32::MAX / 1_000_000, true) {
                Some(d) => self.cfg.global.garp_master_delay = d,
                None => self.error(format!("vrrp_garp_master_delay '{v}' invalid - ignoring")),
            },
            "vrrp_garp_master_repeat" => match self.unsigned(&v, 0, u32::MAX, true) {
                Some(0) => {
                    self.error(
                        "vrrp_garp_master_repeat must be greater than 0, setting to 1".into(),
                    );
                    self.cfg.global.garp_master_repeat = 1;
                }
                Some(r) => self.cfg.global.garp_master_repeat = r,
                None => self.error(format!("vrrp_garp_master_repeat '{v}' invalid - ignoring")),
            },
            "vrrp_garp_master_refresh" => match self.unsigned(&v, 0, u32::MAX, true) {
                Some(r) => self.cfg.global.garp_master_refresh = r,
                None => self.error(format!("vrrp_garp_master_refresh '{v}' invalid - ignoring")),
            },
            "vrrp_garp_master_refresh_repeat" => match self.unsigned(&v, 0, u32::MAX, true) {
                Some(0) => {
                    self.error(
                        "vrrp_garp_master_refresh_repeat must be greater than 0, setting to 1"
                            .into(),
                    );
                    self.cfg.global.garp_master_refresh_repeat = 1;
                }
                Some(r) => self.cfg.global.garp_master_refresh_repeat = r,
                None => self.error(format!(
                    "vrrp_garp_master_refresh_repeat '{v}' invalid - ignoring"
                )),
            },
            "vrrp_version" => match self.int(&v, 2, 3, true) {
                Some(n) => self.cfg.global.vrrp_version = n as u8,
                None => self.error("VRRP Error: Version must be either 2 or 3".into()),
            },
            // Read and accepted; their effects are not part of what netstep simulates.
            _ => {}
        }
    }
}
