//! Netfilter for IPv4 (net/netfilter/core.c, net/ipv4/netfilter/): five places on a packet's
//! path where functions registered by priority see it, may change it, and decide its fate.
//!
//! ```text
//!  in ─► PRE_ROUTING ─► routing ─┬─► LOCAL_IN ─► local sockets
//!                                └─► FORWARD ──┐
//!  local sockets ─► LOCAL_OUT ─► routing ──────┴─► POST_ROUTING ─► out
//! ```
//!
//! What runs at each hook is the table below, in the kernel's priority order (lower first):
//! conntrack (-200) gives the packet its connection, mangle (-150) marks it, DNAT (-100)
//! rewrites destinations, filter (0) judges, IPVS (98/99 at LOCAL_IN, 100 at FORWARD, as
//! ip_vs_core.c registers) takes virtual-service traffic, SNAT (100) rewrites sources, and
//! conntrack confirm (INT_MAX) makes a new connection permanent once nothing dropped it.
//! `ip_input`, `ip_forward` and `ip_output` call [`nf_hook`] and nothing else.

pub mod ip_tables;
pub mod ipt_reject;
pub mod iptable_filter;
pub mod iptable_mangle;
pub mod iptable_nat;
pub mod nf_conntrack;
pub mod nf_nat;
pub mod x_tables;
pub mod xt_match;
pub mod xt_target;

use super::Kernel;
use crate::sim::Ctx;
use nf_conntrack::{CtInfo, CtRef};
use std::borrow::Cow;

/// The five IPv4 hooks (enum nf_inet_hooks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hook {
    PreRouting,
    LocalIn,
    Forward,
    LocalOut,
    PostRouting,
}

impl Hook {
    /// The iptables chain of the same name.
    pub fn chain(self) -> &'static str {
        match self {
            Hook::PreRouting => "PREROUTING",
            Hook::LocalIn => "INPUT",
            Hook::Forward => "FORWARD",
            Hook::LocalOut => "OUTPUT",
            Hook::PostRouting => "POSTROUTING",
        }
    }
}

/// What a hook function decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Go on to the next function, then the next step of the path.
    Accept,
    /// The packet is gone (a rule, a full table, an invalid NAT).
    Drop,
    /// A function took the packet and sends it on itself (IPVS).
    Stolen,
}

/// The packet as the hooks see it (a slice of struct sk_buff): its bytes (copied only when a
/// function rewrites them), interfaces, mark, connection and the Ethernet header it came in
/// with.
pub struct Skb<'a> {
    pub data: Cow<'a, [u8]>,
    pub iif: Option<usize>,
    pub oif: Option<usize>,
    pub mark: u32,
    pub ct: Option<CtRef>,
    /// IPVS took charge of it: conntrack leaves it alone (ip_vs_notrack).
    pub untracked: bool,
    pub mac: Option<&'a [u8]>,
}

impl<'a> Skb<'a> {
    pub fn new(data: &'a [u8]) -> Skb<'a> {
        Skb {
            data: Cow::Borrowed(data),
            iif: None,
            oif: None,
            mark: 0,
            ct: None,
            untracked: false,
            mac: None,
        }
    }

    pub fn owned(data: Vec<u8>) -> Skb<'static> {
        Skb {
            data: Cow::Owned(data),
            ..Skb::new(&[])
        }
    }

    /// The bytes, writable (copied on the first write).
    pub fn make_writable(&mut self) -> &mut Vec<u8> {
        self.data.to_mut()
    }

    pub fn ctinfo(&self) -> Option<CtInfo> {
        self.ct.map(|c| c.info)
    }

    /// IPVS handles the packet: it belongs to no tracked connection (ip_vs_notrack).
    pub fn untrack(&mut self, k: &mut Kernel) {
        nf_conntrack::hooks::forget_unconfirmed(k, self);
        self.untracked = true;
    }

    pub fn dst(&self) -> std::net::Ipv4Addr {
        match self.data.get(16..20) {
            Some(&[a, b, c, d]) => std::net::Ipv4Addr::new(a, b, c, d),
            _ => std::net::Ipv4Addr::UNSPECIFIED,
        }
    }
}

type HookFn = fn(&mut Kernel, &mut Ctx, Hook, &mut Skb) -> Verdict;

/// One registered function (struct nf_hook_ops): who, at which priority.
pub struct Op {
    pub name: &'static str,
    pub priority: i32,
    pub run: HookFn,
}

const fn op(name: &'static str, priority: i32, run: HookFn) -> Op {
    Op {
        name,
        priority,
        run,
    }
}

// The priorities of enum nf_ip_hook_priorities and ip_vs_core.c's ip_vs_ops4.
const CONNTRACK: i32 = -200;
const MANGLE: i32 = -150;
const NAT_DST: i32 = -100;
const FILTER: i32 = 0;
const NAT_SRC: i32 = 100;
const CONNTRACK_CONFIRM: i32 = i32::MAX;

/// Every hook's functions in the order they run.
pub fn ops(hook: Hook) -> &'static [Op] {
    use iptable_filter::filter_hook as filter;
    use iptable_mangle::mangle_hook as mangle;
    use iptable_nat::nat_hook as nat;
    use nf_conntrack::hooks::{confirm, conntrack_in, conntrack_local};
    const PRE_ROUTING: &[Op] = &[
        op("conntrack", CONNTRACK, conntrack_in),
        op("mangle", MANGLE, mangle),
        op("nat", NAT_DST, nat),
    ];
    const LOCAL_IN: &[Op] = &[
        op("mangle", MANGLE, mangle),
        op("filter", FILTER, filter),
        op(
            "ipvs",
            NAT_SRC - 1,
            crate::kernel::ipvs::core::ip_vs_remote_request,
        ),
        op("nat", NAT_SRC, nat),
        op("conntrack confirm", CONNTRACK_CONFIRM, confirm),
    ];
    const FORWARD: &[Op] = &[
        op("mangle", MANGLE, mangle),
        op("filter", FILTER, filter),
        op("ipvs", 100, crate::kernel::ipvs::core::ip_vs_reply),
    ];
    const LOCAL_OUT: &[Op] = &[
        op("conntrack", CONNTRACK, conntrack_local),
        op("mangle", MANGLE, mangle),
        op("nat", NAT_DST, nat),
        op("filter", FILTER, filter),
    ];
    const POST_ROUTING: &[Op] = &[
        op("mangle", MANGLE, mangle),
        op("nat", NAT_SRC, nat),
        op("conntrack confirm", CONNTRACK_CONFIRM, confirm),
    ];
    match hook {
        Hook::PreRouting => PRE_ROUTING,
        Hook::LocalIn => LOCAL_IN,
        Hook::Forward => FORWARD,
        Hook::LocalOut => LOCAL_OUT,
        Hook::PostRouting => POST_ROUTING,
    }
}

/// nf_hook: nothing registered has work (no rules, no conntrack, no virtual service), so the
/// packet goes on at the cost of one test, as the kernel's static keys make it; else the
/// slow path.
#[inline]
pub fn nf_hook(k: &mut Kernel, ctx: &mut Ctx, hook: Hook, skb: &mut Skb) -> Verdict {
    if k.nf.idle() && k.ipvs.idle() {
        return Verdict::Accept;
    }
    nf_hook_slow(k, ctx, hook, skb)
}

/// nf_hook_slow: runs the hook's functions until one does not accept. A connection that was
/// new with this packet and is dropped before its confirmation is forgotten with it.
fn nf_hook_slow(k: &mut Kernel, ctx: &mut Ctx, hook: Hook, skb: &mut Skb) -> Verdict {
    for o in ops(hook) {
        let v = (o.run)(k, ctx, hook, skb);
        if v != Verdict::Accept {
            if v == Verdict::Drop {
                nf_conntrack::hooks::forget_unconfirmed(k, skb);
            }
            return v;
        }
    }
    Verdict::Accept
}

/// A host's netfilter state: the iptables tables and the connection table.
pub struct Netfilter {
    pub filter: x_tables::Table,
    pub nat: x_tables::Table,
    pub mangle: x_tables::Table,
    pub ct: nf_conntrack::Conntrack,
    /// The kernel's log ring (what `dmesg` reads): LOG lines and conntrack's complaints.
    pub klog: Vec<(crate::sim::Time, String)>,
    /// The tables a command has changed, in that order (iptables-nft creates a table on
    /// first use; iptables-save lists those).
    pub touched: Vec<&'static str>,
    /// Some table has a rule or a DROP policy, or conntrack runs: the hooks have work. Kept
    /// by `refresh`, so a host without rules pays one test per hook.
    active: bool,
    /// Which tables have work, each one flag for the same reason.
    pub busy: Busy,
}

/// The tables with a rule or a DROP policy.
#[derive(Clone, Copy, Debug, Default)]
pub struct Busy {
    pub filter: bool,
    pub nat: bool,
    pub mangle: bool,
}

impl Default for Netfilter {
    fn default() -> Netfilter {
        Netfilter {
            filter: iptable_filter::table(),
            nat: iptable_nat::table(),
            mangle: iptable_mangle::table(),
            ct: nf_conntrack::Conntrack::default(),
            klog: Vec::new(),
            touched: Vec::new(),
            active: false,
            busy: Busy::default(),
        }
    }
}

/// The kernel log keeps its last lines (a ring of __LOG_BUF_LEN, counted in lines here).
const KLOG_LINES: usize = 2048;

impl Netfilter {
    /// Nothing registered would look at a packet: no rules, every policy ACCEPT, no
    /// connection tracked. The hooks are skipped (the fast path a plain host takes).
    pub fn idle(&self) -> bool {
        !self.active
    }

    /// After any change to the tables: whether the hooks have work, and whether conntrack
    /// tracks. Conntrack tracks while a rule needs it (a NAT target, a state match), as iptables-nft
    /// registers its hooks only then; the entries it made stay until they expire.
    pub fn refresh(&mut self) {
        let needs = |t: &x_tables::Table| {
            t.chains.iter().flat_map(|c| &c.rules).any(|r| {
                matches!(r.target, xt_target::Target::Nat(_))
                    || r.matches.iter().any(|m| m.needs_conntrack())
            })
        };
        self.ct.enabled = needs(&self.nat) || needs(&self.filter) || needs(&self.mangle);
        self.busy = Busy {
            filter: !self.filter.is_idle(),
            nat: !self.nat.is_idle(),
            mangle: !self.mangle.is_idle(),
        };
        self.active = self.ct.enabled || self.busy.filter || self.busy.nat || self.busy.mangle;
    }

    pub fn table(&self, name: &str) -> Option<&x_tables::Table> {
        match name {
            "filter" => Some(&self.filter),
            "nat" => Some(&self.nat),
            "mangle" => Some(&self.mangle),
            _ => None,
        }
    }

    pub fn table_mut(&mut self, name: &str) -> Option<&mut x_tables::Table> {
        match name {
            "filter" => Some(&mut self.filter),
            "nat" => Some(&mut self.nat),
            "mangle" => Some(&mut self.mangle),
            _ => None,
        }
    }

    pub fn touch(&mut self, table: &str) {
        let Some(name) = self.table(table).map(|t| t.name) else {
            return;
        };
        if !self.touched.contains(&name) {
            self.touched.push(name);
        }
    }

    pub fn log(&mut self, now: crate::sim::Time, line: String) {
        if self.klog.len() >= KLOG_LINES {
            self.klog.remove(0);
        }
        self.klog.push((now, line));
    }
}

/// The ctstate bits of the packet's connection (INVALID: conntrack runs but could not track
/// it; UNTRACKED: it does not run, or IPVS took the packet).
pub fn ctstate_of(k: &Kernel, skb: &Skb) -> u8 {
    use xt_match::ctstate;
    match skb.ct {
        Some(c) => k.nf.ct.ctstate(c),
        None if skb.untracked || !k.nf.ct.enabled => ctstate::UNTRACKED,
        None => ctstate::INVALID,
    }
}

/// The packet view the matches read: its bytes, device names, mark, ctstate and Ethernet
/// header.
pub fn view<'s>(
    ctstate: u8,
    skb: &'s Skb,
    (iif, oif): (Option<&'s str>, Option<&'s str>),
) -> xt_match::PacketView<'s> {
    xt_match::PacketView {
        pkt: &skb.data,
        iif,
        oif,
        mark: skb.mark,
        ctstate,
        mac_header: skb.mac,
    }
}

#[cfg(test)]
#[path = "hooks_tests.rs"]
mod tests;
