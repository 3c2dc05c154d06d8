//! Processes on a node: `ps`, `pidof`, `pgrep`, `kill` and `pkill`, with bash's and procps'
//! messages, and signals reaching a background program (its handler prints its summary).

mod common;

use netstep::lab::parse::parse_lab;
use netstep::lab::runner::{LabOptions, Runner};

const LAB: &str = r#"
host a b
switch sw1
link a:eth0 sw1
link b:eth0 sw1
a: ifconfig eth0 10.0.0.1/24
b: ifconfig eth0 10.0.0.2/24
b: tcpdump -n -i eth0 &
expect contains "[1] 1002"
b: ps
expect matches "(?m)^    PID TTY          TIME CMD$"
expect matches "(?m)^   1002 pts/0    00:00:00 tcpdump$"
expect matches "(?m)^   1003 pts/0    00:00:00 ps$"
b: ps -ef
expect matches "(?m)^UID          PID    PPID  C STIME TTY          TIME CMD$"
expect matches "(?m)^root        1002    1000  0 00:00 pts/0    00:00:00 tcpdump -n -i eth0$"
b: pidof tcpdump
expect contains "1002"
b: pidof nothing
expect exit 1
b: pgrep tcpdump
expect contains "1002"
b: kill 4242
expect contains "bash: kill: (4242) - No such process"
expect exit 1
b: kill -9
expect contains "kill: usage: kill [-s sigspec"
expect exit 2
b: kill -FOO 1002
expect contains "bash: kill: FOO: invalid signal specification"
b: kill two
expect contains "bash: kill: two: arguments must be process or job IDs"
b: ps -Q
expect contains "error: unsupported SysV option"
a: ping -c 1 b
b: pkill -INT tcpdump
expect exit 0
b: wait
expect contains "ICMP echo request"
expect contains "packets captured"
expect exit 0
b: ifconfig eth0
expect contains "flags=4163<UP,BROADCAST,RUNNING,MULTICAST>"
b: pkill tcpdump
expect exit 1
a: ping -c 100 b &
run 2s
a: kill -9 1003
a: wait
expect not contains "ping statistics"
expect exit 137
"#;

/// `$?` is the terminal shell's: it survives from one line of a node to the next, each node
/// keeps its own, and a background line leaves 0 (issue 14, item 10).
const STATUS_LAB: &str = r#"
host a b
a: false
b: true
a: echo $?
expect contains "1"
b: echo $?
expect contains "0"
a: grep nothing /etc/hostname
expect exit 1
a: echo "last: $?"
expect contains "last: 1"
a: echo again $?
expect contains "again 0"
a: false
a: sleep 1 &
a: echo $?
expect contains "0"
"#;

#[test]
fn exit_status_survives_between_lines() {
    if let Err(e) = common::run_lab_text("status.lab", STATUS_LAB) {
        panic!("{e}");
    }
}

#[test]
fn ps_kill_pidof_pkill() {
    if let Err(e) = common::run_lab_text("processes.lab", LAB) {
        panic!("{e}");
    }
}

/// Finished processes are reaped (by the terminal for commands, by their parent for
/// children, by init for daemons and orphans), so a long lab's process table holds only
/// what is alive: each command costs the same however many came before it.
#[test]
fn finished_processes_do_not_pile_up() {
    let mut text = String::from("host a\na: httpd\na: sleep 1 &\n");
    for _ in 0..3000 {
        text.push_str("a: true\n");
    }
    text.push_str("a: wait\nrun 2s\n");
    let lines = parse_lab("many.lab", &text).expect("parses");
    let mut out = Vec::new();
    let mut runner = Runner::new(LabOptions::default(), &mut out);
    for line in &lines {
        runner.exec(line).expect("runs");
    }
    let host = runner.world.host(0).expect("host");
    let pids: Vec<u32> = host.kernel.procs.procs.keys().copied().collect();
    // systemd (1), the terminal's login shell and httpd (daemonized) are all that is left.
    assert_eq!(pids.len(), 3, "{pids:?}");
    assert!(host.kernel.procs.procs.values().all(|p| p.status.is_none()));
}
