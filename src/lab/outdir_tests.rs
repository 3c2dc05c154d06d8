//! Each way a lab could reach a host file outside its output directory is refused.

use super::*;

/// A fresh output directory for one test.
fn root(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("netstep-outdir-{name}"));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).expect("temp dir");
    d
}

#[test]
fn absolute_paths_and_dot_dot_are_refused() {
    let d = root("escape");
    let mut o = OutDir::new(&d, false);
    for bad in [
        "/etc/passwd",
        "../../x.pcapng",
        "out/../../x.pcapng",
        "",
        ".",
    ] {
        assert!(o.prepare(bad, "l:1").is_err(), "{bad}");
    }
    let e = o.prepare("/etc/passwd", "l:1").unwrap_err();
    assert!(e.contains("absolute path"), "{e}");
    assert!(!d.join("etc").exists());
}

#[test]
fn directories_are_made_below_the_root_only() {
    let d = root("dirs");
    let mut o = OutDir::new(&d, false);
    let p = o.prepare("out/deep/x.pcapng", "l:1").expect("fine");
    assert_eq!(p, d.join("out/deep/x.pcapng"));
    assert!(d.join("out/deep").is_dir());
}

#[test]
fn symbolic_links_are_not_followed() {
    let d = root("links");
    std::os::unix::fs::symlink(std::env::temp_dir(), d.join("away")).expect("symlink");
    std::os::unix::fs::symlink("/etc/passwd", d.join("pw.pcapng")).expect("symlink");
    let mut o = OutDir::new(&d, true);
    let e = o.prepare("away/x.pcapng", "l:1").unwrap_err();
    assert!(e.contains("away is a symbolic link"), "{e}");
    let e = o.prepare("pw.pcapng", "l:1").unwrap_err();
    assert!(e.contains("symbolic link"), "{e}");
}

#[test]
fn only_files_netstep_wrote_are_replaced_unless_forced() {
    let d = root("overwrite");
    fs::write(d.join("notes.txt"), "my notes").expect("write");
    fs::write(d.join("empty.pcapng"), "").expect("write");
    let mut ng = PCAPNG.to_vec();
    ng.extend_from_slice(b"\x1c\x00\x00\x00....netstep");
    fs::write(d.join("old.pcapng"), &ng).expect("write");
    fs::write(d.join("s.lab"), format!("{SAVED_LAB}\nhost a\n")).expect("write");
    let mut o = OutDir::new(&d, false);
    let e = o.prepare("notes.txt", "l:1").unwrap_err();
    assert!(e.contains("--force"), "{e}");
    for ok in ["empty.pcapng", "old.pcapng", "s.lab"] {
        assert!(o.prepare(ok, "l:2").is_ok(), "{ok}");
    }
    let mut forced = OutDir::new(&d, true);
    assert!(forced.prepare("notes.txt", "l:1").is_ok());
}

#[test]
fn fifos_and_directories_are_refused_even_forced() {
    let d = root("special");
    let made = std::process::Command::new("mkfifo")
        .arg(d.join("fifo"))
        .status()
        .is_ok_and(|s| s.success());
    fs::create_dir(d.join("dir")).expect("dir");
    let mut o = OutDir::new(&d, true);
    if made {
        let e = o.prepare("fifo", "l:1").unwrap_err();
        assert!(e.contains("not a regular file"), "{e}");
    }
    let e = o.prepare("dir", "l:1").unwrap_err();
    assert!(e.contains("not a regular file"), "{e}");
}

#[test]
fn a_file_is_written_once_per_run() {
    let d = root("twice");
    let mut o = OutDir::new(&d, false);
    o.prepare("out/a.pcapng", "lab.lab:3").expect("first");
    let e = o.prepare("out/./a.pcapng", "lab.lab:9").unwrap_err();
    assert!(e.contains("already written by lab.lab:3"), "{e}");
    o.claim_user_file(&d.join("b.pcapng"), "--pcap");
    let e = o.prepare("b.pcapng", "lab.lab:4").unwrap_err();
    assert!(e.contains("already written by --pcap"), "{e}");
}
