//! Trace: reasons, tcpdump-style one-liners.
pub mod tcpdump;
