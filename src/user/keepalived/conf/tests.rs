//! The reader on good files (every keyword lands where it belongs) and on bad ones (never a
//! panic, whatever the bytes). What keepalived itself says about bad files is compared
//! line by line in tests/keepalived_conf.rs.

use super::lexer::Files;
use super::*;
use std::collections::BTreeMap;

struct Mem(BTreeMap<String, String>);

impl Files for Mem {
    fn read(&self, path: &str) -> Option<String> {
        self.0.get(path).cloned()
    }
    fn glob(&self, pattern: &str) -> Vec<String> {
        self.0.keys().filter(|k| *k == pattern).cloned().collect()
    }
    fn executable(&self, program: &str) -> bool {
        program == "/usr/bin/pgrep"
    }
}

fn mem(text: &str) -> Mem {
    Mem(BTreeMap::from([("/k.conf".to_string(), text.to_string())]))
}

fn read_as(text: &str, pass: Pass) -> Parsed {
    let ifaces = vec!["lo".into(), "eth0".into()];
    parse(&mem(text), "/k.conf", (pass, false), ifaces, None).expect("readable")
}

const FULL: &str = r#"! a full configuration
global_defs {
    router_id LVS_A
    vrrp_garp_master_delay 2
    vrrp_garp_master_repeat 3
    enable_script_security
}
vrrp_script chk {
    script "/usr/bin/pgrep httpd"
    interval 2
    weight -20
    rise 2
    fall 3
}
vrrp_instance VI_1 {
    state BACKUP
    nopreempt
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 2
    authentication {
        auth_type PASS
        auth_pass secret
    }
    virtual_ipaddress {
        192.168.10.200/24 dev eth0 label eth0:2
        192.168.10.201/24 brd + scope global
    }
    virtual_ipaddress_excluded {
        10.0.0.1/32
    }
    track_script {
        chk weight -30
    }
    notify_master "/bin/echo master"
    unicast_src_ip 192.168.10.101
    unicast_peer {
        192.168.10.102
    }
}
virtual_server fwmark 7 {
    delay_loop 6
    lb_algo wrr
    lb_kind TUN
    persistence_timeout 300
    quorum 2
    hysteresis 1
    sorry_server 192.168.10.99 0
    real_server 192.168.10.11 0 {
        weight 3
        inhibit_on_failure
        HTTP_GET {
            url {
                path /health
                digest 9B3A0C85A887A256D6939DA88AABD8CD
                status_code 200-299 301
            }
            connect_timeout 2
            retry 4
            delay_before_retry 1
        }
    }
}
"#;

#[test]
fn every_keyword_lands_where_it_belongs() {
    let p = read_as(FULL, Pass::Parent);
    assert_eq!(p.cfg.global.router_id.as_deref(), Some("LVS_A"));
    assert_eq!(p.cfg.global.garp_master_delay, 2);
    assert!(p.cfg.have_vrrp && p.cfg.have_checker);
    assert!(
        p.cfg.instances.is_empty(),
        "the parent skips the children's blocks"
    );
    let global = p.cfg.global.clone();
    let m = mem(FULL);
    let v = parse(
        &m,
        "/k.conf",
        (Pass::Vrrp, false),
        vec!["eth0".into()],
        Some(global.clone()),
    )
    .expect("readable");
    assert_eq!(v.messages(Pass::Vrrp), Vec::<String>::new());
    let i = &v.cfg.instances[0];
    assert_eq!(
        (i.vrid, i.priority, i.advert_int),
        (Some(51), 150, 2_000_000)
    );
    assert!(i.nopreempt && !i.want_master);
    assert_eq!(i.auth_type, Some(AuthType::Pass));
    assert_eq!(&i.auth_data, b"secret\0\0");
    assert_eq!(i.vips.len(), 2);
    assert_eq!(i.vips[0].label.as_deref(), Some("eth0:2"));
    assert_eq!(i.vips[1].brd, Some("192.168.10.255".parse().expect("ip")));
    assert_eq!(i.evips.len(), 1);
    assert_eq!(i.track_scripts, vec![("chk".to_string(), Some(-30))]);
    assert_eq!(i.notify_master.as_deref(), Some("/bin/echo master"));
    assert_eq!(
        i.unicast_peers,
        vec!["192.168.10.102".parse::<std::net::Ipv4Addr>().expect("ip")]
    );
    assert_eq!((i.garp_master_delay, i.garp_master_repeat), (2, 3));
    let s = &v.cfg.scripts[0];
    assert_eq!((s.interval, s.weight, s.rise, s.fall), (2, -20, 2, 3));
    let c = parse(
        &m,
        "/k.conf",
        (Pass::Checker, false),
        vec!["eth0".into()],
        Some(global),
    )
    .expect("readable");
    let vs = &c.cfg.virtual_servers[0];
    assert_eq!(vs.key, VsKey::Fwmark(7));
    assert_eq!((vs.sched.as_str(), vs.kind), ("wrr", LbKind::Tun));
    assert_eq!(
        (vs.persistence_timeout, vs.quorum, vs.hysteresis),
        (Some(300), 2, 1)
    );
    let rs = &vs.real_servers[0];
    assert_eq!((rs.weight, rs.defaults.inhibit_on_failure), (3, Some(true)));
    let CheckKind::Http { urls, .. } = &rs.checkers[0].kind else {
        panic!("an HTTP_GET");
    };
    assert_eq!(
        urls[0].digest.as_deref(),
        Some("9b3a0c85a887a256d6939da88aabd8cd")
    );
    assert_eq!(urls[0].status_codes, vec![(200, 299), (301, 301)]);
    assert_eq!(rs.checkers[0].defaults.retry, Some(4));
}

#[test]
fn a_state_master_without_priority_is_the_address_owner() {
    let text = "vrrp_instance V {\n state MASTER\n interface eth0\n virtual_router_id 9\n}\n";
    let v = read_as(text, Pass::Vrrp);
    assert_eq!(v.cfg.instances[0].priority, 255);
}

#[test]
fn daemons_warn_where_the_config_test_refuses() {
    let text = "vrrp_instance V {\n interface eth0\n virtual_router_id 9\n priority 12x\n}\n";
    let v = read_as(text, Pass::Vrrp);
    assert!(v.messages(Pass::Vrrp)[0].ends_with("invalid number '12x'"));
}

#[test]
fn what_netstep_does_not_simulate_is_said_where_it_is_read() {
    let text = "virtual_server 10.0.0.1 443 {\n real_server 10.0.0.2 443 {\n  SSL_GET {\n   url {\n    path /\n    regex ok\n   }\n  }\n }\n}\n";
    let c = read_as(text, Pass::Checker);
    assert_eq!(
        c.messages(Pass::Checker)[..2],
        [
            "(/k.conf: Line 3) netstep: SSL_GET is checked as HTTP_GET (no TLS here)",
            "(/k.conf: Line 6) netstep: keyword 'regex' is not simulated - ignored",
        ]
    );
    // The url is still read, as keepalived reads it.
    let rs = &c.cfg.virtual_servers[0].real_servers[0];
    assert_eq!(rs.checkers.len(), 1);
}

/// xorshift64*: the same garbage on every run.
struct Rand(u64);

impl Rand {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "{",
    "}",
    "\"",
    "!",
    "#",
    "\\",
    "vrrp_instance",
    "virtual_server",
    "real_server",
    "HTTP_GET",
    "url",
    "virtual_ipaddress",
    "priority",
    "-1",
    "99999999999999999999",
    "include /k.conf",
    "authentication",
    "\n",
    " ",
    "256",
    "0",
    "1.5.5",
    "€",
    "\0",
    "fwmark",
];

/// Mutations of a good file: cut, lines dropped or doubled, tokens and bytes thrown in.
fn mutate(r: &mut Rand, base: &str) -> String {
    let mut s: Vec<char> = base.chars().collect();
    for _ in 0..1 + r.below(6) {
        match r.below(4) {
            0 => s.truncate(r.below(s.len() + 1)),
            1 => {
                let at = r.below(s.len() + 1);
                let tok = TOKENS[r.below(TOKENS.len())];
                for (k, c) in tok.chars().enumerate() {
                    s.insert(at + k, c);
                }
            }
            2 if !s.is_empty() => {
                let at = r.below(s.len());
                s.remove(at);
            }
            _ => {
                let at = r.below(s.len() + 1);
                s.insert(at, char::from(r.below(128) as u8));
            }
        }
    }
    s.into_iter().collect()
}

#[test]
fn no_input_makes_the_reader_panic() {
    let mut r = Rand(0x9e37_79b9_7f4a_7c15);
    for _ in 0..3000 {
        let text = mutate(&mut r, FULL);
        for pass in [Pass::Parent, Pass::Checker, Pass::Vrrp, Pass::Bfd] {
            let _ = read_as(&text, pass).messages(pass);
        }
    }
}

#[test]
fn ten_thousand_lines_and_deep_braces_are_read() {
    let mut big = String::new();
    for n in 0..1000 {
        big.push_str(&format!(
            "vrrp_instance V{n} {{\n interface eth0\n virtual_router_id {}\n priority 100\n virtual_ipaddress {{\n  10.0.{}.{}\n }}\n}}\n",
            n % 255 + 1,
            n / 250,
            n % 250 + 1
        ));
    }
    assert!(big.lines().count() >= 8000);
    let v = read_as(&big, Pass::Vrrp);
    assert_eq!(v.cfg.instances.len(), 1000);
    let deep = format!("{}{}", "{\n".repeat(50_000), "}\n".repeat(50_000));
    let p = read_as(&deep, Pass::Parent);
    assert!(p.has_errors());
}
