//! The regex criteria (`title`, `person`, `genre`) and the fast way to run them: each text field
//! of every film is kept in one [`Haystack`], a line per film, so one regex pass over about a
//! megabyte finds the matching films instead of 40k separate searches.
//!
//! The pass gives the same answer as testing each film: the pattern is compiled a second time
//! with multi-line on, so `^` and `$` match at each film's line ends as they match at the value's
//! ends, and `\b` sees the line break as it sees the value's edge. A match that crosses a line
//! break proves nothing, so the films it touches are tested one by one. Patterns whose meaning
//! depends on the whole text (`\A`, `\z`, `(?-m)`) and values containing line breaks are tested
//! film by film.

use std::sync::Arc;

use regex::{Regex, RegexBuilder};
use regex_syntax::ParserBuilder;

use super::MAX_PATTERN_CHARS;
use crate::serve::error::ApiError;
use crate::serve::films::{Film, TextField};

/// Bytes a compiled regex (and its lazy DFA cache) may take; far above any sane pattern, far
/// below what would let one request eat the server's memory.
const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// The same for a regex kept between requests ([`super::RegexCache`]): a pattern that needs
/// more is compiled for each request under the limit above instead.
pub(super) const KEPT_REGEX_SIZE_LIMIT: usize = 1 << 18;
/// Deepest nesting of groups and repetitions accepted.
const REGEX_NEST_LIMIT: u32 = 64;

/// One regex criterion: a text field and its pattern's regexes.
#[derive(Debug, Clone)]
pub struct TextCriterion {
    pub field: TextField,
    pub regexes: Arc<PatternRegexes>,
}

/// A pattern compiled for a single value and, when that is equivalent, for a haystack. Shared,
/// not cloned, between the requests that use it: a regex keeps its search caches, and a clone
/// would start without them.
#[derive(Debug)]
pub struct PatternRegexes {
    pub per_value: Regex,
    pub whole: Option<Regex>,
}

impl PatternRegexes {
    /// A case-insensitive, unanchored regex on the linear-time engine, within length and size
    /// limits; `name` is the search field named in errors.
    pub fn compile(name: &str, pattern: &str) -> Result<PatternRegexes, ApiError> {
        if pattern.chars().count() > MAX_PATTERN_CHARS {
            return Err(ApiError::invalid_regex(
                name,
                format!("longer than {MAX_PATTERN_CHARS} characters"),
            ));
        }
        let per_value = build(pattern, false, REGEX_SIZE_LIMIT)
            .map_err(|error| ApiError::invalid_regex(name, error))?;
        let whole = if anchors_the_whole_text(pattern) {
            None
        } else {
            build(pattern, true, REGEX_SIZE_LIMIT).ok()
        };
        Ok(PatternRegexes { per_value, whole })
    }

    /// The same regexes as [`PatternRegexes::compile`], if both fit in `size_limit`; `None`
    /// for a pattern that does not (or is invalid).
    pub fn compile_within(pattern: &str, size_limit: usize) -> Option<PatternRegexes> {
        if pattern.chars().count() > MAX_PATTERN_CHARS {
            return None;
        }
        let per_value = build(pattern, false, size_limit).ok()?;
        let whole = if anchors_the_whole_text(pattern) {
            None
        } else {
            Some(build(pattern, true, size_limit).ok()?)
        };
        Some(PatternRegexes { per_value, whole })
    }
}

impl TextCriterion {
    /// A criterion compiled for this request alone.
    pub fn compile(name: &str, field: TextField, pattern: &str) -> Result<TextCriterion, ApiError> {
        Ok(TextCriterion {
            field,
            regexes: Arc::new(PatternRegexes::compile(name, pattern)?),
        })
    }

    pub fn per_value(&self) -> &Regex {
        &self.regexes.per_value
    }

    pub fn whole(&self) -> Option<&Regex> {
        self.regexes.whole.as_ref()
    }

    pub fn matches(&self, film: &Film) -> bool {
        self.per_value().is_match(self.field.of(film))
    }
}

fn build(pattern: &str, multi_line: bool, size_limit: usize) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .multi_line(multi_line)
        .size_limit(size_limit)
        .dfa_size_limit(size_limit)
        .nest_limit(REGEX_NEST_LIMIT)
        .build()
}

/// Whether the pattern, read with multi-line on, still anchors at the text's own start or end.
fn anchors_the_whole_text(pattern: &str) -> bool {
    let mut parser = ParserBuilder::new()
        .case_insensitive(true)
        .multi_line(true)
        .nest_limit(REGEX_NEST_LIMIT)
        .build();
    parser.parse(pattern).map_or(true, |hir| {
        hir.properties().look_set().contains_anchor_haystack()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::films::{Haystack, RowSet};

    /// The rows matched through the haystack and through one search per value.
    fn both_ways(values: &[&str], pattern: &str) -> (Vec<u32>, Vec<u32>) {
        let criterion = TextCriterion::compile("title", TextField::Title, pattern).expect("valid");
        let haystack = Haystack::new(values.iter().copied());
        let mut set = RowSet::empty(values.len());
        let by_haystack: Vec<u32> =
            if let (Some(whole), true) = (criterion.whole(), haystack.usable()) {
                haystack.find(whole, criterion.per_value(), |row| values[row], &mut set);
                (0..values.len() as u32)
                    .filter(|&row| set.contains(row))
                    .collect()
            } else {
                Vec::new()
            };
        let one_by_one = (0..values.len() as u32)
            .filter(|&row| criterion.per_value().is_match(values[row as usize]))
            .collect();
        (by_haystack, one_by_one)
    }

    #[test]
    fn one_pass_finds_what_one_search_per_value_finds() {
        let values = [
            "Star Wars",
            "",
            "M",
            "Home Alone",
            "war",
            "Alone",
            "a",
            "aa",
            "Östen",
            "b a",
        ];
        let patterns = [
            "star",
            "^a",
            "a$",
            "^$",
            "^",
            "$",
            "a*",
            r"\bw",
            r"\Bar",
            "(?s)s.*a",
            r"[^x]+",
            r"\s",
            r"\W",
            "^m$",
            r"a\n?",
            "(?m)^a",
            "e|^",
            r"alone$|^war",
            "ö",
            "(?s).",
            r"\d*",
            "x*$",
            "^(?:a|aa)$",
            "n\n",
        ];
        for pattern in patterns {
            let (by_haystack, one_by_one) = both_ways(&values, pattern);
            assert_eq!(by_haystack, one_by_one, "{pattern:?}");
        }
    }

    #[test]
    fn whole_text_anchors_and_line_breaks_fall_back_to_one_search_per_value() {
        for pattern in [r"\Astar", r"wars\z", "(?-m)^star"] {
            let criterion =
                TextCriterion::compile("title", TextField::Title, pattern).expect("valid");
            assert!(criterion.whole().is_none(), "{pattern}");
        }
        assert!(!Haystack::new(["one\ntwo", "three"]).usable());
        assert!(Haystack::new(["one", "two"]).usable());
    }
}
