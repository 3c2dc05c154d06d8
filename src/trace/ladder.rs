//! The ladder (sequence) diagram of a run: one column per node, time down the left, one
//! arrow per frame from the node that sent it to the node that received it, labelled as
//! the diagram labels of trace/tcpdump say (`ARP who-has 10.0.0.2`, `SYN`, `SYN/ACK`,
//! `GET /`, `FIN/ACK`). Commands typed on a node appear as notes between the arrows, so the
//! frames each one caused sit under it.

use super::entry::{TraceEntry, TraceKind};
use super::tcpdump;

/// Width of the time gutter: `  1.000312s` and two spaces.
const GUTTER: usize = 13;

/// The columns: each node's lifeline at the middle of a cell wide enough for every name.
struct Columns<'a> {
    names: Vec<&'a str>,
    width: usize,
}

impl Columns<'_> {
    fn center(&self, i: usize) -> usize {
        GUTTER + i * self.width + self.width / 2
    }

    fn len(&self) -> usize {
        GUTTER + self.names.len() * self.width
    }

    /// A row of lifelines, as characters, ready to be drawn on.
    fn blank(&self) -> Vec<char> {
        let mut row = vec![' '; self.len()];
        for i in 0..self.names.len() {
            row[self.center(i)] = '│';
        }
        row
    }
}

/// The diagram of `entries` over `nodes` (in their order); frames between nodes not listed
/// are left out.
pub fn ladder(entries: &[TraceEntry], nodes: &[&str]) -> String {
    // Wide enough for `ARP who-has 192.168.10.200` between neighbouring columns.
    let width = (nodes.iter().map(|n| n.chars().count()).max().unwrap_or(0) + 4).max(30);
    let cols = Columns {
        names: nodes.to_vec(),
        width,
    };
    let mut out = header(&cols);
    for (time, row) in rows(entries, nodes) {
        let body = match row {
            Row::Arrow(a, b, label) => arrow(&cols, a, b, &label),
            Row::Note(text) => note(&cols, &text),
        };
        // The time is written over the start of the row's gutter.
        let time = format!("{time:>11}");
        let rest: String = body.into_iter().skip(time.chars().count()).collect();
        out += &format!("{time}{}\n", rest.trim_end());
    }
    out
}

/// Columns in the order frames first reach them (sender before receiver), so a path
/// client → switch → server reads left to right; silent nodes follow in declared order.
pub fn column_order<'a>(entries: &'a [TraceEntry], declared: &[&'a str]) -> Vec<&'a str> {
    let mut order: Vec<&str> = Vec::new();
    for e in entries {
        if let TraceKind::Rx { node, from, .. } = &e.kind {
            for n in [from.as_str(), node.as_str()] {
                if !order.contains(&n) && declared.contains(&n) {
                    order.push(n);
                }
            }
        }
    }
    for n in declared {
        if !order.contains(n) {
            order.push(n);
        }
    }
    order
}

fn header(cols: &Columns) -> String {
    let mut row = vec![' '; cols.len()];
    for (i, name) in cols.names.iter().enumerate() {
        let start = cols.center(i) - name.chars().count() / 2;
        for (k, ch) in name.chars().enumerate() {
            row[start + k] = ch;
        }
    }
    let names: String = row.into_iter().collect();
    let lines: String = cols.blank().into_iter().collect();
    format!("{}\n{}\n", names.trim_end(), lines.trim_end())
}

/// `│──SYN──────►│`: from the sender's lifeline to the receiver's, the label in the middle.
fn arrow(cols: &Columns, a: usize, b: usize, label: &str) -> Vec<char> {
    let (l, r) = (cols.center(a.min(b)), cols.center(a.max(b)));
    let mut row = cols.blank();
    for c in row.iter_mut().take(r).skip(l + 1) {
        *c = '─';
    }
    if b > a {
        row[r - 1] = '►';
    } else {
        row[l + 1] = '◄';
    }
    // The label sits inside the shaft, cut to fit with a character of shaft each side.
    let room = (r - l).saturating_sub(4);
    let text: Vec<char> = label.chars().take(room).collect();
    let start = l + 2 + (room - text.len()) / 2;
    for (k, ch) in text.into_iter().enumerate() {
        row[start + k] = ch;
    }
    row
}

/// A command typed on a node, written across the lifelines.
fn note(cols: &Columns, text: &str) -> Vec<char> {
    let mut row = cols.blank();
    let shown: Vec<char> = format!(" {text} ").chars().collect();
    let start = GUTTER;
    for (k, ch) in shown.into_iter().enumerate() {
        match row.get_mut(start + k) {
            Some(c) => *c = ch,
            None => row.push(ch),
        }
    }
    row
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One row of the diagram: a frame from one column to another, or a command typed on a node.
enum Row {
    Arrow(usize, usize, String),
    Note(String),
}

/// The rows of `entries` among `nodes`, each with its time.
fn rows(entries: &[TraceEntry], nodes: &[&str]) -> Vec<(String, Row)> {
    let pos = |n: &str| nodes.iter().position(|m| *m == n);
    entries
        .iter()
        .filter_map(|e| {
            let row = match &e.kind {
                TraceKind::Rx {
                    node, from, frame, ..
                } => Row::Arrow(pos(from)?, pos(node)?, tcpdump::label(frame)),
                TraceKind::Command { node, line } if pos(node).is_some() => {
                    Row::Note(format!("{node}# {line}"))
                }
                _ => return None,
            };
            Some((e.time.to_string().trim().to_string(), row))
        })
        .collect()
}

/// The same diagram as SVG (`--ladder-svg FILE`): lifelines, one arrow per frame with its
/// label, the time of each row at the left, commands as grey notes.
pub fn ladder_svg(entries: &[TraceEntry], nodes: &[&str]) -> String {
    const COL: usize = 200;
    const ROW: usize = 22;
    let x = |i: usize| 140 + i * COL;
    let rows = rows(entries, nodes);
    let (w, h) = (x(nodes.len()), 60 + (rows.len() + 1) * ROW);
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"monospace\" font-size=\"12\">\n"
    );
    for (i, n) in nodes.iter().enumerate() {
        s += &format!(
            "<text x=\"{}\" y=\"20\" text-anchor=\"middle\">{}</text>\n",
            x(i),
            xml(n)
        );
        s += &format!(
            "<line x1=\"{0}\" y1=\"30\" x2=\"{0}\" y2=\"{1}\" stroke=\"#999\"/>\n",
            x(i),
            h - 10
        );
    }
    for (k, (time, row)) in rows.iter().enumerate() {
        let y = 50 + k * ROW;
        s += &format!("<text x=\"10\" y=\"{y}\">{}</text>\n", xml(time));
        if let Row::Arrow(a, b, label) = row {
            let (x1, x2) = (x(*a), x(*b));
            let tip = if x2 > x1 { x2 - 8 } else { x2 + 8 };
            s += &format!(
                "<line x1=\"{x1}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"black\"/>\n"
            );
            s += &format!(
                "<polygon points=\"{x2},{y} {tip},{} {tip},{}\"/>\n",
                y - 4,
                y + 4
            );
            s += &format!(
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                (x1 + x2) / 2,
                y - 3,
                xml(label)
            );
        }
        if let Row::Note(text) = row {
            s += &format!(
                "<text x=\"{}\" y=\"{y}\" fill=\"#777\">{}</text>\n",
                x(0) + 6,
                xml(text)
            );
        }
    }
    s + "</svg>\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Time;

    fn rx(t: u64, from: &str, node: &str, frame: Vec<u8>) -> TraceEntry {
        TraceEntry {
            time: Time::from_secs(t),
            event: t,
            kind: TraceKind::Rx {
                node: node.into(),
                port: "eth0".into(),
                from: from.into(),
                frame,
            },
            reasons: Vec::new(),
        }
    }

    fn arp_request() -> Vec<u8> {
        let mut f = vec![0xff; 6];
        f.extend([2, 0, 0, 0, 1, 1, 0x08, 0x06]);
        f.extend([0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 1, 1, 10, 0, 0, 1]);
        f.extend([0, 0, 0, 0, 0, 0, 10, 0, 0, 2]);
        f
    }

    #[test]
    fn arrows_go_both_ways_with_their_labels() {
        let e = [
            rx(1, "a", "sw", arp_request()),
            rx(2, "sw", "b", arp_request()),
            rx(3, "b", "a", arp_request()),
        ];
        let got = ladder(&e, &["a", "sw", "b"]);
        let want = [
            "                            a                            sw                             b",
            "                            │                             │                             │",
            "  1.000000s                 │────ARP who-has 10.0.0.2────►│                             │",
            "  2.000000s                 │                             │────ARP who-has 10.0.0.2────►│",
            "  3.000000s                 │◄──────────────────ARP who-has 10.0.0.2────────────────────│",
            "",
        ];
        assert_eq!(got, want.join("\n"), "\n{got}");
    }

    #[test]
    fn columns_follow_the_path_of_the_first_frames() {
        let e = [
            rx(1, "client", "sw1", arp_request()),
            rx(2, "sw1", "server", arp_request()),
        ];
        let order = column_order(&e, &["client", "server", "idle", "sw1"]);
        assert_eq!(order, ["client", "sw1", "server", "idle"]);
    }

    #[test]
    fn the_svg_has_one_arrow_per_frame_and_escapes_text() {
        let e = [
            rx(1, "a", "b", arp_request()),
            rx(2, "b", "a", arp_request()),
        ];
        let s = ladder_svg(&e, &["a", "b"]);
        assert!(s.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg "));
        assert!(s.ends_with("</svg>\n"));
        assert_eq!(s.matches("<polygon ").count(), 2);
        assert_eq!(s.matches(">ARP who-has 10.0.0.2</text>").count(), 2);
        let cmd = TraceEntry {
            time: Time::from_secs(3),
            event: 3,
            kind: TraceKind::Command {
                node: "a".into(),
                line: "echo '<b>' && true".into(),
            },
            reasons: Vec::new(),
        };
        let s = ladder_svg(&[cmd], &["a", "b"]);
        assert!(
            s.contains(">a# echo '&lt;b&gt;' &amp;&amp; true</text>"),
            "{s}"
        );
    }

    #[test]
    fn frames_of_other_nodes_are_left_out() {
        let e = [rx(1, "x", "y", arp_request())];
        let got = ladder(&e, &["a", "b"]);
        assert_eq!(got.lines().count(), 2);
    }
}
