//! keepalived's processes as the real ones behave (docs/keepalived-real.md): a child killed
//! with SIGKILL is respawned with the rate limit, the parent's death ends its children
//! cleanly (PR_SET_PDEATHSIG), SIGHUP reloads, a configuration the VRRP child cannot run
//! stops everything, and systemd's view of all that. Each scenario is a lab whose expects
//! must hold.

mod common;

use netstep::lab::parse::parse_lab;
use netstep::lab::runner::{LabOptions, Runner};

const SETUP: &str = r#"
host lb1 lb2
switch sw1
link lb1:eth0 sw1
link lb2:eth0 sw1
lb1: ifconfig eth0 192.168.10.101/24
lb2: ifconfig eth0 192.168.10.102/24
lb1: cat > /etc/keepalived/keepalived.conf <<EOF
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.168.10.200/24 dev eth0 label eth0:2
    }
}
EOF
lb2: cat > /etc/keepalived/keepalived.conf <<EOF
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 50
    advert_int 1
    virtual_ipaddress {
        192.168.10.200/24 dev eth0 label eth0:2
    }
}
EOF
"#;

fn run(name: &str, body: &str) {
    let text = format!("{SETUP}{body}");
    if let Err(e) = common::run_lab_text(name, &text) {
        panic!("{e}");
    }
}

#[test]
fn a_killed_vrrp_child_is_respawned_and_cleans_up_its_stale_vip() {
    run(
        "respawn.lab",
        r#"
lb1: keepalived -D
lb2: keepalived
run 4s
lb1: ps -ef
expect matches "(?m)^root +1004 +1 .* \? +00:00:00 keepalived -D$"
expect matches "(?m)^root +1005 +1004 .* keepalived -D$"
lb1: kill -9 1005
run 1s
lb1: grep Keepalived /var/log/syslog
expect contains "Keepalived[1004]: pid 1005 exited due to signal 9 (Killed) - has rlimit_rttime been exceeded?"
expect contains "Keepalived[1004]: VRRP child process(1005) died: Respawning"
expect contains "Keepalived[1004]:   Please log an issue at https://github.com/acassen/keepalived/issues/"
expect contains "Keepalived[1004]: Restart of VRRP process delayed 0 seconds to limit respawn rate"
expect contains "Keepalived[1004]: Starting VRRP child process, pid=1008"
expect contains "Keepalived_vrrp[1008]: (VI_1) removing VIPs."
expect contains "Keepalived[1004]: read eventfd count 1, num_reloading 0"
lb1: ifconfig eth0:2
expect not contains "192.168.10.200"
lb1: kill -9 1008
run 3s
lb1: grep "delayed" /var/log/syslog
expect contains "Restart of VRRP process delayed 1 seconds to limit respawn rate"
"#,
    );
}

#[test]
fn the_parents_death_stops_its_children_cleanly() {
    run(
        "parent.lab",
        r#"
lb1: keepalived
lb2: keepalived
run 4s
lb1: cat /run/keepalived.pid /run/vrrp.pid
expect matches "^1004\n1005\n$"
lb1: kill -9 1004
run 2s
lb1: ps -ef
expect not contains "keepalived"
lb1: ifconfig eth0:2
expect not contains "192.168.10.200"
lb2: ifconfig eth0:2
expect contains "192.168.10.200"
lb2: grep Keepalived_vrrp /var/log/syslog
expect contains "(VI_1) Entering MASTER STATE"
lb1: cat /run/keepalived.pid
expect contains "1004"
lb1: ls /run
expect not contains "vrrp.pid"
lb1: keepalived
lb1: grep zombie /var/log/syslog
expect contains "Remove a zombie pid file /run/keepalived.pid"
lb1: keepalived
expect exit 0
lb1: grep "already" /var/log/syslog
expect contains "daemon is already running"
"#,
    );
}

#[test]
fn sighup_reloads_and_keeps_the_state() {
    run(
        "reload.lab",
        r#"
lb1: systemctl start keepalived
run 4s
lb1: systemctl reload keepalived
expect exit 0
lb1: journalctl -u keepalived -n 6
expect contains "systemd[1]: Reloading keepalived.service - Keepalive Daemon (LVS and VRRP)..."
expect contains "Keepalived[1004]: Reloading ..."
expect contains "Keepalived[1004]: Configuration file /etc/keepalived/keepalived.conf"
expect contains "Keepalived_vrrp[1005]: Reloading"
expect contains "Keepalived[1004]: Reload complete"
expect contains "systemd[1]: Reloaded keepalived.service - Keepalive Daemon (LVS and VRRP)."
lb1: ifconfig eth0:2
expect contains "192.168.10.200"
lb1: systemctl restart keepalived
lb1: systemctl status keepalived
expect contains "Main PID: 1011 (keepalived)"
expect contains "Active: active (running)"
"#,
    );
}

#[test]
fn a_config_the_vrrp_child_cannot_run_stops_keepalived() {
    run(
        "config.lab",
        r#"
lb1: cat > /etc/keepalived/keepalived.conf <<EOF
vrrp_instance VI_1 {
    interface eth9
    virtual_router_id 51
}
EOF
lb1: keepalived -t
expect contains "(/etc/keepalived/keepalived.conf: Line 2) WARNING - interface eth9 for vrrp_instance VI_1 doesn't exist"
expect contains "Non-existent interface specified in configuration"
expect exit 5
lb1: systemctl start keepalived
expect contains "Job for keepalived.service failed because the control process exited with error code."
expect exit 1
lb1: systemctl status keepalived
expect contains "Active: failed (Result: exit-code)"
expect contains "Keepalived[1006]: pid 1007 exited with permanent error CONFIG. Terminating"
expect contains "Keepalived[1006]: Stopped Keepalived v2.2.7 (01/16,2022)"
expect contains "keepalived.service: Main process exited, code=exited, status=2/FAILURE"
expect exit 3
"#,
    );
}

#[test]
fn the_command_line_and_systemctl_answer_as_debian_does() {
    run(
        "cli.lab",
        r#"
lb1: keepalived --version
expect matches "^Keepalived v2.2.7 \(01/16,2022\)\n\nCopyright\(C\) 2001-2022 Alexandre Cassen, <acassen@gmail.com>\n"
lb1: keepalived --help
expect contains "Usage: keepalived [OPTION...]"
lb1: keepalived --frobnicate
expect contains "Unknown option --frobnicate"
expect exit 1
lb1: keepalived -t -f /etc/keepalived/nothere.conf
expect contains "Config files missing '/etc/keepalived/nothere.conf'."
expect exit 0
lb1: keepalived -f /etc/keepalived/nothere.conf
expect exit 6
lb1: genhash -h
expect matches "^Usage: genhash COMMAND \[OPTIONS\]\nCommands:\n"
expect exit 1
lb1: keepalived -T -h
expect matches "^Usage: keepalived --genhash COMMAND \[OPTIONS\]\n"
expect exit 1
lb1: keepalived -D --genhash
expect matches "^Warning -- .genhash. not used as first option, previous options ignored\nUsage: keepalived --genhash"
expect exit 1
lb1: keepalived -f/x /x --frobnicate
expect contains "Unknown option --frobnicate"
lb1: systemctl status nosuch
expect contains "Unit nosuch.service could not be found."
expect exit 4
lb1: systemctl start nosuch
expect contains "Failed to start nosuch.service: Unit nosuch.service not found."
expect exit 5
lb1: service nosuch start
expect contains "nosuch: unrecognized service"
expect exit 1
lb1: systemctl is-active keepalived
expect contains "inactive"
expect exit 3
lb1: systemctl enable keepalived
expect contains "Executing: /lib/systemd/systemd-sysv-install enable keepalived"
lb1: rm /etc/keepalived/keepalived.conf
lb1: systemctl start keepalived
lb1: systemctl status keepalived
expect contains "Condition: start condition failed at Wed 2026-11-25 00:00:00 UTC"
expect contains "└─ ConditionFileNotEmpty=/etc/keepalived/keepalived.conf was not met"
expect contains "keepalived.service - Keepalive Daemon (LVS and VRRP) was skipped because of an unmet condition check (ConditionFileNotEmpty=/etc/keepalived/keepalived.conf)."
lb1: systemctl
expect exit 1
lb1: systemctl frob keepalived
expect contains "Unknown command verb frob."
"#,
    );
}

#[test]
fn log_detail_shows_the_gratuitous_arps() {
    run(
        "detail.lab",
        r#"
lb1: keepalived -D
run 10s
lb1: grep -c "Sending gratuitous ARP on eth0 for 192.168.10.200" /var/log/syslog
expect contains "10"
lb1: grep "Sending/queueing" /var/log/syslog
expect contains "(VI_1) Sending/queueing gratuitous ARPs on eth0 for 192.168.10.200"
lb1: grep sockpool /var/log/syslog
expect contains "VRRP sockpool: [ifindex(  2), family(IPv4), proto(112), fd(14,15) multicast, address(224.0.0.18)]"
"#,
    );
}

/// What the real keepalived 2.2.7 logged (with -D) from the moment eth2 went down, in the
/// run docs/keepalived-real.md §14 records, without its timestamps and IPv6 address lines.
const REAL_TRACKING: &str = "\
Netlink reports eth2 down
(VI_1) Changing effective priority from 100 to 70
(VI_3) Entering FAULT STATE
(VI_3) sent 0 priority
(VI_3) removing VIPs.
Netlink reports eth1 down
(VI_2) Entering FAULT STATE
(VI_2) sent 0 priority
(VI_2) removing VIPs.
VRRP_Group(VG_1) Syncing instances to FAULT state
(VI_1) Entering FAULT STATE
(VI_1) removing VIPs.
Netlink reports eth1 up
(VI_2) Entering BACKUP STATE
VRRP_Group(VG_1) Syncing instances to BACKUP state
(VI_1) Entering BACKUP STATE
(VI_2) Receive advertisement timeout
(VI_1) Receive advertisement timeout
(VI_1) Entering MASTER STATE
(VI_1) setting VIPs.
(VI_1) Sending/queueing gratuitous ARPs on eth0 for 192.168.10.200
Sending gratuitous ARP on eth0 for 192.168.10.200
Sending gratuitous ARP on eth0 for 192.168.10.200
Sending gratuitous ARP on eth0 for 192.168.10.200
Sending gratuitous ARP on eth0 for 192.168.10.200
Sending gratuitous ARP on eth0 for 192.168.10.200
VRRP_Group(VG_1) Syncing instances to MASTER state
(VI_2) Entering MASTER STATE
(VI_2) setting VIPs.
(VI_2) Sending/queueing gratuitous ARPs on eth1 for 192.168.11.200
Sending gratuitous ARP on eth1 for 192.168.11.200
Sending gratuitous ARP on eth1 for 192.168.11.200
Sending gratuitous ARP on eth1 for 192.168.11.200
Sending gratuitous ARP on eth1 for 192.168.11.200
Sending gratuitous ARP on eth1 for 192.168.11.200
Netlink reports eth2 up
(VI_1) Changing effective priority from 70 to 100
(VI_3) Entering BACKUP STATE
";

const TRACKING_LAB: &str = r#"
host lb1 peer
switch sw0 sw1 sw2
link lb1:eth0 sw0
link lb1:eth1 sw1
link lb1:eth2 sw2
link peer:eth0 sw0
lb1: ifconfig eth0 192.168.10.101/24
lb1: ifconfig eth1 192.168.11.101/24
lb1: ifconfig eth2 192.168.12.101/24
peer: ifconfig eth0 192.168.10.9/24
lb1: cat > /etc/keepalived/keepalived.conf <<EOF
vrrp_sync_group VG_1 {
    group {
        VI_1
        VI_2
    }
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    track_interface {
        eth2 weight -30
    }
    virtual_ipaddress {
        192.168.10.200/24
    }
}
vrrp_instance VI_2 {
    state MASTER
    interface eth1
    virtual_router_id 52
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.168.11.200/24
    }
}
vrrp_instance VI_3 {
    state BACKUP
    interface eth0
    virtual_router_id 53
    priority 90
    advert_int 1
    track_interface {
        eth2
    }
    virtual_ipaddress {
        192.168.10.203/24
    }
}
EOF
lb1: keepalived -D
run 4s
lb1: grep -c "(VI_1) ignoring eth2 tracked interface weight due to SYNC group" /var/log/syslog
expect contains "1"
peer: tcpdump -n -i eth0 &
link down lb1:eth2
run 1s
link down lb1:eth1
run 3s
link up lb1:eth1
run 5s
link up lb1:eth2
run 1s
peer: wait
expect matches "(.*vrid 53, prio 0.*\n){2}"
expect matches "vrid 51, prio 0(.|\n)*vrid 51, prio 70"
expect not contains "vrid 52"
"#;

/// The same configuration and the same cable pulls as the real run (VI_1 and VI_2 master
/// for less than garp_master_delay when eth1 goes, as there): a weighted
/// track_interface moves VI_1's priority (although keepalived says it ignores the weight in
/// a sync group), a weight-0 one puts VI_3 in FAULT with two priority-0 adverts, and the
/// sync group takes VI_1 to FAULT, BACKUP and MASTER with VI_2.
#[test]
fn track_interface_and_sync_groups_do_what_keepalived_did() {
    let lines = parse_lab("tracking.lab", TRACKING_LAB).expect("parses");
    let mut out = Vec::new();
    let mut runner = Runner::new(LabOptions::default(), &mut out);
    for line in &lines {
        if let Err(e) = runner.exec(line) {
            drop(runner);
            panic!("line {}: {e}\n{}", line.line, String::from_utf8_lossy(&out));
        }
    }
    let node = runner.world.node_index("lb1").expect("lb1");
    let syslog = runner
        .world
        .host(node)
        .and_then(|h| h.kernel.read_file("/var/log/syslog").ok())
        .expect("syslog");
    drop(runner);
    let text = String::from_utf8_lossy(&syslog);
    let ours: String = text
        .lines()
        .filter_map(|l| l.split_once("Keepalived_vrrp[").map(|(_, r)| r))
        .filter_map(|r| r.split_once("]: ").map(|(_, m)| format!("{m}\n")))
        .skip_while(|m| !m.starts_with("Netlink reports eth2 down"))
        // `peer: wait` ran the world on; the real run was stopped there.
        .take(REAL_TRACKING.lines().count())
        .collect();
    assert_eq!(ours, REAL_TRACKING, "{}", String::from_utf8_lossy(&out));
}
