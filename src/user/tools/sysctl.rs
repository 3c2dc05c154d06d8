//! `sysctl` (stub: being written).

use crate::kernel::process::Sys;

pub fn main(sys: &mut Sys, _args: &[String]) -> i32 {
    sys.eprint("sysctl: not implemented yet\n");
    1
}
