//! The REPL driven through its line API: prompts, meta commands, completion, errors, `save`,
//! `step`'s viewer, and the exactness of `back`.

use super::complete::candidates;
use super::session::Session;
use crate::lab::LabOptions;
use std::path::{Path, PathBuf};

fn out_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("netstep-repl-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn arp_lab(out: &Path) -> Session {
    let opts = LabOptions {
        out_dir: out.to_path_buf(),
        ..Default::default()
    };
    Session::new(Some("labs/arp.lab".into()), opts)
        .expect("arp.lab")
        .0
}

/// A session on two hosts and a switch, typed in.
fn typed_lan() -> Session {
    let (mut s, _) = Session::new(None, LabOptions::default()).expect("empty");
    for line in [
        "host a b",
        "switch sw1",
        "link a:eth0 sw1",
        "link b:eth0 sw1",
        "a: ifconfig eth0 10.0.0.1/24",
        "b: ifconfig eth0 10.0.0.2/24",
    ] {
        let r = s.line(line);
        assert!(!r.text.contains("netstep:"), "{line}: {}", r.text);
    }
    s
}

#[test]
fn enter_makes_bare_commands_go_to_the_node_until_exit() {
    let mut s = typed_lan();
    assert_eq!(s.prompt(), "netstep> ");
    assert_eq!(s.line("enter a").text, "");
    assert_eq!(s.prompt(), "a# ");
    let r = s.line("ping -c1 10.0.0.2");
    assert!(r.text.contains("1 received"), "{}", r.text);
    assert!(
        r.text.contains("ARP, Request who-has 10.0.0.2"),
        "the trace: {}",
        r.text
    );
    assert!(!s.line("exit").quit, "exit leaves the node, not netstep");
    assert_eq!(s.prompt(), "netstep> ");
    assert!(s.line("quit").quit);
}

#[test]
fn completion_offers_commands_nodes_tools_interfaces_and_paths() {
    let out = out_dir("complete");
    let s = arp_lab(&out);
    let words = |line: &str| candidates(&s, line, line.len()).1;
    assert_eq!(words("he"), ["help"]);
    assert_eq!(words("cl"), ["client:"]);
    assert_eq!(words("enter r"), ["rs1", "rs2"]);
    assert!(words("client: pi").contains(&"ping".to_string()));
    assert_eq!(words("client: ifconfig e"), ["eth0"]);
    assert!(words("client: ping -").contains(&"-c".to_string()));
    assert_eq!(
        words("client: cat /etc/host"),
        ["/etc/hostname", "/etc/hosts"]
    );
    assert_eq!(words("show p"), ["packet"]);
    let (start, _) = candidates(&s, "client: ifconfig e", 18);
    assert_eq!(
        start, 17,
        "the word being completed starts after the last space"
    );
}

#[test]
fn back_then_forward_is_the_same_as_never_going_back() {
    let (da, db) = (out_dir("straight"), out_dir("back"));
    let mut a = arp_lab(&da);
    let mut b = arp_lab(&db);
    a.line("client: ping -c1 rs1");
    b.line("client: ping -c1 rs1");
    let end = b.events();
    let r = b.line("back 3");
    assert_eq!(r.text, format!("back at event {} (  2.000033s)\n", end - 3));
    assert_eq!(b.events(), end - 3);
    b.line("step 3");
    assert_eq!(b.events(), a.events());
    let trace = |s: &Session| -> String {
        s.world()
            .trace
            .iter()
            .map(crate::trace::format_entry)
            .collect()
    };
    assert_eq!(trace(&a), trace(&b), "the same trace");
    for cmd in ["client: arp -n", "rs1: arp -n", "sw1: brctl showmacs sw1"] {
        let (ra, rb) = (a.line(cmd).text, b.line(cmd).text);
        let tail = |t: &str| {
            t.lines()
                .filter(|l| !l.starts_with('[') && !l.starts_with("    "))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(tail(&ra), tail(&rb), "{cmd}");
    }
    a.close();
    b.close();
    let cap = |d: &Path| std::fs::read(d.join("out/arp.pcapng")).expect("capture");
    assert_eq!(cap(&da), cap(&db), "the same capture bytes");
}

#[test]
fn errors_are_one_line_and_never_end_the_session() {
    let out = out_dir("errors");
    let mut s = arp_lab(&out);
    for (line, want) in [
        ("back 100000", "netstep: back 100000: only"),
        ("back 1", "netstep: back 1: event"),
        ("show packet 999999", "netstep: show packet:"),
        (
            "show packet x",
            "netstep: show packet: 'x' is not an event number",
        ),
        ("enter nosuch", "netstep: enter: no node 'nosuch'"),
        ("frobnicate", "netstep: unknown statement 'frobnicate'"),
        ("nosuch: ls", "netstep: unknown node 'nosuch'"),
        ("step x", "netstep: step: 'x' is not a count of events"),
        (
            "save /nonexistent/dir/x.lab",
            "netstep: save /nonexistent/dir/x.lab:",
        ),
        ("help frob", "netstep: help: no command 'frob'"),
    ] {
        let r = s.line(line);
        assert!(r.text.starts_with(want), "{line}: {}", r.text);
        assert_eq!(r.text.lines().count(), 1, "{line}: {}", r.text);
        assert!(!r.quit, "{line}");
    }
}

#[test]
fn a_saved_session_replays_as_a_lab() {
    let out = out_dir("save");
    let mut s = arp_lab(&out);
    s.line("client: ping -c1 rs1");
    s.line("step 2");
    // A relative name, under the session's output directory (an absolute one is refused).
    let r = s.line("save session.lab");
    assert!(r.text.starts_with("saved "), "{}", r.text);
    let file = out.join("session.lab");
    // Saving again replaces the session's own file.
    let r = s.line("save session.lab");
    assert!(r.text.starts_with("saved "), "{}", r.text);
    let opts = LabOptions {
        out_dir: out.clone(),
        ..Default::default()
    };
    let report = crate::lab::run_lab(&file, &opts, &mut Vec::new()).expect("the saved lab runs");
    assert_eq!(report.events, s.events());
}

#[test]
fn step_walks_the_frames_back_and_forth() {
    let out = out_dir("step");
    let opts = LabOptions {
        out_dir: out,
        ..Default::default()
    };
    let rec = super::step::record(std::path::Path::new("labs/arp.lab"), &opts).expect("record");
    let mut input: &[u8] = b"\n\nb\ns\nl\nc\nzz\nq\n";
    let mut out = Vec::new();
    super::step::step(&rec, &mut input, &mut out).expect("step");
    let text = String::from_utf8_lossy(&out);
    assert!(text.contains("step 3/"), "{text}");
    assert!(text.contains("【ETH"), "s shows the layers: {text}");
    assert!(text.contains("client"), "l draws the ladder: {text}");
    assert!(
        text.contains("── labs/arp.lab:"),
        "c names the next lab line: {text}"
    );
    assert!(text.contains("netstep: 'zz'?"), "{text}");
    // Back then forward shows the same frame again.
    let frames: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("s] #") && l.contains(" ◄ "))
        .map(|l| &l[l.find('[').unwrap_or(0)..])
        .collect();
    assert_eq!(frames.len(), 5, "{text}");
    assert_eq!(frames[1], frames[3], "{text}");
}

#[test]
fn continue_stops_at_a_breakpoint_and_replays_as_steps() {
    let out = out_dir("breaks");
    let mut s = arp_lab(&out);
    assert!(s
        .line("break rs2")
        .text
        .starts_with("breakpoint 1: any event on rs2"));
    assert!(s.line("break reason:icmp").text.starts_with("breakpoint 2"));
    assert_eq!(s.line("breaks").text.lines().count(), 2);
    assert_eq!(s.line("delete 1").text, "");
    assert!(s
        .line("delete 5")
        .text
        .starts_with("netstep: delete: no breakpoint '5'"));
    s.line("client: ping -c 2 -i 1 rs1 &");
    let r = s.line("continue");
    assert!(
        r.text.contains("breakpoint 1: decisions of icmp"),
        "{}",
        r.text
    );
    let at = s.events();
    assert_eq!(
        s.typed.last().map(|t| t.text.starts_with("step ")),
        Some(true)
    );
    // Going back one event and forward again lands on the same event.
    s.line("back 1");
    s.line("step 1");
    assert_eq!(s.events(), at);
    assert!(s
        .line("break nosuch:eth0")
        .text
        .starts_with("netstep: break: no node 'nosuch'"));
}

#[test]
fn odd_lines_never_panic_or_quit() {
    let out = out_dir("odd");
    let mut s = arp_lab(&out);
    for line in [
        "",
        ":",
        "client:",
        "enter",
        "back -1",
        "step 0",
        "show packet -3",
        "show",
        "ladder nosuch",
        "save",
        "capture",
        "link",
        "host",
        "run xyz",
        "expect",
        "break",
        "delete x",
        "\t",
        "ü: ls",
        "topology",
        "links",
        "nodes",
        "help help",
        "client: exec 8<> /dev/tcp/x/1",
        "enter sw1",
        "brctl showmacs sw1",
        "exit",
        "client: ping -c1 -W1 10.9.9.9",
        "back 0",
        "reset",
        "sw1: ls",
    ] {
        let r = s.line(line);
        assert!(!r.quit, "{line:?}: {}", r.text);
    }
    assert!(s.line("quit").quit);
}

#[test]
fn ctrl_c_stops_the_foreground_command_not_the_session() {
    let out = out_dir("ctrlc");
    let mut s = arp_lab(&out);
    // An endless ping: the flag raised before it starts stands for a Ctrl-C typed while it
    // runs (`line` clears stale presses, so raise it through the world directly).
    s.line("client: ping -c 1 rs1");
    s.interrupt
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let r = s.world_line_for_test("client: ping rs1");
    assert!(r.text.contains("^C"), "{}", r.text);
    assert!(
        r.text.contains("--- rs1 ping statistics ---"),
        "ping's last words: {}",
        r.text
    );
    assert!(!r.quit);
    assert!(s.line("client: arp -n").text.contains("192.168.10.11"));
}

#[test]
fn a_failing_expect_in_the_lab_opens_the_session_there() {
    let out = out_dir("failing");
    let lab = out.join("failing.lab");
    std::fs::create_dir_all(&out).expect("dir");
    std::fs::write(
        &lab,
        "host a\na: ifconfig lo\nexpect contains \"no such text\"\na: ifconfig eth0 10.0.0.1/24\n",
    )
    .expect("lab");
    let opts = LabOptions {
        out_dir: out.clone(),
        ..Default::default()
    };
    let (mut s, intro) = Session::new(Some(lab), opts).expect("opens anyway");
    assert!(
        intro.contains("failing.lab:3: expected the output to contain"),
        "{intro}"
    );
    assert!(intro.contains("stopped at this failing expect"), "{intro}");
    let r = s.line("a: ifconfig eth0");
    assert!(
        !r.text.contains("10.0.0.1"),
        "line 4 was not run: {}",
        r.text
    );
    assert!(
        !s.as_lab().contains("no such text"),
        "the saved lab stops before it"
    );
}

/// `vi FILE` opens the editor on a copy and the saved text becomes a heredoc line, which
/// `save` keeps; a lab's `vi` says to use a heredoc.
#[test]
fn vi_edits_a_copy_and_records_a_heredoc() {
    let mut s = typed_lan();
    let r = super::edit::edit(&mut s, "a", "/etc/hosts", "sed -i s/localhost/loopback/");
    assert!(!r.failed, "{}", r.text);
    let r = s.line("a: cat /etc/hosts");
    assert!(r.text.contains("127.0.0.1\tloopback"), "{}", r.text);
    assert!(s
        .typed
        .iter()
        .any(|t| t.text.starts_with("a: cat > /etc/hosts <<EOF\n")));
    let r = super::edit::edit(&mut s, "a", "/etc/hosts", "false");
    assert!(r.failed && r.text.contains("unchanged"), "{}", r.text);
    // Typed into the session itself (a script, the fuzzer), vi is the lab's: no editor.
    let r = s.line("a: vi /etc/hosts");
    assert!(
        r.text.contains("write the file with a heredoc"),
        "{}",
        r.text
    );
}
