//! DNS, the parts a lab's name server and resolver need, as pure functions of their input.
//!
//! - [`wire`]: the message format of RFC 1035 §4, byte for byte as BIND and dig send it
//!   (with name compression), and a decoder that turns every malformed byte into an `Err`.
//! - [`zone`]: a parser for RFC 1035 master files ("BIND zone files") and the authoritative
//!   lookup a server does in one zone (CNAME chasing, NXDOMAIN versus NODATA).
//! - [`conf`]: the subset of BIND's `named.conf` a lab needs (zones, listen port).
//!
//! Nothing here touches the kernel, the clock or a `HashMap`: the same input gives the same
//! bytes and the same messages on every run, which the simulator's golden captures rely on.
//! Error messages name the file and line the way `named-checkzone`/`named-checkconf` do, so a
//! student who later meets the real tools recognises them.

pub mod conf;
pub mod wire;
pub mod zone;

/// A fixed pseudo-random sequence (xorshift64) for the parsers' garbage tests, so every run
/// feeds them the same inputs.
#[cfg(test)]
pub(crate) fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// `len` characters drawn from `alphabet` by [`xorshift`].
#[cfg(test)]
pub(crate) fn garbage(state: &mut u64, alphabet: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| char::from(alphabet[(xorshift(state) % alphabet.len() as u64) as usize]))
        .collect()
}
