//! keepalived's command line (keepalived/core/main.c parse_cmdline), with its messages.

pub const VERSION: &str = "Keepalived v2.2.7 (01/16,2022)";
pub const DEFAULT_CONF: &str = "/etc/keepalived/keepalived.conf";

/// `keepalived --help`, as 2.2.7 prints it (to standard error).
pub const USAGE: &str = "Usage: keepalived [OPTION...]
  -f, --use-file=FILE          Use the specified configuration file
                                default '/etc/keepalived/keepalived.conf'
  -P, --vrrp                   Only run with VRRP subsystem
  -C, --check                  Only run with Health-checker subsystem
  -B, --no_bfd                 Don't run BFD subsystem
      --all                    Force all child processes to run, even if have no configuration
  -l, --log-console            Log messages to local console
  -D, --log-detail             Detailed log messages
  -S, --log-facility=([0-7]|local[0-7]|user|daemon)
                               Set syslog facility to LOG_LOCAL[0-7], user or daemon (default)
  -G, --no-syslog              Don't log via syslog
  -u, --umask=MASK             umask for file creation (in numeric form)
  -X, --release-vips           Drop VIP on transition from signal.
  -V, --dont-release-vrrp      Don't remove VRRP VIPs and VROUTEs on daemon stop
  -I, --dont-release-ipvs      Don't remove IPVS topology on daemon stop
  -R, --dont-respawn           Don't respawn child processes
  -n, --dont-fork              Don't fork the daemon process
  -d, --dump-conf              Dump the configuration data
  -p, --pid=FILE               Use specified pidfile for parent process
  -r, --vrrp_pid=FILE          Use specified pidfile for VRRP child process
  -T, --genhash                Enter into genhash utility mode (this should be the first option used).
  -c, --checkers_pid=FILE      Use specified pidfile for checkers child process
  -a, --address-monitoring     Report all address additions/deletions notified via netlink
  -b, --bfd_pid=FILE           Use specified pidfile for BFD child process
  -x, --snmp                   Enable SNMP subsystem
  -A, --snmp-agent-socket=FILE Use the specified socket for master agent
  -s, --namespace=NAME         Run in network namespace NAME (overrides config)
  -m, --core-dump              Produce core dump if terminate abnormally
  -M, --core-dump-pattern=PATN Also set /proc/sys/kernel/core_pattern to PATN (default 'core')
  -e, --all-config             Error if any configuration file missing (same as includet)
  -i, --config-id id           Skip any configuration lines beginning '@' that don't match id
                                or any lines beginning @^ that do match.
                                The config-id defaults to the node name if option not used
      --signum=SIGFUNC         Return signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON
  -t, --config-test[=LOG_FILE] Check the configuration for obvious errors, output to
                                stderr by default
  -v, --version                Display the version number
  -h, --help                   Display this help message
";

#[derive(Clone, Debug)]
pub struct Opts {
    pub conf: String,
    pub only_vrrp: bool,
    pub only_check: bool,
    pub console: bool,
    pub detail: bool,
    pub no_syslog: bool,
    pub dont_release_vrrp: bool,
    pub dont_release_ipvs: bool,
    pub dont_respawn: bool,
    pub release_vips: bool,
    pub dont_fork: bool,
    pub pid: String,
    pub vrrp_pid: String,
    pub check_pid: String,
    pub test: bool,
    pub version: bool,
    pub help: bool,
    /// The command line as keepalived logs it.
    pub argv: Vec<String>,
}

impl Opts {
    fn new(argv: &[String]) -> Opts {
        Opts {
            conf: DEFAULT_CONF.into(),
            only_vrrp: false,
            only_check: false,
            console: false,
            detail: false,
            no_syslog: false,
            dont_release_vrrp: false,
            dont_release_ipvs: false,
            dont_respawn: false,
            release_vips: false,
            dont_fork: false,
            pid: "/run/keepalived.pid".into(),
            vrrp_pid: "/run/vrrp.pid".into(),
            check_pid: "/run/checkers.pid".into(),
            test: false,
            version: false,
            help: false,
            argv: argv.to_vec(),
        }
    }
}

/// (short, long, takes a value)
const TABLE: &[(char, &str, bool)] = &[
    ('f', "use-file", true),
    ('P', "vrrp", false),
    ('C', "check", false),
    ('B', "no_bfd", false),
    ('l', "log-console", false),
    ('D', "log-detail", false),
    ('S', "log-facility", true),
    ('G', "no-syslog", false),
    ('u', "umask", true),
    ('X', "release-vips", false),
    ('V', "dont-release-vrrp", false),
    ('I', "dont-release-ipvs", false),
    ('R', "dont-respawn", false),
    ('n', "dont-fork", false),
    ('d', "dump-conf", false),
    ('p', "pid", true),
    ('r', "vrrp_pid", true),
    ('c', "checkers_pid", true),
    ('a', "address-monitoring", false),
    ('b', "bfd_pid", true),
    ('x', "snmp", false),
    ('A', "snmp-agent-socket", true),
    ('s', "namespace", true),
    ('m', "core-dump", false),
    ('M', "core-dump-pattern", true),
    ('e', "all-config", false),
    ('i', "config-id", true),
    ('t', "config-test", false),
    ('v', "version", false),
    ('h', "help", false),
];

/// Parses argv (argv[0] included). Err: the message and exit status.
pub fn parse(argv: &[String]) -> Result<Opts, (String, i32)> {
    let mut o = Opts::new(argv);
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        i += 1;
        let (opt, inline) = if let Some(long) = a.strip_prefix("--") {
            let (name, val) = long
                .split_once('=')
                .map_or((long, None), |(n, v)| (n, Some(v)));
            if name == "all" {
                continue;
            }
            match TABLE.iter().find(|t| t.1 == name) {
                Some(t) => (*t, val.map(str::to_string)),
                None => return Err((format!("Unknown option --{name}\n"), 1)),
            }
        } else if let Some(short) = a.strip_prefix('-').filter(|s| !s.is_empty()) {
            let c = short.chars().next().unwrap_or('-');
            let rest = &short[c.len_utf8()..];
            let Some(t) = TABLE.iter().find(|t| t.0 == c) else {
                return Err((format!("Unknown option -{c}\n"), 1));
            };
            if !rest.is_empty() && !t.2 {
                // Clustered flags (-nD): the rest is read as more options.
                let more: Vec<String> = rest.chars().map(|c| format!("-{c}")).collect();
                let mut v = argv[..i - 1].to_vec();
                v.push(format!("-{c}"));
                v.extend(more);
                v.extend_from_slice(&argv[i..]);
                let mut sub = parse(&v)?;
                sub.argv = argv.to_vec();
                return Ok(sub);
            }
            (*t, (!rest.is_empty()).then(|| rest.to_string()))
        } else {
            // Operands are ignored, as keepalived ignores them.
            continue;
        };
        let value = match (opt.2, inline) {
            (false, _) => None,
            (true, Some(v)) => Some(v),
            (true, None) => {
                let Some(v) = argv.get(i).cloned() else {
                    return Err((format!("Missing parameter for option -{}\n", opt.0), 1));
                };
                i += 1;
                Some(v)
            }
        };
        apply(&mut o, opt.0, value);
    }
    Ok(o)
}

fn apply(o: &mut Opts, c: char, value: Option<String>) {
    let v = value.unwrap_or_default();
    match c {
        'f' => o.conf = v,
        'P' => o.only_vrrp = true,
        'C' => o.only_check = true,
        'l' => o.console = true,
        'D' => o.detail = true,
        'G' => o.no_syslog = true,
        'X' => o.release_vips = true,
        'V' => o.dont_release_vrrp = true,
        'I' => o.dont_release_ipvs = true,
        'R' => o.dont_respawn = true,
        'n' => o.dont_fork = true,
        'p' => o.pid = v,
        'r' => o.vrrp_pid = v,
        'c' => o.check_pid = v,
        't' => o.test = true,
        'v' => o.version = true,
        'h' => o.help = true,
        _ => {}
    }
}

/// `Command line: 'keepalived' '-D'`, as keepalived logs it.
pub fn command_line(argv: &[String]) -> String {
    let quoted: Vec<String> = argv.iter().map(|a| format!("'{a}'")).collect();
    format!("Command line: {}", quoted.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn options() {
        let o = parse(&args("keepalived -D -n -f /etc/k.conf")).expect("parses");
        assert!(o.detail && o.dont_fork);
        assert_eq!(o.conf, "/etc/k.conf");
        let o = parse(&args("keepalived --dont-fork --use-file=/x -nD")).expect("parses");
        assert!(o.dont_fork && o.detail);
        assert_eq!(o.conf, "/x");
        assert_eq!(
            parse(&args("keepalived --foo")).err(),
            Some(("Unknown option --foo\n".into(), 1))
        );
        assert_eq!(
            parse(&args("keepalived -y")).err(),
            Some(("Unknown option -y\n".into(), 1))
        );
        assert_eq!(
            parse(&args("keepalived -f")).err(),
            Some(("Missing parameter for option -f\n".into(), 1))
        );
        assert_eq!(
            command_line(&args("/usr/sbin/keepalived --dont-fork")),
            "Command line: '/usr/sbin/keepalived' '--dont-fork'"
        );
    }
}
