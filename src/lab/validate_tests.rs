//! What `check` finds without running: each kind of mistake `run` would stop at.

use super::*;
use crate::lab::parse::parse_lab;

fn check(text: &str) -> Result<(), String> {
    let lines = parse_lab("v.lab", text)?;
    validate(&lines, &LabOptions::default())
}

#[test]
fn mistakes_run_would_find_are_found_without_running() {
    let net = "host a b\nswitch s\nlink a:eth0 s\n";
    for (bad, want) in [
        ("host 1bad", "v.lab:4: bad node name '1bad'"),
        ("host c c", "v.lab:4: duplicate node name 'c'"),
        (
            "host c\nseed 3",
            "v.lab:5: seed must come before the first node",
        ),
        ("link zz:eth0 s", "v.lab:4: unknown node 'zz'"),
        ("zz: ping a", "v.lab:4: unknown node 'zz'"),
        ("link a:eth0 b:eth0", "v.lab:4: a:eth0 is already linked"),
        ("link a:foo s", "v.lab:4: bad interface name 'foo'"),
        ("link a:eth01 s", "v.lab:4: bad interface name 'eth01'"),
        ("link a:lo s", "v.lab:4: lo cannot be linked"),
        ("link a s", "v.lab:4: 'a' is a host: say which interface"),
        (
            "link s:eth1 b:eth0",
            "v.lab:4: 's' is a switch: its ports have no names",
        ),
        (
            "link b:eth1 b:eth1",
            "v.lab:4: a link needs two different ends",
        ),
        ("link down b:eth3", "v.lab:4: b has no interface 'eth3'"),
        ("s: ping a", "v.lab:4: s is a switch: it runs no commands"),
        ("capture x.pcapng s:uplink", "v.lab:4: bad port 'uplink'"),
        (
            "capture /tmp/x.pcapng",
            "v.lab:4: capture /tmp/x.pcapng: an absolute path",
        ),
        (
            "capture ../x.pcapng",
            "v.lab:4: capture ../x.pcapng: '..' leaves",
        ),
        (
            "capture x.pcapng\ncapture ./x.pcapng",
            "v.lab:5: capture ./x.pcapng: already written by v.lab:4",
        ),
    ] {
        let Err(e) = check(&format!("{net}{bad}\n")) else {
            panic!("`{bad}` was accepted");
        };
        assert!(e.starts_with(want), "`{bad}`: {e}");
    }
}

#[test]
fn what_only_running_can_tell_is_left_to_run() {
    // Interfaces made by commands, a switch's brctl, link up of a linked end.
    let ok = "host a\nswitch s\nlink a:eth0 s\na: ifconfig tunl0 10.0.0.1 up\ncapture t.pcapng a:tunl0 s:port1\ns: brctl showmacs s\nlink down a:eth0\nlink up a:eth0\n";
    assert_eq!(check(ok), Ok(()));
}

#[test]
fn a_tap_option_must_name_a_declared_host_interface() {
    let lines = parse_lab("v.lab", "host a\n").expect("parses");
    let tap = |n: &str, i: &str| LabOptions {
        taps: vec![(n.into(), i.into(), "tap0".into())],
        ..Default::default()
    };
    let e = validate(&lines, &tap("zz", "eth0")).unwrap_err();
    assert_eq!(e, "--tap zz:eth0=tap0: the lab declares no node 'zz'");
    let e = validate(&lines, &tap("a", "eth01")).unwrap_err();
    assert!(e.contains("bad interface name 'eth01'"), "{e}");
    assert_eq!(validate(&lines, &tap("a", "eth0")), Ok(()));
}

#[test]
fn every_lab_of_the_course_is_valid() {
    let mut n = 0;
    for e in std::fs::read_dir("labs").expect("labs/") {
        let path = e.expect("entry").path();
        if path.extension().is_some_and(|x| x == "lab") {
            let text = std::fs::read_to_string(&path).expect("read");
            let lines = parse_lab(&path.display().to_string(), &text).expect("parses");
            assert_eq!(validate(&lines, &LabOptions::default()), Ok(()), "{path:?}");
            n += 1;
        }
    }
    assert!(n >= 16);
}
