//! Which distribution a node runs: Debian 12 (the default) or CentOS 7, as its
//! /etc/os-release says. The lab's `distro centos NODE …` writes CentOS's files; what
//! depends on it reads them as real programs do: root's aliases, `yum` or `apt`, which
//! `arping` is installed (iputils on CentOS, Thomas Habets' on Debian), and the interface
//! configuration files (`/etc/sysconfig/network-scripts/ifcfg-*` or `/etc/network/interfaces`,
//! distro_ifcfg.rs: made from the node's configuration when read, unless written).

use crate::kernel::Kernel;

/// CentOS 7's /etc/os-release.
const CENTOS_OS_RELEASE: &str = "NAME=\"CentOS Linux\"\nVERSION=\"7 (Core)\"\nID=\"centos\"\n\
ID_LIKE=\"rhel fedora\"\nVERSION_ID=\"7\"\nPRETTY_NAME=\"CentOS Linux 7 (Core)\"\n\
ANSI_COLOR=\"0;31\"\nCPE_NAME=\"cpe:/o:centos:centos:7\"\nHOME_URL=\"https://www.centos.org/\"\n\
BUG_REPORT_URL=\"https://bugs.centos.org/\"\n\n";

/// The distributions a lab can name.
pub const NAMES: [&str; 2] = ["debian", "centos"];

/// Makes the node a CentOS 7 or Debian 12 machine (its release files).
pub fn set(k: &mut Kernel, name: &str) {
    let centos = name == "centos";
    let (release, other) = match centos {
        true => (CENTOS_OS_RELEASE, "/etc/debian_version"),
        false => (crate::kernel::vfs::DEBIAN_OS_RELEASE, "/etc/redhat-release"),
    };
    let _ = k.vfs.remove(other);
    let _ = k.write_file("/etc/os-release", release.as_bytes(), false);
    // The interface files the distribution keeps (made from the configuration when read).
    k.etc_views.retain(|v| {
        v.dir != super::distro_ifcfg::CENTOS.dir && v.dir != super::distro_ifcfg::DEBIAN.dir
    });
    let view = match centos {
        true => super::distro_ifcfg::CENTOS,
        false => super::distro_ifcfg::DEBIAN,
    };
    let _ = k.vfs.mkdir(view.dir);
    k.etc_views.push(view);
    let _ = match centos {
        true => k.write_file(
            "/etc/redhat-release",
            b"CentOS Linux release 7.9.2009 (Core)\n",
            false,
        ),
        false => k.write_file("/etc/debian_version", b"12.11\n", false),
    };
}

/// Whether the node's /etc/os-release says CentOS.
pub fn is_centos(k: &Kernel) -> bool {
    k.vfs.read("/etc/os-release").is_ok_and(|d| {
        String::from_utf8_lossy(d)
            .lines()
            .any(|l| l == "ID=\"centos\"")
    })
}
