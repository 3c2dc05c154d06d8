//! Files the kernel generates: `/proc/sys/…` (the sysctls), `/proc/net/arp`, `/proc/net/route`,
//! and /etc/hosts with the lab's nodes appended, so node names resolve everywhere.

use super::arp::Nud;
use super::netdev::fmt_mac;
use super::vfs::FsError;
use super::Kernel;
use std::net::Ipv4Addr;

const PROC_SYS: &str = "/proc/sys/";
const HOSTS_MARK: &str = "# netstep: the lab's nodes\n";

/// Why a write to a file failed, in the words bash uses.
#[derive(Debug, PartialEq)]
pub enum WriteError {
    Fs(FsError),
    /// `write error: Invalid argument` (a sysctl rejected the value).
    Invalid,
    /// Another errno a sysctl answered with (its message).
    Errno(&'static str),
}

impl WriteError {
    /// strerror of the write's errno.
    pub fn message(&self) -> &'static str {
        match self {
            WriteError::Fs(f) => f.message(),
            WriteError::Invalid => "Invalid argument",
            WriteError::Errno(m) => m,
        }
    }
}

impl Kernel {
    pub fn read_file(&self, path: &str) -> Result<Vec<u8>, FsError> {
        let p = super::vfs::normalize(path);
        if let Some(key) = p.strip_prefix(PROC_SYS) {
            return match self.sysctl.get_text(key) {
                Ok(v) => Ok(format!("{v}\n").into_bytes()),
                Err(_) if self.sysctl_dir(key) => Err(FsError::IsDir),
                Err(_) => Err(FsError::NotFound),
            };
        }
        match p.as_ref() {
            // The null device: empty to read, swallows what is written.
            "/dev/null" => Ok(Vec::new()),
            "/proc/net/arp" => Ok(proc_net_arp(self).into_bytes()),
            "/proc/net/route" => Ok(super::procfs_net::proc_net_route(self).into_bytes()),
            "/proc/net/dev" => Ok(super::procfs_net::proc_net_dev(self).into_bytes()),
            "/proc/net/tcp" => {
                Ok(super::procfs_net_sock::proc_net_tcp(self, self.clock).into_bytes())
            }
            "/proc/net/udp" => Ok(super::procfs_net_sock::proc_net_udp(self).into_bytes()),
            "/proc/net/nf_conntrack" => {
                let ct = &self.nf.ct;
                Ok(super::netfilter::nf_conntrack::show::proc_file(ct, ct.clock).into_bytes())
            }
            "/etc/hosts" => Ok(hosts_file(self).into_bytes()),
            "/etc/hostname" => Ok(format!("{}\n", self.hostname).into_bytes()),
            _ if p.starts_with("/proc/") && super::procfs_pid::is_dir(self, &p) => {
                Err(FsError::IsDir)
            }
            _ if p.starts_with("/proc/") => super::procfs_pid::read(self, &p)
                .map_or_else(|| self.vfs.read(&p).map(|d| d.to_vec()), Ok),
            _ => self
                .vfs
                .read(&p)
                .map(|d| d.to_vec())
                .or_else(|e| self.etc_view_file(&p).map(String::into_bytes).ok_or(e)),
        }
    }

    /// A file of a registered view, when its directory is this path's.
    fn etc_view_file(&self, path: &str) -> Option<String> {
        let (dir, name) = path.rsplit_once('/')?;
        let view = self.etc_views.iter().find(|v| v.dir == dir)?;
        (view.names)(self)
            .contains(&name.to_string())
            .then(|| (view.read)(self, name))?
    }

    pub fn write_file(&mut self, path: &str, data: &[u8], append: bool) -> Result<(), WriteError> {
        let p = super::vfs::normalize(path);
        if let Some(key) = p.strip_prefix(PROC_SYS) {
            let text = String::from_utf8_lossy(data);
            return self.sysctl.set(key, text.trim()).map_err(|e| match e {
                super::sysctl::SysctlError::NoSuchKey => WriteError::Fs(FsError::NotFound),
                super::sysctl::SysctlError::Invalid => WriteError::Invalid,
                super::sysctl::SysctlError::Refused(m) => WriteError::Errno(m),
            });
        }
        if p == "/dev/null" {
            return Ok(());
        }
        if p == "/etc/hosts" {
            // Only the user's part is stored; the lab's nodes are always appended when read.
            let text = String::from_utf8_lossy(data);
            let own = text.split(HOSTS_MARK).next().unwrap_or("").to_string();
            return self
                .vfs
                .write(&p, own.as_bytes(), append)
                .map_err(WriteError::Fs);
        }
        if p == "/etc/hostname" {
            let text = String::from_utf8_lossy(data);
            self.hostname = text.trim().to_string();
        }
        self.vfs.write(&p, data, append).map_err(WriteError::Fs)
    }

    pub fn list_dir(&self, path: &str) -> Result<Vec<String>, FsError> {
        let p = super::vfs::normalize(path);
        if let Some(key) = format!("{p}/").strip_prefix(PROC_SYS) {
            let prefix = key.replace('/', ".");
            let mut names: Vec<String> = self
                .sysctl
                .iter()
                .filter_map(|(k, _)| k.strip_prefix(&prefix))
                .map(|rest| rest.split('.').next().unwrap_or(rest).to_string())
                .collect();
            names.dedup();
            return if names.is_empty() {
                Err(FsError::NotFound)
            } else {
                Ok(names)
            };
        }
        if p == "/proc/net" {
            return Ok(vec![
                "arp".into(),
                "dev".into(),
                "nf_conntrack".into(),
                "route".into(),
                "tcp".into(),
                "udp".into(),
            ]);
        }
        if let Some(names) = super::procfs_pid::list(self, &p).filter(|_| p != "/proc") {
            return Ok(names);
        }
        let view = self.etc_views.iter().find(|v| v.dir == p);
        let mut names = match (self.vfs.list(&p), view) {
            (Ok(n), _) => n,
            (Err(_), Some(_)) => Vec::new(),
            (Err(e), None) => return Err(e),
        };
        if let Some(v) = view {
            names.extend((v.names)(self));
        }
        if p == "/proc" {
            names.extend(["net".into(), "self".into(), "sys".into()]);
        }
        names.sort();
        names.dedup();
        if p == "/proc" {
            // The processes first, in pid order, as the kernel lists them.
            let mut pids = super::procfs_pid::list(self, "/proc").unwrap_or_default();
            pids.append(&mut names);
            return Ok(pids);
        }
        Ok(names)
    }

    pub fn is_dir(&self, path: &str) -> bool {
        let p = super::vfs::normalize(path);
        match p.strip_prefix(PROC_SYS) {
            Some(key) => self.sysctl_dir(key),
            None => {
                p == "/proc/net"
                    || self.vfs.is_dir(&p)
                    || super::procfs_pid::is_dir(self, &p)
                    || self.etc_views.iter().any(|v| {
                        v.dir == p
                            || v.dir
                                .strip_prefix(p.as_ref())
                                .is_some_and(|r| r.starts_with('/'))
                    })
            }
        }
    }

    fn sysctl_dir(&self, key: &str) -> bool {
        let prefix = format!("{}.", key.trim_end_matches('/').replace('/', "."));
        self.sysctl.iter().any(|(k, _)| k.starts_with(&prefix))
    }
}

/// /etc/hosts as stored, then one line per lab node address (primary addresses only, so a VIP
/// on `lo:2` does not make `arp -a` call it by a real server's name).
fn hosts_file(k: &Kernel) -> String {
    let mut text =
        String::from_utf8_lossy(k.vfs.read("/etc/hosts").unwrap_or_default()).into_owned();
    if !k.lab_hosts.is_empty() {
        text.push_str(HOSTS_MARK);
        for (ip, name) in k.lab_hosts.iter() {
            text.push_str(&format!("{ip}\t{name}\n"));
        }
    }
    text
}

/// Parsed /etc/hosts: (address, names) per line, in file order.
pub fn hosts_entries(k: &Kernel) -> Vec<(Ipv4Addr, Vec<String>)> {
    hosts_file(k)
        .lines()
        .filter_map(|line| {
            let line = line.split('#').next().unwrap_or("");
            let mut words = line.split_whitespace();
            let ip: Ipv4Addr = words.next()?.parse().ok()?;
            let names: Vec<String> = words.map(str::to_string).collect();
            (!names.is_empty()).then_some((ip, names))
        })
        .collect()
}

/// /proc/net/arp in the kernel's layout (formats.md §1).
fn proc_net_arp(k: &Kernel) -> String {
    let mut s = String::from(
        "IP address       HW type     Flags       HW address            Mask     Device\n",
    );
    // The neighbour table first, then the proxy (pneigh) entries, whose address the kernel
    // does not keep: it prints zeros (arp_seq_show's pneigh case).
    let neigh = k.neigh.entries.iter().filter(|n| !n.proxy);
    let proxies = k.neigh.entries.iter().filter(|n| n.proxy);
    for n in neigh.chain(proxies) {
        let flags = match (n.state, n.proxy) {
            (_, true) => 0xc,
            (Nud::Permanent, _) => 0x6,
            (st, _) if st.valid() => 0x2,
            _ => 0x0,
        };
        let mac = match n.proxy {
            true => fmt_mac(&[0; 6]),
            false => fmt_mac(&n.mac.unwrap_or([0; 6])),
        };
        s.push_str(&format!(
            "{:<16} 0x{:<10x}0x{:<10x}{:<17}     *        {}\n",
            n.ip.to_string(),
            1,
            flags,
            mac,
            k.dev_name(n.dev)
        ));
    }
    s
}
