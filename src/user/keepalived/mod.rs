//! keepalived 2.2.7 (Debian 12): VRRP moves a virtual address between directors, and
//! health checkers keep the IPVS table to the real servers that answer.
//!
//! Three processes, as the real one runs: the parent (`parent.rs`) reads `global_defs`
//! and forks a VRRP child (`vrrp/`) and a checker child (`check/`); each reads the
//! configuration (`conf/`) for itself. They reach the kernel only through `Sys`: raw IP
//! sockets joined to 224.0.0.18, a packet socket for gratuitous ARPs, netlink-like address
//! calls, the IPVS control calls `ipvsadm` uses, and TCP for the checks.

pub mod check;
pub mod conf;
mod files;
pub mod log;
pub mod opts;
pub mod parent;
pub mod vrrp;

pub use parent::spawn;

/// The kernel netstep's nodes say they run (`uname -rv`): Debian 12's.
pub const KERNEL: &str = "6.1.0-28-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)";
