//! A kmem_cache for TCP socket buffers (mm/slab.c's idea, for one object size).
//!
//! Every connection needs a receive and a send buffer of 64,240 bytes (the size is what makes
//! smoltcp advertise Linux's SYN window). Allocating them with `vec![0; n]` means clearing
//! 128 KB per connection, which was a third of the time of a busy simulation. Linux never
//! zeroes socket memory either: a slab hands back a used object as it was. This cache does the
//! same. The bytes a recycled buffer still holds are never read: smoltcp's ring buffer reads
//! only what was written into it since the socket was made.
//!
//! smoltcp has no call that gives a socket's buffers back, so the socket borrows them instead
//! (`&'static mut [u8]`), and a [`SockBufs`] keeps the memory's ownership beside the socket.
//! The one rule that makes this sound: the socket that borrows the buffers is dropped before
//! its `SockBufs` is. `tcp::Conn` declares its socket set before its `SockBufs` (fields drop
//! in declaration order), and code that replaces a connection's socket removes the old one
//! from the set before it replaces the `SockBufs`.

use std::cell::RefCell;

/// Buffers kept for reuse at most (64 MB); more are freed. Keeping them raises no peak: they
/// were all in use at once before. A busy simulation has about two per client and two per
/// server connection in flight; connections in TIME_WAIT hold none (tcp_minisocks.rs).
const KEEP: usize = 1024;

thread_local! {
    /// One cache per thread: simulations never move between threads, and a global lock would
    /// cost more than it saves. Which buffer a socket gets changes nothing it sends.
    static FREE: RefCell<Vec<Box<[u8]>>> = const { RefCell::new(Vec::new()) };
}

/// The receive and send buffers of one connection, lent to its smoltcp socket.
pub struct SockBufs {
    rx: *mut [u8],
    tx: *mut [u8],
}

impl SockBufs {
    /// Two buffers of `len` bytes, and the borrows to build the socket with. The borrows must
    /// not outlive the returned `SockBufs` (see the module comment).
    pub fn new(len: usize) -> (SockBufs, &'static mut [u8], &'static mut [u8]) {
        let rx = Box::into_raw(take(len));
        let tx = Box::into_raw(take(len));
        // SAFETY: both pointers come from Box::into_raw just above, so they are valid, aligned
        // and unaliased; they are turned back into boxes only in Drop, after the socket that
        // holds these borrows is gone.
        let (rx_ref, tx_ref) = unsafe { (&mut *rx, &mut *tx) };
        (SockBufs { rx, tx }, rx_ref, tx_ref)
    }
}

impl Drop for SockBufs {
    fn drop(&mut self) {
        // SAFETY: the pointers came from Box::into_raw in new() and are reclaimed only here,
        // once; the socket that borrowed them was dropped first.
        let (rx, tx) = unsafe { (Box::from_raw(self.rx), Box::from_raw(self.tx)) };
        give_back(rx);
        give_back(tx);
    }
}

/// A buffer of `len` bytes: a recycled one if the cache has one of that size.
fn take(len: usize) -> Box<[u8]> {
    let reused = FREE.with(|f| {
        let mut free = f.borrow_mut();
        // One size is in use in practice, so the last buffer fits or none does.
        free.last()
            .is_some_and(|b| b.len() == len)
            .then(|| free.pop())?
    });
    reused.unwrap_or_else(|| vec![0; len].into_boxed_slice())
}

fn give_back(buf: Box<[u8]>) {
    FREE.with(|f| {
        let mut free = f.borrow_mut();
        if free.len() < KEEP {
            free.push(buf);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_freed_buffer_is_reused_without_clearing() {
        let (bufs, rx, tx) = SockBufs::new(100);
        rx[0] = 7;
        tx[0] = 9;
        let (rx_addr, tx_addr) = (rx.as_ptr(), tx.as_ptr());
        drop(bufs);
        let (_bufs, rx, tx) = SockBufs::new(100);
        let mut got = [rx.as_ptr(), tx.as_ptr()];
        got.sort();
        let mut before = [rx_addr, tx_addr];
        before.sort();
        assert_eq!(got, before, "both buffers came from the cache");
        assert_eq!(
            rx[0] + tx[0],
            16,
            "a slab does not clear what it hands back"
        );
    }

    #[test]
    fn sizes_are_not_mixed() {
        let (bufs, _, _) = SockBufs::new(10);
        drop(bufs);
        let (_bufs, rx, tx) = SockBufs::new(20);
        assert_eq!((rx.len(), tx.len()), (20, 20));
    }
}
