//! Compiled patterns kept between requests. Compiling a case-insensitive pattern (and building
//! its search caches on first use) costs about as much as running it over every title, and
//! clients repeat their patterns (the next page, the web page as a word is typed), so the most
//! recently used patterns are kept, up to a small bound. Only compiled patterns are kept, never
//! results: every request still runs its search on the current snapshot.
//!
//! Memory stays bounded: at most [`KEPT_PATTERNS`] patterns whose two regexes fit in
//! [`KEPT_REGEX_SIZE_LIMIT`] (256 KB) each, as program and as each lazy DFA cache, are kept
//! (plain words and the usual classes: `star`, `\bstar\w*`), and apart from them at most
//! [`KEPT_BIG_PATTERNS`] bigger ones (up to the per-request limit of 1 MB each: `\w{20}`), so
//! that a client repeating a big pattern does not make the server compile it for every request,
//! while big patterns cannot push the small ones out.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::text::{PatternRegexes, TextCriterion, KEPT_REGEX_SIZE_LIMIT};
use crate::serve::error::ApiError;
use crate::serve::films::TextField;

/// How many patterns are kept.
pub const KEPT_PATTERNS: usize = 32;
/// How many patterns over [`KEPT_REGEX_SIZE_LIMIT`] are kept besides.
pub const KEPT_BIG_PATTERNS: usize = 4;

/// The recently used patterns, shared by all requests of a server.
#[derive(Debug, Default)]
pub struct RegexCache {
    kept: Mutex<Kept>,
    kept_big: Mutex<Kept>,
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
        if let Some(regexes) =
            lookup(&self.kept, pattern).or_else(|| lookup(&self.kept_big, pattern))
        {
            return Ok(criterion(regexes));
        }
        // Compiled outside the lock: two requests may compile one pattern; both answers are
        // the same, and the second one kept replaces the first.
        if let Some(regexes) = PatternRegexes::compile_within(pattern, KEPT_REGEX_SIZE_LIMIT) {
            let regexes = Arc::new(regexes);
            keep(&self.kept, KEPT_PATTERNS, pattern, Arc::clone(&regexes));
            return Ok(criterion(regexes));
        }
        let compiled = TextCriterion::compile(name, field, pattern)?;
        keep(
            &self.kept_big,
            KEPT_BIG_PATTERNS,
            pattern,
            Arc::clone(&compiled.regexes),
        );
        Ok(compiled)
    }

    /// How many patterns are kept now, small and big.
    #[cfg(test)]
    fn len(&self) -> (usize, usize) {
        (
            lock(&self.kept).patterns.len(),
            lock(&self.kept_big).patterns.len(),
        )
    }
}

fn lookup(kept: &Mutex<Kept>, pattern: &str) -> Option<Arc<PatternRegexes>> {
    let mut kept = lock(kept);
    kept.clock += 1;
    let now = kept.clock;
    let (regexes, used) = kept.patterns.get_mut(pattern)?;
    *used = now;
    Some(Arc::clone(regexes))
}

/// Keeps `regexes`, making room by dropping the least recently used when `capacity` are kept.
fn keep(kept: &Mutex<Kept>, capacity: usize, pattern: &str, regexes: Arc<PatternRegexes>) {
    let mut kept = lock(kept);
    if kept.patterns.len() >= capacity && !kept.patterns.contains_key(pattern) {
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

fn lock(kept: &Mutex<Kept>) -> std::sync::MutexGuard<'_, Kept> {
    // The map is valid after any panic (every update is a single insert or remove), so a
    // poisoned lock is still usable.
    kept.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
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
        assert_eq!(cache.len(), (1, 0));
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
        assert_eq!(cache.len(), (KEPT_PATTERNS, 0));
        assert!(Arc::ptr_eq(&criterion("p0").regexes, &kept[0].regexes));
        assert!(Arc::ptr_eq(&criterion("p2").regexes, &kept[2].regexes));
        assert!(!Arc::ptr_eq(&criterion("p1").regexes, &kept[1].regexes));
    }

    #[test]
    fn big_patterns_are_kept_apart_and_invalid_ones_not_at_all() {
        let cache = RegexCache::default();
        let big = r"\w{20}";
        let criterion = cache
            .criterion("title", TextField::Title, big)
            .expect("fits the per-request limit");
        assert!(criterion.per_value().is_match(&"a".repeat(20)));
        let again = cache
            .criterion("title", TextField::Title, big)
            .expect("valid");
        assert!(
            Arc::ptr_eq(&criterion.regexes, &again.regexes),
            "a repeated big pattern is not compiled again"
        );
        let error = cache
            .criterion("title", TextField::Title, "(")
            .expect_err("invalid");
        assert_eq!(error.status, axum::http::StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(cache.len(), (0, 1));
        for n in 0..KEPT_BIG_PATTERNS + 3 {
            let pattern = format!(r"\w{{20}}{n}");
            cache
                .criterion("title", TextField::Title, &pattern)
                .expect("valid");
        }
        assert_eq!(cache.len(), (0, KEPT_BIG_PATTERNS), "bounded");
    }
}
