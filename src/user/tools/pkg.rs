//! Package managers, for the course's `yum install -y ipvsadm` and `apt install curl` lines:
//! every tool netstep has is installed, so they say so as apt 2.6 (Debian 12) and yum 3.4
//! (CentOS 7) do (docs/shell-real.md §5), each on its distribution only; and the editors,
//! which a lab cannot open (the REPL opens them on the host: repl/edit.rs).

use crate::kernel::process::Sys;

/// Debian 12's packages of netstep's tools, at the versions of bookworm (dpkg-query and
/// apt-cache policy on this machine).
const DEBIAN: &[(&str, &str)] = &[
    ("arping", "2.23-1"),
    ("bind9", "1:9.18.49-1~deb12u3"),
    ("bind9-dnsutils", "1:9.18.49-1~deb12u3"),
    ("conntrack", "1:1.4.7-1+b2"),
    ("curl", "7.88.1-10+deb12u15"),
    ("dnsutils", "1:9.18.49-1~deb12u3"),
    ("iproute2", "6.1.0-3"),
    ("iptables", "1.8.9-2"),
    ("iputils-ping", "3:20221126-1+deb12u1"),
    ("ipvsadm", "1:1.31-1+b1"),
    ("keepalived", "1:2.2.7-1+b2"),
    ("net-tools", "2.10-0.1+deb12u2"),
    ("netcat-openbsd", "1.219-1"),
    ("procps", "2:4.0.2-3"),
    ("python3", "3.11.2-1+b1"),
    ("tcpdump", "4.99.3-1"),
];

/// CentOS 7.9's, as transcripts of `yum install` and `rpm -q` show them (NEVRA without the
/// arch; docs/shell-real.md §5.2).
const CENTOS: &[(&str, &str)] = &[
    ("bind", "32:bind-9.11.4-26.P2.el7_9.9"),
    ("bind-utils", "32:bind-utils-9.11.4-26.P2.el7_9.9"),
    ("curl", "curl-7.29.0-59.el7_9.1"),
    ("iptables", "iptables-1.4.21-35.el7"),
    ("ipvsadm", "ipvsadm-1.27-8.el7"),
    ("keepalived", "keepalived-1.3.5-19.el7"),
    ("net-tools", "net-tools-2.0-0.25.20131004git.el7"),
    ("nmap-ncat", "2:nmap-ncat-6.40-19.el7"),
    ("tcpdump", "14:tcpdump-4.9.2-4.el7_7.1"),
];

/// The packages named on an install line (options skipped); None when the verb is not
/// `install`.
fn packages(args: &[String], verb_at: usize) -> Option<Vec<&str>> {
    (args.get(verb_at).map(String::as_str) == Some("install")).then(|| {
        args[verb_at + 1..]
            .iter()
            .filter(|a| !a.starts_with('-'))
            .map(String::as_str)
            .collect()
    })
}

/// `apt install` / `apt-get install` on Debian.
pub fn apt(sys: &mut Sys, args: &[String]) -> i32 {
    if crate::user::distro::is_centos(sys.k) {
        sys.eprint(&format!("bash: {}: command not found\n", args[0]));
        return 127;
    }
    let Some(names) = packages(args, 1) else {
        sys.eprint(&format!(
            "netstep: {}: only `{} install PACKAGE…` is simulated (every tool netstep has is installed)\n",
            args[0], args[0]
        ));
        return 100;
    };
    sys.print("Reading package lists... Done\nBuilding dependency tree... Done\nReading state information... Done\n");
    let mut found = Vec::new();
    for n in names {
        match DEBIAN.iter().find(|(p, _)| *p == n) {
            Some((p, v)) => found.push(format!("{p} is already the newest version ({v}).\n")),
            None => {
                sys.eprint(&format!("E: Unable to locate package {n}\n"));
                return 100;
            }
        }
    }
    for line in found {
        sys.print(&line);
    }
    sys.print("0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n");
    0
}

/// `yum install` on CentOS.
pub fn yum(sys: &mut Sys, args: &[String]) -> i32 {
    if !crate::user::distro::is_centos(sys.k) {
        sys.eprint(&format!("bash: {}: command not found\n", args[0]));
        return 127;
    }
    let Some(names) = packages(args, 1) else {
        sys.eprint("netstep: yum: only `yum install PACKAGE…` is simulated (every tool netstep has is installed)\n");
        return 1;
    };
    sys.print("Loaded plugins: fastestmirror\nLoading mirror speeds from cached hostfile\n");
    let mut any = false;
    for n in names {
        match CENTOS.iter().find(|(p, _)| *p == n) {
            Some((_, nevr)) => {
                any = true;
                sys.print(&format!(
                    "Package {nevr}.x86_64 already installed and latest version\n"
                ));
            }
            None => sys.print(&format!("No package {n} available.\n")),
        }
    }
    // yum's installPkgs: nothing to add is "Nothing to do"; an error when no name matched.
    if any {
        sys.print("Nothing to do\n");
        0
    } else {
        sys.eprint("Error: Nothing to do\n");
        1
    }
}

/// `vi`, `vim`, `nano` in a lab: a lab is not interactive.
pub fn editor(sys: &mut Sys, args: &[String]) -> i32 {
    let file = args.get(1).map_or("FILE", String::as_str);
    sys.eprint(&format!(
        "netstep: {}: a lab cannot open an editor; write the file with a heredoc:\n  cat > {file} <<EOF\n  …\n  EOF\n(in `netstep repl`, `{} {file}` opens $EDITOR on a copy of the node's file)\n",
        args[0], args[0]
    ));
    1
}

#[cfg(test)]
mod tests {
    use super::super::fmt::testutil::{host, run};

    #[test]
    fn installed_tools_are_said_installed_on_their_distribution() {
        let mut k = host();
        let (out, _, st) = run(&mut k, "apt install -y curl ipvsadm");
        assert_eq!(st, 0);
        assert!(out.contains("curl is already the newest version (7.88.1-10+deb12u15).\nipvsadm is already the newest version (1:1.31-1+b1).\n0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n"), "{out}");
        let (_, err, st) = run(&mut k, "apt-get install nosuchpkg");
        assert_eq!(
            (err.as_str(), st),
            ("E: Unable to locate package nosuchpkg\n", 100)
        );
        let (_, err, st) = run(&mut k, "yum install -y ipvsadm");
        assert_eq!((err.as_str(), st), ("bash: yum: command not found\n", 127));
        crate::user::distro::set(&mut k, "centos");
        let (out, _, st) = run(&mut k, "yum install -y ipvsadm");
        assert_eq!(st, 0);
        assert!(out.ends_with("Package ipvsadm-1.27-8.el7.x86_64 already installed and latest version\nNothing to do\n"), "{out}");
        let (_, err, st) = run(&mut k, "yum install -y nosuch");
        assert_eq!((err.as_str(), st), ("Error: Nothing to do\n", 1));
    }
}
