//! The world can be replayed exactly to any event number (what the REPL's `back` will use):
//! stopping a run at event N gives the same trace as the first N events of a full run.

use netstep::lab::parse_lab;
use netstep::lab::runner::{LabOptions, Runner};

fn trace_of(stop_at: Option<u64>) -> Vec<String> {
    let text = std::fs::read_to_string("labs/routing.lab").expect("routing lab");
    let lines = parse_lab("labs/routing.lab", &text).expect("parses");
    let dir = std::env::temp_dir().join(format!(
        "netstep-replay-{}-{}",
        std::process::id(),
        stop_at.unwrap_or(0)
    ));
    let opts = LabOptions {
        out_dir: dir.clone(),
        ..LabOptions::default()
    };
    let mut sink = Vec::new();
    let mut runner = Runner::new(opts, &mut sink);
    runner.world.stop_at = stop_at;
    let result = runner.run(&lines);
    assert_eq!(result.is_ok(), stop_at.is_none(), "{result:?}");
    let trace = runner
        .world
        .trace
        .iter()
        .map(netstep::trace::format_entry)
        .collect();
    drop(runner);
    let _ = std::fs::remove_dir_all(dir);
    trace
}

#[test]
fn stopping_at_event_n_replays_the_same_prefix() {
    let full = trace_of(None);
    assert!(full.len() > 100);
    for n in [1u64, 37, 150] {
        let part = trace_of(Some(n));
        let events: Vec<u64> = part
            .iter()
            .filter_map(|l| l.split(" #").nth(1)?.split(' ').next()?.parse().ok())
            .collect();
        assert!(
            events.iter().all(|e| *e <= n),
            "events beyond {n}: {events:?}"
        );
        assert_eq!(part[..], full[..part.len()], "replay to event {n} diverged");
    }
}
