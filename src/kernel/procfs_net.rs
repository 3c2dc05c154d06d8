//! `/proc/net/route` and `/proc/net/dev` in the kernel's layouts (fib_route_seq_show and
//! dev_seq_printf_stats), as recorded in docs/fidelity-real.md §5: the main table only, with
//! addresses in little-endian hex and every line padded to 127 characters; the devices in
//! ifindex order with their counters.

use super::fib::RouteType;
use super::Kernel;

/// The route flags /proc/net/route shows (RTF_UP, RTF_GATEWAY, RTF_HOST, RTF_REJECT).
fn route_flags(gw: bool, host: bool, reject: bool) -> u32 {
    0x1 | if gw { 0x2 } else { 0 } | if host { 0x4 } else { 0 } | if reject { 0x200 } else { 0 }
}

/// An address as the kernel prints a __be32 with %08X on a little-endian machine.
pub(super) fn hex(ip: std::net::Ipv4Addr) -> String {
    format!("{:08X}", u32::from_le_bytes(ip.octets()))
}

/// seq_pad: a line filled with spaces to 127 characters, then the newline.
fn padded(line: &str) -> String {
    format!("{line:<127}\n")
}

pub fn proc_net_route(k: &Kernel) -> String {
    let mut s = padded(
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
    );
    for r in k.fib.routes(&k.devs) {
        let dev = r.dev.map_or_else(|| "*".to_string(), |d| k.dev_name(d));
        let mask = match r.prefix {
            0 => 0,
            n => u32::MAX << (32 - u32::from(n)),
        };
        let flags = route_flags(
            r.gw.is_some(),
            r.prefix == 32,
            r.rtype == RouteType::Unreachable,
        );
        let gw = r.gw.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED);
        s += &padded(&format!(
            "{dev}\t{}\t{}\t{flags:04X}\t0\t0\t{}\t{}\t0\t0\t0",
            hex(r.dst),
            hex(gw),
            r.metric,
            hex(std::net::Ipv4Addr::from(mask))
        ));
    }
    s
}

pub fn proc_net_dev(k: &Kernel) -> String {
    let mut s = String::from(
        "Inter-|   Receive                                                |  Transmit\n \
         face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n",
    );
    for d in k.devs.iter() {
        let c = &d.stats;
        s += &format!(
            "{:>6}:{:>8} {:>7} {:>4} {:>4} {:>4} {:>5} {:>10} {:>9} {:>8} {:>7} {:>4} {:>4} {:>4} {:>5} {:>7} {:>10}\n",
            d.name, c.rx_bytes, c.rx_packets, 0, c.rx_dropped, 0, 0, 0, 0,
            c.tx_bytes, c.tx_packets, 0, c.tx_dropped, 0, 0, 0, 0
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use crate::kernel::testutil::plug;
    use crate::kernel::Kernel;
    use crate::sim::rng::Rng;
    use crate::sim::Time;

    fn node() -> Kernel {
        let mut k = Kernel::new("a", Rng::new(1));
        plug(&mut k, "eth0", [2, 0, 0, 0, 1, 1]);
        for line in [
            "ifconfig eth0 10.9.0.1/24 up",
            "route add default gw 10.9.0.254",
        ] {
            let r = crate::user::tools::run_builtin(&mut k, Time::ZERO, line);
            assert_eq!(r.map(|r| r.2), Some(0), "{line}");
        }
        k
    }

    #[test]
    fn route_is_the_kernels_table_padded_to_127() {
        let k = node();
        let text = super::proc_net_route(&k);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.iter().all(|l| l.len() == 127), "{text:?}");
        assert_eq!(
            lines[0].trim_end(),
            "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT"
        );
        assert!(
            lines.contains(
                &format!(
                    "{:<127}",
                    "eth0\t0000090A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0"
                )
                .as_str()
            ),
            "{text}"
        );
        assert!(
            text.contains("eth0\t00000000\tFE00090A\t0003\t0\t0\t0\t00000000\t0\t0\t0"),
            "{text}"
        );
    }

    #[test]
    fn dev_lists_every_device_with_its_counters() {
        let mut k = node();
        if let Some(d) = k.devs.get_mut(2) {
            (d.stats.rx_bytes, d.stats.rx_packets) = (17843, 277);
            (d.stats.tx_bytes, d.stats.tx_packets) = (17652, 255);
        }
        let text = super::proc_net_dev(&k);
        assert!(text.starts_with("Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"));
        assert!(text.contains("\n  eth0:   17843     277    0    0    0     0          0         0    17652     255    0    0    0     0       0          0\n"), "{text}");
        assert!(text.contains("\n    lo:"), "{text}");
    }
}
