//! The shape ping, traceroute and arping share: parse the arguments and open the sockets on
//! the first poll (a failure is printed as the tool prints it, with its exit status), then
//! run step by step until done or interrupted.

use crate::kernel::process::{Poll, Program, Sys};
use crate::user::libc::getaddrinfo::Answers;

/// Why a tool could not start: its message, exit status, and whether it goes to stdout
/// (usage texts) rather than stderr.
pub struct StartError {
    pub text: String,
    pub code: i32,
    pub stdout: bool,
}

impl From<(String, i32)> for StartError {
    fn from((text, code): (String, i32)) -> StartError {
        StartError {
            text,
            code,
            stdout: false,
        }
    }
}

pub trait Session: Sized + 'static {
    /// `answers`: what DNS said about the target, when it was not a literal or in /etc/hosts.
    fn begin(args: &[String], answers: &Answers, sys: &mut Sys) -> Result<Self, StartError>;
    fn step(&mut self, sys: &mut Sys) -> Poll;
    /// SIGINT. The default is a tool without a handler: it dies with status 130.
    fn on_interrupt(&mut self, _sys: &mut Sys) -> i32 {
        130
    }
}

struct Lazy<S> {
    args: Vec<String>,
    answers: Answers,
    run: Option<S>,
}

/// The program for a session tool: `spawn::<ping::Run>(args, answers)`.
pub fn spawn<S: Session>(args: &[String], answers: Answers) -> Box<dyn Program> {
    Box::new(Lazy::<S> {
        args: args.to_vec(),
        answers,
        run: None,
    })
}

impl<S: Session> Program for Lazy<S> {
    fn poll(&mut self, sys: &mut Sys) -> Poll {
        if self.run.is_none() {
            match S::begin(&self.args, &self.answers, sys) {
                Ok(run) => self.run = Some(run),
                Err(e) if e.stdout => {
                    sys.print(&e.text);
                    return Poll::Exit(e.code);
                }
                Err(e) => {
                    sys.eprint(&e.text);
                    return Poll::Exit(e.code);
                }
            }
        }
        match self.run.as_mut() {
            Some(run) => run.step(sys),
            None => Poll::Exit(2),
        }
    }

    fn interrupt(&mut self, sys: &mut Sys) -> i32 {
        self.run.as_mut().map_or(130, |run| run.on_interrupt(sys))
    }
}
