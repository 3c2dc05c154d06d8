//! Error messages are safe to print: whatever a lab or a REPL line contained, the message
//! quotes a bounded excerpt of it, and no control or bidirectional character reaches the
//! terminal raw (an escape sequence could recolour it, a U+202E could reverse what the
//! teacher reads).

use std::fmt::Write;

/// Longest word of a message's first line kept whole; longer ones keep this many characters.
const WORD_MAX: usize = 80;
const WORD_KEEP: usize = 60;

/// `msg` with every line's control and bidi characters escaped, and the first line's
/// over-long words cut (`…(+N bytes)`). Later lines (an expect's actual output) keep their
/// length.
pub fn tidy(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len().min(4096));
    for (i, line) in msg.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if i == 0 {
            let words: Vec<String> = line.split(' ').map(bounded).collect();
            escape_into(&mut out, &words.join(" "), false);
        } else {
            escape_into(&mut out, line, true);
        }
    }
    out
}

fn bounded(word: &str) -> String {
    if word.chars().count() <= WORD_MAX {
        return word.to_string();
    }
    let keep: String = word.chars().take(WORD_KEEP).collect();
    format!("{keep}…(+{} bytes)", word.len() - keep.len())
}

fn escape_into(out: &mut String, text: &str, keep_tabs: bool) {
    for c in text.chars() {
        match c {
            '\t' if keep_tabs => out.push(c),
            c if c.is_control() && (c as u32) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            '\u{061c}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}' => {
                let _ = write!(out, "\\u{{{:04x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_escaped() {
        assert_eq!(
            tidy("unknown statement 'frob\x1b[31mRED\u{202e}evil'"),
            "unknown statement 'frob\\x1b[31mRED\\u{202e}evil'"
        );
        assert_eq!(tidy("a\nb\tc\x07"), "a\nb\tc\\x07");
    }

    #[test]
    fn a_long_token_is_cut_on_the_first_line_only() {
        let long = "x".repeat(5_000);
        let t = tidy(&format!("bad name '{long}'\n{long}"));
        let first = t.lines().next().unwrap_or("");
        assert!(first.len() < 120, "{first}");
        assert!(first.ends_with("…(+4942 bytes)"), "{first}");
        assert!(t.ends_with(&long));
    }
}
