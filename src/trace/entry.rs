//! What the trace records per event: when, which event, where, and the reasons given.

use crate::kernel::netdev::fmt_mac;
use crate::sim::Time;

#[derive(Clone, Debug)]
pub enum TraceKind {
    /// A frame arrived at `node:port` from the node at the other end of the cable.
    Rx {
        node: String,
        port: String,
        from: String,
        frame: Vec<u8>,
    },
    Timer {
        node: String,
    },
    Command {
        node: String,
        line: String,
    },
}

#[derive(Clone, Debug)]
pub struct TraceEntry {
    pub time: Time,
    pub event: u64,
    pub kind: TraceKind,
    pub reasons: Vec<String>,
}

/// A frame's Ethernet addresses for a trace line.
pub fn eth_addrs(frame: &[u8]) -> String {
    if frame.len() < 12 {
        return String::from("?");
    }
    let mut d = [0u8; 6];
    let mut s = [0u8; 6];
    d.copy_from_slice(&frame[..6]);
    s.copy_from_slice(&frame[6..12]);
    format!("{} > {}", fmt_mac(&s), fmt_mac(&d))
}
