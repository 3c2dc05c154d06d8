//! Bad input never panics: every bad lab line is answered with an error naming the file and
//! line and saying what was expected; every bad command gets the real tool's message and exit
//! status (checked with `expect` inside a lab that must pass).

use netstep::lab::{run_lab, LabOptions};
use std::path::PathBuf;

const PRELUDE: &str = "host a b\nswitch sw1\nlink a:eth0 sw1\nlink b:eth0 sw1\n\
                       a: ifconfig eth0 10.0.0.1/24\nb: ifconfig eth0 10.0.0.2/24\n";
/// Lines in PRELUDE, so the bad line's number is known.
const PRELUDE_LINES: usize = 6;

fn run_text(name: &str, text: &str) -> Result<String, String> {
    let dir = std::env::temp_dir().join(format!("netstep-bad-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let path = dir.join("bad.lab");
    std::fs::write(&path, text).map_err(|e| e.to_string())?;
    let opts = LabOptions {
        trace: false,
        out_dir: dir.clone(),
        seed: None,
        pcap: None,
        ladder: false,
        ladder_svg: None,
        show_packet: None,
        taps: Vec::new(),
        force: false,
        allow_tap: false,
    };
    let mut out = Vec::new();
    let r = run_lab(&path, &opts, &mut out).map(|_| String::from_utf8_lossy(&out).into_owned());
    let _ = std::fs::remove_dir_all(&dir);
    r
}

/// (lab text after the prelude, words the error must contain)
const BAD_LINES: &[(&str, &str)] = &[
    ("frobnicate", "unknown statement 'frobnicate'"),
    ("host", "expected: host NAME"),
    ("host a", "duplicate node name 'a'"),
    ("host 9lives", "bad node name '9lives'"),
    ("host link", "statement keyword"),
    ("link a:eth0 sw1", "a:eth0 is already linked"),
    ("link a:eth1", "expected: link"),
    ("link zz:eth0 sw1", "unknown node 'zz'"),
    ("link a:wlan0 sw1", "bad interface name 'wlan0'"),
    ("link a:eth01 sw1", "bad interface name 'eth01'"),
    ("link a:eth+1 sw1", "bad interface name 'eth+1'"),
    ("link a sw1", "say which interface"),
    ("link sw1:eth0 a:eth1", "its ports have no names"),
    ("link a:eth1 b:eth1 delay fast", "bad duration 'fast'"),
    ("link a:eth1 b:eth1 rate 10parsecs", "bad rate"),
    ("link a:eth1 b:eth1 loss 150%", "bad loss '150%'"),
    ("link a:eth1 b:eth1 loss 1e2", "bad loss '1e2'"),
    ("link a:eth1 b:eth1 loss 5%%", "bad loss '5%%'"),
    ("link a:eth1 b:eth1 delay 1ms delay 2ms", "link option 'delay' given twice"),
    ("budget 0", "budget must be at least 1"),
    ("link a:eth1 b:eth1 mtu 10", "bad mtu '10'"),
    ("link a:eth1 b:eth1 colour blue", "unknown link option 'colour'"),
    ("link a:eth1 b:eth1 delay", "'delay' needs a value"),
    ("link a:eth1 a:eth1", "a link needs two different ends"),
    ("link down a:eth7", "a has no interface 'eth7'"),
    ("link down zz:eth0", "unknown node 'zz'"),
    ("link up a", "say which interface of a"),
    ("seed x", "'x' is not a number"),
    ("seed 4", "seed must come before the first node"),
    ("budget", "expected: budget EVENTS"),
    ("title", "expected: title"),
    ("run forever", "bad duration 'forever'"),
    ("run 1s 2s", "expected: run [DURATION]"),
    ("run 1000000h\nrun 1000000h", "virtual time would pass its limit of 146 years"),
    ("step many", "'many' is not a number"),
    ("expect", "expected: expect contains"),
    ("expect equals 3", "expected: expect contains"),
    ("expect matches \"(\"", "bad regex"),
    ("expect exit zero", "bad exit status 'zero'"),
    ("capture", "expected: capture FILE"),
    ("capture x.pcapng zz:eth0", "unknown node 'zz'"),
    ("capture x.pcapng a:eth9", "a has no interface 'eth9'"),
    ("capture x.pcapng sw1:uplink", "bad port 'uplink'"),
    ("capture x.pcapng a:", "bad endpoint 'a:'"),
    ("capture /etc/passwd", "an absolute path"),
    ("a: echo ${HOME", "unexpected EOF while looking for matching `}'"),
    ("a: for i in 1 2; do echo $i; done", "loops (`for`, `while`): not supported by netstep's shell"),
    ("a: for i in 1 2; do echo $i; done", "loops (`for`, `while`): not supported"),
    ("distro gentoo a", "expected: distro debian|centos NODE"),
    ("distro centos sw1", "sw1 is a switch: it has no distribution"),
    ("a: echo ${x:-d}", "parameter expansion operators are not supported"),
    ("capture ../../x.pcapng", "'..' leaves the output directory"),
    ("capture same.pcapng\ncapture ./same.pcapng", "already written by"),
    ("zz: ping a", "unknown node 'zz'"),
    ("a:", "expected a command after 'a:'"),
    ("a: echo 'open", "unexpected EOF while looking for matching"),
    ("a: | grep x", "syntax error near unexpected token `|'"),
    ("a: echo >", "syntax error near unexpected token `newline'"),
    ("a: cat > /etc/x <<EOF\nnever closed", "here-document delimited by 'EOF' is never closed"),
    ("sw1: ping a", "sw1 is a switch: it runs no commands"),
    ("tap a:eth0", "expected: tap NODE:IF DEVICE"),
    ("tap a:eth1 tap0", "a lab makes a TAP device on this machine only when you allow it (run with --allow-tap)"),
    ("crash a", "not supported yet"),
    ("title \"x\" \"y\"", "expected: title"),
    ("a: ping -c 1 b\nexpect contains \"no such text\"", "expected the output to contain \"no such text\""),
    ("a: true\nexpect exit 3", "expected exit status 3, got 0"),
    ("budget 50\nswitch s2 s3\nlink s2 s3\nlink s3 s2\nlink a:eth1 s2\na: ifconfig eth1 10.9.0.1/24\na: ping -c 1 10.9.0.2", "event budget exhausted"),
    ("budget 50\nswitch s2 s3\nlink s2 s3\nlink s3 s2\nlink a:eth1 s2\na: ifconfig eth1 10.9.0.1/24\na: ping -c 1 10.9.0.2 &\nstep 300000", "event budget exhausted"),
];

#[test]
fn bad_lab_lines_name_file_and_line() {
    assert!(BAD_LINES.len() >= 40);
    for (i, (bad, want)) in BAD_LINES.iter().enumerate() {
        let text = format!("{PRELUDE}{bad}\n");
        let err = match run_text(&format!("l{i}"), &text) {
            Ok(out) => panic!("`{bad}` was accepted:\n{out}"),
            Err(e) => e,
        };
        assert!(
            err.contains(want),
            "`{bad}`: error lacks \"{want}\":\n{err}"
        );
        assert!(
            err.contains("bad.lab:"),
            "`{bad}`: error names no file: {err}"
        );
        let line: usize = err
            .split("bad.lab:")
            .nth(1)
            .and_then(|s| s.split(':').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(
            line > PRELUDE_LINES,
            "`{bad}`: error names line {line}, not the bad one: {err}"
        );
    }
}

#[test]
fn a_missing_lab_file_is_an_error() {
    let opts = LabOptions::default();
    let err = run_lab(&PathBuf::from("labs/no-such.lab"), &opts, &mut Vec::new()).unwrap_err();
    assert!(err.contains("labs/no-such.lab"), "{err}");
}

/// Bad commands: the real tools' messages and exit statuses.
const BAD_COMMANDS: &str = r#"
a: frobnicate --now
expect contains "bash: frobnicate: command not found"
expect exit 127
a: echo hi >&999
expect contains "bash: 999: Bad file descriptor"
expect exit 1
a: echo hi 5>&1
expect contains "hi"
a: exec 999999<> /dev/tcp/b/80
expect contains "bash: 999999: Bad file descriptor"
a: echo a; echo ${a b}; echo after
expect contains "bash: ${a b}: bad substitution"
expect not contains "after"
expect exit 1
a: ping -c 1 -s 65508 b
expect contains "ping: local error: message too long, mtu=65535"
expect contains "1 packets transmitted, 0 received, +1 errors, 100% packet loss"
expect exit 1
a: route add default gw 10.9.9.9
expect contains "SIOCADDRT: Network is unreachable"
a: route del -net 10.7.0.0 netmask 255.255.0.0
expect contains "SIOCDELRT: No such process"
a: ifconfig eth9
expect contains "eth9: error fetching interface information: Device not found"
a: ping -c 1 nosuchhost
expect contains "ping: nosuchhost: Temporary failure in name resolution"
expect exit 2
a: ping -c 1 192.168.77.1
expect contains "ping: connect: Network is unreachable"
a: sysctl -w net.ipv4.no_such_key=1
expect contains "sysctl: cannot stat /proc/sys/net/ipv4/no_such_key: No such file or directory"
a: sysctl -w net.ipv4.ip_forward=yes
expect contains "Invalid argument"
a: sysctl -w net.ipv4.ip_default_ttl=0
expect contains "sysctl: setting key \"net.ipv4.ip_default_ttl\": Invalid argument"
expect exit 1
a: sysctl -w net.ipv4.ip_default_ttl=256
expect exit 1
a: echo 0 > /proc/sys/net/ipv4/ip_default_ttl
expect contains "bash: echo: write error: Invalid argument"
expect exit 1
a: sysctl -w net.ipv4.tcp_syn_retries=128
expect exit 1
a: sysctl -w net.ipv4.tcp_syn_retries=127
expect exit 0
a: sysctl -w net.ipv4.icmp_echo_ignore_all=2
expect exit 1
a: sysctl -w net.ipv4.conf.all.arp_ignore=-3
expect contains "net.ipv4.conf.all.arp_ignore = -3"
a: sysctl -w net.ipv4.ip_forward=2147483648
expect exit 1
a: sysctl -w net.ipv4.icmp_ratelimit=5
expect contains "net.ipv4.icmp_ratelimit = 5"
a: sysctl -n net.ipv4.icmp_ratelimit
expect contains "8"
a: echo 7x > /proc/sys/net/ipv4/conf/all/arp_ignore
expect contains "write error: Invalid argument"
expect exit 1
a: echo 1 > /proc/sys/net/ipv4/nonexistent
expect contains "No such file or directory"
a: cat /etc/nothing
expect contains "cat: /etc/nothing: No such file or directory"
expect exit 1
a: echo hi > /no/such/dir/file
expect contains "bash: /no/such/dir/file: No such file or directory"
a: ls /nowhere
expect contains "ls: cannot access '/nowhere': No such file or directory"
a: arp -d 10.0.0.77
expect exit 1
a: sleep
expect contains "sleep: missing operand"
a: ip link set eth9 up
expect contains "Cannot find device \"eth9\""
a: traceroute nosuchhost
expect exit 2
a: tcpdump -i eth9 -c 1
expect exit 1
a: nc
expect contains "usage: nc"
expect exit 1
a: nc b 0
expect contains "nc: port number invalid: 0"
a: nc -Q b 80
expect contains "nc: invalid option -- 'Q'"
a: nc nosuchhost 80
expect contains "nc: getaddrinfo for host \"nosuchhost\" port 80: Temporary failure in name resolution"
a: nc -zv b 9
expect contains "nc: connect to b port 9 (tcp) failed: Connection refused"
a: ps -Q
expect contains "error: unsupported SysV option"
a: kill
expect exit 2
a: nc -w x b 80
expect contains "nc: timeout invalid: x"
a: nc -u b 0
expect contains "nc: port number invalid: 0"
a: dig +frobnicate b
expect contains "Invalid option: +frobnicate"
expect exit 1
a: dig @nameserver b
expect contains "dig: couldn't get address for 'nameserver': not found"
a: dig -t BOGUS b
expect contains "dig: invalid type: BOGUS"
a: dig +tries=1 +time=1 www.lab
expect contains ";; communications error to 127.0.0.1#53: connection refused"
expect contains ";; no servers could be reached"
expect exit 9
a: nslookup
expect contains "Usage: nslookup"
a: nslookup www.lab 10.9.9.9
expect contains ";; communications error to 10.9.9.9#53: network is unreachable"
expect exit 1
a: named -c /etc/bind/none.conf
expect contains "open: /etc/bind/none.conf: file not found"
expect contains "loading configuration: failure"
expect exit 1
a: echo 'zone "lab" { type slave; file "x"; };' > /tmp/named.conf
a: named -c /tmp/named.conf
expect contains "/tmp/named.conf:1: zone 'lab': type 'slave' not supported"
expect exit 1
a: echo 'zone "lab" { type master; file "/tmp/db.lab"; };' > /tmp/named.conf
a: echo 'www IN A 10.0.0.1' > /tmp/db.lab
a: named -c /tmp/named.conf -f
expect contains "/tmp/db.lab"
expect contains "zone lab/IN: not loaded due to errors."
a: ipvsadm -A -t 10.0.0.1
expect contains "Zero port specified for non-persistent service"
expect exit 2
a: ipvsadm -a -t 10.0.0.1:80 -r 10.0.0.2
expect contains "Service not defined"
expect exit 1
a: ipvsadm -A -t 10.0.0.1:80 -s best
expect contains "Scheduler or persistence engine not found"
a: ipvsadm -A -t 10.0.0.1:80 -s rr -w 2
expect contains "Illegal 'weight' option with the 'add-service' command"
a: ipvsadm -R <<EOF
-A -t 10.0.0.1:80 -s rr
-a -t 10.0.0.1:80 -r 10.0.0.2 -w lots
EOF
expect contains "line 2: illegal weight specified"
expect exit 2
a: iptables -t nat -A INPUT -j DNAT --to-destination 1.2.3.4
expect contains "iptables v1.8.9 (nf_tables):  RULE_APPEND failed (Invalid argument): rule in chain INPUT"
expect exit 4
a: iptables -t nat -A POSTROUTING -i eth0 -j MASQUERADE
expect contains "Can't use -i with POSTROUTING"
expect exit 2
a: iptables -A INPUT -p tcp --dport 99999 -j ACCEPT
expect matches "invalid port/service .99999. specified"
expect exit 2
a: iptables -A INPUT -m conntrack --ctstate SIDEWAYS -j ACCEPT
expect contains "conntrack: Bad value for \"--ctstate\" option: \"SIDEWAYS\""
expect exit 2
a: iptables -A INPUT -j LOG --log-level loud
expect contains "log-level \"loud\" unknown"
a: iptables -A INPUT -m mac --mac-source 02:00:zz:00:00:01 -j ACCEPT
expect contains "Bad mac address \"02:00:zz:00:00:01\""
a: iptables -t nat -A PREROUTING -p tcp -j DNAT --to-destination 10.0.0.999
expect contains "Bad IP address \"10.0.0.999\""
a: iptables -N web
a: iptables -X web
a: iptables -X web
expect contains "iptables: No chain/target/match by that name."
expect exit 1
a: iptables-restore <<EOF
*filter
-A INPUT -p tcp --bogus 22 -j ACCEPT
COMMIT
EOF
expect contains "Error occurred at line: 2"
expect exit 2
a: conntrack -L -p bogus
expect matches "conntrack v1\\.4\\.7 \\(conntrack-tools\\): .bogus. unsupported protocol"
expect exit 2
a: conntrack -D -s 10.9.9.9
expect contains "0 flow entries have been deleted."
expect exit 1
a: dmesg --bogus
expect contains "dmesg: unrecognized option '--bogus'"
expect exit 1
a: echo 'nameserver ns1' > /etc/resolv.conf
a: ping -c 1 nowhere
expect contains "ping: nowhere: Temporary failure in name resolution"
"#;

#[test]
fn bad_commands_get_the_real_tools_messages() {
    let text = format!("{PRELUDE}{BAD_COMMANDS}");
    if let Err(e) = run_text("cmds", &text) {
        panic!("{e}");
    }
}
