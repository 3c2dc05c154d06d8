//! Conntrack events (nf_conntrack_ecache.c) as `conntrack -E` hears them over netlink: NEW
//! when a connection is confirmed, UPDATE when its state or status changes, DESTROY when it
//! goes. Lines are written only while a listener is subscribed, and kept in a bounded queue
//! each listener reads from its own position.

use super::show::{line, Layout};
use super::Conn;
use crate::sim::Time;

/// The queue keeps this many lines; a listener that falls further behind loses the oldest
/// (netlink's ENOBUFS, which conntrack reports and survives).
const KEEP: usize = 4096;

#[derive(Default)]
pub struct EventLog {
    listeners: usize,
    /// Sequence number of `lines[0]`.
    first: u64,
    lines: std::collections::VecDeque<String>,
    /// The next DESTROY was already written (by `conntrack -D`, with its own form).
    muted: bool,
}

impl EventLog {
    pub fn listening(&self) -> bool {
        self.listeners > 0
    }

    /// A listener subscribes: it will read from the next event on.
    pub fn subscribe(&mut self) -> u64 {
        self.listeners += 1;
        self.first + self.lines.len() as u64
    }

    pub fn unsubscribe(&mut self) {
        self.listeners = self.listeners.saturating_sub(1);
        if self.listeners == 0 {
            self.first += self.lines.len() as u64;
            self.lines.clear();
        }
    }

    /// The lines from sequence `from` on, and the sequence after them.
    pub fn read(&self, from: u64) -> (Vec<String>, u64) {
        let skip = from.saturating_sub(self.first) as usize;
        let out: Vec<String> = self.lines.iter().skip(skip).cloned().collect();
        (out, self.first + self.lines.len() as u64)
    }

    fn push(&mut self, kind: &str, text: String) {
        if self.listeners == 0 {
            return;
        }
        if self.lines.len() >= KEEP {
            self.lines.pop_front();
            self.first += 1;
        }
        self.lines.push_back(format!("{kind:>9} {text}"));
    }

    pub fn new_conn(&mut self, c: Option<&Conn>, now: Time) {
        if let (true, Some(c)) = (self.listening(), c) {
            self.push("[NEW]", line(c, now, Layout::Event { timeout: true }));
        }
    }

    pub fn update(&mut self, c: &Conn, now: Time) {
        if self.listening() {
            self.push("[UPDATE]", line(c, now, Layout::Event { timeout: true }));
        }
    }

    /// A DESTROY line has no timeout, so no time is needed to write it.
    pub fn destroy(&mut self, c: &Conn) {
        if std::mem::take(&mut self.muted) {
            return;
        }
        if self.listening() {
            self.push(
                "[DESTROY]",
                line(c, Time::ZERO, Layout::Event { timeout: false }),
            );
        }
    }
}

impl EventLog {
    /// A DESTROY asked for from user space: the timeout left, then who asked.
    pub fn destroy_by_user(&mut self, c: &Conn, now: Time, portid: u32) {
        let text = line(c, now, Layout::Event { timeout: true });
        self.push("[DESTROY]", format!("{text} [USERSPACE] portid={portid}"));
    }

    pub fn mute_next_destroy(&mut self) {
        self.muted = true;
    }
}
