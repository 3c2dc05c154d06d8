//! Fuzzing every way input reaches netstep: lab lines, REPL lines, node command lines,
//! keepalived.conf files and frames from a TAP device. Each generator starts from real
//! input (the course's labs, the keepalived corpus, valid frames) and breaks it; whatever
//! comes out must get a clear error or run, never a panic. `tests/fuzz.rs` runs a few
//! thousand of each in `cargo test`; `cargo run --release --example fuzz -- SURFACE N`
//! runs millions.

#![allow(dead_code)]

pub mod frames;
pub mod keepalived;
pub mod text;

/// A seeded xorshift: the same inputs on every run.
pub struct Gen(u64);

impl Gen {
    pub fn new(seed: u64) -> Gen {
        Gen(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// `text` broken a little: characters replaced, inserted or cut, tokens doubled, and
    /// now and then something large or strange spliced in.
    pub fn mutate(&mut self, text: &str) -> String {
        const ODD: &[&str] = &[
            "'",
            "\"",
            "$",
            "${",
            "$(",
            "`",
            "{",
            "}",
            "(",
            ")",
            "|",
            ";",
            "&",
            "<",
            ">",
            ">&",
            "\\",
            "#",
            "*",
            "0",
            "-1",
            "99999999999999999999",
            "é",
            "\u{202e}",
            "\x1b[31m",
            "\t",
            ":",
            "eth",
            "..",
            "/",
            "%",
            "1e9",
            "0x",
            "-",
            "--",
        ];
        let mut chars: Vec<char> = text.chars().collect();
        for _ in 0..1 + self.below(3) {
            let at = self.below(chars.len() + 1);
            match self.below(6) {
                0 if !chars.is_empty() => {
                    chars.remove(at.min(chars.len() - 1));
                }
                1 => {
                    let odd: Vec<char> = self.pick(ODD).chars().collect();
                    chars.splice(at..at, odd);
                }
                2 => chars.truncate(at),
                3 => {
                    let n = [10, 300, 5_000][self.below(3)];
                    let c = *self.pick(&['a', '{', '(', '9', ' ', '$']);
                    chars.splice(at..at, std::iter::repeat_n(c, n));
                }
                4 if !chars.is_empty() => {
                    let from = self.below(chars.len());
                    let piece: Vec<char> = chars[from..].iter().take(12).copied().collect();
                    chars.splice(at..at, piece);
                }
                _ => {
                    let r = self.next() as u32 % 0x2000;
                    chars.insert(at.min(chars.len()), char::from_u32(r).unwrap_or('?'));
                }
            }
        }
        chars.into_iter().collect()
    }
}
