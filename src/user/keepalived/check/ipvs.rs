//! ipwrapper.c / ipvswrapper.c: the checker child's view of the IPVS table. Virtual
//! servers are created at start-up; a real server is in its service while it is alive
//! (added at the head of the kernel's list, as every `ipvsadm -a`), and leaves it when a
//! checker fails: deleted, or kept with weight 0 under `inhibit_on_failure`.

use super::super::conf::{fmt_vs, trio, LbKind, RealServer, VirtualServer, VsKey};
use crate::kernel::ipvs::ctl::{DestConf, Method, Proto, SvcConf, SvcKey};
use crate::kernel::ipvs::sched::Flags;
use crate::kernel::process::Sys;
use crate::why;
use std::net::Ipv4Addr;

pub fn svc_key(vs: &VirtualServer) -> SvcKey {
    match vs.key {
        VsKey::Fwmark(m) => SvcKey::Fwmark(m),
        VsKey::Addr(ip, port) => {
            let proto = if vs.protocol == 17 {
                Proto::Udp
            } else {
                Proto::Tcp
            };
            SvcKey::Addr(proto, ip, port)
        }
    }
}

fn method(k: LbKind) -> Method {
    match k {
        LbKind::Nat => Method::Masq,
        LbKind::Dr => Method::Route,
        LbKind::Tun => Method::Tunnel,
    }
}

/// `ipvsadm -A` for a virtual server (its scheduler, persistence and granularity).
pub fn add_service(sys: &mut Sys, vs: &VirtualServer) {
    let conf = SvcConf {
        sched: vs.sched.clone(),
        flags: Flags::default(),
        persistent: vs.persistence_timeout,
        netmask: vs.persistence_granularity.unwrap_or(Ipv4Addr::BROADCAST),
    };
    let key = svc_key(vs);
    if sys.k.ipvs.rules.find(&key).is_some() {
        let _ = sys.k.ipvs.rules.edit_service(key, &conf);
    } else if sys.k.ipvs.rules.add_service(key, &conf).is_ok() {
        why!(
            sys.ctx,
            "checker",
            "IPVS service {} created ({}, {})",
            fmt_vs(vs),
            vs.sched,
            kind_name(vs.kind)
        );
    }
}

pub fn del_service(sys: &mut Sys, vs: &VirtualServer) {
    let _ = sys.k.ipvs.rules.del_service(svc_key(vs));
}

/// The server's entry in its service: its weight now, the method and thresholds.
fn dest(vs: &VirtualServer, rs: &RealServer, weight: i32) -> DestConf {
    DestConf {
        addr: rs.addr,
        port: rs.port,
        method: method(rs.kind.unwrap_or(vs.kind)),
        weight: weight.max(0) as u32,
        u_threshold: rs.uthreshold.unwrap_or(0),
        l_threshold: rs.lthreshold.unwrap_or(0),
    }
}

/// LVS_CMD_ADD_DEST: `ipvsadm -a`, or `-e` back to its weight when inhibited.
pub fn add_dest(sys: &mut Sys, vs: &VirtualServer, rs: &RealServer, weight: i32, inhibit: bool) {
    let key = svc_key(vs);
    let conf = dest(vs, rs, weight);
    let exists = sys.k.ipvs.rules.find(&key).is_some_and(|s| {
        s.dests
            .iter()
            .any(|d| d.addr == rs.addr && d.port == rs.port)
    });
    let r = if exists && inhibit {
        sys.k.ipvs.rules.edit_dest(key, &conf)
    } else {
        sys.k.ipvs.rules.add_dest(key, &conf)
    };
    if r.is_ok() {
        why!(
            sys.ctx,
            "checker",
            "{} in {} with weight {weight}",
            trio(rs.addr, vs.protocol, rs.port),
            fmt_vs(vs)
        );
    }
}

/// LVS_CMD_DEL_DEST: `ipvsadm -d`, or weight 0 with `inhibit_on_failure`.
pub fn del_dest(sys: &mut Sys, vs: &VirtualServer, rs: &RealServer, inhibit: bool) {
    let key = svc_key(vs);
    let r = if inhibit {
        sys.k.ipvs.rules.edit_dest(key, &dest(vs, rs, 0))
    } else {
        sys.k.ipvs.rules.del_dest(key, rs.addr, rs.port)
    };
    if r.is_ok() {
        let how = if inhibit {
            "weight 0 in"
        } else {
            "removed from"
        };
        why!(
            sys.ctx,
            "checker",
            "{} {how} {}",
            trio(rs.addr, vs.protocol, rs.port),
            fmt_vs(vs)
        );
    }
}

fn kind_name(k: LbKind) -> &'static str {
    match k {
        LbKind::Nat => "NAT",
        LbKind::Dr => "DR",
        LbKind::Tun => "TUN",
    }
}
