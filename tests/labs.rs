//! Every lab under labs/ is a test: it must run with all its expects holding, give the same
//! output and capture bytes twice in a row, match its golden capture in pcaps/, and pass
//! tshark's checks (no malformed frames, no bad checksums, no expert errors).
//!
//! `NETSTEP_BLESS=1 cargo test --test labs` rewrites the golden captures after a deliberate
//! change; review the diff of their tshark decodes before committing them.

mod common;

use netstep::lab::{run_lab, LabOptions};
use std::path::{Path, PathBuf};

fn labs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("labs")
        .expect("labs/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "lab"))
        .collect();
    v.sort();
    v
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("netstep-test-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// Runs a lab into `dir`; returns its printed output (with the trace) and the captures written.
fn run(lab: &Path, dir: &Path) -> (String, Vec<PathBuf>) {
    let opts = LabOptions {
        trace: true,
        out_dir: dir.to_path_buf(),
        seed: None,
        pcap: None,
        ladder: false,
        ladder_svg: None,
        show_packet: None,
        taps: Vec::new(),
        force: false,
        allow_tap: false,
    };
    let mut out = Vec::new();
    let result = run_lab(lab, &opts, &mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    if let Err(e) = result {
        panic!(
            "{} failed: {e}\n--- output so far ---\n{text}",
            lab.display()
        );
    }
    let mut caps = Vec::new();
    collect(dir, &mut caps);
    caps.sort();
    (text, caps)
}

fn collect(dir: &Path, into: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, into);
        } else {
            into.push(p);
        }
    }
}

#[test]
fn every_lab_passes_is_deterministic_and_matches_its_golden_capture() {
    let labs = labs();
    assert!(labs.len() >= 3, "expected the lessons under labs/");
    for lab in labs {
        let stem = lab
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("lab")
            .to_string();
        let (a_dir, b_dir) = (scratch(&format!("{stem}-a")), scratch(&format!("{stem}-b")));
        let (out_a, caps_a) = run(&lab, &a_dir);
        let (out_b, caps_b) = run(&lab, &b_dir);
        assert_eq!(
            out_a,
            out_b,
            "{}: output differs between two runs",
            lab.display()
        );
        assert!(
            !caps_a.is_empty(),
            "{}: a lab writes a capture",
            lab.display()
        );
        for (ca, cb) in caps_a.iter().zip(&caps_b) {
            let (ba, bb) = (
                std::fs::read(ca).expect("capture"),
                std::fs::read(cb).expect("capture"),
            );
            assert!(
                ba == bb,
                "{}: capture {} differs between two runs",
                lab.display(),
                ca.display()
            );
            check_golden(&stem, ca, &ba);
            match common::tshark_check(ca) {
                Ok(_) => {}
                Err(e) => panic!("{}: tshark: {e}", lab.display()),
            }
        }
        let _ = std::fs::remove_dir_all(&a_dir);
        let _ = std::fs::remove_dir_all(&b_dir);
    }
}

/// The first capture of a lab is its golden one: pcaps/<lab>.<ext>.
fn check_golden(stem: &str, capture: &Path, bytes: &[u8]) {
    let ext = capture
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("pcapng");
    let golden = PathBuf::from(format!("pcaps/{stem}.{ext}"));
    if std::env::var("NETSTEP_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&golden, bytes).expect("write golden capture");
        return;
    }
    let want = std::fs::read(&golden).unwrap_or_else(|_| {
        panic!(
            "missing golden capture {} (NETSTEP_BLESS=1 writes it)",
            golden.display()
        )
    });
    assert!(
        want == bytes,
        "{} differs from the golden {}",
        capture.display(),
        golden.display()
    );
}
