//! The `netstep` binary as a user runs it: exit statuses, error messages, `--pcap`.

mod common;

use std::process::Command;

fn netstep(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_netstep"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn scratch(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("netstep-cli-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

#[test]
fn run_prints_commands_trace_and_writes_captures() {
    let dir = scratch("run");
    let pcap = dir.join("all.pcap");
    let (code, out, err) = netstep(&[
        "run",
        "labs/arp.lab",
        "--trace",
        "--out",
        dir.to_str().unwrap_or("."),
        "--pcap",
        pcap.to_str().unwrap_or("x.pcap"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("client# ping -c 1 rs1"), "{out}");
    assert!(out.contains(" ◄ sw1 "), "no trace lines:\n{out}");
    assert!(
        out.contains("arp_ignore=1 and 192.168.10.200 is not on eth0"),
        "{out}"
    );
    assert!(out.contains("expects held"), "{out}");
    assert!(dir.join("out/arp.pcapng").exists());
    let check = common::tshark_check(&pcap);
    assert!(check.is_ok(), "{check:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_failing_expect_exits_1_with_file_and_line() {
    let dir = scratch("fail");
    let lab = dir.join("f.lab");
    std::fs::write(&lab, "host a\na: hostname\nexpect contains \"b\"\n").expect("write");
    let (code, _out, err) = netstep(&["run", lab.to_str().unwrap_or("f.lab")]);
    assert_eq!(code, 1);
    assert!(
        err.contains("f.lab:3: expected the output to contain \"b\""),
        "{err}"
    );
    assert!(
        err.contains("--- actual output (exit status 0) ---\na\n"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn check_reports_syntax_errors_without_running() {
    let (code, out, _) = netstep(&["check", "labs/routing.lab"]);
    assert_eq!(code, 0);
    assert!(out.contains("syntax ok"));
    let dir = scratch("check");
    let lab = dir.join("c.lab");
    std::fs::write(&lab, "host a\nlink a\n").expect("write");
    let (code, _, err) = netstep(&["check", lab.to_str().unwrap_or("c.lab")]);
    assert_eq!(code, 1);
    assert!(err.contains("c.lab:2: expected: link"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn draw_prints_dot_or_writes_svg_and_names_a_bad_file() {
    let (code, dot, _) = netstep(&["draw", "labs/lvs-tun.lab"]);
    assert_eq!(code, 0);
    assert!(dot.starts_with("graph \"LVS-TUN: IP-in-IP to real servers behind a router\" {\n"));
    assert!(dot.contains("  \"r1\" -- \"sw2\" [taillabel=\"eth1\", headlabel=\"port1\"];\n"));
    let dir = scratch("draw");
    let svg = dir.join("t.svg");
    let (code, _, _) = netstep(&[
        "draw",
        "labs/lvs-tun.lab",
        "--svg",
        svg.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(&svg).expect("svg written");
    assert!(text.starts_with("<?xml") && text.ends_with("</svg>\n"));
    let (code, _, err) = netstep(&["draw", "labs/none.lab"]);
    assert_eq!(code, 2);
    assert!(err.contains("labs/none.lab"), "{err}");
    let (code, _, err) = netstep(&[
        "run",
        "labs/showtime.lab",
        "--ladder-svg",
        "/no/such/dir/x.svg",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("--ladder-svg /no/such/dir/x.svg"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn show_packet_names_what_a_dr_director_changed() {
    let dir = scratch("show");
    let out_dir = dir.to_str().expect("utf-8");
    let (code, out, _) = netstep(&[
        "run",
        "labs/lvs-dr.lab",
        "--out",
        out_dir,
        "--show-packet",
        "27",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.contains("#27 at   0.000010s: sw1:port2 received from dir\n"),
        "{out}"
    );
    assert!(
        out.contains("\n  【IPv4 src 192.168.10.5 dst 192.168.10.200 ttl 63 proto 6 (TCP)"),
        "{out}"
    );
    assert!(out.contains("changed by dir: ETH dst 02:00:00:00:02:01 → 02:00:00:00:04:01, ETH src 02:00:00:00:01:01 → 02:00:00:00:02:01, IPv4 ttl 64 → 63, IPv4 checksum "), "{out}");
    let (code, _, err) = netstep(&[
        "run",
        "labs/lvs-dr.lab",
        "--out",
        out_dir,
        "--show-packet",
        "99999",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("--show-packet 99999: event 99999: the run had events 1 to "),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// Both SVG writers give well-formed XML (python3's parser reads them), with the drawing's
/// own elements inside.
#[test]
fn svg_files_parse_as_xml() {
    let dir = scratch("svgxml");
    let topo = dir.join("topo.svg");
    let ladder = dir.join("ladder.svg");
    let out_dir = dir.to_str().expect("utf-8");
    let (code, _, _) = netstep(&[
        "draw",
        "labs/lvs-dr.lab",
        "--svg",
        topo.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 0);
    let (code, _, _) = netstep(&[
        "run",
        "labs/showtime.lab",
        "--out",
        out_dir,
        "--ladder-svg",
        ladder.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 0);
    for svg in [&topo, &ladder] {
        let parsed = std::process::Command::new("python3")
            .args([
                "-c",
                "import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); \
                 print(d.documentElement.tagName, len(d.getElementsByTagName('text')))",
            ])
            .arg(svg)
            .output();
        let out = match parsed {
            Ok(o) => o,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                assert!(
                    !common::require_external(),
                    "python3 is needed to parse the SVG"
                );
                eprintln!("SKIP: python3 not installed");
                return;
            }
            Err(e) => panic!("python3: {e}"),
        };
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}: {}",
            svg.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let mut words = text.split_whitespace();
        assert_eq!(words.next(), Some("svg"), "{text}");
        let texts: usize = words.next().and_then(|n| n.parse().ok()).unwrap_or(0);
        assert!(texts > 3, "labels drawn: {text}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_bad_tap_option_is_refused_by_name() {
    let (code, _, err) = netstep(&["run", "labs/arp.lab", "--tap", "client:eth0"]);
    assert_eq!(code, 2);
    assert!(err.contains("expected NODE:IF=DEV"), "{err}");
}

/// `netstep run LAB | head -1`: the reader goes away; netstep ends quietly (SIGPIPE, as cat
/// does), never with a panic.
#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    for args in [
        vec!["run", "labs/dns.lab", "--trace", "--out"],
        vec!["draw", "labs/dns.lab"],
    ] {
        let dir = scratch("pipe");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_netstep"));
        cmd.args(&args);
        if args[0] == "run" {
            cmd.arg(&dir);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawns");
        let mut first = [0u8; 1];
        let _ = child.stdout.as_mut().map(|o| o.read(&mut first));
        drop(child.stdout.take());
        let mut err = String::new();
        let _ = child.stderr.as_mut().map(|e| e.read_to_string(&mut err));
        let status = child.wait().expect("waits");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            status.success() || status.signal() == Some(13),
            "{args:?}: {status:?} {err}"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Bytes that are not UTF-8 are an error on their line, in a lab as in the REPL, where the
/// session goes on.
#[test]
fn invalid_utf8_names_its_line() {
    use std::io::Write;
    use std::process::Stdio;
    let dir = scratch("utf8");
    let lab = dir.join("u.lab");
    std::fs::write(&lab, b"host a\na: echo ok\na: echo \xff\xfe\n").expect("write");
    for cmd in ["check", "run", "draw"] {
        let (code, _out, err) = netstep(&[cmd, lab.to_str().unwrap_or("u.lab")]);
        assert_ne!(code, 0, "{cmd}");
        assert!(
            err.contains("u.lab:3: invalid UTF-8 (byte 0xff at column 9)"),
            "{cmd}: {err}"
        );
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_netstep"))
        .args(["repl", "--no-color", "--out"])
        .arg(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    if let Some(mut i) = child.stdin.take() {
        let _ = i.write_all(b"host a\na: echo \xff\na: echo still here\nquit\n");
    }
    let out = child.wait_with_output().expect("waits");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(stderr.contains("<stdin>:2: invalid UTF-8"), "{stderr}");
    assert!(stdout.contains("still here"), "{stdout}");
    let _ = std::fs::remove_dir_all(dir);
}

/// An error quotes a bounded excerpt of what the lab wrote, with no raw control or
/// bidirectional character.
#[test]
fn error_lines_are_bounded_and_escaped() {
    let dir = scratch("excerpt");
    let lab = dir.join("x.lab");
    let text = format!(
        "host a\nfrob\x1b[31mRED\u{202e}evil\n{}\n",
        "y".repeat(100_000)
    );
    std::fs::write(&lab, text).expect("write");
    let (code, _out, err) = netstep(&["check", lab.to_str().unwrap_or("x.lab")]);
    assert_eq!(code, 1);
    assert!(err.contains("frob\\x1b[31mRED\\u{202e}evil"), "{err}");
    assert!(!err.contains('\x1b') && !err.contains('\u{202e}'), "{err}");
    std::fs::write(&lab, format!("host {}\n", "y".repeat(100_000))).expect("write");
    let (code, _out, err) = netstep(&["check", lab.to_str().unwrap_or("x.lab")]);
    assert_eq!(code, 1);
    assert!(
        err.len() < 400 && err.contains("…(+"),
        "{} bytes: {err}",
        err.len()
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// The REPL's exit status is its session's: 1 when the lab's expect failed or the last line
/// typed failed, as bash's `$?`; 0 otherwise.
#[test]
fn the_repl_exits_with_the_sessions_status() {
    use std::io::Write;
    use std::process::Stdio;
    let dir = scratch("replrc");
    let lab = dir.join("f.lab");
    std::fs::write(&lab, "host a\na: hostname\nexpect contains \"zzz\"\n").expect("write");
    let repl = |args: &[&str], input: &str| -> Option<i32> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_netstep"))
            .args(["repl", "--no-color", "--out"])
            .arg(&dir)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        child.stdin.take()?.write_all(input.as_bytes()).ok()?;
        child.wait().ok()?.code()
    };
    assert_eq!(repl(&[], "host a\na: true\n"), Some(0));
    assert_eq!(repl(&[], "host a\nzz: ping\n"), Some(1));
    assert_eq!(repl(&[], "host a\nzz: ping\na: true\nquit\n"), Some(0));
    assert_eq!(
        repl(&[], "host a\na: true\nexpect exit 3\n\nquit\n"),
        Some(1)
    );
    let lab = lab.display().to_string();
    assert_eq!(repl(&[&lab], "quit\n"), Some(1));
    let _ = std::fs::remove_dir_all(dir);
}

/// Memory running out ends the run with a `netstep:` line naming the statement, not an
/// abort (the address space is limited to 250 MB for the child alone).
#[test]
fn running_out_of_memory_names_the_statement() {
    let dir = scratch("oom");
    let lab = dir.join("oom.lab");
    let names: Vec<String> = (0..40_000).map(|i| format!("n{i}")).collect();
    std::fs::write(&lab, format!("host a\nhost {}\n", names.join(" "))).expect("write");
    let script = format!(
        "ulimit -v 250000 && exec {} run {} --out {}",
        env!("CARGO_BIN_EXE_netstep"),
        lab.display(),
        dir.display()
    );
    let out = Command::new("sh")
        .args(["-c", &script])
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("oom.lab:2: out of memory"), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("memory allocation of"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
