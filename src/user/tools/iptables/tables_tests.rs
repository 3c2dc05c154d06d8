//! The filter and nat tables through iptables, compared byte for byte with what iptables
//! 1.8.9 printed in network namespaces (docs/netfilter-real.md §7, §8): listings with and
//! without -n, -S, iptables-save, every error's text and exit status, iptables-restore.

use super::super::fmt::testutil::{host, run_args};
use crate::kernel::Kernel;

/// Runs a command line split as the shell splits it (quotes kept together); `stdin` feeds
/// programs.
fn sh_in(k: &mut Kernel, line: &str, stdin: &str) -> (String, String, i32) {
    let args = crate::user::shell::lexer::split_words(line).expect("words");
    run_args(k, &args, stdin)
}

fn sh(k: &mut Kernel, line: &str) -> (String, String, i32) {
    sh_in(k, line, "")
}

fn ok(k: &mut Kernel, lines: &str) {
    for l in lines.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (_, err, status) = sh(k, l);
        assert_eq!((err.as_str(), status), ("", 0), "{l}");
    }
}

fn out(k: &mut Kernel, line: &str) -> String {
    let (out, err, status) = sh(k, line);
    assert_eq!((err.as_str(), status), ("", 0), "{line}");
    out
}

const NAT_RULES: &str = "
    iptables -t nat -A POSTROUTING -s 10.0.0.0/24 -o eth1 -j MASQUERADE
    iptables -t nat -A POSTROUTING -s 10.0.0.99/32 -o eth1 -j SNAT --to-source 203.0.113.1
    iptables -t nat -A PREROUTING -i eth1 -p tcp --dport 8080 -j DNAT --to-destination 10.0.0.2:80
    iptables -t nat -A PREROUTING -i eth1 -p tcp --dport 80 -j REDIRECT --to-ports 8000";

#[test]
fn the_nat_table_lists_as_iptables_does() {
    let mut k = host();
    ok(&mut k, NAT_RULES);
    let nat = &mut k.nf.nat;
    let pre = nat.chain_mut("PREROUTING").expect("PREROUTING");
    (pre.rules[0].packets, pre.rules[0].bytes) = (1, 60);
    (pre.rules[1].packets, pre.rules[1].bytes) = (1, 60);
    let post = nat.chain_mut("POSTROUTING").expect("POSTROUTING");
    (post.rules[0].packets, post.rules[0].bytes) = (2, 144);
    let want = "\
Chain PREROUTING (policy ACCEPT 0 packets, 0 bytes)
 pkts bytes target     prot opt in     out     source               destination         
    1    60 DNAT       6    --  eth1   *       0.0.0.0/0            0.0.0.0/0            tcp dpt:8080 to:10.0.0.2:80
    1    60 REDIRECT   6    --  eth1   *       0.0.0.0/0            0.0.0.0/0            tcp dpt:80 redir ports 8000

Chain INPUT (policy ACCEPT 0 packets, 0 bytes)
 pkts bytes target     prot opt in     out     source               destination         

Chain OUTPUT (policy ACCEPT 0 packets, 0 bytes)
 pkts bytes target     prot opt in     out     source               destination         

Chain POSTROUTING (policy ACCEPT 0 packets, 0 bytes)
 pkts bytes target     prot opt in     out     source               destination         
    2   144 MASQUERADE  0    --  *      eth1    10.0.0.0/24          0.0.0.0/0           
    0     0 SNAT       0    --  *      eth1    10.0.0.99            0.0.0.0/0            to:203.0.113.1
";
    assert_eq!(out(&mut k, "iptables -t nat -L -n -v"), want);
    let want = "\
Chain PREROUTING (policy ACCEPT)
target     prot opt source               destination         
DNAT       tcp  --  anywhere             anywhere             tcp dpt:http-alt to:10.0.0.2:80
REDIRECT   tcp  --  anywhere             anywhere             tcp dpt:http redir ports 8000
";
    assert_eq!(out(&mut k, "iptables -t nat -L PREROUTING"), want);
    let want = "\
-P PREROUTING ACCEPT
-P INPUT ACCEPT
-P OUTPUT ACCEPT
-P POSTROUTING ACCEPT
-A PREROUTING -i eth1 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.0.0.2:80
-A PREROUTING -i eth1 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 8000
-A POSTROUTING -s 10.0.0.0/24 -o eth1 -j MASQUERADE
-A POSTROUTING -s 10.0.0.99/32 -o eth1 -j SNAT --to-source 203.0.113.1
";
    assert_eq!(out(&mut k, "iptables -t nat -S"), want);
}

#[test]
fn nat_target_options_save_and_print() {
    let mut k = host();
    ok(
        &mut k,
        "iptables -t nat -A POSTROUTING -o eth1 -p tcp -j MASQUERADE --to-ports 1024-2000
         iptables -t nat -A POSTROUTING -o eth1 -j MASQUERADE --random-fully
         iptables -t nat -A POSTROUTING -o eth1 -p udp -j SNAT --to-source 203.0.113.1-203.0.113.5:5000-6000 --persistent
         iptables -t nat -A PREROUTING -i eth1 -d 203.0.113.1 -j DNAT --to-destination 10.0.0.2
         iptables -t nat -A PREROUTING -p tcp -j DNAT --to-destination :8080
         iptables -t nat -A INPUT -p tcp -j SNAT --to-source 10.0.0.1",
    );
    let s = out(&mut k, "iptables -t nat -S");
    for line in [
        "-A PREROUTING -d 203.0.113.1/32 -i eth1 -j DNAT --to-destination 10.0.0.2\n",
        "-A PREROUTING -p tcp -j DNAT --to-destination :8080\n",
        "-A INPUT -p tcp -j SNAT --to-source 10.0.0.1\n",
        "-A POSTROUTING -o eth1 -p tcp -j MASQUERADE --to-ports 1024-2000\n",
        "-A POSTROUTING -o eth1 -j MASQUERADE --random-fully\n",
        "-A POSTROUTING -o eth1 -p udp -j SNAT --to-source 203.0.113.1-203.0.113.5:5000-6000 --persistent\n",
    ] {
        assert!(s.contains(line), "{line}in\n{s}");
    }
    let l = out(&mut k, "iptables -t nat -L -n");
    assert!(l.contains("DNAT       6    --  0.0.0.0/0            0.0.0.0/0            to::8080\n"));
    assert!(l.contains(
        "MASQUERADE  6    --  0.0.0.0/0            0.0.0.0/0            masq ports: 1024-2000\n"
    ));
    assert!(
        l.contains("MASQUERADE  0    --  0.0.0.0/0            0.0.0.0/0            random-fully\n")
    );
    assert!(l.contains("SNAT       17   --  0.0.0.0/0            0.0.0.0/0            to:203.0.113.1-203.0.113.5:5000-6000 persistent\n"));
}

const FILTER_RULES: &str = r#"
    iptables -P FORWARD DROP
    iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
    iptables -A INPUT -m state --state NEW -j ACCEPT
    iptables -A INPUT -p tcp -m multiport --dports 22,80,443 -j ACCEPT
    iptables -A INPUT -m comment --comment "allow web" -j ACCEPT
    iptables -A INPUT -m mac --mac-source 02:00:00:00:00:01 -j ACCEPT
    iptables -A INPUT -p tcp --dport 23 -j REJECT --reject-with tcp-reset
    iptables -A INPUT -p udp -j REJECT
    iptables -A INPUT -j REJECT --reject-with icmp-host-prohibited
    iptables -A INPUT -j LOG --log-prefix "IN: "
    iptables -A INPUT -j LOG --log-prefix "x" --log-level 4
    iptables -N MYCHAIN
    iptables -A INPUT -j MYCHAIN
    iptables -A MYCHAIN -j RETURN
    iptables -E MYCHAIN OTHER"#;

#[test]
fn the_filter_table_lists_as_iptables_does() {
    let mut k = host();
    ok(&mut k, FILTER_RULES);
    let want = "\
Chain INPUT (policy ACCEPT)
target     prot opt source               destination         
ACCEPT     all  --  anywhere             anywhere             state NEW
ACCEPT     tcp  --  anywhere             anywhere             multiport dports ssh,http,https
ACCEPT     all  --  anywhere             anywhere             /* allow web */
ACCEPT     all  --  anywhere             anywhere             MAC 02:00:00:00:00:01
REJECT     tcp  --  anywhere             anywhere             tcp dpt:telnet reject-with tcp-reset
REJECT     udp  --  anywhere             anywhere             reject-with icmp-port-unreachable
REJECT     all  --  anywhere             anywhere             reject-with icmp-host-prohibited
LOG        all  --  anywhere             anywhere             LOG level warn prefix \"IN: \"
LOG        all  --  anywhere             anywhere             LOG level warn prefix \"x\"
OTHER      all  --  anywhere             anywhere            

Chain FORWARD (policy DROP)
target     prot opt source               destination         
ACCEPT     all  --  anywhere             anywhere             ctstate RELATED,ESTABLISHED

Chain OUTPUT (policy ACCEPT)
target     prot opt source               destination         

Chain OTHER (1 references)
target     prot opt source               destination         
RETURN     all  --  anywhere             anywhere            
";
    assert_eq!(out(&mut k, "iptables -L"), want);
    let want = "\
-P INPUT ACCEPT
-P FORWARD DROP
-P OUTPUT ACCEPT
-N OTHER
-A INPUT -m state --state NEW -j ACCEPT
-A INPUT -p tcp -m multiport --dports 22,80,443 -j ACCEPT
-A INPUT -m comment --comment \"allow web\" -j ACCEPT
-A INPUT -m mac --mac-source 02:00:00:00:00:01 -j ACCEPT
-A INPUT -p tcp -m tcp --dport 23 -j REJECT --reject-with tcp-reset
-A INPUT -p udp -j REJECT --reject-with icmp-port-unreachable
-A INPUT -j REJECT --reject-with icmp-host-prohibited
-A INPUT -j LOG --log-prefix \"IN: \"
-A INPUT -j LOG --log-prefix x
-A INPUT -j OTHER
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A OTHER -j RETURN
";
    assert_eq!(out(&mut k, "iptables -S"), want);
    let l = out(&mut k, "iptables -L INPUT --line-numbers -n");
    assert!(l.contains("8    LOG        0    --  0.0.0.0/0            0.0.0.0/0            LOG flags 0 level 4 prefix \"IN: \"\n"));
    assert!(l.contains("10   OTHER      0    --  0.0.0.0/0            0.0.0.0/0           \n"));
    let save = out(&mut k, "iptables-save");
    assert!(save.starts_with("# Generated by iptables-save v1.8.9 (nf_tables) on Wed Nov 25 00:00:00 2026\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:OTHER - [0:0]\n"), "{save}");
    assert!(save.ends_with("-A OTHER -j RETURN\nCOMMIT\n# Completed on Wed Nov 25 00:00:00 2026\n"));
}

#[test]
fn errors_and_exit_statuses_are_iptables() {
    let mut k = host();
    ok(&mut k, FILTER_RULES);
    ok(
        &mut k,
        "iptables -N MYCHAIN2\niptables -A INPUT -j MYCHAIN2",
    );
    let try_ = "Try `iptables -h' or 'iptables --help' for more information.\n";
    let v = "iptables v1.8.9 (nf_tables): ";
    let cases: Vec<(&str, String, i32)> = vec![
        ("iptables -X MYCHAIN2", format!("{v} CHAIN_DEL failed (Device or resource busy): chain MYCHAIN2\n"), 4),
        ("iptables -X NOSUCH", "iptables: No chain/target/match by that name.\n".into(), 1),
        ("iptables -N OTHER", "iptables: Chain already exists.\n".into(), 1),
        ("iptables -P OTHER DROP", "iptables: Bad built-in chain name.\n".into(), 1),
        ("iptables -P INPUT RETURN", "iptables: Bad policy name. Run `dmesg' for more information.\n".into(), 1),
        ("iptables -D INPUT 99", "iptables: Index of deletion too big.\n".into(), 1),
        ("iptables -C INPUT -j ACCEPT", "iptables: Bad rule (does a matching rule exist in that chain?).\n".into(), 1),
        ("iptables -t nat -A INPUT -j DNAT --to-destination 1.2.3.4", format!("{v} RULE_APPEND failed (Invalid argument): rule in chain INPUT\n"), 4),
        ("iptables -t nat -A PREROUTING -j MASQUERADE", format!("{v} RULE_APPEND failed (Invalid argument): rule in chain PREROUTING\n"), 4),
        ("iptables -A INPUT -j MASQUERADE", format!("{v} RULE_APPEND failed (Invalid argument): rule in chain INPUT\n"), 4),
        ("iptables -t nat -A POSTROUTING -i eth0 -j MASQUERADE", format!("{v}Can't use -i with POSTROUTING\n\n{try_}"), 2),
        ("iptables -A INPUT -j REJECT --reject-with bogus", format!("{v}unknown reject type \"bogus\"\n{try_}"), 2),
        ("iptables -L NOSUCH", format!("{v}chain `NOSUCH' in table `filter' is incompatible, use 'nft' tool.\n"), 1),
        ("iptables -A INPUT -j NOSUCHTARGET", format!("{v}Chain 'NOSUCHTARGET' does not exist\n{try_}"), 2),
        ("iptables -E OTHER MYCHAIN2", "iptables: File exists.\n".into(), 1),
        ("iptables -t nat -A PREROUTING -p tcp -j DNAT", format!("{v}DNAT: option \"--to-destination\" must be specified\n\n{try_}"), 2),
        ("iptables -A INPUT -j RETURN -j ACCEPT", format!("{v}multiple -j flags not allowed\n{try_}"), 2),
        ("iptables -t nat -A POSTROUTING -j SNAT --to-source 1.2.3.4:5", format!("{v}Need TCP, UDP, SCTP or DCCP with port specification\n{try_}"), 2),
        ("iptables -t nat -A PREROUTING -j DROP", format!("{v}\nThe \"nat\" table is not intended for filtering, the use of DROP is therefore inhibited.\n\n{try_}"), 2),
    ];
    for (line, err, status) in cases {
        let got = sh(&mut k, line);
        assert_eq!((got.1.as_str(), got.2), (err.as_str(), status), "{line}");
    }
    assert_eq!(
        sh(&mut k, "iptables -C INPUT -m state --state NEW -j ACCEPT").2,
        0
    );
}

#[test]
fn restore_applies_tables_and_names_the_bad_line() {
    let mut k = host();
    let good = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:MYCHAIN - [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -j MYCHAIN\n-A MYCHAIN -j RETURN\nCOMMIT\n";
    assert_eq!(sh_in(&mut k, "iptables-restore", good).2, 0);
    let s = out(&mut k, "iptables -S");
    assert!(s.contains("-P FORWARD DROP\n-P OUTPUT ACCEPT\n-N MYCHAIN\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n"), "{s}");
    let at = |n: usize, msg: &str| {
        format!("iptables-restore v1.8.9 (nf_tables): {msg}\nError occurred at line: {n}\nTry `iptables-restore -h' or 'iptables-restore --help' for more information.\n")
    };
    let cases: Vec<(&str, String, i32)> = vec![
        ("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --bogus 22 -j ACCEPT\nCOMMIT\n", at(3, "unknown option \"--bogus\""), 2),
        ("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\n", "iptables-restore: COMMIT expected at line 4\n".into(), 1),
        ("*bogus\n:INPUT ACCEPT [0:0]\nCOMMIT\n", at(1, "iptables-restore: line 1 table name 'bogus' invalid"), 2),
        ("*filter\n:INPUT BOGUS [0:0]\nCOMMIT\n", "iptables-restore: line 2 failed: Bad policy name.\n".into(), 1),
        ("*filter\n:INPUT ACCEPT [0:0]\ngarbage line here\nCOMMIT\n", "Bad argument `garbage'\nError occurred at line: 3\nTry `iptables-restore -h' or 'iptables-restore --help' for more information.\n".into(), 2),
        ("*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -i eth0 -j MASQUERADE\nCOMMIT\n", at(3, "Can't use -i with POSTROUTING"), 2),
        ("*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -j DNAT --to-destination 1.2.3.4\nCOMMIT\n", "iptables-restore v1.8.9 (nf_tables): \nline 3: RULE_APPEND failed (Invalid argument): rule in chain POSTROUTING\n".into(), 4),
    ];
    for (file, err, status) in cases {
        let got = sh_in(&mut k, "iptables-restore", file);
        assert_eq!((got.1.as_str(), got.2), (err.as_str(), status), "{file}");
    }
    assert_eq!(
        out(&mut k, "iptables -S"),
        s,
        "a failed restore changed nothing"
    );
    assert_eq!(
        sh_in(
            &mut k,
            "iptables-restore --test",
            "*filter\n-A INPUT -j DROP\nCOMMIT\n"
        )
        .2,
        0
    );
    assert_eq!(out(&mut k, "iptables -S"), s, "--test changes nothing");
}
