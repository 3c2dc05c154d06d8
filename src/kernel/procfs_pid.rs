//! `/proc/PID`: a directory per process (fs/proc/base.c), with what the course reads of it:
//! `fd/` (the descriptors as links), `comm`, `cmdline` (NUL-separated), `environ`, `status`
//! (the first lines) and `cwd`. `/proc/self` is resolved by the reader (Sys::path).

use super::socket::Pid;
use super::Kernel;

/// The entries of a process's directory that netstep fills.
const ENTRIES: [&str; 6] = ["cmdline", "comm", "cwd", "environ", "fd", "status"];

/// `/proc/PID[/rest]` of a process that exists: (pid, rest without the slash).
fn split(k: &Kernel, path: &str) -> Option<(Pid, String)> {
    let rest = path.strip_prefix("/proc/")?;
    let (pid, rest) = rest.split_once('/').unwrap_or((rest, ""));
    let pid: Pid = pid.parse().ok()?;
    k.procs.procs.get(&pid).filter(|p| p.status.is_none())?;
    Some((pid, rest.to_string()))
}

/// Whether `path` is a directory of /proc/PID.
pub fn is_dir(k: &Kernel, path: &str) -> bool {
    matches!(split(k, path), Some((_, rest)) if rest.is_empty() || rest == "fd" || rest == "cwd")
}

/// The names in a /proc/PID directory, or in /proc itself (the running processes first, as
/// the kernel lists them).
pub fn list(k: &Kernel, path: &str) -> Option<Vec<String>> {
    if path == "/proc" {
        let live = k.procs.procs.values().filter(|p| p.status.is_none());
        return Some(live.map(|p| p.pid.to_string()).collect());
    }
    let (pid, rest) = split(k, path)?;
    match rest.as_str() {
        "" => Some(ENTRIES.iter().map(|e| e.to_string()).collect()),
        "fd" => Some(k.fd_links(pid).into_iter().map(|(fd, _)| fd).collect()),
        "cwd" => k.list_dir(&cwd(k, pid)).ok(),
        _ => None,
    }
}

fn cwd(k: &Kernel, pid: Pid) -> String {
    k.procs
        .procs
        .get(&pid)
        .map_or_else(|| "/".into(), |p| p.cwd.clone())
}

/// The contents of a /proc/PID file.
pub fn read(k: &Kernel, path: &str) -> Option<Vec<u8>> {
    let (pid, rest) = split(k, path)?;
    let p = k.procs.procs.get(&pid)?;
    let text =
        match rest.as_str() {
            "comm" => format!("{}\n", p.name),
            "cmdline" => p.cmdline.split(' ').map(|a| format!("{a}\0")).collect(),
            "environ" => p.env.iter().map(|(n, v)| format!("{n}={v}\0")).collect(),
            "status" => format!(
            "Name:\t{}\nUmask:\t0022\nState:\t{}\nTgid:\t{pid}\nNgid:\t0\nPid:\t{pid}\nPPid:\t{}\n",
            p.name,
            if p.idle { "S (sleeping)" } else { "R (running)" },
            p.ppid
        ),
            _ => return None,
        };
    Some(text.into_bytes())
}

/// What a /proc/PID link points to (readlink): `cwd`, `exe`, and the descriptors in `fd/`.
pub fn readlink(k: &Kernel, path: &str) -> Option<String> {
    let (pid, rest) = split(k, path)?;
    match rest.as_str() {
        "cwd" => Some(cwd(k, pid)),
        fd => {
            let n = fd.strip_prefix("fd/")?;
            k.fd_links(pid)
                .into_iter()
                .find(|(f, _)| f == n)
                .map(|(_, to)| to)
        }
    }
}
