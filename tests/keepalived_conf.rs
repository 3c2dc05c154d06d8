//! keepalived.conf as the real keepalived reads it. Each file in tests/keepalived/ was given
//! to Debian 12's keepalived 2.2.7 (`keepalived -t -f FILE`, in a namespace whose eth0 is
//! 192.168.10.101/24: tests/support/record_keepalived_corpus.sh), and what it printed and
//! its exit status are in FILE.expected. netstep's keepalived, on a node with the same
//! interface, must print the same lines and exit the same way.

use netstep::lab::parse::parse_lab;
use netstep::lab::runner::{LabOptions, Runner};
use std::path::PathBuf;

const NODE: &str = "host h\nswitch s\nlink h:eth0 s\nh: ifconfig eth0 192.168.10.101/24\n";

fn corpus() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("tests/keepalived")
        .expect("tests/keepalived exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "conf"))
        .collect();
    v.sort();
    v
}

/// `keepalived -t` on a node holding `conf` at /tmp/netstep-ka/NAME.conf.
fn config_test(name: &str, conf: &[u8]) -> String {
    let path = format!("/tmp/netstep-ka/{name}.conf");
    let mut out = Vec::new();
    let mut runner = Runner::new(LabOptions::default(), &mut out);
    for line in parse_lab("node.lab", NODE).expect("node lab") {
        runner.exec(&line).expect("node set up");
    }
    let k = &mut runner.world.host_mut(0).expect("host").kernel;
    k.vfs.mkdir("/tmp/netstep-ka").expect("mkdir");
    k.vfs.write(&path, conf, false).expect("write conf");
    let cmd = format!("h: keepalived -t -f {path}\n");
    for line in parse_lab("test.lab", &cmd).expect("command") {
        runner.exec(&line).expect("runs");
    }
    let (text, status) = runner.last_output().expect("an output");
    format!("{text}[exit {status}]\n")
}

#[test]
fn config_test_says_what_keepalived_2_2_7_says() {
    let mut failures = Vec::new();
    let files = corpus();
    assert!(files.len() >= 50, "the corpus is in tests/keepalived");
    for f in &files {
        let name = f.file_stem().and_then(|s| s.to_str()).unwrap_or("conf");
        let conf = std::fs::read(f).expect("conf");
        let want = std::fs::read_to_string(f.with_extension("expected")).expect("expected");
        let got = config_test(name, &conf);
        if got != want {
            failures.push(format!(
                "== {name}\n--- keepalived 2.2.7\n{want}--- netstep\n{got}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
