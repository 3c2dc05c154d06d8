//! syslog(3): a daemon's log lines. glibc sends each to /dev/log, where journald stores it
//! with the sender's unit (from its control group) and passes it on to rsyslog, which
//! appends it to /var/log/syslog in the traditional format Debian's rsyslog.conf selects:
//!
//! `Nov 25 00:00:03 lb1 Keepalived_vrrp[1002]: (VI_1) Entering MASTER STATE`
//!
//! Both stores are files of the node, so `tail /var/log/syslog` and `journalctl -u
//! keepalived` show the same lines. The journal file is text here, one entry per line:
//! the unit, a tab, then the line as rsyslog writes it.

use crate::kernel::process::Sys;
use crate::kernel::socket::Pid;

pub const SYSLOG: &str = "/var/log/syslog";
pub const JOURNAL: &str = "/var/log/journal/system.journal";

/// The lab's day (its clock starts at midnight on Wednesday, 25 November 2026).
const DAY: &str = "Nov 25";

/// syslog(LOG_INFO, "%s", msg) from a program that called openlog(ident, LOG_PID, …).
pub fn syslog(sys: &mut Sys, ident: &str, msg: &str) {
    let pid = sys.pid;
    log_as(sys, ident, pid, msg);
}

/// A line as process `pid` would log it (systemd logs as `systemd[1]` about a unit).
pub fn log_as(sys: &mut Sys, ident: &str, pid: Pid, msg: &str) {
    let unit = sys
        .k
        .procs
        .procs
        .get(&pid)
        .and_then(|p| p.cgroup.as_deref())
        .and_then(|c| c.rsplit('/').next())
        .unwrap_or("")
        .to_string();
    log_for_unit(sys, &unit, ident, pid, msg);
}

/// A line that the journal files under `unit` (systemd's own lines about a unit are filed
/// under it, as `journalctl -u` shows them).
pub fn log_for_unit(sys: &mut Sys, unit: &str, ident: &str, pid: Pid, msg: &str) {
    let line = format!(
        "{DAY} {} {} {ident}[{pid}]: {msg}\n",
        sys.now().hms(),
        sys.k.hostname
    );
    // Losing a log line must never stop a daemon (a full or missing /var/log, as in Linux).
    let _ = sys.mkdir("/var/log/journal");
    let _ = sys.k.vfs.write(SYSLOG, line.as_bytes(), true);
    let entry = format!("{unit}\t{line}");
    let _ = sys.k.vfs.write(JOURNAL, entry.as_bytes(), true);
}

/// The journal's entries: (unit, line), oldest first.
pub fn journal(sys: &Sys) -> Vec<(String, String)> {
    let data = sys.k.vfs.read(JOURNAL).unwrap_or_default();
    String::from_utf8_lossy(data)
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(u, l)| (u.to_string(), l.to_string()))
        .collect()
}
