//! `virtual_server`, `real_server` and their checkers (keepalived/check/check_parser.c,
//! check_http.c, check_tcp.c, check_misc.c, check_ping.c), and the checker child's checks
//! once it has read them (check_data.c's validate_check_config).

use super::parse_checker::checker_keyword;
use super::stream::{Kind, Parser, Section};
use super::types::{
    CheckDefaults, CheckKind, Checker, LbKind, RealServer, Url, VirtualServer, VsKey,
};
use std::net::Ipv4Addr;

const SCHEDULERS: &[&str] = &[
    "rr", "wrr", "lc", "wlc", "lblc", "sh", "mh", "dh", "fo", "ovf", "lblcr", "sed", "nq", "twos",
];

pub(super) fn keyword(section: Section, word: &str, checker: Option<&CheckKind>) -> Option<Kind> {
    match section {
        Section::Vs => vs_keyword(word),
        Section::Rs => rs_keyword(word),
        Section::Checker => checker_keyword(word, checker?),
        Section::Url => match word {
            "path" | "digest" | "status_code" | "virtualhost" => Some(Kind::Leaf),
            "regex" | "regex_no_match" | "regex_options" | "regex_min_offset"
            | "regex_max_offset" | "regex_stack" => Some(Kind::Unsimulated),
            _ => None,
        },
        _ => None,
    }
}

/// Keywords every level of the cascade takes.
fn timing(word: &str) -> bool {
    matches!(
        word,
        "delay_loop"
            | "connect_timeout"
            | "retry"
            | "delay_before_retry"
            | "warmup"
            | "inhibit_on_failure"
            | "alpha"
            | "omega"
            | "smtp_alert"
            | "virtualhost"
            | "snmp_name"
    )
}

fn vs_keyword(word: &str) -> Option<Kind> {
    Some(match word {
        w if timing(w) => Kind::Leaf,
        "lb_algo"
        | "lvs_sched"
        | "lb_kind"
        | "lvs_method"
        | "persistence_timeout"
        | "persistence_granularity"
        | "protocol"
        | "sorry_server"
        | "quorum"
        | "hysteresis"
        | "quorum_up"
        | "quorum_down"
        | "ip_family" => Kind::Leaf,
        "real_server" => Kind::Block(Section::Rs),
        "ha_suspend"
        | "ops"
        | "hashed"
        | "flag-1"
        | "flag-2"
        | "flag-3"
        | "sh-port"
        | "sh-fallback"
        | "mh-port"
        | "mh-fallback"
        | "persistence_engine"
        | "sorry_server_inhibit"
        | "sorry_server_lvs_method" => Kind::Unsimulated,
        _ => return None,
    })
}

fn rs_keyword(word: &str) -> Option<Kind> {
    Some(match word {
        w if timing(w) => Kind::Leaf,
        "weight" | "lvs_method" | "lb_kind" | "uthreshold" | "lthreshold" | "notify_up"
        | "notify_down" => Kind::Leaf,
        "HTTP_GET" | "SSL_GET" | "TCP_CHECK" | "MISC_CHECK" | "PING_CHECK" => {
            Kind::Block(Section::Checker)
        }
        "SMTP_CHECK" | "DNS_CHECK" | "UDP_CHECK" | "FILE_CHECK" | "BFD_CHECK" => Kind::Unsimulated,
        _ => return None,
    })
}

impl Parser<'_> {
    pub(super) fn checker_kind(&self) -> Option<&CheckKind> {
        let vs = self.cfg.virtual_servers.last()?;
        let rs = vs.real_servers.last()?;
        rs.checkers.last().map(|c| &c.kind)
    }

    fn vs(&mut self) -> Option<&mut VirtualServer> {
        self.cfg.virtual_servers.last_mut()
    }

    fn rs(&mut self) -> Option<&mut RealServer> {
        self.vs()?.real_servers.last_mut()
    }

    pub(super) fn checker(&mut self) -> Option<&mut Checker> {
        self.rs()?.checkers.last_mut()
    }

    pub(super) fn check_open(&mut self, section: Section, words: &[String]) -> bool {
        let line = self.at.as_ref().map_or(0, |a| a.1);
        match section {
            Section::Vs => self.open_vs(words, line),
            Section::Rs => self.open_rs(words, line),
            Section::Checker => {
                if words[0] == "SSL_GET" {
                    // No node speaks TLS, so there is no handshake to model.
                    self.note("netstep: SSL_GET is checked as HTTP_GET (no TLS here)".into());
                }
                let kind = match words[0].as_str() {
                    "HTTP_GET" | "SSL_GET" => CheckKind::Http {
                        ssl: words[0] == "SSL_GET",
                        urls: Vec::new(),
                        virtualhost: None,
                        http_protocol: None,
                    },
                    "TCP_CHECK" => CheckKind::Tcp,
                    "MISC_CHECK" => CheckKind::Misc {
                        path: None,
                        timeout: None,
                        dynamic: false,
                    },
                    _ => CheckKind::Ping,
                };
                let Some(rs) = self.rs() else {
                    return false;
                };
                rs.checkers.push(Checker {
                    kind,
                    line,
                    connect_ip: None,
                    connect_port: None,
                    bindto: None,
                    defaults: CheckDefaults::default(),
                });
                true
            }
            Section::Url => {
                if let Some(CheckKind::Http { urls, .. }) = self.checker().map(|c| &mut c.kind) {
                    urls.push(Url {
                        path: None,
                        digest: None,
                        status_codes: Vec::new(),
                        virtualhost: None,
                    });
                }
                true
            }
            _ => true,
        }
    }

    fn open_vs(&mut self, words: &[String], line: usize) -> bool {
        self.cfg.have_checker = true;
        let Some(a1) = self.arg(words, 1).map(str::to_string) else {
            return false;
        };
        let key = if a1 == "fwmark" {
            let Some(m) = self.arg(words, 2).map(str::to_string) else {
                return false;
            };
            match self.unsigned(&m, 0, u32::MAX, false) {
                Some(m) => VsKey::Fwmark(m),
                None => {
                    self.error(format!(
                        "virtual server fwmark '{m}' must be in [0, 4294967295] - ignoring"
                    ));
                    return false;
                }
            }
        } else {
            let port = words.get(2).and_then(|p| p.parse::<u16>().ok());
            match (
                a1.parse::<Ipv4Addr>(),
                port.or(words.get(2).is_none().then_some(0)),
            ) {
                (Ok(ip), Some(port)) => VsKey::Addr(ip, port),
                _ => {
                    let port = words
                        .get(2)
                        .filter(|p| !p.trim_start_matches('0').is_empty());
                    let text = match port {
                        Some(p) => {
                            format!("Invalid virtual server IP address/port {a1}/{p} - skipping")
                        }
                        None => format!("Invalid virtual server IP address {a1} - skipping"),
                    };
                    self.error(text);
                    return false;
                }
            }
        };
        self.cfg.virtual_servers.push(VirtualServer {
            key,
            line,
            sched: "wlc".into(),
            kind: LbKind::Nat,
            sched_set: false,
            kind_set: false,
            persistence_timeout: None,
            persistence_granularity: None,
            protocol: 0,
            sorry_server: None,
            quorum: 1,
            hysteresis: 0,
            quorum_up: None,
            quorum_down: None,
            virtualhost: None,
            defaults: CheckDefaults::default(),
            real_servers: Vec::new(),
        });
        true
    }

    fn open_rs(&mut self, words: &[String], line: usize) -> bool {
        let Some(ip) = self.arg(words, 1).map(str::to_string) else {
            return false;
        };
        let vs_port = self.vs().map_or(0, |v| match v.key {
            VsKey::Addr(_, p) => p,
            VsKey::Fwmark(_) => 0,
        });
        let port = match words.get(2) {
            Some(p) => match self.unsigned(p, 0, 65535, false) {
                Some(0) => Some(vs_port),
                p => p.map(|p| p as u16),
            },
            None => Some(vs_port),
        };
        let (Ok(addr), Some(port)) = (ip.parse::<Ipv4Addr>(), port) else {
            let p = words.get(2).cloned().unwrap_or_default();
            self.error(format!(
                "Invalid real server ip address/port {ip}/{p} - skipping"
            ));
            return false;
        };
        let Some(vs) = self.vs() else {
            return false;
        };
        vs.real_servers.push(RealServer {
            addr,
            port,
            line,
            weight: 1,
            kind: None,
            uthreshold: None,
            lthreshold: None,
            notify_up: None,
            notify_down: None,
            virtualhost: None,
            defaults: CheckDefaults::default(),
            checkers: Vec::new(),
        });
        true
    }

    pub(super) fn check_close(&mut self, _section: Section) {}

    pub(super) fn check_leaf(&mut self, section: Section, words: &[String]) {
        if self.cascade_leaf(section, words) {
            return;
        }
        match section {
            Section::Vs => self.vs_leaf(words),
            Section::Rs => self.rs_leaf(words),
            Section::Checker => self.checker_leaf(words),
            Section::Url => self.url_leaf(words),
            _ => {}
        }
    }

    /// The settings every level takes; true when `words` was one.
    fn cascade_leaf(&mut self, section: Section, words: &[String]) -> bool {
        let key = words[0].as_str();
        let what = match section {
            Section::Vs => "virtual server",
            Section::Rs => "real server",
            _ => "checker",
        };
        let flag = |w: &[String]| match w.get(1).map(String::as_str) {
            None | Some("true") | Some("on") | Some("yes") => Some(true),
            Some("false") | Some("off") | Some("no") => Some(false),
            _ => None,
        };
        let mut d = CheckDefaults::default();
        match key {
            "inhibit_on_failure" | "alpha" | "omega" => {
                let Some(v) = flag(words) else {
                    self.error(format!("Invalid {key} parameter {}", words[1]));
                    return true;
                };
                match key {
                    "inhibit_on_failure" => d.inhibit_on_failure = Some(v),
                    "alpha" => d.alpha = Some(v),
                    _ => {}
                }
            }
            "delay_loop" | "connect_timeout" | "delay_before_retry" | "warmup" => {
                let Some(v) = self.arg(words, 1).map(str::to_string) else {
                    return true;
                };
                let min = if key == "delay_loop" { 1 } else { 0 };
                let Some(us) = self.seconds(&v, min, u64::from(u32::MAX) * 1_000_000, true) else {
                    let m = match key {
                        "delay_loop" if section == Section::Vs => {
                            format!("virtual server delay loop '{v}' invalid - ignoring")
                        }
                        "delay_loop" => format!("{what} delay_loop '{v}' invalid - ignoring"),
                        "connect_timeout" => {
                            format!("{what} connect_timeout {v} invalid - ignoring")
                        }
                        "delay_before_retry" if section == Section::Vs => {
                            format!("virtual server delay before retry '{v}' invalid - ignoring")
                        }
                        "delay_before_retry" => {
                            format!("{what} delay_before_retry '{v}' invalid - ignoring")
                        }
                        _ => format!("{what} warmup '{v}' invalid - ignoring"),
                    };
                    self.error(m);
                    return true;
                };
                match key {
                    "delay_loop" => d.delay_loop = Some(us),
                    "connect_timeout" => d.connect_timeout = Some(us),
                    "delay_before_retry" => d.delay_before_retry = Some(us),
                    _ => d.warmup = Some(us),
                }
            }
            "retry" | "nb_get_retry" => {
                let Some(v) = self.arg(words, 1).map(str::to_string) else {
                    return true;
                };
                if key == "nb_get_retry" {
                    self.error("nb_get_retry is deprecated - please use 'retry'".into());
                }
                match self.unsigned(&v, 0, u32::MAX, true) {
                    Some(n) => d.retry = Some(n),
                    None => {
                        self.error(format!("retry value invalid - {v}"));
                        return true;
                    }
                }
            }
            "virtualhost" => {
                let Some(v) = self.arg(words, 1).map(str::to_string) else {
                    return true;
                };
                match section {
                    Section::Vs => {
                        if let Some(vs) = self.vs() {
                            vs.virtualhost = Some(v)
                        }
                    }
                    Section::Rs => {
                        if let Some(rs) = self.rs() {
                            rs.virtualhost = Some(v)
                        }
                    }
                    _ => {
                        if let Some(CheckKind::Http { virtualhost, .. }) =
                            self.checker().map(|c| &mut c.kind)
                        {
                            *virtualhost = Some(v)
                        }
                    }
                }
                return true;
            }
            "smtp_alert" | "snmp_name" => return true,
            _ => return false,
        }
        let target = match section {
            Section::Vs => self.vs().map(|v| &mut v.defaults),
            Section::Rs => self.rs().map(|r| &mut r.defaults),
            _ => self.checker().map(|c| &mut c.defaults),
        };
        if let Some(t) = target {
            merge(t, d);
        }
        true
    }

    fn vs_leaf(&mut self, words: &[String]) {
        let Some(v) = self.arg(words, 1).map(str::to_string) else {
            return;
        };
        match words[0].as_str() {
            "lb_algo" | "lvs_sched" => {
                if SCHEDULERS.contains(&v.as_str()) {
                    if let Some(vs) = self.vs() {
                        vs.sched = v;
                        vs.sched_set = true;
                    }
                } else {
                    self.error(format!("Invalid lvs_scheduler '{v}' - ignoring"));
                }
            }
            "lb_kind" | "lvs_method" => match lb_kind(&v) {
                Some(k) => {
                    if let Some(vs) = self.vs() {
                        vs.kind = k;
                        vs.kind_set = true;
                    }
                }
                None => self.error(format!(
                    "PARSER : unknown [{v}] routing method for virtual server."
                )),
            },
            "persistence_timeout" => match self.unsigned(&v, 1, 2_678_400, false) {
                Some(t) => {
                    if let Some(vs) = self.vs() {
                        vs.persistence_timeout = Some(t)
                    }
                }
                None => self.error("persistence_timeout invalid".into()),
            },
            "persistence_granularity" => match v.parse::<Ipv4Addr>() {
                Ok(m) if crate::kernel::netdev::mask_to_prefix(m).is_some() => {
                    if let Some(vs) = self.vs() {
                        vs.persistence_granularity = Some(m)
                    }
                }
                Ok(_) => self.error(format!(
                    "IPv4 persistence_granularity netmask is not solid - {v}"
                )),
                Err(_) => self.error(format!(
                    "Invalid IPv4 persistence_granularity specified - {v}"
                )),
            },
            "protocol" => match v.to_ascii_uppercase().as_str() {
                "TCP" => self.set_protocol(6),
                "UDP" => self.set_protocol(17),
                _ => self.error(format!("Unknown protocol {v} - ignoring")),
            },
            "sorry_server" => {
                let port = words.get(2).and_then(|p| p.parse::<u16>().ok());
                match (v.parse::<Ipv4Addr>(), port) {
                    (Ok(ip), Some(p)) => {
                        if let Some(vs) = self.vs() {
                            vs.sorry_server = Some((ip, p))
                        }
                    }
                    _ => self.error(format!("Invalid sorry server IP address {v} - skipping")),
                }
            }
            "quorum" => {
                let q = self.unsigned(&v, 1, u32::MAX, true);
                if q.is_none() {
                    self.error(format!(
                        "Quorum {v} must be in [1, 4294967295]. Setting to 1."
                    ));
                }
                if let Some(vs) = self.vs() {
                    vs.quorum = q.unwrap_or(1)
                }
            }
            "hysteresis" => match self.unsigned(&v, 0, u32::MAX, true) {
                Some(h) => {
                    if let Some(vs) = self.vs() {
                        vs.hysteresis = h
                    }
                }
                None => self.error(format!(
                    "Hysteresis {v} must be in [0, 4294967295] - ignoring"
                )),
            },
            "quorum_up" | "quorum_down" => {
                let script = words[1..].join(" ");
                if let Some(vs) = self.vs() {
                    if words[0] == "quorum_up" {
                        vs.quorum_up = Some(script)
                    } else {
                        vs.quorum_down = Some(script)
                    }
                }
            }
            "ip_family" if v != "inet" => self.error(format!("unknown address family {v}")),
            _ => {}
        }
    }

    fn set_protocol(&mut self, p: u8) {
        if let Some(vs) = self.vs() {
            vs.protocol = p;
        }
    }

    fn rs_leaf(&mut self, words: &[String]) {
        let Some(v) = self.arg(words, 1).map(str::to_string) else {
            return;
        };
        match words[0].as_str() {
            "weight" => match self.unsigned(&v, 0, i32::MAX as u32, true) {
                Some(w) => {
                    if let Some(rs) = self.rs() {
                        rs.weight = w as i32
                    }
                }
                None => self.error(format!(
                    "Real server weight {v} is outside range 0-2147483647"
                )),
            },
            "lvs_method" | "lb_kind" => match lb_kind(&v) {
                Some(k) => {
                    if let Some(rs) = self.rs() {
                        rs.kind = Some(k)
                    }
                }
                None => self.error(format!(
                    "PARSER : unknown [{v}] routing method for real server."
                )),
            },
            "uthreshold" | "lthreshold" => match self.unsigned(&v, 0, u32::MAX, true) {
                Some(t) => {
                    if let Some(rs) = self.rs() {
                        if words[0] == "uthreshold" {
                            rs.uthreshold = Some(t)
                        } else {
                            rs.lthreshold = Some(t)
                        }
                    }
                }
                None => self.error(format!("Invalid real_server {} '{v}' - ignoring", words[0])),
            },
            "notify_up" | "notify_down" => {
                let script = words[1..].join(" ");
                if let Some(rs) = self.rs() {
                    if words[0] == "notify_up" {
                        rs.notify_up = Some(script)
                    } else {
                        rs.notify_down = Some(script)
                    }
                }
            }
            _ => {}
        }
    }
}

fn merge(t: &mut CheckDefaults, d: CheckDefaults) {
    t.delay_loop = d.delay_loop.or(t.delay_loop);
    t.warmup = d.warmup.or(t.warmup);
    t.connect_timeout = d.connect_timeout.or(t.connect_timeout);
    t.retry = d.retry.or(t.retry);
    t.delay_before_retry = d.delay_before_retry.or(t.delay_before_retry);
    t.inhibit_on_failure = d.inhibit_on_failure.or(t.inhibit_on_failure);
    t.alpha = d.alpha.or(t.alpha);
}

fn lb_kind(v: &str) -> Option<LbKind> {
    match v {
        "NAT" => Some(LbKind::Nat),
        "DR" => Some(LbKind::Dr),
        "TUN" => Some(LbKind::Tun),
        _ => None,
    }
}

/// FMT_VS: `[192.168.10.200]:tcp:80`, or `FWM 1`.
pub fn fmt_vs(vs: &VirtualServer) -> String {
    match vs.key {
        VsKey::Fwmark(m) => format!("FWM {m}"),
        VsKey::Addr(ip, port) => trio(ip, vs.protocol, port),
    }
}

/// inet_sockaddrtotrio: `[ADDR]:proto:PORT`.
pub fn trio(ip: Ipv4Addr, proto: u8, port: u16) -> String {
    let p = match proto {
        6 => "tcp",
        17 => "udp",
        132 => "sctp",
        _ => "none",
    };
    format!("[{ip}]:{p}:{port}")
}
