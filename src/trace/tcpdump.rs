//! tcpdump-style one-line decoding of Ethernet frames.
