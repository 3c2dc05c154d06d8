//! `arping`: which one a node has depends on its distribution, as on real machines. CentOS 7
//! ships iputils' in its `iputils` package (iputils.rs); Debian's `apt install arping` gives
//! Thomas Habets' ARPing 2.23 (habets.rs), and the two conflict (docs/shell-real.md §6).
//! The choice is made when the program starts, from the node's /etc/os-release.

mod habets;
mod iputils;
mod iputils_opts;

use crate::kernel::process::{Poll, Program, Signal, Sys};

pub fn spawn(args: &[String]) -> Box<dyn Program> {
    Box::new(Arping {
        args: args.to_vec(),
        stdin: None,
        prog: None,
    })
}

/// The arping of the node's distribution, made at the first poll.
struct Arping {
    args: Vec<String>,
    stdin: Option<String>,
    prog: Option<Box<dyn Program>>,
}

impl Arping {
    fn prog(&mut self, sys: &Sys) -> &mut Box<dyn Program> {
        let args = &self.args;
        let stdin = &mut self.stdin;
        self.prog.get_or_insert_with(|| {
            let mut p = match crate::user::distro::is_centos(sys.k) {
                true => iputils::spawn(args),
                false => habets::spawn(args),
            };
            if let Some(s) = stdin.take() {
                p.set_stdin(s);
            }
            p
        })
    }
}

impl Program for Arping {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        self.prog(sys).poll(sys)
    }
    fn interrupt(&mut self, sys: &mut Sys) -> i32 {
        self.prog(sys).interrupt(sys)
    }
    fn signal(&mut self, sys: &mut Sys, sig: Signal) -> Poll {
        self.prog(sys).signal(sys, sig)
    }
    fn set_stdin(&mut self, data: String) {
        self.stdin = Some(data);
    }
}
