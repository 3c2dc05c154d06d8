//! A few thousand broken inputs of every kind in each `cargo test` (tests/fuzz/ makes
//! them; `cargo run --release --example fuzz -- SURFACE N` runs millions). Each must be
//! answered, never panicked on.

#[path = "fuzz/mod.rs"]
mod fuzz;

#[test]
fn broken_lab_lines_never_panic() {
    let ran = fuzz::text::labs(11, 1_500);
    assert!(ran > 0, "some generated labs still run");
}

#[test]
fn broken_command_lines_never_panic() {
    assert!(fuzz::text::commands(12, 2_000) > 1_000);
}

#[test]
fn broken_repl_lines_never_panic() {
    assert!(fuzz::text::repl(13, 150) > 1_000);
}

#[test]
fn broken_keepalived_conf_never_panics() {
    assert!(fuzz::keepalived::run(14, 1_500) > 0);
}

#[test]
fn garbage_frames_never_panic_the_host() {
    let mut w = fuzz::frames::world().expect("world");
    let events = fuzz::frames::run(&mut w, 7, 5_000).expect("runs");
    assert!(events >= 5_000, "every input was delivered: {events}");
}
