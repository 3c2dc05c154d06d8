//! ip run on a test host: addresses, links, routes and neighbours, and their errors.

use super::super::fmt::testutil::{host, ok, run};
use crate::kernel::Kernel;

const LFT: &str = "       valid_lft forever preferred_lft forever\n";

fn director() -> Kernel {
    let mut k = host();
    ok(
        &mut k,
        "ifconfig eth0 192.168.10.100 netmask 255.255.255.0 up",
    );
    ok(
        &mut k,
        "ip addr add 192.168.10.200/24 brd + dev eth0 label eth0:2",
    );
    ok(&mut k, "ip addr add 192.168.10.201/32 dev lo label lo:2");
    k
}

fn fails(k: &mut Kernel, line: &str, err: &str, status: i32) {
    let (out, e, s) = run(k, line);
    assert_eq!((out.as_str(), e.as_str(), s), ("", err, status), "{line}");
}

#[test]
fn addr_show() {
    let mut k = director();
    let want = format!(
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n    \
         link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n    \
         inet 127.0.0.1/8 scope host lo\n{LFT}    \
         inet 192.168.10.201/32 scope global lo:2\n{LFT}    \
         inet6 ::1/128 scope host \n{LFT}\
         2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP group default qlen 1000\n    \
         link/ether 02:00:00:00:01:01 brd ff:ff:ff:ff:ff:ff\n    \
         inet 192.168.10.100/24 brd 192.168.10.255 scope global eth0\n{LFT}    \
         inet 192.168.10.200/24 brd 192.168.10.255 scope global secondary eth0:2\n{LFT}    \
         inet6 fe80::ff:fe00:101/64 scope link \n{LFT}"
    );
    for line in ["ip addr", "ip a", "ip address show", "ip a s"] {
        assert_eq!(
            run(&mut k, line),
            (want.clone(), String::new(), 0),
            "{line}"
        );
    }
    let eth0 = run(&mut k, "ip addr show dev eth0").0;
    assert!(eth0.starts_with("2: eth0: ") && !eth0.contains("lo:2"));
    assert_eq!(run(&mut k, "ip a show eth0").0, eth0);
    let v4 = run(&mut k, "ip -4 addr").0;
    assert!(!v4.contains("link/") && !v4.contains("inet6"));
    assert!(v4.contains("\n    inet 127.0.0.1/8 scope host lo\n"));
    let brief = "lo               UNKNOWN        127.0.0.1/8 192.168.10.201/32 ::1/128 \n\
        eth0             UP             192.168.10.100/24 192.168.10.200/24 fe80::ff:fe00:101/64 \n";
    assert_eq!(run(&mut k, "ip -br addr").0, brief);
    fails(
        &mut k,
        "ip addr show dev eth9",
        "Device \"eth9\" does not exist.\n",
        1,
    );
}

#[test]
fn link_show_and_set() {
    let mut k = host();
    let down = "2: eth0: <BROADCAST,MULTICAST> mtu 1500 qdisc pfifo_fast state DOWN mode DEFAULT group default qlen 1000\n    \
        link/ether 02:00:00:00:01:01 brd ff:ff:ff:ff:ff:ff\n";
    assert_eq!(run(&mut k, "ip link show eth0").0, down);
    ok(&mut k, "ip link set eth0 up");
    ok(
        &mut k,
        "ip link set dev eth0 mtu 1400 address 02:aa:00:00:00:01",
    );
    let out = run(&mut k, "ip link").0;
    assert!(out.starts_with("1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n"));
    assert!(out.contains("2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1400 qdisc pfifo_fast state UP mode DEFAULT"));
    assert!(out.ends_with("    link/ether 02:aa:00:00:00:01 brd ff:ff:ff:ff:ff:ff\n"));
    let brief = run(&mut k, "ip -br link").0;
    assert!(brief.ends_with(
        "eth0             UP             02:aa:00:00:00:01 <BROADCAST,MULTICAST,UP,LOWER_UP> \n"
    ));
    if let Some(d) = k.devs.get_mut(2) {
        d.carrier = false;
    }
    let out = run(&mut k, "ip link show dev eth0").0;
    assert!(out.starts_with(
        "2: eth0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1400 qdisc pfifo_fast state DOWN "
    ));
    fails(
        &mut k,
        "ip link set eth9 up",
        "Cannot find device \"eth9\"\n",
        1,
    );
    fails(
        &mut k,
        "ip link set eth0 mtu 20",
        "Error: mtu less than device minimum.\n",
        2,
    );
    fails(
        &mut k,
        "ip link set eth0 address zz",
        "\"zz\" is invalid lladdr.\n",
        1,
    );
    fails(
        &mut k,
        "ip link set eth0 foo",
        "Error: either \"dev\" is duplicate, or \"foo\" is a garbage.\n",
        255,
    );
}

#[test]
fn addr_changes_and_errors() {
    let mut k = director();
    fails(
        &mut k,
        "ip addr add 192.168.10.200/24 dev eth0",
        "Error: ipv4: Address already assigned.\n",
        2,
    );
    fails(
        &mut k,
        "ip addr add 10.0.0.1/8 dev eth9",
        "Cannot find device \"eth9\"\n",
        1,
    );
    fails(
        &mut k,
        "ip addr add 10.0.0.1/8",
        "Not enough information: \"dev\" argument is required.\n",
        1,
    );
    fails(
        &mut k,
        "ip addr add 10.0.0.300/8 dev eth0",
        "Error: any valid prefix is expected rather than \"10.0.0.300/8\".\n",
        1,
    );
    ok(&mut k, "ip addr del 192.168.10.200/24 dev eth0");
    fails(
        &mut k,
        "ip addr del 192.168.10.200/24 dev eth0",
        "Error: ipv4: Address not found.\n",
        2,
    );
    ok(&mut k, "ip addr add 10.1.0.1/16 dev eth0");
    assert!(run(&mut k, "ip a show eth0")
        .0
        .contains("    inet 10.1.0.1/16 scope global eth0\n"));
    let (_, e, s) = run(&mut k, "ip addr del 10.1.0.1 dev eth0");
    assert!(e.starts_with("Warning: Executing wildcard deletion"));
    assert_eq!(s, 0);
    ok(&mut k, "ip addr flush dev eth0");
    assert!(!run(&mut k, "ip -4 a").0.contains("eth0"));
    fails(&mut k, "ip addr flush", "Flush requires arguments.\n", 1);
    fails(
        &mut k,
        "ip frob",
        "Object \"frob\" is unknown, try \"ip help\".\n",
        1,
    );
    fails(
        &mut k,
        "ip addr frob",
        "Command \"frob\" is unknown, try \"ip address help\".\n",
        255,
    );
    fails(
        &mut k,
        "ip -x addr",
        "Option \"-x\" is unknown, try \"ip -help\".\n",
        255,
    );
}

#[test]
fn routes() {
    let mut k = director();
    ok(&mut k, "ip route add default via 192.168.10.1");
    ok(
        &mut k,
        "ip route add 172.16.0.0/16 via 192.168.10.2 metric 10",
    );
    ok(&mut k, "ip route add unreachable 10.99.0.0/16");
    ok(&mut k, "route add -host 192.168.10.201 dev lo:2");
    let want = "default via 192.168.10.1 dev eth0 \n\
        unreachable 10.99.0.0/16 scope host \n\
        172.16.0.0/16 via 192.168.10.2 dev eth0 metric 10 \n\
        192.168.10.0/24 dev eth0 proto kernel scope link src 192.168.10.100 \n\
        192.168.10.201 dev lo scope link src 192.168.10.201 \n";
    assert_eq!(run(&mut k, "ip route").0, want);
    assert_eq!(run(&mut k, "ip r").0, want);
    assert_eq!(
        run(&mut k, "ip route show dev lo").0,
        "192.168.10.201 scope link src 192.168.10.201 \n"
    );
    let get = "8.8.8.8 via 192.168.10.1 dev eth0 src 192.168.10.100 uid 0 \n    cache \n";
    assert_eq!(run(&mut k, "ip route get 8.8.8.8").0, get);
    let get = "192.168.10.9 dev eth0 src 192.168.10.100 uid 0 \n    cache \n";
    assert_eq!(run(&mut k, "ip route get 192.168.10.9").0, get);
    fails(
        &mut k,
        "ip route get 10.99.1.1",
        "RTNETLINK answers: No route to host\n",
        2,
    );
    fails(
        &mut k,
        "ip route add default via 192.168.10.1",
        "RTNETLINK answers: File exists\n",
        2,
    );
    fails(
        &mut k,
        "ip route add 10.0.0.0/8 via 10.9.9.9",
        "Error: Nexthop has invalid gateway.\n",
        2,
    );
    fails(
        &mut k,
        "ip route add 10.0.0.1/8 via 192.168.10.1",
        "Error: Invalid prefix for given prefix length.\n",
        2,
    );
    fails(
        &mut k,
        "ip route add 10.0.0.0/8 dev eth9",
        "Cannot find device \"eth9\"\n",
        1,
    );
    fails(
        &mut k,
        "ip route del 10.7.0.0/16",
        "RTNETLINK answers: No such process\n",
        2,
    );
    ok(&mut k, "ip route del default");
    ok(&mut k, "ip route del 10.99.0.0/16");
    fails(
        &mut k,
        "ip route get 8.8.8.8",
        "RTNETLINK answers: Network is unreachable\n",
        2,
    );
    let v6 = "::1 dev lo proto kernel metric 256 pref medium \n\
        fe80::/64 dev eth0 proto kernel metric 256 pref medium \n";
    assert_eq!(run(&mut k, "ip -6 route").0, v6);
    assert_eq!(run(&mut k, "ip -6 neigh").0, "");
}

#[test]
fn neighbours() {
    let mut k = director();
    ok(
        &mut k,
        "ip neigh add 192.168.10.77 lladdr 02:42:c0:a8:0a:4d dev eth0",
    );
    ok(
        &mut k,
        "ip n add 192.168.10.78 lladdr 02:42:c0:a8:0a:4e dev eth0 nud reachable",
    );
    ok(&mut k, "ip neigh add proxy 192.168.10.79 dev eth0");
    let want = "192.168.10.77 dev eth0 lladdr 02:42:c0:a8:0a:4d PERMANENT \n\
        192.168.10.78 dev eth0 lladdr 02:42:c0:a8:0a:4e REACHABLE \n";
    assert_eq!(run(&mut k, "ip neigh").0, want);
    assert_eq!(
        run(&mut k, "ip neigh show proxy").0,
        "192.168.10.79 dev eth0 proxy \n"
    );
    assert!(run(&mut k, "ip neigh show dev eth0")
        .0
        .starts_with("192.168.10.77 lladdr "));
    fails(
        &mut k,
        "ip neigh add 192.168.10.77 lladdr 02:42:c0:a8:0a:4d dev eth0",
        "RTNETLINK answers: File exists\n",
        2,
    );
    ok(&mut k, "ip neigh flush dev eth0");
    assert_eq!(
        run(&mut k, "ip neigh").0,
        "192.168.10.77 dev eth0 lladdr 02:42:c0:a8:0a:4d PERMANENT \n"
    );
    ok(&mut k, "ip neigh del 192.168.10.77 dev eth0");
    fails(
        &mut k,
        "ip neigh del 192.168.10.77 dev eth0",
        "RTNETLINK answers: No such file or directory\n",
        2,
    );
    fails(
        &mut k,
        "ip neigh add 192.168.10.5 dev eth0",
        "Error: No link layer address given.\n",
        2,
    );
    fails(
        &mut k,
        "ip neigh add 192.168.10.5",
        "Device and destination are required arguments.\n",
        255,
    );
    fails(&mut k, "ip neigh flush", "Flush requires arguments.\n", 1);
}
