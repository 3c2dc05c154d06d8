//! The checkers' own keywords (check_http.c, check_tcp.c, check_misc.c, check_ping.c):
//! HTTP_GET/SSL_GET with their `url` blocks, TCP_CHECK, MISC_CHECK, PING_CHECK.

use super::stream::{Kind, Parser, Section};
use super::types::CheckKind;
use std::net::Ipv4Addr;

pub(super) fn checker_keyword(word: &str, kind: &CheckKind) -> Option<Kind> {
    let common = matches!(
        word,
        "connect_ip"
            | "connect_port"
            | "bindto"
            | "bind_port"
            | "bind_if"
            | "fwmark"
            | "connect_timeout"
            | "retry"
            | "delay_before_retry"
            | "warmup"
            | "delay_loop"
            | "alpha"
    );
    if common {
        return Some(Kind::Leaf);
    }
    match (kind, word) {
        (CheckKind::Http { .. }, "url") => Some(Kind::Block(Section::Url)),
        (
            CheckKind::Http { .. },
            "nb_get_retry" | "virtualhost" | "http_protocol" | "enable_sni" | "fast_recovery",
        ) => Some(Kind::Leaf),
        (CheckKind::Misc { .. }, "misc_path" | "misc_timeout" | "misc_dynamic" | "user") => {
            Some(Kind::Leaf)
        }
        _ => None,
    }
}

impl Parser<'_> {
    pub(super) fn checker_leaf(&mut self, words: &[String]) {
        let key = words[0].as_str();
        if matches!(key, "misc_dynamic" | "enable_sni" | "fast_recovery") {
            if let Some(CheckKind::Misc { dynamic, .. }) = self.checker().map(|c| &mut c.kind) {
                *dynamic = true;
            }
            return;
        }
        let Some(v) = self.arg(words, 1).map(str::to_string) else {
            return;
        };
        match key {
            "connect_ip" | "bindto" => match v.parse::<Ipv4Addr>() {
                Ok(a) => {
                    if let Some(c) = self.checker() {
                        if key == "connect_ip" {
                            c.connect_ip = Some(a)
                        } else {
                            c.bindto = Some(a)
                        }
                    }
                }
                Err(_) => self.error(format!("invalid {key} address {v} - ignoring")),
            },
            "connect_port" => match self.unsigned(&v, 1, 65535, true) {
                Some(p) => {
                    if let Some(c) = self.checker() {
                        c.connect_port = Some(p as u16)
                    }
                }
                None => self.error(format!("Invalid checker connect_port '{v}'")),
            },
            "misc_path" => {
                let script = words[1..].join(" ");
                if let Some(CheckKind::Misc { path, .. }) = self.checker().map(|c| &mut c.kind) {
                    *path = Some(script);
                }
            }
            "misc_timeout" => {
                let t = self.unsigned(&v, 0, u32::MAX / 1_000_000, true);
                if let (Some(t), Some(CheckKind::Misc { timeout, .. })) =
                    (t, self.checker().map(|c| &mut c.kind))
                {
                    *timeout = Some(u64::from(t) * 1_000_000);
                }
            }
            "http_protocol" => {
                if let Some(CheckKind::Http { http_protocol, .. }) =
                    self.checker().map(|c| &mut c.kind)
                {
                    *http_protocol = Some(v);
                }
            }
            // bind_port, bind_if, fwmark, user: read, not simulated.
            _ => {}
        }
    }

    pub(super) fn url_leaf(&mut self, words: &[String]) {
        let Some(v) = self.arg(words, 1).map(str::to_string) else {
            return;
        };
        let codes = if words[0] == "status_code" {
            match status_codes(&words[1..]) {
                Some(c) => Some(c),
                None => {
                    self.error(format!(
                        "Invalid HTTP_GET status code '{}'",
                        words[1..].join(" ")
                    ));
                    return;
                }
            }
        } else {
            None
        };
        let Some(CheckKind::Http { urls, .. }) = self.checker().map(|c| &mut c.kind) else {
            return;
        };
        let Some(url) = urls.last_mut() else {
            return;
        };
        match words[0].as_str() {
            "path" => url.path = Some(v),
            "digest" => url.digest = Some(v.to_ascii_lowercase()),
            "status_code" => url.status_codes = codes.unwrap_or_default(),
            "virtualhost" => url.virtualhost = Some(v),
            _ => {}
        }
    }
}

/// `status_code 200`, `200-299 301`: ranges and single codes.
pub(super) fn status_codes(words: &[String]) -> Option<Vec<(u16, u16)>> {
    let mut out = Vec::new();
    for w in words.iter().flat_map(|w| w.split(',')) {
        let (a, b) = w.split_once('-').unwrap_or((w, w));
        let (a, b) = (a.parse::<u16>().ok()?, b.parse::<u16>().ok()?);
        if !(100..=599).contains(&a) || !(100..=599).contains(&b) || a > b {
            return None;
        }
        out.push((a, b));
    }
    (!out.is_empty()).then_some(out)
}
