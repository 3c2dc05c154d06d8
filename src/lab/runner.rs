//! Runs a parsed lab: builds the world, runs each node command to completion in virtual
//! time, checks expectations, prints the trace, and writes captures.

use super::expect::Expect;
use super::outdir::OutDir;
use super::parse::{parse_lab, Line, Stmt};
use crate::kernel::socket::Pid;
use crate::sim::time::{Time, SEC};
use crate::sim::world::{RunError, World};
use crate::trace::format_entry;
use crate::user::shell::lexer::Script;
use crate::user::shell::Shell;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Events one statement may cause before the lab counts as runaway (a broadcast storm).
pub const DEFAULT_BUDGET: u64 = 1_000_000;
/// Events a run that keeps them all may keep (about 1 GB of frames at most).
const MAX_RETAINED: usize = 2_000_000;
/// A foreground command still running after this much virtual time gets Ctrl-C.
const COMMAND_DEADLINE: u64 = 3600 * SEC;

#[derive(Clone, Debug, Default)]
pub struct LabOptions {
    /// Print every event with its reasons.
    pub trace: bool,
    /// Relative capture paths are taken from here.
    pub out_dir: PathBuf,
    /// Overrides the lab's `seed`.
    pub seed: Option<u64>,
    /// Also capture every host interface into this file (`--pcap`).
    pub pcap: Option<PathBuf>,
    /// Print the ladder diagram of the whole run at the end (`--ladder`).
    pub ladder: bool,
    /// Write the ladder diagram as SVG to this file (`--ladder-svg`).
    pub ladder_svg: Option<PathBuf>,
    /// At the end, show frame event N layer by layer (`--show-packet N`).
    pub show_packet: Option<u64>,
    /// `--tap NODE:IF=DEV`: interfaces to bind to TAP devices once their node is declared.
    pub taps: Vec<(String, String, String)>,
    /// `--force`: a lab may replace files under the output directory that netstep did not
    /// write.
    pub force: bool,
    /// `--allow-tap`: the lab's `tap` statements may make TAP devices on this machine.
    pub allow_tap: bool,
}

#[derive(Debug)]
pub struct LabReport {
    pub expects: usize,
    pub events: u64,
}

pub struct Runner<'a> {
    pub world: World,
    /// Keep every event after it is printed (the REPL, `step`, tests, the end-of-run
    /// outputs). A plain `netstep run` does not: its memory follows what is in flight.
    pub retain_trace: bool,
    opts: LabOptions,
    /// Where the lab's files may go (outdir.rs).
    outdir: OutDir,
    sink: Box<dyn Write + 'a>,
    budget: u64,
    trace_pos: usize,
    last: Option<(String, i32)>,
    expects: usize,
    /// Each node's terminal shell's `$?`: the status of its last line (0 after `cmd &`).
    /// Each node's terminal session: `$?`, directory, aliases, variables.
    sessions: std::collections::BTreeMap<usize, crate::user::shell::session::Shared>,
}

/// A lab's `tap` makes a network device on the host: only with the user's word for it.
pub fn tap_refused(dev: &str) -> String {
    format!(
        "tap {dev}: a lab makes a TAP device on this machine only when you allow it (run with --allow-tap)"
    )
}

/// Reads and runs a lab file, writing what a student would see to `sink`.
pub fn run_lab(path: &Path, opts: &LabOptions, sink: &mut dyn Write) -> Result<LabReport, String> {
    let text = super::parse::read_lab(path)?;
    let lines = parse_lab(&path.display().to_string(), &text)?;
    // What can be known without running is checked before anything happens.
    super::validate::validate(&lines, opts)?;
    let mut runner = Runner::for_run(opts, sink);
    runner.protect(path);
    runner.run(&lines)
}

impl<'a> Runner<'a> {
    pub fn new(opts: LabOptions, sink: &'a mut dyn Write) -> Runner<'a> {
        Runner::with_sink(opts, Box::new(sink))
    }

    /// A runner for `netstep run`: it keeps events only for the outputs asked for at the
    /// end (--ladder, --ladder-svg, --show-packet) and records them only when something
    /// will print or keep them, so a long run's memory follows what is in flight.
    pub fn for_run(opts: &LabOptions, sink: &'a mut dyn Write) -> Runner<'a> {
        let mut runner = Runner::new(opts.clone(), sink);
        runner.retain_trace =
            opts.ladder || opts.ladder_svg.is_some() || opts.show_packet.is_some();
        // `step` turns recording on for its own events, which it always shows.
        runner.world.record_trace = opts.trace || runner.retain_trace;
        runner
    }

    /// A runner that owns where it writes (the REPL's buffer).
    pub fn with_sink(opts: LabOptions, sink: Box<dyn Write + 'a>) -> Runner<'a> {
        let world = World::new(opts.seed.unwrap_or(1));
        let mut outdir = OutDir::new(&opts.out_dir, opts.force);
        if let Some(p) = &opts.pcap {
            outdir.claim_user_file(p, "--pcap");
        }
        Runner {
            world,
            retain_trace: true,
            outdir,
            opts,
            sink,
            budget: DEFAULT_BUDGET,
            trace_pos: 0,
            last: None,
            expects: 0,
            sessions: std::collections::BTreeMap::new(),
        }
    }

    pub fn run(&mut self, lines: &[Line]) -> Result<LabReport, String> {
        if let Some(p) = self.opts.pcap.clone() {
            self.world
                .add_capture(&p, &[])
                .map_err(|e| format!("--pcap: {e}"))?;
        }
        for line in lines {
            self.exec(line)
                .map_err(|m| format!("{}:{}: {m}", line.file, line.line))?;
        }
        self.finish()?;
        self.ladders()?;
        Ok(LabReport {
            expects: self.expects,
            events: self.world.events,
        })
    }

    /// `--ladder` and `--ladder-svg`: the diagram of the whole run.
    fn ladders(&mut self) -> Result<(), String> {
        let declared: Vec<&str> = self.world.nodes.iter().map(|n| n.name.as_str()).collect();
        let names = crate::trace::ladder::column_order(&self.world.trace, &declared);
        if self.opts.ladder {
            let text = crate::trace::ladder::ladder(&self.world.trace, &names);
            let _ = self.sink.write_all(text.as_bytes());
        }
        // Every output asked for is written before an error about one of them.
        let shown = self.opts.show_packet.map(|n| {
            crate::trace::layers::show_packet(&self.world.trace, n)
                .map_err(|e| format!("--show-packet {n}: {e}"))
        });
        if let Some(Ok(text)) = &shown {
            let _ = self.sink.write_all(text.as_bytes());
        }
        if let Some(path) = &self.opts.ladder_svg {
            let svg = crate::trace::ladder::ladder_svg(&self.world.trace, &names);
            std::fs::write(path, svg)
                .map_err(|e| format!("--ladder-svg {}: {e}", path.display()))?;
        }
        shown.transpose().map(|_| ())
    }

    fn say(&mut self, text: &str) {
        let _ = self.sink.write_all(text.as_bytes());
    }

    fn flush_trace(&mut self, force: bool) {
        if self.opts.trace || force {
            // Entry by entry: a long run never becomes one huge string.
            for e in &self.world.trace[self.trace_pos..] {
                let _ = self.sink.write_all(format_entry(e).as_bytes());
            }
        }
        if self.retain_trace {
            self.trace_pos = self.world.trace.len();
        } else {
            self.world.trace.clear();
            self.trace_pos = 0;
        }
    }

    /// A run that keeps its events may keep only so many (an endless ping with --ladder).
    fn check_retained(&self) -> Result<(), String> {
        if self.retain_trace && self.world.trace.len() > MAX_RETAINED {
            return Err(format!(
                "run limit: {} events kept for --ladder, --show-packet or the REPL (at most {MAX_RETAINED}); run without them, or shorten the lab",
                self.world.trace.len()
            ));
        }
        Ok(())
    }

    fn node(&self, name: &str) -> Result<usize, String> {
        self.world
            .node_index(name)
            .ok_or_else(|| format!("unknown node '{name}'"))
    }

    /// Runs one statement.
    pub fn exec(&mut self, line: &Line) -> Result<(), String> {
        super::current::set(&line.file, line.line);
        match &line.stmt {
            Stmt::Seed(n) => {
                if !self.world.nodes.is_empty() {
                    return Err("seed must come before the first node".into());
                }
                self.world.reseed(self.opts.seed.unwrap_or(*n));
            }
            Stmt::Title(t) => self.say(&format!("== {t} ==\n")),
            Stmt::Budget(n) => self.budget = *n,
            Stmt::Distro { name, nodes } => {
                for node in nodes {
                    let n = self
                        .world
                        .node_index(node)
                        .ok_or(format!("no node '{node}'"))?;
                    let host = self
                        .world
                        .host_mut(n)
                        .ok_or(format!("{node} is not a host"))?;
                    crate::user::distro::set(&mut host.kernel, name);
                    // Root's login shell starts again, with the distribution's aliases.
                    self.sessions.remove(&n);
                }
            }
            Stmt::Nodes { kind, names } => {
                for n in names {
                    self.world.add_node(n, kind)?;
                    self.bind_cli_taps(n)?;
                }
            }
            Stmt::Link { a, b, params } => {
                self.world.connect(
                    (&a.0, a.1.as_deref()),
                    (&b.0, b.1.as_deref()),
                    params.clone(),
                )?;
            }
            Stmt::LinkState { up, node, iface } => {
                self.world.set_link(node, iface.as_deref(), *up)?
            }
            Stmt::Capture { path, ifaces } => {
                self.capture(path, ifaces, &format!("{}:{}", line.file, line.line))?
            }
            Stmt::Command {
                node,
                line,
                script,
                bodies,
            } => self.command(node, line, script, bodies)?,
            Stmt::Expect(e) => self.expect(e)?,
            Stmt::Run(d) => {
                let r = match d {
                    Some(d) => {
                        let until = self.world.wall_now() + *d;
                        if until > Time::LIMIT {
                            return Err(format!(
                                "run: virtual time would pass its limit of {:.0} years (it is {} now)",
                                Time::LIMIT.secs_f64() / (365.25 * 86_400.0),
                                self.world.now.to_string().trim()
                            ));
                        }
                        self.world.run_until(until, self.budget)
                    }
                    None => self.world.run_idle(self.budget),
                };
                self.flush_trace(false);
                r.map_err(|e| e.message(self.budget))?;
            }
            Stmt::Tap { node, iface, dev } => {
                if !self.opts.allow_tap {
                    return Err(tap_refused(dev));
                }
                self.world.bind_tap(node, iface.as_deref(), dev)?
            }
            Stmt::Step(n) => {
                // `step` always shows its events.
                let recording = std::mem::replace(&mut self.world.record_trace, true);
                let r = self.world.run_steps(*n, self.budget);
                self.world.record_trace = recording;
                self.flush_trace(true);
                r.map_err(|e| e.message(self.budget))?;
            }
        }
        if let Some(e) = self.world.capture_error() {
            return Err(format!("capture: {e}"));
        }
        self.check_retained()
    }

    fn capture(
        &mut self,
        path: &str,
        ifaces: &[(String, Option<String>)],
        who: &str,
    ) -> Result<(), String> {
        let mut ports = Vec::new();
        for (node, iface) in ifaces {
            let n = self.node(node)?;
            let slot = &self.world.nodes[n];
            let port = match (slot.node.host(), iface) {
                (Some(h), Some(i)) => h
                    .kernel
                    .devs
                    .index_of(i)
                    .ok_or_else(|| format!("{node} has no interface '{i}'"))?,
                (Some(_), None) => {
                    return Err(format!("say which interface of {node}, e.g. {node}:eth0"))
                }
                (None, Some(p)) => p
                    .strip_prefix("port")
                    .and_then(|p| p.parse::<usize>().ok())
                    .and_then(|p| p.checked_sub(1))
                    .ok_or_else(|| format!("bad port '{p}': use port1, port2 …"))?,
                (None, None) => return Err(format!("say which port of {node}, e.g. {node}:port1")),
            };
            ports.push((n, port));
        }
        let full = self
            .outdir
            .prepare(path, who)
            .map_err(|e| format!("capture {e}"))?;
        let file = OutDir::open(&full).map_err(|e| format!("capture {path}: {e}"))?;
        self.world.add_capture_file(&full, Some(file), &ports)
    }

    fn command(
        &mut self,
        node: &str,
        line: &str,
        script: &Script,
        bodies: &[String],
    ) -> Result<(), String> {
        let n = self.node(node)?;
        self.say(&format!("{node}# {line}\n"));
        for (body, marker) in bodies.iter().zip(&script.heredocs) {
            self.say(&format!("{body}{marker}\n"));
        }
        if let Some(out) = self.switch_command(n, line) {
            return self.record(out?, 0);
        }
        if line.trim() == "wait" {
            return self.wait(n);
        }
        let name = script
            .pipelines
            .first()
            .and_then(|p| p.cmds.first())
            .and_then(|c| c.argv.first())
            .map(|w| w.text())
            .unwrap_or_else(|| "bash".into());
        let session = self.session(n);
        let shell = Box::new(Shell::new(script.clone(), bodies.to_vec()).in_session(session));
        let cmdline = line.trim_end().trim_end_matches('&').trim_end();
        let pid = self
            .world
            .spawn(n, &name, cmdline, shell, script.background)?;
        if script.background {
            let jobs = self.world.host(n).map_or(0, |h| {
                h.kernel
                    .procs
                    .procs
                    .values()
                    .filter(|p| p.background && !p.daemon && p.status.is_none())
                    .count()
            });
            self.flush_trace(false);
            self.session(n).borrow_mut().status = 0;
            return self.record(format!("[{jobs}] {pid}\n"), 0);
        }
        let status = self.foreground(n, pid)?;
        self.session(n).borrow_mut().status = status;
        let output = self.take_output(n, pid);
        self.reap(n, pid);
        self.record(output, status)
    }

    /// Node `n`'s terminal session, begun as root's login shell on its distribution.
    fn session(&mut self, n: usize) -> crate::user::shell::session::Shared {
        let now = self.world.now;
        let centos = self.world.host_mut(n).is_some_and(|h| {
            // The terminal's login shell is there before the first command runs.
            crate::user::shell::login_shell(&mut h.kernel, now);
            crate::user::distro::is_centos(&h.kernel)
        });
        self.sessions
            .entry(n)
            .or_insert_with(|| crate::user::shell::session::Session::login(centos).shared())
            .clone()
    }

    /// The terminal has the command's status and output: the process is gone.
    fn reap(&mut self, n: usize, pid: Pid) {
        if let Some(h) = self.world.host_mut(n) {
            h.kernel.procs.reap(pid);
        }
    }

    /// Prints a command's output and remembers it for the `expect`s that follow.
    fn record(&mut self, output: String, status: i32) -> Result<(), String> {
        self.say(&output);
        self.last = Some((output, status));
        Ok(())
    }

    /// Switches run no shell; `brctl showmacs` on one shows its MAC table.
    fn switch_command(&self, n: usize, line: &str) -> Option<Result<String, String>> {
        let slot = &self.world.nodes[n];
        if slot.node.host().is_some() {
            return None;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        Some(match (words.as_slice(), self.world.showmacs(n)) {
            (["brctl", "showmacs", _], Some(table)) => Ok(table),
            _ => Err(format!(
                "{} is a {}: it runs no commands (a switch takes only `brctl showmacs {}`)",
                slot.name,
                slot.node.kind(),
                slot.name
            )),
        })
    }

    fn take_output(&mut self, n: usize, pid: Pid) -> String {
        self.world
            .host_mut(n)
            .and_then(|h| h.kernel.procs.procs.get_mut(&pid))
            .map(|p| std::mem::take(&mut p.terminal))
            .unwrap_or_default()
    }

    /// Runs the world until the foreground process exits; Ctrl-C when it never could.
    fn foreground(&mut self, n: usize, pid: Pid) -> Result<i32, String> {
        let deadline = self.world.now + COMMAND_DEADLINE;
        let outcome = self.world.run_until_exit(n, pid, deadline, self.budget);
        self.flush_trace(false);
        match outcome {
            Ok(crate::sim::world::Finished::Exited(code)) => Ok(code),
            Ok(_) => Ok(self.ctrl_c(n, pid)),
            Err(RunError::Stopped) => Err("stopped".into()),
            Err(RunError::Interrupted) => Ok(self.ctrl_c(n, pid)),
            Err(e) => Err(e.message(self.budget)),
        }
    }

    /// Ctrl-C on the foreground process. As in a terminal: `^C` is echoed where it was
    /// typed, then the program's last words (tcpdump's statistics) follow on the next line.
    fn ctrl_c(&mut self, n: usize, pid: Pid) -> i32 {
        self.terminal_of(n, pid, |t| t.push_str("^C"));
        self.world.interrupt(n, pid);
        self.flush_trace(false);
        self.terminal_of(n, pid, |t| {
            if t.ends_with("^C") {
                t.push('\n');
            }
        });
        self.world
            .host(n)
            .and_then(|h| h.kernel.procs.procs.get(&pid))
            .and_then(|p| p.status)
            .unwrap_or(130)
    }

    fn terminal_of(&mut self, n: usize, pid: Pid, f: impl FnOnce(&mut String)) {
        if let Some(p) = self
            .world
            .host_mut(n)
            .and_then(|h| h.kernel.procs.procs.get_mut(&pid))
        {
            f(&mut p.terminal);
        }
    }

    /// `wait`: runs until the node's background jobs end, and shows what they printed.
    fn wait(&mut self, n: usize) -> Result<(), String> {
        let jobs: Vec<Pid> = self
            .world
            .host(n)
            .map(|h| {
                h.kernel
                    .procs
                    .procs
                    .values()
                    .filter(|p| p.background && !p.daemon)
                    .map(|p| p.pid)
                    .collect()
            })
            .unwrap_or_default();
        let mut output = String::new();
        let mut status = 0;
        for pid in jobs {
            status = self.foreground(n, pid)?;
            output.push_str(&self.take_output(n, pid));
            self.reap(n, pid);
        }
        self.record(output, status)
    }

    fn expect(&mut self, e: &Expect) -> Result<(), String> {
        let Some((output, status)) = &self.last else {
            return Err("expect needs a NODE: command before it".into());
        };
        if let Some(problem) = e.check(output, *status) {
            return Err(format!(
                "{problem}\n--- actual output (exit status {status}) ---\n{output}---"
            ));
        }
        self.expects += 1;
        Ok(())
    }

    /// The end of the lab: background jobs get Ctrl-C and show their output; captures close.
    fn finish(&mut self) -> Result<(), String> {
        for n in 0..self.world.nodes.len() {
            let running: Vec<Pid> = self
                .world
                .host(n)
                .map(|h| {
                    h.kernel
                        .procs
                        .running()
                        .filter(|p| p.background)
                        .map(|p| p.pid)
                        .collect()
                })
                .unwrap_or_default();
            for pid in running {
                self.world.interrupt(n, pid);
            }
            let leftovers: Vec<(Pid, String)> = self
                .world
                .host_mut(n)
                .map(|h| {
                    h.kernel
                        .procs
                        .procs
                        .values_mut()
                        .filter(|p| !p.terminal.is_empty())
                        .map(|p| (p.pid, std::mem::take(&mut p.terminal)))
                        .collect()
                })
                .unwrap_or_default();
            for (pid, text) in leftovers {
                let name = self.world.nodes[n].name.clone();
                self.say(&format!("[{name} pid {pid}, background]\n{text}"));
            }
        }
        self.flush_trace(false);
        self.world.finish_captures()
    }

    /// What the last node command printed, and its exit status (what `expect` checks).
    pub fn last_output(&self) -> Option<(&str, i32)> {
        self.last.as_ref().map(|(o, s)| (o.as_str(), *s))
    }

    /// The lab's own file: no capture or save of the run may write into it.
    pub fn protect(&mut self, lab: &Path) {
        self.outdir.claim_user_file(lab, "the lab itself");
    }

    /// A file the user names inside the session (the REPL's `save`), checked as a lab's
    /// capture is.
    pub fn out_file(&mut self, name: &str) -> Result<PathBuf, String> {
        self.outdir.check(name)
    }

    /// Events one statement may cause (the lab's `budget`).
    pub fn budget(&self) -> u64 {
        self.budget
    }

    pub fn now(&self) -> Time {
        self.world.now
    }

    /// `--tap NODE:IF=DEV` for a node just declared.
    fn bind_cli_taps(&mut self, node: &str) -> Result<(), String> {
        let mine: Vec<(String, String, String)> = self
            .opts
            .taps
            .iter()
            .filter(|(n, _, _)| n == node)
            .cloned()
            .collect();
        for (n, iface, dev) in mine {
            self.world.bind_tap(&n, Some(&iface), &dev)?;
        }
        Ok(())
    }

    /// Prints every event from now on (the REPL), or only on request.
    pub fn set_trace(&mut self, on: bool) {
        self.opts.trace = on;
        self.trace_pos = self.world.trace.len();
    }

    /// Closes the captures, as the end of a lab does (the REPL's `quit`).
    pub fn close(&mut self) -> Result<(), String> {
        self.finish()
    }
}
