//! The match extensions iptables loads with `-m NAME` (or `-p tcp|udp|icmp` and one of the
//! protocol's options): libxt_tcp, _udp, _icmp, _multiport, _conntrack, _state, _comment,
//! _mac and _mark, each with its options, its parse messages and its final check.

use super::values::{mark_mask, strtoui, tcp_ports, udp_ports};
use super::{param, Arg, LongOpt, Parser, Stop, Val, TCP};
use crate::kernel::netfilter::x_tables::PortMatch;
use crate::kernel::netfilter::xt_match::{ctstate, Match, Which};

/// multiport's ports: which side, the ports and ranges, negation.
pub type Ports = (Which, Vec<(u16, u16)>, bool);

/// A loaded match and what its options said so far.
pub enum Ext {
    Tcp {
        udp: bool,
        sport: Option<PortMatch>,
        dport: Option<PortMatch>,
        flags: Option<(u8, u8, bool)>,
    },
    Icmp(Option<(u8, Option<u8>, bool)>),
    Multiport(Option<Ports>),
    /// `-m conntrack --ctstate` (old: false) or `-m state --state` (old: true).
    State {
        old: bool,
        states: Option<(u8, bool)>,
    },
    Comment(Option<String>),
    Mac(Option<([u8; 6], bool)>),
    Mark(Option<(u32, u32, bool)>),
}

const ICMP: &[LongOpt] = &[LongOpt("icmp-type", Arg::Req, Val::Ext)];
const MULTIPORT: &[LongOpt] = &[
    LongOpt("source-ports", Arg::Req, Val::Ext),
    LongOpt("sports", Arg::Req, Val::Ext),
    LongOpt("destination-ports", Arg::Req, Val::Ext),
    LongOpt("dports", Arg::Req, Val::Ext),
    LongOpt("ports", Arg::Req, Val::Ext),
];
const CONNTRACK: &[LongOpt] = &[
    LongOpt("ctstate", Arg::Req, Val::Ext),
    LongOpt("ctproto", Arg::Req, Val::Ext),
    LongOpt("ctorigsrc", Arg::Req, Val::Ext),
    LongOpt("ctorigdst", Arg::Req, Val::Ext),
    LongOpt("ctreplsrc", Arg::Req, Val::Ext),
    LongOpt("ctrepldst", Arg::Req, Val::Ext),
    LongOpt("ctstatus", Arg::Req, Val::Ext),
    LongOpt("ctexpire", Arg::Req, Val::Ext),
    LongOpt("ctdir", Arg::Req, Val::Ext),
];
const STATE: &[LongOpt] = &[LongOpt("state", Arg::Req, Val::Ext)];
const COMMENT: &[LongOpt] = &[LongOpt("comment", Arg::Req, Val::Ext)];
const MAC: &[LongOpt] = &[LongOpt("mac-source", Arg::Req, Val::Ext)];
const MARK: &[LongOpt] = &[LongOpt("mark", Arg::Req, Val::Ext)];

/// libxt_icmp's names (icmp_codes): name, type, code (None: any code of the type).
pub const ICMP_TYPES: &[(&str, u8, Option<u8>)] = &[
    ("any", 255, None),
    ("echo-reply", 0, None),
    ("pong", 0, None),
    ("destination-unreachable", 3, None),
    ("network-unreachable", 3, Some(0)),
    ("host-unreachable", 3, Some(1)),
    ("protocol-unreachable", 3, Some(2)),
    ("port-unreachable", 3, Some(3)),
    ("fragmentation-needed", 3, Some(4)),
    ("source-route-failed", 3, Some(5)),
    ("network-unknown", 3, Some(6)),
    ("host-unknown", 3, Some(7)),
    ("network-prohibited", 3, Some(9)),
    ("host-prohibited", 3, Some(10)),
    ("TOS-network-unreachable", 3, Some(11)),
    ("TOS-host-unreachable", 3, Some(12)),
    ("communication-prohibited", 3, Some(13)),
    ("host-precedence-violation", 3, Some(14)),
    ("precedence-cutoff", 3, Some(15)),
    ("source-quench", 4, None),
    ("redirect", 5, None),
    ("network-redirect", 5, Some(0)),
    ("host-redirect", 5, Some(1)),
    ("TOS-network-redirect", 5, Some(2)),
    ("TOS-host-redirect", 5, Some(3)),
    ("echo-request", 8, None),
    ("ping", 8, None),
    ("router-advertisement", 9, None),
    ("router-solicitation", 10, None),
    ("time-exceeded", 11, None),
    ("ttl-exceeded", 11, None),
    ("ttl-zero-during-transit", 11, Some(0)),
    ("ttl-zero-during-reassembly", 11, Some(1)),
    ("parameter-problem", 12, None),
    ("ip-header-bad", 12, Some(0)),
    ("required-option-missing", 12, Some(1)),
    ("timestamp-request", 13, None),
    ("timestamp-reply", 14, None),
    ("address-mask-request", 17, None),
    ("address-mask-reply", 18, None),
];

impl Ext {
    pub fn load(name: &str) -> Option<Ext> {
        Some(match name {
            "tcp" | "udp" => Ext::Tcp {
                udp: name == "udp",
                sport: None,
                dport: None,
                flags: None,
            },
            "icmp" => Ext::Icmp(None),
            "multiport" => Ext::Multiport(None),
            "conntrack" => Ext::State {
                old: false,
                states: None,
            },
            "state" => Ext::State {
                old: true,
                states: None,
            },
            "comment" => Ext::Comment(None),
            "mac" => Ext::Mac(None),
            "mark" => Ext::Mark(None),
            _ => return None,
        })
    }

    pub fn options(&self) -> &'static [LongOpt] {
        match self {
            Ext::Tcp { udp: true, .. } => &TCP[..4],
            Ext::Tcp { .. } => TCP,
            Ext::Icmp(_) => ICMP,
            Ext::Multiport(_) => MULTIPORT,
            Ext::State { old: false, .. } => CONNTRACK,
            Ext::State { .. } => STATE,
            Ext::Comment(_) => COMMENT,
            Ext::Mac(_) => MAC,
            Ext::Mark(_) => MARK,
        }
    }

    /// The protocol a match needs (-p), as the kernel's checkentry wants it.
    pub fn needs_proto(&self) -> Option<&'static [u8]> {
        match self {
            Ext::Tcp { udp: true, .. } => Some(&[17]),
            Ext::Tcp { .. } => Some(&[6]),
            Ext::Icmp(_) => Some(&[1]),
            Ext::Multiport(_) => Some(&[6, 17]),
            _ => None,
        }
    }

    /// The match, after the extension's final check.
    pub fn finish(self) -> Result<Match, Stop> {
        let must =
            |ext: &str, opt: &str| param(format!("{ext}: option \"--{opt}\" must be specified\n"));
        Ok(match self {
            Ext::Tcp {
                udp: true,
                sport,
                dport,
                ..
            } => Match::Udp { sport, dport },
            Ext::Tcp {
                sport,
                dport,
                flags,
                ..
            } => Match::Tcp {
                sport,
                dport,
                flags,
            },
            Ext::Icmp(t) => {
                let (kind, code, invert) = t.unwrap_or((255, None, false));
                Match::Icmp { kind, code, invert }
            }
            Ext::Multiport(m) => {
                let (which, ports, invert) =
                    m.ok_or_else(|| param("multiport expects an option"))?;
                Match::Multiport {
                    which,
                    ports,
                    invert,
                }
            }
            Ext::State { old, states } => {
                let (states, invert) = states.ok_or_else(|| match old {
                    true => must("state", "state"),
                    false => param("conntrack: At least one option is required"),
                })?;
                Match::CtState {
                    states,
                    invert,
                    old_state: old,
                }
            }
            Ext::Comment(c) => Match::Comment(c.ok_or_else(|| must("comment", "comment"))?),
            Ext::Mac(m) => {
                let (addr, invert) = m.ok_or_else(|| must("mac", "mac-source"))?;
                Match::Mac { addr, invert }
            }
            Ext::Mark(m) => {
                let (value, mask, invert) = m.ok_or_else(|| must("mark", "mark"))?;
                Match::Mark {
                    value,
                    mask,
                    invert,
                }
            }
        })
    }
}

impl<'a> Parser<'a> {
    /// `-m NAME`: a match netstep runs, or a refusal that says which it does not.
    pub(super) fn load_match(&mut self, name: &str) -> Result<(), Stop> {
        if self.invert {
            return Err(param("unexpected ! flag before --match"));
        }
        match Ext::load(name) {
            Some(ext) => {
                self.exts.push(ext);
                Ok(())
            }
            None => {
                super::super::check_table(&self.p.table)?;
                Err(Stop::Netstep(format!(
                    "match {name} is not simulated (netstep runs tcp, udp, icmp, multiport, \
                     conntrack, state, comment, mac and mark)"
                )))
            }
        }
    }

    /// load_proto: after `-p tcp|udp|icmp`, an unknown option loads that protocol's match,
    /// once.
    pub(super) fn load_proto(&mut self) -> bool {
        let name = match self.proto_num {
            6 => "tcp",
            17 => "udp",
            1 => "icmp",
            _ => return false,
        };
        let loaded = self.exts.iter().any(|e| match (e, name) {
            (Ext::Tcp { udp, .. }, "tcp") => !udp,
            (Ext::Tcp { udp, .. }, "udp") => *udp,
            (Ext::Icmp(_), "icmp") => true,
            _ => false,
        });
        if loaded {
            return false;
        }
        self.exts.extend(Ext::load(name));
        true
    }

    /// An option of a loaded match or of the target: the last one loaded that has it.
    pub(super) fn ext_option(&mut self, name: &'static str, arg: &'a str) -> Result<(), Stop> {
        if self
            .target
            .as_ref()
            .is_some_and(|t| t.options().iter().any(|o| o.0 == name))
        {
            return self.target_option(name, arg);
        }
        let invert = self.invert;
        let at = self
            .exts
            .iter()
            .rposition(|e| e.options().iter().any(|o| o.0 == name));
        let Some(at) = at else {
            return Ok(());
        };
        let proto = (self.proto_num, self.inv & super::O_PROTO != 0);
        let next = self.args.get(self.next).map(String::as_str);
        let took = ext_parse(&mut self.exts[at], name, arg, invert, proto, next)?;
        if took {
            self.next += 1;
        }
        Ok(())
    }
}

/// One option of one match. Returns whether it read the next word too (`--tcp-flags`).
fn ext_parse(
    ext: &mut Ext,
    name: &str,
    arg: &str,
    invert: bool,
    proto: (u8, bool),
    next: Option<&str>,
) -> Result<bool, Stop> {
    match ext {
        Ext::Tcp {
            udp,
            sport,
            dport,
            flags,
        } => tcp_option(*udp, (sport, dport, flags), name, arg, invert, next),
        Ext::Icmp(t) => {
            *t = Some(icmp_type(arg, invert)?);
            Ok(false)
        }
        Ext::Multiport(m) => {
            if !matches!(proto, (6 | 17, false)) {
                return Err(param(
                    "multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'",
                ));
            }
            if m.is_some() {
                return Err(param("multiport can only have one option"));
            }
            let which = match name {
                "source-ports" | "sports" => Which::Src,
                "destination-ports" | "dports" => Which::Dst,
                _ => Which::Either,
            };
            *m = Some((which, port_list(arg)?, invert));
            Ok(false)
        }
        Ext::State { old, states } => {
            if !*old && name != "ctstate" {
                return Err(Stop::Netstep(format!(
                    "conntrack --{name} is not simulated (only --ctstate)"
                )));
            }
            *states = Some((state_list(arg, *old)?, invert));
            Ok(false)
        }
        Ext::Comment(c) => {
            if arg.len() > 255 {
                return Err(param(
                    "comment: argument to \"--comment\" is too long (max 255)\n",
                ));
            }
            *c = Some(arg.to_string());
            Ok(false)
        }
        Ext::Mac(m) => {
            *m = Some((mac(arg)?, invert));
            Ok(false)
        }
        Ext::Mark(m) => {
            let (v, mask) = mark_mask(name, arg)
                .map_err(|_| param("mark: bad value for option \"--mark\", or out of range.\n"))?;
            *m = Some((v, mask, invert));
            Ok(false)
        }
    }
}

type TcpSlots<'s> = (
    &'s mut Option<PortMatch>,
    &'s mut Option<PortMatch>,
    &'s mut Option<(u8, u8, bool)>,
);

/// libxt_tcp (old-style parser) and libxt_udp (xtoptions): their messages differ.
fn tcp_option(
    udp: bool,
    (sport, dport, flags): TcpSlots,
    name: &str,
    arg: &str,
    invert: bool,
    next: Option<&str>,
) -> Result<bool, Stop> {
    match name {
        "syn" | "tcp-flags" => {
            if flags.is_some() {
                return Err(param("Only one of `--syn' or `--tcp-flags'  allowed"));
            }
            if name == "syn" {
                *flags = Some((0x17, 0x02, invert));
                return Ok(false);
            }
            let comp = next.ok_or_else(|| param("--tcp-flags requires two args."))?;
            *flags = Some((tcp_flag_list(arg)?, tcp_flag_list(comp)?, invert));
            Ok(true)
        }
        "tcp-option" => Err(Stop::Netstep("--tcp-option is not simulated".into())),
        _ => {
            let src = matches!(name, "sport" | "source-port");
            let slot = if src { sport } else { dport };
            if slot.is_some() {
                return Err(param(if !udp {
                    let full = if src {
                        "source-port"
                    } else {
                        "destination-port"
                    };
                    format!("Only one `--{full}' allowed")
                } else {
                    format!("udp: option \"--{name}\" can only be used once.\n")
                }));
            }
            let (lo, hi) = if udp {
                udp_ports(name, arg)?
            } else {
                tcp_ports(arg)?
            };
            *slot = Some(PortMatch { lo, hi, invert });
            Ok(false)
        }
    }
}

/// libxt_tcp's tcp_flag_names, comma separated (ALL and NONE too).
pub const TCP_FLAGS: [(&str, u8); 8] = [
    ("FIN", 0x01),
    ("SYN", 0x02),
    ("RST", 0x04),
    ("PSH", 0x08),
    ("ACK", 0x10),
    ("URG", 0x20),
    ("ALL", 0x3f),
    ("NONE", 0),
];

fn tcp_flag_list(s: &str) -> Result<u8, Stop> {
    let mut bits = 0;
    for word in s.split(',') {
        let f = TCP_FLAGS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(word))
            .ok_or_else(|| param(format!("Unknown TCP flag `{word}'")))?;
        bits |= f.1;
    }
    Ok(bits)
}

/// `--icmp-type NAME | TYPE[/CODE]`.
fn icmp_type(s: &str, invert: bool) -> Result<(u8, Option<u8>, bool), Stop> {
    let bad = || param(format!("Invalid ICMP type `{s}'\n"));
    if let Some((_, t, c)) = ICMP_TYPES
        .iter()
        .find(|(n, _, _)| n.eq_ignore_ascii_case(s))
    {
        return Ok((*t, *c, invert));
    }
    let (t, c) = match s.split_once('/') {
        Some((t, c)) => (t, Some(c)),
        None => (s, None),
    };
    let t = strtoui(t, 0, 255).ok_or_else(bad)? as u8;
    let c = match c {
        Some(c) => Some(strtoui(c, 0, 255).ok_or_else(bad)? as u8),
        None => None,
    };
    Ok((t, c, invert))
}

/// multiport's list: up to 15 ports, a range counting two.
fn port_list(s: &str) -> Result<Vec<(u16, u16)>, Stop> {
    let mut out = Vec::new();
    let mut count = 0;
    for part in s.split(',') {
        let (lo, hi) = tcp_ports(part)?;
        count += if lo == hi { 1 } else { 2 };
        if count > 15 {
            return Err(param("too many ports specified"));
        }
        out.push((lo, hi));
    }
    Ok(out)
}

fn state_list(s: &str, old: bool) -> Result<u8, Stop> {
    let mut bits = 0;
    for word in s.split(',') {
        let bit = ctstate::NAMES
            .iter()
            .filter(|(b, _)| !old || *b & (ctstate::SNAT | ctstate::DNAT) == 0)
            .find(|(_, n)| n.eq_ignore_ascii_case(word))
            .map(|(b, _)| *b);
        bits |= bit.ok_or_else(|| match old {
            true => param(format!("Bad state \"{word}\"")),
            false => param(format!(
                "conntrack: Bad value for \"--ctstate\" option: \"{word}\""
            )),
        })?;
    }
    Ok(bits)
}

fn mac(s: &str) -> Result<[u8; 6], Stop> {
    let bad = || param(format!("Bad mac address \"{s}\""));
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() != 6 {
        return Err(bad());
    }
    let mut out = [0u8; 6];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || p.len() > 2 {
            return Err(bad());
        }
        out[i] = u8::from_str_radix(p, 16).map_err(|_| bad())?;
    }
    Ok(out)
}
