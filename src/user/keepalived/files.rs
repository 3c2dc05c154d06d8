//! The node's files as keepalived's config reader sees them (reads and `include` globs).

use super::conf::lexer::Files;
use crate::kernel::Kernel;

pub struct NodeFiles<'a>(pub &'a Kernel);

impl Files for NodeFiles<'_> {
    fn read(&self, path: &str) -> Option<String> {
        let data = self.0.read_file(path).ok()?;
        Some(String::from_utf8_lossy(&data).into_owned())
    }

    /// A program netstep has (`/usr/bin/pgrep`, `echo`), or a file on the node.
    fn executable(&self, program: &str) -> bool {
        let base = program.rsplit('/').next().unwrap_or(program);
        crate::user::tools::lookup(base).is_some()
            || crate::user::tools::NAMES.contains(&base)
            || (program.starts_with('/') && self.0.read_file(program).is_ok())
    }

    /// `*` and `?` in the last component of a path (what config globs use).
    fn glob(&self, pattern: &str) -> Vec<String> {
        let (dir, name) = pattern.rsplit_once('/').unwrap_or(("", pattern));
        if !name.contains(['*', '?']) {
            return self
                .read(pattern)
                .map(|_| vec![pattern.to_string()])
                .unwrap_or_default();
        }
        let dir = if dir.is_empty() { "/" } else { dir };
        let mut found: Vec<String> = self
            .0
            .list_dir(dir)
            .unwrap_or_default()
            .into_iter()
            .filter(|f| matches(name.as_bytes(), f.as_bytes()))
            .map(|f| format!("{}/{f}", dir.trim_end_matches('/')))
            .filter(|p| self.read(p).is_some())
            .collect();
        found.sort();
        found
    }
}

/// fnmatch with `*` and `?`.
fn matches(pat: &[u8], s: &[u8]) -> bool {
    match (pat.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => matches(&pat[1..], s) || (!s.is_empty() && matches(pat, &s[1..])),
        (Some(b'?'), Some(_)) => matches(&pat[1..], &s[1..]),
        (Some(a), Some(b)) if a == b => matches(&pat[1..], &s[1..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn globs() {
        assert!(super::matches(b"*.conf", b"a.conf"));
        assert!(!super::matches(b"*.conf", b"a.cfg"));
        assert!(super::matches(b"v?.conf", b"v1.conf"));
    }
}
