//! The `netstep` command: run a lab, check it, and (later) step it or open a REPL.

mod last_words;

use clap::{Parser, Subcommand};
use netstep::lab::{parse_lab, run_lab, LabOptions};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "netstep",
    version,
    about = "A userspace TCP/IP teaching stack and deterministic network simulator"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a lab: print each command with its output, check every expect.
    Run {
        lab: PathBuf,
        /// Print every frame event with the stack's reasons.
        #[arg(long)]
        trace: bool,
        /// Override the lab's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Also capture every host interface into FILE (.pcap for classic pcap).
        #[arg(long, value_name = "FILE")]
        pcap: Option<PathBuf>,
        /// Directory that relative capture paths are written under.
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
        /// Let the lab replace files under --out that netstep did not write.
        #[arg(long)]
        force: bool,
        /// Let the lab's `tap` statements make TAP devices on this machine.
        #[arg(long)]
        allow_tap: bool,
        /// At the end, print the ladder diagram: a column per node, an arrow per frame.
        #[arg(long)]
        ladder: bool,
        /// At the end, write the ladder diagram as SVG to FILE.
        #[arg(long, value_name = "FILE")]
        ladder_svg: Option<PathBuf>,
        /// At the end, show frame event N (the #N of --trace) layer by layer, and what the
        /// hop that sent it changed.
        #[arg(long, value_name = "N")]
        show_packet: Option<u64>,
        /// Bind NODE's interface IF to the Linux TAP device DEV (created if needed); the run
        /// then follows the wall clock. Repeatable.
        #[arg(long, value_name = "NODE:IF=DEV", value_parser = parse_tap)]
        tap: Vec<(String, String, String)>,
    },
    /// Parse a lab and report the first error, without running it.
    Check { lab: PathBuf },
    /// An interactive prompt on a world (empty, or built by LAB): `NODE: command`, `enter
    /// NODE`, `step`, `back`, `show packet N`, `ladder`, `save FILE`; `help` lists them.
    Repl {
        lab: Option<PathBuf>,
        /// Plain text even on a terminal (as NO_COLOR=1 does).
        #[arg(long)]
        no_color: bool,
        /// Override the lab's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Directory that relative capture paths are written under.
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
        /// Let the lab replace files under --out that netstep did not write.
        #[arg(long)]
        force: bool,
        /// Let the lab's `tap` statements make TAP devices on this machine.
        #[arg(long)]
        allow_tap: bool,
    },
    /// Walk a lab one frame at a time: Enter = next, b = back, c = next lab line,
    /// s = show the packet, l = ladder so far, q = quit.
    Step {
        lab: PathBuf,
        /// Override the lab's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Directory that relative capture paths are written under.
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
        /// Let the lab replace files under --out that netstep did not write.
        #[arg(long)]
        force: bool,
        /// Let the lab's `tap` statements make TAP devices on this machine.
        #[arg(long)]
        allow_tap: bool,
    },
    /// Print the lab's topology as Graphviz DOT (or write SVG with --svg, no Graphviz needed).
    Draw {
        lab: PathBuf,
        /// Write an SVG drawing to FILE instead of printing DOT.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
    },
}

#[global_allocator]
static ALLOC: last_words::Guard = last_words::Guard;

fn main() -> ExitCode {
    last_words::on_panic();
    // Rust ignores SIGPIPE, so a closed stdout (`netstep run lab | head -1`) would make
    // every print panic; with the default action the process ends quietly, as cat does.
    // SAFETY: signal() with SIG_DFL installs no handler; nothing else has been started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    match cli.command {
        Cmd::Run {
            lab,
            trace,
            seed,
            pcap,
            out,
            ladder,
            ladder_svg,
            show_packet,
            tap,
            force,
            allow_tap,
        } => {
            let opts = LabOptions {
                trace,
                out_dir: out,
                seed,
                pcap,
                ladder,
                ladder_svg,
                show_packet,
                taps: tap,
                force,
                allow_tap,
            };
            let mut stdout = std::io::stdout();
            match run_lab(&lab, &opts, &mut stdout) {
                Ok(report) => {
                    println!(
                        "netstep: {}: {} expects held ({} events)",
                        lab.display(),
                        report.expects,
                        report.events
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("netstep: {}", netstep::lab::excerpt::tidy(&e.to_string()));
                    ExitCode::from(1)
                }
            }
        }
        Cmd::Draw { lab, svg } => draw(&lab, svg.as_deref()),
        Cmd::Repl {
            lab,
            no_color,
            seed,
            out,
            force,
            allow_tap,
        } => {
            let opts = LabOptions {
                seed,
                out_dir: out,
                force,
                allow_tap,
                ..Default::default()
            };
            let colour = netstep::repl::use_colour(no_color);
            ExitCode::from(netstep::repl::repl(lab, opts, colour) as u8)
        }
        Cmd::Step {
            lab,
            seed,
            out,
            force,
            allow_tap,
        } => {
            let opts = LabOptions {
                seed,
                out_dir: out,
                force,
                allow_tap,
                ..Default::default()
            };
            ExitCode::from(netstep::repl::step::run(&lab, &opts) as u8)
        }
        Cmd::Check { lab } => {
            let text = match netstep::lab::parse::read_lab(&lab) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("netstep: {}", netstep::lab::excerpt::tidy(&e.to_string()));
                    return ExitCode::from(2);
                }
            };
            let checked = parse_lab(&lab.display().to_string(), &text).and_then(|lines| {
                // Checking runs nothing: a `tap` line is only read.
                let opts = LabOptions {
                    allow_tap: true,
                    ..LabOptions::default()
                };
                netstep::lab::validate::validate(&lines, &opts).map(|()| lines)
            });
            match checked {
                Ok(lines) => {
                    println!("{}: {} statements, syntax ok", lab.display(), lines.len());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("netstep: {}", netstep::lab::excerpt::tidy(&e.to_string()));
                    ExitCode::from(1)
                }
            }
        }
    }
}

/// `--tap client:eth0=tap0`.
fn parse_tap(text: &str) -> Result<(String, String, String), String> {
    let bad = || format!("'{text}': expected NODE:IF=DEV, e.g. client:eth0=tap0");
    let (end, dev) = text.split_once('=').ok_or_else(bad)?;
    let (node, iface) = end.split_once(':').ok_or_else(bad)?;
    if [node, iface, dev].iter().any(|s| s.is_empty()) || dev.len() > 15 {
        return Err(bad());
    }
    Ok((node.into(), iface.into(), dev.into()))
}

/// `netstep draw LAB [--svg FILE]`.
fn draw(lab: &std::path::Path, svg: Option<&std::path::Path>) -> ExitCode {
    let text = match netstep::lab::parse::read_lab(lab) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("netstep: {}", netstep::lab::excerpt::tidy(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    let opts = LabOptions {
        allow_tap: true,
        ..LabOptions::default()
    };
    let lines = match parse_lab(&lab.display().to_string(), &text)
        .and_then(|lines| netstep::lab::validate::validate(&lines, &opts).map(|()| lines))
    {
        Ok(l) => l,
        Err(e) => {
            eprintln!("netstep: {}", netstep::lab::excerpt::tidy(&e.to_string()));
            return ExitCode::from(1);
        }
    };
    let topo = netstep::lab::draw::topology(&lines);
    match svg {
        None => {
            print!("{}", netstep::lab::draw::dot(&topo));
            ExitCode::SUCCESS
        }
        Some(path) => match std::fs::write(path, netstep::lab::draw::svg(&topo)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("netstep: {}: {e}", path.display());
                ExitCode::from(1)
            }
        },
    }
}
