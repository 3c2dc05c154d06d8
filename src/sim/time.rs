//! Virtual time: nanoseconds since the lab started. The wall clock is never read here.

use std::fmt;
use std::ops::{Add, Sub};

/// An instant in virtual time, in nanoseconds since the start of the world.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Default, Hash)]
pub struct Time(pub u64);

pub const NS: u64 = 1;
pub const US: u64 = 1_000;
pub const MS: u64 = 1_000_000;
pub const SEC: u64 = 1_000_000_000;

impl Time {
    pub const ZERO: Time = Time(0);
    pub const NEVER: Time = Time(u64::MAX);
    /// How far a run may go: about 146 years, far below NEVER, so that every timer a
    /// program sets from here on still fits (and none lands on NEVER by saturating).
    pub const LIMIT: Time = Time(u64::MAX / 4);

    pub fn from_secs(s: u64) -> Time {
        Time(s.saturating_mul(SEC))
    }
    pub fn from_millis(ms: u64) -> Time {
        Time(ms.saturating_mul(MS))
    }
    pub fn nanos(self) -> u64 {
        self.0
    }
    pub fn secs_f64(self) -> f64 {
        self.0 as f64 / SEC as f64
    }
    /// Milliseconds as a float, the unit ping prints.
    pub fn millis_f64(self) -> f64 {
        self.0 as f64 / MS as f64
    }
    /// `HH:MM:SS.uuuuuu` as tcpdump prints a time of day; the lab starts at midnight.
    /// The wall-clock time of day without fractions, as log lines and HTTP dates show it.
    pub fn hms(self) -> String {
        let s = self.0 / 1_000_000_000;
        format!("{:02}:{:02}:{:02}", (s / 3600) % 24, (s / 60) % 60, s % 60)
    }

    pub fn clock(self) -> String {
        let us = self.0 / US;
        let s = us / 1_000_000;
        format!(
            "{:02}:{:02}:{:02}.{:06}",
            (s / 3600) % 24,
            (s / 60) % 60,
            s % 60,
            us % 1_000_000
        )
    }
}

impl Add<u64> for Time {
    type Output = Time;
    fn add(self, ns: u64) -> Time {
        Time(self.0.saturating_add(ns))
    }
}

impl Sub for Time {
    type Output = u64;
    fn sub(self, other: Time) -> u64 {
        self.0.saturating_sub(other.0)
    }
}

impl fmt::Display for Time {
    /// `  1.000312s`: seconds with microseconds, right-aligned so trace lines line up.
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let us = self.0 / US;
        write!(f, "{:>3}.{:06}s", us / 1_000_000, us % 1_000_000)
    }
}

/// Parses a duration as labs write it: `10ms`, `1.5s`, `250us`, `100ns`, `2m`, or a bare number of
/// seconds (`run 5`), into nanoseconds.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (num, unit) = text.split_at(split);
    let value: f64 = num.parse().map_err(|_| {
        format!("bad duration '{text}': expected a number with a unit such as 10ms, 1s, 250us")
    })?;
    let scale = match unit {
        "" | "s" | "sec" => SEC,
        "ms" => MS,
        "us" | "µs" => US,
        "ns" => NS,
        "m" | "min" => 60 * SEC,
        "h" => 3600 * SEC,
        _ => {
            return Err(format!(
                "bad duration '{text}': unknown unit '{unit}' (use ns, us, ms, s, m)"
            ))
        }
    };
    let ns = value * scale as f64;
    if !ns.is_finite() || ns < 0.0 || ns > u64::MAX as f64 / 2.0 {
        return Err(format!("bad duration '{text}': out of range"));
    }
    Ok(ns.round() as u64)
}

/// Parses a link rate such as `10Mbit`, `1Gbit`, `100kbit`, `9600bit` into bits per second.
pub fn parse_rate(text: &str) -> Result<u64, String> {
    let lower = text.to_ascii_lowercase();
    let split = lower
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(lower.len());
    let (num, unit) = lower.split_at(split);
    let value: f64 = num.parse().map_err(|_| {
        format!("bad rate '{text}': expected a number with a unit such as 10Mbit or 1Gbit")
    })?;
    let scale: f64 = match unit {
        "bit" | "bps" => 1.0,
        "kbit" | "kbps" => 1e3,
        "mbit" | "mbps" => 1e6,
        "gbit" | "gbps" => 1e9,
        _ => {
            return Err(format!(
                "bad rate '{text}': unknown unit '{unit}' (use bit, kbit, Mbit, Gbit)"
            ))
        }
    };
    let bps = value * scale;
    if !(1.0..=1e13).contains(&bps) {
        return Err(format!("bad rate '{text}': out of range (1bit to 10Tbit)"));
    }
    Ok(bps as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("10ms"), Ok(10 * MS));
        assert_eq!(parse_duration("1.5s"), Ok(1_500 * MS));
        assert_eq!(parse_duration("250us"), Ok(250 * US));
        assert_eq!(parse_duration("3"), Ok(3 * SEC));
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("10 parsecs").is_err());
    }

    #[test]
    fn rates_parse_with_units() {
        assert_eq!(parse_rate("10Mbit"), Ok(10_000_000));
        assert_eq!(parse_rate("1Gbit"), Ok(1_000_000_000));
        assert!(parse_rate("0bit").is_err());
        assert!(parse_rate("lots").is_err());
    }

    #[test]
    fn display_and_clock() {
        assert_eq!(Time(1_000_312_000).to_string(), "  1.000312s");
        assert_eq!(Time(3_723_000_001_000).clock(), "01:02:03.000001");
    }
}
