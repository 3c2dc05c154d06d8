//! The shell's grammar, a small bash subset: words with quotes and escapes, `$$`, `$?` and
//! `$NAME`, command substitution (`$(…)` and backquotes), redirections (`>`, `>>`, `<`,
//! `N>&M`, `N<>`, `<<EOF`), pipes, `;`, `&&`, `||` and a trailing `&`. Labs and the REPL use
//! this one parser.

use std::fmt;

use super::word::read_word;
pub use super::word::{Part, Word, MAX_SUBST_DEPTH};

#[derive(Clone, Debug, PartialEq)]
pub enum RedirOp {
    /// `>` (or `>>` when append)
    Out { append: bool },
    /// `<`
    In,
    /// `<>`
    ReadWrite,
    /// `N>&M` / `N<&M` (the target is an fd number, or `-` to close)
    Dup,
    /// `<<WORD`; the body comes from the lines after the command.
    HereDoc,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Redir {
    pub fd: u32,
    pub op: RedirOp,
    pub target: Word,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct SimpleCmd {
    /// `NAME=value` words before the command name.
    pub assigns: Vec<Word>,
    pub argv: Vec<Word>,
    pub redirs: Vec<Redir>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Connector {
    /// `;` or the start of the line
    Always,
    And,
    Or,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Pipeline {
    pub connector: Connector,
    pub cmds: Vec<SimpleCmd>,
}

/// A parsed command line.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Script {
    pub pipelines: Vec<Pipeline>,
    /// A trailing `&`: run the whole line in the background.
    pub background: bool,
    /// Heredoc delimiters in order; the caller supplies their bodies.
    pub heredocs: Vec<String>,
}

#[derive(Debug, PartialEq)]
pub struct SyntaxError(pub String);

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[derive(Debug, PartialEq)]
enum Tok {
    Word(Word),
    Op(&'static str),
    Redir { fd: Option<u32>, op: &'static str },
}

const OPS: &[&str] = &["&&", "||", ";", "|", "&"];
const REDIRS: &[&str] = &["<<-", "<<", ">>", ">&", "<&", "<>", ">", "<"];

fn tokenize(line: &str) -> Result<Vec<Tok>, SyntaxError> {
    let chars: Vec<char> = line.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '#' {
            break;
        } else if let Some(what) = unsupported_operator(&chars[i..]) {
            return Err(not_supported(what));
        } else if let Some((op, len)) = match_op(&chars[i..]) {
            toks.push(op);
            i += len;
        } else {
            let (word, len) = read_word(&chars[i..])?;
            i += len;
            // `2>` and `8<>`: digits right before a redirection are its fd.
            if !word.quoted && i < chars.len() {
                if let Some(fd) = fd_number(&word) {
                    if let Some((Tok::Redir { op, .. }, len)) = match_op(&chars[i..]) {
                        toks.push(Tok::Redir { fd: Some(fd), op });
                        i += len;
                        continue;
                    }
                }
            }
            toks.push(Tok::Word(word));
        }
    }
    Ok(toks)
}

/// Digits read as a descriptor number: any that fits an int, as bash reads them (a longer
/// run of digits is an ordinary word).
fn fd_number(word: &Word) -> Option<u32> {
    match word.parts.as_slice() {
        [Part::Lit(s)] if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) => {
            s.parse::<u32>().ok().filter(|n| i32::try_from(*n).is_ok())
        }
        _ => None,
    }
}

/// Bash operators netstep's shell does not have, named for the message.
fn unsupported_operator(rest: &[char]) -> Option<&'static str> {
    let starts = |s: &str| s.chars().enumerate().all(|(j, c)| rest.get(j) == Some(&c));
    [
        ("<<<", "here-strings (<<<)"),
        ("&>", "`&>` (write `> FILE 2>&1` instead)"),
        (">|", "`>|`"),
        ("<(", "process substitution <(…)"),
        (">(", "process substitution >(…)"),
    ]
    .iter()
    .find(|(op, _)| starts(op))
    .map(|(_, what)| *what)
}

pub(super) fn not_supported(what: &str) -> SyntaxError {
    SyntaxError(format!("{what}: not supported by netstep's shell"))
}

/// What a word in command position means to bash that netstep's shell does not do.
fn unsupported_command(w: &Word) -> Option<String> {
    if w.quoted {
        return None;
    }
    let [Part::Lit(t)] = w.parts.as_slice() else {
        return None;
    };
    let what = match t.as_str() {
        "if" | "then" | "elif" | "else" | "fi" => "`if` statements",
        "for" | "while" | "until" | "do" | "done" | "select" => "loops (`for`, `while`)",
        "case" | "esac" => "`case` statements",
        "function" | "{" | "}" => "functions and `{ …; }` groups",
        "[[" | "]]" => "`[[ … ]]` tests",
        "!" => "`!` before a pipeline",
        "time" | "coproc" => "`time` and `coproc`",
        t if t.starts_with('(') => "subshells `( … )`",
        _ => return None,
    };
    Some(what.to_string())
}

/// `NAME=…`: an unquoted name and `=` at the start of the word.
fn is_assignment(w: &Word) -> bool {
    match w.parts.first() {
        Some(Part::Lit(t)) => super::session::assignment(t).is_some(),
        _ => false,
    }
}

fn match_op(rest: &[char]) -> Option<(Tok, usize)> {
    let starts = |s: &str| s.chars().enumerate().all(|(j, c)| rest.get(j) == Some(&c));
    if let Some(op) = REDIRS.iter().find(|r| starts(r)) {
        return Some((Tok::Redir { fd: None, op }, op.len()));
    }
    OPS.iter()
        .find(|o| starts(o))
        .map(|o| (Tok::Op(o), o.len()))
}

/// Parses a command line into pipelines.
pub fn parse(line: &str) -> Result<Script, SyntaxError> {
    let toks = tokenize(line)?;
    let mut script = Script::default();
    let mut cur = SimpleCmd::default();
    let mut pipeline = Pipeline {
        connector: Connector::Always,
        cmds: Vec::new(),
    };
    let mut iter = toks.into_iter().peekable();
    while let Some(tok) = iter.next() {
        match tok {
            Tok::Word(w) if cur.argv.is_empty() && is_assignment(&w) => cur.assigns.push(w),
            Tok::Word(w) if cur.argv.is_empty() => {
                if let Some(what) = unsupported_command(&w) {
                    return Err(not_supported(&what));
                }
                cur.argv.push(w)
            }
            Tok::Word(w) => cur.argv.push(w),
            Tok::Redir { fd, op } => {
                let Some(Tok::Word(target)) = iter.next() else {
                    return Err(SyntaxError(
                        "syntax error near unexpected token `newline'".into(),
                    ));
                };
                let redir = make_redir(fd, op, target, &mut script.heredocs)?;
                cur.redirs.push(redir);
            }
            Tok::Op(op) => {
                if cur.argv.is_empty() && cur.redirs.is_empty() && cur.assigns.is_empty() {
                    return Err(SyntaxError(format!(
                        "syntax error near unexpected token `{op}'"
                    )));
                }
                pipeline.cmds.push(std::mem::take(&mut cur));
                if op == "|" {
                    continue;
                }
                let connector = match op {
                    "&&" => Connector::And,
                    "||" => Connector::Or,
                    _ => Connector::Always,
                };
                script.pipelines.push(std::mem::replace(
                    &mut pipeline,
                    Pipeline {
                        connector,
                        cmds: Vec::new(),
                    },
                ));
                if op == "&" {
                    if iter.peek().is_some() {
                        return Err(SyntaxError(
                            "'&' is supported only at the end of a line".into(),
                        ));
                    }
                    script.background = true;
                }
            }
        }
    }
    if !cur.argv.is_empty() || !cur.redirs.is_empty() || !cur.assigns.is_empty() {
        pipeline.cmds.push(cur);
    } else if !pipeline.cmds.is_empty() || pipeline.connector != Connector::Always {
        return Err(SyntaxError("syntax error: unexpected end of line".into()));
    }
    if !pipeline.cmds.is_empty() {
        script.pipelines.push(pipeline);
    }
    Ok(script)
}

fn make_redir(
    fd: Option<u32>,
    op: &str,
    target: Word,
    heredocs: &mut Vec<String>,
) -> Result<Redir, SyntaxError> {
    let (default_fd, op) = match op {
        ">" => (1, RedirOp::Out { append: false }),
        ">>" => (1, RedirOp::Out { append: true }),
        "<" => (0, RedirOp::In),
        "<>" => (0, RedirOp::ReadWrite),
        ">&" => (1, RedirOp::Dup),
        "<&" => (0, RedirOp::Dup),
        _ => {
            heredocs.push(target.text());
            (0, RedirOp::HereDoc)
        }
    };
    // `>&file` means both stdout and stderr to file, as in bash.
    if op == RedirOp::Dup
        && fd.is_none()
        && default_fd == 1
        && fd_number(&target).is_none()
        && target.text() != "-"
    {
        return Ok(Redir {
            fd: 1,
            op: RedirOp::Out { append: false },
            target,
        });
    }
    Ok(Redir {
        fd: fd.unwrap_or(default_fd),
        op,
        target,
    })
}

/// Splits a lab statement into words with the shell's quoting rules; operators are not
/// allowed outside quotes there.
pub fn split_words(line: &str) -> Result<Vec<String>, SyntaxError> {
    tokenize(line)?
        .into_iter()
        .map(|t| match t {
            Tok::Word(w) => Ok(w.text()),
            Tok::Op(op) | Tok::Redir { op, .. } => {
                Err(SyntaxError(format!("unexpected `{op}' (quote it)")))
            }
        })
        .collect()
}

/// The heredoc delimiters a line opens, so a lab reader knows how many bodies follow.
pub fn heredoc_markers(line: &str) -> Result<Vec<String>, SyntaxError> {
    parse(line).map(|s| s.heredocs)
}

impl SimpleCmd {
    pub fn words(argv: &[&str]) -> SimpleCmd {
        SimpleCmd {
            assigns: Vec::new(),
            argv: argv.iter().map(|a| Word::lit(a)).collect(),
            redirs: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &Script, p: usize, c: usize) -> Vec<String> {
        s.pipelines[p].cmds[c]
            .argv
            .iter()
            .map(|w| w.expand(&|v| format!("<{v}>")))
            .collect()
    }

    #[test]
    fn quotes_escapes_and_vars() {
        let s = parse(r#"echo -e 'GET / HTTP/1.0\n' "pid $$" a\ b "x\"y" ${HOME}z"#).unwrap();
        assert_eq!(
            argv(&s, 0, 0),
            [
                "echo",
                "-e",
                "GET / HTTP/1.0\\n",
                "pid <$>",
                "a b",
                "x\"y",
                "<HOME>z"
            ]
        );
    }

    #[test]
    fn braces_name_a_parameter_or_are_refused_as_bash_refuses_them() {
        let s = parse("echo ${HOME}x ${1} ${#} $# $1").unwrap();
        assert_eq!(
            argv(&s, 0, 0),
            ["echo", "<HOME>x", "<1>", "<#>", "<#>", "<1>"]
        );
        let e = parse("echo ${x:-d}").unwrap_err();
        assert!(e.0.contains("not supported by netstep's shell"), "{e}");
        assert!(parse("echo ${#x}").is_err());
        let e = parse("echo ${HOME").unwrap_err();
        assert_eq!(e.0, "unexpected EOF while looking for matching `}'");
        // Malformed braces are bash's bad substitution, found when the command runs.
        let s = parse("echo ${a b} ${}").unwrap();
        let w = &s.pipelines[0].cmds[0].argv;
        assert_eq!(w[1].bad_substitution(), Some("${a b}"));
        assert_eq!(w[2].bad_substitution(), Some("${}"));
    }

    #[test]
    fn bash_syntax_the_shell_lacks_is_said_so() {
        for (line, what) in [
            ("for i in 1 2; do echo $i; done", "loops"),
            ("if true; then echo y; fi", "`if` statements"),
            ("(echo hi)", "subshells"),
            ("cat <<< hi", "here-strings"),
            ("echo hi &> f", "`&>`"),
            ("echo $[1+1]", "arithmetic expansion $[…]"),
            ("diff <(ls) x", "process substitution"),
            ("! true", "`!` before a pipeline"),
        ] {
            let e = parse(line).unwrap_err();
            assert!(e.0.starts_with(what), "{line}: {e}");
            assert!(
                e.0.ends_with(": not supported by netstep's shell"),
                "{line}: {e}"
            );
        }
        // Only in command position, and not quoted: these are plain words.
        assert!(parse("echo for x=1 !").is_ok());
        assert!(parse("\"for\"").is_ok());
    }

    /// A megabyte of `${` is refused at once, not after a quadratic scan.
    #[test]
    fn an_unterminated_brace_ends_the_line_in_one_pass() {
        let line = format!("echo {}", "${".repeat(500_000));
        assert!(parse(&line).is_err());
    }

    #[test]
    fn a_lab_word_keeps_command_substitutions_as_written() {
        // `expect contains "…"` reads its text with split_words: nothing is run there.
        let w = split_words(r#"contains "`-T` and $(pidof x)""#).unwrap();
        assert_eq!(w, ["contains", "`-T` and $(pidof x)"]);
    }

    #[test]
    fn redirections_with_fds() {
        let s = parse("exec 8<> /dev/tcp/www/80").unwrap();
        assert_eq!(s.pipelines[0].cmds[0].redirs[0].fd, 8);
        assert_eq!(s.pipelines[0].cmds[0].redirs[0].op, RedirOp::ReadWrite);
        let s = parse("echo hi >&8; cat <&8 2>/dev/null").unwrap();
        assert_eq!(s.pipelines[0].cmds[0].redirs[0].op, RedirOp::Dup);
        assert_eq!(s.pipelines[1].cmds[0].redirs[1].fd, 2);
        let s = parse("echo 1 > /proc/sys/net/ipv4/ip_forward").unwrap();
        assert_eq!(
            s.pipelines[0].cmds[0].redirs[0].target.text(),
            "/proc/sys/net/ipv4/ip_forward"
        );
    }

    #[test]
    fn lists_pipes_background_heredoc() {
        let s = parse("sysctl -a | grep arp && echo ok || echo no").unwrap();
        assert_eq!(s.pipelines.len(), 3);
        assert_eq!(s.pipelines[0].cmds.len(), 2);
        assert_eq!(s.pipelines[1].connector, Connector::And);
        assert!(parse("tcpdump -c 2 &").unwrap().background);
        assert_eq!(parse("cat > /x <<EOF").unwrap().heredocs, ["EOF"]);
    }

    #[test]
    fn syntax_errors() {
        assert!(parse("echo 'open").is_err());
        assert!(parse("| grep x").is_err());
        assert!(parse("echo >").is_err());
        assert!(parse("a & b").is_err());
        assert!(parse("echo x &&").is_err());
    }
}
