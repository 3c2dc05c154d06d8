//! A REPL session without a terminal: one line in, the text to print out. `repl/mod.rs`
//! puts rustyline in front of it; tests drive it directly.
//!
//! Going back is a replay (DESIGN.md §3): the session keeps what the lab and the user did,
//! each typed line with the event number it was typed at, and `back N` rebuilds the world
//! from the start with the world told to stop at event `now − N`. Everything is
//! deterministic, so the state reached is the state that was there.

use crate::lab::outdir::SAVED_LAB;
use crate::lab::{parse_lab, LabOptions, Line, Runner, Stmt};
use std::cell::RefCell;
use std::io::Write;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Output the runner writes, which the session hands back after each line.
#[derive(Clone, Default)]
pub(super) struct Buf(Rc<RefCell<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buf {
    pub(super) fn take(&self) -> String {
        String::from_utf8_lossy(&std::mem::take(&mut *self.0.borrow_mut())).into_owned()
    }
}

/// What a statement printed, then its error if it failed.
fn with_error(out: String, r: Result<(), String>) -> Reply {
    match r {
        Ok(()) => Reply::text(out),
        Err(e) => {
            let err = Reply::error(e.trim_start_matches("<repl>:1: "));
            Reply {
                text: out + &err.text,
                ..err
            }
        }
    }
}

/// A line the user typed that changed the world, and the event count when it was typed.
#[derive(Clone, Debug)]
pub struct Typed {
    pub text: String,
    pub at: u64,
}

/// What one input line did.
#[derive(Debug, Default, PartialEq)]
pub struct Reply {
    pub text: String,
    pub quit: bool,
    /// The line failed (an error, a failing expect): the session's `$?`.
    pub failed: bool,
}

impl Reply {
    pub fn text(text: impl Into<String>) -> Reply {
        Reply {
            text: text.into(),
            ..Reply::default()
        }
    }

    pub fn error(msg: impl std::fmt::Display) -> Reply {
        Reply {
            failed: true,
            ..Reply::text(format!(
                "netstep: {}\n",
                crate::lab::excerpt::tidy(&msg.to_string())
            ))
        }
    }
}

pub struct Session {
    runner: Runner<'static>,
    /// The lab file the session began from: nothing the session writes may replace it.
    lab_path: Option<PathBuf>,
    /// One of the lab's expects failed (the session opened there): exit status 1.
    pub lab_failed: bool,
    out: Buf,
    opts: LabOptions,
    /// The lab the session started from (its statements run before the prompt).
    lab: Vec<Line>,
    pub typed: Vec<Typed>,
    /// `enter NODE`: bare commands go there.
    pub node: Option<String>,
    /// The editor `vi FILE` opens on this machine: $EDITOR, else the one typed.
    pub editor: Option<String>,
    /// Events the lab's own statements took: `back` goes no further than this.
    setup_events: u64,
    /// `break ON`: where `continue` stops.
    pub breaks: Vec<super::breaks::Break>,
    /// Set by Ctrl-C (repl/mod.rs installs the handler): the running command or `continue`
    /// stops at the next event, as a terminal's SIGINT stops a foreground program.
    pub interrupt: &'static AtomicBool,
}

impl Session {
    /// A session on an empty world, or on the world `lab` builds (its output is returned).
    pub fn new(lab: Option<PathBuf>, opts: LabOptions) -> Result<(Session, String), String> {
        let lines = match &lab {
            None => Vec::new(),
            Some(path) => {
                let text = crate::lab::parse::read_lab(path)?;
                parse_lab(&path.display().to_string(), &text)?
            }
        };
        let out = Buf::default();
        let mut s = Session {
            runner: Runner::with_sink(opts.clone(), Box::new(out.clone())),
            lab_path: lab.clone(),
            lab_failed: false,
            out,
            opts,
            lab: lines,
            typed: Vec::new(),
            node: None,
            editor: std::env::var("EDITOR")
                .ok()
                .filter(|e| !e.trim().is_empty()),
            setup_events: 0,
            breaks: Vec::new(),
            // One small flag per session, alive as long as the program: the world holds a
            // 'static reference to it.
            interrupt: Box::leak(Box::new(AtomicBool::new(false))),
        };
        s.replay(None)?;
        s.setup_events = s.events();
        let text = s.out.take();
        Ok((s, text))
    }

    pub fn events(&self) -> u64 {
        self.runner.world.events
    }

    pub fn world(&self) -> &crate::sim::world::World {
        &self.runner.world
    }

    pub fn prompt(&self) -> String {
        match &self.node {
            Some(n) => format!("{n}# "),
            None => "netstep> ".into(),
        }
    }

    /// Rebuilds the world from the lab and the typed lines, stopping at event `stop` if given.
    fn replay(&mut self, stop: Option<u64>) -> Result<(), String> {
        self.out = Buf::default();
        self.runner = Runner::with_sink(self.opts.clone(), Box::new(self.out.clone()));
        if let Some(p) = &self.lab_path {
            self.runner.protect(p);
        }
        self.runner.world.stop_at = stop;
        self.runner.world.interrupt = Some(self.interrupt);
        let lab = self.lab.clone();
        for (i, line) in lab.iter().enumerate() {
            if self.stopped(stop) {
                break;
            }
            if let Err(e) = self.runner.exec(line) {
                if self.stopped(stop) {
                    break;
                }
                if matches!(line.stmt, Stmt::Expect(_)) {
                    // A failing expect is a breakpoint: the session opens where the lesson
                    // went wrong, and the rest of the lab is left unrun.
                    self.lab.truncate(i);
                    self.lab_failed = true;
                    let _ = writeln!(
                        Buf::clone(&self.out),
                        "netstep: {}:{}: {e}\nnetstep: stopped at this failing expect; the lab's later lines are not run",
                        line.file,
                        line.line
                    );
                    break;
                }
                return Err(format!("{}:{}: {e}", line.file, line.line));
            }
        }
        self.runner.set_trace(true);
        for t in self.typed.clone() {
            if self.stopped(stop) {
                break;
            }
            let _ = self.exec_text(&t.text);
        }
        self.runner.world.stop_at = None;
        self.runner.set_trace(true);
        Ok(())
    }

    fn stopped(&self, stop: Option<u64>) -> bool {
        stop.is_some_and(|n| self.runner.world.events >= n)
    }

    /// Parses `text` as one lab statement and runs it.
    fn exec_text(&mut self, text: &str) -> Result<(), String> {
        let lines = parse_lab("<repl>", text)?;
        for line in &lines {
            self.runner.exec(line)?;
        }
        Ok(())
    }

    /// One line from the user.
    pub fn line(&mut self, input: &str) -> Reply {
        // A Ctrl-C pressed while nothing ran is not for the next command.
        self.interrupt.store(false, Ordering::Relaxed);
        let input = input.trim();
        if input.is_empty() || input.starts_with('#') {
            return Reply::default();
        }
        if let Some(reply) = super::meta::run(self, input) {
            return reply;
        }
        let text = match &self.node {
            Some(n) if !is_statement(input) => format!("{n}: {input}"),
            _ => input.to_string(),
        };
        self.world_line(&text)
    }

    /// The line with `enter NODE`'s prefix, as `line` runs it.
    pub fn full_line(&self, input: &str) -> String {
        let input = input.trim();
        match &self.node {
            Some(n) if !is_statement(input) => format!("{n}: {input}"),
            _ => input.to_string(),
        }
    }

    /// A statement that changes the world: recorded so that `back` and `save` repeat it.
    pub(super) fn world_line(&mut self, text: &str) -> Reply {
        let at = self.events();
        match parse_lab("<repl>", text) {
            Err(e) => return Reply::error(e.trim_start_matches("<repl>:1: ")),
            Ok(lines) => {
                if let Some(Stmt::Expect(_)) = lines.first().map(|l| &l.stmt) {
                    // An expect is checked, never recorded: it changes nothing.
                    let r = self.exec_text(text);
                    let out = self.out.take();
                    return with_error(out, r);
                }
            }
        }
        self.typed.push(Typed {
            text: text.to_string(),
            at,
        });
        let r = self.exec_text(text);
        let out = self.out.take();
        with_error(out, r)
    }

    /// A world line without `line`'s clearing of a pending Ctrl-C (tests press it first).
    #[cfg(test)]
    pub(super) fn world_line_for_test(&mut self, text: &str) -> Reply {
        self.world_line(text)
    }

    /// `back N`: the world as it was N events ago.
    pub(super) fn back(&mut self, n: u64) -> Reply {
        let now = self.events();
        if n > now {
            return Reply::error(format!(
                "back {n}: only {now} events so far (back {now} goes to the start)"
            ));
        }
        let target = now - n;
        if target < self.setup_events {
            return Reply::error(format!(
                "back {n}: event {target} is inside the lab's own setup (it ends at event {}); go back at most {}",
                self.setup_events,
                now - self.setup_events
            ));
        }
        // Lines typed at or after the target had not been typed yet then.
        self.typed.retain(|t| t.at < target);
        if let Err(e) = self.replay(Some(target)) {
            return Reply::error(e);
        }
        let _ = self.out.take();
        Reply::text(format!(
            "back at event {} ({})\n",
            self.events(),
            self.runner.world.now
        ))
    }

    /// `continue`: events until nothing is in flight, or until one hits a breakpoint. It is
    /// recorded as `step K`, the events it took, so that `back` and `save` repeat it exactly.
    pub(super) fn continue_(&mut self) -> Reply {
        let budget = self.runner.budget();
        let at = self.events();
        let mut text = String::new();
        let mut hit = None;
        for _ in 0..budget {
            let before = self.runner.world.trace.len();
            match self.runner.world.step() {
                Ok(true) => {}
                Ok(false) => break,
                Err(crate::sim::world::RunError::Interrupted) => {
                    text += "^C\n";
                    break;
                }
                Err(e) => {
                    text += &format!("netstep: {}\n", e.message(budget));
                    break;
                }
            }
            for e in &self.runner.world.trace[before..] {
                text += &crate::trace::format_entry(e);
            }
            let new = &self.runner.world.trace[before..];
            hit = self
                .breaks
                .iter()
                .position(|b| new.iter().any(|e| b.hits(e)));
            if hit.is_some() {
                break;
            }
        }
        let taken = self.events() - at;
        if taken >= budget && hit.is_none() {
            let e = crate::sim::world::RunError::Budget {
                events: self.events(),
                now: self.runner.world.now,
            };
            text += &format!("netstep: {}\n", e.message(budget));
        }
        self.runner.set_trace(true);
        if taken > 0 {
            self.typed.push(Typed {
                text: format!("step {taken}"),
                at,
            });
        }
        match hit {
            Some(i) => text += &format!("breakpoint {}: {}\n", i + 1, self.breaks[i].describe()),
            None => text += &format!("nothing in flight after {taken} events\n"),
        }
        text += &self.out.take();
        Reply::text(text)
    }

    /// `reset`: the lab as it was when the session started.
    pub(super) fn reset(&mut self) -> Reply {
        self.typed.clear();
        self.node = None;
        if let Err(e) = self.replay(None) {
            return Reply::error(e);
        }
        let _ = self.out.take();
        Reply::text(format!("reset to event {}\n", self.events()))
    }

    /// The session as a lab: the lab's statements, then what was typed.
    /// `save FILE`: the session as a lab, under the output directory as a lab's capture
    /// would be. Returns the number of lines.
    pub fn save(&mut self, name: &str) -> Result<usize, String> {
        let path = self.runner.out_file(name)?;
        let text = self.as_lab();
        let mut f = crate::lab::outdir::OutDir::open(&path).map_err(|e| format!("{name}: {e}"))?;
        f.write_all(text.as_bytes())
            .map_err(|e| format!("{name}: {e}"))?;
        Ok(text.lines().count())
    }

    pub fn as_lab(&self) -> String {
        let mut s = format!("{SAVED_LAB}: replays this session exactly\n");
        for l in &self.lab {
            s += &l.text;
            s.push('\n');
        }
        for t in &self.typed {
            s += &t.text;
            s.push('\n');
        }
        s
    }

    /// Closes captures and the like, as the end of a lab does.
    pub fn close(&mut self) -> String {
        let r = self.runner.close();
        let mut out = self.out.take();
        if let Err(e) = r {
            out += &format!("netstep: {e}\n");
        }
        out
    }
}

/// A lab statement rather than a node command (so `enter` leaves it alone).
fn is_statement(input: &str) -> bool {
    let first = input.split_whitespace().next().unwrap_or("");
    matches!(first, "run" | "step" | "expect" | "link" | "capture")
        || input.contains(": ")
            && input
                .split(':')
                .next()
                .is_some_and(|n| !n.contains(' ') && !n.is_empty())
}
