//! /etc/resolv.conf as glibc's res_init reads it (resolv.conf(5)): `nameserver` (at most
//! three, MAXNS), `search` and `domain` (the last one wins), `options timeout:N attempts:N
//! ndots:N`. glibc skips a line it cannot use without a word; netstep does the same but
//! keeps the complaint, with file and line, so the trace can say why a server was ignored.

use std::net::Ipv4Addr;

pub const PATH: &str = "/etc/resolv.conf";
const MAXNS: usize = 3;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvConf {
    /// Empty file or no `nameserver` line: glibc asks 127.0.0.1.
    pub servers: Vec<Ipv4Addr>,
    pub search: Vec<String>,
    /// Seconds per try (RES_TIMEOUT 5, at most 30).
    pub timeout: u64,
    /// Rounds over the server list (RES_DFLRETRY 2, at most 5).
    pub attempts: u32,
    pub ndots: usize,
    /// Lines glibc ignored: "/etc/resolv.conf:3: …".
    pub ignored: Vec<String>,
}

impl Default for ResolvConf {
    fn default() -> ResolvConf {
        ResolvConf {
            servers: Vec::new(),
            search: Vec::new(),
            timeout: 5,
            attempts: 2,
            ndots: 1,
            ignored: Vec::new(),
        }
    }
}

impl ResolvConf {
    /// The servers to ask, in order (127.0.0.1 when the file names none).
    pub fn servers(&self) -> Vec<Ipv4Addr> {
        match self.servers.is_empty() {
            true => vec![Ipv4Addr::LOCALHOST],
            false => self.servers.clone(),
        }
    }
}

pub fn parse(text: &str) -> ResolvConf {
    let mut rc = ResolvConf::default();
    for (n, line) in text.lines().enumerate() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some((&key, args)) = words.split_first() else {
            continue;
        };
        if key.starts_with('#') || key.starts_with(';') {
            continue;
        }
        if let Err(why) = apply(&mut rc, key, args) {
            rc.ignored.push(format!("{PATH}:{}: {why}", n + 1));
        }
    }
    rc
}

fn apply(rc: &mut ResolvConf, key: &str, args: &[&str]) -> Result<(), String> {
    match key {
        "nameserver" => {
            let ip = args
                .first()
                .and_then(|a| a.parse::<Ipv4Addr>().ok())
                .ok_or("'nameserver' needs an IPv4 address")?;
            if rc.servers.len() == MAXNS {
                return Err(format!("more than {MAXNS} name servers: {ip} ignored"));
            }
            rc.servers.push(ip);
        }
        "search" | "domain" if !args.is_empty() => {
            rc.search = args
                .iter()
                .map(|d| d.trim_end_matches('.').to_string())
                .collect();
        }
        "options" => args.iter().try_for_each(|o| option(rc, o))?,
        "sortlist" => {}
        _ => return Err(format!("unknown keyword '{key}'")),
    }
    Ok(())
}

fn option(rc: &mut ResolvConf, opt: &str) -> Result<(), String> {
    let (name, value) = opt.split_once(':').unwrap_or((opt, ""));
    let number = || {
        value
            .parse::<u64>()
            .map_err(|_| format!("option '{opt}' needs a number"))
    };
    match name {
        "timeout" => rc.timeout = number()?.clamp(1, 30),
        "attempts" => rc.attempts = number()?.clamp(1, 5) as u32,
        "ndots" => rc.ndots = number()?.min(15) as usize,
        // Options that change nothing a lab can observe are accepted silently.
        _ => {}
    }
    Ok(())
}

/// The names res_search tries, in order: with fewer than `ndots` dots the search domains
/// first and the name as given last; otherwise the name first. A trailing dot means exactly
/// that name.
pub fn candidates(rc: &ResolvConf, name: &str) -> Vec<String> {
    if let Some(exact) = name.strip_suffix('.') {
        return vec![exact.to_string()];
    }
    let searched = rc.search.iter().map(|d| format!("{name}.{d}"));
    if name.matches('.').count() >= rc.ndots {
        std::iter::once(name.to_string()).chain(searched).collect()
    } else {
        searched.chain(std::iter::once(name.to_string())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_search_and_options() {
        let rc = parse(
            "# lab\nnameserver 10.0.2.53\nnameserver 10.0.2.54\nsearch example.lab lab.\noptions timeout:2 attempts:3 ndots:2 rotate\n",
        );
        assert_eq!(
            rc.servers,
            vec![Ipv4Addr::new(10, 0, 2, 53), Ipv4Addr::new(10, 0, 2, 54)]
        );
        assert_eq!(rc.search, vec!["example.lab", "lab"]);
        assert_eq!((rc.timeout, rc.attempts, rc.ndots), (2, 3, 2));
        assert!(rc.ignored.is_empty());
    }

    #[test]
    fn bad_lines_are_skipped_and_named() {
        let rc = parse("nameserver ns1\nnameserver 10.0.0.1\nfoo bar\noptions timeout:x\n");
        assert_eq!(rc.servers, vec![Ipv4Addr::new(10, 0, 0, 1)]);
        assert_eq!(
            rc.ignored,
            vec![
                "/etc/resolv.conf:1: 'nameserver' needs an IPv4 address",
                "/etc/resolv.conf:3: unknown keyword 'foo'",
                "/etc/resolv.conf:4: option 'timeout:x' needs a number",
            ]
        );
    }

    #[test]
    fn no_server_means_localhost_and_a_fourth_is_ignored() {
        assert_eq!(parse("").servers(), vec![Ipv4Addr::LOCALHOST]);
        let rc = parse(
            "nameserver 1.1.1.1\nnameserver 1.1.1.2\nnameserver 1.1.1.3\nnameserver 1.1.1.4\n",
        );
        assert_eq!(rc.servers.len(), 3);
        assert_eq!(rc.ignored.len(), 1);
    }

    #[test]
    fn search_order_follows_ndots() {
        let rc = parse("search example.lab\n");
        assert_eq!(candidates(&rc, "www"), vec!["www.example.lab", "www"]);
        assert_eq!(
            candidates(&rc, "www.example.lab"),
            vec!["www.example.lab", "www.example.lab.example.lab"]
        );
        assert_eq!(candidates(&rc, "www.example.lab."), vec!["www.example.lab"]);
    }
}
