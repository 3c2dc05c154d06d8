//! The interface configuration files of a node's distribution, made from its configuration
//! when read (unless written): CentOS 7's `/etc/sysconfig/network-scripts/ifcfg-*` (one per
//! device and per alias with an address, and `ifcfg-lo` as initscripts ships it) and
//! Debian 12's `/etc/network/interfaces` (ifupdown's, with a stanza per address). Layouts as
//! docs/shell-real.md §7 cites them (the RHEL 7 Networking Guide, initscripts, interfaces(5)).

use crate::kernel::fib::RouteType;
use crate::kernel::netdev::{DevKind, IfAddr};
use crate::kernel::vfs::EtcView;
use crate::kernel::Kernel;
use std::net::Ipv4Addr;

pub const CENTOS: EtcView = EtcView {
    dir: "/etc/sysconfig/network-scripts",
    names: ifcfg_names,
    read: ifcfg,
};

pub const DEBIAN: EtcView = EtcView {
    dir: "/etc/network",
    names: |_| vec!["interfaces".to_string()],
    read: |k, _| Some(interfaces(k)),
};

/// Every (label, address) of the node's Ethernet devices, primaries first.
fn addresses(k: &Kernel) -> Vec<(String, &IfAddr, bool)> {
    let mut out = Vec::new();
    for d in k.devs.iter() {
        for a in &d.addrs {
            out.push((a.label.clone(), a, d.kind == DevKind::Loopback));
        }
    }
    out
}

/// The default gateway, if it leaves by `label`'s device.
fn gateway(k: &Kernel, label: &str) -> Option<Ipv4Addr> {
    let dev = label.split(':').next()?;
    k.fib.routes(&k.devs).into_iter().find_map(|r| {
        let via = r.dev.map(|d| k.dev_name(d));
        (r.prefix == 0 && r.rtype == RouteType::Unicast && via.as_deref() == Some(dev))
            .then_some(r.gw)
            .flatten()
    })
}

fn ifcfg_names(k: &Kernel) -> Vec<String> {
    let mut names: Vec<String> = addresses(k)
        .into_iter()
        .filter(|(l, _, lo)| !*lo || l.contains(':'))
        .map(|(l, _, _)| format!("ifcfg-{l}"))
        .collect();
    names.push("ifcfg-lo".into());
    names.sort();
    names.dedup();
    names
}

const IFCFG_LO: &str = "DEVICE=lo\nIPADDR=127.0.0.1\nNETMASK=255.0.0.0\nNETWORK=127.0.0.0\n\
# If you're having problems with gated making 127.0.0.0/8 a martian,\n\
# you can change this to something else (255.255.255.255, for example)\n\
BROADCAST=127.255.255.255\nONBOOT=yes\nNAME=loopback\n";

fn ifcfg(k: &Kernel, name: &str) -> Option<String> {
    let label = name.strip_prefix("ifcfg-")?;
    if label == "lo" {
        return Some(IFCFG_LO.into());
    }
    let all = addresses(k);
    let (_, a, lo) = all.iter().find(|(l, _, _)| l == label)?;
    if label.contains(':') {
        // An alias, as the LVS-DR guides write ifcfg-lo:0 and ifcfg-eth0:0.
        let name = if *lo { "loopback" } else { label };
        return Some(format!(
            "DEVICE={label}\nIPADDR={}\nNETMASK={}\nONBOOT=yes\nNAME={name}\n",
            a.addr,
            a.netmask()
        ));
    }
    let mut text = format!(
        "TYPE=Ethernet\nBOOTPROTO=none\nNAME={label}\nDEVICE={label}\nONBOOT=yes\nIPADDR={}\nPREFIX={}\n",
        a.addr, a.prefix
    );
    if let Some(gw) = gateway(k, label) {
        text.push_str(&format!("GATEWAY={gw}\n"));
    }
    Some(text)
}

fn interfaces(k: &Kernel) -> String {
    let mut text = String::from(
        "# interfaces(5) file used by ifup(8) and ifdown(8)\n\
         # Include files from /etc/network/interfaces.d:\n\
         source /etc/network/interfaces.d/*\n\n\
         auto lo\niface lo inet loopback\n",
    );
    for (label, a, lo) in addresses(k) {
        if lo && !label.contains(':') {
            continue;
        }
        text.push_str(&format!(
            "\nauto {label}\niface {label} inet static\n    address {}/{}\n",
            a.addr, a.prefix
        ));
        if let Some(gw) = gateway(k, &label).filter(|_| !label.contains(':')) {
            text.push_str(&format!("    gateway {gw}\n"));
        }
    }
    text
}
