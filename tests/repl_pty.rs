//! `netstep repl` end to end on a pseudo-terminal (tests/support/pty_drive.py waits for each
//! prompt before it types): a node command, `enter`, a bare command, `exit`, Ctrl-D; the
//! history file; colour on a terminal and none with NO_COLOR.

mod common;

use std::process::Command;

/// Runs the driver; None when python3 is missing and external tools are not required.
fn drive(home: &std::path::Path, no_color: bool, steps: &[&str]) -> Option<(i32, String)> {
    let mut cmd = Command::new("python3");
    cmd.arg("tests/support/pty_drive.py")
        .args(steps)
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_netstep"))
        .args(["repl", "labs/arp.lab"])
        .env("HOME", home)
        .env("TERM", "xterm");
    if no_color {
        cmd.env("NO_COLOR", "1");
    } else {
        cmd.env_remove("NO_COLOR");
    }
    match cmd.output() {
        Ok(o) => Some((
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            assert!(
                !common::require_external(),
                "python3 is needed for the pty test"
            );
            eprintln!("SKIP: python3 not installed");
            None
        }
        Err(e) => panic!("python3: {e}"),
    }
}

fn home(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("netstep-pty-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("home");
    d
}

#[test]
fn a_session_on_a_terminal() {
    let h = home("session");
    let steps = [
        "netstep> =client: ping -c1 rs1",
        "netstep> =enter rs1",
        "rs1# =arp -n",
        "rs1# =exit",
        "netstep> =back 2",
        "netstep> =^D",
    ];
    let Some((status, out)) = drive(&h, false, &steps) else {
        return;
    };
    assert_eq!(status, 0, "{out}");
    assert!(out.contains("1 received"), "{out}");
    assert!(
        out.contains("192.168.10.5             ether   02:00:00:00:01:01"),
        "rs1's arp -n: {out}"
    );
    assert!(out.contains("back at event"), "{out}");
    assert!(out.contains("\x1b[3"), "coloured on a terminal: {out}");
    let history = std::fs::read_to_string(h.join(".netstep_history")).expect("history file");
    for line in [
        "client: ping -c1 rs1",
        "enter rs1",
        "arp -n",
        "exit",
        "back 2",
    ] {
        assert!(history.lines().any(|l| l == line), "{line} in {history}");
    }
}

#[test]
fn no_color_means_plain_text() {
    let h = home("plain");
    let Some((status, out)) = drive(
        &h,
        true,
        &["netstep> =client: ping -c1 rs1", "netstep> =quit"],
    ) else {
        return;
    };
    assert_eq!(status, 0, "{out}");
    assert!(out.contains("1 received"), "{out}");
    let body: String = out
        .lines()
        .filter(|l| l.starts_with('[') || l.starts_with("  "))
        .collect();
    assert!(
        !body.contains("\x1b[3") && !body.contains("\x1b[2m"),
        "{out}"
    );
}
