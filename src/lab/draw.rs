//! `netstep draw LAB`: the lab's topology (its `host`, `router`, `switch`, `hub` and `link`
//! statements) as Graphviz DOT, or as SVG laid out here without Graphviz: nodes in layers by
//! their distance from the first node declared, one column per layer, links as straight
//! lines labelled with the interfaces they plug into.

use super::parse::{Line, Stmt};
use crate::sim::link::LinkParams;
use std::collections::BTreeMap;

pub struct Topology {
    pub title: String,
    /// (name, kind) in declaration order.
    pub nodes: Vec<(String, String)>,
    /// (a, a's interface, b, b's interface, link parameters as text).
    pub links: Vec<(String, String, String, String, String)>,
}

/// The topology statements of a parsed lab. A switch or hub port gets the number the world
/// gives it (its links in order, from 1).
pub fn topology(lines: &[Line]) -> Topology {
    let mut t = Topology {
        title: String::new(),
        nodes: Vec::new(),
        links: Vec::new(),
    };
    let mut ports: BTreeMap<String, usize> = BTreeMap::new();
    for l in lines {
        match &l.stmt {
            Stmt::Title(s) => t.title = s.clone(),
            Stmt::Nodes { kind, names } => {
                t.nodes
                    .extend(names.iter().map(|n| (n.clone(), kind.clone())));
            }
            Stmt::Link { a, b, params } => {
                let mut end = |(node, iface): &(String, Option<String>)| {
                    let n = ports.entry(node.clone()).or_insert(0);
                    *n += 1;
                    (
                        node.clone(),
                        iface.clone().unwrap_or_else(|| format!("port{n}")),
                    )
                };
                let (an, ai) = end(a);
                let (bn, bi) = end(b);
                t.links.push((an, ai, bn, bi, describe(params)));
            }
            _ => {}
        }
    }
    t
}

/// `delay 1ms rate 100Mbit loss 1%`: what differs from a default link.
fn describe(p: &LinkParams) -> String {
    let d = LinkParams::default();
    let mut parts = Vec::new();
    if p.delay_ns != d.delay_ns {
        parts.push(format!("delay {}", duration(p.delay_ns)));
    }
    if let Some(r) = p.rate_bps.filter(|_| p.rate_bps != d.rate_bps) {
        parts.push(format!("rate {r}bit/s"));
    }
    if p.loss_pct != d.loss_pct {
        parts.push(format!("loss {}%", p.loss_pct));
    }
    if p.mtu != d.mtu {
        parts.push(format!("mtu {}", p.mtu));
    }
    parts.join(" ")
}

/// `1ms`, `250us`, `3s`: a duration as a lab writes it.
fn duration(ns: u64) -> String {
    match ns {
        n if n % 1_000_000_000 == 0 => format!("{}s", n / 1_000_000_000),
        n if n % 1_000_000 == 0 => format!("{}ms", n / 1_000_000),
        n if n % 1_000 == 0 => format!("{}us", n / 1_000),
        n => format!("{n}ns"),
    }
}

fn shape(kind: &str) -> &'static str {
    match kind {
        "router" => "ellipse",
        "switch" => "diamond",
        "hub" => "hexagon",
        _ => "box",
    }
}

/// A DOT string. Lab names are plain words; only a title may hold a quote.
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\\\""))
}

pub fn dot(t: &Topology) -> String {
    let mut s = format!(
        "graph {} {{\n  rankdir=LR;\n  node [fontname=\"monospace\"];\n",
        quote(&t.title)
    );
    for (name, kind) in &t.nodes {
        s += &format!(
            "  {} [shape={}, label={}];\n",
            quote(name),
            shape(kind),
            quote(&format!("{name}\\n{kind}"))
        );
    }
    for (a, ai, b, bi, label) in &t.links {
        let params = match label.is_empty() {
            true => String::new(),
            false => format!(", label={}", quote(label)),
        };
        s += &format!(
            "  {} -- {} [taillabel={}, headlabel={}{params}];\n",
            quote(a),
            quote(b),
            quote(ai),
            quote(bi),
        );
    }
    s + "}\n"
}

/// Layers by breadth-first distance from the first node (unconnected nodes last).
fn layers(t: &Topology) -> Vec<Vec<&str>> {
    let mut depth: BTreeMap<&str, usize> = BTreeMap::new();
    let mut queue: Vec<&str> = t
        .nodes
        .first()
        .map(|(n, _)| n.as_str())
        .into_iter()
        .collect();
    if let Some(first) = queue.first() {
        depth.insert(first, 0);
    }
    let mut i = 0;
    while let Some(&n) = queue.get(i) {
        i += 1;
        let d = depth.get(n).copied().unwrap_or(0);
        for (a, _, b, _, _) in &t.links {
            let other = match (a.as_str() == n, b.as_str() == n) {
                (true, _) => b.as_str(),
                (_, true) => a.as_str(),
                _ => continue,
            };
            if !depth.contains_key(other) {
                depth.insert(other, d + 1);
                queue.push(other);
            }
        }
    }
    let deepest = depth.values().max().copied().unwrap_or(0);
    let mut out: Vec<Vec<&str>> = vec![Vec::new(); deepest + 2];
    for (name, _) in &t.nodes {
        let d = depth.get(name.as_str()).copied().unwrap_or(deepest + 1);
        out[d].push(name);
    }
    out.retain(|l| !l.is_empty());
    out
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const COL: usize = 200;
const ROW: usize = 90;

/// The topology as a standalone SVG document.
pub fn svg(t: &Topology) -> String {
    let layers = layers(t);
    let mut at: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (c, layer) in layers.iter().enumerate() {
        for (r, n) in layer.iter().enumerate() {
            at.insert(n, (60 + c * COL, 60 + r * ROW));
        }
    }
    let tallest = layers.iter().map(Vec::len).max().unwrap_or(1);
    let (w, h) = (layers.len() * COL + 40, tallest * ROW + 60);
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"monospace\" font-size=\"12\">\n<title>{}</title>\n",
        xml(&t.title)
    );
    for (a, ai, b, bi, label) in &t.links {
        let (Some(&(x1, y1)), Some(&(x2, y2))) = (at.get(a.as_str()), at.get(b.as_str())) else {
            continue;
        };
        s += &format!("<line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\" stroke=\"black\"/>\n");
        let (mx, my) = ((x1 + x2) / 2, (y1 + y2) / 2);
        if !label.is_empty() {
            s += &format!(
                "<text x=\"{mx}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                my.saturating_sub(4),
                xml(label)
            );
        }
        for (x, y, ox, oy, iface) in [(x1, y1, x2, y2, ai), (x2, y2, x1, y1, bi)] {
            // The interface name a quarter of the way along, on its own node's side.
            let (tx, ty) = ((3 * x + ox) / 4, (3 * y + oy) / 4 + 14);
            s += &format!(
                "<text x=\"{tx}\" y=\"{ty}\" text-anchor=\"middle\" fill=\"#555\">{}</text>\n",
                xml(iface)
            );
        }
    }
    for (name, kind) in &t.nodes {
        let Some(&(x, y)) = at.get(name.as_str()) else {
            continue;
        };
        s += &format!(
            "<rect x=\"{}\" y=\"{}\" width=\"110\" height=\"36\" rx=\"{}\" fill=\"white\" stroke=\"black\"/>\n",
            x.saturating_sub(55),
            y.saturating_sub(18),
            if kind == "host" { 2 } else { 14 }
        );
        s += &format!(
            "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
            y.saturating_sub(2),
            xml(name)
        );
        s += &format!(
            "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555\">{}</text>\n",
            y + 12,
            xml(kind)
        );
    }
    s + "</svg>\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::parse_lab;

    const LAB: &str = "title \"a <small> \\\"lab\\\"\"\nhost a b\nrouter r\nswitch sw\nlink a:eth0 sw\nlink r:eth0 sw\nlink r:eth1 b:eth0 delay 1ms\n";

    fn topo() -> Topology {
        topology(&parse_lab("t.lab", LAB).expect("parses"))
    }

    #[test]
    fn dot_lists_nodes_by_kind_and_links_by_interface() {
        let d = dot(&topo());
        assert!(
            d.contains("  \"a\" [shape=box, label=\"a\\nhost\"];\n"),
            "{d}"
        );
        assert!(
            d.contains("  \"r\" [shape=ellipse, label=\"r\\nrouter\"];\n"),
            "{d}"
        );
        assert!(
            d.contains("  \"sw\" [shape=diamond, label=\"sw\\nswitch\"];\n"),
            "{d}"
        );
        assert!(
            d.contains("  \"a\" -- \"sw\" [taillabel=\"eth0\", headlabel=\"port1\"];\n"),
            "{d}"
        );
        assert!(
            d.contains(
                "  \"r\" -- \"b\" [taillabel=\"eth1\", headlabel=\"eth0\", label=\"delay 1ms\"];\n"
            ),
            "{d}"
        );
    }

    /// Well-formed enough for an XML parser: every tag closed in order, escapes in text.
    fn well_formed(doc: &str) -> Result<(), String> {
        let mut open: Vec<String> = Vec::new();
        let body = doc.split_once("?>").map_or(doc, |(_, b)| b);
        for piece in body.split('<').skip(1) {
            let (tag, text) = piece.split_once('>').ok_or("unclosed <")?;
            if text.contains('&')
                && !text.contains("&lt;")
                && !text.contains("&amp;")
                && !text.contains("&quot;")
                && !text.contains("&gt;")
            {
                return Err(format!("bare & in {text}"));
            }
            let name = tag
                .trim_start_matches('/')
                .split(' ')
                .next()
                .unwrap_or("")
                .trim_end_matches('/')
                .to_string();
            if tag.starts_with('/') {
                if open.pop() != Some(name.clone()) {
                    return Err(format!("</{name}> closes nothing"));
                }
            } else if !tag.ends_with('/') {
                open.push(name);
            }
        }
        match open.is_empty() {
            true => Ok(()),
            false => Err(format!("left open: {open:?}")),
        }
    }

    #[test]
    fn svg_is_well_formed_and_shows_every_node_and_interface() {
        let s = svg(&topo());
        assert_eq!(well_formed(&s), Ok(()), "{s}");
        for word in [
            ">a<",
            ">b<",
            ">r<",
            ">sw<",
            ">eth1<",
            ">port2<",
            ">delay 1ms<",
            "a &lt;small&gt; &quot;lab&quot;",
        ] {
            assert!(s.contains(word), "{word} missing in\n{s}");
        }
    }

    #[test]
    fn layers_follow_the_distance_from_the_first_node() {
        let t = topo();
        assert_eq!(
            layers(&t),
            vec![vec!["a"], vec!["sw"], vec!["r"], vec!["b"]]
        );
    }
}
