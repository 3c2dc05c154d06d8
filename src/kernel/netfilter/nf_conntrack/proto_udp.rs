//! UDP connection tracking (nf_conntrack_proto_udp.c): no states, only timeouts. Unreplied,
//! an entry lives 30 s; once a reply was seen and the flow has lasted 2 s it is a stream:
//! 120 s and ASSURED.

use super::{status, Conn, Timeouts};
use crate::sim::time::SEC;
use crate::sim::Time;

/// How long after its start a replied flow counts as a stream.
const STREAM_AFTER: u64 = 2 * SEC;

/// udp_packet: the timeout to set and whether the flow becomes ASSURED now.
pub fn packet(c: &Conn, now: Time, replied: bool, t: &Timeouts) -> (u64, bool) {
    if !replied {
        return (t.udp, false);
    }
    if now.0 > c.start.0 + STREAM_AFTER {
        (t.udp_stream, !c.has(status::ASSURED))
    } else {
        (t.udp, false)
    }
}
