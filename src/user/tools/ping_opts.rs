//! ping's command line: iputils 20221126's options with its own messages (getopt errors,
//! strtol_or_err, ping_strtod) and its usage text.

use super::fmt::getopt;
use std::net::Ipv4Addr;

const OPTSTRING: &str = "h?4bRT:6F:N:aABc:CdDe:fi:I:l:Lm:M:nOp:qQ:rs:S:t:UvVw:W:";
/// What this ping implements of iputils' options; the rest are refused with the usage.
const SUPPORTED: &str = "bcDinIqstwW4";

/// What the command line asked for (iputils' defaults otherwise).
pub struct Opts {
    pub count: u64,
    pub interval_ms: u64,
    pub device: Option<String>,
    pub source: Option<Ipv4Addr>,
    pub ttl: Option<u8>,
    pub linger_ms: u64,
    pub deadline_s: u64,
    pub datalen: usize,
    pub quiet: bool,
    pub numeric: bool,
    pub broadcast: bool,
    /// -D: `[seconds.micros] ` before reply and error lines (virtual time).
    pub timestamps: bool,
    pub target: String,
}

/// A failed start: what to print on stderr and the exit status.
pub type Fail = (String, i32);

/// Parses argv (argv[0] included); errors carry the text for stderr and the exit status.
pub fn parse(args: &[String]) -> Result<Opts, Fail> {
    let p = getopt("ping", args, OPTSTRING, &[]).map_err(|e| (format!("{e}\n{USAGE}"), 2))?;
    let mut o = Opts {
        count: 0,
        interval_ms: 1000,
        device: None,
        source: None,
        ttl: None,
        linger_ms: 10_000,
        deadline_s: 0,
        datalen: 56,
        quiet: false,
        numeric: false,
        broadcast: false,
        timestamps: false,
        target: String::new(),
    };
    for (c, value) in p.opts {
        let v = value.unwrap_or_default();
        match c {
            'c' => o.count = long(&v, 1, i64::MAX)? as u64,
            'i' => o.interval_ms = seconds_ms(&v, "bad timing interval")?,
            'W' => o.linger_ms = seconds_ms(&v, "bad linger time")?,
            'w' => o.deadline_s = long(&v, 0, i32::MAX as i64)? as u64,
            's' => o.datalen = long(&v, 0, i32::MAX as i64)? as usize,
            't' => o.ttl = Some(long(&v, 0, 255)? as u8),
            'I' => match v.parse() {
                Ok(ip) => o.source = Some(ip),
                Err(_) => o.device = Some(v),
            },
            'q' => o.quiet = true,
            'n' => o.numeric = true,
            'b' => o.broadcast = true,
            'D' => o.timestamps = true,
            'h' | '?' => return Err((USAGE.into(), 2)),
            c if SUPPORTED.contains(c) => {}
            c => {
                let text = format!("ping: option -{c} is not supported by this simulator\n");
                return Err((text + USAGE, 2));
            }
        }
    }
    o.target = p.operands.last().cloned().ok_or_else(|| {
        let text = "ping: usage error: Destination address required\n";
        (text.to_string(), 1)
    })?;
    Ok(o)
}

/// strtol_or_err with iputils' messages (exit status 1).
fn long(text: &str, min: i64, max: i64) -> Result<i64, Fail> {
    let n: i64 = match text.trim_start().parse() {
        Ok(n) => n,
        Err(e) => {
            let overflow = matches!(
                e.kind(),
                std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow
            );
            let why = if overflow {
                ": Numerical result out of range"
            } else {
                ""
            };
            return Err((format!("ping: invalid argument: '{text}'{why}\n"), 1));
        }
    };
    if n < min || n > max {
        let text =
            format!("ping: invalid argument: '{text}': out of range: {min} <= value <= {max}\n");
        return Err((text, 1));
    }
    Ok(n)
}

/// -i and -W: seconds as a float, kept as whole milliseconds (`(int)(optval * 1000)`).
fn seconds_ms(text: &str, what: &str) -> Result<u64, Fail> {
    let value: f64 = text.trim().parse().unwrap_or(f64::NAN);
    if !value.is_finite() || value < 0.0 || value > (i32::MAX / 1000) as f64 {
        return Err((format!("ping: {what}: {text}\n"), 2));
    }
    Ok((value * 1000.0) as u64)
}

const USAGE: &str = "
Usage
  ping [options] <destination>

Options:
  <destination>      dns name or ip address
  -a                 use audible ping
  -A                 use adaptive ping
  -B                 sticky source address
  -c <count>         stop after <count> replies
  -C                 call connect() syscall on socket creation
  -D                 print timestamps
  -d                 use SO_DEBUG socket option
  -e <identifier>    define identifier for ping session, default is random for
                     SOCK_RAW and kernel defined for SOCK_DGRAM
                     Imply using SOCK_RAW (for IPv4 only for identifier 0)
  -f                 flood ping
  -h                 print help and exit
  -I <interface>     either interface name or address
  -i <interval>      seconds between sending each packet
  -L                 suppress loopback of multicast packets
  -l <preload>       send <preload> number of packages while waiting replies
  -m <mark>          tag the packets going out
  -M <pmtud opt>     define mtu discovery, can be one of <do|dont|want>
  -n                 no dns name resolution
  -O                 report outstanding replies
  -p <pattern>       contents of padding byte
  -q                 quiet output
  -Q <tclass>        use quality of service <tclass> bits
  -s <size>          use <size> as number of data bytes to be sent
  -S <size>          use <size> as SO_SNDBUF socket option value
  -t <ttl>           define time to live
  -U                 print user-to-user latency
  -v                 verbose output
  -V                 print version and exit
  -w <deadline>      reply wait <deadline> in seconds
  -W <timeout>       time to wait for response

IPv4 options:
  -4                 use IPv4
  -b                 allow pinging broadcast
  -R                 record route
  -T <timestamp>     define timestamp, can be one of <tsonly|tsandaddr|tsprespec>

IPv6 options:
  -6                 use IPv6
  -F <flowlabel>     define flow label, default is random
  -N <nodeinfo opt>  use icmp6 node info query, try <help> as argument

For more details see ping(8).
";
