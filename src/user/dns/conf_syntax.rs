//! named.conf's syntax, apart from its meaning: a tokenizer (strings, words, `{`, `}`, `;`;
//! `//`, `#` and `/* */` comments; line numbers) and a parser into nested statements.

/// Blocks nest only a few levels in any real named.conf; the bound keeps hostile input from
/// exhausting the stack.
const MAX_DEPTH: usize = 32;

/// The top-level statements of `text`.
pub(super) fn statements(text: &str, file: &str) -> Result<Vec<Stmt>, String> {
    let toks = Lexer {
        chars: text.chars().collect(),
        pos: 0,
        line: 1,
        file,
    }
    .tokens()?;
    let end_line = text.lines().count().max(1);
    Parser {
        toks,
        pos: 0,
        file,
        end_line,
    }
    .block(0)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    Str,
    Open,
    Close,
    Semi,
}

#[derive(Debug, Clone)]
pub(super) struct Tok {
    kind: Kind,
    pub(super) text: String,
    pub(super) line: usize,
}

struct Lexer<'a> {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    file: &'a str,
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    /// Moves past one character, counting lines.
    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn tokens(mut self) -> Result<Vec<Tok>, String> {
        let mut out = Vec::new();
        while let Some(c) = self.peek(0) {
            let line = self.line;
            let single = |kind| Tok {
                kind,
                text: c.to_string(),
                line,
            };
            match (c, self.peek(1)) {
                (c, _) if c.is_whitespace() => {
                    self.bump();
                }
                ('#', _) | ('/', Some('/')) => self.skip_line(),
                ('/', Some('*')) => self.skip_block_comment()?,
                ('"', _) => out.push(self.string()?),
                ('{', _) => out.push(single(Kind::Open)),
                ('}', _) => out.push(single(Kind::Close)),
                (';', _) => out.push(single(Kind::Semi)),
                _ => out.push(self.word()),
            }
            if matches!(c, '{' | '}' | ';') {
                self.bump();
            }
        }
        Ok(out)
    }

    fn skip_line(&mut self) {
        while self.peek(0).is_some_and(|c| c != '\n') {
            self.bump();
        }
    }

    fn skip_block_comment(&mut self) -> Result<(), String> {
        let start = self.line;
        self.pos += 2;
        while self.peek(0).is_some() {
            if self.peek(0) == Some('*') && self.peek(1) == Some('/') {
                self.pos += 2;
                return Ok(());
            }
            self.bump();
        }
        Err(format!(
            "{}:{start}: unexpected end of input in /* comment",
            self.file
        ))
    }

    /// A quoted string; `\` keeps the next character as it is.
    fn string(&mut self) -> Result<Tok, String> {
        let line = self.line;
        self.bump();
        let mut text = String::new();
        loop {
            match self.bump() {
                Some('"') => {
                    return Ok(Tok {
                        kind: Kind::Str,
                        text,
                        line,
                    })
                }
                Some('\\') => text.extend(self.bump()),
                Some(c) => text.push(c),
                None => {
                    return Err(format!(
                        "{}:{line}: unexpected end of input in string",
                        self.file
                    ))
                }
            }
        }
    }

    fn word(&mut self) -> Tok {
        let line = self.line;
        let mut text = String::new();
        while let Some(c) = self
            .peek(0)
            .filter(|c| !c.is_whitespace() && !"{};\"".contains(*c))
        {
            text.push(c);
            self.bump();
        }
        Tok {
            kind: Kind::Word,
            text,
            line,
        }
    }
}

/// A statement: words and strings, optionally ending in a `{ ... }` block, then `;`.
#[derive(Debug)]
pub(super) struct Stmt {
    pub(super) words: Vec<Tok>,
    pub(super) block: Option<Vec<Stmt>>,
    pub(super) line: usize,
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    file: &'a str,
    end_line: usize,
}

impl Parser<'_> {
    fn next(&mut self) -> Result<Tok, String> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t.ok_or_else(|| format!("{}:{}: unexpected end of input", self.file, self.end_line))
    }

    fn peek_kind(&self) -> Option<Kind> {
        self.toks.get(self.pos).map(|t| t.kind)
    }

    fn missing_semi(&self, t: &Tok) -> String {
        format!("{}:{}: missing ';' before '{}'", self.file, t.line, t.text)
    }

    /// Statements up to the closing `}` (or the end of input at depth 0).
    fn block(&mut self, depth: usize) -> Result<Vec<Stmt>, String> {
        let mut stmts = Vec::new();
        loop {
            match self.peek_kind() {
                None if depth == 0 => return Ok(stmts),
                Some(Kind::Close) if depth == 0 => {
                    let t = self.next()?;
                    return Err(format!("{}:{}: unexpected '}}'", self.file, t.line));
                }
                Some(Kind::Close) => {
                    self.next()?;
                    return Ok(stmts);
                }
                Some(Kind::Semi) => {
                    self.next()?; // an empty statement
                }
                _ => stmts.push(self.stmt(depth)?),
            }
        }
    }

    fn stmt(&mut self, depth: usize) -> Result<Stmt, String> {
        let mut words = Vec::new();
        let line = self.toks.get(self.pos).map_or(self.end_line, |t| t.line);
        loop {
            let t = self.next()?;
            match t.kind {
                Kind::Semi => {
                    return Ok(Stmt {
                        words,
                        block: None,
                        line,
                    })
                }
                Kind::Word | Kind::Str => words.push(t),
                Kind::Close => return Err(self.missing_semi(&t)),
                Kind::Open if depth + 1 >= MAX_DEPTH => {
                    return Err(format!(
                        "{}:{}: blocks nested too deeply",
                        self.file, t.line
                    ))
                }
                Kind::Open => {
                    let block = Some(self.block(depth + 1)?);
                    let end = self.next()?;
                    if end.kind != Kind::Semi {
                        return Err(self.missing_semi(&end));
                    }
                    return Ok(Stmt { words, block, line });
                }
            }
        }
    }
}
