//! printf, seq, sort and uniq against docs/shell-real.md §4.

use super::*;
use crate::kernel::process::{Poll, Program};
use crate::kernel::Kernel;
use crate::sim::rng::Rng;
use crate::sim::{Ctx, Time};

struct Nop;

impl Program for Nop {
    fn poll(&mut self, _sys: &mut Sys) -> Poll {
        Poll::Exit(0)
    }
}

fn tool(argv: &[&str], stdin: &str) -> (String, String, i32) {
    let mut k = Kernel::new("a", Rng::new(1));
    let mut ctx = Ctx::new(Time::ZERO, "a", false);
    let pid = k.procs.insert("t", "t", Box::new(Nop), false);
    let mut sys = Sys {
        k: &mut k,
        ctx: &mut ctx,
        pid,
        out: String::new(),
        err: String::new(),
    };
    let argv: Vec<String> = argv.iter().map(|a| a.to_string()).collect();
    let status = run(&mut sys, &argv, stdin).expect("a text tool");
    (sys.out, sys.err, status)
}

#[test]
fn printf_formats_as_bash_does() {
    assert_eq!(tool(&["printf", "%s-%d\\n", "x", "5"], "").0, "x-5\n");
    assert_eq!(
        tool(&["printf", "%5.2f|%-4s|%x\\n", "3.14159", "ab", "255"], "").0,
        " 3.14|ab  |ff\n"
    );
    assert_eq!(
        tool(
            &[
                "printf",
                "%03d|%+d|%e|%o|%X|%c|%%\\n",
                "7",
                "5",
                "1234.5",
                "8",
                "255",
                "hello"
            ],
            ""
        )
        .0,
        "007|+5|1.234500e+03|10|FF|h|%\n"
    );
    assert_eq!(tool(&["printf", "%s\\n", "a", "b", "c"], "").0, "a\nb\nc\n");
    assert_eq!(
        tool(&["printf"], ""),
        (
            String::new(),
            "printf: usage: printf [-v var] format [arguments]\n".into(),
            2
        )
    );
    assert_eq!(
        tool(&["printf", "%d\\n", "12abc"], ""),
        (
            "12\n".into(),
            "bash: printf: 12abc: invalid number\n".into(),
            1
        )
    );
}

#[test]
fn seq_counts_as_coreutils_does() {
    assert_eq!(tool(&["seq", "3"], "").0, "1\n2\n3\n");
    assert_eq!(tool(&["seq", "1", "2", "7"], "").0, "1\n3\n5\n7\n");
    assert_eq!(
        tool(&["seq", "5", "1"], ""),
        (String::new(), String::new(), 0)
    );
    assert_eq!(tool(&["seq", "-s,", "3"], "").0, "1,2,3\n");
    assert_eq!(tool(&["seq", "-w", "8", "10"], "").0, "08\n09\n10\n");
    assert_eq!(
        tool(&["seq", "0.5", "0.5", "2"], "").0,
        "0.5\n1.0\n1.5\n2.0\n"
    );
    assert_eq!(
        tool(&["seq", "a"], "").1,
        "seq: invalid floating point argument: ‘a’\nTry 'seq --help' for more information.\n"
    );
    assert_eq!(tool(&["seq"], "").2, 1);
}

#[test]
fn sort_and_uniq_count_repeats() {
    let data = "b 2\na 10\nc 1\nb 2\na 3\n";
    assert_eq!(tool(&["sort"], data).0, "a 10\na 3\nb 2\nb 2\nc 1\n");
    assert_eq!(
        tool(&["sort", "-n", "-k2"], data).0,
        "c 1\nb 2\nb 2\na 3\na 10\n"
    );
    assert_eq!(tool(&["sort", "-u"], data).0, "a 10\na 3\nb 2\nc 1\n");
    assert_eq!(
        tool(&["sort", "-n"], "10\n9\n100\n-1\n").0,
        "-1\n9\n10\n100\n"
    );
    let u = "a\na\nb\na\nc\nc\nc\n";
    assert_eq!(
        tool(&["uniq", "-c"], u).0,
        "      2 a\n      1 b\n      1 a\n      3 c\n"
    );
    assert_eq!(tool(&["uniq", "-d"], u).0, "a\nc\n");
    assert_eq!(tool(&["uniq", "-u"], u).0, "b\na\n");
    assert_eq!(
        tool(&["which", "ls", "nosuch"], ""),
        ("/usr/bin/ls\n".into(), String::new(), 1)
    );
}

#[test]
fn a_format_ending_inside_a_conversion_is_printed_as_written() {
    // It ends on a character of several bytes: no conversion letter, no panic.
    let (out, _, st) = tool(&["printf", "%5ü"], "");
    assert_eq!((out.as_str(), st), ("%5ü", 0));
}
