//! Compiled patterns kept between requests. Compiling a case-insensitive pattern (and building
//! its search caches on first use) costs about as much as running it over every title, and
//! clients repeat their patterns (the next page, the web page as a word is typed), so the most
//! recently used patterns are kept, up to a small bound. Only compiled patterns are kept, never
//! results: every request still runs its search on the current snapshot.
//!
//! Memory stays bounded: at most [`KEPT_PATTERNS`] patterns are kept, and only those whose two
//! regexes fit in [`KEPT_REGEX_SIZE_LIMIT`] (256 KB) each, as program and as each lazy DFA
//! cache; a bigger pattern is compiled for its request alone, as every pattern was before.
//! Plain words and the usual classes (`star`, `\bstar\w*`) are kept; `\w{20}` is not.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::text::{PatternRegexes, TextCriterion, KEPT_REGEX_SIZE_LIMIT};
use crate::serve::error::ApiError;
use crate::serve::films::TextField;

/// How many patterns are kept.
pub const KEPT_PATTERNS: usize = 32;

/// The recently used patterns, shared by all requests of a server.
#[derive(Debug, Default)]
pub struct RegexCache {
    kept: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    /// Pattern -> its regexes and when it was last used.
    patterns: HashMap<String, (Arc<PatternRegexes>, u64)>,
    clock: u64,
}

impl RegexCache {
    /// The criterion for `pattern` on `field`, from the kept patterns or compiled (and kept
    /// when small enough); `name` is the search field named in errors.
    pub fn criterion(
        &self,
        name: &str,
        field: TextField,
        pattern: &str,
    ) -> Result<TextCriterion, ApiError> {
        let criterion = |regexes| TextCriterion { field, regexes };
        if let Some(regexes) = self.lookup(pattern) {
            return Ok(criterion(regexes));
        }
        // Compiled outside the lock: two requests may compile one pattern; both answers are
        // the same, and the second one kept replaces the first.
        match PatternRegexes::compile_within(pattern, KEPT_REGEX_SIZE_LIMIT) {
            Some(regexes) => {
                let regexes = Arc::new(regexes);
                self.keep(pattern, Arc::clone(&regexes));
                Ok(criterion(regexes))
            }
            None => TextCriterion::compile(name, field, pattern),
        }
    }

    /// How many patterns are kept now.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().patterns.len()
    }

    fn lookup(&self, pattern: &str) -> Option<Arc<PatternRegexes>> {
        let mut kept = self.lock();
        kept.clock += 1;
        let now = kept.clock;
        let (regexes, used) = kept.patterns.get_mut(pattern)?;
        *used = now;
        Some(Arc::clone(regexes))
    }

    fn keep(&self, pattern: &str, regexes: Arc<PatternRegexes>) {
        let mut kept = self.lock();
        if kept.patterns.len() >= KEPT_PATTERNS && !kept.patterns.contains_key(pattern) {
            let oldest = kept
                .patterns
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(pattern, _)| pattern.clone());
            if let Some(oldest) = oldest {
                kept.patterns.remove(&oldest);
            }
        }
        kept.clock += 1;
        let now = kept.clock;
        kept.patterns.insert(pattern.to_owned(), (regexes, now));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        // The map is valid after any panic (every update is a single insert or remove), so a
        // poisoned lock is still usable.
        self.kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_pattern_is_shared_not_recompiled() {
        let cache = RegexCache::default();
        let first = cache
            .criterion("title", TextField::Title, "star")
            .expect("valid");
        let again = cache
            .criterion("person", TextField::Persons, "star")
            .expect("valid");
        assert!(Arc::ptr_eq(&first.regexes, &again.regexes));
        assert_eq!(again.field, TextField::Persons);
        assert!(again.per_value().is_match("STAR WARS"));
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn the_least_recently_used_pattern_goes_first() {
        let cache = RegexCache::default();
        let criterion = |pattern: &str| {
            cache
                .criterion("title", TextField::Title, pattern)
                .expect("valid")
        };
        let kept: Vec<TextCriterion> = (0..KEPT_PATTERNS)
            .map(|i| criterion(&format!("p{i}")))
            .collect();
        // p0 is used again, so p1 is now the oldest and makes room for the next pattern.
        criterion("p0");
        criterion("new");
        assert_eq!(cache.len(), KEPT_PATTERNS);
        assert!(Arc::ptr_eq(&criterion("p0").regexes, &kept[0].regexes));
        assert!(Arc::ptr_eq(&criterion("p2").regexes, &kept[2].regexes));
        assert!(!Arc::ptr_eq(&criterion("p1").regexes, &kept[1].regexes));
    }

    #[test]
    fn big_and_invalid_patterns_are_not_kept() {
        let cache = RegexCache::default();
        let big = r"\w{20}";
        let criterion = cache
            .criterion("title", TextField::Title, big)
            .expect("fits the per-request limit");
        assert!(criterion.per_value().is_match(&"a".repeat(20)));
        let error = cache
            .criterion("title", TextField::Title, "(")
            .expect_err("invalid");
        assert_eq!(error.status, axum::http::StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(cache.len(), 0);
    }
}
