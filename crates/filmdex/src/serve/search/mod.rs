//! Film search in memory: the original's criteria (regexes on the title, the persons and the
//! genres, date and rating bounds) plus filmdex's (exact lists, years, votes, durations, sort
//! orders), checked and compiled once per request into [`Criteria`], then one pass over the
//! film table in a precomputed sort order. No SQL is involved, so nothing a client sends can
//! become a query.
//!
//! Cheap tests run first: exact person and genre lists become a bitset of candidate rows from
//! the table's indexes, then numeric bounds (over the table's numeric columns), and the
//! regexes last.

mod cache;
mod criteria;
pub mod query_string;
mod text;

use filmdex_text::Ranked;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

pub use cache::RegexCache;
pub use criteria::Criteria;

use super::error::ApiError;
use super::films::{FilmTable, RowSet};
use super::turns::checkpoint;

/// Longest free-text query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 500;
/// Longest regular expression accepted, in characters.
pub const MAX_PATTERN_CHARS: usize = 1_000;
/// Largest page of search results.
pub const MAX_LIMIT: u64 = 1_000;
pub const DEFAULT_LIMIT: u64 = 100;

/// The search criteria, as the POST body or the GET query parameters. Every field is optional;
/// all given criteria must hold (AND).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// Free text: every word must match a word of a title, an alternate title or a person's
    /// name (accents, case and typos forgiven); ranks by relevance unless `sort` is given.
    pub q: Option<String>,
    /// Case-insensitive, unanchored regex on the title.
    pub title: Option<String>,
    /// Case-insensitive regex over the persons joined with ",".
    pub person: Option<String>,
    /// Case-insensitive regex over the genres joined with ",".
    pub genre: Option<String>,
    /// Exact names, all of them.
    pub persons: Option<Vec<String>>,
    /// Exact genres, all of them.
    pub genres: Option<Vec<String>>,
    /// Exact names, any of them.
    pub persons_any: Option<Vec<String>>,
    /// Exact genres, any of them.
    pub genres_any: Option<Vec<String>>,
    /// Inclusive bounds on `year`, as "YYYY-MM-DD".
    pub earliest_date: Option<String>,
    pub latest_date: Option<String>,
    /// Inclusive bounds on the year of `year`.
    #[serde(default, deserialize_with = "whole_number")]
    pub year_from: Option<i32>,
    #[serde(default, deserialize_with = "whole_number")]
    pub year_to: Option<i32>,
    pub min_rating: Option<f64>,
    pub max_rating: Option<f64>,
    /// Minimum number of votes.
    #[serde(default, deserialize_with = "whole_number")]
    pub vote_count: Option<i64>,
    #[serde(default, deserialize_with = "whole_number")]
    pub min_duration: Option<i64>,
    #[serde(default, deserialize_with = "whole_number")]
    pub max_duration: Option<i64>,
    /// `title` (default), `rating`, `votes`, `year` or `duration`; a leading `-` for descending.
    pub sort: Option<String>,
    #[serde(default, deserialize_with = "whole_number")]
    pub limit: Option<i64>,
    #[serde(default, deserialize_with = "whole_number")]
    pub offset: Option<i64>,
}

/// An integer field that also takes a number with no fraction (`324.0`), as JSON Schema's
/// `integer` does.
fn whole_number<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64>,
{
    let Some(number) = Option::<serde_json::Number>::deserialize(deserializer)? else {
        return Ok(None);
    };
    // 2^63 as f64: the first whole float that no longer fits in an i64.
    let whole = number.as_i64().or_else(|| {
        number
            .as_f64()
            .filter(|value| value.fract() == 0.0 && value.abs() < 2f64.powi(63))
            .map(|value| value as i64)
    });
    whole
        .and_then(|whole| T::try_from(whole).ok())
        .map(Some)
        .ok_or_else(|| D::Error::custom(format!("{number} is not a whole number in range")))
}

/// One page of results and the number of films matching in all.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResult {
    pub total: usize,
    /// Rows of the film table, in the asked order.
    pub rows: Vec<u32>,
    /// With a free-text query, what matched in each film of `rows` (in the same order).
    pub matches: Vec<Ranked>,
}

/// Runs compiled criteria over a film table in two passes: the films are tested in storage order
/// (sequential memory, so a scan of 40k films stays in cache), then the sort order is walked
/// only as far as the page needs. With a free-text query, the films it matches among those
/// come in relevance order, or in the asked sort order.
pub fn search(table: &FilmTable, criteria: &Criteria) -> SearchResult {
    let matched = matching_rows(table, criteria);
    if let Some(text) = &criteria.text {
        return text_search(table, criteria, text, matched.as_ref());
    }
    let total = matched.as_ref().map_or(table.len(), RowSet::count);
    let page = criteria.page;
    let mut rows = Vec::new();
    if page.limit == 0 || page.offset >= total {
        return SearchResult {
            total,
            rows,
            matches: Vec::new(),
        };
    }
    let mut skipped = 0usize;
    for &row in table.order(criteria.sort) {
        if matched
            .as_ref()
            .is_some_and(|matched| !matched.contains(row))
        {
            continue;
        }
        if skipped < page.offset {
            skipped += 1;
            continue;
        }
        rows.push(row);
        if rows.len() == page.limit {
            break;
        }
    }
    SearchResult {
        total,
        rows,
        matches: Vec::new(),
    }
}

/// The films matching the free-text query `text` among the rows `allowed` (all when `None`):
/// one page in relevance order, or, with a sort, every match walked in that order.
fn text_search(
    table: &FilmTable,
    criteria: &Criteria,
    text: &str,
    allowed: Option<&RowSet>,
) -> SearchResult {
    let index = table.text_index();
    let page = criteria.page;
    let is_allowed = |row: u32| allowed.is_none_or(|allowed| allowed.contains(row));
    if criteria.relevance {
        let ranking = index.search(text, is_allowed, page.offset.saturating_add(page.limit));
        let matches: Vec<Ranked> = ranking.films.into_iter().skip(page.offset).collect();
        return SearchResult {
            total: ranking.total,
            rows: matches.iter().map(|ranked| ranked.row).collect(),
            matches,
        };
    }
    let ranking = index.search(text, is_allowed, usize::MAX);
    let mut by_row: Vec<Option<Ranked>> = vec![None; table.len()];
    for ranked in ranking.films {
        by_row[ranked.row as usize] = Some(ranked);
    }
    let matches: Vec<Ranked> = table
        .order(criteria.sort)
        .iter()
        .filter_map(|&row| by_row[row as usize])
        .skip(page.offset)
        .take(page.limit)
        .collect();
    SearchResult {
        total: ranking.total,
        rows: matches.iter().map(|ranked| ranked.row).collect(),
        matches,
    }
}

/// The rows of the films that pass every criterion of `query` (its sort and page aside), for
/// routes that rank films their own way; `None` when no criterion is given (every film).
pub fn filter(
    table: &FilmTable,
    query: &SearchQuery,
    regexes: &RegexCache,
) -> Result<Option<RowSet>, ApiError> {
    if let Some(sort) = &query.sort {
        return Err(ApiError::invalid_parameter(format!(
            "sort is not taken here (films are ranked by similarity), got `{}`",
            query_string::shorten(sort)
        )));
    }
    let criteria = Criteria::compile(query, regexes)?;
    let matched = matching_rows(table, &criteria);
    let Some(text) = &criteria.text else {
        return Ok(matched);
    };
    let allowed = |row: u32| matched.as_ref().is_none_or(|matched| matched.contains(row));
    let mut found = RowSet::empty(table.len());
    for ranked in table.text_index().search(text, allowed, usize::MAX).films {
        found.insert(ranked.row);
    }
    Ok(Some(found))
}

/// Films tested one by one between two checkpoints (where a search may lend its turn): a few
/// microseconds' worth.
const CHECKPOINT_EVERY: usize = 64;

/// The rows that pass every criterion; `None` when there are none (every film). Regex criteria
/// run as one pass over the field's haystack, unless the exact lists already leave few films.
fn matching_rows(table: &FilmTable, criteria: &Criteria) -> Option<RowSet> {
    let films = table.len();
    let mut matched = criteria.candidates(table);
    let mut done = vec![false; criteria.texts.len()];
    if matched
        .as_ref()
        .is_none_or(|candidates| candidates.count() * 8 >= films)
    {
        for (i, text) in criteria.texts.iter().enumerate() {
            let haystack = table.haystack(text.field);
            let Some(whole) = text.whole().filter(|_| haystack.usable()) else {
                continue;
            };
            let mut hits = RowSet::empty(films);
            let value = |row: usize| text.field.of(&table.films()[row]);
            haystack.find(whole, text.per_value(), value, &mut hits);
            match &mut matched {
                Some(matched) => matched.intersect(&hits),
                None => matched = Some(hits),
            }
            done[i] = true;
        }
    }
    let matched = criteria.within_bounds(table, matched);
    if !criteria.tests_films(&done) {
        return matched;
    }
    let mut passed = RowSet::empty(films);
    for (row, film) in table.films().iter().enumerate() {
        if row.is_multiple_of(CHECKPOINT_EVERY) {
            checkpoint();
        }
        let row = row as u32;
        let candidate = matched.as_ref().is_none_or(|matched| matched.contains(row));
        if candidate && criteria.matches(film, &done) {
            passed.insert(row);
        }
    }
    Some(passed)
}
