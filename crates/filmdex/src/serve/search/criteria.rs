//! [`SearchQuery`] checked and compiled: regexes built with size limits, dates packed, bounds
//! merged, paging clamped. Every problem becomes a 422 naming the field, never a 500.

use std::borrow::Cow;

use super::text::TextCriterion;
use super::{RegexCache, SearchQuery, DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY_CHARS};
use crate::serve::error::ApiError;
use crate::serve::films::{
    packed_date, Film, FilmTable, RowSet, Sort, SortKey, TextField, WholeBounds,
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
    /// An empty list is no criterion. Genres are read from the table's bitset per genre (an
    /// unknown genre has none: no row), persons from their row lists.
    pub fn candidates(&self, table: &FilmTable) -> Option<RowSet> {
        let films = table.len();
        let mut allowed: Option<RowSet> = None;
        // A set to intersect with; `None` for a genre no film has.
        let mut restrict = |set: Option<Cow<RowSet>>| match (&mut allowed, set) {
            (Some(current), Some(set)) => current.intersect(&set),
            (current, set) => {
                *current = Some(set.map_or_else(|| RowSet::empty(films), Cow::into_owned));
            }
        };
        for name in &self.persons_all {
            let rows = RowSet::of(films, [table.rows_with_person(name)]);
            restrict(Some(Cow::Owned(rows)));
        }
        for genre in &self.genres_all {
            restrict(table.genre_set(genre).map(Cow::Borrowed));
        }
        if !self.persons_any.is_empty() {
            let names = self.persons_any.iter();
            let any = RowSet::of(films, names.map(|name| table.rows_with_person(name)));
            restrict(Some(Cow::Owned(any)));
        }
        if !self.genres_any.is_empty() {
            let mut any = RowSet::empty(films);
            for set in self
                .genres_any
                .iter()
                .filter_map(|genre| table.genre_set(genre))
            {
                any.unite(set);
            }
            restrict(Some(Cow::Owned(any)));
        }
        allowed
    }

    /// The rows of `candidates` (every row when `None`) within every numeric bound (dates,
    /// rating, votes, duration), read from the table's columns; `candidates` as they are when
    /// no bound is given. A bound on a value the film lacks excludes it, as SQL's NULL
    /// comparisons did in the original.
    pub fn within_bounds(&self, table: &FilmTable, candidates: Option<RowSet>) -> Option<RowSet> {
        let numbers = table.numbers();
        let whole_bounds = [
            (
                &numbers.date,
                self.date_from.map(i64::from),
                self.date_to.map(i64::from),
            ),
            (&numbers.vote_count, self.min_votes, None),
            (&numbers.duration, self.min_duration, self.max_duration),
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
            if min.is_none() && max.is_none() {
                continue;
            }
            match WholeBounds::new(min, max) {
                Some(bounds) => passed.retain(column, |value| bounds.admits(value)),
                None => return Some(RowSet::empty(table.len())),
            }
        }
        if rated {
            // A missing rating is NaN, which no comparison admits.
            let min = self.min_rating.unwrap_or(f64::NEG_INFINITY);
            let max = self.max_rating.unwrap_or(f64::INFINITY);
            passed.retain(&numbers.rating, |value| min <= value && value <= max);
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

    /// The genres random films and lists are drawn from; "Noir" is on no film.
    const GENRES: [&str; 4] = ["Drama", "Comedy", "Sci-Fi", "Noir"];

    fn random_film() -> impl proptest::strategy::Strategy<Value = Film> {
        use proptest::prelude::*;
        let whole = |range: std::ops::Range<i32>| proptest::option::of(range);
        (
            proptest::sample::subsequence(&GENRES[..3], 0..=3),
            proptest::option::of((1900..2030i32, 1..=12i32, 1..=28i32))
                .prop_map(|date| date.map(|(y, m, d)| y * 10_000 + m * 100 + d)),
            whole(0..100),
            whole(0..300),
            proptest::option::of(prop_oneof![0.0..10.0f64, Just(7.0)]),
        )
            .prop_map(|(genres, date, vote_count, duration, rating)| Film {
                film_id: 0,
                title: String::new(),
                year: None,
                date,
                duration,
                genres: genres.into_iter().map(str::to_owned).collect(),
                rating,
                vote_count,
                persons: vec![],
                original_title: None,
                persons_joined: String::new(),
                genres_joined: String::new(),
            })
    }

    fn random_query() -> impl proptest::strategy::Strategy<Value = SearchQuery> {
        use proptest::prelude::*;
        let genres = || {
            proptest::option::of(
                proptest::collection::vec(proptest::sample::select(&GENRES[..]), 0..3)
                    .prop_map(|genres| genres.into_iter().map(str::to_owned).collect()),
            )
        };
        let whole =
            || proptest::option::of(prop_oneof![-5..400i64, Just(i64::MAX), Just(i64::MIN)]);
        (
            (genres(), genres()),
            (
                proptest::option::of(1890..2040i32),
                proptest::option::of(1890..2040i32),
            ),
            (whole(), whole(), whole()),
            (
                proptest::option::of(0.0..10.0f64),
                proptest::option::of(0.0..10.0f64),
            ),
        )
            .prop_map(
                |(
                    (genres, genres_any),
                    (year_from, year_to),
                    (votes, min_duration, max_duration),
                    (min_rating, max_rating),
                )| SearchQuery {
                    genres,
                    genres_any,
                    year_from,
                    year_to,
                    vote_count: votes,
                    min_duration,
                    max_duration,
                    min_rating,
                    max_rating,
                    ..Default::default()
                },
            )
    }

    /// Whether `film` passes the genre lists and bounds of `query`, by their definition.
    fn passes(film: &Film, query: &SearchQuery) -> bool {
        let has = |genre: &String| film.genres.contains(genre);
        let genres = query.genres.as_ref().is_none_or(|all| all.iter().all(has));
        let genres_any =
            (query.genres_any.as_ref()).is_none_or(|any| any.is_empty() || any.iter().any(has));
        let within = |value: Option<i32>, min: Option<i64>, max: Option<i64>| {
            (min.is_none() && max.is_none())
                || value.is_some_and(|value| {
                    min.is_none_or(|min| min <= i64::from(value))
                        && max.is_none_or(|max| i64::from(value) <= max)
                })
        };
        let year = |date: i32| i64::from(date / 10_000);
        let years = within(
            film.date.map(|date| year(date) as i32),
            query.year_from.map(i64::from),
            query.year_to.map(i64::from),
        );
        let rating = (query.min_rating.is_none() && query.max_rating.is_none())
            || film.rating.is_some_and(|rating| {
                query.min_rating.is_none_or(|min| min <= rating)
                    && query.max_rating.is_none_or(|max| rating <= max)
            });
        genres
            && genres_any
            && years
            && within(film.vote_count, query.vote_count, None)
            && within(film.duration, query.min_duration, query.max_duration)
            && rating
    }

    proptest::proptest! {
        /// The genre bitsets and the column bounds keep exactly the films that pass the
        /// criteria tested film by film, for any genre lists (empty ones, unknown genres)
        /// and bounds (open, empty, beyond any value).
        #[test]
        fn genre_sets_and_bounds_keep_the_films_that_pass_one_by_one(
            films in proptest::collection::vec(random_film(), 0..200),
            query in random_query(),
        ) {
            let films: Vec<Film> = films
                .into_iter()
                .enumerate()
                .map(|(row, film)| Film { film_id: row as i32, ..film })
                .collect();
            let table = FilmTable::new(films.clone());
            let criteria = compile(query.clone()).expect("valid");
            let kept = criteria.within_bounds(&table, criteria.candidates(&table));
            let kept: Vec<u32> = match kept {
                Some(set) => set.rows().collect(),
                None => (0..films.len() as u32).collect(),
            };
            let expected: Vec<u32> = (0..films.len() as u32)
                .filter(|&row| passes(&films[row as usize], &query))
                .collect();
            proptest::prop_assert_eq!(kept, expected);
        }
    }
}
