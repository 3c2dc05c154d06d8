//! `netstep step LAB`: the lab one frame at a time. Enter = next frame, b = back, c = on to
//! the next lab line, s = the frame layer by layer, l = the ladder so far, q = quit.
//!
//! The lab runs first, deterministically, recording every event and which lab line caused
//! it; stepping then walks that record, so going back is exact by construction (the same
//! run, read again), and the world's own replay (`back` in the REPL) is not needed here.

use super::session::Buf;
use crate::lab::{parse_lab, LabOptions, Runner};
use crate::trace::{format_entry, ladder, layers, TraceEntry, TraceKind};
use std::io::{BufRead, Write};
use std::path::Path;

/// One lab line and what it printed, with the first trace entry it caused.
struct Part {
    title: String,
    output: String,
    first: usize,
}

/// The recorded run: the trace, and the lab lines in order.
pub struct Recording {
    trace: Vec<TraceEntry>,
    parts: Vec<Part>,
    nodes: Vec<String>,
}

/// Runs the lab, recording each line's output and where its events begin.
pub fn record(path: &Path, opts: &LabOptions) -> Result<Recording, String> {
    let text = crate::lab::parse::read_lab(path)?;
    let lines = parse_lab(&path.display().to_string(), &text)?;
    let buf = Buf::default();
    let mut runner = Runner::with_sink(opts.clone(), Box::new(buf.clone()));
    let mut parts = Vec::new();
    for line in &lines {
        let first = runner.world.trace.len();
        runner
            .exec(line)
            .map_err(|e| format!("{}:{}: {e}", line.file, line.line))?;
        parts.push(Part {
            title: format!("{}:{}  {}", line.file, line.line, line.text),
            output: buf.take(),
            first,
        });
    }
    runner.close()?;
    Ok(Recording {
        trace: std::mem::take(&mut runner.world.trace),
        parts,
        nodes: runner.world.nodes.iter().map(|n| n.name.clone()).collect(),
    })
}

impl Recording {
    /// Indices of the frame events (what a step moves between).
    fn frames(&self) -> Vec<usize> {
        self.trace
            .iter()
            .enumerate()
            .filter(|(_, e)| matches!(e.kind, TraceKind::Rx { .. }))
            .map(|(i, _)| i)
            .collect()
    }

    /// The lab line that caused trace entry `i`.
    fn part_of(&self, i: usize) -> Option<usize> {
        self.parts.iter().rposition(|p| p.first <= i)
    }
}

const KEYS: &str = "[Enter] next  [b] back  [c] next lab line  [s] show  [l] ladder  [q] quit";

/// The stepping loop over `input`, writing to `out`.
pub fn step(rec: &Recording, input: &mut dyn BufRead, out: &mut dyn Write) -> std::io::Result<()> {
    let frames = rec.frames();
    if frames.is_empty() {
        writeln!(out, "netstep: this lab sends no frames")?;
        return Ok(());
    }
    writeln!(out, "{} frames; {KEYS}", frames.len())?;
    let mut at = 0usize;
    let mut shown_part = None;
    show(rec, &frames, at, &mut shown_part, out)?;
    let mut line = String::new();
    loop {
        write!(out, "step {}/{}> ", at + 1, frames.len())?;
        out.flush()?;
        line.clear();
        if input.read_line(&mut line)? == 0 {
            writeln!(out)?;
            return Ok(());
        }
        match line.trim() {
            "" | "n" => {
                if at + 1 >= frames.len() {
                    writeln!(
                        out,
                        "netstep: that was the last frame (b goes back, q quits)"
                    )?;
                    continue;
                }
                at += 1;
            }
            "b" => {
                if at == 0 {
                    writeln!(out, "netstep: already at the first frame")?;
                    continue;
                }
                at -= 1;
                shown_part = None;
            }
            "c" => {
                let part = rec.part_of(frames[at]).unwrap_or(0);
                match frames.iter().position(|&f| rec.part_of(f) > Some(part)) {
                    Some(next) => at = next,
                    None => {
                        writeln!(out, "netstep: no frames after this lab line")?;
                        continue;
                    }
                }
            }
            "s" => {
                let ev = rec.trace[frames[at]].event;
                match layers::show_packet(&rec.trace, ev) {
                    Ok(t) => write!(out, "{t}")?,
                    Err(e) => writeln!(out, "netstep: {e}")?,
                }
                continue;
            }
            "l" => {
                let upto = &rec.trace[..=frames[at]];
                let declared: Vec<&str> = rec.nodes.iter().map(String::as_str).collect();
                let cols = ladder::column_order(upto, &declared);
                write!(out, "{}", ladder::ladder(upto, &cols))?;
                continue;
            }
            "q" => return Ok(()),
            other => {
                writeln!(out, "netstep: '{other}'? {KEYS}")?;
                continue;
            }
        }
        show(rec, &frames, at, &mut shown_part, out)?;
    }
}

/// Prints frame `at`, preceded by its lab line (and that line's output) when it changes.
fn show(
    rec: &Recording,
    frames: &[usize],
    at: usize,
    shown: &mut Option<usize>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let part = rec.part_of(frames[at]);
    if part != *shown {
        if let Some(p) = part.and_then(|p| rec.parts.get(p)) {
            writeln!(out, "── {}", p.title)?;
            write!(out, "{}", p.output)?;
        }
        *shown = part;
    }
    write!(out, "{}", format_entry(&rec.trace[frames[at]]))
}

/// `netstep step LAB` on the process's terminal.
pub fn run(path: &Path, opts: &LabOptions) -> i32 {
    let rec = match record(path, opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("netstep: {}", crate::lab::excerpt::tidy(&e.to_string()));
            return 1;
        }
    };
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut out = std::io::stdout();
    match step(&rec, &mut input, &mut out) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("netstep: {}", crate::lab::excerpt::tidy(&e.to_string()));
            1
        }
    }
}
