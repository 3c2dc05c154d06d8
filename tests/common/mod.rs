//! Helpers shared by the integration tests. Each test binary compiles this module on its own and
//! uses only some of it, hence the `dead_code` allowances.

use std::path::Path;
use std::process::Command;

/// Display filter matching every frame tshark finds wrong. Field names checked against tshark
/// 4.0 (`tshark -G fields`, `tshark -G values`): `*.checksum.status` 0 is "Bad", and
/// `_ws.expert.severity` 8388608 is "Error". Numbers rather than the value names: tshark 4.0
/// accepts both, and the numbers are what the dissectors define, so they cannot drift.
#[allow(dead_code)]
pub const TSHARK_PROBLEMS: &str = "_ws.malformed || _ws.expert.severity == 8388608 \
     || ip.checksum.status == 0 || icmp.checksum.status == 0 \
     || udp.checksum.status == 0 || tcp.checksum.status == 0";

/// Whether `.ci/run` asked for the external tools to be present (a skip becomes a failure).
#[allow(dead_code)]
pub fn require_external() -> bool {
    std::env::var("NETSTEP_REQUIRE_EXTERNAL")
        .map(|v| !v.is_empty() && v != "0")
        .unwrap_or(false)
}

/// Runs tshark with checksum validation on (it is off by default for IP, TCP and UDP).
/// Ok(None) when tshark is not installed.
#[allow(dead_code)]
fn tshark(path: &Path, extra: &[&str]) -> Result<Option<String>, String> {
    let output = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(path)
        .args([
            "-o",
            "ip.check_checksum:TRUE",
            "-o",
            "tcp.check_checksum:TRUE",
            "-o",
            "udp.check_checksum:TRUE",
        ])
        .args(extra)
        .output();
    let output = match output {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("tshark: {e}")),
    };
    if !output.status.success() {
        // tshark warns on stderr when run as root; keep it only to explain a real failure.
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "tshark failed on {} ({}): {}",
            path.display(),
            output.status,
            stderr.trim()
        ));
    }
    Ok(Some(String::from_utf8_lossy(&output.stdout).into_owned()))
}

/// Checks a capture with tshark: zero malformed packets, zero bad checksums (IP, ICMP, UDP, TCP),
/// zero expert items of severity Error. Returns Ok(Some(summary)) when checked, Ok(None) when tshark is
/// missing and NETSTEP_REQUIRE_EXTERNAL is not set (print "SKIP: tshark not installed" to stderr),
/// Err(msg) on any problem (including tshark missing while NETSTEP_REQUIRE_EXTERNAL=1).
#[allow(dead_code)]
pub fn tshark_check(path: &Path) -> Result<Option<String>, String> {
    let bad = match tshark(path, &["-Y", TSHARK_PROBLEMS])? {
        Some(out) => out,
        None if require_external() => {
            return Err("tshark not installed and NETSTEP_REQUIRE_EXTERNAL is set".to_string())
        }
        None => {
            eprintln!("SKIP: tshark not installed");
            return Ok(None);
        }
    };
    let bad: Vec<&str> = bad.lines().filter(|l| !l.trim().is_empty()).collect();
    if !bad.is_empty() {
        return Err(format!(
            "tshark found {} bad frame(s) in {}:\n{}",
            bad.len(),
            path.display(),
            bad.join("\n")
        ));
    }
    // A second, cheap pass to count frames, so an empty capture cannot pass unnoticed.
    let numbers = tshark(path, &["-T", "fields", "-e", "frame.number"])?.unwrap_or_default();
    let frames = numbers.lines().filter(|l| !l.trim().is_empty()).count();
    Ok(Some(format!(
        "{}: {frames} frames, none malformed, no bad checksums, no expert errors",
        path.display()
    )))
}

/// Runs a lab given as text: Ok(its output) when every statement and expectation held.
#[allow(dead_code)]
pub fn run_lab_text(name: &str, text: &str) -> Result<String, String> {
    let lines = netstep::lab::parse::parse_lab(name, text)?;
    let mut out = Vec::new();
    let mut runner =
        netstep::lab::runner::Runner::new(netstep::lab::runner::LabOptions::default(), &mut out);
    let result = runner.run(&lines);
    drop(runner);
    let out = String::from_utf8_lossy(&out).into_owned();
    result
        .map(|_| out.clone())
        .map_err(|e| format!("{e:?}\n{out}"))
}
