//! route run on a test host: its tables, changes and error messages.

use super::super::fmt::testutil::{host, ok, run};
use crate::kernel::Kernel;

const HEAD: &str = "Kernel IP routing table\n\
    Destination     Gateway         Genmask         Flags Metric Ref    Use Iface\n";

fn router() -> Kernel {
    let mut k = host();
    ok(&mut k, "ifconfig eth0 172.16.20.5 netmask 255.255.255.0 up");
    k
}

#[test]
fn table_layouts() {
    let mut k = router();
    ok(&mut k, "route add default gw 172.16.20.1");
    ok(
        &mut k,
        "route add -net 192.168.10.0 netmask 255.255.255.0 gw 172.16.20.1 metric 10",
    );
    ok(&mut k, "route add -host 192.168.10.5 gw 172.16.20.1");
    ok(
        &mut k,
        "route add -net 10.99.0.0 netmask 255.255.0.0 reject",
    );
    ok(
        &mut k,
        "ifconfig lo:2 192.168.10.200 netmask 255.255.255.255 up",
    );
    ok(&mut k, "route add -host 192.168.10.200 dev lo:2");
    let rows = "0.0.0.0         172.16.20.1     0.0.0.0         UG    0      0        0 eth0\n\
        10.99.0.0       -               255.255.0.0     !     0      -        0 -\n\
        172.16.20.0     0.0.0.0         255.255.255.0   U     0      0        0 eth0\n\
        192.168.10.0    172.16.20.1     255.255.255.0   UG    10     0        0 eth0\n\
        192.168.10.5    172.16.20.1     255.255.255.255 UGH   0      0        0 eth0\n\
        192.168.10.200  0.0.0.0         255.255.255.255 UH    0      0        0 lo\n";
    assert_eq!(
        run(&mut k, "route -n"),
        (format!("{HEAD}{rows}"), String::new(), 0)
    );
    let out = run(&mut k, "route").0;
    assert!(out.contains("\ndefault         172.16.20.1     0.0.0.0         UG    0 "));
    let ee = run(&mut k, "route -n -ee").0;
    assert!(ee.contains("Flags Metric Ref    Use Iface    MSS   Window irtt\n"));
    assert!(ee.contains(
        "\n172.16.20.0     0.0.0.0         255.255.255.0   U     0      0        0 eth0     0     0      0\n"
    ));
    let e = run(&mut k, "route -e").0;
    assert!(e.contains(
        "\n10.99.0.0       -               255.255.0.0     !         - -          - -\n"
    ));
    assert!(run(&mut k, "ip route")
        .0
        .contains("192.168.10.200 dev lo scope link src 192.168.10.200 \n"));
}

#[test]
fn names_without_n() {
    let mut k = router();
    let hosts = b"127.0.0.1\tlocalhost\n172.16.20.1\trouter-b\n192.168.10.5\tclient\n";
    k.write_file("/etc/hosts", hosts, false).unwrap();
    ok(&mut k, "route add default gw router-b");
    ok(&mut k, "route add -host client gw 172.16.20.1");
    let out = run(&mut k, "route").0;
    assert!(
        out.contains("\ndefault         router-b        0.0.0.0         UG "),
        "{out}"
    );
    assert!(
        out.contains("\nclient          router-b        255.255.255.255 UGH "),
        "{out}"
    );
    assert!(
        out.contains("\n172.16.20.0     0.0.0.0         255.255.255.0   U "),
        "{out}"
    );
}

#[test]
fn errors() {
    let mut k = router();
    let fail = |k: &mut Kernel, line: &str, err: &str, status: i32| {
        let (out, e, s) = run(k, line);
        assert_eq!((out.as_str(), e.as_str(), s), ("", err, status), "{line}");
    };
    fail(
        &mut k,
        "route add default gw 10.9.9.9",
        "SIOCADDRT: Network is unreachable\n",
        7,
    );
    ok(&mut k, "route add -net 10.0.0.0/8 gw 172.16.20.1");
    fail(
        &mut k,
        "route add -net 10.0.0.0/8 gw 172.16.20.1",
        "SIOCADDRT: File exists\n",
        7,
    );
    fail(
        &mut k,
        "route del -net 10.7.0.0 netmask 255.255.0.0",
        "SIOCDELRT: No such process\n",
        7,
    );
    fail(
        &mut k,
        "route add -net 10.50.0.0 netmask 255.255.0.0",
        "SIOCADDRT: No such device\n",
        7,
    );
    fail(
        &mut k,
        "route add -net 10.50.0.0 gw 172.16.20.1",
        "SIOCADDRT: Invalid argument\n",
        7,
    );
    fail(
        &mut k,
        "route add -host 10.5.5.5 dev eth9",
        "SIOCADDRT: No such device\n",
        7,
    );
    fail(
        &mut k,
        "route add -host 10.5.5.5 dev lo:7",
        "SIOCADDRT: No such device\n",
        7,
    );
    fail(
        &mut k,
        "route add default gw nowhere",
        "nowhere: Unknown host\n",
        6,
    );
    let (_, e, s) = run(
        &mut k,
        "route add -net 10.1.0.0 netmask 255.0.0.0 gw 172.16.20.1",
    );
    assert!(e.starts_with("route: netmask doesn't match route address\nUsage: inet_route"));
    assert_eq!(s, 3);
    let (_, e, s) = run(
        &mut k,
        "route add -net 10.0.0.0 netmask 255.0.255.0 gw 172.16.20.1",
    );
    assert!(e.starts_with("route: bogus netmask 255.0.255.0\n"));
    assert_eq!(s, 3);
    let (_, e, s) = run(&mut k, "route frob");
    assert!(
        e.starts_with("Usage: route [-nNvee] [-FC] [<AF>]           List kernel routing tables\n")
    );
    assert_eq!(s, 3);
    ok(&mut k, "route del -net 10.0.0.0/8");
    ok(&mut k, "route add default gw 172.16.20.1");
    ok(&mut k, "route del default");
    fail(
        &mut k,
        "route del default",
        "SIOCDELRT: No such process\n",
        7,
    );
}

#[test]
fn reject_routes_need_reject_to_delete() {
    let mut k = router();
    ok(
        &mut k,
        "route add -net 10.99.0.0 netmask 255.255.0.0 reject",
    );
    let (_, e, _) = run(&mut k, "route del -net 10.99.0.0 netmask 255.255.0.0");
    assert_eq!(e, "SIOCDELRT: No such process\n");
    ok(
        &mut k,
        "route del -net 10.99.0.0 netmask 255.255.0.0 reject",
    );
    assert_eq!(run(&mut k, "route -n").0.lines().count(), 3);
}
