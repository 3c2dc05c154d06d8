//! `expect` statements: checks on the output and exit status of the previous node command.

use regex::Regex;

#[derive(Clone, Debug)]
pub enum Expect {
    Contains(String),
    NotContains(String),
    Matches(Regex),
    Exit(i32),
}

impl Expect {
    /// Parses the words after `expect`.
    pub fn parse(words: &[String]) -> Result<Expect, String> {
        let usage = "expected: expect contains \"TEXT\" | expect not contains \"TEXT\" | expect matches \"REGEX\" | expect exit N";
        match words {
            [kind, text] if kind == "contains" => Ok(Expect::Contains(text.clone())),
            [not, kind, text] if not == "not" && kind == "contains" => {
                Ok(Expect::NotContains(text.clone()))
            }
            [kind, re] if kind == "matches" => Regex::new(re)
                .map(Expect::Matches)
                .map_err(|e| format!("bad regex: {e}")),
            [kind, n] if kind == "exit" => n
                .parse()
                .map(Expect::Exit)
                .map_err(|_| format!("bad exit status '{n}': {usage}")),
            _ => Err(usage.to_string()),
        }
    }

    /// None if it holds, else what went wrong.
    pub fn check(&self, output: &str, status: i32) -> Option<String> {
        let ok = match self {
            Expect::Contains(t) => output.contains(t.as_str()),
            Expect::NotContains(t) => !output.contains(t.as_str()),
            Expect::Matches(re) => re.is_match(output),
            Expect::Exit(n) => *n == status,
        };
        if ok {
            return None;
        }
        Some(match self {
            Expect::Contains(t) => format!("expected the output to contain \"{t}\""),
            Expect::NotContains(t) => format!("expected the output not to contain \"{t}\""),
            Expect::Matches(re) => format!("expected the output to match /{}/", re.as_str()),
            Expect::Exit(n) => format!("expected exit status {n}, got {status}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &[&str]) -> Vec<String> {
        s.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn parse_and_check() {
        let e = Expect::parse(&words(&["contains", "ttl=62"])).unwrap();
        assert!(e.check("64 bytes: ttl=62", 0).is_none());
        let e = Expect::parse(&words(&["not", "contains", "rs1"])).unwrap();
        assert!(e.check("rs1 here", 0).is_some());
        let e = Expect::parse(&words(&["matches", "(?m)^3 packets"])).unwrap();
        assert!(e.check("x\n3 packets transmitted", 0).is_none());
        let e = Expect::parse(&words(&["exit", "2"])).unwrap();
        assert_eq!(
            e.check("", 1).as_deref(),
            Some("expected exit status 2, got 1")
        );
        assert!(Expect::parse(&words(&["matches", "("])).is_err());
        assert!(Expect::parse(&words(&["equals", "x"])).is_err());
    }
}
