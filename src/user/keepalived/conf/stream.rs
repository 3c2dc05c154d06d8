//! process_stream: walks the lines block by block, matching each first word against the
//! keywords of the block it is in. Its quirks are keepalived's: a keyword without its `{`
//! gets "Missing '{'" and its block runs on regardless, a stray `{` is ignored with a
//! message, the first `}` closes whatever block is open, and a `}` too many is "Extra '}'
//! found" (then an unknown keyword at the top).

use super::lexer::{Lexed, Line, Problem};
use super::{Config, Parsed, Pass, Report};
use std::rc::Rc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Section {
    Top,
    Global,
    Instance,
    Auth,
    Script,
    SyncGroup,
    Vs,
    Rs,
    Checker,
    Url,
}

/// Which process a top-level keyword belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Owner {
    Global,
    Vrrp,
    Check,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Values {
    Vips,
    Evips,
    UnicastPeers,
    TrackInterfaces,
    TrackScripts,
    Emails,
    GroupMembers,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Leaf,
    Block(Section),
    Values(Values),
    /// A keyword keepalived knows and netstep does not simulate: its block is skipped and a
    /// `netstep:` line says so.
    Unsimulated,
}

pub(super) struct Parser {
    lines: Vec<Line>,
    pos: usize,
    pub(super) pass: Pass,
    pub(super) test: bool,
    pub(super) cfg: Config,
    reports: Vec<Report>,
    several_files: bool,
    /// The line being handled (where reports point).
    pub(super) at: Option<(Rc<str>, usize)>,
    /// read_line's count of open braces (for "Extra '}' found").
    depth: i64,
    /// skip_sublevel: >0 inside a skipped block, -1 when the next line may open one.
    skip: i64,
    /// A missing parameter: keepalived exits (status 2) after saying so.
    pub(super) fatal: bool,
    /// The instance being read has its own `priority`.
    pub(super) prio_set: bool,
    /// The node's interfaces (a VRRP instance's must exist).
    pub(super) ifaces: Vec<String>,
    /// An instance names an interface the node does not have.
    pub(super) missing_iface: bool,
    /// The configuration cannot run (the process exits with CONFIG).
    pub(super) invalid: bool,
}

impl Parser {
    pub(super) fn new(lexed: Lexed, pass: Pass, test: bool, ifaces: Vec<String>) -> Parser {
        let mut p = Parser {
            lines: lexed.lines,
            pos: 0,
            pass,
            test,
            cfg: Config::default(),
            reports: Vec::new(),
            several_files: lexed.several_files,
            at: None,
            depth: 0,
            skip: 0,
            fatal: false,
            prio_set: false,
            ifaces,
            missing_iface: false,
            invalid: false,
        };
        for Problem { file, line, text } in lexed.problems {
            p.reports.push(Report {
                at: Some((file, line)),
                text,
                error: true,
            });
        }
        p
    }

    pub(super) fn run(&mut self) {
        self.stream(Section::Top, 0, false);
        if self.depth > 0 && !self.fatal {
            let n = self.depth;
            self.error(format!("There are {n} missing '}}'s or extra '{{'s"));
        }
        if !self.fatal {
            self.validate();
        }
    }

    pub(super) fn finish(self) -> Parsed {
        Parsed {
            cfg: self.cfg,
            reports: self.reports,
            several_files: self.several_files,
            fatal: self.fatal,
            invalid: self.invalid,
        }
    }

    /// report_config_error at the current line.
    pub(super) fn error(&mut self, text: String) {
        self.reports.push(Report {
            at: self.at.clone(),
            text,
            error: true,
        });
    }

    /// log_message: a line without a position that is not a config error.
    pub(super) fn log(&mut self, text: String) {
        self.reports.push(Report {
            at: None,
            text,
            error: false,
        });
    }

    /// An error keepalived reports after reading, without a line.
    pub(super) fn error_unplaced(&mut self, text: String) {
        self.reports.push(Report {
            at: None,
            text,
            error: true,
        });
    }

    /// read_line: the next line, counting braces.
    fn next_line(&mut self) -> Option<Vec<String>> {
        let line = self.lines.get(self.pos)?.clone();
        self.pos += 1;
        self.at = Some((Rc::clone(&line.file), line.line));
        match line.words.first().map(String::as_str) {
            Some("{") => self.depth += 1,
            Some("}") => {
                self.depth -= 1;
                if self.depth < 0 {
                    self.error("Extra '}' found".into());
                    self.depth = 0;
                }
            }
            _ => {}
        }
        Some(line.words)
    }

    fn active(&self, owner: Owner) -> bool {
        matches!(
            (owner, self.pass),
            (Owner::Global, Pass::Parent)
                | (Owner::Vrrp, Pass::Vrrp)
                | (Owner::Check, Pass::Checker)
        )
    }

    /// The keyword `word` of `section`: what it is, and for top-level ones whose they are.
    fn keyword(&self, section: Section, word: &str) -> Option<(Kind, Option<Owner>)> {
        match section {
            Section::Top => super::parse_global::root(word).map(|(k, o)| (k, Some(o))),
            Section::Global => super::parse_global::keyword(word).map(|k| (k, None)),
            Section::Instance | Section::Auth | Section::Script | Section::SyncGroup => {
                super::parse_vrrp::keyword(section, word).map(|k| (k, None))
            }
            Section::Vs | Section::Rs | Section::Checker | Section::Url => {
                super::parse_check::keyword(section, word, self.checker_kind()).map(|k| (k, None))
            }
        }
    }

    /// Returns true when a skipped block ended the enclosing one (ret_err).
    fn stream(&mut self, section: Section, level: usize, mut need_bob: bool) -> bool {
        while let Some(words) = self.next_line() {
            if self.fatal {
                return false;
            }
            let first = words[0].clone();
            if self.skip == -1 {
                if first == "{" {
                    self.skip = 1;
                    need_bob = false;
                    continue;
                }
                self.skip = 0;
            }
            if self.skip > 0 {
                for w in &words {
                    if w == "{" {
                        self.skip += 1;
                    } else if w == "}" {
                        self.skip -= 1;
                        if self.skip == 0 {
                            break;
                        }
                    }
                }
                if first == "}" && self.skip == 0 && level > 0 {
                    return true;
                }
                continue;
            }
            if need_bob {
                need_bob = false;
                if first == "{" && level > 0 {
                    continue;
                }
                self.error("Missing '{' at beginning of configuration block".into());
            } else if first == "{" {
                self.error("Unexpected '{' - ignoring".into());
                continue;
            }
            if first == "}" && level > 0 {
                break;
            }
            self.keyword_line(section, level, &words);
        }
        false
    }

    fn keyword_line(&mut self, section: Section, level: usize, words: &[String]) {
        let Some((kind, owner)) = self.keyword(section, &words[0]) else {
            self.error(format!("Unknown keyword '{}'", words[0]));
            return;
        };
        if let Some(owner) = owner.filter(|o| !self.active(*o)) {
            self.skip = -1;
            match owner {
                Owner::Vrrp if words[0] == "vrrp_instance" => self.cfg.have_vrrp = true,
                Owner::Check if words[0] == "virtual_server" => self.cfg.have_checker = true,
                _ => {}
            }
            return;
        }
        match kind {
            Kind::Leaf => self.leaf(section, words),
            Kind::Unsimulated => {
                self.log(format!(
                    "netstep: keyword '{}' is not simulated - ignored",
                    words[0]
                ));
                self.skip = -1;
            }
            Kind::Values(v) => {
                self.value_block(v, words);
            }
            Kind::Block(sub) => {
                if !self.open(sub, words) {
                    if self.fatal {
                        return;
                    }
                    self.skip = -1;
                    return;
                }
                let skipped = self.stream(sub, level + 1, true);
                if !skipped {
                    self.close(sub);
                }
            }
        }
    }

    /// alloc_value_block: the lines of a `{ … }` list, each given to the list's handler.
    fn value_block(&mut self, kind: Values, words: &[String]) {
        let mut need_bob = true;
        let mut first: Option<Vec<String>> = None;
        if words.len() > 1 {
            self.error(format!(
                "Block {} has extra parameters {} ...",
                words[0], words[1]
            ));
        }
        while let Some(mut vec) = first.take().or_else(|| self.next_line()) {
            if need_bob {
                need_bob = false;
                if vec[0] == "{" {
                    if vec.len() == 1 {
                        continue;
                    }
                    vec.remove(0);
                } else {
                    self.log(format!("'{{' missing from beginning of block {}", words[0]));
                }
            }
            if vec.last().is_some_and(|w| w == "}") {
                if vec.len() == 1 {
                    break;
                }
                vec.pop();
                self.value(kind, &vec);
                break;
            }
            self.value(kind, &vec);
        }
    }

    /// A keyword with its arguments, in the block it belongs to.
    fn leaf(&mut self, section: Section, words: &[String]) {
        match section {
            Section::Top | Section::Global => self.global_leaf(words),
            Section::Instance | Section::Auth | Section::Script | Section::SyncGroup => {
                self.vrrp_leaf(section, words)
            }
            Section::Vs | Section::Rs | Section::Checker | Section::Url => {
                self.check_leaf(section, words)
            }
        }
    }

    /// A block starts; false skips it.
    fn open(&mut self, section: Section, words: &[String]) -> bool {
        match section {
            Section::Top | Section::Global => true,
            Section::Instance | Section::Auth | Section::Script | Section::SyncGroup => {
                self.vrrp_open(section, words)
            }
            Section::Vs | Section::Rs | Section::Checker | Section::Url => {
                self.check_open(section, words)
            }
        }
    }

    /// A block ended (sub_close_handler).
    fn close(&mut self, section: Section) {
        match section {
            Section::Instance | Section::Script => self.vrrp_close(section),
            Section::Vs | Section::Rs | Section::Checker => self.check_close(section),
            _ => {}
        }
    }

    fn value(&mut self, kind: Values, words: &[String]) {
        match kind {
            Values::Emails => self.cfg.global.notification_email.push(words[0].clone()),
            Values::Vips
            | Values::Evips
            | Values::UnicastPeers
            | Values::TrackInterfaces
            | Values::TrackScripts
            | Values::GroupMembers => self.vrrp_value(kind, words),
        }
    }

    /// The checks keepalived makes after reading (vrrp_complete_init, check_complete_init).
    fn validate(&mut self) {
        self.at = None;
        match self.pass {
            Pass::Vrrp => self.vrrp_validate(),
            Pass::Checker => self.check_validate(),
            Pass::Parent => {}
        }
    }
}
