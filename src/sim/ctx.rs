//! What a node sees of the world while it handles one event: the time, a place to put the
//! reasons for its decisions, and the frames it transmits.

use super::time::Time;
use std::fmt;

/// A frame a node puts on one of its ports. `reasons` is how many reasons had been given when
/// it was sent: they explain it, and become its capture comment.
#[derive(Debug, Clone)]
pub struct Tx {
    pub port: usize,
    pub frame: Vec<u8>,
    pub reasons: usize,
}

pub struct Ctx {
    pub now: Time,
    /// The node's name: every reason starts with it (`rs1 arp: …`).
    pub who: String,
    /// Whether reasons are recorded at all (off in benchmarks, where nobody reads them).
    pub explain: bool,
    pub reasons: Vec<String>,
    pub tx: Vec<Tx>,
}

impl Ctx {
    pub fn new(now: Time, who: &str, explain: bool) -> Ctx {
        Ctx {
            now,
            // Only reasons use the name: skip the allocation when there will be none.
            who: if explain {
                who.to_string()
            } else {
                String::new()
            },
            explain,
            reasons: Vec::new(),
            tx: Vec::new(),
        }
    }

    /// Records why the stack did something, e.g. `reason("arp", format_args!("reply …"))`.
    /// Formatting happens only when someone will read it. Prefer the `why!` macro.
    pub fn reason(&mut self, what: &str, text: fmt::Arguments) {
        if self.explain {
            self.reasons
                .push(format!("{} {}: {}", self.who, what, text));
        }
    }

    pub fn send(&mut self, port: usize, frame: Vec<u8>) {
        self.tx.push(Tx {
            port,
            frame,
            reasons: self.reasons.len(),
        });
    }
}

/// `why!(ctx, "arp", "no reply to who-has {}", ip)` records a reason on `ctx`. The arguments
/// are not even evaluated when nobody reads reasons (a MAC or a device name would otherwise
/// be formatted for every frame of a benchmark).
#[macro_export]
macro_rules! why {
    ($ctx:expr, $what:expr, $($arg:tt)*) => {
        if $ctx.explain {
            $ctx.reason($what, format_args!($($arg)*))
        }
    };
}
