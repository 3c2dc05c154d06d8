//! Tab completion: meta commands, node names and `NODE:` prefixes, the commands a node runs
//! (and their options), interface names, and paths in the node's files.

use super::meta::COMMANDS;
use super::session::Session;

/// Where the word being completed starts, and what it may become (sorted, no duplicates).
pub fn candidates(s: &Session, line: &str, pos: usize) -> (usize, Vec<String>) {
    let head = &line[..pos.min(line.len())];
    let start = head.rfind([' ', '\t']).map_or(0, |i| i + 1);
    let word = &head[start..];
    let before: Vec<&str> = head[..start].split_whitespace().collect();
    let node = node_of(s, &before);
    let mut out: Vec<String> = match (before.as_slice(), &node) {
        ([], None) => first_words(s),
        (["enter" | "ladder"], _) | (["ladder", ..], _) => node_names(s),
        (["help"], _) => COMMANDS.iter().map(|(c, _)| c.to_string()).collect(),
        (["show"], _) => vec!["packet".into()],
        (_, Some((n, args))) if args.is_empty() => tools(),
        (_, Some((n, args))) => node_words(s, n, args, word),
        _ => Vec::new(),
    };
    out.retain(|c| c.starts_with(word));
    out.sort();
    out.dedup();
    (start, out)
}

/// At the prompt's first word: meta commands, statements, and `NODE:` for every node.
fn first_words(s: &Session) -> Vec<String> {
    let mut v: Vec<String> = COMMANDS.iter().map(|(c, _)| c.to_string()).collect();
    v.extend(["host", "router", "switch", "hub", "link", "expect"].map(String::from));
    match &s.node {
        Some(_) => v.extend(tools()),
        None => v.extend(node_names(s).into_iter().map(|n| format!("{n}:"))),
    }
    v
}

fn node_names(s: &Session) -> Vec<String> {
    s.world().nodes.iter().map(|n| n.name.clone()).collect()
}

/// The node a command line is for (`NODE:` typed, or the entered node) and the words after it.
fn node_of<'a>(s: &'a Session, before: &[&'a str]) -> Option<(String, Vec<&'a str>)> {
    if let Some((first, rest)) = before.split_first() {
        if let Some(n) = first.strip_suffix(':') {
            return Some((n.to_string(), rest.to_vec()));
        }
    }
    s.node.clone().map(|n| (n, before.to_vec()))
}

/// The programs a node can run.
fn tools() -> Vec<String> {
    crate::user::tools::NAMES
        .iter()
        .map(|t| t.to_string())
        .collect()
}

/// After the command name: its options, the node's interfaces, or paths in its files.
fn node_words(s: &Session, node: &str, args: &[&str], word: &str) -> Vec<String> {
    let Some(h) = s
        .world()
        .node_index(node)
        .and_then(|i| s.world().nodes[i].node.host())
    else {
        return Vec::new();
    };
    if word.starts_with('/') {
        return paths(h, word);
    }
    let mut v: Vec<String> = h.kernel.devs.iter().map(|d| d.name.clone()).collect();
    v.extend(
        options(args.first().copied().unwrap_or(""))
            .iter()
            .map(|o| o.to_string()),
    );
    v.extend(node_names(s));
    v
}

/// Entries of the directory a path is being typed in (directories get a trailing `/`).
fn paths(h: &crate::node::host::Host, word: &str) -> Vec<String> {
    let dir = match word.rfind('/') {
        Some(0) => "/",
        Some(i) => &word[..i],
        None => "/",
    };
    let prefix = if dir == "/" {
        "/".to_string()
    } else {
        format!("{dir}/")
    };
    let Ok(names) = h.kernel.vfs.list(dir) else {
        return Vec::new();
    };
    names
        .into_iter()
        .map(|n| {
            let full = format!("{prefix}{n}");
            if h.kernel.vfs.is_dir(&full) {
                full + "/"
            } else {
                full
            }
        })
        .collect()
}

/// The options of the commands a lesson types most.
fn options(cmd: &str) -> &'static [&'static str] {
    match cmd {
        "ping" => &["-c", "-i", "-I", "-t", "-W", "-w", "-s", "-q", "-n"],
        "ipvsadm" => &[
            "-A", "-E", "-D", "-a", "-e", "-d", "-C", "-L", "-l", "-n", "-c", "-t", "-u", "-f",
            "-s", "-p", "-r", "-g", "-m", "-i", "-w", "--stats", "--rate", "-S", "-R", "-Z",
        ],
        "route" => &[
            "-n", "-e", "add", "del", "-net", "-host", "default", "gw", "netmask", "dev",
        ],
        "arp" => &["-a", "-n", "-e", "-d", "-s", "-i"],
        "netstat" => &[
            "-natp", "-nat", "-ntp", "-lnt", "-nuap", "-natpo", "-rn", "-i",
        ],
        "ifconfig" => &["up", "down", "netmask", "broadcast", "mtu", "hw"],
        "curl" => &["-s", "-v", "-I", "-o", "-m", "--connect-timeout"],
        "iptables" => &[
            "-t",
            "mangle",
            "-A",
            "-L",
            "-n",
            "-v",
            "-S",
            "-F",
            "PREROUTING",
            "-j",
            "MARK",
            "--set-mark",
        ],
        "tcpdump" => &["-i", "-n", "-e", "-c", "-w"],
        _ => &[],
    }
}
