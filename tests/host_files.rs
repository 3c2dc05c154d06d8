//! What a lab may touch on the host (README, "What a lab may touch"): it writes only below
//! its output directory, never through a symbolic link, never over a file netstep did not
//! write (unless --force), never twice into one file; its nodes' files are their own.

use std::path::{Path, PathBuf};
use std::process::Command;

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("netstep-host-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// Runs `lab_text` (written to DIR/l.lab) with `--out DIR/out` and the extra flags.
fn run(dir: &Path, lab_text: &str, extra: &[&str]) -> (i32, String) {
    let lab = dir.join("l.lab");
    std::fs::write(&lab, lab_text).expect("write lab");
    let out = dir.join("out");
    let mut args = vec![
        "run".to_string(),
        lab.display().to_string(),
        "--out".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let o = Command::new(env!("CARGO_BIN_EXE_netstep"))
        .args(&args)
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&o.stderr).into_owned();
    (o.status.code().unwrap_or(-1), text)
}

const NET: &str = "host a b\nswitch s\nlink a:eth0 s\nlink b:eth0 s\n";

#[test]
fn absolute_and_escaping_capture_paths_are_refused_and_touch_nothing() {
    let d = scratch("escape");
    let victim = d.join("victim.txt");
    std::fs::write(&victim, "precious").expect("write");
    let lab = format!("{NET}capture {}\n", victim.display());
    let (code, err) = run(&d, &lab, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("l.lab:5: capture"), "{err}");
    assert!(err.contains("an absolute path"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&victim).ok().as_deref(),
        Some("precious")
    );
    let (code, err) = run(&d, &format!("{NET}capture ../../escaped/x.pcapng\n"), &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("'..' leaves the output directory"), "{err}");
    assert!(!d.join("escaped").exists() && !d.parent().is_some_and(|p| p.join("escaped").exists()));
}

#[test]
fn a_symbolic_link_in_the_output_directory_is_not_followed() {
    let d = scratch("symlink");
    let victim = d.join("victim.txt");
    std::fs::write(&victim, "precious").expect("write");
    std::fs::create_dir_all(d.join("out")).expect("out");
    std::os::unix::fs::symlink(&victim, d.join("out/x.pcapng")).expect("symlink");
    let (code, err) = run(&d, &format!("{NET}capture x.pcapng\n"), &["--force"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&victim).ok().as_deref(),
        Some("precious")
    );
}

#[test]
fn a_file_netstep_did_not_write_is_kept_unless_forced() {
    let d = scratch("force");
    std::fs::create_dir_all(d.join("out")).expect("out");
    std::fs::write(d.join("out/notes.pcapng"), "my notes").expect("write");
    let lab = format!("{NET}capture notes.pcapng\n");
    let (code, err) = run(&d, &lab, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not a file netstep wrote"), "{err}");
    let (code, err) = run(&d, &lab, &["--force"]);
    assert_eq!(code, 0, "{err}");
    // Now it is a capture netstep wrote: a second run replaces it without --force.
    let (code, err) = run(&d, &lab, &[]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_fifo_is_refused_at_the_statement_instead_of_hanging() {
    let d = scratch("fifo");
    std::fs::create_dir_all(d.join("out")).expect("out");
    let made = Command::new("mkfifo")
        .arg(d.join("out/x.pcapng"))
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("SKIP: no mkfifo");
        return;
    }
    let (code, err) = run(&d, &format!("{NET}capture x.pcapng\n"), &["--force"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("l.lab:5:") && err.contains("not a regular file"),
        "{err}"
    );
}

#[test]
fn one_file_is_written_once_per_run() {
    let d = scratch("twice");
    let lab = format!("{NET}capture same.pcapng\ncapture ./same.pcapng a:eth0\n");
    let (code, err) = run(&d, &lab, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("l.lab:6:") && err.contains("already written by"),
        "{err}"
    );
    assert!(err.contains("l.lab:5"), "{err}");
    std::fs::create_dir_all(d.join("out")).expect("out");
    let pcap = d.join("out/all.pcapng");
    let flag = format!("--pcap={}", pcap.display());
    let (code, err) = run(&d, &format!("{NET}capture all.pcapng\n"), &[&flag]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("already written by --pcap"), "{err}");
}

#[test]
fn a_lab_cannot_capture_over_itself() {
    let d = scratch("itself");
    let lab = format!("# saved by netstep repl\n{NET}capture ../l.lab\n");
    let (code, err) = run(&d, &lab, &["--force"]);
    assert_eq!(code, 1, "{err}");
    // With --out pointing at the lab's own directory the path is plain, and still refused.
    let lab_path = d.join("l.lab");
    std::fs::write(
        &lab_path,
        format!("# saved by netstep repl\n{NET}capture l.lab\n"),
    )
    .expect("write");
    let o = Command::new(env!("CARGO_BIN_EXE_netstep"))
        .args(["run", &lab_path.display().to_string(), "--out"])
        .arg(&d)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("already written by the lab itself"), "{err}");
    assert!(std::fs::read_to_string(&lab_path).is_ok_and(|t| t.contains("capture l.lab")));
}

#[test]
fn nodes_read_and_write_only_their_own_files() {
    let d = scratch("sealed");
    let before = std::fs::read("/etc/passwd").ok();
    let lab = format!(
        "{NET}a: cat /etc/shadow\nexpect contains \"No such file\"\na: echo x > /etc/passwd\na: tcpdump -w /etc/passwd -c 1 &\nb: ping -c 1 a\na: wait\na: cat /etc/hostname\nexpect contains \"a\"\n"
    );
    let (code, err) = run(&d, &lab, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read("/etc/passwd").ok(), before);
}
