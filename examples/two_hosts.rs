//! Using netstep as a library: build a two-host LAN, run `ping`, and print the trace.
//!
//! `cargo run --example two_hosts`

use netstep::lab::parse::parse_stmt;
use netstep::lab::runner::Runner;
use netstep::lab::{LabOptions, Line};

fn main() {
    let lab = [
        "host alice bob",
        "switch sw1",
        "link alice:eth0 sw1",
        "link bob:eth0 sw1",
        "alice: ifconfig eth0 10.0.0.1/24",
        "bob: ifconfig eth0 10.0.0.2/24",
        "alice: ping -c 2 bob",
        "alice: arp -n",
    ];
    let mut out = std::io::stdout();
    let opts = LabOptions {
        trace: true,
        ..LabOptions::default()
    };
    let mut runner = Runner::new(opts, &mut out);
    for (i, text) in lab.iter().enumerate() {
        let stmt = match parse_stmt(text) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("line {}: {e}", i + 1);
                return;
            }
        };
        let line = Line {
            file: "example".into(),
            line: i + 1,
            text: text.to_string(),
            stmt,
        };
        if let Err(e) = runner.exec(&line) {
            eprintln!("line {}: {e}", i + 1);
            return;
        }
    }
}
