//! User space: what runs as programs on a node. The shell parses a command line; tools
//! (`ifconfig`, `route`, `ping` …) talk to the kernel only through `Sys`, as real programs
//! talk to Linux through syscalls, ioctls and netlink.

pub mod distro;
mod distro_ifcfg;
pub mod dns;
pub mod keepalived;
pub mod libc;
pub mod shell;
pub mod systemd;
pub mod tools;

use crate::kernel::Kernel;

/// What a node has when it boots: the files its packages installed, and PID 1.
pub fn boot(k: &mut Kernel) {
    // Debian 12's interface file, until the lab says the node is another distribution.
    k.etc_views.push(distro_ifcfg::DEBIAN);
    for dir in [
        distro_ifcfg::DEBIAN.dir,
        "/run",
        "/var/log",
        "/etc/default",
        "/etc/keepalived",
        systemd::unit::UNIT_DIR,
    ] {
        let _ = k.vfs.mkdir(dir);
    }
    for (name, text) in systemd::unit::INSTALLED {
        let path = format!("{}/{name}", systemd::unit::UNIT_DIR);
        let _ = k.vfs.write(&path, text.as_bytes(), false);
    }
    let defaults = systemd::unit::KEEPALIVED_DEFAULTS.as_bytes();
    let _ = k.vfs.write("/etc/default/keepalived", defaults, false);
    systemd::boot(k);
}
