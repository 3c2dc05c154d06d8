//! Everything about a lab that can be known without running it: node names and kinds,
//! links and their ends, the nodes commands and captures name, capture paths, `--tap`
//! options. `netstep check` reports it, and `run` finds it before anything has happened (no
//! file written, no TAP device made), with the same words the world would use.

use super::parse::{Line, Stmt};
use super::runner::LabOptions;
use crate::sim::world::{eth_number, valid_name, MAX_NODES};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Default)]
struct Seen {
    /// Declared nodes and their kinds.
    nodes: BTreeMap<String, String>,
    /// Host interfaces and switch ports already linked (hosts by name, others by count).
    linked: BTreeSet<(String, String)>,
    /// Captures by file name, with the statement that opened them (`lab.lab:12`).
    captures: BTreeMap<String, String>,
    allow_tap: bool,
}

/// The first problem of the lab, as `FILE:LINE: what`.
pub fn validate(lines: &[Line], opts: &LabOptions) -> Result<(), String> {
    let mut seen = Seen {
        allow_tap: opts.allow_tap,
        ..Seen::default()
    };
    for l in lines {
        seen.statement(&l.stmt, &format!("{}:{}", l.file, l.line))
            .map_err(|e| format!("{}:{}: {e}", l.file, l.line))?;
    }
    for (node, iface, dev) in &opts.taps {
        if !seen.nodes.contains_key(node) {
            return Err(format!(
                "--tap {node}:{iface}={dev}: the lab declares no node '{node}'"
            ));
        }
        seen.host_end(node, Some(iface))
            .map_err(|e| format!("--tap {node}:{iface}={dev}: {e}"))?;
    }
    Ok(())
}

impl Seen {
    fn statement(&mut self, stmt: &Stmt, at: &str) -> Result<(), String> {
        match stmt {
            Stmt::Seed(_) if !self.nodes.is_empty() => {
                Err("seed must come before the first node".into())
            }
            Stmt::Nodes { kind, names } => self.declare(kind, names),
            Stmt::Link { a, b, .. } => self.link(a, b),
            Stmt::LinkState { node, iface, .. } => self.existing_end(node, iface.as_deref()),
            Stmt::Tap { node, iface, dev } => {
                if !self.allow_tap {
                    return Err(super::runner::tap_refused(dev));
                }
                self.end(node, iface.as_deref())?;
                self.plug(node, iface.as_deref())
            }
            Stmt::Capture { path, ifaces } => {
                for (node, iface) in ifaces {
                    self.capture_end(node, iface.as_deref())?;
                }
                self.capture_file(path, at)
            }
            Stmt::Command { node, line, .. } => self.command(node, line),
            Stmt::Distro { nodes, .. } => nodes.iter().try_for_each(|n| match self.is_host(n)? {
                true => Ok(()),
                false => Err(format!(
                    "{n} is a {}: it has no distribution",
                    self.kind(n)?
                )),
            }),
            _ => Ok(()),
        }
    }

    fn declare(&mut self, kind: &str, names: &[String]) -> Result<(), String> {
        for n in names {
            if !valid_name(n) {
                return Err(format!(
                    "bad node name '{n}': use letters, digits, '-' and '_', starting with a letter"
                ));
            }
            if self.nodes.contains_key(n) {
                return Err(format!("duplicate node name '{n}'"));
            }
            if self.nodes.len() + 1 > MAX_NODES {
                return Err(format!(
                    "too many nodes: MAC addresses 02:00:00:NN:NN:II tell {MAX_NODES} nodes apart"
                ));
            }
            self.nodes.insert(n.clone(), kind.to_string());
        }
        Ok(())
    }

    fn kind(&self, node: &str) -> Result<&str, String> {
        self.nodes
            .get(node)
            .map(String::as_str)
            .ok_or_else(|| format!("unknown node '{node}'"))
    }

    fn is_host(&self, node: &str) -> Result<bool, String> {
        Ok(matches!(self.kind(node)?, "host" | "router"))
    }

    /// A link end as `World::plug` would take it.
    fn end(&self, node: &str, iface: Option<&str>) -> Result<(), String> {
        if self.is_host(node)? {
            return self.host_end(node, iface);
        }
        match iface {
            None => Ok(()),
            Some(i) => Err(format!(
                "'{node}' is a {}: its ports have no names (write just {node}, not {node}:{i})",
                self.kind(node)?
            )),
        }
    }

    fn host_end(&self, node: &str, iface: Option<&str>) -> Result<(), String> {
        match iface {
            None => Err(format!(
                "'{node}' is a host: say which interface, e.g. {node}:eth0"
            )),
            Some("lo") => Err("lo cannot be linked".into()),
            Some(i) if eth_number(i).is_none() => Err(format!(
                "bad interface name '{i}': links plug into eth0, eth1 … eth199"
            )),
            Some(_) => Ok(()),
        }
    }

    fn plug(&mut self, node: &str, iface: Option<&str>) -> Result<(), String> {
        let Some(i) = iface else {
            return Ok(()); // a switch or hub: the next free port
        };
        if !self.linked.insert((node.to_string(), i.to_string())) {
            return Err(format!("{node}:{i} is already linked"));
        }
        Ok(())
    }

    fn link(
        &mut self,
        a: &(String, Option<String>),
        b: &(String, Option<String>),
    ) -> Result<(), String> {
        self.end(&a.0, a.1.as_deref())?;
        self.end(&b.0, b.1.as_deref())?;
        if a == b && a.1.is_some() {
            return Err("a link needs two different ends".into());
        }
        self.plug(&a.0, a.1.as_deref())?;
        self.plug(&b.0, b.1.as_deref())
    }

    /// `link down|up NODE:IF`: the end must have been linked.
    fn existing_end(&self, node: &str, iface: Option<&str>) -> Result<(), String> {
        if !self.is_host(node)? {
            return Ok(());
        }
        let Some(i) = iface else {
            return Err(format!("say which interface of {node}, e.g. {node}:eth0"));
        };
        if !self.linked.contains(&(node.to_string(), i.to_string())) {
            return Err(format!("{node} has no interface '{i}'"));
        }
        Ok(())
    }

    /// A capture's interface: any a host may have by then (commands make tunl0), or a
    /// switch's `portN`.
    fn capture_end(&self, node: &str, iface: Option<&str>) -> Result<(), String> {
        match (self.is_host(node)?, iface) {
            (true, Some(_)) => Ok(()),
            (true, None) => Err(format!("say which interface of {node}, e.g. {node}:eth0")),
            (false, Some(p)) if port_number(p).is_some() => Ok(()),
            (false, Some(p)) => Err(format!("bad port '{p}': use port1, port2 …")),
            (false, None) => Err(format!("say which port of {node}, e.g. {node}:port1")),
        }
    }

    /// The capture's path obeys outdir.rs's rules as far as words can tell, and no two
    /// captures share a file.
    fn capture_file(&mut self, path: &str, at: &str) -> Result<(), String> {
        let p = std::path::Path::new(path);
        if p.is_absolute() {
            return Err(format!("capture {path}: an absolute path; a lab writes only below its output directory (give a relative path; --out chooses the directory)"));
        }
        if p.components().any(|c| c == std::path::Component::ParentDir) {
            return Err(format!("capture {path}: '..' leaves the output directory; a lab writes only below it (give a path such as out/x.pcapng)"));
        }
        let key: std::path::PathBuf = p
            .components()
            .filter(|c| *c != std::path::Component::CurDir)
            .collect();
        let key = key.display().to_string();
        if let Some(first) = self.captures.insert(key, at.to_string()) {
            return Err(format!(
                "capture {path}: already written by {first}; two writers into one file would corrupt it"
            ));
        }
        Ok(())
    }

    /// A command runs on a declared host; a switch takes only `brctl showmacs`.
    fn command(&self, node: &str, line: &str) -> Result<(), String> {
        if self.is_host(node)? || line.trim_start().starts_with("brctl") {
            return Ok(());
        }
        Err(format!(
            "{node} is a {}: it runs no commands (a switch takes only `brctl showmacs {node}`)",
            self.kind(node)?
        ))
    }
}

fn port_number(p: &str) -> Option<usize> {
    p.strip_prefix("port")?
        .parse::<usize>()
        .ok()
        .filter(|n| *n >= 1)
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
