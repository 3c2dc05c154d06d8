//! How a connection is written out: `conntrack -L` (libnetfilter_conntrack's default
//! format), `/proc/net/nf_conntrack` (nf_conntrack_standalone.c's ct_seq_show) and
//! `conntrack -E` events. The layouts differ only at the edges: /proc starts with the
//! family, ends with `zone=0` and counts the reader's own reference in `use`; events have
//! no mark or use.

use super::{proto_tcp, status, Conn, Conntrack, ORIGINAL, REPLY};
use crate::sim::Time;
use std::fmt::Write;

/// Which of the three layouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    List,
    Proc,
    /// An event line: with the timeout and state (NEW, UPDATE) or without (DESTROY).
    Event {
        timeout: bool,
    },
}

fn proto_name(proto: u8) -> &'static str {
    match proto {
        6 => "tcp",
        17 => "udp",
        1 => "icmp",
        _ => "unknown",
    }
}

/// One connection's line (without a newline).
pub fn line(c: &Conn, now: Time, layout: Layout) -> String {
    let mut s = String::new();
    if layout == Layout::Proc {
        s.push_str("ipv4     2 ");
    }
    let proto = c.tuple[ORIGINAL].proto;
    let _ = write!(s, "{:<8} {} ", proto_name(proto), proto);
    if !matches!(layout, Layout::Event { timeout: false }) {
        let _ = write!(s, "{} ", Conntrack::secs_left(c, now));
        if proto == 6 {
            s.push_str(proto_tcp::NAMES[usize::from(c.state.min(9))]);
            s.push(' ');
        }
    }
    s.push_str(&c.tuple[ORIGINAL].show());
    s.push(' ');
    if !c.has(status::SEEN_REPLY) {
        s.push_str("[UNREPLIED] ");
    }
    s.push_str(&c.tuple[REPLY].show());
    s.push(' ');
    if c.has(status::ASSURED) {
        s.push_str("[ASSURED] ");
    }
    match layout {
        Layout::List => {
            let _ = write!(s, "mark={} use=1", c.mark);
        }
        Layout::Proc => {
            let _ = write!(s, "mark={} zone=0 use=2", c.mark);
        }
        Layout::Event { .. } => {
            s.pop();
        }
    }
    s
}

/// /proc/net/nf_conntrack.
pub fn proc_file(ct: &Conntrack, now: Time) -> String {
    let mut s = String::new();
    for (_, c) in ct.listed(now) {
        s.push_str(&line(c, now, Layout::Proc));
        s.push('\n');
    }
    s
}
