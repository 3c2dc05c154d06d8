//! keepalived's processes as the real ones behave (docs/keepalived-real.md): a child killed
//! with SIGKILL is respawned with the rate limit, the parent's death ends its children
//! cleanly (PR_SET_PDEATHSIG), SIGHUP reloads, a configuration the VRRP child cannot run
//! stops everything, and systemd's view of all that. Each scenario is a lab whose expects
//! must hold.

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
    let lines = parse_lab(name, &text).expect("parses");
    let mut out = Vec::new();
    let mut runner = Runner::new(LabOptions::default(), &mut out);
    let result = runner.run(&lines);
    drop(runner);
    assert!(
        result.is_ok(),
        "{result:?}\n{}",
        String::from_utf8_lossy(&out)
    );
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
expect matches "(?m)^root +1003 +1 .* \? +00:00:00 keepalived -D$"
expect matches "(?m)^root +1004 +1003 .* keepalived -D$"
lb1: kill -9 1004
run 1s
lb1: grep Keepalived /var/log/syslog
expect contains "Keepalived[1003]: pid 1004 exited due to signal 9 (Killed) - has rlimit_rttime been exceeded?"
expect contains "Keepalived[1003]: VRRP child process(1004) died: Respawning"
expect contains "Keepalived[1003]:   Please log an issue at https://github.com/acassen/keepalived/issues/"
expect contains "Keepalived[1003]: Restart of VRRP process delayed 0 seconds to limit respawn rate"
expect contains "Keepalived[1003]: Starting VRRP child process, pid=1007"
expect contains "Keepalived_vrrp[1007]: (VI_1) removing VIPs."
expect contains "Keepalived[1003]: read eventfd count 1, num_reloading 0"
lb1: ifconfig eth0:2
expect not contains "192.168.10.200"
lb1: kill -9 1007
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
expect matches "^1003\n1004\n$"
lb1: kill -9 1003
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
expect contains "1003"
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
expect contains "Keepalived[1003]: Reloading ..."
expect contains "Keepalived[1003]: Configuration file /etc/keepalived/keepalived.conf"
expect contains "Keepalived_vrrp[1004]: Reloading"
expect contains "Keepalived[1003]: Reload complete"
expect contains "systemd[1]: Reloaded keepalived.service - Keepalive Daemon (LVS and VRRP)."
lb1: ifconfig eth0:2
expect contains "192.168.10.200"
lb1: systemctl restart keepalived
lb1: systemctl status keepalived
expect contains "Main PID: 1010 (keepalived)"
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
expect contains "Keepalived[1005]: pid 1006 exited with permanent error CONFIG. Terminating"
expect contains "Keepalived[1005]: Stopped Keepalived v2.2.7 (01/16,2022)"
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
