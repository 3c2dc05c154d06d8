//! notify scripts (vrrp_notify.c): on entering a state, `notify_master` / `notify_backup` /
//! `notify_fault` run as they are written, and `notify` runs with four more arguments:
//! `INSTANCE`, the instance's name, the state, and the priority.

use super::instance::{State, Vrrp};
use crate::kernel::process::Sys;
use crate::user::shell::{lexer, Shell};

pub fn run(sys: &mut Sys, v: &Vrrp, state: State) {
    let specific = match state {
        State::Master => v.conf.notify_master.clone(),
        State::Backup => v.conf.notify_backup.clone(),
        State::Fault => v.conf.notify_fault.clone(),
        State::Init => None,
    };
    if let Some(line) = specific {
        exec(sys, &line);
    }
    if let Some(line) = &v.conf.notify {
        let full = format!(
            "{line} INSTANCE {} {} {}",
            v.name(),
            state.name(),
            v.effective_priority
        );
        exec(sys, &full);
    }
}

/// fork + exec of a script line; what it prints goes nowhere (a daemon has no terminal).
pub fn exec(sys: &mut Sys, line: &str) {
    let Ok(script) = lexer::parse(line) else {
        return;
    };
    let first = line.split_whitespace().next().unwrap_or("sh");
    let base = first.rsplit('/').next().unwrap_or(first).to_string();
    sys.fork(&base, line, Box::new(Shell::new(script, Vec::new())));
}
