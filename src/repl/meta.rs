//! The REPL's own commands (help, nodes, step, back, show packet, ladder, save …). Anything
//! else is a lab statement or a command for a node, and goes to the world.

use super::breaks::Break;
use super::session::{Reply, Session};
use crate::trace::{ladder, layers};

/// The meta commands with their one-line help, in the order `help` lists them.
pub const COMMANDS: &[(&str, &str)] = &[
    (
        "help",
        "help [CMD]            this list, or one command's line",
    ),
    (
        "nodes",
        "nodes                 the nodes, their kinds and interfaces",
    ),
    (
        "links",
        "links                 the links and their parameters",
    ),
    (
        "topology",
        "topology              the topology as Graphviz DOT",
    ),
    (
        "enter",
        "enter NODE            bare commands go to NODE until `exit`",
    ),
    (
        "exit",
        "exit                  leave the node (at netstep>: quit)",
    ),
    (
        "step",
        "step [N]              process the next N events (default 1), printing each",
    ),
    (
        "back",
        "back [N]              go back N events (default 1): an exact replay",
    ),
    (
        "run",
        "run [DURATION]        advance virtual time (default: until nothing is in flight)",
    ),
    (
        "continue",
        "continue              run until nothing is in flight",
    ),
    (
        "show",
        "show packet N         event N's frame layer by layer, and what its hop changed",
    ),
    (
        "ladder",
        "ladder [NODES…]       the ladder diagram so far (of those nodes)",
    ),
    (
        "capture",
        "capture FILE [N:IF…]  capture from now on into FILE (.pcapng or .pcap)",
    ),
    (
        "save",
        "save FILE             write the session as a lab that replays it exactly",
    ),
    (
        "reset",
        "reset                 back to the start of the session",
    ),
    ("quit", "quit                  leave (Ctrl-D too)"),
];

/// Runs `input` if it is a meta command.
pub fn run(s: &mut Session, input: &str) -> Option<Reply> {
    let words: Vec<&str> = input.split_whitespace().collect();
    let (cmd, args) = words.split_first()?;
    Some(match (*cmd, args) {
        ("help", []) => Reply::text(help()),
        ("help", [c]) => match COMMANDS.iter().find(|(n, _)| n == c) {
            Some((_, line)) => Reply::text(format!("{line}\n")),
            None => error(format!("help: no command '{c}' (try `help`)")),
        },
        ("nodes", []) => Reply::text(nodes(s)),
        ("links", []) => Reply::text(links(s)),
        ("topology", []) => topology(s),
        ("enter", [node]) => enter(s, node),
        ("exit" | "quit", []) if s.node.is_some() && *cmd == "exit" => {
            s.node = None;
            Reply::default()
        }
        ("exit" | "quit", []) => Reply {
            failed: false,
            text: s.close(),
            quit: true,
        },
        ("step", []) => s.world_line("step 1"),
        ("step", [n]) => match n.parse::<u64>() {
            Ok(k) if k > 0 => s.world_line(&format!("step {k}")),
            _ => error(format!("step: '{n}' is not a count of events")),
        },
        ("back", []) => s.back(1),
        ("back", [n]) => match n.parse::<u64>() {
            Ok(k) => s.back(k),
            Err(_) => error(format!("back: '{n}' is not a count of events")),
        },
        ("continue", []) => s.continue_(),
        ("break", [on]) => {
            let nodes: Vec<String> = s.world().nodes.iter().map(|n| n.name.clone()).collect();
            match Break::parse(on, &nodes) {
                Ok(b) => {
                    s.breaks.push(b);
                    Reply::text(format!(
                        "breakpoint {}: {}\n",
                        s.breaks.len(),
                        s.breaks[s.breaks.len() - 1].describe()
                    ))
                }
                Err(e) => error(e),
            }
        }
        ("breaks", []) => Reply::text(
            s.breaks
                .iter()
                .enumerate()
                .map(|(i, b)| format!("{}  {}\n", i + 1, b.describe()))
                .collect::<String>(),
        ),
        ("delete", [n]) => match n.parse::<usize>() {
            Ok(i) if (1..=s.breaks.len()).contains(&i) => {
                s.breaks.remove(i - 1);
                Reply::default()
            }
            _ => error(format!("delete: no breakpoint '{n}' (see `breaks`)")),
        },
        ("show", ["packet", n]) => show_packet(s, n),
        ("show", _) => error("show: say `show packet N`"),
        ("ladder", names) => Reply::text(ladder_of(s, names)),
        ("save", [file]) => save(s, file),
        ("reset", []) => s.reset(),
        (
            "help" | "nodes" | "links" | "topology" | "enter" | "step" | "back" | "continue"
            | "save" | "reset" | "exit" | "quit",
            _,
        ) => {
            let line = COMMANDS
                .iter()
                .find(|(n, _)| n == cmd)
                .map_or("", |(_, l)| l);
            error(format!("usage: {}", line.split("  ").next().unwrap_or(cmd)))
        }
        _ => return None,
    })
}

fn error(msg: impl std::fmt::Display) -> Reply {
    Reply::error(msg)
}

fn help() -> String {
    let mut h = String::from("netstep commands:\n");
    for (_, line) in COMMANDS {
        h += &format!("  {line}\n");
    }
    h += "Anything else is a lab statement (`host a b`, `link a:eth0 sw1`, `expect …`) or\n";
    h += "`NODE: COMMAND`, a Linux command run on NODE (`client: ping -c1 rs1`).\n";
    h
}

fn nodes(s: &Session) -> String {
    let mut out = String::new();
    for slot in &s.world().nodes {
        let ifaces = match slot.node.host() {
            Some(h) => h
                .kernel
                .devs
                .iter()
                .map(|d| d.name.clone())
                .collect::<Vec<_>>()
                .join(" "),
            None => format!("{} ports", slot.ports.len()),
        };
        out += &format!("{:<10} {:<7} {ifaces}\n", slot.name, slot.node.kind());
    }
    if out.is_empty() {
        out = "no nodes yet (declare some: `host a b`, `switch sw1`)\n".into();
    }
    out
}

fn links(s: &Session) -> String {
    let w = s.world();
    let mut out = String::new();
    for link in &w.links {
        let end = |e: crate::sim::link::Endpoint| {
            format!(
                "{}:{}",
                w.nodes[e.node].name,
                w.nodes[e.node].node.port_name(e.port)
            )
        };
        let p = &link.params;
        out += &format!(
            "{} — {}  delay {}ns mtu {} loss {}%{}\n",
            end(link.ends[0]),
            end(link.ends[1]),
            p.delay_ns,
            p.mtu,
            p.loss_pct,
            if link.up { "" } else { "  DOWN" }
        );
    }
    if out.is_empty() {
        out = "no links yet\n".into();
    }
    out
}

fn topology(s: &Session) -> Reply {
    match crate::lab::parse_lab("<session>", &s.as_lab()) {
        Ok(lines) => Reply::text(crate::lab::draw::dot(&crate::lab::draw::topology(&lines))),
        Err(e) => error(e),
    }
}

fn enter(s: &mut Session, node: &str) -> Reply {
    match s.world().node_index(node) {
        Some(_) => {
            s.node = Some(node.to_string());
            Reply::default()
        }
        None => error(format!("enter: no node '{node}' (see `nodes`)")),
    }
}

fn show_packet(s: &Session, n: &str) -> Reply {
    let Ok(n) = n.parse::<u64>() else {
        return error(format!("show packet: '{n}' is not an event number"));
    };
    match layers::show_packet(&s.world().trace, n) {
        Ok(text) => Reply::text(text),
        Err(e) => error(format!("show packet: {e}")),
    }
}

fn ladder_of(s: &Session, names: &[&str]) -> String {
    let w = s.world();
    let declared: Vec<&str> = w.nodes.iter().map(|n| n.name.as_str()).collect();
    let mut cols = ladder::column_order(&w.trace, &declared);
    if !names.is_empty() {
        cols.retain(|c| names.contains(c));
    }
    ladder::ladder(&w.trace, &cols)
}

fn save(s: &mut Session, file: &str) -> Reply {
    match s.save(file) {
        Ok(n) => Reply::text(format!("saved {n} lines to {file}\n")),
        Err(e) => error(format!("save {e}")),
    }
}
