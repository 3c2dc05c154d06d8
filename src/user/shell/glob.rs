//! Pathname expansion (bash's globbing): `*`, `?` and `[…]` (`[!…]`, `[^…]`, ranges) in an
//! unquoted word match the node's files, component by component, sorted; names starting
//! with `.` only when the pattern's component does; a word that matches nothing stays as
//! written (no `nullglob`).

use crate::kernel::process::Sys;

/// Whether a word has anything to expand.
pub fn has_magic(word: &str) -> bool {
    word.contains(['*', '?', '['])
}

/// The word's expansion: the matching paths, or the word itself when nothing matches.
pub fn expand(sys: &Sys, word: &str) -> Vec<String> {
    let found = matches(sys, word);
    match found.is_empty() {
        true => vec![word.to_string()],
        false => found,
    }
}

/// The paths `pattern` matches (none when it has no magic).
pub fn matches(sys: &Sys, pattern: &str) -> Vec<String> {
    if !has_magic(pattern) {
        return Vec::new();
    }
    let absolute = pattern.starts_with('/');
    // Partial paths as written (relative ones stay relative), and the directory each is in.
    let mut found: Vec<String> = vec![match absolute {
        true => "/".into(),
        false => String::new(),
    }];
    let parts: Vec<&str> = pattern.split('/').filter(|p| !p.is_empty()).collect();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let mut next = Vec::new();
        for base in &found {
            let join = |name: &str| format!("{base}{name}{}", if last { "" } else { "/" });
            if !has_magic(part) {
                let cand = join(part);
                if last || sys.is_dir(&sys.path(&cand)) {
                    next.push(cand);
                }
                continue;
            }
            let dir = match base.is_empty() {
                true => sys.cwd(),
                false => sys.path(base),
            };
            let mut names = sys.list_dir(&dir).unwrap_or_default();
            names.sort();
            for name in names.iter().filter(|n| fnmatch(part, n)) {
                let cand = join(name);
                if last || sys.is_dir(&sys.path(&cand)) {
                    next.push(cand);
                }
            }
        }
        found = next;
    }
    // A last component without magic must exist.
    found.retain(|p| {
        let full = sys.path(p);
        sys.is_dir(&full) || sys.read_file(&full).is_ok()
    });
    found
}

/// fnmatch(3) for one path component, with bash's rule for a leading dot.
pub fn fnmatch(pattern: &str, name: &str) -> bool {
    if name.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    match_at(&p, &n)
}

fn match_at(p: &[char], n: &[char]) -> bool {
    match p.first() {
        None => n.is_empty(),
        Some('*') => (0..=n.len()).any(|i| match_at(&p[1..], &n[i..])),
        Some('?') => !n.is_empty() && match_at(&p[1..], &n[1..]),
        Some('[') => match (class(&p[1..]), n.first()) {
            (Some((set_len, hit)), Some(c)) => hit(*c) && match_at(&p[1 + set_len..], &n[1..]),
            // An unclosed `[` is an ordinary character.
            (None, Some('[')) => match_at(&p[1..], &n[1..]),
            _ => false,
        },
        Some(c) => n.first() == Some(c) && match_at(&p[1..], &n[1..]),
    }
}

/// A bracket expression after its `[`: how many characters it takes (the `]` included) and
/// what it matches.
fn class(p: &[char]) -> Option<(usize, impl Fn(char) -> bool)> {
    let negate = matches!(p.first(), Some('!' | '^'));
    let start = usize::from(negate);
    // A `]` right after the opening (or the negation) is a member.
    let close = start + 1 + p.get(start + 1..)?.iter().position(|c| *c == ']')?;
    let set: Vec<char> = p[start..close].to_vec();
    let hit = move |c: char| {
        let mut i = 0;
        let mut found = false;
        while i < set.len() {
            if i + 2 < set.len() && set[i + 1] == '-' {
                found |= set[i] <= c && c <= set[i + 2];
                i += 3;
            } else {
                found |= set[i] == c;
                i += 1;
            }
        }
        found != negate
    };
    Some((close + 1, hit))
}

#[cfg(test)]
mod tests {
    use super::fnmatch;

    #[test]
    fn patterns_match_as_fnmatch_does() {
        assert!(fnmatch("*", "eth0"));
        assert!(!fnmatch("*", ".hidden"));
        assert!(fnmatch(".*", ".hidden"));
        assert!(fnmatch("e?h0", "eth0"));
        assert!(!fnmatch("?", "lo"));
        assert!(fnmatch("[el]*", "lo"));
        assert!(!fnmatch("[!el]*", "lo"));
        assert!(fnmatch("[!el]*", "all"));
        assert!(fnmatch("[a-c]ll", "all"));
        assert!(fnmatch("eth[0-9]", "eth7"));
        assert!(fnmatch("[]]x", "]x"));
        assert!(fnmatch("a[b", "a[b"));
    }
}
