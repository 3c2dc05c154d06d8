//! How the `netstep` process ends when nothing else can handle it: a bug (a panic) or an
//! allocation that failed. Either way the last line is a `netstep:` line naming the lab
//! statement that was running, never a backtrace or an abort message.

use netstep::lab::current;
use std::alloc::{GlobalAlloc, Layout, System};

/// The system allocator, with a last word when it fails.
pub struct Guard;

// SAFETY: every call is passed to the system allocator unchanged; only a null result is
// looked at, and then the process ends without returning.
unsafe impl GlobalAlloc for Guard {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if p.is_null() {
            out_of_memory(layout.size());
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            out_of_memory(new_size);
        }
        p
    }
}

/// `netstep: LAB:LINE: out of memory (N bytes)`, written without allocating, then exit 1.
fn out_of_memory(size: usize) -> ! {
    let mut msg = [0u8; 400];
    let mut n = 0;
    let mut put = |bytes: &[u8]| {
        for &b in bytes {
            if n < msg.len() {
                msg[n] = b;
                n += 1;
            }
        }
    };
    put(b"netstep: ");
    let mut at = [0u8; 256];
    let len = current::read(&mut at);
    if len > 0 {
        put(&at[..len]);
        put(b": ");
    }
    put(b"out of memory (an allocation of ");
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut v = size;
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    put(&digits[i..]);
    put(b" bytes failed); the lab asks for more than this machine has\n");
    // SAFETY: write(2) and _exit(2) on a buffer we own; nothing else runs after.
    unsafe {
        libc::write(2, msg.as_ptr().cast(), n);
        libc::_exit(1);
    }
}

/// A panic prints one `netstep:` line naming the statement, then the process ends with 70
/// (EX_SOFTWARE): it is netstep's fault, not the lab's.
pub fn on_panic() {
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        let place = info
            .location()
            .map_or_else(String::new, |l| format!(" at {}:{}", l.file(), l.line()));
        let stmt = current::text().map_or_else(String::new, |s| format!("{s}: "));
        eprintln!("netstep: {stmt}internal error{place}: {what} (a bug in netstep; please report it with the lab)");
        std::process::exit(70);
    }));
}
