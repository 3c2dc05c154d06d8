//! The IPVS hooks (net/netfilter/ipvs/ip_vs_core.c). `ip_vs_in` runs at LOCAL_IN for packets
//! to one of the director's addresses: a packet of a known connection goes on to its real
//! server; a SYN (any datagram for UDP) to a virtual service is scheduled, possibly through a
//! persistence template; when no destination is available the client gets ICMP port
//! unreachable (never a RST). `ip_vs_out` runs at FORWARD for NAT replies. `expire` is the
//! connection timer.

use super::conn::{Conn, ConnId, ConnState};
use super::ctl::{Method, Proto, Service, SvcKey};
use super::proto_tcp::{self, Dir, State};
use super::sched::Packet;
use super::xmit;
use crate::kernel::netfilter::{Hook, Skb, Verdict};
use crate::kernel::{icmp, Kernel};
use crate::sim::time::SEC;
use crate::sim::Ctx;
use crate::why;
use smoltcp::wire::{Ipv4Packet, TcpPacket};
use std::net::Ipv4Addr;

/// The fields of a TCP or UDP packet IPVS looks at.
struct Flow<'a> {
    proto: Proto,
    src: Ipv4Addr,
    sport: u16,
    dst: Ipv4Addr,
    dport: u16,
    tcp: Option<TcpPacket<&'a [u8]>>,
}

fn flow(pkt: &[u8]) -> Option<Flow<'_>> {
    let ip = Ipv4Packet::new_checked(pkt).ok()?;
    let (src, dst) = (ip.src_addr(), ip.dst_addr());
    let hl = ip.header_len() as usize;
    let l4 = pkt.get(hl..)?;
    let proto = match u8::from(ip.next_header()) {
        6 => Proto::Tcp,
        17 => Proto::Udp,
        _ => return None,
    };
    let tcp = match proto {
        Proto::Tcp => Some(TcpPacket::new_checked(l4).ok()?),
        _ => None,
    };
    let port = |i: usize| Some(u16::from_be_bytes([*l4.get(i)?, *l4.get(i + 1)?]));
    Some(Flow {
        proto,
        src,
        sport: port(0)?,
        dst,
        dport: port(2)?,
        tcp,
    })
}

/// The LOCAL_IN hook, just before source NAT (ip_vs_remote_request4, priority 99): a packet
/// for a virtual service is taken and sent on to a real server.
pub fn ip_vs_remote_request(k: &mut Kernel, ctx: &mut Ctx, _: Hook, skb: &mut Skb) -> Verdict {
    if k.ipvs.idle() {
        return Verdict::Accept;
    }
    let dst = skb.dst();
    if dst.is_multicast() || k.devs.is_broadcast(dst) {
        return Verdict::Accept;
    }
    if !ip_vs_in(k, ctx, &skb.data, skb.mark) {
        return Verdict::Accept;
    }
    skb.untrack(k);
    Verdict::Stolen
}

/// The FORWARD hook (ip_vs_reply4, priority 100): a real server's reply on a NAT
/// connection leaves with the virtual service as its source.
pub fn ip_vs_reply(k: &mut Kernel, ctx: &mut Ctx, _: Hook, skb: &mut Skb) -> Verdict {
    if let Some(out) = ip_vs_out(k, ctx, &skb.data) {
        skb.data = std::borrow::Cow::Owned(out);
        skb.untrack(k);
    }
    Verdict::Accept
}

/// LOCAL_IN: true when IPVS took the packet (forwarded it, or answered for it). `mark` is
/// the firewall mark the mangle table gave it in PREROUTING (0: none).
pub fn ip_vs_in(k: &mut Kernel, ctx: &mut Ctx, pkt: &[u8], mark: u32) -> bool {
    if k.ipvs.idle() {
        return false;
    }
    let Some(f) = flow(pkt) else {
        return false;
    };
    let key = (f.proto, f.src, f.sport, f.dst, f.dport);
    let id = match k.ipvs.conns.find_in(&key) {
        Some(id) if !reused(k, ctx, id, &f) => id,
        _ => match new_conn(k, ctx, &f, pkt, mark) {
            Some(Ok(id)) => id,
            Some(Err(())) => return true,
            None => return false,
        },
    };
    let dir = match k.ipvs.conns.conns.get(&id).map(|c| c.method) {
        Some(Method::Masq) => Dir::Input,
        _ => Dir::InputOnly,
    };
    transition(k, ctx, id, dir, f.tcp.as_ref());
    count(k, id, pkt.len(), true, ctx.now);
    if let Some(c) = k.ipvs.conns.conns.get(&id).cloned() {
        xmit::transmit(k, ctx, &c, pkt);
    }
    true
}

/// conn_reuse_mode 1 (net.ipv4.vs.conn_reuse_mode): a new SYN on an entry in TIME_WAIT or
/// CLOSE starts a new connection, unless a persistence template controls the entry
/// (is_new_conn_expected); with 0 the old entry takes it.
fn reused(k: &mut Kernel, ctx: &mut Ctx, id: ConnId, f: &Flow) -> bool {
    let Some(seg) = &f.tcp else {
        return false;
    };
    if k.sysctl.vs.conn_reuse_mode == 0 {
        return false;
    }
    let old = k
        .ipvs
        .conns
        .conns
        .get(&id)
        .filter(|c| !c.controlled)
        .map(|c| c.state);
    let done = matches!(old, Some(ConnState::Tcp(State::TimeWait | State::Close)));
    if !(seg.syn() && !seg.ack() && done) {
        return false;
    }
    why!(
        ctx,
        "ipvs",
        "new SYN on an entry in {}: the old one ends",
        old.map_or("?", |s| s.name())
    );
    if let Some(c) = k.ipvs.conns.kill(id) {
        unbind(k, ctx, &c);
    }
    true
}

/// Schedules a new connection. None: not for a virtual service (the local stack takes it);
/// Some(Err): no destination, the client was told.
fn new_conn(
    k: &mut Kernel,
    ctx: &mut Ctx,
    f: &Flow,
    pkt: &[u8],
    mark: u32,
) -> Option<Result<ConnId, ()>> {
    let key = service_find(k, ctx, f, mark)?;
    let svc = k.ipvs.rules.find(&key)?;
    if f.tcp.as_ref().is_some_and(|t| !t.syn() || t.rst()) {
        // Only a SYN creates a TCP entry (sloppy_tcp=0); the rest goes to the local stack.
        return None;
    }
    let persistent = svc.persistent;
    let template = persistent.and_then(|_| find_template(k, ctx, f, &key));
    let (dest, reason) = match template {
        Some(d) => (d, "persistence template".to_string()),
        None => match schedule(k, f, &key, ctx) {
            Ok(pick) => pick,
            Err(why) => {
                leave(k, ctx, f, pkt, &why);
                return Some(Err(()));
            }
        },
    };
    let Some(svc) = k.ipvs.rules.find(&key) else {
        return Some(Err(()));
    };
    let d = svc.dest(dest)?;
    // A destination without a port (a fwmark service's) keeps the packet's.
    let dport = if d.port == 0 { f.dport } else { d.port };
    let (daddr, method) = (d.addr, d.method);
    why!(
        ctx,
        "ipvs",
        "new {} {}:{} → {}:{}, {reason}",
        f.proto.name(),
        f.src,
        f.sport,
        f.dst,
        f.dport
    );
    if let (Some(t), None) = (persistent, template) {
        make_template(k, ctx, f, &key, (dest, daddr, dport, method), t);
    }
    let state = match f.proto {
        Proto::Tcp => ConnState::Tcp(State::None),
        _ => ConnState::Udp,
    };
    let c = Conn {
        proto: f.proto,
        caddr: f.src,
        cport: f.sport,
        vaddr: f.dst,
        vport: f.dport,
        daddr,
        dport,
        method,
        svc: key,
        dest,
        state,
        expires: ctx.now + 3 * SEC,
        inactive: true,
        template: false,
        controlled: persistent.is_some(),
        rearmed: false,
    };
    let id = k.ipvs.conns.insert(c);
    bind(k, &key, dest, false, ctx.now);
    Some(Ok(id))
}

/// ip_vs_service_find: a fwmark service for the packet's mark first, then the service of
/// its protocol, address and port.
fn service_find(k: &Kernel, ctx: &mut Ctx, f: &Flow, mark: u32) -> Option<SvcKey> {
    let fwm = SvcKey::Fwmark(mark);
    if mark != 0 && k.ipvs.rules.find(&fwm).is_some() {
        why!(ctx, "ipvs", "fwmark {mark} is virtual service FWM {mark}");
        return Some(fwm);
    }
    let key = SvcKey::Addr(f.proto, f.dst, f.dport);
    k.ipvs.rules.find(&key).map(|_| key)
}

/// The service's scheduler over its destinations, newest first.
fn schedule(k: &mut Kernel, f: &Flow, key: &SvcKey, ctx: &Ctx) -> Result<(u32, String), String> {
    let views = k.ipvs.rules.find(key).ok_or("no service")?.views();
    let pkt = Packet {
        saddr: f.src,
        sport: f.sport,
        daddr: f.dst,
        now: ctx.now,
        explain: ctx.explain,
        expiration: (k.sysctl.vs.lblc_expiration, k.sysctl.vs.lblcr_expiration),
    };
    let svc = k.ipvs.rules.find_mut(key).ok_or("no service")?;
    svc.sched.schedule(&views, &pkt)
}

/// ip_vs_leave: no destination, so ICMP port unreachable to the client (no RST, even for TCP).
fn leave(k: &mut Kernel, ctx: &mut Ctx, f: &Flow, pkt: &[u8], why: &str) {
    why!(
        ctx,
        "ipvs",
        "{why} for {}:{} → {}:{}: ICMP port unreachable",
        f.src,
        f.sport,
        f.dst,
        f.dport
    );
    icmp::send_error(k, ctx, pkt, icmp::DEST_UNREACH, icmp::PORT_UNREACH);
}

/// The template key: the client address under the persistence netmask, client port 0; for
/// a fwmark service protocol IP and the mark in place of the virtual address and port, so
/// one template covers every port the mark groups (ip_vs_sched_persist).
fn template_key(svc: &Service, f: &Flow) -> (Proto, Ipv4Addr, u16, Ipv4Addr, u16) {
    let masked = Ipv4Addr::from(u32::from(f.src) & u32::from(svc.netmask));
    match svc.key {
        SvcKey::Fwmark(mark) => (Proto::Ip, masked, 0, Ipv4Addr::from(mark), 0),
        SvcKey::Addr(..) => (f.proto, masked, 0, f.dst, f.dport),
    }
}

/// A valid template's destination, with its timer restarted (for its own timeout: the
/// service's persistence, or 60 s once it was re-armed). A template whose server is no
/// longer in the service is invalidated, never honoured again (ip_vs_check_template).
fn find_template(k: &mut Kernel, ctx: &mut Ctx, f: &Flow, key: &SvcKey) -> Option<u32> {
    let svc = k.ipvs.rules.find(key)?;
    let tkey = template_key(svc, f);
    let persistence = u64::from(svc.persistent?) * SEC;
    let id = k.ipvs.conns.find_in(&tkey)?;
    let t = k.ipvs.conns.conns.get(&id)?;
    let (dest, rearmed) = (t.dest, t.rearmed);
    let quiescent = k.sysctl.vs.expire_quiescent_template
        && svc.dests.iter().any(|d| d.id == dest && d.weight == 0);
    if quiescent || !svc.dests.iter().any(|d| d.id == dest) {
        why!(
            ctx,
            "ipvs",
            "persistence template {} → {}: its server is {}, template invalidated",
            t.caddr,
            t.daddr,
            if quiescent {
                "quiescent (weight 0)"
            } else {
                "gone"
            }
        );
        k.ipvs.conns.invalidate_template(id);
        return None;
    }
    let timeout = if rearmed { 60 * SEC } else { persistence };
    let _ = k
        .ipvs
        .conns
        .set_state(id, ConnState::Tcp(State::None), ctx.now, timeout);
    Some(dest)
}

fn make_template(
    k: &mut Kernel,
    ctx: &mut Ctx,
    f: &Flow,
    key: &SvcKey,
    (dest, daddr, dport, method): (u32, Ipv4Addr, u16, Method),
    timeout_s: u32,
) {
    let Some(svc) = k.ipvs.rules.find(key) else {
        return;
    };
    let (proto, caddr, cport, vaddr, vport) = template_key(svc, f);
    // A fwmark template stands for every port of the mark: it names none.
    let dport = if proto == Proto::Ip { 0 } else { dport };
    let t = Conn {
        proto,
        caddr,
        cport,
        vaddr,
        vport,
        daddr,
        dport,
        method,
        svc: *key,
        dest,
        state: ConnState::Tcp(State::None),
        expires: ctx.now + u64::from(timeout_s) * SEC,
        inactive: false,
        template: true,
        controlled: false,
        rearmed: false,
    };
    why!(
        ctx,
        "ipvs",
        "persistence template {caddr} → {daddr}:{dport} for {timeout_s} s"
    );
    k.ipvs.conns.insert(t);
    bind(k, key, dest, true, ctx.now);
}

/// ip_vs_bind_dest: counts the entry on its destination; -x may set OVERLOAD.
fn bind(k: &mut Kernel, key: &SvcKey, dest: u32, template: bool, now: crate::sim::Time) {
    let Some(svc) = k.ipvs.rules.find_mut(key) else {
        return;
    };
    if !template {
        svc.est.advance(now, &svc.stats);
        svc.stats.conns += 1;
    }
    let Some(d) = svc.dest_mut(dest) else {
        return;
    };
    if template {
        d.persist += 1;
        return;
    }
    d.inactive += 1;
    d.est.advance(now, &d.stats);
    d.stats.conns += 1;
    if d.u_threshold != 0 && d.active + d.inactive >= d.u_threshold {
        d.overloaded = true;
    }
}

/// ip_vs_unbind_dest: an entry expired; -y (or 75 % of -x) may clear OVERLOAD.
fn unbind(k: &mut Kernel, ctx: &mut Ctx, c: &Conn) {
    if let Some(d) = k.ipvs.rules.dest_mut(&c.svc, c.dest) {
        if c.template {
            d.persist = d.persist.saturating_sub(1);
        } else if c.inactive {
            d.inactive = d.inactive.saturating_sub(1);
        } else {
            d.active = d.active.saturating_sub(1);
        }
        let total = d.active + d.inactive;
        d.overloaded &= match (d.l_threshold, d.u_threshold) {
            (0, 0) => false,
            (0, u) => total * 4 >= u * 3,
            (l, _) => total >= l,
        };
    }
    k.ipvs.rules.empty_trash();
    why!(
        ctx,
        "ipvs",
        "{} {}:{} → {}:{} expired in {}",
        c.proto.name(),
        c.caddr,
        c.cport,
        c.daddr,
        c.dport,
        c.state.name()
    );
}

/// Runs the state machine for one packet and restarts the entry's timer.
fn transition(k: &mut Kernel, ctx: &mut Ctx, id: ConnId, dir: Dir, seg: Option<&TcpPacket<&[u8]>>) {
    let Some(c) = k.ipvs.conns.conns.get(&id) else {
        return;
    };
    let (old, svc, dest) = (c.state, c.svc, c.dest);
    let (new, timeout) = match (old, seg) {
        (ConnState::Tcp(s), Some(seg)) => {
            let n = proto_tcp::next(s, dir, seg);
            (
                ConnState::Tcp(n),
                n.timeout(k.ipvs.timeout_tcp, k.ipvs.timeout_tcpfin),
            )
        }
        _ => (ConnState::Udp, k.ipvs.timeout_udp * SEC),
    };
    let (da, di) = k.ipvs.conns.set_state(id, new, ctx.now, timeout);
    if old != new {
        why!(
            ctx,
            "ipvs",
            "connection {} → {} ({} s)",
            old.name(),
            new.name(),
            timeout / SEC
        );
    }
    if let Some(d) = k.ipvs.rules.dest_mut(&svc, dest) {
        d.active = d.active.saturating_add_signed(da);
        d.inactive = d.inactive.saturating_add_signed(di);
    }
}

/// Packet and byte counters of the entry's service and destination.
fn count(k: &mut Kernel, id: ConnId, bytes: usize, inbound: bool, now: crate::sim::Time) {
    let Some(c) = k.ipvs.conns.conns.get(&id) else {
        return;
    };
    let (svc, dest) = (c.svc, c.dest);
    let Some(s) = k.ipvs.rules.find_mut(&svc) else {
        return;
    };
    let add = |st: &mut super::ctl::Stats| match inbound {
        true => {
            st.inpkts += 1;
            st.inbytes += bytes as u64;
        }
        false => {
            st.outpkts += 1;
            st.outbytes += bytes as u64;
        }
    };
    s.est.advance(now, &s.stats);
    add(&mut s.stats);
    if let Some(d) = s.dest_mut(dest) {
        d.est.advance(now, &d.stats);
        add(&mut d.stats);
    }
}

/// A reply from a real server on a NAT connection gets the VIP and the virtual port
/// as its source. Returns the rewritten packet, or None when it is not one of ours.
pub fn ip_vs_out(k: &mut Kernel, ctx: &mut Ctx, pkt: &[u8]) -> Option<Vec<u8>> {
    if k.ipvs.idle() {
        return None;
    }
    let f = flow(pkt)?;
    let id = k
        .ipvs
        .conns
        .find_out(&(f.proto, f.src, f.sport, f.dst, f.dport))?;
    let c = k.ipvs.conns.conns.get(&id)?.clone();
    if c.method != Method::Masq {
        return None;
    }
    transition(k, ctx, id, Dir::Output, f.tcp.as_ref());
    count(k, id, pkt.len(), false, ctx.now);
    Some(xmit::snat(ctx, &c, pkt))
}

/// The connection timer: expired entries leave the table and their destinations' counts.
pub fn expire(k: &mut Kernel, ctx: &mut Ctx) {
    if k.ipvs.conns.next_expiry().is_none_or(|t| t > ctx.now) {
        return;
    }
    for c in k.ipvs.conns.expire(ctx.now) {
        if c.template && controls(k, &c) {
            // Still in use: re-armed for 60 s (lvs.md §1.13), not dropped.
            let again = Conn {
                expires: ctx.now + 60 * SEC,
                rearmed: true,
                ..c
            };
            k.ipvs.conns.insert(again);
            continue;
        }
        unbind(k, ctx, &c);
    }
}

/// Whether a template still has connections of its client (under the netmask) to its dest.
fn controls(k: &Kernel, t: &Conn) -> bool {
    let Some(svc) = k.ipvs.rules.find(&t.svc) else {
        return false;
    };
    let mask = u32::from(svc.netmask);
    k.ipvs.conns.conns.values().any(|c| {
        !c.template
            && c.svc == t.svc
            && c.dest == t.dest
            && u32::from(c.caddr) & mask == u32::from(t.caddr)
    })
}

#[cfg(test)]
#[path = "core_tests.rs"]
mod tests;
