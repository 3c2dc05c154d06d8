//! What keepalived.conf says, with keepalived's defaults.

use std::net::Ipv4Addr;

#[derive(Debug, Default)]
pub struct Config {
    pub global: Global,
    pub scripts: Vec<VrrpScript>,
    pub instances: Vec<Instance>,
    pub sync_groups: Vec<SyncGroup>,
    pub virtual_servers: Vec<VirtualServer>,
    /// Some `vrrp_instance` / `virtual_server` exists (seen even by a process that skips
    /// them, so the parent knows which children to start).
    pub have_vrrp: bool,
    pub have_checker: bool,
}

#[derive(Clone, Debug)]
pub struct Global {
    pub router_id: Option<String>,
    pub garp_master_delay: u32,
    pub garp_master_repeat: u32,
    pub garp_master_refresh: u32,
    pub garp_master_refresh_repeat: u32,
    pub mcast_group4: Ipv4Addr,
    pub vrrp_version: u8,
    pub strict: bool,
    pub skip_check_adv_addr: bool,
    pub lvs_flush: bool,
    pub enable_script_security: bool,
    pub script_user: Option<String>,
    pub notification_email: Vec<String>,
    pub notification_email_from: Option<String>,
    pub smtp_server: Option<String>,
    pub smtp_connect_timeout: Option<u32>,
    pub max_auto_priority: bool,
}

impl Default for Global {
    fn default() -> Global {
        Global {
            router_id: None,
            garp_master_delay: 5,
            garp_master_repeat: 5,
            garp_master_refresh: 0,
            garp_master_refresh_repeat: 1,
            mcast_group4: Ipv4Addr::new(224, 0, 0, 18),
            vrrp_version: 2,
            strict: false,
            skip_check_adv_addr: false,
            lvs_flush: false,
            enable_script_security: false,
            script_user: None,
            notification_email: Vec::new(),
            notification_email_from: None,
            smtp_server: None,
            smtp_connect_timeout: None,
            max_auto_priority: false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthType {
    Pass,
    Ah,
}

/// An address in `virtual_ipaddress` (`192.168.10.200/24 dev eth0 label eth0:2`).
#[derive(Clone, Debug, PartialEq)]
pub struct Vip {
    pub addr: Ipv4Addr,
    pub prefix: u8,
    pub dev: Option<String>,
    pub label: Option<String>,
    pub brd: Option<Ipv4Addr>,
    pub scope: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Instance {
    pub name: String,
    pub line: usize,
    /// `state MASTER`: the wish to be master (`state` is only a wish; see vrrp/).
    pub want_master: bool,
    pub interface: Option<String>,
    pub vrid: Option<u8>,
    pub priority: u8,
    /// In microseconds.
    pub advert_int: u64,
    pub version: u8,
    pub auth_type: Option<AuthType>,
    /// auth_pass, zero padded (only the first 8 characters count).
    pub auth_data: [u8; 8],
    pub vips: Vec<Vip>,
    pub evips: Vec<Vip>,
    pub nopreempt: bool,
    /// In microseconds.
    pub preempt_delay: u64,
    pub garp_master_delay: u32,
    pub garp_master_repeat: u32,
    pub garp_master_refresh: u32,
    pub garp_master_refresh_repeat: u32,
    pub track_interfaces: Vec<TrackedIf>,
    /// Script name and an optional weight that overrides the script's own.
    pub track_scripts: Vec<(String, Option<i32>)>,
    pub notify_master: Option<String>,
    pub notify_backup: Option<String>,
    pub notify_fault: Option<String>,
    pub notify_stop: Option<String>,
    pub notify: Option<String>,
    pub mcast_src_ip: Option<Ipv4Addr>,
    pub unicast_src_ip: Option<Ipv4Addr>,
    pub unicast_peers: Vec<Ipv4Addr>,
    pub skip_check_adv_addr: bool,
    /// `dont_track_primary`: the instance's own interface going down does not make it FAULT.
    pub dont_track_primary: bool,
    pub strict: bool,
    pub down_timer_adverts: u32,
    pub lower_prio_no_advert: bool,
    pub higher_prio_send_advert: bool,
}

impl Instance {
    pub fn new(name: &str, line: usize, g: &Global) -> Instance {
        Instance {
            name: name.to_string(),
            line,
            want_master: false,
            interface: None,
            vrid: None,
            priority: 100,
            advert_int: 1_000_000,
            version: g.vrrp_version,
            auth_type: None,
            auth_data: [0; 8],
            vips: Vec::new(),
            evips: Vec::new(),
            nopreempt: false,
            preempt_delay: 0,
            garp_master_delay: g.garp_master_delay,
            garp_master_repeat: g.garp_master_repeat,
            garp_master_refresh: g.garp_master_refresh,
            garp_master_refresh_repeat: g.garp_master_refresh_repeat,
            track_interfaces: Vec::new(),
            track_scripts: Vec::new(),
            notify_master: None,
            notify_backup: None,
            notify_fault: None,
            notify_stop: None,
            notify: None,
            mcast_src_ip: None,
            unicast_src_ip: None,
            unicast_peers: Vec::new(),
            skip_check_adv_addr: g.skip_check_adv_addr,
            dont_track_primary: false,
            strict: g.strict,
            down_timer_adverts: 3,
            lower_prio_no_advert: false,
            higher_prio_send_advert: false,
        }
    }
}

/// `vrrp_script NAME { script …; interval; weight; rise; fall; timeout }`.
#[derive(Clone, Debug)]
pub struct VrrpScript {
    pub name: String,
    pub script: Option<String>,
    /// Seconds.
    pub interval: u64,
    pub timeout: Option<u64>,
    pub weight: i32,
    pub rise: u32,
    pub fall: u32,
    pub init_fail: bool,
}

impl VrrpScript {
    pub fn new(name: &str) -> VrrpScript {
        VrrpScript {
            name: name.to_string(),
            script: None,
            interval: 1,
            timeout: None,
            weight: 0,
            rise: 1,
            fall: 1,
            init_fail: false,
        }
    }
}

/// A `track_interface` line: `NAME [weight W [reverse]]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackedIf {
    pub name: String,
    /// 0: the instance goes to FAULT while the interface is down. Otherwise the priority
    /// moves by W: a positive W is added while it is up, a negative one while it is down.
    pub weight: i32,
    /// `reverse`: the other way round.
    pub reverse: bool,
}

impl TrackedIf {
    /// What the interface adds to the priority when it is `up` (vrrp_track.c).
    pub fn delta(&self, up: bool) -> i32 {
        let w = if self.reverse {
            -self.weight
        } else {
            self.weight
        };
        match (up, self.weight) {
            (true, x) if x > 0 => w,
            (false, x) if x < 0 => w,
            _ => 0,
        }
    }
}

#[derive(Clone, Debug)]
pub struct SyncGroup {
    pub name: String,
    pub members: Vec<String>,
    /// `sync_group_tracking_weight` (or the deprecated `global_tracking`): members keep their
    /// tracking weights.
    pub tracking_weight: bool,
    pub notify_master: Option<String>,
    pub notify_backup: Option<String>,
    pub notify_fault: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LbKind {
    Nat,
    Dr,
    Tun,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum VsKey {
    Addr(Ipv4Addr, u16),
    Fwmark(u32),
}

/// Timing and retry values that cascade from virtual_server to real_server to checker
/// (None: not set at that level).
#[derive(Clone, Copy, Debug, Default)]
pub struct CheckDefaults {
    /// Microseconds.
    pub delay_loop: Option<u64>,
    pub warmup: Option<u64>,
    pub connect_timeout: Option<u64>,
    pub retry: Option<u32>,
    pub delay_before_retry: Option<u64>,
    pub inhibit_on_failure: Option<bool>,
    pub alpha: Option<bool>,
}

#[derive(Clone, Debug)]
pub struct VirtualServer {
    pub key: VsKey,
    pub line: usize,
    pub sched: String,
    pub kind: LbKind,
    /// lb_algo / lb_kind were given (keepalived says when it uses its defaults).
    pub sched_set: bool,
    pub kind_set: bool,
    pub persistence_timeout: Option<u32>,
    pub persistence_granularity: Option<Ipv4Addr>,
    /// 6 (TCP) or 17 (UDP).
    pub protocol: u8,
    pub sorry_server: Option<(Ipv4Addr, u16)>,
    pub quorum: u32,
    pub hysteresis: u32,
    pub quorum_up: Option<String>,
    pub quorum_down: Option<String>,
    pub virtualhost: Option<String>,
    pub defaults: CheckDefaults,
    pub real_servers: Vec<RealServer>,
}

#[derive(Clone, Debug)]
pub struct RealServer {
    pub addr: Ipv4Addr,
    pub port: u16,
    pub line: usize,
    pub weight: i32,
    pub kind: Option<LbKind>,
    pub uthreshold: Option<u32>,
    pub lthreshold: Option<u32>,
    pub notify_up: Option<String>,
    pub notify_down: Option<String>,
    pub virtualhost: Option<String>,
    pub defaults: CheckDefaults,
    pub checkers: Vec<Checker>,
}

#[derive(Clone, Debug)]
pub struct Url {
    pub path: Option<String>,
    pub digest: Option<String>,
    /// Inclusive ranges; empty means 200-299.
    pub status_codes: Vec<(u16, u16)>,
    pub virtualhost: Option<String>,
}

#[derive(Clone, Debug)]
pub enum CheckKind {
    Http {
        ssl: bool,
        urls: Vec<Url>,
        virtualhost: Option<String>,
        http_protocol: Option<String>,
    },
    Tcp,
    Misc {
        path: Option<String>,
        /// Microseconds.
        timeout: Option<u64>,
        dynamic: bool,
    },
    Ping,
}

#[derive(Clone, Debug)]
pub struct Checker {
    pub kind: CheckKind,
    pub line: usize,
    pub connect_ip: Option<Ipv4Addr>,
    pub connect_port: Option<u16>,
    pub bindto: Option<Ipv4Addr>,
    pub defaults: CheckDefaults,
}

impl CheckKind {
    /// The name keepalived logs (`HTTP_CHECK`, `TCP_CHECK` …).
    pub fn name(&self) -> &'static str {
        match self {
            CheckKind::Http { ssl: false, .. } => "HTTP_CHECK",
            CheckKind::Http { ssl: true, .. } => "SSL_CHECK",
            CheckKind::Tcp => "TCP_CHECK",
            CheckKind::Misc { .. } => "MISC_CHECK",
            CheckKind::Ping => "PING_CHECK",
        }
    }
}
