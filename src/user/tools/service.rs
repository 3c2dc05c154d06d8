//! `service NAME ACTION` (Debian's sysvinit-utils 3.06): on a systemd box it hands the
//! action to `systemctl ACTION NAME.service`, which is what the course's
//! `service keepalived start` runs.

use crate::kernel::process::{Poll, Program, Sys};

const USAGE: &str =
    "Usage: service < option > | --status-all | [ service_name [ command | --full-restart ] ]\n";

pub fn spawn(args: &[String]) -> Box<dyn Program> {
    Box::new(Service {
        args: args.to_vec(),
        inner: None,
    })
}

struct Service {
    args: Vec<String>,
    inner: Option<Box<dyn Program>>,
}

impl Program for Service {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        if self.inner.is_none() {
            match self.args.get(1..) {
                Some([name, action, ..]) if !name.starts_with('-') => {
                    let unit = crate::user::systemd::unit::canonical(name);
                    let path = format!("{}/{unit}", crate::user::systemd::unit::UNIT_DIR);
                    if sys.read_file(&path).is_err() {
                        sys.eprint(&format!("{name}: unrecognized service\n"));
                        return Poll::Exit(1);
                    }
                    let argv: Vec<String> = ["systemctl", action.as_str(), unit.as_str()]
                        .iter()
                        .map(|s| s.to_string())
                        .collect();
                    self.inner = Some(super::systemctl::spawn(&argv));
                }
                Some([name]) if !name.starts_with('-') => {
                    sys.eprint(USAGE);
                    return Poll::Exit(1);
                }
                _ => {
                    sys.eprint(USAGE);
                    return Poll::Exit(1);
                }
            }
        }
        match self.inner.as_mut() {
            Some(p) => p.poll(sys),
            None => Poll::Exit(1),
        }
    }
}
