//! `ip link` (iproute2 iplink.c): shows devices and sets them up or down, their MTU and MAC.

use super::address::list;
use super::{device, err, extack, invarg, lladdr, unknown_command, value, Ctl, Res};
use crate::kernel::netdev::DevKind;
use crate::kernel::process::Sys;
use crate::user::tools::fmt::{self, matches};

pub(super) fn link(sys: &mut Sys, c: Ctl, args: &[String]) -> Res<()> {
    let Some(cmd) = args.first().map(String::as_str) else {
        return list(sys, c, args, true);
    };
    match cmd {
        _ if matches(cmd, "set") || matches(cmd, "change") => link_set(sys, &args[1..]),
        _ if matches(cmd, "show") || matches(cmd, "list") || matches(cmd, "lst") => {
            list(sys, c, &args[1..], true)
        }
        _ if matches(cmd, "help") => Err(link_usage(sys)),
        _ => Err(unknown_command(sys, cmd, "link")),
    }
}

/// The start of iplink_usage (the link types that follow are not simulated).
fn link_usage(sys: &mut Sys) -> i32 {
    let text = "Usage: ip link add [link DEV | parentdev NAME] [ name ] NAME\n\
        \t\t    [ txqueuelen PACKETS ]\n\t\t    [ address LLADDR ]\n\
        \t\t    [ broadcast LLADDR ]\n\t\t    [ mtu MTU ] [index IDX ]\n\
        \t\t    [ numtxqueues QUEUE_COUNT ]\n\t\t    [ numrxqueues QUEUE_COUNT ]\n\
        \t\t    [ netns { PID | NAME } ]\n\t\t    type TYPE [ ARGS ]\n\n\
        \tip link delete { DEVICE | dev DEVICE | group DEVGROUP } type TYPE [ ARGS ]\n\n\
        \tip link set { DEVICE | dev DEVICE | group DEVGROUP }\n\
        \t\t\t[ { up | down } ]\n\t\t\t[ type TYPE ARGS ]\n";
    err(sys, text, 255)
}

fn link_set(sys: &mut Sys, args: &[String]) -> Res<()> {
    let (mut dev, mut up, mut mtu, mut mac, mut i) = (None::<&str>, None, None, None, 0);
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "up" | "down" => up = Some(a == "up"),
            "mtu" | "address" | "dev" => {
                i += 1;
                let v = value(sys, args, i)?;
                match a {
                    "mtu" => match v.parse::<i64>() {
                        Ok(n) => mtu = Some(n),
                        Err(_) => return Err(invarg(sys, "Invalid \"mtu\" value\n", v)),
                    },
                    "address" => mac = Some(lladdr(sys, v)?),
                    _ => dev = Some(v),
                }
            }
            _ if dev.is_some() => {
                let msg = format!("Error: either \"dev\" is duplicate, or \"{a}\" is a garbage.\n");
                return Err(err(sys, &msg, 255));
            }
            _ => dev = Some(a),
        }
        i += 1;
    }
    let Some(name) = dev else {
        let msg = "Not enough information: \"dev\" argument is required.\n";
        return Err(err(sys, msg, 255));
    };
    let ifindex = device(sys, name)?;
    let kind = sys.k.devs.get(ifindex).map_or(DevKind::Ether, |d| d.kind);
    if let Some(m) = mac {
        if kind != DevKind::Ether {
            return Err(err(sys, "RTNETLINK answers: Operation not supported\n", 2));
        }
        if let Some(d) = sys.k.devs.get_mut(ifindex) {
            d.mac = m;
        }
    }
    if let Some(n) = mtu {
        let (min, max) = fmt::mtu_range(kind);
        if n < min {
            return Err(extack(sys, "mtu less than device minimum"));
        }
        if n > max {
            return Err(extack(sys, "mtu greater than device maximum"));
        }
        if let Some(d) = sys.k.devs.get_mut(ifindex) {
            d.mtu = n as u32;
        }
    }
    if let Some(up) = up {
        sys.k.set_dev_up(ifindex, up);
    }
    Ok(())
}
