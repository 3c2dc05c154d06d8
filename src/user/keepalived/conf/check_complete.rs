//! What the checker child checks once it has read the whole file (check_data.c's
//! check_check_config): defaults filled in, services and servers validated, with
//! keepalived's messages.

use super::parse_check::{fmt_vs, trio};
use super::stream::Parser;
use super::types::{LbKind, VsKey};
use std::net::Ipv4Addr;

impl Parser<'_> {
    /// validate_check_config: a virtual server without real servers is dropped; one by
    /// address without a protocol is UDP (IPVS's default).
    pub(super) fn check_validate(&mut self) {
        let mut keep = Vec::new();
        for mut vs in std::mem::take(&mut self.cfg.virtual_servers) {
            let name = fmt_vs(&vs);
            if vs.real_servers.is_empty() {
                self.error_unplaced(format!(
                    "Virtual server {name} has no real servers - ignoring"
                ));
                continue;
            }
            if let VsKey::Fwmark(_) = vs.key {
                if vs.protocol != 0 {
                    self.error_unplaced(format!(
                        "Warning: Virtual server {name}: protocol specified for fwmark - protocol will be ignored"
                    ));
                    vs.protocol = 0;
                }
            }
            if !vs.sched_set {
                self.error_unplaced(format!(
                    "Virtual server {name}: no scheduler set, setting default 'wlc'"
                ));
            }
            if !vs.kind_set && vs.real_servers.iter().any(|r| r.kind.is_none()) {
                self.error_unplaced(format!(
                    "Virtual server {name}: no forwarding method set, setting default NAT"
                ));
            }
            if let VsKey::Fwmark(_) = vs.key {
                let vname = fmt_vs(&vs);
                for rs in vs.real_servers.iter_mut() {
                    if rs.port != 0 && rs.kind.unwrap_or(vs.kind) != LbKind::Nat {
                        self.reports_rs_port(&vname, rs.addr, rs.port);
                        rs.port = 0;
                    }
                }
            }
            if let VsKey::Addr(_, port) = vs.key {
                if vs.protocol == 0 {
                    self.error_unplaced(format!(
                        "Virtual server {name}: no protocol set - defaulting to UDP"
                    ));
                    vs.protocol = 17;
                }
                if port == 0 && vs.persistence_timeout.is_none() {
                    let name = fmt_vs(&vs);
                    self.error_unplaced(format!(
                        "Virtual server {name}: zero port only valid for persistent services - setting"
                    ));
                    vs.persistence_timeout = Some(360);
                }
            }
            keep.push(vs);
        }
        self.cfg.virtual_servers = keep;
    }

    fn reports_rs_port(&mut self, vs: &str, addr: Ipv4Addr, port: u16) {
        self.error_unplaced(format!(
            "WARNING - fwmark virtual server {vs}, real server {} has port specified - clearing",
            trio(addr, 0, port)
        ));
    }
}
