//! `netstep repl [LAB]` and `netstep step LAB`: the interactive faces of a world.
//!
//! The session (session.rs) is a line-in, text-out machine that tests drive directly; this
//! file puts rustyline in front of it (history in ~/.netstep_history, tab completion from
//! complete.rs, Ctrl-C and Ctrl-D), and colours the trace by layer when the output is a
//! terminal and NO_COLOR is unset.

pub mod breaks;
pub mod complete;
pub mod edit;
pub mod meta;
pub mod session;
pub mod step;

#[cfg(test)]
mod tests;

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};
use session::Session;
use std::cell::RefCell;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::rc::Rc;

/// rustyline's view of the session: it only completes.
struct Help(Rc<RefCell<Session>>);

impl Completer for Help {
    type Candidate = Pair;
    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let (start, words) = complete::candidates(&self.0.borrow(), line, pos);
        let pairs = words
            .into_iter()
            .map(|w| Pair {
                display: w.clone(),
                replacement: w,
            })
            .collect();
        Ok((start, pairs))
    }
}
impl Hinter for Help {
    type Hint = String;
}
impl Highlighter for Help {}
impl Validator for Help {}
impl Helper for Help {}

/// Whether to colour: a terminal, NO_COLOR unset, no --no-color.
pub fn use_colour(no_color: bool) -> bool {
    !no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

fn history_file() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".netstep_history"))
}

/// The interactive loop. Returns the process exit status.
pub fn repl(lab: Option<PathBuf>, opts: crate::lab::LabOptions, colour: bool) -> i32 {
    let (session, intro) = match Session::new(lab, opts) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("netstep: {}", crate::lab::excerpt::tidy(&e.to_string()));
            return 1;
        }
    };
    print!("{}", paint(&intro, colour));
    println!(
        "netstep: {} events so far; `help` lists the commands",
        session.events()
    );
    let flag = session.interrupt;
    // Ctrl-C while a command runs stops it (rustyline reads Ctrl-C at the prompt itself).
    if let Err(e) =
        ctrlc::set_handler(move || flag.store(true, std::sync::atomic::Ordering::Relaxed))
    {
        eprintln!("netstep: Ctrl-C handler: {e}");
    }
    let session = Rc::new(RefCell::new(session));
    let mut rl = match Editor::<Help, DefaultHistory>::new() {
        Ok(rl) => rl,
        Err(e) => {
            eprintln!("netstep: terminal: {e}");
            return 1;
        }
    };
    rl.set_helper(Some(Help(session.clone())));
    let history = history_file();
    if let Some(h) = &history {
        let _ = rl.load_history(h);
    }
    let mut lineno = 0u64;
    // As bash's `$?`: whether the last line typed failed.
    let mut last_failed = false;
    loop {
        let prompt = session.borrow().prompt();
        lineno += 1;
        match rl.readline(&prompt) {
            Ok(line) => {
                let _ = rl.add_history_entry(line.as_str());
                let reply = edit_or_run(&mut session.borrow_mut(), &line);
                print!("{}", paint(&reply.text, colour));
                if reply.quit {
                    break;
                }
                if !line.trim().is_empty() {
                    last_failed = reply.failed;
                }
            }
            // Ctrl-C at the prompt drops the line, as bash does; the session stays.
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => {
                print!("{}", session.borrow_mut().close());
                break;
            }
            // A line that is not UTF-8 (read_line has consumed it): an error, and on.
            Err(ReadlineError::Io(e)) if e.kind() == std::io::ErrorKind::InvalidData => {
                eprintln!("netstep: <stdin>:{lineno}: invalid UTF-8; the line was not run");
                last_failed = true;
                continue;
            }
            Err(e) => {
                eprintln!("netstep: {}", crate::lab::excerpt::tidy(&e.to_string()));
                break;
            }
        }
    }
    if let Some(h) = &history {
        let _ = rl.save_history(h);
    }
    let lab_failed = session.borrow().lab_failed;
    i32::from(lab_failed || last_failed)
}

/// A typed line: `vi FILE` opens the editor (only here, at a person's terminal), anything
/// else runs in the session.
fn edit_or_run(session: &mut Session, line: &str) -> session::Reply {
    let full = session.full_line(line);
    match edit::request(&full) {
        Some((node, typed, file)) => {
            let editor = session.editor.clone().unwrap_or_else(|| typed.to_string());
            let (node, file) = (node.to_string(), file.to_string());
            edit::edit(session, &node, &file, &editor)
        }
        None => session.line(line),
    }
}

/// Colours trace lines by layer: link-layer events (ARP) yellow, IP and ICMP cyan, TCP and
/// UDP green, reasons dimmed. Plain text passes through untouched.
pub fn paint(text: &str, colour: bool) -> String {
    use colored::Colorize;
    if !colour {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let painted = if body.starts_with("              ") {
            body.dimmed().to_string()
        } else if body.starts_with('[') && body.contains("ARP") {
            body.yellow().to_string()
        } else if body.starts_with('[') && (body.contains("Flags [") || body.contains("UDP")) {
            body.green().to_string()
        } else if body.starts_with('[') && body.contains(" ◄ ") {
            body.cyan().to_string()
        } else {
            body.to_string()
        };
        out += &painted;
        if line.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}
