//! User space: what runs as programs on a node. The shell parses a command line; tools
//! (`ifconfig`, `route`, `ping` …) talk to the kernel only through `Sys`, as real programs
//! talk to Linux through syscalls, ioctls and netlink.

pub mod dns;
pub mod libc;
pub mod shell;
pub mod tools;
