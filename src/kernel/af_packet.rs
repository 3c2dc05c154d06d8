//! Packet sockets (net/packet/af_packet.c): `socket(AF_PACKET, SOCK_RAW, htons(proto))`.
//! tcpdump reads every frame of a device through one (socket.rs copies them in, `tap`);
//! keepalived and arping write whole Ethernet frames through one, as a gratuitous ARP needs
//! a sender address the kernel's ARP would never put in a request of its own.

use super::ip_output::Errno;
use super::socket::{Pid, SockId, SockKind};
use super::{dev, Kernel};
use crate::sim::Ctx;

/// A packet socket bound to `dev` (None: every device) that takes frames of `ethertype`
/// (None: ETH_P_ALL). keepalived's GARP socket asks for ETH_P_RARP, so it reads nothing.
pub fn socket(k: &mut Kernel, pid: Pid, dev: Option<usize>, ethertype: Option<u16>) -> SockId {
    k.sockets.open(pid, SockKind::Packet { dev, ethertype })
}

/// packet_sendmsg: the frame goes to the device's queue as it is. A device that is down
/// refuses it (ENETDOWN) and counts nothing.
pub fn sendto(
    k: &mut Kernel,
    ctx: &mut Ctx,
    id: SockId,
    ifindex: usize,
    frame: Vec<u8>,
) -> Result<(), Errno> {
    if !matches!(
        k.sockets.get(id).map(|s| s.kind),
        Some(SockKind::Packet { .. })
    ) {
        return Err(Errno::BadFd);
    }
    let up = k.devs.get(ifindex).ok_or(Errno::NoDev)?.up;
    if !up {
        return Err(Errno::NetDown);
    }
    if frame.len() < dev::ETH_HDR {
        return Err(Errno::Inval);
    }
    dev::xmit(k, ctx, ifindex, frame);
    Ok(())
}
