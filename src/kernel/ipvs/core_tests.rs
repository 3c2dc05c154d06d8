//! The hooks' bookkeeping on a DR director (one LAN, VIP on eth0:2) set up with ipvsadm:
//! the TCP states and the ActiveConn/InActConn counts they drive, expiry, the packets IPVS
//! leaves alone, ICMP when no server is usable, persistence, thresholds and port reuse
//! (lvs.md §1.1, §1.13, §1.14, §3).

use super::*;
use crate::kernel::process::{Poll, Sys};
use crate::sim::rng::Rng;
use crate::sim::time::MS;
use crate::sim::Time;

const DIR_MAC: [u8; 6] = [2, 0, 0, 0, 0, 2];
const VIP: Ipv4Addr = Ipv4Addr::new(192, 168, 10, 200);
const CLIENT: Ipv4Addr = Ipv4Addr::new(192, 168, 10, 5);
const CLIENT_MAC: [u8; 6] = [2, 0, 0, 0, 0, 5];
const RS1: Ipv4Addr = Ipv4Addr::new(192, 168, 10, 11);
const RS2: Ipv4Addr = Ipv4Addr::new(192, 168, 10, 12);
const RS_MACS: [(Ipv4Addr, [u8; 6]); 2] =
    [(RS1, [2, 0, 0, 0, 0, 0x11]), (RS2, [2, 0, 0, 0, 0, 0x12])];
const KEY: SvcKey = SvcKey::Addr(Proto::Tcp, VIP, 80);

fn mac_text(m: &[u8; 6]) -> String {
    crate::kernel::netdev::fmt_mac(m)
}

fn builtin(k: &mut Kernel, line: &str) {
    let r = crate::user::tools::run_builtin(k, Time::ZERO, line);
    assert_eq!(r.map(|r| r.2), Some(0), "{line}");
}

/// Runs one ipvsadm command line (a program: polled once) and insists it succeeded.
fn ipvsadm(k: &mut Kernel, line: &str) {
    let args: Vec<String> = line.split_whitespace().map(String::from).collect();
    let mut ctx = Ctx::new(Time::ZERO, "dir", false);
    let mut sys = Sys {
        k,
        ctx: &mut ctx,
        pid: 1,
        out: String::new(),
        err: String::new(),
    };
    let status = match crate::user::tools::ipvsadm::spawn(&args).poll(&mut sys) {
        Poll::Exit(s) => s,
        _ => panic!("ipvsadm did not finish: {line}"),
    };
    assert_eq!((sys.err.as_str(), status), ("", 0), "{line}");
}

/// The director, its neighbours known, then `rules` (ipvsadm lines without the name).
fn director(rules: &[&str]) -> Kernel {
    let mut k = Kernel::new("dir", Rng::new(1));
    crate::kernel::testutil::plug(&mut k, "eth0", DIR_MAC);
    builtin(&mut k, "ifconfig eth0 192.168.10.100/24");
    builtin(
        &mut k,
        "ifconfig eth0:2 192.168.10.200 netmask 255.255.255.0",
    );
    builtin(
        &mut k,
        &format!("arp -s {CLIENT} {}", mac_text(&CLIENT_MAC)),
    );
    for (ip, mac) in &RS_MACS {
        builtin(&mut k, &format!("arp -s {ip} {}", mac_text(mac)));
    }
    for r in rules {
        ipvsadm(&mut k, &format!("ipvsadm {r}"));
    }
    k
}

/// A TCP segment from `src` to `dst` (flags as letters S, F, R, A), as an IPv4 packet.
fn segment(src: (Ipv4Addr, u16), dst: (Ipv4Addr, u16), flags: &str) -> Vec<u8> {
    crate::kernel::testutil::segment(src, dst, flags)
}

/// What one packet to LOCAL_IN did.
struct Fed {
    taken: bool,
    frames: Vec<Vec<u8>>,
    why: String,
}

impl Fed {
    /// The real server the packet was forwarded to (by the frame's destination MAC).
    fn rs(&self) -> Option<Ipv4Addr> {
        let macs: Vec<Ipv4Addr> = self
            .frames
            .iter()
            .filter_map(|f| RS_MACS.iter().find(|(_, m)| f[..6] == m[..]))
            .map(|(ip, _)| *ip)
            .collect();
        assert!(macs.len() <= 1, "one frame per packet: {}", self.why);
        macs.first().copied()
    }
}

/// A client packet to VIP:80 at `ms` milliseconds.
fn feed(k: &mut Kernel, ms: u64, client: (Ipv4Addr, u16), flags: &str) -> Fed {
    let mut ctx = Ctx::new(Time::ZERO + ms * MS, "dir", true);
    let taken = ip_vs_in(k, &mut ctx, &segment(client, (VIP, 80), flags), 0);
    Fed {
        taken,
        frames: ctx.tx.into_iter().map(|t| t.frame).collect(),
        why: ctx.reasons.join("\n"),
    }
}

/// A SYN from `client` at `ms`: the real server it went to.
fn connect(k: &mut Kernel, ms: u64, client: (Ipv4Addr, u16)) -> Ipv4Addr {
    let fed = feed(k, ms, client, "S");
    assert!(fed.taken, "{}", fed.why);
    fed.rs().unwrap_or_else(|| panic!("forwarded: {}", fed.why))
}

/// A NAT reply from the real server to `client` at `ms`, through FORWARD.
fn reply(k: &mut Kernel, ms: u64, rs: Ipv4Addr, client: (Ipv4Addr, u16), flags: &str) {
    let mut ctx = Ctx::new(Time::ZERO + ms * MS, "dir", true);
    let out = ip_vs_out(k, &mut ctx, &segment((rs, 80), client, flags));
    assert!(out.is_some(), "{}", ctx.reasons.join("\n"));
}

fn expire_at(k: &mut Kernel, ms: u64) {
    let mut ctx = Ctx::new(Time::ZERO + ms * MS, "dir", true);
    expire(k, &mut ctx);
}

fn dest(k: &Kernel, rs: Ipv4Addr) -> &super::super::ctl::Dest {
    let svc = k.ipvs.rules.find(&KEY).expect("the service");
    svc.dests.iter().find(|d| d.addr == rs).expect("the dest")
}

/// (ActiveConn, InActConn) of a real server.
fn counts(k: &Kernel, rs: Ipv4Addr) -> (u32, u32) {
    let d = dest(k, rs);
    (d.active, d.inactive)
}

/// The state name and real server of the client port's (non-template) entry.
fn entry(k: &Kernel, cport: u16) -> Option<(&'static str, Ipv4Addr)> {
    k.ipvs
        .conns
        .conns
        .values()
        .find(|c| !c.template && c.cport == cport)
        .map(|c| (c.state.name(), c.daddr))
}

#[test]
fn a_dr_entry_goes_syn_recv_established_fin_wait_and_expires() {
    let mut k = director(&[
        "-A -t 192.168.10.200:80 -s rr",
        "-a -t 192.168.10.200:80 -r 192.168.10.11 -g",
    ]);
    let c = (CLIENT, 40000);
    assert_eq!(connect(&mut k, 0, c), RS1);
    assert_eq!(entry(&k, 40000), Some(("SYN_RECV", RS1)));
    assert_eq!(counts(&k, RS1), (1, 0), "SYN_RECV is active (kernel ≥ 4.8)");
    assert!(feed(&mut k, 1, c, "A").taken);
    assert_eq!(entry(&k, 40000), Some(("ESTABLISHED", RS1)));
    assert_eq!(counts(&k, RS1), (1, 0));
    assert!(feed(&mut k, 2, c, "FA").taken);
    assert_eq!(entry(&k, 40000), Some(("FIN_WAIT", RS1)));
    assert_eq!(counts(&k, RS1), (0, 1), "FIN_WAIT is inactive");
    // FIN_WAIT lasts 120 s from the FIN.
    expire_at(&mut k, 2 + 119_999);
    assert_eq!(counts(&k, RS1), (0, 1));
    expire_at(&mut k, 2 + 120_000);
    assert_eq!(entry(&k, 40000), None);
    assert!(k.ipvs.conns.is_empty());
    assert_eq!(counts(&k, RS1), (0, 0));
}

#[test]
fn a_packet_that_is_not_a_syn_creates_no_entry() {
    let mut k = director(&[
        "-A -t 192.168.10.200:80",
        "-a -t 192.168.10.200:80 -r 192.168.10.11",
    ]);
    for flags in ["A", "FA", "R"] {
        let fed = feed(&mut k, 0, (CLIENT, 40000), flags);
        assert!(!fed.taken && fed.frames.is_empty(), "{flags}: {}", fed.why);
    }
    assert!(k.ipvs.conns.is_empty());
}

#[test]
fn no_server_with_weight_gets_icmp_port_unreachable_and_no_rst() {
    let mut k = director(&[
        "-A -t 192.168.10.200:80",
        "-a -t 192.168.10.200:80 -r 192.168.10.11 -w 0",
        "-a -t 192.168.10.200:80 -r 192.168.10.12 -w 0",
    ]);
    let fed = feed(&mut k, 0, (CLIENT, 40000), "S");
    assert!(fed.taken);
    assert_eq!(fed.frames.len(), 1, "{}", fed.why);
    let f = &fed.frames[0];
    assert_eq!(f[..6], CLIENT_MAC);
    let ip = Ipv4Packet::new_checked(&f[14..]).expect("IPv4");
    assert_eq!(u8::from(ip.next_header()), 1, "ICMP, not a TCP RST");
    assert_eq!(&ip.payload()[..2], &[3, 3], "port unreachable");
    assert!(k.ipvs.conns.is_empty());
}

#[test]
fn persistence_sends_a_client_and_its_netmask_to_one_server_until_it_is_deleted() {
    let mut k = director(&[
        "-A -t 192.168.10.200:80 -s rr -p 300 -M 255.255.255.0",
        "-a -t 192.168.10.200:80 -r 192.168.10.11",
        "-a -t 192.168.10.200:80 -r 192.168.10.12",
    ]);
    // rr walks newest first: rs2, and the template sends the next ones there too.
    assert_eq!(connect(&mut k, 0, (CLIENT, 40000)), RS2);
    let fed = feed(&mut k, 1, (CLIENT, 40001), "S");
    assert_eq!(fed.rs(), Some(RS2));
    assert!(fed.why.contains("persistence template"), "{}", fed.why);
    assert!(
        !fed.why.contains("rr →"),
        "the scheduler did not run: {}",
        fed.why
    );
    assert_eq!(dest(&k, RS2).persist, 1);
    // Another address in the client's /24 shares the template; another /24 is scheduled.
    assert_eq!(
        connect(&mut k, 2, (Ipv4Addr::new(192, 168, 10, 77), 40000)),
        RS2
    );
    assert_eq!(
        connect(&mut k, 3, (Ipv4Addr::new(192, 168, 20, 5), 40000)),
        RS1
    );
    // Weight 0 does not drain a persistent client; deleting the server does.
    ipvsadm(
        &mut k,
        "ipvsadm -e -t 192.168.10.200:80 -r 192.168.10.12 -w 0",
    );
    assert_eq!(connect(&mut k, 4, (CLIENT, 40002)), RS2);
    ipvsadm(&mut k, "ipvsadm -d -t 192.168.10.200:80 -r 192.168.10.12");
    assert_eq!(connect(&mut k, 5, (CLIENT, 40003)), RS1);
    assert_eq!(connect(&mut k, 6, (CLIENT, 40004)), RS1, "a new template");
}

/// sed with rs2 (-x `u`) far heavier than rs1: every connection would go to rs2 but for
/// OVERLOAD. Opens `n` connections, one second apart: where each went.
fn overload_setup(u: u32, n: u16) -> (Kernel, Vec<Ipv4Addr>) {
    let mut k = director(&[
        "-A -t 192.168.10.200:80 -s sed",
        "-a -t 192.168.10.200:80 -r 192.168.10.11 -w 1",
        &format!("-a -t 192.168.10.200:80 -r 192.168.10.12 -w 100 -x {u}"),
    ]);
    let picks = (0..n)
        .map(|i| connect(&mut k, u64::from(i) * 1000, (CLIENT, 40000 + i)))
        .collect();
    (k, picks)
}

#[test]
fn the_upper_threshold_overloads_at_the_second_connection_and_expiry_clears_it() {
    let (mut k, picks) = overload_setup(2, 3);
    assert_eq!(
        picks,
        [RS2, RS2, RS1],
        "overloaded at 2: the third goes elsewhere"
    );
    assert!(dest(&k, RS2).overloaded);
    // SYN_RECV lasts 60 s: rs2's first entry goes at 60 s, leaving 1 < 75 % of 2.
    expire_at(&mut k, 60_000);
    assert_eq!(counts(&k, RS2), (1, 0));
    assert!(!dest(&k, RS2).overloaded);
    assert_eq!(connect(&mut k, 60_001, (CLIENT, 41000)), RS2);
}

#[test]
fn overload_clears_only_below_75_percent_of_the_upper_threshold() {
    let (mut k, picks) = overload_setup(4, 4);
    assert_eq!(picks, [RS2; 4]);
    assert!(dest(&k, RS2).overloaded);
    expire_at(&mut k, 60_000);
    assert_eq!(counts(&k, RS2), (3, 0));
    assert!(dest(&k, RS2).overloaded, "3 is 75 % of 4: still overloaded");
    expire_at(&mut k, 61_000);
    assert_eq!(counts(&k, RS2), (2, 0));
    assert!(!dest(&k, RS2).overloaded);
}

/// Two NAT real servers behind `svc` (rr, maybe -p); one connection from the client's port
/// 40000 taken through the NAT lifetime to TIME_WAIT on rs2: SR, SR, ES, CW (client FIN),
/// TW (server FIN), TW.
fn time_wait_entry(svc: &str) -> Kernel {
    let mut k = director(&[
        svc,
        "-a -t 192.168.10.200:80 -r 192.168.10.11 -m",
        "-a -t 192.168.10.200:80 -r 192.168.10.12 -m",
    ]);
    let c = (CLIENT, 40000);
    assert_eq!(connect(&mut k, 0, c), RS2);
    reply(&mut k, 1, RS2, c, "SA");
    assert!(feed(&mut k, 2, c, "A").taken);
    assert!(feed(&mut k, 3, c, "FA").taken);
    assert_eq!(entry(&k, 40000), Some(("CLOSE_WAIT", RS2)));
    reply(&mut k, 4, RS2, c, "FA");
    assert!(feed(&mut k, 5, c, "A").taken);
    assert_eq!(entry(&k, 40000), Some(("TIME_WAIT", RS2)));
    assert_eq!(counts(&k, RS2), (0, 1));
    k
}

#[test]
fn a_new_syn_on_a_time_wait_entry_is_scheduled_anew() {
    let mut k = time_wait_entry("-A -t 192.168.10.200:80 -s rr");
    // conn_reuse_mode 1: the old entry ends and the SYN is scheduled (rr's next: rs1).
    let fed = feed(&mut k, 6, (CLIENT, 40000), "S");
    assert!(
        fed.why.contains("new SYN on an entry in TIME_WAIT"),
        "{}",
        fed.why
    );
    assert_eq!(fed.rs(), Some(RS1));
    assert_eq!(entry(&k, 40000), Some(("SYN_RECV", RS1)));
    assert_eq!(k.ipvs.conns.len(), 1);
    assert_eq!((counts(&k, RS1), counts(&k, RS2)), ((1, 0), (0, 0)));
}

#[test]
fn a_time_wait_entry_under_a_persistence_template_is_reused_not_rescheduled() {
    // is_new_conn_expected: a controlled entry never counts as a new connection.
    let mut k = time_wait_entry("-A -t 192.168.10.200:80 -s rr -p");
    let fed = feed(&mut k, 6, (CLIENT, 40000), "S");
    assert!(!fed.why.contains("new SYN on an entry"), "{}", fed.why);
    assert_eq!(fed.rs(), Some(RS2));
    assert_eq!(entry(&k, 40000), Some(("SYN_RECV", RS2)));
    assert_eq!(k.ipvs.conns.len(), 2, "the entry and its template");
    assert_eq!(counts(&k, RS2), (1, 0));
    assert_eq!(dest(&k, RS2).stats.conns, 1, "no new connection");
}

/// A SYN from `client` to the VIP's `port`, through ip_rcv (so the mangle table marks it):
/// the real server it went to, if IPVS took it.
fn syn_in(k: &mut Kernel, ms: u64, client: (Ipv4Addr, u16), port: u16) -> Fed {
    let mut ctx = Ctx::new(Time::ZERO + ms * MS, "dir", true);
    let dev = k.devs.index_of("eth0").expect("eth0");
    let pkt = segment(client, (VIP, port), "S");
    crate::kernel::ip_input::ip_rcv(
        k,
        &mut ctx,
        dev,
        crate::kernel::arp::PktType::Host,
        &pkt,
        None,
    );
    Fed {
        taken: !ctx.tx.is_empty(),
        frames: ctx.tx.into_iter().map(|t| t.frame).collect(),
        why: ctx.reasons.join("\n"),
    }
}

/// `iptables -t mangle -A PREROUTING -d VIP -p tcp --dport PORT -j MARK --set-mark MARK`.
fn mark_port(k: &mut Kernel, port: u16, mark: u32) {
    builtin(
        k,
        &format!("iptables -t mangle -A PREROUTING -d {VIP} -p tcp --dport {port} -j MARK --set-mark {mark}"),
    );
}

#[test]
fn a_fwmark_service_takes_every_marked_port_and_one_template_covers_them() {
    let mut k = director(&[
        "-A -f 1 -s rr -p 300",
        "-a -f 1 -r 192.168.10.11 -g",
        "-a -f 1 -r 192.168.10.12 -g",
    ]);
    mark_port(&mut k, 80, 1);
    mark_port(&mut k, 443, 1);
    let http = syn_in(&mut k, 0, (CLIENT, 40000), 80);
    assert_eq!(http.rs(), Some(RS2), "{}", http.why);
    assert!(http.why.contains("mark 0x1"), "{}", http.why);
    assert!(http.why.contains("FWM 1"), "{}", http.why);
    // The same client's HTTPS lands on the same server through the fwmark template.
    let https = syn_in(&mut k, 1, (CLIENT, 40001), 443);
    assert_eq!(https.rs(), Some(RS2), "{}", https.why);
    assert!(https.why.contains("persistence template"), "{}", https.why);
    let template = k
        .ipvs
        .conns
        .conns
        .values()
        .find(|c| c.template)
        .expect("template");
    assert_eq!(
        (
            template.proto,
            template.vaddr,
            template.vport,
            template.dport
        ),
        (Proto::Ip, Ipv4Addr::new(0, 0, 0, 1), 0, 0),
        "protocol IP, the mark as address, no ports"
    );
    // Each connection keeps its own port towards the server (DR: nothing is rewritten).
    let ports: Vec<u16> = k
        .ipvs
        .conns
        .conns
        .values()
        .filter(|c| !c.template)
        .map(|c| c.dport)
        .collect();
    assert_eq!(ports, [80, 443]);
    // An unmarked port is not the service's: the local stack answers it (a RST).
    let ssh = syn_in(&mut k, 2, (CLIENT, 40002), 22);
    assert_eq!(ssh.rs(), None, "{}", ssh.why);
}

/// The template of client `caddr` (port 0): its virtual port and when it expires.
fn template_of(k: &Kernel, caddr: Ipv4Addr) -> Vec<(u16, u64)> {
    k.ipvs
        .conns
        .conns
        .values()
        .filter(|c| c.template && c.caddr == caddr)
        .map(|c| (c.vport, (c.expires - Time::ZERO) / MS))
        .collect()
}

#[test]
fn a_template_that_outlives_its_timeout_is_rearmed_for_sixty_seconds_and_stays_so() {
    let mut k = director(&[
        "-A -t 192.168.10.200:80 -s rr -p 300",
        "-a -t 192.168.10.200:80 -r 192.168.10.11",
    ]);
    connect(&mut k, 0, (CLIENT, 40000));
    assert!(feed(&mut k, 10, (CLIENT, 40000), "A").taken);
    assert_eq!(template_of(&k, CLIENT), [(80, 300_000)]);
    // At 300 s its connection (ESTABLISHED, 900 s) still lives: 60 s more, not 300.
    expire_at(&mut k, 300_000);
    assert_eq!(template_of(&k, CLIENT), [(80, 360_000)]);
    // A new connection under it restarts it for its own 60 s (ip_vs_conn_put).
    connect(&mut k, 310_000, (CLIENT, 40001));
    assert_eq!(template_of(&k, CLIENT), [(80, 370_000)]);
}

#[test]
fn a_template_whose_server_was_deleted_is_invalidated_not_honoured_again() {
    let mut k = director(&[
        "-A -t 192.168.10.200:80 -s rr -p 300",
        "-a -t 192.168.10.200:80 -r 192.168.10.11",
        "-a -t 192.168.10.200:80 -r 192.168.10.12",
    ]);
    assert_eq!(connect(&mut k, 0, (CLIENT, 40000)), RS2);
    ipvsadm(&mut k, "ipvsadm -d -t 192.168.10.200:80 -r 192.168.10.12");
    let fed = feed(&mut k, 1_000, (CLIENT, 40001), "S");
    assert_eq!(fed.rs(), Some(RS1));
    assert!(fed.why.contains("template invalidated"), "{}", fed.why);
    // The old template is rehashed out of reach: vport 0xffff, still listed until it expires.
    let t = template_of(&k, CLIENT);
    assert!(t.contains(&(0xffff, 300_000)), "{t:?}");
    // rs2 back (its counters return from the trash): the client stays on its new server.
    ipvsadm(&mut k, "ipvsadm -a -t 192.168.10.200:80 -r 192.168.10.12");
    assert_eq!(connect(&mut k, 2_000, (CLIENT, 40002)), RS1);
}

#[test]
fn the_ipvs_sysctls_are_read_where_they_matter() {
    // conn_reuse_mode 0: the TIME_WAIT entry takes the new SYN, no new connection.
    let mut k = time_wait_entry("-A -t 192.168.10.200:80 -s rr");
    builtin(&mut k, "sysctl -w net.ipv4.vs.conn_reuse_mode=0");
    let fed = feed(&mut k, 6, (CLIENT, 40000), "S");
    assert!(!fed.why.contains("new SYN on an entry"), "{}", fed.why);
    assert_eq!(dest(&k, RS2).stats.conns, 1, "no new connection");
    // expire_quiescent_template 1: weight 0 invalidates a template as deletion does.
    let mut k = director(&[
        "-A -t 192.168.10.200:80 -s rr -p 300",
        "-a -t 192.168.10.200:80 -r 192.168.10.11",
        "-a -t 192.168.10.200:80 -r 192.168.10.12",
    ]);
    builtin(&mut k, "sysctl -w net.ipv4.vs.expire_quiescent_template=1");
    assert_eq!(connect(&mut k, 0, (CLIENT, 40000)), RS2);
    ipvsadm(
        &mut k,
        "ipvsadm -e -t 192.168.10.200:80 -r 192.168.10.12 -w 0",
    );
    let fed = feed(&mut k, 1_000, (CLIENT, 40001), "S");
    assert_eq!(fed.rs(), Some(RS1));
    assert!(
        fed.why
            .contains("quiescent (weight 0), template invalidated"),
        "{}",
        fed.why
    );
    // The expirations are seconds, as `sysctl -a` lists them.
    assert_eq!(k.sysctl.get("net.ipv4.vs.lblc_expiration"), Ok(86_400));
    builtin(&mut k, "sysctl -w net.ipv4.vs.lblcr_expiration=60");
    assert_eq!(k.sysctl.vs.lblcr_expiration, 60 * SEC);
}
