//! `systemctl` (systemd 252, Debian 12): asks PID 1 to start, stop, restart or reload a unit
//! and waits until the job is done, or shows a unit's state (`status`, `is-active`).
//!
//! It reaches systemd over the manager's unix socket (`/run/systemd/private`) from a socket of
//! its own, and prints systemctl's own words for each outcome.

mod status;

use crate::kernel::af_unix;
use crate::kernel::process::{Poll, Program, Sys};
use crate::kernel::socket::SockId;
use crate::user::systemd::{unit, PRIVATE};

pub fn spawn(args: &[String]) -> Box<dyn Program> {
    Box::new(Systemctl {
        args: args.to_vec(),
        sock: None,
        pending: Vec::new(),
        status: 0,
    })
}

struct Systemctl {
    args: Vec<String>,
    sock: Option<SockId>,
    /// Units still to do, in order, with the verb (the first is in flight).
    pending: Vec<String>,
    status: i32,
}

const VERBS: &[&str] = &[
    "start",
    "stop",
    "restart",
    "reload",
    "status",
    "is-active",
    "is-enabled",
    "enable",
    "disable",
];

impl Systemctl {
    /// Parses the command line; Err is the exit status after the message.
    fn begin(&mut self, sys: &mut Sys) -> Result<(), i32> {
        let words: Vec<&String> = self.args[1..]
            .iter()
            .filter(|a| {
                !matches!(
                    a.as_str(),
                    "--no-pager" | "-l" | "--full" | "--quiet" | "-q" | "--now"
                )
            })
            .collect();
        let Some(verb) = words.first() else {
            sys.eprint("netstep: systemctl without a verb would list every unit; name one: systemctl status keepalived\n");
            return Err(1);
        };
        if verb.as_str() == "daemon-reload" {
            return Err(0);
        }
        if !VERBS.contains(&verb.as_str()) {
            sys.eprint(&format!("Unknown command verb {verb}.\n"));
            return Err(1);
        }
        if words.len() < 2 {
            let msg = match verb.as_str() {
                "status" => "netstep: systemctl status without a unit would show the whole system; name one\n",
                _ => "Too few arguments.\n",
            };
            sys.eprint(msg);
            return Err(1);
        }
        self.pending = words[1..]
            .iter()
            .map(|u| format!("{verb} {}", unit::canonical(u)))
            .collect();
        let sock = af_unix::socket(sys.k, sys.pid);
        let _ = af_unix::bind(sys.k, sock, &format!("@systemctl/{}", sys.pid));
        self.sock = Some(sock);
        self.send(sys)
    }

    /// Sends the next request; Err(status) when there is none left or systemd is not there.
    fn send(&mut self, sys: &mut Sys) -> Result<(), i32> {
        let (Some(req), Some(sock)) = (self.pending.first(), self.sock) else {
            return Err(self.status);
        };
        let wire = match req.split_once(' ') {
            Some(("status" | "is-active" | "is-enabled", u)) => format!("show {u}"),
            _ => req.clone(),
        };
        if af_unix::sendto(sys.k, sock, PRIVATE, wire.as_bytes()).is_err() {
            sys.eprint("System has not been booted with systemd as init system (PID 1). Can't operate.\nFailed to connect to bus: Host is down\n");
            return Err(1);
        }
        Ok(())
    }

    /// systemd answered the request at the head of `pending`.
    fn answered(&mut self, sys: &mut Sys, reply: &str) {
        let req = self.pending.remove(0);
        let (verb, name) = req.split_once(' ').unwrap_or((&req, ""));
        let code = if let Some(missing) = reply.strip_prefix("noent ") {
            not_found(sys, verb, missing)
        } else {
            match verb {
                "status" => status::status(sys, name, reply),
                "is-active" => status::is_active(sys, reply),
                "is-enabled" => {
                    sys.print("enabled\n");
                    0
                }
                "enable" | "disable" => sysv(sys, verb, name),
                _ => job_outcome(sys, verb, name, reply),
            }
        };
        if code != 0 {
            self.status = code;
        }
    }
}

impl Program for Systemctl {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        if self.sock.is_none() {
            if let Err(code) = self.begin(sys) {
                return Poll::Exit(code);
            }
        }
        let Some(sock) = self.sock else {
            return Poll::Exit(1);
        };
        while let Some((_, data)) = af_unix::recvfrom(sys.k, sock) {
            self.answered(sys, &String::from_utf8_lossy(&data));
            if let Err(code) = self.send(sys) {
                return Poll::Exit(code);
            }
        }
        Poll::Idle(None)
    }
}

/// What systemctl says about a unit it cannot find, with its exit status.
fn not_found(sys: &mut Sys, verb: &str, name: &str) -> i32 {
    match verb {
        "status" => {
            sys.eprint(&format!("Unit {name} could not be found.\n"));
            4
        }
        "is-active" => {
            sys.print("inactive\n");
            3
        }
        "stop" => {
            sys.eprint(&format!("Failed to stop {name}: Unit {name} not loaded.\n"));
            5
        }
        v => {
            sys.eprint(&format!("Failed to {v} {name}: Unit {name} not found.\n"));
            5
        }
    }
}

/// The end of a start/stop/restart/reload job.
fn job_outcome(sys: &mut Sys, verb: &str, name: &str, reply: &str) -> i32 {
    match reply {
        "done" => 0,
        r if r.starts_with("inactive") => {
            sys.eprint(&format!("{name} is not active, cannot reload.\n"));
            1
        }
        "failed reload" => {
            sys.eprint(&format!(
                "Job for {name} failed.\nSee \"systemctl status {name}\" and \"journalctl -xeu {name}\" for details.\n"
            ));
            1
        }
        _ => {
            let _ = verb;
            sys.eprint(&format!(
                "Job for {name} failed because the control process exited with error code.\nSee \"systemctl status {name}\" and \"journalctl -xeu {name}\" for details.\n"
            ));
            1
        }
    }
}

/// `systemctl enable|disable` of a unit that also has a SysV script (keepalived does).
fn sysv(sys: &mut Sys, verb: &str, name: &str) -> i32 {
    let short = name.trim_end_matches(".service");
    sys.print(&format!(
        "Synchronizing state of {name} with SysV service script with /lib/systemd/systemd-sysv-install.\nExecuting: /lib/systemd/systemd-sysv-install {verb} {short}\n"
    ));
    0
}
