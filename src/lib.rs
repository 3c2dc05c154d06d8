//! netstep: a userspace TCP/IP teaching stack and deterministic network simulator.
//!
//! The tree mirrors a Linux box: `kernel` is what Linux does in kernel mode (netdev, arp, fib,
//! ipv4), `user` is what runs as programs on a node (the shell, ifconfig, route, ping …), and
//! `sim` is the world that moves frames between nodes over links in virtual time.

pub mod capture;
pub mod kernel;
pub mod lab;
pub mod node;
pub mod repl;
pub mod sim;
pub mod trace;
pub mod user;
