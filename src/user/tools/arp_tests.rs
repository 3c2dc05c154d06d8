//! arp run on a test host: its cache listings, changes and error messages.

use super::super::fmt::testutil::{host, ok, run};
use crate::kernel::arp::Nud;
use crate::kernel::Kernel;
use crate::sim::Time;

const HEAD: &str =
    "Address                  HWtype  HWaddress           Flags Mask            Iface\n";

/// eth0 192.168.10.5/24 with a learned, a permanent, an incomplete and a proxy entry.
fn lan() -> Kernel {
    let mut k = host();
    ok(
        &mut k,
        "ifconfig eth0 192.168.10.5 netmask 255.255.255.0 up",
    );
    let ip = |s: &str| s.parse().unwrap();
    k.neigh.set_static(
        2,
        ip("192.168.10.200"),
        [2, 0x42, 0xc0, 0xa8, 10, 0x64],
        false,
        false,
        Time::ZERO,
    );
    k.neigh.entries[0].state = Nud::Reachable;
    ok(&mut k, "arp -s 192.168.10.77 02:42:c0:a8:0a:4d");
    k.neigh
        .set_static(2, ip("192.168.10.99"), [0; 6], false, false, Time::ZERO);
    k.neigh.entries[2].state = Nud::Incomplete;
    k.neigh.entries[2].mac = None;
    ok(&mut k, "arp -i eth0 -Ds 192.168.10.79 eth0 pub");
    k
}

#[test]
fn linux_layout() {
    let mut k = lan();
    let want = format!(
        "{HEAD}192.168.10.200           ether   02:42:c0:a8:0a:64   C                     eth0\n\
         192.168.10.77            ether   02:42:c0:a8:0a:4d   CM                    eth0\n\
         192.168.10.99                    (incomplete)                              eth0\n\
         192.168.10.79            *       <from_interface>    MP                    eth0\n"
    );
    assert_eq!(run(&mut k, "arp -n"), (want.clone(), String::new(), 0));
    assert_eq!(run(&mut k, "arp -e").0, want);
    assert_eq!(run(&mut k, "arp").0, want);
    k.neigh.entries[2].state = Nud::Failed;
    assert_eq!(run(&mut k, "arp -n").0, want);
}

#[test]
fn bsd_layout_with_names() {
    let mut k = lan();
    let hosts = b"127.0.0.1\tlocalhost\n192.168.10.77\trs1\n";
    k.write_file("/etc/hosts", hosts, false).unwrap();
    let want = "? (192.168.10.200) at 02:42:c0:a8:0a:64 [ether] on eth0\n\
        rs1 (192.168.10.77) at 02:42:c0:a8:0a:4d [ether] PERM on eth0\n\
        ? (192.168.10.99) at <incomplete> on eth0\n\
        ? (192.168.10.79) at <from_interface> PERM PUB on eth0\n";
    assert_eq!(run(&mut k, "arp -a").0, want);
    assert!(run(&mut k, "arp -an")
        .0
        .starts_with("? (192.168.10.200) at "));
    assert!(!run(&mut k, "arp -an").0.contains("rs1"));
    let out = run(&mut k, "arp").0;
    assert!(out.contains("\nrs1                      ether   02:42:c0:a8:0a:4d   CM "));
}

#[test]
fn queries_and_filters() {
    let mut k = lan();
    let out = run(&mut k, "arp -n 192.168.10.77").0;
    assert_eq!(out, format!("{HEAD}192.168.10.77            ether   02:42:c0:a8:0a:4d   CM                    eth0\n"));
    let none = run(&mut k, "arp -n 192.168.10.250");
    assert_eq!(
        none,
        (
            "192.168.10.250 (192.168.10.250) -- no entry\n".into(),
            String::new(),
            0
        )
    );
    assert_eq!(
        run(&mut k, "arp -n -i eth1").0,
        "arp: in 4 entries no match found.\n"
    );
    assert_eq!(run(&mut k, "arp -i eth0 -n").0.lines().count(), 5);
    assert_eq!(run(&mut k, "arp -n").2, 0);
    let mut empty = host();
    assert_eq!(run(&mut empty, "arp -n"), (String::new(), String::new(), 0));
    assert_eq!(run(&mut empty, "arp -a"), (String::new(), String::new(), 0));
}

#[test]
fn set_temp_and_delete() {
    let mut k = lan();
    ok(&mut k, "arp -s 192.168.10.78 02:00:00:00:00:78 temp");
    assert!(run(&mut k, "arp -n").0.contains(
        "\n192.168.10.78            ether   02:00:00:00:00:78   C                     eth0\n"
    ));
    assert!(run(&mut k, "ip neigh")
        .0
        .contains("192.168.10.78 dev eth0 lladdr 02:00:00:00:00:78 STALE \n"));
    ok(&mut k, "arp -d 192.168.10.77");
    assert!(!run(&mut k, "arp -n").0.contains("192.168.10.77 "));
    let (out, err, status) = run(&mut k, "arp -d 192.168.10.77");
    assert_eq!(
        (out.as_str(), err.as_str(), status),
        ("No ARP entry for 192.168.10.77\n", "", 1)
    );
    // A published entry is only deleted with its device named.
    assert_eq!(run(&mut k, "arp -d 192.168.10.79").2, 1);
    ok(&mut k, "arp -i eth0 -d 192.168.10.79");
    assert!(!run(&mut k, "arp -n").0.contains("from_interface"));
}

#[test]
fn errors() {
    let mut k = lan();
    let (_, err, status) = run(&mut k, "arp -s 10.1.1.1 02:00:00:00:00:01");
    assert_eq!(
        (err.as_str(), status),
        ("SIOCSARP: Network is unreachable\n", 255)
    );
    let (_, err, status) = run(&mut k, "arp -d 10.1.1.1");
    assert_eq!(
        (err.as_str(), status),
        ("SIOCDARP(dontpub): Network is unreachable\n", 1)
    );
    let (_, err, _) = run(&mut k, "arp -s 192.168.10.9 zz:00");
    assert_eq!(err, "arp: invalid hardware address\n");
    let (_, err, _) = run(&mut k, "arp -s 192.168.10.9");
    assert_eq!(err, "arp: need hardware address\n");
    let (_, err, _) = run(&mut k, "arp -s nosuch 02:00:00:00:00:01");
    assert_eq!(err, "nosuch: Unknown host\n");
    let (_, err, status) = run(&mut k, "arp -s 192.168.10.9 02:00:00:00:00:01 pub");
    assert_eq!((err.as_str(), status), ("SIOCSARP: No such device\n", 255));
    let (_, err, status) = run(&mut k, "arp -x");
    assert!(err.starts_with("arp: invalid option -- 'x'\nUsage:\n  arp [-vn]"));
    assert_eq!(status, 3);
}

#[test]
fn ethers_file() {
    let mut k = lan();
    let data =
        b"# comment\n192.168.10.60 02:00:00:00:00:60\n02:00:00:00:00:61 192.168.10.61\nbad\n";
    k.write_file("/etc/ethers", data, false).unwrap();
    let (_, err, status) = run(&mut k, "arp -f");
    assert_eq!(
        err,
        "arp: format error on line 4 of etherfile /etc/ethers !\n"
    );
    assert_eq!(status, 0);
    let out = run(&mut k, "arp -n").0;
    assert!(out.contains("192.168.10.60 ") && out.contains("192.168.10.61 "));
}

/// /proc/net/arp as the kernel writes it (docs/fidelity-real.md §4): the neighbour table,
/// then the proxy entries with flags 0xc and a zero address (a pneigh keeps none).
#[test]
fn proc_net_arp_lists_proxies_last_with_no_address() {
    let k = lan();
    let text = String::from_utf8(k.read_file("/proc/net/arp").expect("the file")).expect("text");
    let want = "\
IP address       HW type     Flags       HW address            Mask     Device
192.168.10.200   0x1         0x2         02:42:c0:a8:0a:64     *        eth0
192.168.10.77    0x1         0x6         02:42:c0:a8:0a:4d     *        eth0
192.168.10.99    0x1         0x0         00:00:00:00:00:00     *        eth0
192.168.10.79    0x1         0xc         00:00:00:00:00:00     *        eth0
";
    assert_eq!(text, want);
}
