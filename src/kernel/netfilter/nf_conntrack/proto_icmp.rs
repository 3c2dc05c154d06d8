//! ICMP connection tracking (nf_conntrack_proto_icmp.c): an echo (or timestamp, info,
//! address-mask) request opens a connection its reply belongs to, for 30 s. An error
//! (unreachable, time exceeded, …) is not a connection of its own: it is RELATED to the
//! connection whose packet it quotes, found by that packet's tuple inverted.

use super::Tuple;

/// ICMP types that are errors quoting a packet (icmp_error's list).
pub fn is_error(icmp_type: u8) -> bool {
    matches!(icmp_type, 3 | 4 | 5 | 11 | 12)
}

/// The tuple of the packet an ICMP error quotes (its IP header and first 8 bytes), or None
/// if the error is too short to say.
pub fn quoted(pkt: &[u8]) -> Option<Tuple> {
    let ihl = usize::from(pkt.first()? & 0x0f) * 4;
    let inner = pkt.get(ihl + 8..)?;
    Tuple::of(inner)
}

/// Where the quoted packet starts in an ICMP error.
pub fn quoted_offset(pkt: &[u8]) -> Option<usize> {
    let ihl = usize::from(pkt.first()? & 0x0f) * 4;
    (pkt.len() >= ihl + 8 + 20).then_some(ihl + 8)
}
