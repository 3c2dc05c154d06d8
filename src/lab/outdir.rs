//! The only door from a lab to the host's files: what a lab (or a REPL session) names for
//! writing — a `capture` file, the REPL's `save` — goes through here. A teacher runs a
//! student's lab without reading it first, so a lab may write only under the output
//! directory (`--out`, the current directory by default):
//!
//! * the path must be relative and stay below the output directory (no `..`, no absolute
//!   path), and no directory on the way, nor the file itself, may be a symbolic link;
//! * what is there already must be a regular file netstep wrote (a capture, a saved
//!   session) or empty, unless the user said `--force`; a FIFO or a device is refused;
//! * one run writes each file once (two captures into one file would corrupt it).
//!
//! Paths the user gives on the command line (`--pcap`, `--ladder-svg`, `--out`) are the
//! user's own choice and do not come through here, except to claim their file so that a
//! lab's capture cannot write into it too.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

/// What a file netstep wrote begins with: pcapng's section header, classic pcap's
/// nanosecond magic, the REPL's saved-session header.
const PCAPNG: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];
const PCAP_NS: [u8; 4] = [0x4d, 0x3c, 0xb2, 0xa1];
pub const SAVED_LAB: &str = "# saved by netstep repl";

#[derive(Debug, Default)]
pub struct OutDir {
    root: PathBuf,
    force: bool,
    /// Files this run writes, by canonical path, with who claimed them (`lab.lab:12`).
    claimed: BTreeMap<PathBuf, String>,
}

impl OutDir {
    pub fn new(root: &Path, force: bool) -> OutDir {
        OutDir {
            root: root.to_path_buf(),
            force,
            claimed: BTreeMap::new(),
        }
    }

    /// A file the user named on the command line (`--pcap`): written wherever it is, but
    /// no lab capture may write into it as well.
    pub fn claim_user_file(&mut self, path: &Path, who: &str) {
        self.claimed.insert(canonical(path), who.to_string());
    }

    /// Checks `name` (as the lab wrote it) and returns where to write it, its directories
    /// made; the file is this statement's for the rest of the run. `who` names the
    /// statement (`lab.lab:12`) for the error of a second writer.
    pub fn prepare(&mut self, name: &str, who: &str) -> Result<PathBuf, String> {
        let at = self.check(name)?;
        self.claimed.insert(canonical(&at), who.to_string());
        Ok(at)
    }

    /// As `prepare`, for a file written whole at once and again later (the REPL's `save`):
    /// checked, not claimed.
    pub fn check(&mut self, name: &str) -> Result<PathBuf, String> {
        let rel = relative(name)?;
        // The directory itself is the user's choice (--out): made if it is not there.
        if !self.root.as_os_str().is_empty() {
            fs::create_dir_all(&self.root)
                .map_err(|e| format!("{name}: output directory {}: {e}", self.root.display()))?;
        }
        let mut at = self.root.clone();
        let parts: Vec<_> = rel.components().collect();
        for (i, c) in parts.iter().enumerate() {
            at.push(c);
            let last = i + 1 == parts.len();
            match fs::symlink_metadata(&at) {
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(format!(
                    "{name}: {} is a symbolic link; a lab writes only below its output directory",
                    shown(&rel, i)
                ))
                }
                Ok(m) if !last && !m.is_dir() => {
                    return Err(format!("{name}: {} is not a directory", shown(&rel, i)))
                }
                Ok(_) => {}
                Err(_) if !last => fs::create_dir(&at).map_err(|e| format!("{name}: {e}"))?,
                Err(_) => {}
            }
        }
        self.overwritable(name, &at)?;
        if let Some(first) = self.claimed.get(&canonical(&at)) {
            return Err(format!(
                "{name}: already written by {first}; two writers into one file would corrupt it"
            ));
        }
        Ok(at)
    }

    /// Opens the file `prepare` returned, for writing from its start. Opened without
    /// following a symbolic link and without blocking (a FIFO with no reader fails at once),
    /// then checked again on the open file, so nothing swapped in after the check is written.
    pub fn open(path: &Path) -> Result<File, String> {
        let f = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(path)
            .map_err(|e| e.to_string())?;
        let m = f.metadata().map_err(|e| e.to_string())?;
        if !m.is_file() {
            return Err("not a regular file".into());
        }
        f.set_len(0).map_err(|e| e.to_string())?;
        Ok(f)
    }

    /// What is at `path` may be replaced: nothing, an empty file, or a file netstep wrote
    /// (or anything regular, with --force). Never a FIFO, a device or a directory.
    fn overwritable(&self, name: &str, path: &Path) -> Result<(), String> {
        let Ok(m) = fs::symlink_metadata(path) else {
            return Ok(());
        };
        if !m.file_type().is_file() {
            return Err(format!(
                "{name}: not a regular file (a FIFO, a device or a directory); a lab writes only files"
            ));
        }
        if self.force || m.len() == 0 || written_by_netstep(path) {
            return Ok(());
        }
        Err(format!(
            "{name}: exists and is not a file netstep wrote; not overwritten (run with --force to replace it)"
        ))
    }
}

/// `name` as a path below the output directory: relative, without `..`.
fn relative(name: &str) -> Result<PathBuf, String> {
    let p = Path::new(name);
    if name.is_empty() {
        return Err("expected a file name".into());
    }
    let mut rel = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(part) => rel.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                return Err(format!(
                    "{name}: '..' leaves the output directory; a lab writes only below it (give a path such as out/x.pcapng)"
                ))
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!(
                    "{name}: an absolute path; a lab writes only below its output directory (give a relative path; --out chooses the directory)"
                ))
            }
        }
    }
    if rel.as_os_str().is_empty() {
        return Err(format!("{name}: expected a file name"));
    }
    Ok(rel)
}

/// The first `i + 1` components of `rel`, for messages.
fn shown(rel: &Path, i: usize) -> String {
    rel.components()
        .take(i + 1)
        .collect::<PathBuf>()
        .display()
        .to_string()
}

fn written_by_netstep(path: &Path) -> bool {
    let mut head = [0u8; 64];
    let n = File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let head = &head[..n];
    (head.starts_with(&PCAPNG) && head.windows(7).any(|w| w == b"netstep"))
        || head.starts_with(&PCAP_NS)
        || head.starts_with(SAVED_LAB.as_bytes())
}

/// The path with its directory resolved (the file itself need not exist yet), so that
/// two spellings of one file are one claim.
fn canonical(path: &Path) -> PathBuf {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let dir = dir.map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let dir = fs::canonicalize(&dir).unwrap_or(dir);
    match path.file_name() {
        Some(f) => dir.join(f),
        None => dir,
    }
}

#[cfg(test)]
#[path = "outdir_tests.rs"]
mod tests;
