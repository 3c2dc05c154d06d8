//! ipvsadm on a director's kernel: rules, listings byte for byte, and its error messages.

use super::*;
use crate::kernel::Kernel;
use crate::sim::{Ctx, Time};
use crate::user::tools::fmt::testutil;

fn director() -> Kernel {
    let mut k = testutil::host();
    testutil::ok(&mut k, "ifconfig eth0 192.168.10.100/24 up");
    testutil::ok(
        &mut k,
        "ifconfig eth0:2 192.168.10.200 netmask 255.255.255.0 up",
    );
    k
}

/// Runs one ipvsadm command line: (stdout, stderr, status).
fn ipvsadm(k: &mut Kernel, line: &str, stdin: &str) -> (String, String, i32) {
    let args: Vec<String> = line.split_whitespace().map(String::from).collect();
    let mut ctx = Ctx::new(Time::ZERO, "dir", false);
    let mut sys = Sys {
        k,
        ctx: &mut ctx,
        pid: 1,
        out: String::new(),
        err: String::new(),
    };
    let status = match run(&mut sys, &args[1..], stdin) {
        Ok(()) => 0,
        Err((text, code)) => {
            sys.err += &format!("{text}\n");
            code
        }
    };
    (sys.out, sys.err, status)
}

fn ok(k: &mut Kernel, line: &str) -> String {
    let (out, err, status) = ipvsadm(k, line, "");
    assert_eq!((err.as_str(), status), ("", 0), "{line}");
    out
}

fn err(k: &mut Kernel, line: &str) -> (String, i32) {
    let (_, err, status) = ipvsadm(k, line, "");
    (err, status)
}

fn three_servers(k: &mut Kernel) {
    ok(k, "ipvsadm -A -t 192.168.10.200:80 -s wlc");
    for (rs, w) in [
        ("192.168.10.11", 1),
        ("192.168.10.12", 1),
        ("192.168.10.13", 0),
    ] {
        ok(
            k,
            &format!("ipvsadm -a -t 192.168.10.200:80 -r {rs} -g -w {w}"),
        );
    }
    ok(k, "ipvsadm -A -t 192.168.10.200:443 -s rr -p");
    ok(
        k,
        "ipvsadm -a -t 192.168.10.200:443 -r 10.0.1.21:8443 -m -w 2",
    );
}

#[test]
fn the_listing_is_ipvsadms_byte_for_byte() {
    let mut k = director();
    three_servers(&mut k);
    let want = [
        "IP Virtual Server version 1.2.1 (size=4096)",
        "Prot LocalAddress:Port Scheduler Flags",
        "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn",
        "TCP  192.168.10.200:80 wlc",
        "  -> 192.168.10.11:80             Route   1      0          0         ",
        "  -> 192.168.10.12:80             Route   1      0          0         ",
        "  -> 192.168.10.13:80             Route   0      0          0         ",
        "TCP  192.168.10.200:443 rr persistent 360",
        "  -> 10.0.1.21:8443               Masq    2      0          0         ",
        "",
    ]
    .join("\n");
    assert_eq!(ok(&mut k, "ipvsadm -Ln"), want);
    // --nosort shows the kernel's order: newest first.
    let nosort = ok(&mut k, "ipvsadm -Ln --nosort");
    let order: Vec<&str> = nosort
        .lines()
        .filter(|l| l.starts_with("  -> ") && l.contains(":80 "))
        .collect();
    assert!(
        order[0].contains(".13:80") && order[2].contains(".11:80"),
        "{nosort}"
    );
}

#[test]
fn save_then_restore_gives_the_same_rules() {
    let mut k = director();
    three_servers(&mut k);
    let saved = ok(&mut k, "ipvsadm -S -n");
    assert_eq!(
        saved,
        "-A -t 192.168.10.200:80 -s wlc\n\
-a -t 192.168.10.200:80 -r 192.168.10.11:80 -g -w 1\n\
-a -t 192.168.10.200:80 -r 192.168.10.12:80 -g -w 1\n\
-a -t 192.168.10.200:80 -r 192.168.10.13:80 -g -w 0\n\
-A -t 192.168.10.200:443 -s rr -p 360\n\
-a -t 192.168.10.200:443 -r 10.0.1.21:8443 -m -w 2\n"
    );
    let listed = ok(&mut k, "ipvsadm -Ln");
    ok(&mut k, "ipvsadm -C");
    assert!(!ok(&mut k, "ipvsadm -Ln").contains("TCP"));
    let (_, e, status) = ipvsadm(&mut k, "ipvsadm -R", &saved);
    assert_eq!((e.as_str(), status), ("", 0));
    assert_eq!(ok(&mut k, "ipvsadm -Ln"), listed);
    // A bad line names itself.
    let (_, e, status) = ipvsadm(
        &mut k,
        "ipvsadm -R",
        "-A -t 192.168.10.200:81\n-a -t 1.2.3.4:80 -r 10.0.0.1\n",
    );
    assert_eq!((e.as_str(), status), ("line 2: Service not defined\n", 1));
}

#[test]
fn kernel_refusals_use_libipvs_strings() {
    let mut k = director();
    three_servers(&mut k);
    for (line, want) in [
        (
            "ipvsadm -A -t 192.168.10.200:80",
            "Service already exists\n",
        ),
        (
            "ipvsadm -a -t 192.168.10.200:81 -r 10.0.0.1",
            "Service not defined\n",
        ),
        (
            "ipvsadm -a -t 192.168.10.200:80 -r 192.168.10.11",
            "Destination already exists\n",
        ),
        (
            "ipvsadm -d -t 192.168.10.200:80 -r 192.168.10.99",
            "No such destination\n",
        ),
        ("ipvsadm -D -t 192.168.10.200:99", "No such service\n"),
        (
            "ipvsadm -A -t 192.168.10.200:81 -s fastest",
            "Scheduler or persistence engine not found\n",
        ),
    ] {
        assert_eq!(err(&mut k, line), (want.to_string(), 1), "{line}");
    }
}

#[test]
fn option_misuse_gets_ipvsadms_messages_and_status_2() {
    let mut k = director();
    for (line, want) in [
        (
            "ipvsadm -A -s rr",
            "You need to supply the 'service-address' option for the 'add-service' command\n",
        ),
        (
            "ipvsadm -a -t 192.168.10.200:80",
            "You need to supply the 'real-server' option for the 'add-server' command\n",
        ),
        (
            "ipvsadm -A -t 192.168.10.200:80 -w 3",
            "Illegal 'weight' option with the 'add-service' command\n",
        ),
        (
            "ipvsadm -A -a -t 192.168.10.200:80",
            "multiple commands specified\n",
        ),
        (
            "ipvsadm -A -t 192.168.10.200",
            "Zero port specified for non-persistent service\n",
        ),
        (
            "ipvsadm -A -t nowhere:80",
            "illegal virtual server address[:port] specified\n",
        ),
        (
            "ipvsadm -L -c --stats",
            "options conflicts in the list command\n",
        ),
    ] {
        assert_eq!(err(&mut k, line), (want.to_string(), 2), "{line}");
    }
    ok(&mut k, "ipvsadm -A -t 192.168.10.200:80");
    assert_eq!(
        err(
            &mut k,
            "ipvsadm -a -t 192.168.10.200:80 -r 10.0.0.1 -w 70000"
        ),
        ("illegal weight specified\n".to_string(), 2)
    );
}

#[test]
fn timeouts_set_and_list() {
    let mut k = director();
    assert_eq!(
        ok(&mut k, "ipvsadm -L --timeout"),
        "Timeout (tcp tcpfin udp): 900 120 300\n"
    );
    ok(&mut k, "ipvsadm --set 600 0 60");
    assert_eq!(
        ok(&mut k, "ipvsadm -L --timeout"),
        "Timeout (tcp tcpfin udp): 600 120 60\n"
    );
}

#[test]
fn odd_arguments_never_panic() {
    let words = [
        "",
        "-A",
        "-a",
        "-e",
        "-d",
        "-D",
        "-L",
        "-Lnc",
        "-t",
        "-u",
        "-r",
        "-s",
        "-p",
        "-w",
        "-x",
        "-M",
        "-b",
        "--set",
        "-R",
        "-S",
        "-Z",
        "192.168.10.200:80",
        "1.2.3.4",
        ":",
        "x:y",
        "65536",
        "-1",
        "rr",
        "sh-port",
        "--rate",
        "--exact",
        "-g",
        "-m",
        "-i",
    ];
    let mut k = director();
    for a in words {
        for b in words {
            for c in ["", "-t 192.168.10.200:80", "-r 10.0.0.1:0", "-w 0"] {
                let _ = ipvsadm(&mut k, &format!("ipvsadm {a} {b} {c}"), "-A -t x");
            }
        }
    }
}

#[test]
fn the_connection_listing_can_show_persistence_engine_columns() {
    let mut k = director();
    let out = ok(&mut k, "ipvsadm -Lnc --persistent-conn");
    assert_eq!(
        out,
        "IPVS connection entries\npro expire state       source             virtual            destination        pe name    pe_data\n"
    );
    assert_eq!(
        err(&mut k, "ipvsadm -Lnc --stats"),
        ("options conflicts in the list command\n".to_string(), 2)
    );
}

#[test]
fn a_cleared_server_with_connections_comes_back_with_its_counts() {
    let mut k = director();
    three_servers(&mut k);
    // Two entries still count on .11 (as if two FIN_WAIT connections were in the table).
    let svc = &mut k.ipvs.rules.services[0];
    let d11 = svc
        .dests
        .iter_mut()
        .find(|d| d.addr == Ipv4Addr::new(192, 168, 10, 11));
    d11.expect("dest").inactive = 2;
    ok(&mut k, "ipvsadm -C");
    assert_eq!(
        k.ipvs.rules.orphans.len(),
        1,
        "only the busy server is kept"
    );
    ok(&mut k, "ipvsadm -A -t 192.168.10.200:80 -s wlc");
    ok(
        &mut k,
        "ipvsadm -a -t 192.168.10.200:80 -r 192.168.10.11 -g -w 1",
    );
    ok(
        &mut k,
        "ipvsadm -a -t 192.168.10.200:80 -r 192.168.10.12 -g -w 1",
    );
    let listing = ok(&mut k, "ipvsadm -Ln");
    assert!(
        listing
            .contains("  -> 192.168.10.11:80             Route   1      0          2         \n"),
        "{listing}"
    );
    assert!(
        listing
            .contains("  -> 192.168.10.12:80             Route   1      0          0         \n"),
        "{listing}"
    );
    assert!(k.ipvs.rules.orphans.is_empty());
}

#[test]
fn help_lists_commands_and_options() {
    let mut k = director();
    let h = ok(&mut k, "ipvsadm -h");
    assert!(
        h.starts_with("ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\nUsage:\n")
    );
    assert!(h.contains("\nCommands:\nEither long or short options are allowed.\n"));
    assert!(h.contains("  --weight       -w weight            capacity of real server\n"));
}

#[test]
fn fwmark_services_list_after_the_others_and_save_as_dash_f() {
    let mut k = director();
    ok(&mut k, "ipvsadm -A -f 7 -s sh -p 600");
    ok(&mut k, "ipvsadm -a -f 7 -r 192.168.10.11 -g");
    ok(&mut k, "ipvsadm -a -f 7 -r 10.0.1.21:8443 -m -w 2");
    ok(&mut k, "ipvsadm -A -t 192.168.10.200:80 -s rr");
    ok(
        &mut k,
        "ipvsadm -a -t 192.168.10.200:80 -r 192.168.10.11:8080 -g",
    );
    let want = [
        "IP Virtual Server version 1.2.1 (size=4096)",
        "Prot LocalAddress:Port Scheduler Flags",
        "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn",
        "TCP  192.168.10.200:80 rr",
        "  -> 192.168.10.11:80             Route   1      0          0         ",
        "FWM  7 sh persistent 600",
        // 192.x before 10.x: the signed-difference quirk of the address sort.
        "  -> 192.168.10.11:0              Route   1      0          0         ",
        "  -> 10.0.1.21:8443               Masq    2      0          0         ",
        "",
    ]
    .join("\n");
    assert_eq!(
        ok(&mut k, "ipvsadm -Ln"),
        want,
        "DR keeps no port for a mark"
    );
    assert!(ok(&mut k, "ipvsadm -Ln -f 7").starts_with("Prot"));
    let saved = ok(&mut k, "ipvsadm -S -n");
    assert!(saved.contains("-A -f 7 -s sh -p 600\n"), "{saved}");
    assert!(
        saved.contains("-a -f 7 -r 192.168.10.11:0 -g -w 1\n"),
        "{saved}"
    );
    ok(&mut k, "ipvsadm -C");
    let (_, _, status) = ipvsadm(&mut k, "ipvsadm -R", &saved);
    assert_eq!(status, 0);
    assert_eq!(ok(&mut k, "ipvsadm -Ln"), want, "restored");
}

#[test]
fn a_bad_fwmark_is_refused_as_ipvsadm_does() {
    let mut k = director();
    for bad in ["0", "x", "-1", "4294967296"] {
        assert_eq!(
            err(&mut k, &format!("ipvsadm -A -f {bad} -s rr")),
            (format!("invalid fwmark value `{bad}' specified\n"), 2),
            "{bad}"
        );
    }
    assert_eq!(
        err(&mut k, "ipvsadm -a -f 3 -r 10.0.0.1"),
        ("Service not defined\n".to_string(), 1)
    );
}
