//! `CardMask` / `МаскаКарты`: which scanned codes are the shop's loyalty cards.
//! Patterns are separated by `;`; `?` stands for one digit, a final `*` for any tail (empty
//! included); every other character stands for itself.

use crate::error::Error;
use crate::messages::{self, Msg};

/// Longest mask accepted: a handful of patterns, not a data dump.
const MAX_MASK_CHARS: usize = 1000;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CardMask {
    patterns: Vec<Pattern>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Pattern {
    /// `None`: `?`, one digit.
    chars: Vec<Option<char>>,
    any_tail: bool,
}

impl CardMask {
    /// Parses the property's text; `""` (or only separators and spaces) is no mask.
    pub fn parse(text: &str) -> Result<CardMask, Error> {
        let bad = |problem: Msg| Error::bad_input(messages::scan::card_mask(problem));
        if text.chars().count() > MAX_MASK_CHARS {
            return Err(bad(messages::scan::mask_too_long(MAX_MASK_CHARS)));
        }
        let mut patterns = Vec::new();
        for raw in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let shown: String = raw.chars().take(40).collect();
            if raw.chars().any(|c| c.is_control() || c.is_whitespace()) {
                return Err(bad(messages::scan::mask_pattern_blank(&shown)));
            }
            let (body, any_tail) = match raw.strip_suffix('*') {
                Some(body) => (body, true),
                None => (raw, false),
            };
            if body.contains('*') {
                return Err(bad(messages::scan::mask_star_not_last(&shown)));
            }
            let chars = body.chars().map(|c| (c != '?').then_some(c)).collect();
            patterns.push(Pattern { chars, any_tail });
        }
        Ok(CardMask { patterns })
    }

    pub fn is_set(&self) -> bool {
        !self.patterns.is_empty()
    }

    /// The mask as the property reads back: the patterns joined by `;`.
    pub fn text(&self) -> String {
        let shown: Vec<String> = self
            .patterns
            .iter()
            .map(|p| {
                let mut s: String = p.chars.iter().map(|c| c.unwrap_or('?')).collect();
                if p.any_tail {
                    s.push('*');
                }
                s
            })
            .collect();
        shown.join(";")
    }

    /// Whether `code` matches one of the patterns as a whole.
    pub fn matches(&self, code: &str) -> bool {
        let code: Vec<char> = code.chars().collect();
        self.patterns.iter().any(|p| p.matches(&code))
    }
}

impl Pattern {
    fn matches(&self, code: &[char]) -> bool {
        let length_ok = if self.any_tail {
            code.len() >= self.chars.len()
        } else {
            code.len() == self.chars.len()
        };
        length_ok
            && self.chars.iter().zip(code).all(|(want, got)| match want {
                Some(c) => c == got,
                None => got.is_ascii_digit(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn question_marks_are_digits_and_star_is_any_tail() {
        let mask = CardMask::parse(" 2* ; 46012345???? ;;").unwrap();
        assert!(mask.is_set());
        assert_eq!(mask.text(), "2*;46012345????");
        assert!(mask.matches("2"));
        assert!(mask.matches("2000000012346"));
        assert!(!mask.matches("CARD"));
        assert!(mask.matches("460123450001"));
        assert!(!mask.matches("46012345000"), "one digit short");
        assert!(!mask.matches("4601234500012"), "one digit long");
        assert!(!mask.matches("46012345000A"), "? is a digit");
        let letters = CardMask::parse("CARD-*").unwrap();
        assert!(letters.matches("CARD-00042"));
        assert!(!letters.matches("card-00042"));
    }

    #[test]
    fn empty_is_no_mask_and_bad_patterns_are_refused() {
        let none = CardMask::parse(" ; ").unwrap();
        assert!(!none.is_set());
        assert!(!none.matches(""));
        assert_eq!(none.text(), "");
        for bad in ["4*6", "*1*", "46 01", "46\u{1d}01", &"1".repeat(1001)] {
            assert_eq!(
                CardMask::parse(bad).unwrap_err().code,
                ErrorCode::InvalidArgument,
                "{bad}"
            );
        }
    }
}
