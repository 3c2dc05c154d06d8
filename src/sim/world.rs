//! The world: nodes, links, the event queue and the clock. It delivers frames and timers to
//! nodes one event at a time, in (time, sequence) order, and records what happened and why.
//!
//! Everything that happens is a consequence of the lab's statements and the seed, so a run can
//! be repeated exactly and stopped at any event number (`stop_at`), which is how the REPL's
//! `back` replays to event N−1.

use super::captures::Captures;
use super::ctx::Ctx;
use super::link::{Endpoint, Link, LinkParams, Refused};
use super::queue::EventQueue;
use super::rng::Rng;
use super::time::Time;
use crate::kernel::process::Program;
use crate::kernel::socket::Pid;
use crate::node::{Host, Hub, Node, Switch};
use crate::trace::{TraceEntry, TraceKind};
use crate::why;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::Path;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Ethernet's minimum frame (without FCS): shorter frames are padded by the NIC.
const ETH_MIN: usize = 60;

/// Node and port numbers are u32 here: the queue moves events on every push and pop, and
/// smaller ones move faster.
enum Event {
    Frame {
        node: u32,
        port: u32,
        frame: Vec<u8>,
        from: u32,
    },
    Timer {
        node: u32,
    },
}

pub struct NodeSlot {
    pub name: String,
    pub node: Node,
    /// Port → link id. For hosts the port is the interface index.
    pub ports: BTreeMap<usize, usize>,
    /// When the node's one pending timer event fires (see `arm_timer`).
    timer: Option<Time>,
}

/// Why a run stopped before it was asked to.
#[derive(Debug, PartialEq)]
pub enum RunError {
    /// The event budget ran out: most likely a switch loop's broadcast storm.
    Budget { events: u64, now: Time },
    /// Replay reached the requested event number.
    Stopped,
    /// The user pressed Ctrl-C (the REPL's `interrupt` flag).
    Interrupted,
}

impl RunError {
    pub fn message(&self, budget: u64) -> String {
        match self {
            RunError::Budget { events, now } => format!(
                "event budget exhausted: {budget} events without settling (at {}, event #{events}); \
                 a switch loop's broadcast storm? raise it with `budget N` if the lab really needs more",
                now.to_string().trim()
            ),
            RunError::Stopped => "stopped at the requested event".into(),
            RunError::Interrupted => "interrupted".into(),
        }
    }
}

/// How a foreground process ended.
#[derive(Debug, PartialEq)]
pub enum Finished {
    Exited(i32),
    /// Nothing more can happen and the process is still waiting.
    Idle,
    /// It was still running at the deadline.
    Deadline,
}

pub struct World {
    pub nodes: Vec<NodeSlot>,
    pub links: Vec<Link>,
    queue: EventQueue<Event>,
    pub now: Time,
    pub seed: u64,
    rng: Rng,
    /// Events processed so far; the number of the last one.
    pub events: u64,
    /// Record reasons (for the trace and capture comments). Off only in benchmarks.
    pub explain: bool,
    pub trace: Vec<TraceEntry>,
    pub record_trace: bool,
    pub stop_at: Option<u64>,
    /// Set from outside (the REPL's Ctrl-C handler) to stop a run between two events.
    pub interrupt: Option<&'static AtomicBool>,
    captures: Captures,
    /// Interfaces bound to Linux TAP devices (tap.rs); with any, time is real.
    pub taps: Vec<tap::Tap>,
    clock: Option<tap::RealClock>,
    /// Node names to their index (a lab with thousands of nodes looks names up often).
    names: BTreeMap<String, usize>,
    /// The lab's /etc/hosts (every node's addresses), shared by all hosts.
    hosts: Rc<Vec<(Ipv4Addr, String)>>,
}

impl World {
    pub fn new(seed: u64) -> World {
        World {
            nodes: Vec::new(),
            links: Vec::new(),
            queue: EventQueue::default(),
            now: Time::ZERO,
            seed,
            rng: Rng::new(seed),
            events: 0,
            explain: true,
            trace: Vec::new(),
            record_trace: true,
            stop_at: None,
            interrupt: None,
            captures: Captures::default(),
            taps: Vec::new(),
            clock: None,
            names: BTreeMap::new(),
            hosts: Rc::new(Vec::new()),
        }
    }

    /// Reseeds before anything happened (the lab's `seed` statement).
    pub fn reseed(&mut self, seed: u64) {
        self.seed = seed;
        self.rng = Rng::new(seed);
    }

    pub fn node_index(&self, name: &str) -> Option<usize> {
        self.names.get(name).copied()
    }

    pub fn add_node(&mut self, name: &str, kind: &str) -> Result<usize, String> {
        if !valid_name(name) {
            return Err(format!(
                "bad node name '{name}': use letters, digits, '-' and '_', starting with a letter"
            ));
        }
        if self.node_index(name).is_some() {
            return Err(format!("duplicate node name '{name}'"));
        }
        let index = self.nodes.len();
        if index + 1 > MAX_NODES {
            return Err(format!(
                "too many nodes: MAC addresses 02:00:00:NN:NN:II tell {MAX_NODES} nodes apart"
            ));
        }
        let node = match kind {
            "host" | "router" => {
                let mut h = Host::new(name, self.rng.derive(index as u64 + 1));
                if kind == "router" {
                    let _ = h.kernel.sysctl.set("net.ipv4.ip_forward", "1");
                }
                // A new host has no address yet: it only needs the list the others share.
                h.kernel.lab_hosts = Rc::clone(&self.hosts);
                Node::Host(Box::new(h))
            }
            "switch" => Node::Switch(Switch::default()),
            "hub" => Node::Hub(Hub::default()),
            other => return Err(format!("unknown node kind '{other}'")),
        };
        self.nodes.push(NodeSlot {
            name: name.to_string(),
            node,
            ports: BTreeMap::new(),
            timer: None,
        });
        self.names.insert(name.to_string(), index);
        Ok(index)
    }

    /// A star: `hosts` each plugged by eth0 into one learning switch named `switch`, with
    /// default links. The quick topology of tests and benchmarks.
    pub fn star(seed: u64, hosts: &[&str], switch: &str) -> Result<World, String> {
        let mut w = World::new(seed);
        for h in hosts {
            w.add_node(h, "host")?;
        }
        w.add_node(switch, "switch")?;
        for h in hosts {
            w.connect((h, Some("eth0")), (switch, None), LinkParams::default())?;
        }
        Ok(w)
    }

    /// Every reason recorded so far, one per line.
    pub fn reasons(&self) -> String {
        self.trace
            .iter()
            .flat_map(|e| e.reasons.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Plugs a cable between two node ports. A host port is an interface (`eth0`), created
    /// on first use with a MAC derived from node and interface number; a switch or hub port is
    /// the next free one.
    pub fn connect(
        &mut self,
        a: (&str, Option<&str>),
        b: (&str, Option<&str>),
        params: LinkParams,
    ) -> Result<usize, String> {
        let ea = self.plug(a.0, a.1, params.mtu)?;
        let eb = self.plug(b.0, b.1, params.mtu)?;
        if ea == eb {
            return Err("a link needs two different ends".into());
        }
        let id = self.links.len();
        self.links.push(Link::new(ea, eb, params));
        for e in [ea, eb] {
            self.nodes[e.node].ports.insert(e.port, id);
            self.set_carrier(e, true);
        }
        Ok(id)
    }

    fn plug(&mut self, name: &str, iface: Option<&str>, mtu: u16) -> Result<Endpoint, String> {
        let node = self
            .node_index(name)
            .ok_or_else(|| format!("unknown node '{name}'"))?;
        let slot = &mut self.nodes[node];
        let port = match (&mut slot.node, iface) {
            (Node::Host(h), Some(ifname)) => host_port(h, node, ifname, mtu)?,
            (Node::Host(_), None) => {
                return Err(format!(
                    "'{name}' is a host: say which interface, e.g. {name}:eth0"
                ))
            }
            (Node::Switch(s), None) => s.add_port(),
            (Node::Hub(s), None) => s.add_port(),
            (_, Some(i)) => {
                return Err(format!(
                    "'{name}' is a {}: its ports have no names (write just {name}, not {name}:{i})",
                    slot.node.kind()
                ))
            }
        };
        if slot.ports.contains_key(&port) {
            return Err(format!("{name}:{} is already linked", iface.unwrap_or("?")));
        }
        Ok(Endpoint { node, port })
    }

    /// A host's NIC lost or found its carrier: its processes hear it (rtnetlink) and may
    /// answer at once (keepalived resigning a VRRP instance).
    fn set_carrier(&mut self, e: Endpoint, up: bool) {
        let slot = &mut self.nodes[e.node];
        let mut ctx = Ctx::new(self.now, &slot.name, self.explain);
        let Some(h) = slot.node.host_mut() else {
            return;
        };
        h.kernel.set_carrier(e.port, up);
        h.react(&mut ctx);
        self.after_node(e.node, ctx, None);
    }

    /// `link down|up NODE:IF`: pulls the cable (both ends lose carrier) or plugs it back.
    pub fn set_link(&mut self, node: &str, iface: Option<&str>, up: bool) -> Result<(), String> {
        let n = self
            .node_index(node)
            .ok_or_else(|| format!("unknown node '{node}'"))?;
        let port = match (&self.nodes[n].node, iface) {
            (Node::Host(h), Some(i)) => h
                .kernel
                .devs
                .index_of(i)
                .ok_or_else(|| format!("{node} has no interface '{i}'"))?,
            (Node::Host(_), None) => {
                return Err(format!("say which interface of {node}, e.g. {node}:eth0"))
            }
            (_, Some(p)) => p
                .trim_start_matches("port")
                .parse::<usize>()
                .ok()
                .and_then(|p| p.checked_sub(1))
                .ok_or_else(|| format!("bad port '{p}' (use port1, port2 …)"))?,
            (_, None) => return Err(format!("say which port of {node}, e.g. {node}:port1")),
        };
        let id = *self.nodes[n]
            .ports
            .get(&port)
            .ok_or_else(|| format!("{node}:{} is not linked", iface.unwrap_or("")))?;
        self.links[id].up = up;
        for e in self.links[id].ends {
            self.set_carrier(e, up);
        }
        Ok(())
    }

    pub fn host(&self, node: usize) -> Option<&Host> {
        self.nodes.get(node).and_then(|n| n.node.host())
    }

    pub fn host_mut(&mut self, node: usize) -> Option<&mut Host> {
        self.nodes.get_mut(node).and_then(|n| n.node.host_mut())
    }

    /// Starts a program on a host now; its frames go out and its reasons are traced.
    pub fn spawn(
        &mut self,
        node: usize,
        name: &str,
        cmdline: &str,
        prog: Box<dyn Program>,
        background: bool,
    ) -> Result<Pid, String> {
        let slot = self.nodes.get_mut(node).ok_or("no such node")?;
        let mut ctx = Ctx::new(self.now, &slot.name, self.explain);
        let nodename = slot.name.clone();
        let kind = slot.node.kind();
        let host = slot
            .node
            .host_mut()
            .ok_or_else(|| format!("{nodename} is a {kind}: it runs no commands"))?;
        let pid = host.spawn(name, cmdline, prog, background, &mut ctx);
        self.after_node(
            node,
            ctx,
            Some(TraceKind::Command {
                node: nodename,
                line: cmdline.to_string(),
            }),
        );
        self.refresh_hosts();
        Ok(pid)
    }

    /// Sends SIGINT to a process (Ctrl-C).
    pub fn interrupt(&mut self, node: usize, pid: Pid) {
        let Some(slot) = self.nodes.get_mut(node) else {
            return;
        };
        let mut ctx = Ctx::new(self.now, &slot.name, self.explain);
        let nodename = slot.name.clone();
        if let Some(h) = slot.node.host_mut() {
            h.interrupt(pid, &mut ctx);
        }
        self.after_node(
            node,
            ctx,
            Some(TraceKind::Command {
                node: nodename,
                line: format!("^C (pid {pid})"),
            }),
        );
    }

    /// Processes one event. Ok(false) when nothing is left to do.
    pub fn step(&mut self) -> Result<bool, RunError> {
        if self.stop_at.is_some_and(|n| self.events >= n) {
            return Err(RunError::Stopped);
        }
        if self
            .interrupt
            .is_some_and(|f| f.swap(false, Ordering::Relaxed))
        {
            return Err(RunError::Interrupted);
        }
        self.next_time();
        let Some((t, ev)) = self.queue.pop() else {
            return Ok(false);
        };
        self.now = t;
        self.events += 1;
        match ev {
            Event::Frame {
                node,
                port,
                frame,
                from,
            } => self.deliver(node as usize, port as usize, frame, from as usize),
            Event::Timer { node } => {
                let node = node as usize;
                let slot = &mut self.nodes[node];
                slot.timer = None;
                let mut ctx = Ctx::new(t, &slot.name, self.explain);
                slot.node.timer(&mut ctx);
                let kind = TraceKind::Timer {
                    node: slot.name.clone(),
                };
                self.after_node(node, ctx, Some(kind));
            }
        }
        Ok(true)
    }

    fn deliver(&mut self, node: usize, port: usize, frame: Vec<u8>, from: usize) {
        let slot = &mut self.nodes[node];
        let mut ctx = Ctx::new(self.now, &slot.name, self.explain);
        slot.node.receive(port, &frame, &mut ctx);
        let comment = if self.captures.is_empty() {
            String::new()
        } else {
            ctx.reasons.join("\n")
        };
        self.capture(node, port, &frame, &comment);
        let kind = self.record_trace.then(|| TraceKind::Rx {
            node: self.nodes[node].name.clone(),
            port: self.nodes[node].node.port_name(port),
            from: match self.nodes.get(from) {
                Some(n) => n.name.clone(),
                None => self
                    .taps
                    .iter()
                    .find(|t| t.node == node && t.port == port)
                    .map_or("tap".into(), |t| t.dev_name.clone()),
            },
            frame,
        });
        self.after_node(node, ctx, kind);
    }

    /// Sends what the node transmitted, records the trace entry, and schedules its timers.
    fn after_node(&mut self, node: usize, mut ctx: Ctx, kind: Option<TraceKind>) {
        let txs = std::mem::take(&mut ctx.tx);
        for tx in txs {
            if !self.captures.is_empty() {
                let comment = ctx.reasons[..tx.reasons].join("\n");
                self.capture(node, tx.port, &tx.frame, &comment);
            }
            self.transmit(node, tx.port, tx.frame, &mut ctx);
        }
        let quiet_timer = matches!(kind, Some(TraceKind::Timer { .. })) && ctx.reasons.is_empty();
        if let Some(kind) = kind.filter(|_| self.record_trace && !quiet_timer) {
            self.trace.push(TraceEntry {
                time: self.now,
                event: self.events,
                kind,
                reasons: ctx.reasons,
            });
        }
        if let Some(t) = self.nodes[node].node.next_wake() {
            self.arm_timer(node, t.max(self.now));
        }
    }

    /// When the next event happens, after dropping the timer events `arm_timer` superseded.
    fn next_time(&mut self) -> Option<Time> {
        loop {
            let (t, ev) = self.queue.peek()?;
            match ev {
                Event::Timer { node } if self.nodes[*node as usize].timer != Some(t) => {
                    self.queue.pop()
                }
                _ => return Some(t),
            };
        }
    }

    /// Keeps one timer event per node, at or before the time it asked for. A node's wish
    /// moves with every packet (a retransmission timer restarts at each ACK), so queueing each
    /// wish would fill the queue with tens of thousands of stale wake-ups. When the wish moves
    /// later, the armed timer stays: the node wakes early, finds nothing due, and is armed
    /// again for its new time. When it moves earlier, a new event is queued and the old one
    /// is skipped when popped.
    fn arm_timer(&mut self, node: usize, t: Time) {
        let slot = &mut self.nodes[node];
        if slot.timer.is_some_and(|armed| armed <= t) {
            return;
        }
        slot.timer = Some(t);
        self.queue.push(t, Event::Timer { node: node as u32 });
    }

    fn transmit(&mut self, node: usize, port: usize, mut frame: Vec<u8>, ctx: &mut Ctx) {
        if self.tap_send(node, port, &frame) {
            return;
        }
        let Some(&id) = self.nodes[node].ports.get(&port) else {
            why!(
                ctx,
                "link",
                "{} is not plugged in: frame lost",
                self.nodes[node].node.port_name(port)
            );
            return;
        };
        let link = &mut self.links[id];
        let Some(side) = link.side_of(Endpoint { node, port }) else {
            return;
        };
        if frame.len() < ETH_MIN {
            frame.resize(ETH_MIN, 0);
        }
        match link.transmit(side, self.now, frame.len()) {
            Ok(arrival) => {
                let loss = link.params.loss_pct;
                let peer = link.peer(side);
                if self.rng.chance(loss) {
                    why!(ctx, "link", "frame lost on the wire (loss {loss}%)");
                    return;
                }
                self.queue.push(
                    arrival,
                    Event::Frame {
                        node: peer.node as u32,
                        port: peer.port as u32,
                        frame,
                        from: node as u32,
                    },
                );
            }
            Err(Refused::Down) => why!(ctx, "link", "link is down: frame lost"),
            Err(Refused::TooBig { len, mtu }) => why!(
                ctx,
                "link",
                "{len}-byte frame exceeds link MTU {mtu}: dropped"
            ),
        }
    }

    /// Puts a frame on the wire from `node`'s `port` now, as if the node had sent it (for
    /// benchmarks, tests, and frames arriving from outside).
    pub fn inject(&mut self, node: usize, port: usize, frame: Vec<u8>) {
        let mut ctx = Ctx::new(self.now, &self.nodes[node].name, self.explain);
        self.transmit(node, port, frame, &mut ctx);
    }

    /// Starts a capture. With interfaces named, exactly those, declared in that order;
    /// without, every host interface that carries a frame.
    pub fn add_capture(&mut self, path: &Path, ifaces: &[(usize, usize)]) -> Result<(), String> {
        self.add_capture_file(path, None, ifaces)
    }

    /// As `add_capture`, into a file the caller opened (a lab's, checked by outdir.rs).
    pub fn add_capture_file(
        &mut self,
        path: &Path,
        file: Option<std::fs::File>,
        ifaces: &[(usize, usize)],
    ) -> Result<(), String> {
        let named: Vec<((usize, usize), String)> = ifaces
            .iter()
            .map(|&(n, p)| ((n, p), self.port_label(n, p)))
            .collect();
        self.captures.add(path, file, &named)
    }

    fn port_label(&self, node: usize, port: usize) -> String {
        port_label(&self.nodes, node, port)
    }

    fn capture(&mut self, node: usize, port: usize, frame: &[u8], comment: &str) {
        let is_host = self.nodes[node].node.host().is_some();
        let nodes = &self.nodes;
        let label = || port_label(nodes, node, port);
        self.captures.write(
            (node, port),
            is_host,
            label,
            self.now.nanos(),
            frame,
            comment,
        );
    }

    /// A capture write that failed since the last call (reported at the statement).
    pub fn capture_error(&mut self) -> Option<String> {
        self.captures.take_error()
    }

    /// Closes every capture file.
    pub fn finish_captures(&mut self) -> Result<(), String> {
        self.captures.finish()
    }

    /// Rebuilds the lab's part of every /etc/hosts: each node's primary addresses (not
    /// aliases, not loopback), so node names resolve and VIPs do not take a node's name.
    pub fn refresh_hosts(&mut self) {
        let mut list: Vec<(Ipv4Addr, String)> = Vec::new();
        for slot in &self.nodes {
            let Some(h) = slot.node.host() else { continue };
            for d in h.kernel.devs.iter().filter(|d| d.ifindex != 1) {
                for a in d.addrs.iter().filter(|a| a.label == d.name) {
                    list.push((a.addr, slot.name.clone()));
                }
            }
        }
        let shared = Rc::new(list);
        self.hosts = Rc::clone(&shared);
        for slot in &mut self.nodes {
            if let Some(h) = slot.node.host_mut() {
                h.kernel.lab_hosts = Rc::clone(&shared);
            }
        }
    }

    /// The MAC table of a switch, `brctl showmacs` style.
    pub fn showmacs(&self, node: usize) -> Option<String> {
        match &self.nodes.get(node)?.node {
            Node::Switch(s) => Some(s.showmacs(self.now)),
            _ => None,
        }
    }
}

/// The port for interface `ifname` on a host, creating `ethN` with its derived MAC.
fn host_port(h: &mut Host, node: usize, ifname: &str, mtu: u16) -> Result<usize, String> {
    if let Some(i) = h.kernel.devs.index_of(ifname) {
        if i == 1 {
            return Err("lo cannot be linked".into());
        }
        return Ok(i);
    }
    let n = eth_number(ifname).ok_or_else(|| {
        format!("bad interface name '{ifname}': links plug into eth0, eth1 … eth199")
    })?;
    // add_node keeps node + 1 within 16 bits.
    let id = u16::try_from(node + 1).unwrap_or(u16::MAX);
    let mac = [0x02, 0, 0, (id >> 8) as u8, id as u8, n + 1];
    let i = h.kernel.add_ether(ifname, mac);
    if let Some(d) = h.kernel.devs.get_mut(i) {
        d.mtu = mtu as u32;
    }
    Ok(i)
}

/// Nodes a lab may declare: each host's MACs carry its number in 16 bits.
pub const MAX_NODES: usize = 65_535;

/// N of a canonical `ethN` (eth0 … eth199, no sign, no leading zero), as the kernel names
/// Ethernet devices.
pub fn eth_number(ifname: &str) -> Option<u8> {
    let digits = ifname.strip_prefix("eth")?;
    let canonical = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && digits.len() <= 3;
    digits.parse::<u8>().ok().filter(|n| canonical && *n < 200)
}

pub fn valid_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && name.len() <= 32
}

/// `node:iface` as captures and traces name a port.
fn port_label(nodes: &[NodeSlot], node: usize, port: usize) -> String {
    format!("{}:{}", nodes[node].name, nodes[node].node.port_name(port))
}

#[path = "run.rs"]
mod run;
#[path = "tap.rs"]
pub mod tap;

#[cfg(test)]
#[path = "world_tests.rs"]
mod tests;
