//! keepalived's log_message: syslog(3) under the process's ident, and with `-l` the same
//! line on the terminal, dated as keepalived dates console lines.

use crate::kernel::process::Sys;
use crate::user::libc::syslog::syslog;

/// The three processes' syslog idents.
pub const PARENT: &str = "Keepalived";
pub const VRRP: &str = "Keepalived_vrrp";
pub const CHECKER: &str = "Keepalived_healthcheckers";

#[derive(Clone, Debug)]
pub struct Log {
    pub ident: &'static str,
    /// `-D`: the detail lines too.
    pub detail: bool,
    /// `-l`: also on the console.
    pub console: bool,
    /// `-G`: not to syslog.
    pub no_syslog: bool,
}

impl Log {
    pub fn info(&self, sys: &mut Sys, text: &str) {
        if !self.no_syslog {
            syslog(sys, self.ident, text);
        }
        if self.console {
            let line = format!("Wed Nov 25 {} 2026: {text}\n", sys.now().hms());
            sys.eprint(&line);
        }
    }

    /// A line keepalived logs only with `-D`.
    pub fn detail(&self, sys: &mut Sys, text: &str) {
        if self.detail {
            self.info(sys, text);
        }
    }

    /// A child's last line: the CPU it used with -D, plain `Stopped` without.
    pub fn stopped(&self, sys: &mut Sys) {
        if self.detail {
            self.info(
                sys,
                "Stopped - used 0.000000 user time, 0.000000 system time",
            );
        } else {
            self.info(sys, "Stopped");
        }
    }

    pub fn with_ident(&self, ident: &'static str) -> Log {
        Log {
            ident,
            ..self.clone()
        }
    }
}
