//! ifconfig run on a test host: its listings, changes and error messages.

use super::super::fmt::testutil::{host, ok, run};

const ETH0_UP: &str = "eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500\n        \
    inet 192.168.10.100  netmask 255.255.255.0  broadcast 192.168.10.255\n        \
    inet6 fe80::ff:fe00:101  prefixlen 64  scopeid 0x20<link>\n        \
    ether 02:00:00:00:01:01  txqueuelen 1000  (Ethernet)\n        \
    RX packets 121  bytes 8234 (8.0 KiB)\n        \
    RX errors 0  dropped 0  overruns 0  frame 0\n        \
    TX packets 64  bytes 4212 (4.1 KiB)\n        \
    TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0\n\n";

const LO: &str = "lo: flags=73<UP,LOOPBACK,RUNNING>  mtu 65536\n        \
    inet 127.0.0.1  netmask 255.0.0.0\n        \
    inet6 ::1  prefixlen 128  scopeid 0x10<host>\n        \
    loop  txqueuelen 1000  (Local Loopback)\n        \
    RX packets 0  bytes 0 (0.0 B)\n        \
    RX errors 0  dropped 0  overruns 0  frame 0\n        \
    TX packets 0  bytes 0 (0.0 B)\n        \
    TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0\n\n";

#[test]
fn full_listing_with_aliases() {
    let mut k = host();
    ok(
        &mut k,
        "ifconfig eth0 192.168.10.100 netmask 255.255.255.0 up",
    );
    ok(
        &mut k,
        "ifconfig eth0:2 192.168.10.200 netmask 255.255.255.0 broadcast 192.168.10.255 up",
    );
    ok(
        &mut k,
        "ifconfig lo:2 192.168.10.200 netmask 255.255.255.255 up",
    );
    if let Some(d) = k.devs.get_mut(2) {
        d.stats.rx_packets = 121;
        d.stats.rx_bytes = 8234;
        d.stats.tx_packets = 64;
        d.stats.tx_bytes = 4212;
    }
    let alias = "eth0:2: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500\n        \
        inet 192.168.10.200  netmask 255.255.255.0  broadcast 192.168.10.255\n        \
        ether 02:00:00:00:01:01  txqueuelen 1000  (Ethernet)\n\n";
    let lo2 = "lo:2: flags=73<UP,LOOPBACK,RUNNING>  mtu 65536\n        \
        inet 192.168.10.200  netmask 255.255.255.255\n        \
        loop  txqueuelen 1000  (Local Loopback)\n\n";
    let (out, err, status) = run(&mut k, "ifconfig");
    assert_eq!((err.as_str(), status), ("", 0));
    assert_eq!(out, format!("{ETH0_UP}{alias}{LO}{lo2}"));
    assert_eq!(run(&mut k, "ifconfig eth0:2").0, alias);
    assert_eq!(run(&mut k, "ifconfig lo").0, LO);
}

#[test]
fn down_interfaces_need_dash_a() {
    let mut k = host();
    assert_eq!(run(&mut k, "ifconfig").0, LO);
    let down = "eth0: flags=4098<BROADCAST,MULTICAST>  mtu 1500\n        \
        ether 02:00:00:00:01:01  txqueuelen 1000  (Ethernet)\n";
    let out = run(&mut k, "ifconfig -a").0;
    assert!(out.starts_with(down), "{out}");
    assert!(out.ends_with(LO));
}

#[test]
fn prefix_syntax_classful_default_and_alias_removal() {
    let mut k = host();
    ok(&mut k, "ifconfig eth0 10.1.2.3/24");
    let out = run(&mut k, "ifconfig eth0").0;
    assert!(out.contains("inet 10.1.2.3  netmask 255.255.255.0  broadcast 10.1.2.255\n"));
    ok(&mut k, "ifconfig eth0:1 172.16.0.9");
    let out = run(&mut k, "ifconfig eth0:1").0;
    assert!(out.contains("inet 172.16.0.9  netmask 255.255.0.0  broadcast 172.16.255.255\n"));
    ok(&mut k, "ifconfig eth0:1 down");
    assert!(!run(&mut k, "ifconfig").0.contains("eth0:1"));
    let (_, err, status) = run(&mut k, "ifconfig eth0:1 down");
    assert_eq!(err, "SIOCSIFFLAGS: Cannot assign requested address\n");
    assert_eq!(status, 1);
}

#[test]
fn mtu_mac_and_down() {
    let mut k = host();
    ok(&mut k, "ifconfig eth0 10.0.0.1 up");
    ok(&mut k, "ifconfig eth0 mtu 1400 hw ether 02:aa:bb:cc:dd:ee");
    let out = run(&mut k, "ifconfig eth0").0;
    assert!(out.starts_with("eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1400\n"));
    assert!(out.contains("        ether 02:aa:bb:cc:dd:ee  txqueuelen 1000  (Ethernet)\n"));
    ok(&mut k, "ifconfig eth0 down");
    assert!(run(&mut k, "ifconfig -a eth0")
        .0
        .starts_with("eth0: flags=4098<"));
    let (_, err, status) = run(&mut k, "ifconfig eth0 mtu 20");
    assert_eq!(
        (err.as_str(), status),
        ("SIOCSIFMTU: Invalid argument\n", 1)
    );
    let (_, err, _) = run(&mut k, "ifconfig eth0 hw ether zz");
    assert_eq!(err, "zz: invalid ether address.\n");
}

#[test]
fn errors() {
    let mut k = host();
    let (out, err, status) = run(&mut k, "ifconfig eth9");
    assert_eq!(out, "");
    assert_eq!(
        err,
        "eth9: error fetching interface information: Device not found\n"
    );
    assert_eq!(status, 1);
    let (_, err, status) = run(&mut k, "ifconfig eth9 10.0.0.1");
    assert_eq!(
        err,
        "SIOCSIFADDR: No such device\neth9: ERROR while getting interface flags: No such device\n"
    );
    assert_eq!(status, 1);
    let (_, err, status) = run(&mut k, "ifconfig eth0 nosuch");
    assert_eq!(
        err,
        "nosuch: Host name lookup failure\nifconfig: `--help' gives usage information.\n"
    );
    assert_eq!(status, 1);
    let (_, err, _) = run(&mut k, "ifconfig eth0 netmask 255.255.255.0");
    assert_eq!(err, "SIOCSIFNETMASK: Cannot assign requested address\n");
    let (_, err, _) = run(&mut k, "ifconfig eth0 224.0.0.1");
    assert!(err.starts_with("SIOCSIFADDR: Invalid argument\n"));
    let (_, err, status) = run(&mut k, "ifconfig eth0 10.0.0.1/40");
    assert!(err.starts_with("Usage:\n  ifconfig [-a]"));
    assert_eq!(status, 3);
    let (_, err, status) = run(&mut k, "ifconfig -x");
    assert_eq!(
        err,
        "ifconfig: option `-x' not recognised.\nifconfig: `--help' gives usage information.\n"
    );
    assert_eq!(status, 1);
}

#[test]
fn promiscuous_flag() {
    let mut k = host();
    ok(&mut k, "ifconfig eth0 10.0.0.1 up");
    if let Some(d) = k.devs.get_mut(2) {
        d.promisc = 1;
    }
    let out = run(&mut k, "ifconfig eth0").0;
    assert!(out.starts_with("eth0: flags=4419<UP,BROADCAST,RUNNING,PROMISC,MULTICAST>"));
}
