//! `arping`: which one a node has depends on its distribution, as on real machines. CentOS 7
//! ships iputils' in its `iputils` package (iputils.rs); Debian's `apt install arping` gives
//! Thomas Habets' ARPing 2.23 (habets.rs), and the two conflict (docs/shell-real.md §6).
//! The choice is made when the program starts, from the node's /etc/os-release.

mod habets;
mod iputils;
mod iputils_opts;

use crate::kernel::netdev::Mac;
use crate::kernel::process::{Poll, Program, Signal, Sys};
use std::net::Ipv4Addr;

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

/// The fields of an Ethernet ARP packet for IPv4, after recv_pack's sanity checks.
pub(super) struct ArpFields {
    pub request: bool,
    pub sha: Mac,
    pub spa: Ipv4Addr,
    pub tha: Mac,
    pub tpa: Ipv4Addr,
}

impl ArpFields {
    pub(super) fn parse(frame: &[u8]) -> Option<ArpFields> {
        if frame.get(12..14)? != [0x08, 0x06] {
            return None;
        }
        let a = frame.get(14..14 + 28)?;
        let op = u16::from_be_bytes([a[6], a[7]]);
        if a[..6] != [0, 1, 8, 0, 6, 4] || !(op == 1 || op == 2) {
            return None;
        }
        let mac = |i: usize| -> Mac { [a[i], a[i + 1], a[i + 2], a[i + 3], a[i + 4], a[i + 5]] };
        let ip = |i: usize| Ipv4Addr::new(a[i], a[i + 1], a[i + 2], a[i + 3]);
        Some(ArpFields {
            request: op == 1,
            sha: mac(8),
            spa: ip(14),
            tha: mac(18),
            tpa: ip(24),
        })
    }
}
