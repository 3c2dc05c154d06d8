//! Time and memory follow what a lab does now, not everything it did: events are kept only
//! for an output that needs them, finished processes are reaped (tests/processes.rs), every
//! statement that moves the world has the event budget (tests/bad_input.rs).

use netstep::lab::parse::parse_lab;
use netstep::lab::runner::{LabOptions, Runner};

const LAB: &str = "host a b\nswitch s\nlink a:eth0 s\nlink b:eth0 s\na: ifconfig eth0 10.0.0.1/24\nb: ifconfig eth0 10.0.0.2/24\na: ping -q -c 2000 -i 0 b\nstep 10\n";

fn run(opts: &LabOptions) -> (usize, String) {
    let lines = parse_lab("bounds.lab", LAB).expect("parses");
    let mut out = Vec::new();
    let mut runner = Runner::for_run(opts, &mut out);
    for l in &lines {
        runner.exec(l).expect("runs");
    }
    let kept = runner.world.trace.len();
    drop(runner);
    (kept, String::from_utf8_lossy(&out).into_owned())
}

#[test]
fn a_plain_run_keeps_no_events() {
    let (kept, out) = run(&LabOptions::default());
    assert_eq!(kept, 0);
    assert!(
        out.contains("2000 packets transmitted, 2000 received"),
        "{out}"
    );
    // `step` still shows the events it took (here the ARP entries going stale).
    assert!(
        out.contains(" b timer\n") && out.contains("REACHABLE → STALE"),
        "{out}"
    );
}

#[test]
fn the_outputs_that_need_the_events_keep_them() {
    let opts = LabOptions {
        ladder: true,
        ..Default::default()
    };
    let (kept, _) = run(&opts);
    assert!(kept > 8_000, "{kept}");
}
