//! Feeds N garbage frames (default 1,000,000) to a host, as a TAP device might: see
//! src/sim/fuzz.rs. `cargo run --release --example fuzz_frames -- 1000000 [SEED]`.

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let mut w = match netstep::sim::fuzz::world() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("fuzz_frames: {e}");
            std::process::exit(1);
        }
    };
    let start = std::time::Instant::now();
    match netstep::sim::fuzz::run(&mut w, seed, n) {
        Ok(events) => println!(
            "fuzz_frames: {n} inputs (seed {seed}), {events} events, no panic, {:.1} s",
            start.elapsed().as_secs_f64()
        ),
        Err(e) => {
            eprintln!("fuzz_frames: {e}");
            std::process::exit(1);
        }
    }
}
