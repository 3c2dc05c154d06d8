//! A learning switch (what `brctl` builds): it learns which port each source MAC lives
//! behind, forwards known unicast to that port only, and floods broadcast and unknown
//! destinations to every other port. Entries age out after 300 s.

use crate::kernel::netdev::{fmt_mac, Mac};
use crate::sim::{Ctx, Time};
use crate::why;
use std::collections::BTreeMap;

pub const AGEING_NS: u64 = 300_000_000_000;

#[derive(Clone, Debug, Default)]
pub struct Switch {
    /// Ports in the order they were plugged in (port numbers start at 1).
    pub ports: usize,
    /// MAC → (port index, last seen). A BTreeMap: `brctl showmacs` lists by MAC.
    pub fdb: BTreeMap<Mac, (usize, Time)>,
}

impl Switch {
    pub fn add_port(&mut self) -> usize {
        self.ports += 1;
        self.ports - 1
    }

    pub fn receive(&mut self, port: usize, frame: &[u8], ctx: &mut Ctx) {
        if frame.len() < 14 {
            why!(ctx, "switch", "runt frame dropped");
            return;
        }
        let (mut dst, mut src) = ([0u8; 6], [0u8; 6]);
        dst.copy_from_slice(&frame[..6]);
        src.copy_from_slice(&frame[6..12]);
        self.learn(src, port, ctx);
        let known = self
            .fdb
            .get(&dst)
            .filter(|(_, seen)| ctx.now - *seen <= AGEING_NS)
            .map(|(p, _)| *p);
        match known {
            _ if dst[0] & 1 == 1 => self.flood(port, frame, ctx, "broadcast"),
            Some(p) if p == port => why!(
                ctx,
                "switch",
                "{} is on port {}, where it came from: filtered",
                fmt_mac(&dst),
                p + 1
            ),
            Some(p) => {
                why!(
                    ctx,
                    "switch",
                    "{} is on port {}: forward",
                    fmt_mac(&dst),
                    p + 1
                );
                ctx.send(p, frame.to_vec());
            }
            None => self.flood(port, frame, ctx, "unknown unicast"),
        }
    }

    fn learn(&mut self, src: Mac, port: usize, ctx: &mut Ctx) {
        if src[0] & 1 == 1 {
            return;
        }
        let old = self.fdb.insert(src, (port, ctx.now));
        match old {
            Some((p, _)) if p == port => {}
            Some((p, _)) => why!(
                ctx,
                "switch",
                "{} moved from port {} to port {}",
                fmt_mac(&src),
                p + 1,
                port + 1
            ),
            None => why!(
                ctx,
                "switch",
                "learned {} on port {}",
                fmt_mac(&src),
                port + 1
            ),
        }
    }

    /// Floods newest port first, as a Linux bridge walks its port list.
    fn flood(&mut self, in_port: usize, frame: &[u8], ctx: &mut Ctx, why_flood: &str) {
        let out: Vec<usize> = (0..self.ports).rev().filter(|p| *p != in_port).collect();
        let list: Vec<String> = out.iter().map(|p| (p + 1).to_string()).collect();
        why!(
            ctx,
            "switch",
            "{why_flood}: flood to ports {}",
            list.join(" ")
        );
        for p in out {
            ctx.send(p, frame.to_vec());
        }
    }

    /// `brctl showmacs`: port, MAC, is local?, ageing timer (seconds since last seen).
    pub fn showmacs(&self, now: Time) -> String {
        let mut s = String::from("port no\tmac addr\t\tis local?\tageing timer\n");
        for (mac, (port, seen)) in &self.fdb {
            let age = now - *seen;
            if age > AGEING_NS {
                continue;
            }
            let cs = age / 10_000_000;
            s.push_str(&format!(
                "{:3}\t{}\tno\t\t{:4}.{:02}\n",
                port + 1,
                fmt_mac(mac),
                cs / 100,
                cs % 100
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(dst: u8, src: u8) -> Vec<u8> {
        let mut f = vec![2, 0, 0, 0, 0, dst, 2, 0, 0, 0, 0, src, 0x08, 0x00];
        f.resize(60, 0);
        f
    }

    #[test]
    fn floods_unknown_then_forwards_learned() {
        let mut sw = Switch::default();
        for _ in 0..3 {
            sw.add_port();
        }
        let mut ctx = Ctx::new(Time::ZERO, "sw1", true);
        sw.receive(0, &frame(2, 1), &mut ctx);
        let ports: Vec<usize> = ctx.tx.iter().map(|t| t.port).collect();
        assert_eq!(ports, [2, 1]);
        let mut ctx = Ctx::new(Time(1), "sw1", true);
        sw.receive(1, &frame(1, 2), &mut ctx);
        assert_eq!(ctx.tx.iter().map(|t| t.port).collect::<Vec<_>>(), [0]);
        assert!(ctx
            .reasons
            .iter()
            .any(|r| r.contains("is on port 1: forward")));
    }

    #[test]
    fn entries_age_out_after_300s() {
        let mut sw = Switch::default();
        sw.add_port();
        sw.add_port();
        let mut ctx = Ctx::new(Time::ZERO, "sw1", false);
        sw.receive(0, &frame(9, 1), &mut ctx);
        let later = Time::ZERO + AGEING_NS + 1;
        let mut ctx = Ctx::new(later, "sw1", true);
        sw.receive(1, &frame(1, 2), &mut ctx);
        assert!(ctx.reasons.iter().any(|r| r.contains("unknown unicast")));
        assert!(!sw.showmacs(later).contains("02:00:00:00:00:01"));
    }
}
