//! net/ipv4/inet_hashtables.c's part in connect(2): the choice of an ephemeral port.

use super::Kernel;

/// Ephemeral ports from 32768–60999 (ip_local_port_range), starting at a random even port
/// and preferring even ones, as Linux's connect does.
pub(super) fn ephemeral_port(k: &mut Kernel) -> Option<u16> {
    let (lo, hi) = k.sysctl.port_range;
    let (lo, n) = (u32::from(lo), u32::from(hi) - u32::from(lo) + 1);
    let start = (k.rng.below(n as u64) as u32) & !1;
    (0..n)
        .map(|i| {
            let even = i < n / 2;
            let off = if even {
                (start + 2 * i) % n
            } else {
                (start + 2 * (i - n / 2) + 1) % n
            };
            (lo + off) as u16
        })
        .find(|p| !k.tcp.port_in_use(*p))
}
