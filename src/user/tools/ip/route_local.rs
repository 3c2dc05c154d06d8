//! `ip route show table local`: the routes the kernel adds for each address of an interface
//! that is up (fib_add_ifaddr): `local ADDR` (scope host), the subnet's `broadcast` (scope
//! link, for prefixes under /31), and on a loopback device the whole `local NET/LEN`; each
//! with the primary address of its subnet as `src`. Listed in address order, as the kernel's
//! local trie lists them (recorded in docs/fidelity-real.md §5).

use crate::kernel::netdev::{broadcast_of, network_of, NetDev};
use crate::kernel::Kernel;

/// (address, prefix, line) of one local-table route.
type Entry = (u32, u8, String);

fn routes_of(d: &NetDev) -> Vec<Entry> {
    let mut out = Vec::new();
    for (i, a) in d.addrs.iter().enumerate() {
        let src = match d.is_secondary(i) {
            true => d
                .primaries()
                .find(|p| p.contains(a.addr))
                .map_or(a.addr, |p| p.addr),
            false => a.addr,
        };
        let tail = |scope: &str| format!("dev {} proto kernel scope {scope} src {src} \n", d.name);
        out.push((
            u32::from(a.addr),
            32,
            format!("local {} {}", a.addr, tail("host")),
        ));
        if a.prefix >= 31 {
            continue;
        }
        if d.ifindex == crate::kernel::netdev::LO {
            let net = network_of(a.addr, a.prefix);
            out.push((
                u32::from(net),
                a.prefix,
                format!("local {net}/{} {}", a.prefix, tail("host")),
            ));
        }
        let brd = broadcast_of(a.addr, a.prefix);
        out.push((
            u32::from(brd),
            32,
            format!("broadcast {brd} {}", tail("link")),
        ));
    }
    out
}

pub fn local_table(k: &Kernel) -> String {
    let mut all: Vec<Entry> = k.devs.iter().filter(|d| d.up).flat_map(routes_of).collect();
    all.sort_by_key(|(addr, prefix, _)| (*addr, *prefix));
    all.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    all.into_iter().map(|(_, _, line)| line).collect()
}

#[cfg(test)]
mod tests {
    use crate::user::tools::fmt::testutil::{host, ok, run};

    /// §5's namespace: eth0 10.9.0.1/24, eth0:2 10.9.0.100/24, lo:2 10.9.0.200/32.
    #[test]
    fn the_local_table_as_the_kernel_lists_it() {
        let mut k = host();
        ok(&mut k, "ifconfig eth0 10.9.0.1/24 up");
        ok(&mut k, "ifconfig eth0:2 10.9.0.100/24 up");
        ok(
            &mut k,
            "ifconfig lo:2 10.9.0.200 netmask 255.255.255.255 up",
        );
        let want = "\
local 10.9.0.1 dev eth0 proto kernel scope host src 10.9.0.1 
local 10.9.0.100 dev eth0 proto kernel scope host src 10.9.0.1 
local 10.9.0.200 dev lo proto kernel scope host src 10.9.0.200 
broadcast 10.9.0.255 dev eth0 proto kernel scope link src 10.9.0.1 
local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1 
local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1 
broadcast 127.255.255.255 dev lo proto kernel scope link src 127.0.0.1 
";
        assert_eq!(run(&mut k, "ip route show table local").0, want);
    }
}
