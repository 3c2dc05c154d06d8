//! The sysctl tree (`net.ipv4.*`), also seen as files under `/proc/sys`.
//!
//! Only keys the simulated kernel really consults are present, so `sysctl -a` never shows a
//! knob that does nothing.

use super::netfilter::nf_conntrack::{proto_tcp, Timeouts};
use std::collections::BTreeMap;

/// Per-interface keys under `net.ipv4.conf.<if>.` and their defaults (Linux 6.x).
const CONF_KEYS: &[(&str, i64)] = &[
    ("accept_local", 0),
    ("arp_accept", 0),
    ("arp_announce", 0),
    ("arp_ignore", 0),
    ("forwarding", 0),
    ("rp_filter", 0),
    ("send_redirects", 1),
];

/// Global keys and their defaults.
const GLOBAL_KEYS: &[(&str, i64)] = &[
    ("net.ipv4.icmp_echo_ignore_all", 0),
    ("net.ipv4.icmp_echo_ignore_broadcasts", 1),
    ("net.ipv4.icmp_ratelimit", 1000),
    ("net.ipv4.icmp_ratemask", 6168),
    ("net.ipv4.ip_default_ttl", 64),
    ("net.ipv4.ip_forward", 0),
    ("net.ipv4.neigh.default.base_reachable_time_ms", 30000),
    ("net.ipv4.neigh.default.delay_first_probe_time", 5),
    ("net.ipv4.neigh.default.locktime", 100),
    ("net.ipv4.neigh.default.mcast_solicit", 3),
    ("net.ipv4.neigh.default.retrans_time_ms", 1000),
    ("net.ipv4.neigh.default.ucast_solicit", 3),
    ("net.ipv4.tcp_fin_timeout", 60),
    ("net.ipv4.tcp_syn_retries", 6),
    ("net.ipv4.tcp_tw_reuse", 2),
    ("net.ipv4.vs.conn_reuse_mode", 1),
    ("net.ipv4.vs.expire_quiescent_template", 0),
    ("net.ipv4.vs.lblc_expiration", 86_400),
    ("net.ipv4.vs.lblcr_expiration", 86_400),
    ("net.netfilter.nf_conntrack_generic_timeout", 600),
    ("net.netfilter.nf_conntrack_icmp_timeout", 30),
    ("net.netfilter.nf_conntrack_max", 262_144),
    ("net.netfilter.nf_conntrack_tcp_loose", 1),
    ("net.netfilter.nf_conntrack_tcp_timeout_close", 10),
    ("net.netfilter.nf_conntrack_tcp_timeout_close_wait", 60),
    (
        "net.netfilter.nf_conntrack_tcp_timeout_established",
        432_000,
    ),
    ("net.netfilter.nf_conntrack_tcp_timeout_fin_wait", 120),
    ("net.netfilter.nf_conntrack_tcp_timeout_last_ack", 30),
    ("net.netfilter.nf_conntrack_tcp_timeout_syn_recv", 60),
    ("net.netfilter.nf_conntrack_tcp_timeout_syn_sent", 120),
    ("net.netfilter.nf_conntrack_tcp_timeout_time_wait", 120),
    ("net.netfilter.nf_conntrack_udp_timeout", 30),
    ("net.netfilter.nf_conntrack_udp_timeout_stream", 120),
];

#[derive(Debug, PartialEq)]
pub enum SysctlError {
    /// `sysctl: cannot stat /proc/sys/...: No such file or directory`
    NoSuchKey,
    /// `sysctl: setting key "...": Invalid argument`
    Invalid,
    /// Another errno for the write: an unknown congestion control algorithm (ENOENT), a
    /// read-only key (EACCES).
    Refused(&'static str),
}

#[derive(Clone, Debug)]
pub struct Sysctl {
    values: BTreeMap<String, i64>,
    /// Some rp_filter is on: ip_rcv then validates sources (kept so the common case costs
    /// no lookups per packet).
    pub rp_filter_any: bool,
    /// net.ipv4.ip_default_ttl, read for every packet sent, and net.ipv4.tcp_syn_retries,
    /// read for every connect(): fields, as in the kernel's struct netns_ipv4, so the hot
    /// paths look up no strings. `set` keeps them in step with the table.
    pub default_ttl: u8,
    pub syn_retries: u32,
    /// The net.netfilter.nf_conntrack_* values conntrack reads per packet.
    pub ct: CtSysctl,
    /// The net.ipv4.vs.* values IPVS reads (struct netns_ipvs's sysctl fields).
    pub vs: VsSysctl,
    /// net.ipv4.ip_local_port_range: where connect() and an unbound UDP send take their
    /// ephemeral ports (inet_get_local_port_range). A key of two numbers, printed with a tab.
    pub port_range: (u16, u16),
    /// net.ipv4.tcp_rmem and tcp_wmem (min, default, max), and the congestion control.
    /// netstep's TCP has fixed 64240-byte buffers and no congestion control: these are kept
    /// and shown, and refuse what Linux refuses.
    pub tcp_rmem: [i64; 3],
    pub tcp_wmem: [i64; 3],
    pub congestion: String,
}

/// Keys whose value is several numbers (proc_dointvec over an array): printed separated by
/// tabs, written separated by blanks.
const RANGE_KEYS: &[&str] = &[
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
];

/// Keys whose value is text: the congestion control in use and those available (Debian 12's
/// kernel builds cubic and reno in; bbr is a module nobody loaded).
const TEXT_KEYS: &[&str] = &[
    "net.ipv4.tcp_available_congestion_control",
    "net.ipv4.tcp_congestion_control",
];
const CONGESTION_AVAILABLE: &str = "reno cubic";

/// IPVS's knobs, in the units the code uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VsSysctl {
    /// 0: never reuse an entry for a new SYN; 1: reuse one in TIME_WAIT or CLOSE.
    pub conn_reuse_mode: i64,
    /// A template whose server has weight 0 is invalidated like one whose server is gone.
    pub expire_quiescent_template: bool,
    /// How long lblc / lblcr keep an idle entry (and lblcr an unchanged set), in ns.
    pub lblc_expiration: u64,
    pub lblcr_expiration: u64,
}

impl Default for VsSysctl {
    fn default() -> VsSysctl {
        VsSysctl {
            conn_reuse_mode: 1,
            expire_quiescent_template: false,
            lblc_expiration: 86_400 * 1_000_000_000,
            lblcr_expiration: 86_400 * 1_000_000_000,
        }
    }
}

impl VsSysctl {
    fn set(&mut self, key: &str, v: i64) {
        let ns = u64::try_from(v).unwrap_or(0).saturating_mul(1_000_000_000);
        match key.strip_prefix("net.ipv4.vs.") {
            Some("conn_reuse_mode") => self.conn_reuse_mode = v,
            Some("expire_quiescent_template") => self.expire_quiescent_template = v != 0,
            Some("lblc_expiration") => self.lblc_expiration = ns,
            Some("lblcr_expiration") => self.lblcr_expiration = ns,
            _ => {}
        }
    }
}

/// Conntrack's knobs as fields (struct nf_conntrack_net and the per-protocol timeouts).
#[derive(Clone, Debug)]
pub struct CtSysctl {
    pub max: u32,
    pub tcp_loose: bool,
    pub timeouts: Timeouts,
}

impl CtSysctl {
    /// Copies a changed `net.netfilter.` key into its field.
    fn set(&mut self, key: &str, v: i64) {
        let Some(name) = key.strip_prefix("net.netfilter.nf_conntrack_") else {
            return;
        };
        let secs = u64::try_from(v).unwrap_or(0);
        let t = &mut self.timeouts;
        match name {
            "max" => self.max = u32::try_from(v).unwrap_or(0),
            "tcp_loose" => self.tcp_loose = v != 0,
            "generic_timeout" => t.generic = secs,
            "icmp_timeout" => t.icmp = secs,
            "udp_timeout" => t.udp = secs,
            "udp_timeout_stream" => t.udp_stream = secs,
            _ => {
                let Some(state) = name.strip_prefix("tcp_timeout_") else {
                    return;
                };
                for (i, n) in proto_tcp::TIMEOUT_SYSCTLS.iter().enumerate() {
                    // SYN_SENT2 has no key of its own: it uses syn_sent's.
                    if *n == state
                        || (i == usize::from(proto_tcp::SYN_SENT2) && state == "syn_sent")
                    {
                        t.tcp[i] = secs;
                    }
                }
            }
        }
    }
}

impl Default for Sysctl {
    fn default() -> Self {
        let mut s = Sysctl {
            values: BTreeMap::new(),
            rp_filter_any: false,
            default_ttl: 64,
            syn_retries: 6,
            vs: VsSysctl::default(),
            port_range: (32768, 60999),
            tcp_rmem: [4096, 131_072, 6_291_456],
            tcp_wmem: [4096, 16_384, 4_194_304],
            congestion: "cubic".into(),
            ct: CtSysctl {
                max: 262_144,
                tcp_loose: true,
                timeouts: Timeouts::default(),
            },
        };
        for (k, v) in GLOBAL_KEYS {
            s.values.insert(k.to_string(), *v);
        }
        for dev in ["all", "default", "lo"] {
            s.add_interface(dev);
        }
        s
    }
}

impl Sysctl {
    /// A new device gets its own `conf.<dev>` keys, copied from `conf.default`.
    pub fn add_interface(&mut self, dev: &str) {
        for (k, v) in CONF_KEYS {
            let default = self
                .values
                .get(&format!("net.ipv4.conf.default.{k}"))
                .copied()
                .unwrap_or(*v);
            self.values
                .entry(format!("net.ipv4.conf.{dev}.{k}"))
                .or_insert(default);
        }
    }

    /// Accepts `net.ipv4.ip_forward` and `net/ipv4/ip_forward` alike, as sysctl(8) does.
    pub fn normalize(key: &str) -> String {
        key.trim_start_matches('/').replace('/', ".")
    }

    /// A key's value as /proc/sys shows it (numbers of a range joined by a tab).
    pub fn get_text(&self, key: &str) -> Result<String, SysctlError> {
        let key = Self::normalize(key);
        let joined = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>().join("\t");
        match key.as_str() {
            "net.ipv4.ip_local_port_range" => {
                Ok(format!("{}\t{}", self.port_range.0, self.port_range.1))
            }
            "net.ipv4.tcp_rmem" => Ok(joined(&self.tcp_rmem)),
            "net.ipv4.tcp_wmem" => Ok(joined(&self.tcp_wmem)),
            "net.ipv4.tcp_congestion_control" => Ok(self.congestion.clone()),
            "net.ipv4.tcp_available_congestion_control" => Ok(CONGESTION_AVAILABLE.into()),
            _ => self.get(&key).map(|v| v.to_string()),
        }
    }

    /// Every key and its text, sorted, as `sysctl -a` lists them.
    pub fn iter_text(&self) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = self
            .values
            .iter()
            .map(|(k, v)| (k.clone(), v.to_string()))
            .collect();
        for k in RANGE_KEYS.iter().chain(TEXT_KEYS) {
            all.extend(self.get_text(k).ok().map(|v| (k.to_string(), v)));
        }
        all.sort();
        all
    }

    /// The writers of the keys of several numbers: ip_local_port_range (two in 1–65535, the
    /// first not above the second), tcp_rmem and tcp_wmem (three, each at least 1).
    fn set_range(&mut self, key: &str, value: &str) -> Result<(), SysctlError> {
        let nums: Vec<i64> = value
            .split_whitespace()
            .map(|w| w.parse::<i64>().map_err(|_| SysctlError::Invalid))
            .collect::<Result<_, _>>()?;
        if key != "net.ipv4.ip_local_port_range" {
            let [a, b, c] = nums[..] else {
                return Err(SysctlError::Invalid);
            };
            if [a, b, c]
                .iter()
                .any(|v| !(1..=i64::from(i32::MAX)).contains(v))
            {
                return Err(SysctlError::Invalid);
            }
            match key {
                "net.ipv4.tcp_rmem" => self.tcp_rmem = [a, b, c],
                _ => self.tcp_wmem = [a, b, c],
            }
            return Ok(());
        }
        let [lo, hi] = nums[..] else {
            return Err(SysctlError::Invalid);
        };
        if !(1..=65535).contains(&lo) || !(1..=65535).contains(&hi) || lo > hi {
            return Err(SysctlError::Invalid);
        }
        self.port_range = (lo as u16, hi as u16);
        Ok(())
    }

    pub fn get(&self, key: &str) -> Result<i64, SysctlError> {
        self.values
            .get(&Self::normalize(key))
            .copied()
            .ok_or(SysctlError::NoSuchKey)
    }

    /// A key's value, or 0 when it does not exist (for the kernel's own reads).
    pub fn int(&self, key: &str) -> i64 {
        self.values.get(key).copied().unwrap_or(0)
    }

    pub fn set(&mut self, key: &str, value: &str) -> Result<(), SysctlError> {
        let key = Self::normalize(key);
        if RANGE_KEYS.contains(&key.as_str()) {
            return self.set_range(&key, value);
        }
        match key.as_str() {
            "net.ipv4.tcp_available_congestion_control" => {
                return Err(SysctlError::Refused("Permission denied"))
            }
            "net.ipv4.tcp_congestion_control" => {
                let name = value.trim();
                if !CONGESTION_AVAILABLE.split(' ').any(|a| a == name) {
                    // tcp_set_default_congestion_control: no such module (ENOENT).
                    return Err(SysctlError::Refused("No such file or directory"));
                }
                self.congestion = name.into();
                return Ok(());
            }
            _ => {}
        }
        if !self.values.contains_key(&key) {
            return Err(SysctlError::NoSuchKey);
        }
        let v: i32 = value.trim().parse().map_err(|_| SysctlError::Invalid)?;
        let (min, max) = range(&key);
        if !(min..=max).contains(&v) {
            return Err(SysctlError::Invalid);
        }
        let v = match key.as_str() {
            // proc_dointvec_ms_jiffies: kept in jiffies (HZ 250 on Debian), so read back
            // rounded up to 4 ms.
            "net.ipv4.icmp_ratelimit" => (i64::from(v) + 3) / 4 * 4,
            _ => i64::from(v),
        };
        self.values.insert(key.clone(), v);
        match key.as_str() {
            "net.ipv4.ip_default_ttl" => self.default_ttl = u8::try_from(v).unwrap_or(64),
            "net.ipv4.tcp_syn_retries" => self.syn_retries = u32::try_from(v).unwrap_or(6),
            k => {
                self.ct.set(k, v);
                self.vs.set(k, v);
            }
        }
        if key.ends_with(".rp_filter") {
            self.rp_filter_any = self
                .values
                .iter()
                .any(|(k, v)| k.ends_with(".rp_filter") && *v != 0);
        }
        // As in devinet.c: ip_forward sets forwarding on all devices, and conf.all.forwarding
        // sets ip_forward and every device.
        if key == "net.ipv4.ip_forward" || key == "net.ipv4.conf.all.forwarding" {
            let keys: Vec<String> = self
                .values
                .keys()
                .filter(|k| k.starts_with("net.ipv4.conf.") && k.ends_with(".forwarding"))
                .cloned()
                .collect();
            for k in keys {
                self.values.insert(k, v);
            }
            self.values.insert("net.ipv4.ip_forward".into(), v);
        }
        Ok(())
    }

    /// All keys in sorted order, as `sysctl -a` lists them.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &i64)> {
        self.values.iter()
    }

    /// The per-interface value the kernel uses for keys where the larger of `all` and the
    /// device wins (arp_ignore, arp_announce, rp_filter: IN_DEV_MAXCONF).
    pub fn conf_max(&self, dev: &str, key: &str) -> i64 {
        let all = self.int(&format!("net.ipv4.conf.all.{key}"));
        all.max(self.int(&format!("net.ipv4.conf.{dev}.{key}")))
    }

    /// For keys where either `all` or the device turns the feature on (IN_DEV_ORCONF).
    pub fn conf_or(&self, dev: &str, key: &str) -> bool {
        self.int(&format!("net.ipv4.conf.all.{key}")) != 0
            || self.int(&format!("net.ipv4.conf.{dev}.{key}")) != 0
    }

    pub fn forwarding(&self, dev: &str) -> bool {
        self.int(&format!("net.ipv4.conf.{dev}.forwarding")) != 0
    }

    /// A `net.ipv4.neigh.default.*` value (read per packet, so the key is looked up by its
    /// suffix instead of being built).
    pub fn neigh(&self, key: &str) -> i64 {
        GLOBAL_KEYS
            .iter()
            .find(|(k, _)| k.strip_prefix("net.ipv4.neigh.default.") == Some(key))
            .map_or(0, |(k, _)| self.int(k))
    }
}

/// The values the kernel accepts for a key (its extra1/extra2 bounds; plain ints take any
/// int, as proc_dointvec does: `arp_ignore=-3` is accepted and means nothing special).
fn range(key: &str) -> (i32, i32) {
    match key {
        "net.ipv4.ip_default_ttl" => (1, 255),
        "net.ipv4.tcp_syn_retries" => (1, 127),
        "net.ipv4.tcp_tw_reuse" => (0, 2),
        "net.ipv4.icmp_echo_ignore_all" | "net.ipv4.icmp_echo_ignore_broadcasts" => (0, 1),
        "net.ipv4.icmp_ratelimit" => (0, i32::MAX),
        k if k.starts_with("net.ipv4.neigh.") => (0, i32::MAX),
        "net.netfilter.nf_conntrack_tcp_loose" => (0, 1),
        k if k.starts_with("net.netfilter.") => (0, i32::MAX),
        _ => (i32::MIN, i32::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_paths_and_dotted_keys_are_the_same() {
        let mut s = Sysctl::default();
        s.set("net/ipv4/conf/all/arp_ignore", "1").unwrap();
        assert_eq!(s.get("net.ipv4.conf.all.arp_ignore"), Ok(1));
    }

    #[test]
    fn hot_fields_follow_the_table() {
        let mut s = Sysctl::default();
        assert_eq!((s.default_ttl, s.syn_retries), (64, 6));
        assert_eq!(s.int("net.ipv4.ip_default_ttl"), 64);
        assert_eq!(s.int("net.ipv4.tcp_syn_retries"), 6);
        s.set("net/ipv4/ip_default_ttl", "7").unwrap();
        s.set("net.ipv4.tcp_syn_retries", "2").unwrap();
        assert_eq!((s.default_ttl, s.syn_retries), (7, 2));
    }

    #[test]
    fn max_of_all_and_device() {
        let mut s = Sysctl::default();
        s.add_interface("eth0");
        s.set("net.ipv4.conf.eth0.arp_announce", "2").unwrap();
        assert_eq!(s.conf_max("eth0", "arp_announce"), 2);
        assert_eq!(s.conf_max("lo", "arp_announce"), 0);
    }

    #[test]
    fn ip_forward_propagates_to_devices() {
        let mut s = Sysctl::default();
        s.add_interface("eth0");
        s.set("net.ipv4.ip_forward", "1").unwrap();
        assert!(s.forwarding("eth0"));
        assert!(s.forwarding("all"));
    }

    #[test]
    fn errors() {
        let mut s = Sysctl::default();
        assert_eq!(s.set("net.ipv4.nope", "1"), Err(SysctlError::NoSuchKey));
        assert_eq!(
            s.set("net.ipv4.ip_forward", "yes"),
            Err(SysctlError::Invalid)
        );
    }

    /// docs/fidelity-real.md §7: two numbers with a tab between them; a range outside
    /// 1–65535 or upside down is refused; connect() and UDP take their ports inside it.
    #[test]
    fn the_local_port_range_is_a_pair() {
        let mut s = Sysctl::default();
        assert_eq!(
            s.get_text("net.ipv4.ip_local_port_range"),
            Ok("32768\t60999".into())
        );
        for bad in ["70000 80000", "40000 30000", "40000", "a b", "0 10"] {
            assert_eq!(
                s.set("net/ipv4/ip_local_port_range", bad),
                Err(SysctlError::Invalid),
                "{bad}"
            );
        }
        assert_eq!(
            s.set("net.ipv4.ip_local_port_range", "40000\t40001"),
            Ok(())
        );
        assert_eq!(s.port_range, (40000, 40001));
        assert!(s
            .iter_text()
            .contains(&("net.ipv4.ip_local_port_range".into(), "40000\t40001".into())));
    }
}
