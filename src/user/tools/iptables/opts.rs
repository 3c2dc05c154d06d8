//! iptables' command line as do_parse (iptables/xshared.c, 1.8.9) reads it: getopt_long with
//! the optstring `-:A:C:D:…`, so words are taken in order (no permutation), a lone `!`
//! negates the next option, short options cluster (`-nvL`), long ones may be abbreviated, and
//! an unknown option after `-p tcp|udp` loads that protocol's match (then `--dport` is known).
//! The checks run in iptables' order, so the first error is the one iptables would print.

#[path = "ext.rs"]
pub mod ext;
#[path = "rule.rs"]
mod rule;
#[path = "targets.rs"]
mod targets;
#[path = "values.rs"]
pub(super) mod values;

use super::Stop;
use crate::kernel::netfilter::x_tables::Rule;
use crate::kernel::netfilter::xt_target::Target;
use crate::kernel::Kernel;
pub use ext::Ext;
use targets::TargetExt;
use values::{check_target_name, parse_rulenumber};

// Commands as the CMD_* bits; CMD_CHARS is cmd2char's table, in the same order.
pub const INSERT: u32 = 1;
pub const DELETE: u32 = 1 << 1;
pub const DELETE_NUM: u32 = 1 << 2;
pub const REPLACE: u32 = 1 << 3;
pub const APPEND: u32 = 1 << 4;
pub const LIST: u32 = 1 << 5;
pub const FLUSH: u32 = 1 << 6;
pub const ZERO: u32 = 1 << 7;
pub const NEW_CHAIN: u32 = 1 << 8;
pub const DELETE_CHAIN: u32 = 1 << 9;
pub const SET_POLICY: u32 = 1 << 10;
pub const RENAME: u32 = 1 << 11;
pub const LIST_RULES: u32 = 1 << 12;
pub const ZERO_NUM: u32 = 1 << 13;
pub const CHECK: u32 = 1 << 14;
const CMD_CHARS: [char; 15] = [
    'I', 'D', 'D', 'R', 'A', 'L', 'F', 'Z', 'N', 'X', 'P', 'E', 'S', 'Z', 'C',
];

// Options as the OPT_* bits; OPT_CHARS is optflags, in the same order.
pub const O_NUMERIC: u32 = 1;
const O_SOURCE: u32 = 1 << 1;
const O_DEST: u32 = 1 << 2;
const O_PROTO: u32 = 1 << 3;
const O_JUMP: u32 = 1 << 4;
const O_VERBOSE: u32 = 1 << 5;
pub const O_EXACT: u32 = 1 << 6;
const O_IN: u32 = 1 << 7;
const O_OUT: u32 = 1 << 8;
pub const O_LINENUM: u32 = 1 << 9;
const O_COUNTERS: u32 = 1 << 10;
const O_FRAG: u32 = 1 << 11;
const OPT_CHARS: [char; 12] = ['n', 's', 'd', 'p', 'j', 'v', 'x', 'i', 'o', '0', 'c', 'f'];
/// Options `!` may precede (inverse_for_options).
const INVERTIBLE: u32 = O_SOURCE | O_DEST | O_PROTO | O_IN | O_OUT | O_FRAG;

/// commands_v_options, one row per command bit, one column per option bit: `x` = illegal.
const LEGAL: [&str; 15] = [
    "x     x  x  ", // INSERT
    "x     x  xx ", // DELETE
    "xxxxx xxxxxx", // DELETE_NUM
    "x     x  x  ", // REPLACE
    "x     x  x  ", // APPEND
    " xxxx  xx xx", // LIST
    "xxxxx xxxxxx", // FLUSH
    "xxxxx xxxxxx", // ZERO
    "xxxxx xxxxxx", // NEW_CHAIN
    "xxxxx xxxxxx", // DELETE_CHAIN
    "xxxxx xxxx x", // SET_POLICY
    "xxxxx xxxxxx", // RENAME
    "xxxxx xxxxxx", // LIST_RULES
    "xxxxx xxxxxx", // ZERO_NUM
    "x     x  xx ", // CHECK
];

/// The commands that change a table (iptables-nft creates the table for them).
pub const MODIFYING: u32 = !(LIST | LIST_RULES | CHECK);

/// The commands that carry a rule specification.
pub const RULE_CMDS: u32 = APPEND | INSERT | REPLACE | DELETE | CHECK;

/// Where `-j` goes.
#[derive(Clone, Debug, PartialEq)]
pub enum Jump {
    None,
    Target(Target),
    /// Not a target iptables knows: nf_tables takes it as a user-defined chain.
    Chain(String),
}

/// A parsed command line.
pub struct Parsed {
    pub table: String,
    pub cmd: u32,
    pub chain: Option<String>,
    /// `-E OLD NEW`: the new name.
    pub new_name: Option<String>,
    /// 1-based; 0 when none was given.
    pub rulenum: usize,
    pub policy: Option<String>,
    pub options: u32,
    pub verbose: bool,
    pub counters: Option<(u64, u64)>,
    /// One rule per source × destination address (several with `-s a,b`); their target is a
    /// placeholder until `jump` says what it is.
    pub rules: Vec<Rule>,
    pub jump: Jump,
    /// `-g CHAIN` rather than `-j CHAIN`.
    pub goto: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Arg {
    No,
    Req,
    Opt,
}

/// What an option is: a core letter or an option of a loaded extension.
#[derive(Clone, Copy, PartialEq)]
enum Val {
    Core(char),
    Sport,
    Dport,
    TcpOther,
    Mark(u32),
    /// Another extension's option: which one, by the option's own name.
    Ext,
}

pub(super) struct LongOpt(&'static str, Arg, Val);

/// xtables.c's original_opts.
const CORE: &[LongOpt] = &[
    LongOpt("append", Arg::Req, Val::Core('A')),
    LongOpt("delete", Arg::Req, Val::Core('D')),
    LongOpt("check", Arg::Req, Val::Core('C')),
    LongOpt("insert", Arg::Req, Val::Core('I')),
    LongOpt("replace", Arg::Req, Val::Core('R')),
    LongOpt("list", Arg::Opt, Val::Core('L')),
    LongOpt("list-rules", Arg::Opt, Val::Core('S')),
    LongOpt("flush", Arg::Opt, Val::Core('F')),
    LongOpt("zero", Arg::Opt, Val::Core('Z')),
    LongOpt("new-chain", Arg::Req, Val::Core('N')),
    LongOpt("delete-chain", Arg::Opt, Val::Core('X')),
    LongOpt("rename-chain", Arg::Req, Val::Core('E')),
    LongOpt("policy", Arg::Req, Val::Core('P')),
    LongOpt("source", Arg::Req, Val::Core('s')),
    LongOpt("destination", Arg::Req, Val::Core('d')),
    LongOpt("src", Arg::Req, Val::Core('s')),
    LongOpt("dst", Arg::Req, Val::Core('d')),
    LongOpt("protocol", Arg::Req, Val::Core('p')),
    LongOpt("in-interface", Arg::Req, Val::Core('i')),
    LongOpt("jump", Arg::Req, Val::Core('j')),
    LongOpt("table", Arg::Req, Val::Core('t')),
    LongOpt("match", Arg::Req, Val::Core('m')),
    LongOpt("numeric", Arg::No, Val::Core('n')),
    LongOpt("out-interface", Arg::Req, Val::Core('o')),
    LongOpt("verbose", Arg::No, Val::Core('v')),
    LongOpt("wait", Arg::Opt, Val::Core('w')),
    LongOpt("wait-interval", Arg::Opt, Val::Core('W')),
    LongOpt("exact", Arg::No, Val::Core('x')),
    LongOpt("fragments", Arg::No, Val::Core('f')),
    LongOpt("version", Arg::No, Val::Core('V')),
    LongOpt("help", Arg::Opt, Val::Core('h')),
    LongOpt("line-numbers", Arg::No, Val::Core('0')),
    LongOpt("modprobe", Arg::Req, Val::Core('M')),
    LongOpt("set-counters", Arg::Req, Val::Core('c')),
    LongOpt("goto", Arg::Req, Val::Core('g')),
    LongOpt("ipv4", Arg::No, Val::Core('4')),
    LongOpt("ipv6", Arg::No, Val::Core('6')),
];

/// libxt_tcp's options (libxt_udp has the four port ones).
const TCP: &[LongOpt] = &[
    LongOpt("source-port", Arg::Req, Val::Sport),
    LongOpt("sport", Arg::Req, Val::Sport),
    LongOpt("destination-port", Arg::Req, Val::Dport),
    LongOpt("dport", Arg::Req, Val::Dport),
    LongOpt("syn", Arg::No, Val::TcpOther),
    LongOpt("tcp-flags", Arg::Req, Val::TcpOther),
    LongOpt("tcp-option", Arg::Req, Val::TcpOther),
];

// libxt_MARK revision 2's option ids (O_SET_MARK …), and its table in declaration order.
const SET_MARK: u32 = 0;
const AND_MARK: u32 = 1;
const OR_MARK: u32 = 2;
const XOR_MARK: u32 = 3;
const SET_XMARK: u32 = 4;
const MARK: &[LongOpt] = &[
    LongOpt("set-xmark", Arg::Req, Val::Mark(SET_XMARK)),
    LongOpt("set-mark", Arg::Req, Val::Mark(SET_MARK)),
    LongOpt("and-mark", Arg::Req, Val::Mark(AND_MARK)),
    LongOpt("or-mark", Arg::Req, Val::Mark(OR_MARK)),
    LongOpt("xor-mark", Arg::Req, Val::Mark(XOR_MARK)),
];

/// Targets iptables has that netstep does not run (refused rather than taken as chains).
const OTHER_TARGETS: &str = "QUEUE NETMAP \
    CONNMARK CLASSIFY TOS DSCP TTL TCPMSS NFQUEUE NFLOG TEE TPROXY CT NOTRACK TRACE SECMARK \
    CONNSECMARK CHECKSUM AUDIT HMARK SET SYNPROXY IDLETIMER LED RATEEST ULOG";

/// libxt_MARK's parse state: options seen (by id) and the value/mask they make.
struct MarkExt {
    xflags: u32,
    value: u32,
    mask: u32,
}

struct Parser<'a> {
    args: &'a [String],
    /// getopt's optind: the next word to read.
    next: usize,
    p: Parsed,
    invert: bool,
    inv: u32,
    proto: Option<String>,
    proto_num: u8,
    /// The matches loaded, in the order they were (`-m`, or `-p` and one of its options).
    exts: Vec<Ext>,
    mark: Option<MarkExt>,
    target: Option<TargetExt>,
    src: Option<String>,
    dst: Option<String>,
    iif: Option<String>,
    oif: Option<String>,
    wait: bool,
    wait_interval: bool,
    /// `--` was seen: getopt stops there.
    ended: bool,
}

fn param(msg: impl Into<String>) -> Stop {
    Stop::Param(msg.into())
}

pub fn parse(k: &Kernel, args: &[String]) -> Result<Parsed, Stop> {
    let mut ps = Parser::new(args);
    while ps.next < args.len() {
        let word = args[ps.next].as_str();
        ps.next += 1;
        if word == "--" {
            ps.ended = true;
            break;
        } else if let Some(text) = word.strip_prefix("--") {
            ps.long(word, text)?;
        } else if word.len() > 1 && word.starts_with('-') {
            ps.shorts(word)?;
        } else {
            ps.operand(word)?;
        }
    }
    ps.finish(k)
}

impl<'a> Parser<'a> {
    fn new(args: &'a [String]) -> Self {
        Parser {
            args,
            next: 1,
            p: Parsed {
                table: "filter".into(),
                cmd: 0,
                chain: None,
                new_name: None,
                rulenum: 0,
                policy: None,
                options: 0,
                verbose: false,
                counters: None,
                rules: Vec::new(),
                jump: Jump::None,
                goto: false,
            },
            invert: false,
            inv: 0,
            proto: None,
            proto_num: 0,
            exts: Vec::new(),
            mark: None,
            target: None,
            src: None,
            dst: None,
            iif: None,
            oif: None,
            wait: false,
            wait_interval: false,
            ended: false,
        }
    }

    /// A word that is not an option: `!`, or a mistake.
    fn operand(&mut self, word: &str) -> Result<(), Stop> {
        if word != "!" {
            return Err(Stop::Hint(format!("Bad argument `{word}'\n")));
        }
        if self.invert {
            return Err(param("multiple consecutive ! not allowed"));
        }
        self.invert = true;
        Ok(())
    }

    /// The long options getopt knows now: the core ones and those of loaded extensions.
    fn known(&self) -> impl Iterator<Item = &'static LongOpt> + '_ {
        let mark: &[LongOpt] = if self.mark.is_some() { MARK } else { &[] };
        let target: &[LongOpt] = self.target.as_ref().map_or(&[], TargetExt::options);
        CORE.iter()
            .chain(self.exts.iter().flat_map(Ext::options))
            .chain(mark)
            .chain(target)
    }

    /// getopt_long's lookup: an exact name, else an unambiguous prefix.
    fn resolve(&self, name: &str) -> Option<&'static LongOpt> {
        if let Some(o) = self.known().find(|o| o.0 == name) {
            return Some(o);
        }
        let mut hits = self
            .known()
            .filter(|o| !name.is_empty() && o.0.starts_with(name));
        let first = hits.next()?;
        hits.all(|o| o.1 == first.1 && o.2 == first.2)
            .then_some(first)
    }

    fn long(&mut self, word: &'a str, text: &'a str) -> Result<(), Stop> {
        let (name, attached) = match text.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (text, None),
        };
        let Some(opt) = self
            .resolve(name)
            .filter(|o| o.1 != Arg::No || attached.is_none())
        else {
            // command_default: load the protocol's match and read the word again.
            if self.load_proto() {
                return self.long(word, text);
            }
            return Err(self.unknown(word, name));
        };
        let value = match (opt.1, attached) {
            (Arg::Req, None) => match self.args.get(self.next) {
                Some(v) => {
                    self.next += 1;
                    Some(v.as_str())
                }
                None => return Err(param(format!("option \"{word}\" requires an argument"))),
            },
            (_, v) => v,
        };
        match opt.2 {
            Val::Core(c) => self.core(c, value)?,
            v => self.extension(v, opt.0, value.unwrap_or(""))?,
        }
        self.invert = false;
        Ok(())
    }

    /// An option nobody knows.
    fn unknown(&self, word: &str, _name: &str) -> Stop {
        param(format!("unknown option \"{word}\""))
    }

    fn shorts(&mut self, word: &'a str) -> Result<(), Stop> {
        let body = &word[1..];
        for (i, c) in body.char_indices() {
            let rest = &body[i + c.len_utf8()..];
            let value = match short_arity(c) {
                None => return Err(param(format!("unknown option \"{word}\""))),
                Some(Arg::No) => None,
                Some(Arg::Opt) => (!rest.is_empty()).then_some(rest),
                Some(Arg::Req) if !rest.is_empty() => Some(rest),
                Some(Arg::Req) => match self.args.get(self.next) {
                    Some(v) => {
                        self.next += 1;
                        Some(v.as_str())
                    }
                    None => return Err(param(format!("option \"{word}\" requires an argument"))),
                },
            };
            self.core(c, value)?;
            self.invert = false;
            if value.is_some() {
                break;
            }
        }
        Ok(())
    }

    /// xs_has_arg: the next word is an argument (not an option, not `!`).
    fn has_arg(&self) -> bool {
        self.args
            .get(self.next)
            .is_some_and(|w| !w.starts_with('-') && !w.starts_with('!'))
    }

    fn take_arg(&mut self) -> Option<&'a str> {
        if !self.has_arg() {
            return None;
        }
        self.next += 1;
        Some(self.args[self.next - 1].as_str())
    }

    fn add_command(&mut self, new: u32, others: u32) -> Result<(), Stop> {
        if self.invert {
            return Err(param("unexpected '!' flag"));
        }
        let clash = self.p.cmd & !others;
        if clash != 0 {
            return Err(param(format!(
                "Cannot use -{} with -{}",
                cmd_char(new),
                cmd_char(clash)
            )));
        }
        self.p.cmd |= new;
        Ok(())
    }

    fn set_option(&mut self, bit: u32) -> Result<(), Stop> {
        let c = opt_char(bit);
        if self.p.options & bit != 0 {
            return Err(param(format!("multiple -{c} flags not allowed")));
        }
        self.p.options |= bit;
        if self.invert {
            if INVERTIBLE & bit == 0 {
                return Err(param(format!("cannot have ! before -{c}")));
            }
            self.inv |= bit;
        }
        Ok(())
    }

    fn rulenum(&mut self) -> Result<(), Stop> {
        if let Some(n) = self.take_arg() {
            self.p.rulenum = parse_rulenumber(n)?;
        }
        Ok(())
    }

    /// The commands (-A -C -D -R -I -L -S -F -Z -N -X -E -P).
    fn command(&mut self, c: char, value: Option<&'a str>) -> Result<(), Stop> {
        let (bit, others) = match c {
            'A' => (APPEND, 0),
            'C' => (CHECK, 0),
            'D' => (DELETE, 0),
            'R' => (REPLACE, 0),
            'I' => (INSERT, 0),
            'L' => (LIST, ZERO | ZERO_NUM),
            'S' => (LIST_RULES, ZERO | ZERO_NUM),
            'Z' => (ZERO, LIST | LIST_RULES),
            'F' => (FLUSH, 0),
            'N' => (NEW_CHAIN, 0),
            'X' => (DELETE_CHAIN, 0),
            'E' => (RENAME, 0),
            _ => (SET_POLICY, 0),
        };
        self.add_command(bit, others)?;
        self.p.chain = value.map(String::from);
        if self.p.chain.is_none() {
            self.p.chain = self.take_arg().map(String::from);
        }
        match c {
            'D' if self.has_arg() => {
                self.rulenum()?;
                self.p.cmd = DELETE_NUM;
            }
            'Z' if self.has_arg() => {
                self.rulenum()?;
                self.p.cmd = ZERO_NUM;
            }
            'R' if !self.has_arg() => return Err(param("-R requires a rule number")),
            'R' | 'L' | 'S' => self.rulenum()?,
            'I' => {
                self.p.rulenum = 1;
                self.rulenum()?;
            }
            'E' => {
                let new = self
                    .take_arg()
                    .ok_or_else(|| param("-E requires old-chain-name and new-chain-name"))?;
                self.p.new_name = Some(new.to_string());
            }
            'P' => {
                let policy = self
                    .take_arg()
                    .ok_or_else(|| param("-P requires a chain and a policy"))?;
                self.p.policy = Some(policy.to_string());
            }
            _ => {}
        }
        Ok(())
    }

    fn core(&mut self, c: char, value: Option<&'a str>) -> Result<(), Stop> {
        let arg = value.unwrap_or("");
        match c {
            'A' | 'C' | 'D' | 'R' | 'I' | 'N' | 'E' | 'P' => self.command(c, value)?,
            // Optional arguments: only attached ones; the next word is taken if it is no option.
            'L' | 'S' | 'F' | 'Z' | 'X' => self.command(c, value)?,
            'h' => return Err(Stop::Done(super::HELP.to_string())),
            'V' => {
                let v = super::VERSION;
                let text = if self.invert {
                    format!("Not {v} ;-)\n")
                } else {
                    format!("iptables v{v}\n")
                };
                return Err(Stop::Done(text));
            }
            'p' => self.protocol(arg)?,
            's' | 'd' => {
                self.set_option(if c == 's' { O_SOURCE } else { O_DEST })?;
                let slot = if c == 's' {
                    &mut self.src
                } else {
                    &mut self.dst
                };
                *slot = Some(arg.to_string());
            }
            'i' | 'o' => self.interface(c, arg)?,
            'f' => self.set_option(O_FRAG)?,
            'j' => {
                self.set_option(O_JUMP)?;
                self.jump(arg)?;
            }
            'g' => {
                self.set_option(O_JUMP)?;
                check_target_name(arg)?;
                self.p.jump = Jump::Chain(arg.to_string());
                self.p.goto = true;
            }
            'm' => self.load_match(arg)?,
            'n' => self.set_option(O_NUMERIC)?,
            'x' => self.set_option(O_EXACT)?,
            '0' => self.set_option(O_LINENUM)?,
            'v' => {
                if !self.p.verbose {
                    self.set_option(O_VERBOSE)?;
                }
                self.p.verbose = true;
            }
            't' => {
                if self.invert {
                    return Err(param("unexpected ! flag before --table"));
                }
                self.p.table = arg.to_string();
            }
            'w' | 'W' => self.wait_option(c, value)?,
            'c' => self.counters(arg)?,
            'M' | '4' => {}
            '6' => return Err(Stop::Hint(String::new())),
            _ => return Err(param(format!("unknown option \"-{c}\""))),
        }
        Ok(())
    }
}

/// The argument kind of each short option (IPT_OPTSTRING).
fn short_arity(c: char) -> Option<Arg> {
    Some(match c {
        'A' | 'C' | 'D' | 'E' | 'I' | 'M' | 'N' | 'P' | 'R' | 'c' | 'd' | 'g' | 'i' | 'j' | 'm'
        | 'o' | 'p' | 's' | 't' => Arg::Req,
        'F' | 'L' | 'S' | 'W' | 'X' | 'Z' | 'h' | 'w' => Arg::Opt,
        'V' | '4' | '6' | 'f' | 'n' | 'v' | 'x' => Arg::No,
        _ => return None,
    })
}

/// cmd2char: the letter of the highest command bit set.
fn cmd_char(bits: u32) -> char {
    let i = 31 - bits.max(1).leading_zeros() as usize;
    CMD_CHARS.get(i).copied().unwrap_or('?')
}

fn opt_char(bit: u32) -> char {
    OPT_CHARS[bit.trailing_zeros() as usize % OPT_CHARS.len()]
}

/// generic_opt_check: an option is legal if any of the given commands allows it.
fn generic_opt_check(cmd: u32, options: u32) -> Result<(), Stop> {
    for (i, c) in OPT_CHARS.iter().enumerate() {
        if options & (1 << i) == 0 {
            continue;
        }
        let mut legal = 0;
        for (j, row) in LEGAL.iter().enumerate() {
            if cmd & (1 << j) == 0 {
                continue;
            }
            if row.as_bytes()[i] != b'x' {
                legal = 1;
            } else if legal == 0 {
                legal = -1;
            }
        }
        if legal == -1 {
            return Err(param(format!("Illegal option `-{c}' with this command")));
        }
    }
    Ok(())
}
