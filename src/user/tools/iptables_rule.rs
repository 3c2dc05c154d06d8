//! The rule side of iptables' command line: -p, -i, -j, -m, the tcp/udp and MARK options,
//! and what do_parse checks once every word is read (post_parse, generic_opt_check, the
//! chain-specific refusals), ending in the rules the command names.

use super::values::*;
use super::*;
use crate::kernel::iptable_mangle::AddrMatch;

impl<'a> Parser<'a> {
    pub(super) fn protocol(&mut self, arg: &str) -> Result<(), Stop> {
        self.set_option(O_PROTO)?;
        let name = arg.to_lowercase();
        let num = parse_protocol(&name)?;
        if num == 0 && self.inv & O_PROTO != 0 {
            return Err(param("rule would never match protocol"));
        }
        self.proto = Some(name);
        self.proto_num = num;
        Ok(())
    }

    pub(super) fn interface(&mut self, c: char, arg: &str) -> Result<(), Stop> {
        if arg.is_empty() {
            return Err(param("Empty interface is likely to be undesired"));
        }
        self.set_option(if c == 'i' { O_IN } else { O_OUT })?;
        if arg.len() + 1 > 16 {
            return Err(param(format!(
                "interface name `{arg}' must be shorter than IFNAMSIZ (15)"
            )));
        }
        if c == 'i' {
            self.iif = Some(arg.to_string());
        }
        Ok(())
    }

    /// command_jump: MARK, ACCEPT and RETURN run; iptables' other targets are refused; any
    /// other name is a chain, which nf_tables looks for when the rule is added.
    pub(super) fn jump(&mut self, name: &str) -> Result<(), Stop> {
        check_target_name(name)?;
        self.p.jump = match name {
            "MARK" => {
                self.mark = Some(MarkExt {
                    xflags: 0,
                    value: 0,
                    mask: 0,
                });
                Jump::Target(Target::Mark { value: 0, mask: 0 })
            }
            "ACCEPT" => Jump::Target(Target::Accept),
            "RETURN" => Jump::Target(Target::Return),
            _ if OTHER_TARGETS.split_whitespace().any(|t| t == name) => {
                super::super::check_table(&self.p.table)?;
                return Err(Stop::Netstep(format!(
                    "target {name} is not simulated (only MARK, ACCEPT and RETURN)"
                )));
            }
            _ => Jump::Chain(name.to_string()),
        };
        Ok(())
    }

    /// `-m tcp` / `-m udp`; other matches are refused.
    pub(super) fn load_match(&mut self, name: &str) -> Result<(), Stop> {
        if self.invert {
            return Err(param("unexpected ! flag before --match"));
        }
        if name != "tcp" && name != "udp" {
            super::super::check_table(&self.p.table)?;
            return Err(Stop::Netstep(format!(
                "match {name} is not simulated (only tcp and udp ports)"
            )));
        }
        if self.ports.is_some() {
            return Err(Stop::Netstep(
                "only one tcp or udp match per rule is simulated".into(),
            ));
        }
        self.ports = Some(PortExt {
            udp: name == "udp",
            sport: None,
            dport: None,
        });
        Ok(())
    }

    /// load_proto: after `-p tcp|udp|6|17`, an unknown option loads that match.
    pub(super) fn load_proto(&mut self) -> bool {
        if self.ports.is_some() || !matches!(self.proto_num, 6 | 17) {
            return false;
        }
        self.ports = Some(PortExt {
            udp: self.proto_num == 17,
            sport: None,
            dport: None,
        });
        true
    }

    pub(super) fn wait_option(&mut self, c: char, value: Option<&'a str>) -> Result<(), Stop> {
        let arg = value.or_else(|| self.take_arg());
        if c == 'w' {
            self.wait = true;
            if arg.is_some_and(|a| leading_number(a).is_none()) {
                return Err(param("wait seconds not numeric"));
            }
            return Ok(());
        }
        self.wait_interval = true;
        match arg.map(leading_number) {
            None => Err(param("wait interval value required")),
            Some(None) => Err(param("wait interval not numeric")),
            Some(Some(_)) => Ok(()),
        }
    }

    /// `-c PKTS BYTES` or `-c PKTS,BYTES`.
    pub(super) fn counters(&mut self, arg: &'a str) -> Result<(), Stop> {
        self.set_option(O_COUNTERS)?;
        let (pkts, bytes) = match arg.get(1..).and_then(|t| t.find(',')) {
            Some(i) => (arg, Some(&arg[i + 2..])),
            None => (arg, self.take_arg()),
        };
        let bytes = bytes.ok_or_else(|| param("-c requires packet and byte counter"))?;
        let p = leading_number(pkts).ok_or_else(|| param("-c packet counter not numeric"))?;
        let b = leading_number(bytes).ok_or_else(|| param("-c byte counter not numeric"))?;
        self.p.counters = Some((p, b));
        Ok(())
    }

    pub(super) fn extension(&mut self, val: Val, name: &str, arg: &str) -> Result<(), Stop> {
        match val {
            Val::Mark(id) => self.mark_option(id, name, arg),
            Val::TcpOther => Err(Stop::Netstep(format!(
                "--{name} is not simulated (the tcp match checks ports only)"
            ))),
            _ => self.port_option(val == Val::Sport, name, arg),
        }
    }

    /// --sport / --dport: libxt_tcp's old-style parser, or libxt_udp's xtoptions one (their
    /// messages differ).
    pub(super) fn port_option(&mut self, src: bool, name: &str, arg: &str) -> Result<(), Stop> {
        let invert = self.invert;
        let Some(ext) = self.ports.as_mut() else {
            return Ok(());
        };
        let slot = if src { &mut ext.sport } else { &mut ext.dport };
        if slot.is_some() {
            return Err(param(if !ext.udp {
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
        let (lo, hi) = if ext.udp {
            udp_ports(name, arg)?
        } else {
            tcp_ports(arg)?
        };
        *slot = Some(PortMatch { lo, hi, invert });
        Ok(())
    }

    /// libxt_MARK revision 2's mark_tg_parse.
    pub(super) fn mark_option(&mut self, id: u32, name: &str, arg: &str) -> Result<(), Stop> {
        let invert = self.invert;
        let Some(m) = self.mark.as_mut() else {
            return Ok(());
        };
        if m.xflags & (1 << id) != 0 {
            return Err(param(format!(
                "MARK: option \"--{name}\" can only be used once.\n"
            )));
        }
        if invert {
            return Err(param(format!(
                "MARK: option \"--{name}\" cannot be inverted.\n"
            )));
        }
        let (value, mask) = if id == SET_XMARK || id == SET_MARK {
            mark_mask(name, arg)?
        } else {
            let v = strtoui(arg, 0, u64::from(u32::MAX)).ok_or_else(|| {
                param(format!(
                    "MARK: bad value for option \"--{name}\", or out of range (0-4294967295).\n"
                ))
            })?;
            (v as u32, 0)
        };
        (m.value, m.mask) = match id {
            SET_XMARK => (value, mask),
            SET_MARK => (value, value | mask),
            AND_MARK => (0, !value),
            OR_MARK => (value, value),
            _ => (value, 0),
        };
        m.xflags |= 1 << id;
        Ok(())
    }

    pub(super) fn finish(mut self, k: &Kernel) -> Result<Parsed, Stop> {
        if self.wait_interval && !self.wait {
            return Err(param("--wait-interval only makes sense with --wait\n"));
        }
        if let Some(m) = &self.mark {
            mark_final_check(m.xflags)?;
            self.p.jump = Jump::Target(Target::Mark {
                value: m.value,
                mask: m.mask,
            });
        }
        if self.ended && self.next < self.args.len() {
            return Err(param("unknown arguments found on commandline"));
        }
        if self.p.cmd == 0 {
            return Err(param("no command specified"));
        }
        if self.invert {
            return Err(param("nothing appropriate following !"));
        }
        let srcs = self.addresses(k, self.src.as_deref(), O_SOURCE)?;
        let dsts = self.addresses(k, self.dst.as_deref(), O_DEST)?;
        if self.p.cmd == REPLACE && (srcs.len() != 1 || dsts.len() != 1) {
            return Err(param("Replacement rule does not specify a unique address"));
        }
        generic_opt_check(self.p.cmd, self.p.options)?;
        self.chain_checks()?;
        self.p.rules = self.build(&srcs, &dsts)?;
        Ok(self.p)
    }

    /// post_parse: each of `-s a,b/24,name` resolved (a name through /etc/hosts).
    pub(super) fn addresses(
        &self,
        k: &Kernel,
        text: Option<&str>,
        bit: u32,
    ) -> Result<Vec<Option<AddrMatch>>, Stop> {
        let Some(text) = text else {
            return Ok(vec![None]);
        };
        let invert = self.inv & bit != 0;
        let list = text
            .split(',')
            .map(|part| parse_address(k, part.trim_start(), invert))
            .collect::<Result<Vec<_>, _>>()?;
        if list.len() > 1 && self.inv & (O_SOURCE | O_DEST) != 0 {
            return Err(param(
                "! not allowed with multiple source or destination IP addresses",
            ));
        }
        Ok(list)
    }

    /// The chain-specific refusals, then what netstep's rules cannot hold.
    pub(super) fn chain_checks(&self) -> Result<(), Stop> {
        let chain = self.p.chain.as_deref().unwrap_or("");
        if chain.len() >= 29 {
            return Err(param(format!(
                "chain name `{chain}' too long (must be under 29 chars)"
            )));
        }
        if self.p.cmd & RULE_CMDS == 0 {
            return Ok(());
        }
        let out = self.p.options & O_OUT != 0;
        if out && (chain == "PREROUTING" || chain == "INPUT") {
            return Err(param(format!("Can't use -o with {chain}\n")));
        }
        if self.p.options & O_IN != 0 && (chain == "POSTROUTING" || chain == "OUTPUT") {
            return Err(param(format!("Can't use -i with {chain}\n")));
        }
        if out || self.p.options & O_FRAG != 0 {
            let what = if out { "-o" } else { "-f" };
            return Err(Stop::Netstep(format!("{what} is not simulated in rules")));
        }
        Ok(())
    }

    /// The rules the command names. A port match needs its protocol, as the kernel's
    /// xt_tcpudp checkentry insists.
    pub(super) fn build(
        &self,
        srcs: &[Option<AddrMatch>],
        dsts: &[Option<AddrMatch>],
    ) -> Result<Vec<Rule>, Stop> {
        let inv_proto = self.inv & O_PROTO != 0;
        let (sport, dport) = match &self.ports {
            Some(ext) => {
                let want = if ext.udp { 17 } else { 6 };
                if self.proto_num != want || inv_proto {
                    return Err(Stop::Kernel(super::super::EINVAL));
                }
                (ext.sport, ext.dport)
            }
            None => (None, None),
        };
        let target = match self.p.jump {
            Jump::Target(t) => t,
            _ => Target::Accept,
        };
        let iif = self.iif.clone().map(|name| (name, self.inv & O_IN != 0));
        let proto = (self.proto_num != 0).then_some((self.proto_num, inv_proto));
        let mut rules = Vec::new();
        for src in srcs {
            for dst in dsts {
                rules.push(Rule {
                    src: *src,
                    dst: *dst,
                    proto,
                    sport,
                    dport,
                    iif: iif.clone(),
                    target,
                    packets: self.p.counters.map_or(0, |c| c.0),
                    bytes: self.p.counters.map_or(0, |c| c.1),
                });
            }
        }
        Ok(rules)
    }
}
