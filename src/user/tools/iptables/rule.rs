//! The rule side of iptables' command line: -p, -i, -j, -m, the tcp/udp and MARK options,
//! and what do_parse checks once every word is read (post_parse, generic_opt_check, the
//! chain-specific refusals), ending in the rules the command names.

use super::values::*;
use super::*;
use crate::kernel::netfilter::x_tables::{AddrMatch, IfMatch, IpMatch};

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
        let slot = if c == 'i' {
            &mut self.iif
        } else {
            &mut self.oif
        };
        *slot = Some(arg.to_string());
        Ok(())
    }

    /// command_jump: the targets netstep runs load their options; any other name is a
    /// chain, which nf_tables looks for when the rule is added.
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
            "DROP" => Jump::Target(Target::Drop),
            "RETURN" => Jump::Target(Target::Return),
            _ if TargetExt::load(name).is_some() => {
                self.target = TargetExt::load(name);
                Jump::Target(Target::None)
            }
            _ if OTHER_TARGETS.split_whitespace().any(|t| t == name) => {
                super::super::check_table(&self.p.table)?;
                return Err(Stop::Netstep(format!(
                    "target {name} is not simulated (netstep runs ACCEPT, DROP, RETURN, REJECT, \
                     LOG, MARK, SNAT, DNAT, MASQUERADE and REDIRECT)"
                )));
            }
            _ => Jump::Chain(name.to_string()),
        };
        Ok(())
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

    pub(super) fn extension(
        &mut self,
        val: Val,
        name: &'static str,
        arg: &'a str,
    ) -> Result<(), Stop> {
        match val {
            Val::Mark(id) => self.mark_option(id, name, arg),
            _ => self.ext_option(name, arg),
        }
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
        if let Some(t) = self.target.take() {
            self.p.jump = Jump::Target(t.finish()?);
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
        if self.p.options & O_FRAG != 0 {
            return Err(Stop::Netstep("-f is not simulated in rules".into()));
        }
        Ok(())
    }

    /// The rules the command names. A protocol match needs its protocol, as the kernel's
    /// checkentry insists (xt_tcpudp, icmp, multiport).
    pub(super) fn build(
        &mut self,
        srcs: &[Option<AddrMatch>],
        dsts: &[Option<AddrMatch>],
    ) -> Result<Vec<Rule>, Stop> {
        let inv_proto = self.inv & O_PROTO != 0;
        let mut matches = Vec::new();
        for ext in std::mem::take(&mut self.exts) {
            if let Some(protos) = ext.needs_proto() {
                if !protos.contains(&self.proto_num) || inv_proto {
                    return Err(Stop::Kernel(super::super::EINVAL));
                }
            }
            matches.push(ext.finish()?);
        }
        let target = match &self.p.jump {
            Jump::Target(t) => t.clone(),
            _ => Target::None,
        };
        let ifm = |name: &Option<String>, bit: u32| {
            name.clone().map(|name| IfMatch {
                name,
                invert: self.inv & bit != 0,
            })
        };
        let ip = IpMatch {
            src: None,
            dst: None,
            proto: (self.proto_num != 0).then_some((self.proto_num, inv_proto)),
            iif: ifm(&self.iif, O_IN),
            oif: ifm(&self.oif, O_OUT),
        };
        let mut rules = Vec::new();
        for src in srcs {
            for dst in dsts {
                let mut r = Rule::new(
                    IpMatch {
                        src: *src,
                        dst: *dst,
                        ..ip.clone()
                    },
                    matches.clone(),
                    target.clone(),
                );
                (r.packets, r.bytes) = self.p.counters.unwrap_or((0, 0));
                rules.push(r);
            }
        }
        Ok(rules)
    }
}
