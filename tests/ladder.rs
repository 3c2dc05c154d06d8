//! The ladder diagram of the seed's first demo, against its golden text: the handshake, the
//! request, the reply and the close (three segments: the ACK of the server's FIN rides on our
//! own FIN, as Linux's delayed ACK lets it), one arrow per frame and hop.
//! `NETSTEP_BLESS=1 cargo test --test ladder` rewrites the golden file after a deliberate change.

use netstep::lab::{run_lab, LabOptions};
use std::path::PathBuf;

#[test]
fn showtime_ladder_matches_its_golden_text() {
    let dir = std::env::temp_dir().join(format!("netstep-ladder-{}", std::process::id()));
    let opts = LabOptions {
        out_dir: dir.clone(),
        ladder: true,
        ..LabOptions::default()
    };
    let mut out = Vec::new();
    run_lab(&PathBuf::from("labs/showtime.lab"), &opts, &mut out).expect("lab runs");
    let _ = std::fs::remove_dir_all(dir);
    let text = String::from_utf8(out).expect("utf-8");
    let start = text
        .find("                         client")
        .expect("ladder header");
    let ladder = &text[start..];
    let golden = PathBuf::from("tests/golden/showtime.ladder");
    if std::env::var_os("NETSTEP_BLESS").is_some() {
        std::fs::write(&golden, ladder).expect("write golden");
    }
    let want = std::fs::read_to_string(&golden).expect("golden file");
    assert_eq!(ladder, want, "the ladder changed:\n{ladder}");
    assert!(ladder.contains("│───────────GET /────────────►│"));
    assert!(ladder.contains("│◄─────HTTP/1.0 200 OK────────│"));
}
