//! arping's command line: iputils 20221126's options, its messages and usage text.

use super::super::fmt::getopt;

/// What the command line asked for (iputils' defaults otherwise).
pub struct Opts {
    pub count: i64,
    pub interval: u64,
    pub timeout: u64,
    pub device: Option<String>,
    pub source: Option<String>,
    pub dad: bool,
    pub unsolicited: bool,
    pub advert: bool,
    pub quiet: bool,
    pub quit_on_reply: bool,
    pub broadcast_only: bool,
    pub target: String,
}

/// A failed start: the message, whether arping printf()s it (stdout) or error()s it
/// (stderr), and the exit status.
pub struct Fail {
    pub text: String,
    pub stdout: bool,
    pub code: i32,
}

pub fn err(text: impl Into<String>, code: i32) -> Fail {
    Fail {
        text: text.into(),
        stdout: false,
        code,
    }
}

pub fn out(text: impl Into<String>, code: i32) -> Fail {
    Fail {
        text: text.into(),
        stdout: true,
        code,
    }
}

/// Parses argv (argv[0] included) with getopt and strtol_or_err, as arping.c does.
pub fn parse(args: &[String]) -> Result<Opts, Fail> {
    let spec = "h?bfDUAqc:w:i:s:I:V";
    let p = getopt("arping", args, spec, &[]).map_err(|e| err(format!("{e}\n{USAGE}"), 2))?;
    let mut o = Opts {
        count: -1,
        interval: 1,
        timeout: 0,
        device: None,
        source: None,
        dad: false,
        unsolicited: false,
        advert: false,
        quiet: false,
        quit_on_reply: false,
        broadcast_only: false,
        target: String::new(),
    };
    for (c, value) in p.opts {
        let v = value.unwrap_or_default();
        match c {
            'b' => o.broadcast_only = true,
            'D' => (o.dad, o.quit_on_reply) = (true, true),
            'U' => o.unsolicited = true,
            'A' => (o.advert, o.unsolicited) = (true, true),
            'q' => o.quiet = true,
            'f' => o.quit_on_reply = true,
            'c' => o.count = number(&v, 1)?,
            'w' => o.timeout = number(&v, 0)? as u64,
            'i' => o.interval = number(&v, 0)? as u64,
            'I' => o.device = Some(v).filter(|d| !d.is_empty()),
            's' => o.source = Some(v),
            'V' => return Err(out("arping from iputils 20221126\n", 0)),
            _ => return Err(err(USAGE, 2)),
        }
    }
    if p.operands.len() != 1 {
        return Err(err(USAGE, 2));
    }
    o.target = p.operands[0].clone();
    Ok(o)
}

/// strtol_or_err(optarg, "invalid argument", min, INT_MAX).
fn number(text: &str, min: i64) -> Result<i64, Fail> {
    let max = i32::MAX as i64;
    match text.trim_start().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        Ok(_) => Err(err(
            format!("arping: invalid argument: '{text}': out of range: {min} <= value <= {max}\n"),
            1,
        )),
        Err(_) => Err(err(format!("arping: invalid argument: '{text}'\n"), 1)),
    }
}

const USAGE: &str = "
Usage:
  arping [options] <destination>

Options:
  -f            quit on first reply
  -q            be quiet
  -b            keep on broadcasting, do not unicast
  -D            duplicate address detection mode
  -U            unsolicited ARP mode, update your neighbours
  -A            ARP answer mode, update your neighbours
  -V            print version and exit
  -c <count>    how many packets to send
  -w <timeout>  how long to wait for a reply
  -i <interval> set interval between packets (default: 1 second)
  -I <device>   which ethernet device to use
  -s <source>   source ip address
  <destination> dns name or ip address

For more details see arping(8).
";
