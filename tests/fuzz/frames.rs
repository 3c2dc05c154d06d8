//! Garbage at a host's door: frames as a TAP device could hand them over (truncated,
//! oversized, random, with wrong checksums, or valid headers with random fields), fed to a
//! host that runs a listening TCP server, a UDP socket and ARP. The receive path must drop
//! each with a reason and never panic.

use super::Gen;
use netstep::sim::link::LinkParams;
use netstep::sim::world::World;
use netstep::sim::Time;
use netstep::user::tools::Command;

/// Frames that reach deep into the stack before they go wrong: Ethernet to host b's MAC,
/// IPv4 (or ARP) with mostly plausible headers, then random bits.
const TEMPLATES: [&[u8]; 4] = [
    // IPv4 / TCP SYN to 10.0.0.2:80
    b"\x02\x00\x00\x00\x02\x01\x02\x00\x00\x00\x01\x01\x08\x00\x45\x00\x00\x28\x00\x01\x40\x00\x40\x06\x00\x00\x0a\x00\x00\x01\x0a\x00\x00\x02\x9c\x40\x00\x50\x00\x00\x00\x01\x00\x00\x00\x00\x50\x02\xfa\xf0\x00\x00\x00\x00",
    // IPv4 / UDP to 10.0.0.2:53
    b"\x02\x00\x00\x00\x02\x01\x02\x00\x00\x00\x01\x01\x08\x00\x45\x00\x00\x1c\x00\x01\x00\x00\x40\x11\x00\x00\x0a\x00\x00\x01\x0a\x00\x00\x02\x9c\x40\x00\x35\x00\x08\x00\x00",
    // IPv4 / ICMP echo request
    b"\x02\x00\x00\x00\x02\x01\x02\x00\x00\x00\x01\x01\x08\x00\x45\x00\x00\x1c\x00\x01\x00\x00\x40\x01\x00\x00\x0a\x00\x00\x01\x0a\x00\x00\x02\x08\x00\x00\x00\x00\x01\x00\x01",
    // ARP request for 10.0.0.2
    b"\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x01\x01\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01\x02\x00\x00\x00\x01\x01\x0a\x00\x00\x01\x00\x00\x00\x00\x00\x00\x0a\x00\x00\x02",
];

fn input(g: &mut Gen) -> Vec<u8> {
    match g.below(5) {
        // Pure noise, any length up to a jumbo frame.
        0 => {
            let n = g.below(1600);
            g.bytes(n)
        }
        // A template, truncated anywhere.
        1 => {
            let t = TEMPLATES[g.below(TEMPLATES.len())];
            t[..g.below(t.len() + 1)].to_vec()
        }
        // A template with a few bytes flipped (lengths, header lengths, checksums, flags).
        2 | 3 => {
            let mut f = TEMPLATES[g.below(TEMPLATES.len())].to_vec();
            for _ in 0..1 + g.below(4) {
                let i = g.below(f.len());
                f[i] = g.next() as u8;
            }
            f
        }
        // A template with random bytes after it, past any length it claims.
        _ => {
            let mut f = TEMPLATES[g.below(TEMPLATES.len())].to_vec();
            let n = g.below(1600);
            f.extend(g.bytes(n));
            f
        }
    }
}

/// Host a (10.0.0.1) wired straight to host b (10.0.0.2), which listens on TCP 80 (httpd).
/// The inputs arrive at b's eth0 from outside, as from a TAP device (no link in between to
/// drop the oversized ones); what b answers goes to a.
pub fn world() -> Result<World, String> {
    let mut w = World::new(1);
    w.explain = false;
    w.record_trace = false;
    w.add_node("a", "host")?;
    w.add_node("b", "host")?;
    w.connect(
        ("a", Some("eth0")),
        ("b", Some("eth0")),
        LinkParams::default(),
    )?;
    for (n, line) in [
        (0, "ifconfig eth0 10.0.0.1/24"),
        (1, "ifconfig eth0 10.0.0.2/24"),
    ] {
        let h = w.host_mut(n).ok_or("no host")?;
        netstep::user::tools::run_builtin(&mut h.kernel, Time::ZERO, line).ok_or("ifconfig")?;
    }
    let Some(Command::Program(httpd)) = netstep::user::tools::lookup("httpd") else {
        return Err("httpd is not a program".into());
    };
    w.spawn(1, "httpd", "httpd", httpd(&["httpd".to_string()]), false)?;
    w.run_idle(1_000_000).map_err(|e| e.message(1_000_000))?;
    Ok(w)
}

/// Feeds `n` inputs from `seed`; returns how many events they caused.
pub fn run(w: &mut World, seed: u64, n: u64) -> Result<u64, String> {
    let mut g = Gen::new(seed);
    let start = w.events;
    let port = *w.nodes[1]
        .ports
        .keys()
        .next()
        .ok_or("host b is not wired")?;
    for _ in 0..n {
        let frame = input(&mut g);
        w.arrive(1, port, frame);
        w.run_idle(10_000).map_err(|e| e.message(10_000))?;
    }
    Ok(w.events - start)
}
