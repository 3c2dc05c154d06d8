//! One checker of a real server and its schedule (check_api.c, check_http.c's epilog,
//! check_tcp.c's tcp_epilog, check_misc.c, check_ping.c's icmp_epilog): when it runs next,
//! how many retries are left, and whether it says the server is up.

use super::super::conf::{trio, CheckKind, Checker as Conf, RealServer, VirtualServer};
use crate::sim::time::{Time, SEC};
use std::net::Ipv4Addr;

const US: u64 = 1_000;

/// The outcome of one attempt.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Up,
    /// Failed, with keepalived's phrase for why (logged only with checker_log_all_failures).
    Down(String),
    /// A MISC_CHECK with misc_dynamic that exited 2..255: up, with this weight.
    Weight(i32),
}

/// What the checker decided after an attempt: a log line, and a new state for its server.
#[derive(Debug, Default, PartialEq)]
pub struct Verdict {
    pub log: Vec<String>,
    /// Some(true): up now; Some(false): down now.
    pub state: Option<bool>,
    pub weight: Option<i32>,
}

pub struct Checker {
    pub conf: Conf,
    pub vs: usize,
    pub rs: usize,
    /// `[192.168.10.11]:tcp:80`: how keepalived names the server in its lines.
    pub name: String,
    pub vs_name: String,
    pub dst: (Ipv4Addr, u16),
    /// Microseconds, resolved through the cascade.
    pub delay_loop: u64,
    pub connect_timeout: u64,
    pub delay_before_retry: u64,
    pub retry: u32,
    pub warmup: u64,
    pub is_up: bool,
    pub has_run: bool,
    pub retry_it: u32,
    /// HTTP_GET: the url being checked (None: all done), and the one that failed.
    pub url_it: Option<usize>,
    pub failed_url: Option<usize>,
    pub next: Option<Time>,
    /// MISC_CHECK with misc_dynamic: the last exit status.
    pub last_exit: Option<i32>,
}

impl Checker {
    pub fn new(
        conf: Conf,
        (vsi, vs): (usize, &VirtualServer),
        (rsi, rs): (usize, &RealServer),
    ) -> Checker {
        let (c, r, v) = (&conf.defaults, &rs.defaults, &vs.defaults);
        let delay_loop = c
            .delay_loop
            .or(r.delay_loop)
            .or(v.delay_loop)
            .unwrap_or(60 * 1_000_000);
        let (default_retry, default_dbr) = match conf.kind {
            CheckKind::Http { .. } => (1, 3_000_000),
            CheckKind::Misc { .. } => (0, 1_000_000),
            _ => (1, 1_000_000),
        };
        let alpha = c.alpha.or(r.alpha).or(v.alpha).unwrap_or(false);
        let retry = c.retry.or(r.retry).or(v.retry).unwrap_or(default_retry);
        let port = conf.connect_port.unwrap_or(rs.port);
        Checker {
            vs: vsi,
            rs: rsi,
            name: trio(rs.addr, vs.protocol, rs.port),
            vs_name: super::super::conf::fmt_vs(vs),
            dst: (conf.connect_ip.unwrap_or(rs.addr), port),
            delay_loop,
            connect_timeout: c
                .connect_timeout
                .or(r.connect_timeout)
                .or(v.connect_timeout)
                .unwrap_or(5_000_000),
            delay_before_retry: c
                .delay_before_retry
                .or(r.delay_before_retry)
                .or(v.delay_before_retry)
                .unwrap_or(default_dbr),
            retry,
            warmup: c.warmup.or(r.warmup).or(v.warmup).unwrap_or(delay_loop),
            is_up: !alpha,
            has_run: false,
            // For non alpha mode, one failure is enough initially.
            retry_it: retry,
            url_it: Some(0),
            failed_url: None,
            next: None,
            last_exit: None,
            conf,
        }
    }

    /// register_checkers_thread: the first run after BOOTSTRAP_DELAY (1 s) and a random
    /// part of the warmup, so checks of one server do not all start together.
    pub fn schedule_first(&mut self, now: Time, random: u32) {
        let warm = if self.warmup > 0 {
            (u128::from(self.warmup) * u128::from(random) / u128::from(u32::MAX)) as u64
        } else {
            0
        };
        self.next = Some(now + SEC + warm * US);
    }

    fn after(&mut self, now: Time, us: u64) {
        self.next = Some(now + us * US);
    }

    /// The end of an attempt, by checker kind.
    pub fn done(&mut self, now: Time, outcome: Outcome) -> Verdict {
        match self.conf.kind {
            CheckKind::Http { .. } => self.http_epilog(now, outcome),
            CheckKind::Misc { .. } => self.misc_epilog(now, outcome),
            CheckKind::Tcp => self.tcp_epilog(now, outcome, "TCP connection to", "TCP_CHECK"),
            CheckKind::Ping => self.tcp_epilog(now, outcome, "ICMP connection to", "ICMP CHECK"),
        }
    }

    fn urls(&self) -> usize {
        match &self.conf.kind {
            CheckKind::Http { urls, .. } => urls.len().max(1),
            _ => 1,
        }
    }

    /// check_http.c: timeout_epilog, then epilog. A failed url is retried after
    /// delay_before_retry; `retry` failures more and the server is down. A server that was
    /// down needs its failed url to pass, then every url to pass again, before it is up.
    fn http_epilog(&mut self, now: Time, outcome: Outcome) -> Verdict {
        let mut v = Verdict::default();
        let success = !matches!(outcome, Outcome::Down(_));
        if !success && !self.is_up && self.has_run {
            // REGISTER_CHECKER_FAILED: a server known to be dead is not retried.
            self.after(now, self.delay_before_retry.max(self.delay_loop));
            return v;
        }
        if success {
            if !self.is_up {
                let path = self.url_path(self.url_it.unwrap_or(0));
                v.log.push(format!(
                    "HTTP status code success to {} url({path}).",
                    self.name
                ));
            }
            let next = self.url_it.unwrap_or(0) + 1;
            self.url_it = (next < self.urls()).then_some(next);
            self.retry_it = 0;
        } else {
            self.has_run = true;
            self.retry_it += 1;
        }
        if success && self.url_it.is_none() && self.failed_url.is_none() {
            if !self.is_up || !self.has_run {
                v.log.push(format!(
                    "Remote Web server {} succeed on service.",
                    self.name
                ));
                if !self.is_up {
                    v.state = Some(true);
                }
                self.is_up = true;
                self.has_run = true;
            }
            self.url_it = Some(0);
            self.retry_it = 0;
        } else if !success && self.retry_it > self.retry {
            if self.is_up {
                v.log.push(if self.retry > 0 {
                    format!(
                        "HTTP_CHECK on service {} failed after {} retries.",
                        self.name,
                        self.retry_it - 1
                    )
                } else {
                    format!("HTTP_CHECK on service {} failed.", self.name)
                });
                self.is_up = false;
                v.state = Some(false);
            }
            self.failed_url = Some(self.url_it.unwrap_or(0));
        } else if success && self.failed_url.is_some() {
            self.failed_url = None;
            self.url_it = Some(0);
            self.retry_it = 0;
        }
        let delay = if success {
            if !self.has_run {
                self.retry_it = self.retry;
            }
            self.delay_loop
        } else if self.failed_url.is_some() {
            self.delay_before_retry.max(self.delay_loop)
        } else {
            self.delay_before_retry
        };
        self.after(now, delay);
        v
    }

    fn url_path(&self, i: usize) -> String {
        match &self.conf.kind {
            CheckKind::Http { urls, .. } => urls
                .get(i)
                .and_then(|u| u.path.clone())
                .unwrap_or_else(|| "/".into()),
            _ => String::new(),
        }
    }

    /// check_tcp.c's tcp_epilog (and check_ping.c's icmp_epilog, the same shape).
    fn tcp_epilog(&mut self, now: Time, outcome: Outcome, what: &str, check: &str) -> Verdict {
        let mut v = Verdict::default();
        let ok = !matches!(outcome, Outcome::Down(_));
        if ok || self.retry_it >= self.retry {
            self.retry_it = 0;
            if ok && (!self.is_up || !self.has_run) {
                v.log.push(format!("{what} {} success.", self.name));
                if !self.is_up {
                    v.state = Some(true);
                }
                self.is_up = true;
            } else if !ok && (self.is_up || !self.has_run) {
                v.log.push(if self.retry > 0 && self.has_run {
                    format!(
                        "{check} on service {} failed after {} retries.",
                        self.name, self.retry
                    )
                } else {
                    format!("{check} on service {} failed.", self.name)
                });
                self.is_up = false;
                v.state = Some(false);
            }
            self.after(now, self.delay_loop);
        } else {
            self.retry_it += 1;
            self.after(now, self.delay_before_retry);
        }
        self.has_run = true;
        v
    }

    /// check_misc.c: exit 0 up, 1 down, 2..255 up with weight status-2 under misc_dynamic.
    fn misc_epilog(&mut self, now: Time, outcome: Outcome) -> Verdict {
        let mut v = Verdict::default();
        let script = match &self.conf.kind {
            CheckKind::Misc { path, .. } => path.clone().unwrap_or_default(),
            _ => String::new(),
        };
        let arg0 = script.split_whitespace().next().unwrap_or("").to_string();
        let (ok, reason) = match &outcome {
            Outcome::Up => (true, None),
            Outcome::Weight(w) => {
                v.weight = Some(*w);
                (true, None)
            }
            Outcome::Down(r) => (false, Some(r.clone())),
        };
        let mut report = None;
        if ok {
            if !self.is_up || !self.has_run {
                report = Some(("succeeded".to_string(), String::new()));
            }
            self.retry_it = 0;
        } else if self.is_up || !self.has_run {
            if self.retry_it < self.retry {
                self.retry_it += 1;
            } else {
                self.retry_it = 0;
                let msg = if self.retry > 0 {
                    format!(
                        " after {} {}",
                        self.retry,
                        if self.retry == 1 { "retry" } else { "retries" }
                    )
                } else {
                    " with retry disabled".to_string()
                };
                report = Some(("failed".to_string(), msg));
            }
        }
        if let Some((kind, msg)) = report {
            let tail = match &reason {
                Some(r) => format!("{kind}{msg} ({r})"),
                None => format!("{kind}{msg}"),
            };
            v.log.push(format!(
                "Misc check for [{} VS {}] by [{arg0}] {tail}.",
                self.name, self.vs_name
            ));
            if self.is_up != ok || !self.has_run {
                v.state = Some(ok);
            }
            self.is_up = ok;
        }
        let delay = if self.retry_it > 0 {
            self.delay_before_retry
        } else {
            self.delay_loop
        };
        self.after(now, delay);
        self.has_run = true;
        v
    }
}

#[cfg(test)]
#[path = "checker_tests.rs"]
mod tests;
