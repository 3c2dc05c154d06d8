//! systemd, PID 1 of every node: the service manager behind `systemctl` and `service`.
//!
//! It starts a unit's ExecStart as its own child in the unit's control group
//! (`/system.slice/keepalived.service`), waits for `READY=1` on its notify socket when the
//! unit is `Type=notify`, stops it by sending SIGTERM to the control group (KillMode=
//! control-group, the default: every process of the unit at once), runs ExecReload, and
//! notices when a unit's main process dies on its own: the unit fails ("Result: signal")
//! and what is left of its control group is sent SIGTERM. What it does is logged in the
//! journal under the unit, in systemd 252's words. `systemctl` talks to it over a unix
//! socket, as the real one does over D-Bus or /run/systemd/private.

pub mod manager;
pub mod unit;

use crate::kernel::process::{Poll, Program, Sys};
use crate::kernel::Kernel;

pub const PRIVATE: &str = "/run/systemd/private";
pub const NOTIFY: &str = "/run/systemd/notify";

/// Starts PID 1 on a node that has just booted.
pub fn boot(k: &mut Kernel) {
    k.procs
        .insert_init("systemd", "/sbin/init", Box::new(Init::default()));
}

/// PID 1's program: binds its sockets on the first poll, then runs the manager.
#[derive(Default)]
struct Init {
    manager: Option<manager::Manager>,
}

impl Program for Init {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        let m = self
            .manager
            .get_or_insert_with(|| manager::Manager::new(sys));
        m.run(sys)
    }

    /// PID 1 ignores the signals netstep sends (the kernel protects init).
    fn signal(&mut self, sys: &mut Sys, _sig: crate::kernel::process::Signal) -> Poll {
        self.poll(sys)
    }
}
