//! Nodes: hosts (Linux boxes, routers among them), learning switches and hubs.

pub mod host;
pub mod hub;
pub mod switch;

use crate::sim::{Ctx, Time};
pub use host::Host;
pub use hub::Hub;
pub use switch::Switch;

pub enum Node {
    Host(Box<Host>),
    Switch(Switch),
    Hub(Hub),
}

impl Node {
    pub fn kind(&self) -> &'static str {
        match self {
            Node::Host(h) if h.kernel.sysctl.int("net.ipv4.ip_forward") != 0 => "router",
            Node::Host(_) => "host",
            Node::Switch(_) => "switch",
            Node::Hub(_) => "hub",
        }
    }

    pub fn receive(&mut self, port: usize, frame: &[u8], ctx: &mut Ctx) {
        match self {
            Node::Host(h) => h.receive(port, frame, ctx),
            Node::Switch(s) => s.receive(port, frame, ctx),
            Node::Hub(h) => h.receive(port, frame, ctx),
        }
    }

    pub fn timer(&mut self, ctx: &mut Ctx) {
        if let Node::Host(h) = self {
            h.timer(ctx);
        }
    }

    pub fn next_wake(&mut self) -> Option<Time> {
        match self {
            Node::Host(h) => h.next_wake(),
            _ => None,
        }
    }

    pub fn host(&self) -> Option<&Host> {
        match self {
            Node::Host(h) => Some(h),
            _ => None,
        }
    }

    pub fn host_mut(&mut self) -> Option<&mut Host> {
        match self {
            Node::Host(h) => Some(h),
            _ => None,
        }
    }

    /// The name of a port as captures and traces show it (`eth0`, or `port2` on a switch).
    pub fn port_name(&self, port: usize) -> String {
        match self {
            Node::Host(h) => h.kernel.dev_name(port),
            _ => format!("port{}", port + 1),
        }
    }
}
