//! The trace: one line per event (virtual time, event number, where, the decoded frame),
//! then the reasons the stack gave while handling it.

pub mod entry;
pub mod ladder;
pub mod layers;
pub mod tcpdump;

pub use entry::{eth_addrs, TraceEntry, TraceKind};

/// Reason lines are indented under the event line's time column.
const INDENT: &str = "              ";

/// Formats one trace entry, e.g.
/// `[  1.000312s] #17 dir:eth0 ◄ sw1  02:00:00:00:01:01 > 02:00:00:00:02:01  IP …`.
pub fn format_entry(e: &TraceEntry) -> String {
    let head = match &e.kind {
        TraceKind::Rx {
            node,
            port,
            from,
            frame,
        } => {
            let decoded = tcpdump::one_liner(frame, tcpdump::Opts::default());
            format!(
                "[{}] #{} {node}:{port} ◄ {from}  {}  {decoded}",
                e.time,
                e.event,
                eth_addrs(frame)
            )
        }
        TraceKind::Timer { node } => format!("[{}] #{} {node} timer", e.time, e.event),
        TraceKind::Command { node, line } => format!("[{}] #{} {node}# {line}", e.time, e.event),
    };
    let mut s = head;
    s.push('\n');
    for r in &e.reasons {
        s.push_str(INDENT);
        s.push_str(r);
        s.push('\n');
    }
    s
}
