//! `systemctl status UNIT` and `is-active` in systemd 252's layout: the state dot, the
//! Loaded/Active lines, how the last main process ended, the control group's processes as a
//! tree, then the unit's last ten journal lines.

use crate::kernel::process::Sys;
use crate::sim::time::{Time, MS, SEC};
use crate::user::libc::syslog::journal;
use crate::user::systemd::manager::{cgroup, killed_by};
use crate::user::systemd::unit;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The properties systemd sent (`key=value` lines).
fn props(reply: &str) -> BTreeMap<&str, &str> {
    reply.lines().filter_map(|l| l.split_once('=')).collect()
}

fn time_prop(p: &BTreeMap<&str, &str>, key: &str) -> Option<Time> {
    p.get(key).and_then(|v| v.parse().ok()).map(Time)
}

pub fn is_active(sys: &mut Sys, reply: &str) -> i32 {
    let p = props(reply);
    let state = p.get("ActiveState").copied().unwrap_or("inactive");
    sys.print(&format!("{state}\n"));
    if state == "active" || state == "reloading" {
        0
    } else {
        3
    }
}

pub fn status(sys: &mut Sys, name: &str, reply: &str) -> i32 {
    let p = props(reply);
    let path = format!("{}/{name}", unit::UNIT_DIR);
    let text = sys.read_file(&path).unwrap_or_default();
    let u = unit::parse(name, &path, &String::from_utf8_lossy(&text));
    let state = p.get("ActiveState").copied().unwrap_or("inactive");
    let now = sys.now();
    let dot = match state {
        "active" | "reloading" | "activating" | "deactivating" => "●",
        "failed" => "×",
        _ => "○",
    };
    let mut o = String::new();
    let _ = writeln!(o, "{dot} {name} - {}", u.description);
    let enabled = if p.get("Enabled") == Some(&"false") {
        "disabled"
    } else {
        "enabled"
    };
    let _ = writeln!(
        o,
        "     Loaded: loaded ({path}; {enabled}; preset: enabled)"
    );
    let _ = writeln!(o, "     Active: {}", active_line(&p, state, now));
    condition_lines(&mut o, &p, now);
    if let (Some(start), Some(since), false) = (
        time_prop(&p, "Started"),
        time_prop(&p, "Since"),
        state == "active",
    ) {
        if since >= start && state != "activating" {
            let _ = writeln!(o, "   Duration: {}", timespan(since - start));
        }
    }
    for (i, d) in u.docs.iter().enumerate() {
        let head = if i == 0 {
            "       Docs: "
        } else {
            "             "
        };
        let _ = writeln!(o, "{head}{d}");
    }
    main_lines(&mut o, sys, &p, &u);
    tree(&mut o, sys, name);
    journal_tail(&mut o, sys, name);
    sys.print(&o);
    if state == "active" || state == "reloading" {
        0
    } else {
        3
    }
}

/// `active (running) since Wed 2026-11-25 00:00:04 UTC; 6s ago`.
fn active_line(p: &BTreeMap<&str, &str>, state: &str, now: Time) -> String {
    let sub = match state {
        "active" => "active (running)".to_string(),
        "activating" => "activating (start)".to_string(),
        "reloading" => "reloading (reload)".to_string(),
        "deactivating" => "deactivating (stop-sigterm)".to_string(),
        "failed" => format!(
            "failed (Result: {})",
            p.get("Result").copied().unwrap_or("exit-code")
        ),
        _ => "inactive (dead)".to_string(),
    };
    match time_prop(p, "Since") {
        Some(t) if state != "inactive" || p.contains_key("Started") => {
            format!("{sub} since {}; {}", date(t), ago(now - t))
        }
        _ => sub,
    }
}

fn condition_lines(o: &mut String, p: &BTreeMap<&str, &str>, now: Time) {
    let Some((t, cond)) = p.get("Condition").and_then(|c| c.split_once('\t')) else {
        return;
    };
    let t = Time(t.parse().unwrap_or(0));
    let _ = writeln!(
        o,
        "  Condition: start condition failed at {}; {}",
        date(t),
        ago(now - t)
    );
    let _ = writeln!(o, "             └─ {cond} was not met");
}

/// How the main process is, or how it ended.
fn main_lines(o: &mut String, sys: &Sys, p: &BTreeMap<&str, &str>, u: &unit::Unit) {
    if let Some(pid) = p.get("MainPID") {
        let comm = pid
            .parse()
            .ok()
            .and_then(|pid| sys.k.procs.procs.get(&pid))
            .map_or("?", |p| p.name.as_str());
        let _ = writeln!(o, "   Main PID: {pid} ({comm})");
        return;
    }
    let (Some(status), Some(pid)) = (
        p.get("MainStatus").and_then(|s| s.parse::<i32>().ok()),
        p.get("ExecMainPID"),
    ) else {
        return;
    };
    let how = match killed_by(status) {
        Some(sig) => format!("code=killed, signal={}", sig.name()),
        None if status == 0 => "code=exited, status=0/SUCCESS".into(),
        None => format!("code=exited, status={status}/FAILURE"),
    };
    let _ = writeln!(o, "    Process: {pid} ExecStart={} ({how})", u.exec_start);
    let _ = writeln!(o, "   Main PID: {pid} ({how})");
}

/// `Tasks:` and the `CGroup:` tree of the live processes.
fn tree(o: &mut String, sys: &Sys, name: &str) {
    let cg = cgroup(name);
    let procs: Vec<(u32, String)> = sys
        .k
        .procs
        .in_cgroup(&cg)
        .map(|p| (p.pid, p.cmdline.clone()))
        .collect();
    if procs.is_empty() {
        return;
    }
    let _ = writeln!(o, "      Tasks: {} (limit: 4694)", procs.len());
    let _ = writeln!(o, "     CGroup: {cg}");
    for (i, (pid, cmd)) in procs.iter().enumerate() {
        let branch = if i + 1 == procs.len() {
            "└─"
        } else {
            "├─"
        };
        let _ = writeln!(o, "             {branch}{pid} {cmd}");
    }
}

fn journal_tail(o: &mut String, sys: &Sys, name: &str) {
    let lines: Vec<String> = journal(sys)
        .into_iter()
        .filter(|(u, _)| u == name)
        .map(|(_, l)| l)
        .collect();
    if lines.is_empty() {
        return;
    }
    o.push('\n');
    for l in &lines[lines.len().saturating_sub(10)..] {
        o.push_str(l);
        o.push('\n');
    }
}

/// `Wed 2026-11-25 00:00:04 UTC`: the lab's day at virtual time `t`.
pub fn date(t: Time) -> String {
    format!("Wed 2026-11-25 {} UTC", t.hms())
}

/// systemd's relative time: `6s ago`, `1min 5s ago`, `2h 3min ago`, `450ms ago`.
pub fn ago(ns: u64) -> String {
    let s = ns / SEC;
    let text = if s >= 3600 {
        format!("{}h {}min", s / 3600, (s / 60) % 60)
    } else if s >= 60 {
        format!("{}min {}s", s / 60, s % 60)
    } else if s >= 1 {
        format!("{s}s")
    } else {
        format!("{}ms", ns / MS)
    };
    format!("{text} ago")
}

/// format_timespan to the millisecond: `15.002s`, `1min 5.5s`, `2h 3min 4s`.
pub fn timespan(ns: u64) -> String {
    let ms = ns / MS;
    let (h, m, s, frac) = (
        ms / 3_600_000,
        (ms / 60_000) % 60,
        (ms / 1000) % 60,
        ms % 1000,
    );
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h}h"));
    }
    if m > 0 {
        parts.push(format!("{m}min"));
    }
    if s > 0 || frac > 0 || parts.is_empty() {
        let mut sec = format!("{s}.{frac:03}");
        while sec.ends_with('0') {
            sec.pop();
        }
        parts.push(format!("{}s", sec.trim_end_matches('.')));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_ages() {
        assert_eq!(timespan(15_002 * MS), "15.002s");
        assert_eq!(timespan(65_500 * MS), "1min 5.5s");
        assert_eq!(timespan(3 * 3600 * SEC), "3h");
        assert_eq!(timespan(0), "0s");
        assert_eq!(ago(6 * SEC + 1), "6s ago");
        assert_eq!(ago(65 * SEC), "1min 5s ago");
        assert_eq!(ago(450 * MS), "450ms ago");
        assert_eq!(date(Time::from_secs(4)), "Wed 2026-11-25 00:00:04 UTC");
    }
}
