//! iptables run on a test host: layouts byte for byte, the commands' effect on the kernel's
//! mangle table, and each error's message and status. Commands are written without their
//! `iptables -t mangle ` prefix, one per line.

use super::super::fmt::testutil::{host, ok, run};
use crate::kernel::netfilter::xt_match::{Match, PacketView};
use crate::kernel::Kernel;
use std::net::Ipv4Addr;

const TRY: &str = "Try `iptables -h' or 'iptables --help' for more information.\n";

/// The column titles without -v: 5 spaces after `target`, 15 after `source`, 9 after
/// `destination` (print_header's `%-9s `, ` %-19s `, ` %-19s `).
fn titles() -> String {
    let sp = |n| " ".repeat(n);
    format!(
        "target{}prot opt source{}destination{}\n",
        sp(5),
        sp(15),
        sp(9)
    )
}

fn empty_chain(name: &str) -> String {
    format!("Chain {name} (policy ACCEPT)\n{}", titles())
}

fn mangle() -> Kernel {
    let mut k = host();
    ok(&mut k, "ifconfig eth0 10.0.0.1/24 up");
    k
}

/// Runs `iptables -t mangle LINE` for each line, each silent and successful.
fn script(k: &mut Kernel, lines: &str) {
    for line in lines.lines().map(str::trim).filter(|l| !l.is_empty()) {
        ok(k, &format!("iptables -t mangle {line}"));
    }
}

/// `iptables -t mangle ARGS`: stdout, insisting on no error.
fn out(k: &mut Kernel, args: &str) -> String {
    let (out, err, status) = run(k, &format!("iptables -t mangle {args}"));
    assert_eq!((err.as_str(), status), ("", 0), "{args}");
    out
}

/// The rows of `-L PREROUTING ARGS` (header lines dropped).
fn rows(k: &mut Kernel, args: &str) -> String {
    let text = out(k, &format!("-L PREROUTING {args}"));
    text.lines().skip(2).map(|l| format!("{l}\n")).collect()
}

/// Each line `ARGS | STDERR` must fail with that status and message (`\n` in the table is a
/// newline, for xtables messages that end in one).
fn fails(k: &mut Kernel, status: i32, prefix: &str, table: &str) {
    for case in table.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (args, msg) = case.split_once(" | ").expect("ARGS | MESSAGE");
        let line = format!("iptables {args}");
        let msg = msg.replace("\\n", "\n");
        let want = match status {
            2 => format!("iptables v1.8.9 (nf_tables): {msg}\n{TRY}"),
            _ => format!("{prefix}{msg}\n"),
        };
        let got = run(k, &line);
        assert_eq!(
            (got.0.as_str(), got.1.as_str(), got.2),
            ("", want.as_str(), status),
            "{line}"
        );
    }
}

#[test]
fn append_then_list_numeric_is_byte_exact() {
    let mut k = mangle();
    script(
        &mut k,
        "-A PREROUTING -d 10.0.0.100 -p tcp --dport 80 -j MARK --set-mark 1",
    );
    let (out, err, status) = run(&mut k, "iptables -t mangle -L -n");
    // 1.8.9 prints the protocol number with -n (6, not tcp).
    let want = format!(
        "{}MARK       6    --  0.0.0.0/0            10.0.0.100           tcp dpt:80 MARK set 0x1\n\
         \n{}\n{}\n{}\n{}",
        empty_chain("PREROUTING"),
        empty_chain("INPUT"),
        empty_chain("FORWARD"),
        empty_chain("OUTPUT"),
        empty_chain("POSTROUTING"),
    );
    assert_eq!((out.as_str(), err.as_str(), status), (want.as_str(), "", 0));
    assert!(titles().ends_with("destination         \n"));
}

#[test]
fn default_table_is_an_empty_filter() {
    let mut k = host();
    let chains = ["INPUT", "FORWARD", "OUTPUT"].map(empty_chain).join("\n");
    assert_eq!(run(&mut k, "iptables -L -n"), (chains, String::new(), 0));
    let s = "-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n";
    assert_eq!(run(&mut k, "iptables -S"), (s.into(), String::new(), 0));
    for line in [
        "-F",
        "-X",
        "-Z INPUT",
        "-P FORWARD ACCEPT",
        "-t filter -F -v",
    ] {
        let (_, err, status) = run(&mut k, &format!("iptables {line}"));
        assert_eq!((err.as_str(), status), ("", 0), "{line}");
    }
}

#[test]
fn names_without_numeric() {
    let mut k = mangle();
    k.write_file("/etc/hosts", b"10.0.0.100 vip\n", false)
        .unwrap();
    script(
        &mut k,
        "-A PREROUTING -d vip -p tcp --dport 443 -j MARK --set-mark 1
         -A PREROUTING -s 10.0.0.0/24 -p udp --sport 53 -j ACCEPT
         -A PREROUTING -j RETURN",
    );
    let want = "\
MARK       tcp  --  anywhere             vip                  tcp dpt:https MARK set 0x1
ACCEPT     udp  --  10.0.0.0/24          anywhere             udp spt:domain
RETURN     all  --  anywhere             anywhere            \n";
    assert_eq!(rows(&mut k, ""), want);
    let numeric = "\
MARK       6    --  0.0.0.0/0            10.0.0.100           tcp dpt:443 MARK set 0x1
ACCEPT     17   --  10.0.0.0/24          0.0.0.0/0            udp spt:53
RETURN     0    --  0.0.0.0/0            0.0.0.0/0           \n";
    assert_eq!(rows(&mut k, "-n"), numeric);
}

#[test]
fn verbose_counters_and_abbreviations() {
    let mut k = mangle();
    script(
        &mut k,
        "-A PREROUTING -i eth0 -p tcp --dport 80 -j MARK --set-mark 1
         -A PREROUTING ! -i eth+ -j ACCEPT",
    );
    let pre = &mut k.nf.mangle.chains[0];
    (pre.rules[0].packets, pre.rules[0].bytes) = (123_456, 98_765_432);
    (pre.rules[1].packets, pre.rules[1].bytes) = (7, 420);
    (pre.packets, pre.bytes) = (150_000, 720);
    let want = "\
Chain PREROUTING (policy ACCEPT 150K packets, 720 bytes)
 pkts bytes target     prot opt in     out     source               destination         
 123K   99M MARK       6    --  eth0   *       0.0.0.0/0            0.0.0.0/0            tcp dpt:80 MARK set 0x1
    7   420 ACCEPT     0    --  !eth+  *       0.0.0.0/0            0.0.0.0/0           \n";
    assert_eq!(out(&mut k, "-L PREROUTING -v -n"), want);
    // -x: exact numbers, 8 wide in the rows under 8- and 10-wide titles (iptables' own skew).
    let want = "\
Chain PREROUTING (policy ACCEPT 150000 packets, 720 bytes)
    pkts      bytes target     prot opt in     out     source               destination         
  123456 98765432 MARK       6    --  eth0   *       0.0.0.0/0            0.0.0.0/0            tcp dpt:80 MARK set 0x1
       7      420 ACCEPT     0    --  !eth+  *       0.0.0.0/0            0.0.0.0/0           \n";
    assert_eq!(out(&mut k, "-nvxL PREROUTING"), want);
    let input = out(&mut k, "-L INPUT -v");
    assert!(input.starts_with("Chain INPUT (policy ACCEPT 0 packets, 0 bytes)\n"));
    assert!(
        out(&mut k, "-L -v").contains("    7   420 ACCEPT     all  --  !eth+  any     anywhere")
    );
}

#[test]
fn line_numbers_and_one_rule() {
    let mut k = mangle();
    script(
        &mut k,
        "-A PREROUTING -p tcp --dport 80 -j MARK --set-mark 1
         -A PREROUTING -p tcp --dport 443 -j MARK --set-mark 1",
    );
    let want = format!(
        "Chain PREROUTING (policy ACCEPT)\nnum  {}\
         1    MARK       6    --  0.0.0.0/0            0.0.0.0/0            tcp dpt:80 MARK set 0x1\n\
         2    MARK       6    --  0.0.0.0/0            0.0.0.0/0            tcp dpt:443 MARK set 0x1\n",
        titles()
    );
    assert_eq!(out(&mut k, "-L PREROUTING -n --line-numbers"), want);
    let second =
        "MARK       6    --  0.0.0.0/0            0.0.0.0/0            tcp dpt:443 MARK set 0x1\n";
    assert_eq!(out(&mut k, "-L PREROUTING 2 -n"), second);
    assert_eq!(out(&mut k, "-L PREROUTING 9"), "");
}

#[test]
fn list_rules_as_iptables_save_writes_them() {
    let mut k = mangle();
    script(
        &mut k,
        "-A PREROUTING -d 10.0.0.100 -p tcp -m tcp --dport 80 -j MARK --set-mark 1
         -A PREROUTING ! -s 10.0.0.0/24 -i eth0 -p udp ! --dport 5000:5010 -j ACCEPT
         -A PREROUTING ! -p tcp -j RETURN",
    );
    let want = "\
-P PREROUTING ACCEPT
-P INPUT ACCEPT
-P FORWARD ACCEPT
-P OUTPUT ACCEPT
-P POSTROUTING ACCEPT
-A PREROUTING -d 10.0.0.100/32 -p tcp -m tcp --dport 80 -j MARK --set-xmark 0x1/0xffffffff
-A PREROUTING ! -s 10.0.0.0/24 -i eth0 -p udp -m udp ! --dport 5000:5010 -j ACCEPT
-A PREROUTING ! -p tcp -j RETURN\n";
    assert_eq!(out(&mut k, "-S"), want);
    (
        k.nf.mangle.chains[0].rules[2].packets,
        k.nf.mangle.chains[0].rules[2].bytes,
    ) = (3, 180);
    let third = "-A PREROUTING ! -p tcp -c 3 180 -j RETURN\n";
    assert_eq!(out(&mut k, "-S PREROUTING 3 -v"), third);
    assert_eq!(out(&mut k, "-v -S INPUT"), "-P INPUT ACCEPT -c 0 0\n");
}

#[test]
fn every_mark_flavour() {
    let mut k = mangle();
    let flavours = [
        ("--set-mark 1", "set 0x1", "0x1/0xffffffff"),
        ("--set-mark 0x1/0xff", "xset 0x1/0xff", "0x1/0xff"),
        ("--set-xmark 0x10/0xf0", "xset 0x10/0xf0", "0x10/0xf0"),
        ("--set-xmark 5", "set 0x5", "0x5/0xffffffff"),
        ("--and-mark 0xf0", "and 0xf0", "0x0/0xffffff0f"),
        ("--or-mark 4", "or 0x4", "0x4/0x4"),
        ("--xor-mark 3", "xor 0x3", "0x3/0x0"),
        ("--set-mark 0", "and 0x0", "0x0/0xffffffff"),
        ("--set-mark 010", "set 0x8", "0x8/0xffffffff"),
    ];
    for (opt, _, _) in flavours {
        script(&mut k, &format!("-A PREROUTING -j MARK {opt}"));
    }
    let listed = rows(&mut k, "-n");
    let saved = out(&mut k, "-S PREROUTING");
    for (i, (opt, shown, xmark)) in flavours.iter().enumerate() {
        let row = listed.lines().nth(i).unwrap_or("");
        assert_eq!(
            row.rsplit_once("MARK ").map(|(_, m)| m),
            Some(*shown),
            "{opt}"
        );
        let line = saved.lines().nth(i + 1).unwrap_or("");
        assert_eq!(line.rsplit_once(' ').map(|(_, m)| m), Some(*xmark), "{opt}");
    }
}

#[test]
fn inversions_and_ranges_in_the_listing() {
    let mut k = mangle();
    script(
        &mut k,
        "-A PREROUTING ! -s 10.0.0.0/255.255.255.0 ! -d 10.0.0.7 -p tcp ! --dport 22 -j ACCEPT
         -A PREROUTING -p tcp --sport 1024: --dport 8000:8080 -j ACCEPT
         -A PREROUTING ! -p udp -j ACCEPT",
    );
    let want = "\
ACCEPT     6    -- !10.0.0.0/24         !10.0.0.7             tcp dpt:!22
ACCEPT     6    --  0.0.0.0/0            0.0.0.0/0            tcp spts:1024:65535 dpts:8000:8080
ACCEPT    !17   --  0.0.0.0/0            0.0.0.0/0           \n";
    assert_eq!(rows(&mut k, "-n"), want);
}

#[test]
fn insert_delete_replace_flush_zero() {
    let mut k = mangle();
    let dports = |k: &Kernel| -> Vec<u16> {
        let rules = &k.nf.mangle.chains[0].rules;
        let dport = |m: &Match| match m {
            Match::Tcp { dport, .. } => dport.map_or(0, |p| p.lo),
            _ => 0,
        };
        rules
            .iter()
            .map(|r| r.matches.first().map_or(0, dport))
            .collect()
    };
    script(
        &mut k,
        "-A PREROUTING -p tcp --dport 1 -j ACCEPT
         -I PREROUTING -p tcp --dport 2 -j ACCEPT
         -I PREROUTING 3 -p tcp --dport 3 -j ACCEPT
         -I PREROUTING 2 -p tcp --dport 4 -j ACCEPT",
    );
    assert_eq!(dports(&k), [2, 4, 1, 3]);
    script(&mut k, "-R PREROUTING 1 -p tcp --dport 5 -j ACCEPT");
    assert_eq!(dports(&k), [5, 4, 1, 3]);
    script(
        &mut k,
        "-D PREROUTING 2
         -D PREROUTING -p tcp --dport 1 -j ACCEPT
         -C PREROUTING -p tcp --dport 3 -j ACCEPT",
    );
    assert_eq!(dports(&k), [5, 3]);
    // Two destinations make two rules; deleting names both.
    script(&mut k, "-A PREROUTING -d 10.0.0.7,10.0.0.8 -j ACCEPT");
    assert_eq!(k.nf.mangle.chains[0].rules.len(), 4);
    script(&mut k, "-D PREROUTING -d 10.0.0.7,10.0.0.8 -j ACCEPT");
    let pre = &mut k.nf.mangle.chains[0];
    for r in &mut pre.rules {
        (r.packets, r.bytes) = (5, 300);
    }
    pre.packets = 9;
    script(&mut k, "-Z PREROUTING 2");
    let pre = &k.nf.mangle.chains[0];
    assert_eq!((pre.rules[0].packets, pre.rules[1].packets), (5, 0));
    script(&mut k, "-Z");
    let pre = &k.nf.mangle.chains[0];
    assert_eq!((pre.rules[0].bytes, pre.packets), (0, 0));
    let names = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"];
    let want: String = names.map(|n| format!("Flushing chain `{n}'\n")).concat();
    assert_eq!(out(&mut k, "-F -v"), want);
    assert!(k.nf.mangle.is_idle());
}

#[test]
fn verbose_append_echoes_the_rule() {
    let mut k = mangle();
    let add = "-v -A PREROUTING -d 10.0.0.100 -p tcp --dport 80 -j MARK --set-mark 1";
    let want = "MARK  tcp opt -- in * out *  0.0.0.0/0  -> 10.0.0.100   tcp dpt:80 MARK set 0x1\n";
    assert_eq!(out(&mut k, add), want);
    let want = "ACCEPT  all opt -- in !eth0 out * !10.0.0.0/8  -> 0.0.0.0/0  \n";
    assert_eq!(
        out(
            &mut k,
            "-A PREROUTING ! -i eth0 ! -s 10.1.2.3/8 -j ACCEPT -v"
        ),
        want
    );
}

#[test]
fn a_rule_from_the_tool_marks_packets() {
    let mut k = mangle();
    script(
        &mut k,
        "-A PREROUTING -d 10.0.0.100 -p tcp --dport 443 -j MARK --set-mark 7",
    );
    let mut mark_of = |dport| {
        let p = crate::kernel::testutil::segment(
            (Ipv4Addr::new(10, 0, 0, 2), 40000),
            (Ipv4Addr::new(10, 0, 0, 100), dport),
            "S",
        );
        let mut mark = 0;
        let d =
            k.nf.mangle
                .run("PREROUTING", &PacketView::new(&p[..]), &mut mark);
        (mark, d.mark_rule)
    };
    assert_eq!(mark_of(443), (7, Some(1)));
    assert_eq!(mark_of(80), (0, None));
    let listed = out(&mut k, "-L PREROUTING -nvx");
    assert!(
        listed.contains("       1       40 MARK       6"),
        "{listed}"
    );
}

#[test]
fn kernel_refusals() {
    let mut k = mangle();
    let refusals = r"
        -t mangle -D PREROUTING -j ACCEPT | Bad rule (does a matching rule exist in that chain?).
        -t mangle -C PREROUTING -j ACCEPT | Bad rule (does a matching rule exist in that chain?).
        -t mangle -D PREROUTING 1 | Index of deletion too big.
        -t mangle -R PREROUTING 1 -j ACCEPT | Index of replacement too big.
        -t mangle -I PREROUTING 2 -j ACCEPT | Index of insertion too big.
        -t mangle -A FOO -j ACCEPT | No chain/target/match by that name.
        -t mangle -F FOO | No chain/target/match by that name.
        -A PREROUTING -j ACCEPT | No chain/target/match by that name.
        -t mangle -P FOO ACCEPT | Bad built-in chain name.
        -t mangle -P INPUT MAYBE | Bad policy name. Run `dmesg' for more information.
        -t mangle -A PREROUTING -m tcp --dport 80 -j ACCEPT | Invalid argument. Run `dmesg' for more information.
        -t mangle -A PREROUTING -p udp -m tcp --dport 80 -j ACCEPT | Invalid argument. Run `dmesg' for more information.
        -t mangle -A PREROUTING ! -p tcp --dport 80 -j ACCEPT | Invalid argument. Run `dmesg' for more information.";
    fails(&mut k, 1, "iptables: ", refusals);
    assert!(k.nf.mangle.is_idle());
}

#[test]
fn parameter_problems() {
    let mut k = mangle();
    let problems = r#"
        -A PREROUTING --bogus | unknown option "--bogus"
        -A PREROUTING -y | unknown option "-y"
        -t mangle -A PREROUTING --dport 80 -j ACCEPT | unknown option "--dport"
        -t mangle -A PREROUTING -p icmp --dport 80 -j ACCEPT | unknown option "--dport"
        -A | option "-A" requires an argument
        --append | option "--append" requires an argument
        -t mangle | no command specified
        -A PREROUTING -j ACCEPT ! | nothing appropriate following !
        -A PREROUTING ! ! -s 1.2.3.4 | multiple consecutive ! not allowed
        -A PREROUTING -L | Cannot use -L with -A
        -L -s 1.2.3.4 | Illegal option `-s' with this command
        -S -n | Illegal option `-n' with this command
        -F -x | Illegal option `-x' with this command
        -D PREROUTING 1 --line-numbers | Illegal option `-0' with this command
        -A PREROUTING -s 1.1.1.1 -s 2.2.2.2 -j ACCEPT | multiple -s flags not allowed
        -A PREROUTING ! -j ACCEPT | cannot have ! before -j
        ! -A PREROUTING | unexpected '!' flag
        ! -t mangle -L | unexpected ! flag before --table
        -t mangle -D PREROUTING 0 | Invalid rule number `0'
        -t mangle -L PREROUTING extra | Invalid rule number `extra'
        -t mangle -R PREROUTING -j ACCEPT | -R requires a rule number
        -t mangle -P PREROUTING | -P requires a chain and a policy
        -t mangle -A PREROUTING -s nohost -j ACCEPT | host/network `nohost' not found
        -t mangle -A PREROUTING -s 10.0.0.0/33 -j ACCEPT | invalid mask `33' specified
        -t mangle -A PREROUTING ! -s 1.1.1.1,2.2.2.2 -j ACCEPT | ! not allowed with multiple source or destination IP addresses
        -t mangle -R PREROUTING 1 -d 1.1.1.1,2.2.2.2 -j ACCEPT | Replacement rule does not specify a unique address
        -t mangle -A PREROUTING -p bogus -j ACCEPT | unknown protocol "bogus" specified
        -t mangle -A PREROUTING ! -p all -j ACCEPT | rule would never match protocol
        -t mangle -A PREROUTING -p tcp --dport nope -j ACCEPT | invalid port/service `nope' specified
        -t mangle -A PREROUTING -p tcp --dport 90:80 -j ACCEPT | invalid portrange (min > max)
        -t mangle -A PREROUTING -p tcp --dport 1 --dport 2 -j ACCEPT | Only one `--destination-port' allowed
        -t mangle -A PREROUTING -p udp --dport 1 --dport 2 -j ACCEPT | udp: option "--dport" can only be used once.\n
        -t mangle -A PREROUTING -p udp --dport nope -j ACCEPT | Port "nope" does not resolve to anything.\n
        -t mangle -A PREROUTING -p udp --dport 1:2:3 -j ACCEPT | udp: Too many components for option "--dport" (max: 2)\n
        -t mangle -A PREROUTING -j MARK | MARK: One of the --set-xmark, --{and,or,xor,set}-mark options is required
        -t mangle -A PREROUTING -j MARK --set-mark x | MARK: bad integer value for option "--set-mark", or out of range.\n
        -t mangle -A PREROUTING -j MARK --set-mark 1x | MARK: trailing garbage after value for option "--set-mark".\n
        -t mangle -A PREROUTING -j MARK --and-mark -1 | MARK: bad value for option "--and-mark", or out of range (0-4294967295).\n
        -t mangle -A PREROUTING -j MARK --set-mark 1 --set-mark 2 | MARK: option "--set-mark" can only be used once.\n
        -t mangle -A PREROUTING -j MARK --and-mark 1 --set-mark 2 | MARK: option "--set-mark" cannot be used together with "--and-mark".\n
        -t mangle -A PREROUTING -j MARK ! --set-mark 2 | MARK: option "--set-mark" cannot be inverted.\n
        -t mangle -A PREROUTING --set-mark 1 -j MARK | unknown option "--set-mark"
        -t mangle -A PREROUTING -j MARK --set | unknown option "--set"
        -t mangle -A PREROUTING -j FOO | Chain 'FOO' does not exist
        -t mangle -A PREROUTING -j ACCEPT -j RETURN | multiple -j flags not allowed
        -t mangle -A PREROUTING -o eth0 -j ACCEPT | Can't use -o with PREROUTING\n
        -t mangle -A OUTPUT -i eth0 -j ACCEPT | Can't use -i with OUTPUT\n
        -t mangle -A PREROUTING -i eth0123456789abc -j ACCEPT | interface name `eth0123456789abc' must be shorter than IFNAMSIZ (15)
        -t mangle -A PREROUTING -c 1 | -c requires packet and byte counter
        -t mangle -W 5 -L | --wait-interval only makes sense with --wait\n
        -t mangle -L -- x | unknown arguments found on commandline"#;
    fails(&mut k, 2, "", problems);
    let hint = format!("Bad argument `extra'\n{TRY}");
    assert_eq!(
        run(&mut k, "iptables -F PREROUTING extra"),
        (String::new(), hint, 2)
    );
    let hint = TRY.to_string();
    assert_eq!(run(&mut k, "iptables -6 -L"), (String::new(), hint, 2));
    assert!(k.nf.mangle.is_idle());
}

#[test]
fn what_netstep_does_not_simulate_is_refused() {
    let mut k = mangle();
    let refused = r"
        -t raw -F | table 'raw' is not simulated (filter, nat and mangle are)
        -t security -L | table 'security' is not simulated (filter, nat and mangle are)
        -t mangle -A PREROUTING -j TPROXY | target TPROXY is not simulated (netstep runs ACCEPT, DROP, RETURN, REJECT, LOG, MARK, SNAT, DNAT, MASQUERADE and REDIRECT)
        -t mangle -A PREROUTING -m limit --limit 1/s -j ACCEPT | match limit is not simulated (netstep runs tcp, udp, icmp, multiport, conntrack, state, comment, mac and mark)
        -t mangle -A PREROUTING -p tcp --tcp-option 2 -j ACCEPT | --tcp-option is not simulated
        -t mangle -A PREROUTING -m conntrack --ctproto tcp -j ACCEPT | conntrack --ctproto is not simulated (only --ctstate)
        -t mangle -A PREROUTING -f -j ACCEPT | -f is not simulated in rules
        -t mangle -A PREROUTING -s 10.0.0.0/255.0.255.0 -j ACCEPT | non-contiguous mask 255.0.255.0 is not simulated";
    fails(&mut k, 1, "netstep: ", refused);
    let (_, err, status) = run(&mut k, "iptables -t bogus -L");
    let want = "iptables v1.8.9 (nf_tables): table 'bogus' does not exist\n\
        Perhaps iptables or your kernel needs to be upgraded.\n";
    assert_eq!((err.as_str(), status), (want, 3));
    assert!(k.nf.mangle.is_idle());
}

#[test]
fn help_version_long_options_and_counters() {
    let mut k = mangle();
    let help = out(&mut k, "-h");
    assert!(help.starts_with("iptables v1.8.9 (nf_tables)\n\nUsage: iptables -[ACD] chain"));
    assert_eq!(out(&mut k, "-V"), "iptables v1.8.9 (nf_tables)\n");
    script(
        &mut k,
        "--append PREROUTING --dst 10.0.0.9/32 --protocol tcp --destination-port http \
             --in-interface eth0 --jump MARK --set-xmark 0x2/0xff
         --insert PREROUTING --src 10.0.0.0/8 --jump RETURN -c 4,240
         -P PREROUTING ACCEPT -c 10 600",
    );
    let want = "\
-P PREROUTING ACCEPT -c 10 600
-A PREROUTING -s 10.0.0.0/8 -c 4 240 -j RETURN
-A PREROUTING -d 10.0.0.9/32 -i eth0 -p tcp -m tcp --dport 80 -c 0 0 -j MARK --set-xmark 0x2/0xff\n";
    assert_eq!(out(&mut k, "--list-rules PREROUTING --verbose"), want);
    let listed = out(&mut k, "--list PREROUTING --numeric --line");
    let row = "2    MARK       6    --  0.0.0.0/0            10.0.0.9             tcp dpt:80 MARK xset 0x2/0xff\n";
    assert!(listed.ends_with(row), "{listed}");
    script(&mut k, "--delete PREROUTING 1\n--flush\n--zero");
    assert!(k.nf.mangle.is_idle());
    assert_eq!(k.nf.mangle.chains[0].packets, 0);
}

/// No argument list makes the tool panic.
#[test]
fn odd_arguments_never_panic() {
    let words = [
        "",
        "-",
        "--",
        "!",
        "-A",
        "-D",
        "-I",
        "-R",
        "-L",
        "-S",
        "-Z",
        "-F",
        "-P",
        "-t",
        "mangle",
        "nat",
        "PREROUTING",
        "0",
        "1",
        "99",
        "-j",
        "MARK",
        "--set-mark",
        "0x",
        "1/",
        "/",
        "-p",
        "tcp",
        "--dport",
        ":",
        "65536",
        "-s",
        "1.2.3.4/",
        "a,",
        "-i",
        "+",
        "-c",
        "1,",
        "-nvxL",
        "--line",
        "-h",
        "é",
        "-é",
        "--é=",
    ];
    for a in &words {
        for b in &words {
            for c in ["", "-j MARK --set-mark 1", "-p udp --sport 1:"] {
                let mut k = mangle();
                run(
                    &mut k,
                    &format!("iptables -t mangle -A PREROUTING {a} {b} {c}"),
                );
                run(&mut k, &format!("iptables {a} {b} {c}"));
            }
        }
    }
}
