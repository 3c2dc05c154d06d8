//! keepalived.conf files broken every way: the corpus of files keepalived itself was run
//! on (tests/keepalived/), mutated, read by each of keepalived's processes and by the config
//! test. The reader answers with keepalived's messages; it never panics.

use super::Gen;
use netstep::user::keepalived::conf::lexer::Files;
use netstep::user::keepalived::conf::{parse, Pass};
use std::collections::BTreeMap;

struct Mem(BTreeMap<String, String>);

impl Files for Mem {
    fn read(&self, path: &str) -> Option<String> {
        self.0.get(path).cloned()
    }
    fn glob(&self, pattern: &str) -> Vec<String> {
        self.0.keys().filter(|k| *k == pattern).cloned().collect()
    }
}

fn corpus() -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir("tests/keepalived")
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "conf"))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect()
}

/// `n` mutated files, each read as the parent, the checker, the VRRP child and `-t` do;
/// returns how many messages the reader gave in all.
pub fn run(seed: u64, n: u64) -> u64 {
    let corpus = corpus();
    let mut g = Gen::new(seed);
    let mut messages = 0;
    for _ in 0..n {
        let base = g.pick(&corpus).clone();
        let mut text = base;
        for _ in 0..1 + g.below(4) {
            text = g.mutate(&text);
        }
        let files = Mem(BTreeMap::from([
            ("/k.conf".to_string(), text.clone()),
            ("/inc.conf".to_string(), text),
        ]));
        for (pass, test) in [
            (Pass::Parent, false),
            (Pass::Checker, false),
            (Pass::Vrrp, false),
            (Pass::Vrrp, true),
        ] {
            let ifaces = vec!["lo".to_string(), "eth0".to_string()];
            if let Some(p) = parse(&files, "/k.conf", (pass, test), ifaces, None) {
                messages += p.messages(pass).len() as u64;
            }
        }
    }
    messages
}
