//! IPVS schedulers (net/netfilter/ipvs/ip_vs_<name>.c), one file each, behind one trait.
//!
//! A scheduler sees the service's destinations in the kernel's list order, **newest first**
//! (`ipvsadm -a` inserts at the head), with the per-destination figures the kernel keeps,
//! and picks one for a new connection, or none ("no destination available": the core then
//! answers ICMP port unreachable). It returns, with its choice, the reason the trace shows
//! (`wlc → 10.0.0.12:80 (overhead 1 / weight 2 beats 10.0.0.11:80 2 / 2)`).
//! ../shared/reference/lvs.md §1 is the specification.

use crate::sim::Time;
use std::net::Ipv4Addr;

pub mod dh;
pub mod lblc;
pub mod lblcr;
pub mod lc;
pub mod nq;
pub mod rr;
pub mod sed;
pub mod sh;
pub mod wlc;
pub mod wrr;

/// What a scheduler may know of one destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DestView {
    /// Stable identity of the destination object (survives edits; a re-added dest is new).
    pub id: u32,
    pub addr: Ipv4Addr,
    pub port: u16,
    /// 0..=65535; 0 means quiesced.
    pub weight: u32,
    pub active: u32,
    pub inactive: u32,
    /// IP_VS_DEST_F_OVERLOAD (set by the -x/-y thresholds).
    pub overloaded: bool,
}

impl DestView {
    /// The load lc, wlc, lblc and lblcr compare: active·256 + inactive.
    pub fn overhead(&self) -> u64 {
        ((self.active as u64) << 8) + self.inactive as u64
    }
}

/// The packet that creates the connection, as far as schedulers look at it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet {
    pub saddr: Ipv4Addr,
    pub sport: u16,
    pub daddr: Ipv4Addr,
    pub now: Time,
    /// Someone reads the reason. When not, a scheduler may return an empty one: wlc's names
    /// the runner-up, which takes a second search and some formatting per connection.
    pub explain: bool,
    /// net.ipv4.vs.lblc_expiration and lblcr_expiration, in ns (read when lblc/lblcr run).
    pub expiration: (u64, u64),
}

/// How the destination list just changed (the hooks of lvs.md §1.1's table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// A dest was added (it is at the head of the list now).
    Add(u32),
    /// A dest was deleted; `prev` is the id of the dest before it in the list, if any
    /// (rr moves its pointer there).
    Del { id: u32, prev: Option<u32> },
    /// `ipvsadm -e` on a dest, even with nothing changed.
    Edit(u32),
}

/// Scheduler flags (`-b`): sh-fallback (flag-1) and sh-port (flag-2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    pub fallback: bool,
    pub port: bool,
}

pub trait Scheduler {
    fn name(&self) -> &'static str;
    /// Picks a destination (by id) for a new connection, with the reason for the trace;
    /// None with the reason when no destination is available.
    fn schedule(&mut self, dests: &[DestView], pkt: &Packet) -> Result<(u32, String), String>;
    /// The list changed; `dests` is the list after the change.
    fn update(&mut self, _dests: &[DestView], _change: Change) {}
}

/// The scheduler named `name` (as `-s` spells it), bound to a service whose current list is
/// `dests` (init_service), or None for an unknown name.
pub fn new(name: &str, dests: &[DestView], flags: Flags) -> Option<Box<dyn Scheduler>> {
    let s: Box<dyn Scheduler> = match name {
        "rr" => Box::new(rr::Rr::new()),
        "wrr" => Box::new(wrr::Wrr::new(dests)),
        "lc" => Box::new(lc::Lc),
        "wlc" => Box::new(wlc::Wlc),
        "lblc" => Box::new(lblc::Lblc::new()),
        "lblcr" => Box::new(lblcr::Lblcr::new()),
        "dh" => Box::new(dh::Dh::new(dests)),
        "sh" => Box::new(sh::Sh::new(dests, flags)),
        "sed" => Box::new(sed::Sed),
        "nq" => Box::new(nq::Nq),
        _ => return None,
    };
    Some(s)
}

/// Every scheduler name ipvsadm accepts here, in the kernel's module order.
pub const NAMES: &[&str] = &[
    "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq",
];
