//! ping's bookkeeping and the text it prints, computed as iputils 20221126 does
//! (ping_common.c: acknowledge, gather_statistics, finish; ping.c: pr_icmph). Times are
//! integer microseconds, as iputils keeps them, so rounding matches to the last digit.

use crate::kernel::icmp::{DEST_UNREACH, TIME_EXCEEDED};
use std::collections::BTreeSet;
use std::fmt::Write;

/// Counters and round-trip sums of one ping run.
#[derive(Debug)]
pub struct Stats {
    pub ntransmitted: u64,
    pub nreceived: u64,
    pub nrepeats: u64,
    pub nerrors: u64,
    /// The highest sequence number answered so far (16 bits, as on the wire).
    acked: u16,
    /// The most requests that were outstanding when one was answered (`pipe N`).
    pipesize: i64,
    /// Sequence numbers answered, to flag duplicates (iputils' rcvd bitmap).
    answered: BTreeSet<u16>,
    tsum: i64,
    tsum2: f64,
    tmin: i64,
    pub tmax: i64,
    /// Smoothed rtt ×8, for the `ipg/ewma` line.
    rtt: i64,
}

impl Default for Stats {
    fn default() -> Stats {
        Stats {
            ntransmitted: 0,
            nreceived: 0,
            nrepeats: 0,
            nerrors: 0,
            acked: 0,
            pipesize: -1,
            answered: BTreeSet::new(),
            tsum: 0,
            tsum2: 0.0,
            tmin: i64::MAX,
            tmax: 0,
            rtt: 0,
        }
    }
}

impl Stats {
    /// The sequence number the next request carries.
    pub fn next_seq(&self) -> u16 {
        (self.ntransmitted + 1) as u16
    }

    /// A request went out, or failed locally (iputils counts both: "pretend we sent").
    pub fn advance(&mut self) {
        self.answered.remove(&self.next_seq());
        self.ntransmitted += 1;
        let sent = self.ntransmitted as u16;
        if sent.wrapping_sub(self.acked) > 0x7fff {
            self.acked = sent.wrapping_add(1);
        }
    }

    /// A reply or an error for `seq`: track how many were in flight (ping.h acknowledge).
    pub fn acknowledge(&mut self, seq: u16) {
        let sent = self.ntransmitted as u16;
        let diff = sent.wrapping_sub(seq);
        if diff <= 0x7fff {
            self.pipesize = self.pipesize.max(diff as i64 + 1);
            if (seq.wrapping_sub(self.acked) as i16) > 0 || sent.wrapping_sub(self.acked) > 0x7fff {
                self.acked = seq;
            }
        }
    }

    /// An echo reply; returns whether it was a duplicate.
    pub fn reply(&mut self, seq: u16, triptime: Option<i64>) -> bool {
        self.nreceived += 1;
        self.acknowledge(seq);
        if let Some(t) = triptime {
            self.tsum = self.tsum.saturating_add(t);
            self.tsum2 += (t as i128 * t as i128) as f64;
            self.tmin = self.tmin.min(t);
            self.tmax = self.tmax.max(t);
            self.rtt = if self.rtt == 0 {
                t.saturating_mul(8)
            } else {
                self.rtt.saturating_add(t - self.rtt / 8)
            };
        }
        if self.answered.insert(seq) {
            return false;
        }
        self.nrepeats += 1;
        self.nreceived -= 1;
        true
    }

    /// The block finish() prints: empty line, header, counts, rtt line and/or pipe, and the
    /// final newline (alone when there is neither: the output then ends with an empty line).
    /// `elapsed_ns` is from the start to the last request sent; `ipg` is asked for with -i 0.
    pub fn summary(&self, host: &str, elapsed_ns: u64, timing: bool, ipg: bool) -> String {
        let mut o = format!("\n--- {host} ping statistics ---\n");
        let _ = write!(
            o,
            "{} packets transmitted, {} received",
            self.ntransmitted, self.nreceived
        );
        if self.nrepeats > 0 {
            let _ = write!(o, ", +{} duplicates", self.nrepeats);
        }
        if self.nerrors > 0 {
            let _ = write!(o, ", +{} errors", self.nerrors);
        }
        if self.ntransmitted > 0 {
            let lost = self.ntransmitted as f64 - self.nreceived as f64;
            // iputils casts the percentage to float before printing it with %g.
            let loss = (lost * 100.0 / self.ntransmitted as f64) as f32 as f64;
            let ms = (elapsed_ns + 500_000) / 1_000_000;
            let _ = write!(o, ", {}% packet loss, time {ms}ms", fmt_g(loss));
        }
        o.push('\n');
        let mut comma = "";
        if self.nreceived > 0 && timing {
            o.push_str(&self.rtt_line());
            comma = ", ";
        }
        if self.pipesize > 1 {
            let _ = write!(o, "{comma}pipe {}", self.pipesize);
            comma = ", ";
        }
        if ipg && self.nreceived > 0 && self.ntransmitted > 1 {
            let gap = (elapsed_ns / 1000) as i64 / (self.ntransmitted as i64 - 1);
            let (e, p) = (self.rtt / 8000, (self.rtt / 8) % 1000);
            let _ = write!(
                o,
                "{comma}ipg/ewma {}.{:03}/{e}.{p:03} ms",
                gap / 1000,
                gap % 1000
            );
        }
        o.push('\n');
        o
    }

    /// `rtt min/avg/max/mdev = …`, with finish()'s integer arithmetic for the deviation.
    fn rtt_line(&self) -> String {
        let total = (self.nreceived + self.nrepeats).max(1) as i64;
        let avg = self.tsum / total;
        let var = if self.tsum < i32::MAX as i64 {
            // The "slightly clumsy" order iputils uses to keep small times exact.
            ((self.tsum2 - ((self.tsum as i128 * self.tsum as i128) / total as i128) as f64)
                / total as f64) as i64
        } else {
            (self.tsum2 / total as f64) as i64 - avg.saturating_mul(avg)
        };
        let dev = llsqrt(var);
        let us = |t: i64| format!("{}.{:03}", t / 1000, t % 1000);
        format!(
            "rtt min/avg/max/mdev = {}/{}/{}/{} ms",
            us(self.tmin),
            us(avg),
            us(self.tmax),
            us(dev)
        )
    }
}

/// iputils' integer square root (Newton's method; negative input comes back unchanged).
fn llsqrt(a: i64) -> i64 {
    let mut prev = i64::MAX;
    let mut x = a;
    if x > 0 {
        while x < prev {
            prev = x;
            x = (x + a / x) / 2;
        }
    }
    x
}

/// `time=…` of a reply line: 3 decimals below 1 ms, 2 below 10, 1 below 100, then none.
pub fn time_text(t: i64) -> String {
    if t >= 100_000 - 50 {
        format!("time={} ms", (t + 500) / 1000)
    } else if t >= 10_000 - 5 {
        format!("time={}.{:01} ms", (t + 50) / 1000, ((t + 50) % 1000) / 100)
    } else if t >= 1000 {
        format!("time={}.{:02} ms", (t + 5) / 1000, ((t + 5) % 1000) / 10)
    } else {
        format!("time={}.{:03} ms", t / 1000, t % 1000)
    }
}

/// printf's `%g`: 6 significant digits, trailing zeros dropped.
pub fn fmt_g(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return if v.is_nan() {
            "nan".into()
        } else {
            format!("{v}")
        };
    }
    let sci = format!("{v:.5e}");
    let exp: i32 = sci
        .split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let (mant, _) = sci.split_once('e').unwrap_or((&sci, ""));
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{}e{sign}{:02}", trim_zeros(mant), exp.abs());
    }
    trim_zeros(&format!("{v:.*}", (5 - exp) as usize))
}

fn trim_zeros(s: &str) -> String {
    if !s.contains('.') {
        return s.to_string();
    }
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// pr_icmph: the words after `From X icmp_seq=N ` for an ICMP error (`info`: the MTU of a
/// fragmentation-needed message).
pub fn icmp_error_text(icmp_type: u8, code: u8, info: u32) -> String {
    const UNREACH: [&str; 16] = [
        "Destination Net Unreachable",
        "Destination Host Unreachable",
        "Destination Protocol Unreachable",
        "Destination Port Unreachable",
        "",
        "Source Route Failed",
        "Destination Net Unknown",
        "Destination Host Unknown",
        "Source Host Isolated",
        "Destination Net Prohibited",
        "Destination Host Prohibited",
        "Destination Net Unreachable for Type of Service",
        "Destination Host Unreachable for Type of Service",
        "Packet filtered",
        "Precedence Violation",
        "Precedence Cutoff",
    ];
    match (icmp_type, code) {
        (DEST_UNREACH, 4) => format!("Frag needed and DF set (mtu = {info})"),
        (DEST_UNREACH, c) if (c as usize) < UNREACH.len() => UNREACH[c as usize].to_string(),
        (DEST_UNREACH, c) => format!("Dest Unreachable, Bad Code: {c}"),
        (TIME_EXCEEDED, 0) => "Time to live exceeded".into(),
        (TIME_EXCEEDED, 1) => "Frag reassembly time exceeded".into(),
        (TIME_EXCEEDED, c) => format!("Time exceeded, Bad Code: {c}"),
        (t, _) => format!("Bad ICMP type: {t}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_times_round_as_iputils() {
        assert_eq!(time_text(389), "time=0.389 ms");
        assert_eq!(time_text(1109), "time=1.11 ms");
        assert_eq!(time_text(9996), "time=10.0 ms");
        assert_eq!(time_text(12345), "time=12.3 ms");
        assert_eq!(time_text(123_456), "time=123 ms");
    }

    #[test]
    fn percent_g() {
        assert_eq!(fmt_g(0.0), "0");
        assert_eq!(fmt_g(100.0), "100");
        assert_eq!(fmt_g((100.0f64 / 3.0) as f32 as f64), "33.3333");
        assert_eq!(fmt_g((200.0f64 / 3.0) as f32 as f64), "66.6667");
        assert_eq!(fmt_g(12.5), "12.5");
    }

    #[test]
    fn mdev_of_the_reference_run() {
        // linux-behaviour.md: 1.109, 0.389 and 0.116 ms give 0.116/0.538/1.109/0.418.
        let mut s = Stats::default();
        for (seq, t) in [(1, 1109), (2, 389), (3, 116)] {
            s.advance();
            assert!(!s.reply(seq, Some(t)));
        }
        let text = s.summary("172.16.20.10", 2_026_000_000, true, false);
        assert!(text.ends_with("time 2026ms\nrtt min/avg/max/mdev = 0.116/0.538/1.109/0.418 ms\n"));
    }
}
