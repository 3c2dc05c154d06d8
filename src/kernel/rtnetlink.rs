//! rtnetlink's link notifications (net/core/rtnetlink.c, rtmsg_ifinfo): a NETLINK_ROUTE
//! socket that joined RTNLGRP_LINK hears whenever an interface changes state: taken up or
//! down (`ifconfig eth0 down`), or its carrier lost or found (a cable pulled). keepalived's
//! "netlink reflector" is such a socket; it is how the VRRP child learns a tracked
//! interface went down without polling.

use super::socket::{Msg, Pid, SockId, SockKind};
use super::Kernel;

/// socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE) bound to RTNLGRP_LINK.
pub fn socket(k: &mut Kernel, pid: Pid) -> SockId {
    k.sockets.open(pid, SockKind::Netlink)
}

/// RTM_NEWLINK to every listener: interface `dev` and whether it is now running (up, with
/// carrier), the IFF_RUNNING a reader would test.
pub fn notify_link(k: &mut Kernel, dev: usize) {
    let running = k.devs.get(dev).is_some_and(|d| d.is_running());
    k.sockets.push_to(
        |kind| matches!(kind, SockKind::Netlink),
        Msg::Link { dev, running },
    );
}

/// recv(): the next link message, if any.
pub fn recv(k: &mut Kernel, id: SockId) -> Option<(usize, bool)> {
    match k.sockets.recv(id)? {
        Msg::Link { dev, running } => Some((dev, running)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::testutil;
    use crate::sim::rng::Rng;

    #[test]
    fn a_listener_hears_admin_and_carrier_changes() {
        let mut k = Kernel::new("h", Rng::new(1));
        let eth0 = testutil::plug(&mut k, "eth0", [2, 0, 0, 0, 0, 1]);
        let s = socket(&mut k, 7);
        k.set_carrier(eth0, false);
        k.set_dev_up(eth0, true);
        assert_eq!(recv(&mut k, s), Some((eth0, false)));
        assert_eq!(recv(&mut k, s), Some((eth0, false)));
        k.set_carrier(eth0, true);
        assert_eq!(recv(&mut k, s), Some((eth0, true)));
        assert_eq!(recv(&mut k, s), None);
        assert!(k.sockets.take_woken().contains(&7));
    }
}
