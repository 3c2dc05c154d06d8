//! `ping` (stub: being written).

use crate::kernel::process::{Poll, Program, Sys};

struct Stub;

impl Program for Stub {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        sys.eprint("ping: not implemented yet\n");
        Poll::Exit(1)
    }
}

pub fn spawn(_args: &[String]) -> Box<dyn Program> {
    Box::new(Stub)
}
