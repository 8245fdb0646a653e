//! [`SearchQuery`] checked and compiled: regexes built with size limits, dates packed, bounds
//! merged, paging clamped. Every problem becomes a 422 naming the field, never a 500.

use super::text::TextCriterion;
use super::{RegexCache, SearchQuery, DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY_CHARS};
use crate::serve::error::ApiError;
use crate::serve::films::{
    packed_date, Film, FilmTable, RowSet, Sort, SortKey, TextField, MISSING,
};
use crate::serve::paging::Page;

/// A search ready to run.
#[derive(Debug)]
pub struct Criteria {
    pub sort: Sort,
    /// The free-text query, when one with words is given.
    pub text: Option<String>,
    /// Rank by relevance to `text` (it is given, and no sort is).
    pub relevance: bool,
    pub page: Page,
    /// The regex criteria (title, person, genre) that are given.
    pub texts: Vec<TextCriterion>,
    /// Inclusive yyyymmdd bounds.
    date_from: Option<i32>,
    date_to: Option<i32>,
    min_rating: Option<f64>,
    max_rating: Option<f64>,
    min_votes: Option<i64>,
    min_duration: Option<i64>,
    max_duration: Option<i64>,
    persons_all: Vec<String>,
    persons_any: Vec<String>,
    genres_all: Vec<String>,
    genres_any: Vec<String>,
}

impl Criteria {
    /// The criteria of `query`, its patterns taken from `regexes` or compiled.
    pub fn compile(query: &SearchQuery, regexes: &RegexCache) -> Result<Criteria, ApiError> {
        let sort = match &query.sort {
            None => Sort { key: SortKey::Title, descending: false },
            Some(text) => Sort::parse(text).ok_or_else(|| {
                ApiError::invalid_parameter(format!(
                    "sort must be title, rating, votes, year or duration, with a leading - for descending; got `{text}`"
                ))
            })?,
        };
        let (date_from, date_to) = date_bounds(query)?;
        let text = free_text(query.q.as_deref())?;
        Ok(Criteria {
            sort,
            relevance: text.is_some() && query.sort.is_none(),
            text,
            page: Page::parse(query.limit, query.offset, DEFAULT_LIMIT, MAX_LIMIT)?,
            texts: compile_texts(query, regexes)?,
            date_from,
            date_to,
            min_rating: finite("min_rating", query.min_rating)?,
            max_rating: finite("max_rating", query.max_rating)?,
            min_votes: query.vote_count,
            min_duration: query.min_duration,
            max_duration: query.max_duration,
            persons_all: query.persons.clone().unwrap_or_default(),
            persons_any: query.persons_any.clone().unwrap_or_default(),
            genres_all: query.genres.clone().unwrap_or_default(),
            genres_any: query.genres_any.clone().unwrap_or_default(),
        })
    }

    /// The rows allowed by the exact person and genre lists, or `None` when there are none.
    /// An empty list is no criterion.
    pub fn candidates(&self, table: &FilmTable) -> Option<RowSet> {
        let films = table.len();
        let mut allowed: Option<RowSet> = None;
        let mut restrict = |set: RowSet| match &mut allowed {
            Some(current) => current.intersect(&set),
            None => allowed = Some(set),
        };
        for name in &self.persons_all {
            restrict(RowSet::of(films, [table.rows_with_person(name)]));
        }
        for genre in &self.genres_all {
            restrict(RowSet::of(films, [table.rows_with_genre(genre)]));
        }
        if !self.persons_any.is_empty() {
            restrict(RowSet::of(
                films,
                self.persons_any
                    .iter()
                    .map(|name| table.rows_with_person(name)),
            ));
        }
        if !self.genres_any.is_empty() {
            restrict(RowSet::of(
                films,
                self.genres_any
                    .iter()
                    .map(|genre| table.rows_with_genre(genre)),
            ));
        }
        allowed
    }

    /// The rows of `candidates` (every row when `None`) within every numeric bound (dates,
    /// rating, votes, duration), read from the table's columns; `candidates` as they are when
    /// no bound is given. A bound on a value the film lacks excludes it, as SQL's NULL
    /// comparisons did in the original.
    pub fn within_bounds(&self, table: &FilmTable, candidates: Option<RowSet>) -> Option<RowSet> {
        let whole_bounds = [
            (
                &table.numbers().date,
                self.date_from.map(i64::from),
                self.date_to.map(i64::from),
            ),
            (&table.numbers().vote_count, self.min_votes, None),
            (
                &table.numbers().duration,
                self.min_duration,
                self.max_duration,
            ),
        ];
        let rated = self.min_rating.is_some() || self.max_rating.is_some();
        let bounded = rated
            || whole_bounds
                .iter()
                .any(|(_, min, max)| min.is_some() || max.is_some());
        if !bounded {
            return candidates;
        }
        let mut passed = candidates.unwrap_or_else(|| RowSet::full(table.len()));
        for (column, min, max) in whole_bounds {
            if min.is_some() || max.is_some() {
                let (min, max) = (min.unwrap_or(i64::MIN), max.unwrap_or(i64::MAX));
                passed.retain(column, |value| {
                    value != MISSING && min <= value && value <= max
                });
            }
        }
        if rated {
            // A missing rating is NaN, which no comparison admits.
            let min = self.min_rating.unwrap_or(f64::NEG_INFINITY);
            let max = self.max_rating.unwrap_or(f64::INFINITY);
            passed.retain(&table.numbers().rating, |value| {
                min <= value && value <= max
            });
        }
        Some(passed)
    }

    /// Whether a regex criterion is left to test film by film: one not marked `done` (by index
    /// in `texts`).
    pub fn tests_films(&self, done: &[bool]) -> bool {
        (0..self.texts.len()).any(|i| !done.get(i).copied().unwrap_or(false))
    }

    /// The regex criteria not marked `done`; the exact lists (see `candidates`) and the
    /// numeric bounds (see `within_bounds`) are tested on the table's indexes and columns.
    pub fn matches(&self, film: &Film, done: &[bool]) -> bool {
        self.texts
            .iter()
            .enumerate()
            .all(|(i, text)| done.get(i).copied().unwrap_or(false) || text.matches(film))
    }
}

fn finite(field: &str, value: Option<f64>) -> Result<Option<f64>, ApiError> {
    match value {
        Some(number) if !number.is_finite() => Err(ApiError::invalid_parameter(format!(
            "{field} must be a finite number"
        ))),
        _ => Ok(value),
    }
}

/// The regex criteria that are given, each compiled for values and for haystacks.
fn compile_texts(
    query: &SearchQuery,
    regexes: &RegexCache,
) -> Result<Vec<TextCriterion>, ApiError> {
    let fields = [
        ("title", TextField::Title, &query.title),
        ("person", TextField::Persons, &query.person),
        ("genre", TextField::Genres, &query.genre),
    ];
    fields
        .into_iter()
        // An empty pattern matches every film: it is no criterion, and is not run.
        .filter_map(|(name, field, pattern)| {
            pattern
                .as_deref()
                .filter(|pattern| !pattern.is_empty())
                .map(|pattern| regexes.criterion(name, field, pattern))
        })
        .collect()
}

/// The free-text query, when it has something to search for (a blank one is no criterion).
fn free_text(q: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(q) = q.filter(|q| !q.trim().is_empty()) else {
        return Ok(None);
    };
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::invalid_parameter(format!(
            "q must be at most {MAX_QUERY_CHARS} characters"
        )));
    }
    Ok(Some(q.to_owned()))
}

/// earliest_date/year_from and latest_date/year_to merged into one inclusive yyyymmdd range.
fn date_bounds(query: &SearchQuery) -> Result<(Option<i32>, Option<i32>), ApiError> {
    let date = |field: &str, text: &Option<String>| -> Result<Option<i32>, ApiError> {
        text.as_deref()
            .map(|text| {
                packed_date(text).ok_or_else(|| {
                    ApiError::invalid_parameter(format!(
                        "{field} must be a date like 1970-01-01, got `{text}`"
                    ))
                })
            })
            .transpose()
    };
    let year = |field: &str, year: Option<i32>, month_day: i32| -> Result<Option<i32>, ApiError> {
        match year {
            Some(year) if !(0..=9999).contains(&year) => Err(ApiError::invalid_parameter(format!(
                "{field} must be a year from 0 to 9999, got {year}"
            ))),
            _ => Ok(year.map(|year| year * 10_000 + month_day)),
        }
    };
    let from = [
        date("earliest_date", &query.earliest_date)?,
        year("year_from", query.year_from, 101)?,
    ];
    let to = [
        date("latest_date", &query.latest_date)?,
        year("year_to", query.year_to, 1231)?,
    ];
    Ok((
        from.into_iter().flatten().max(),
        to.into_iter().flatten().min(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(query: SearchQuery) -> Result<Criteria, ApiError> {
        Criteria::compile(&query, &RegexCache::default())
    }

    #[test]
    fn defaults_sort_by_title_and_give_the_first_hundred() {
        let criteria = compile(SearchQuery::default()).expect("empty query");
        assert_eq!(
            criteria.sort,
            Sort {
                key: SortKey::Title,
                descending: false
            }
        );
        assert_eq!(
            criteria.page,
            Page {
                offset: 0,
                limit: 100
            }
        );
    }

    #[test]
    fn bad_values_name_their_field() {
        let cases = [
            SearchQuery {
                limit: Some(1001),
                ..Default::default()
            },
            SearchQuery {
                offset: Some(-1),
                ..Default::default()
            },
            SearchQuery {
                sort: Some("popularity".into()),
                ..Default::default()
            },
            SearchQuery {
                earliest_date: Some("1970-13-01".into()),
                ..Default::default()
            },
            SearchQuery {
                year_to: Some(10_000),
                ..Default::default()
            },
            SearchQuery {
                min_rating: Some(f64::NAN),
                ..Default::default()
            },
            SearchQuery {
                title: Some("(".into()),
                ..Default::default()
            },
            SearchQuery {
                person: Some("a".repeat(1001)),
                ..Default::default()
            },
            SearchQuery {
                genre: Some(r"\w{1000}{1000}".into()),
                ..Default::default()
            },
        ];
        for query in cases {
            let error = compile(query.clone()).expect_err("invalid");
            assert_eq!(
                error.status,
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "{query:?}"
            );
        }
    }

    #[test]
    fn date_and_year_bounds_merge_into_the_narrowest_range() {
        let query = SearchQuery {
            earliest_date: Some("1970-06-01".into()),
            year_from: Some(1971),
            latest_date: Some("2020-01-01".into()),
            year_to: Some(2030),
            ..Default::default()
        };
        assert_eq!(
            date_bounds(&query).expect("valid"),
            (Some(19_710_101), Some(20_200_101))
        );
    }

    #[test]
    fn regexes_are_case_insensitive_and_unanchored() {
        let query = SearchQuery {
            title: Some("wars.*i".into()),
            ..Default::default()
        };
        let criteria = compile(query).expect("valid");
        let regex = criteria.texts[0].per_value();
        assert!(regex.is_match("Star Wars: Episode VII"));
        assert!(!regex.is_match("Star Trek"));
    }

    #[test]
    fn an_empty_pattern_is_no_criterion_and_is_not_compiled() {
        let query = SearchQuery {
            title: Some(String::new()),
            person: Some(String::new()),
            genre: Some("drama".into()),
            ..Default::default()
        };
        let criteria = compile(query).expect("valid");
        let fields: Vec<TextField> = criteria.texts.iter().map(|text| text.field).collect();
        assert_eq!(fields, [TextField::Genres]);
    }
}
