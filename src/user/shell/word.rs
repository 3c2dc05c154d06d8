//! Words of the shell's grammar: literal text, quotes and escapes, `$$`, `$?`, `$NAME` and
//! `${NAME}`, command substitution (`$(…)` and backquotes). A word keeps its variables and
//! substitutions as parts, expanded when the command runs.

use super::lexer::{not_supported, SyntaxError};

/// One piece of a word: literal text, or a variable expanded when the command runs.
#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    Lit(String),
    Var(String),
    /// `$(command)` or `` `command` `` (`backquote`): the command's output, when the word
    /// is expanded.
    Cmd {
        line: String,
        backquote: bool,
    },
    /// `${…}` that names nothing (`${a b}`, `${}`): bash's "bad substitution" when the
    /// command runs.
    Bad(String),
}

/// Command substitutions nested deeper than this are refused (bash has no fixed limit, but
/// each level is a subshell; a runaway nesting must not exhaust the stack).
pub const MAX_SUBST_DEPTH: usize = 16;

/// A word as written; `quoted` words are never taken for operators or heredoc markers.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Word {
    pub parts: Vec<Part>,
    pub quoted: bool,
}

impl Word {
    pub(super) fn lit(text: &str) -> Word {
        Word {
            parts: vec![Part::Lit(text.to_string())],
            quoted: false,
        }
    }

    /// The word with variables expanded by `var`; command substitutions stay as written.
    pub fn expand(&self, var: &dyn Fn(&str) -> String) -> String {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Lit(s) => s.clone(),
                Part::Var(v) => var(v),
                Part::Cmd {
                    line,
                    backquote: true,
                } => format!("`{line}`"),
                Part::Cmd { line, .. } => format!("$({line})"),
                Part::Bad(text) => text.clone(),
            })
            .collect()
    }

    /// The first `${…}` in the word that names nothing, as written.
    pub fn bad_substitution(&self) -> Option<&str> {
        self.parts.iter().find_map(|p| match p {
            Part::Bad(t) => Some(t.as_str()),
            _ => None,
        })
    }

    /// The command substitutions in the word, in order.
    pub fn substitutions(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Cmd { line, .. } => Some(line.as_str()),
            _ => None,
        })
    }

    /// The word's fields: variables expanded, substitutions replaced by `outputs` (taken
    /// in order), and, outside quotes, split at white space as bash splits them.
    pub fn fields(
        &self,
        var: &dyn Fn(&str) -> String,
        outputs: &mut dyn Iterator<Item = String>,
    ) -> Vec<String> {
        let mut text = String::new();
        let mut substituted = false;
        for p in &self.parts {
            match p {
                Part::Lit(s) => text.push_str(s),
                Part::Var(v) => text.push_str(&var(v)),
                Part::Bad(t) => text.push_str(t),
                Part::Cmd { .. } => {
                    substituted = true;
                    text.push_str(outputs.next().unwrap_or_default().trim_end_matches('\n'));
                }
            }
        }
        if substituted && !self.quoted {
            return text.split_whitespace().map(String::from).collect();
        }
        vec![text]
    }

    /// The literal text, for words without variables (operators, file names in tests).
    pub fn text(&self) -> String {
        self.expand(&|v| format!("${v}"))
    }
}

/// Reads one word up to an unquoted blank or operator character.
pub(super) fn read_word(chars: &[char]) -> Result<(Word, usize), SyntaxError> {
    let mut w = WordBuilder::default();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() || "|&;<>".contains(c) {
            break;
        }
        match c {
            '\'' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&c| c == '\'')
                    .ok_or_else(|| unterminated('\''))?;
                w.lit(&chars[i + 1..i + 1 + end].iter().collect::<String>());
                w.quoted = true;
                i += end + 2;
            }
            '"' => {
                i += 1 + read_double_quoted(&chars[i + 1..], &mut w)?;
                w.quoted = true;
            }
            '\\' if i + 1 < chars.len() => {
                w.lit(&chars[i + 1].to_string());
                i += 2;
            }
            '$' if chars.get(i + 1) == Some(&'(') => i += read_subst(&chars[i..], &mut w)?,
            '`' => i += read_backquote(&chars[i..], &mut w)?,
            '$' => i += read_var(&chars[i..], &mut w)?,
            _ => {
                w.lit(&c.to_string());
                i += 1;
            }
        }
    }
    Ok((w.finish(), i))
}

/// Inside "…": `$` expands, `\` escapes only `"`, `\`, `$` and a backquote. Returns the
/// length consumed including the closing quote.
fn read_double_quoted(chars: &[char], w: &mut WordBuilder) -> Result<usize, SyntaxError> {
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '"' => return Ok(i + 1),
            '\\' if i + 1 < chars.len() && "\"\\$`".contains(chars[i + 1]) => {
                w.lit(&chars[i + 1].to_string());
                i += 2;
            }
            '$' if chars.get(i + 1) == Some(&'(') => i += read_subst(&chars[i..], w)?,
            '`' => i += read_backquote(&chars[i..], w)?,
            '$' => i += read_var(&chars[i..], w)?,
            c => {
                w.lit(&c.to_string());
                i += 1;
            }
        }
    }
    Err(unterminated('"'))
}

/// `$(…)` up to its matching `)` (quotes and nested parentheses inside count); `$((…))`
/// is arithmetic, which this shell does not do. Returns the length consumed.
fn read_subst(chars: &[char], w: &mut WordBuilder) -> Result<usize, SyntaxError> {
    if chars.get(2) == Some(&'(') {
        return Err(SyntaxError(
            "arithmetic expansion $((…)) is not supported by netstep's shell".into(),
        ));
    }
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (j, &c) in chars.iter().enumerate().skip(2) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') if depth == 0 => {
                w.cmd(&chars[2..j].iter().collect::<String>(), false);
                return Ok(j + 1);
            }
            (None, ')') => depth -= 1,
            _ => {}
        }
    }
    Err(SyntaxError(
        "unexpected EOF while looking for matching `)'".into(),
    ))
}

/// `` `…` ``: the old form of command substitution.
fn read_backquote(chars: &[char], w: &mut WordBuilder) -> Result<usize, SyntaxError> {
    let end = chars[1..]
        .iter()
        .position(|&c| c == '`')
        .ok_or_else(|| unterminated('`'))?;
    w.cmd(&chars[1..1 + end].iter().collect::<String>(), true);
    Ok(end + 2)
}

/// `$$`, `$?`, `$#`, `$1`…, `$NAME`, `${NAME}`; a lone `$` is literal. Returns the length
/// consumed. The scan for `}` stops at the first one, and a `${` without one ends the line
/// (bash: unexpected EOF), so reading stays linear whatever the line holds.
fn read_var(chars: &[char], w: &mut WordBuilder) -> Result<usize, SyntaxError> {
    match chars.get(1) {
        Some('[') => Err(not_supported("arithmetic expansion $[…]")),
        Some(c) if "$?#@*!-".contains(*c) || c.is_ascii_digit() => {
            w.var(&c.to_string());
            Ok(2)
        }
        Some('{') => {
            let end = chars[2..]
                .iter()
                .position(|&c| c == '}')
                .ok_or_else(|| unterminated('}'))?;
            let inner: String = chars[2..2 + end].iter().collect();
            braced(&inner, w)?;
            Ok(end + 3)
        }
        Some(c) if c.is_ascii_alphabetic() || *c == '_' => {
            let len = chars[1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                .count();
            w.var(&chars[1..1 + len].iter().collect::<String>());
            Ok(len + 1)
        }
        _ => {
            w.lit("$");
            Ok(1)
        }
    }
}

/// The inside of `${…}`: a name, a positional or special parameter; an operator bash has
/// and netstep's shell does not (`${x:-d}`, `${#x}`) is said so; anything else is bash's
/// bad substitution when the command runs.
fn braced(inner: &str, w: &mut WordBuilder) -> Result<(), SyntaxError> {
    let name_len = inner
        .char_indices()
        .take_while(|&(i, c)| c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit()))
        .count();
    let special = inner.len() == 1 && "$?#@*!-".contains(inner);
    let digits = !inner.is_empty() && inner.chars().all(|c| c.is_ascii_digit());
    if name_len == inner.len() && name_len > 0 || special || digits {
        w.var(inner);
        return Ok(());
    }
    let operator = inner.starts_with(['#', '!']) && inner.len() > 1
        || name_len > 0
            && inner[name_len..]
                .starts_with([':', '-', '=', '?', '+', '%', '#', '/', '^', ',', '[']);
    if operator {
        return Err(SyntaxError(format!(
            "${{{inner}}}: parameter expansion operators are not supported by netstep's shell"
        )));
    }
    w.bad(&format!("${{{inner}}}"));
    Ok(())
}

fn unterminated(q: char) -> SyntaxError {
    SyntaxError(format!("unexpected EOF while looking for matching `{q}'"))
}

#[derive(Default)]
struct WordBuilder {
    parts: Vec<Part>,
    quoted: bool,
    touched: bool,
}

impl WordBuilder {
    fn lit(&mut self, s: &str) {
        self.touched = true;
        if let Some(Part::Lit(last)) = self.parts.last_mut() {
            last.push_str(s);
        } else {
            self.parts.push(Part::Lit(s.to_string()));
        }
    }
    fn var(&mut self, name: &str) {
        self.touched = true;
        self.parts.push(Part::Var(name.to_string()));
    }
    fn bad(&mut self, text: &str) {
        self.touched = true;
        self.parts.push(Part::Bad(text.to_string()));
    }

    fn cmd(&mut self, line: &str, backquote: bool) {
        self.touched = true;
        self.parts.push(Part::Cmd {
            line: line.to_string(),
            backquote,
        });
    }
    fn finish(self) -> Word {
        let mut parts = self.parts;
        if parts.is_empty() && self.touched {
            parts.push(Part::Lit(String::new()));
        }
        Word {
            parts,
            quoted: self.quoted,
        }
    }
}
