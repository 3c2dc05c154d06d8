//! The statement being run, readable without allocating: when the process must end on
//! something no statement could handle (an allocation that failed, a bug), the last words
//! name the lab line, as every other error does.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

const CAP: usize = 240;
static BYTES: [AtomicU8; CAP] = [const { AtomicU8::new(0) }; CAP];
static LEN: AtomicUsize = AtomicUsize::new(0);

/// Notes that `file:line` runs now (cut to the buffer, on a character boundary).
pub fn set(file: &str, line: usize) {
    let mut buf = [0u8; CAP];
    let mut n = 0;
    for part in [file.as_bytes(), b":", line.to_string().as_bytes()] {
        for &b in part {
            if n < CAP {
                buf[n] = b;
                n += 1;
            }
        }
    }
    while n > 0 && std::str::from_utf8(&buf[..n]).is_err() {
        n -= 1;
    }
    LEN.store(0, Ordering::SeqCst);
    for (slot, b) in BYTES.iter().zip(&buf[..n]) {
        slot.store(*b, Ordering::Relaxed);
    }
    LEN.store(n, Ordering::SeqCst);
}

/// Copies the statement into `out` without allocating; returns how many bytes.
pub fn read(out: &mut [u8]) -> usize {
    let n = LEN.load(Ordering::SeqCst).min(out.len());
    for (o, slot) in out.iter_mut().zip(&BYTES[..n]) {
        *o = slot.load(Ordering::Relaxed);
    }
    n
}

/// The statement as text (for a panic message, where allocating is fine).
pub fn text() -> Option<String> {
    let mut buf = [0u8; CAP];
    let n = read(&mut buf);
    (n > 0).then(|| String::from_utf8_lossy(&buf[..n]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statement_is_kept_and_read_back() {
        set("labs/arp.lab", 42);
        assert_eq!(text().as_deref(), Some("labs/arp.lab:42"));
        let long = "é".repeat(300);
        set(&long, 7);
        let t = text().unwrap_or_default();
        assert!(t.len() <= CAP && t.starts_with('é'), "{t}");
    }
}
