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
    Bfd,
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

pub(super) struct Parser<'a> {
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
    /// Scripts would run as root without enable_script_security (keepalived -t exits 6).
    pub(super) security: bool,
    /// The parent's global_defs, which the children inherit.
    pub(super) inherited: Option<super::Global>,
    /// The line being handled, as written.
    pub(super) cur: Option<Line>,
    /// The scripts the configuration would run (for the script-security check).
    pub(super) scripts: Vec<String>,
    /// The node's files (scripts must exist to count as run).
    pub(super) files: &'a dyn super::lexer::Files,
}

impl<'a> Parser<'a> {
    pub(super) fn new(
        files: &'a dyn super::lexer::Files,
        lexed: Lexed,
        (pass, test): (Pass, bool),
        ifaces: Vec<String>,
    ) -> Parser<'a> {
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
            security: false,
            inherited: None,
            cur: None,
            scripts: Vec::new(),
            files,
        };
        for Problem {
            file,
            line,
            text,
            error,
        } in lexed.problems
        {
            p.reports.push(Report {
                at: Some((file, line)),
                text,
                error: true,
                counts: error,
            });
        }
        p
    }

    pub(super) fn run(&mut self) {
        if let Some(g) = self.inherited.take() {
            self.cfg.global = g;
        }
        self.stream(Section::Top, 0, false);
        if self.depth > 0 && !self.fatal {
            let n = self.depth;
            self.error_unplaced(format!("There are {n} missing '}}'s or extra '{{'s"));
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
            security: self.security,
        }
    }

    /// A keyword's script, read as keepalived reads it: the rest of the line, quotes and
    /// all; an unterminated quote is reported and the text taken as it stands.
    pub(super) fn script_arg(&mut self, words: &[String]) -> Option<String> {
        let cur = self.cur.clone()?;
        if cur.unmatched_quote {
            self.error(format!("String '{}': missing terminating \"", cur.raw));
            let rest = cur.raw.trim_start().trim_start_matches(&*words[0]).trim();
            return Some(rest.trim_start_matches('"').to_string());
        }
        self.arg(words, 1)?;
        let script = words[1..].join(" ");
        self.scripts.push(script.clone());
        Some(script)
    }

    /// report_config_error at the current line.
    pub(super) fn error(&mut self, text: String) {
        self.reports.push(Report {
            at: self.at.clone(),
            text,
            error: true,
            counts: true,
        });
    }

    /// log_message: a line without a position that is not a config error (not shown by
    /// `keepalived -t`, which prints only config errors).
    pub(super) fn log(&mut self, text: String) {
        self.reports.push(Report {
            at: None,
            text,
            error: false,
            counts: false,
        });
    }

    /// A note of netstep's own (a keyword it does not simulate): logged, and shown by -t.
    pub(super) fn note(&mut self, text: String) {
        self.reports.push(Report {
            at: self.at.clone(),
            text,
            error: true,
            counts: false,
        });
    }

    /// An error keepalived reports after reading, without a line.
    pub(super) fn error_unplaced(&mut self, text: String) {
        self.reports.push(Report {
            at: None,
            text,
            error: true,
            counts: true,
        });
    }

    /// read_line: the next line, counting braces.
    fn next_line(&mut self) -> Option<Vec<String>> {
        let line = self.lines.get(self.pos)?.clone();
        self.pos += 1;
        self.at = Some((Rc::clone(&line.file), line.line));
        self.cur = Some(line.clone());
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
                | (Owner::Bfd, Pass::Bfd)
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
            match owner {
                Owner::Vrrp if words[0] == "vrrp_instance" => self.cfg.have_vrrp = true,
                Owner::Check if words[0] == "virtual_server" => self.cfg.have_checker = true,
                _ => {}
            }
            // An inactive keyword's block is skipped inside its own level, as
            // process_stream recurses into a skipped keyword's sub-keywords.
            self.skip = -1;
            if let Kind::Block(sub) = kind {
                self.stream(sub, level + 1, true);
            }
            return;
        }
        match kind {
            Kind::Leaf => self.leaf(section, words),
            Kind::Unsimulated => {
                self.note(format!(
                    "netstep: keyword '{}' is not simulated - ignored",
                    words[0]
                ));
                self.skip_block();
            }
            Kind::Values(v) => {
                self.value_block(v, words);
            }
            Kind::Block(sub) => {
                if !self.open(sub, words) {
                    if self.fatal {
                        return;
                    }
                    // skip_block: the block goes unread, one level down.
                    self.skip = -1;
                    self.stream(sub, level + 1, true);
                    return;
                }
                let skipped = self.stream(sub, level + 1, true);
                if !skipped {
                    self.close(sub);
                }
            }
        }
    }

    /// A keyword netstep does not simulate: its `{ … }` block, if one follows, goes unread
    /// (without ending the block it is in).
    fn skip_block(&mut self) {
        if self.lines.get(self.pos).is_none_or(|l| l.words[0] != "{") {
            return;
        }
        let mut depth = 0i64;
        while let Some(words) = self.next_line() {
            for w in &words {
                match w.as_str() {
                    "{" => depth += 1,
                    "}" => depth -= 1,
                    _ => {}
                }
            }
            if depth <= 0 {
                return;
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
            Pass::Parent | Pass::Bfd => {}
        }
    }
}
