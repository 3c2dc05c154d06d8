//! `dmesg`: the kernel's log ring, each line with its time since boot as `[    5.123456]`.
//! A node's kernel logs what netfilter says (LOG targets, a full connection table).

use crate::kernel::process::Sys;

pub fn main(sys: &mut Sys, args: &[String]) -> i32 {
    if let Some(a) = args.get(1) {
        match a.as_str() {
            "-c" | "--read-clear" | "-C" | "--clear" => {
                if a == "-c" || a == "--read-clear" {
                    print(sys);
                }
                sys.k.nf.klog.clear();
                return 0;
            }
            other => {
                sys.eprint(&format!(
                    "dmesg: unrecognized option '{other}'\nTry 'dmesg --help' for more information.\n"
                ));
                return 1;
            }
        }
    }
    print(sys);
    0
}

fn print(sys: &mut Sys) {
    let text: String = sys
        .k
        .nf
        .klog
        .iter()
        .map(|(t, l)| {
            let us = t.0 / 1000;
            format!("[{:>5}.{:06}] {l}\n", us / 1_000_000, us % 1_000_000)
        })
        .collect();
    sys.print(&text);
}
