//! Millions of broken inputs, one surface at a time:
//! `cargo run --release --example fuzz -- lab|command|repl|keepalived|frames N [SEED]`.
//! The generators are tests/fuzz/'s; `cargo test` runs a few thousand of each.

#[path = "../tests/fuzz/mod.rs"]
mod fuzz;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let surface = args.first().map_or("frames", String::as_str);
    let n: u64 = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let seed: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1);
    let start = std::time::Instant::now();
    let what = match surface {
        "lab" => format!("{} ran to the end", fuzz::text::labs(seed, n)),
        "command" => format!("{} accepted", fuzz::text::commands(seed, n)),
        "repl" => format!("{} lines", fuzz::text::repl(seed, n)),
        "keepalived" => format!("{} messages", fuzz::keepalived::run(seed, n)),
        "frames" => {
            match fuzz::frames::world().and_then(|mut w| fuzz::frames::run(&mut w, seed, n)) {
                Ok(events) => format!("{events} events"),
                Err(e) => {
                    eprintln!("fuzz: {e}");
                    std::process::exit(1);
                }
            }
        }
        other => {
            eprintln!("fuzz: unknown surface '{other}': lab, command, repl, keepalived or frames");
            std::process::exit(2);
        }
    };
    println!(
        "fuzz {surface}: {n} inputs (seed {seed}), {what}, no panic, {:.1} s",
        start.elapsed().as_secs_f64()
    );
}
