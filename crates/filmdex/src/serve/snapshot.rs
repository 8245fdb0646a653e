//! One loaded database, immutable while it serves: the films in memory, their similarity matrix,
//! and the indexes that make search a scan of precomputed data. A reload builds a new snapshot
//! and swaps it in whole (`state`), so a request sees one database from start to end.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use filmdex_similarity::TfIdfMatrix;
use rustc_hash::FxHashMap;

use super::search::{Haystack, TextField};
use crate::store::DatabaseMeta;

/// A film as the API serves it, plus the derived text that search matches against.
#[derive(Debug, Clone)]
pub struct Film {
    pub film_id: i32,
    pub title: String,
    /// The `year` DATE as "YYYY-MM-DD" (the original's format) and as a sortable yyyymmdd.
    pub year: Option<String>,
    pub date: Option<i32>,
    pub duration: Option<i32>,
    pub genres: Vec<String>,
    pub rating: Option<f64>,
    pub vote_count: Option<i32>,
    pub persons: Vec<String>,
    pub original_title: Option<String>,
    /// The persons and the genres joined with "," as the original's regexes saw them.
    pub persons_joined: String,
    pub genres_joined: String,
}

impl Film {
    /// The film's IMDb page.
    pub fn imdb_url(&self) -> String {
        super::view::ImdbUrl(self.film_id).to_string()
    }
}

/// "YYYY-MM-DD" -> yyyymmdd, the form date bounds compare with.
pub fn packed_date(text: &str) -> Option<i32> {
    let bytes = text.as_bytes();
    let well_formed = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !well_formed {
        return None;
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<i32>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let month_enum = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    time::Date::from_calendar_date(year, month_enum, u8::try_from(day).ok()?).ok()?;
    Some(year * 10_000 + month * 100 + day)
}

/// What search results can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortKey {
    Title,
    Rating,
    Votes,
    Year,
    Duration,
}

impl SortKey {
    pub const ALL: [SortKey; 5] = [
        SortKey::Title,
        SortKey::Rating,
        SortKey::Votes,
        SortKey::Year,
        SortKey::Duration,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SortKey::Title => "title",
            SortKey::Rating => "rating",
            SortKey::Votes => "votes",
            SortKey::Year => "year",
            SortKey::Duration => "duration",
        }
    }
}

/// A sort key and direction, written `rating` or `-rating` (descending).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl Sort {
    pub fn parse(text: &str) -> Option<Sort> {
        let (descending, name) = match text.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, text),
        };
        let key = SortKey::ALL.into_iter().find(|key| key.name() == name)?;
        Some(Sort { key, descending })
    }
}

impl std::fmt::Display for Sort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}{}",
            if self.descending { "-" } else { "" },
            self.key.name()
        )
    }
}

/// How the snapshot was loaded, for `/readyz` and `/metrics`.
#[derive(Debug, Clone)]
pub struct LoadInfo {
    pub loaded_at: SystemTime,
    pub load_time: Duration,
}

/// The films sorted by film_id and the indexes search uses. Built on its own so that loading
/// can build it while another thread builds the similarity matrix.
pub struct FilmTable {
    films: Vec<Film>,
    /// The films' ids alone, for finding a film: a binary search here touches a few cache
    /// lines, one over the films (over 200 bytes each) touches a new line at every step.
    film_ids: Vec<i32>,
    /// Rows in each sort order (ties by film_id, missing values last in both directions).
    orders: HashMap<Sort, Vec<u32>>,
    /// Exact person name or genre -> the rows that have it, ascending.
    /// (Fx hashed: built from the database, so no client chooses the keys.)
    person_rows: FxHashMap<String, Vec<u32>>,
    genre_rows: FxHashMap<String, Vec<u32>>,
    /// Title, persons and genres of every film, for one-pass regex search.
    haystacks: [Haystack; 3],
}

impl FilmTable {
    /// `films` in any order.
    pub fn new(mut films: Vec<Film>) -> Self {
        films.sort_by_key(|film| film.film_id);
        let film_ids = films.iter().map(|film| film.film_id).collect();
        let orders = sort_orders(&films);
        let person_rows = rows_by(&films, |film| &film.persons);
        let genre_rows = rows_by(&films, |film| &film.genres);
        let haystacks =
            TextField::ALL.map(|field| Haystack::new(films.iter().map(|film| field.of(film))));
        FilmTable {
            films,
            film_ids,
            orders,
            person_rows,
            genre_rows,
            haystacks,
        }
    }
}

/// A whole database in memory.
pub struct Snapshot {
    /// The films (sorted by film_id) and their search indexes.
    table: FilmTable,
    pub matrix: TfIdfMatrix,
    pub meta: DatabaseMeta,
    pub load: LoadInfo,
}

impl Snapshot {
    pub fn new(table: FilmTable, matrix: TfIdfMatrix, meta: DatabaseMeta, load: LoadInfo) -> Self {
        Snapshot {
            table,
            matrix,
            meta,
            load,
        }
    }

    /// Every film, sorted by film_id; a film's index here is its row.
    pub fn films(&self) -> &[Film] {
        &self.table.films
    }

    /// Every film's value of `field`, one per line, in row order.
    pub fn haystack(&self, field: TextField) -> &Haystack {
        let index = TextField::ALL
            .iter()
            .position(|&known| known == field)
            .unwrap_or_default();
        &self.table.haystacks[index]
    }

    pub fn film(&self, film_id: i32) -> Option<&Film> {
        self.table
            .film_ids
            .binary_search(&film_id)
            .ok()
            .map(|row| &self.table.films[row])
    }

    /// Every row in the given order.
    pub fn order(&self, sort: Sort) -> &[u32] {
        self.table
            .orders
            .get(&sort)
            .map(Vec::as_slice)
            .expect("every sort order is built at load")
    }

    /// The rows of the films featuring exactly this person (empty when none).
    pub fn rows_with_person(&self, name: &str) -> &[u32] {
        self.table.person_rows.get(name).map_or(&[], Vec::as_slice)
    }

    pub fn rows_with_genre(&self, genre: &str) -> &[u32] {
        self.table.genre_rows.get(genre).map_or(&[], Vec::as_slice)
    }
}

fn sort_orders(films: &[Film]) -> HashMap<Sort, Vec<u32>> {
    let mut orders = HashMap::new();
    for key in SortKey::ALL {
        let mut ascending: Vec<u32> = (0..films.len() as u32).collect();
        ascending.sort_by(|&a, &b| {
            let (a, b) = (&films[a as usize], &films[b as usize]);
            value_order(a, b, key).then(a.film_id.cmp(&b.film_id))
        });
        let descending = descending_from(&ascending, films, key);
        for (descending, rows) in [(false, ascending), (true, descending)] {
            orders.insert(Sort { key, descending }, rows);
        }
    }
    orders
}

/// The order of `key` ascending, films without a value last. Both directions break ties by
/// film_id ascending, so that pages are stable.
fn value_order(a: &Film, b: &Film, key: SortKey) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    fn missing_last<T>(a: Option<T>, b: Option<T>, cmp: impl Fn(&T, &T) -> Ordering) -> Ordering {
        match (a, b) {
            (Some(a), Some(b)) => cmp(&a, &b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
    match key {
        SortKey::Title => a.title.cmp(&b.title),
        SortKey::Rating => missing_last(a.rating, b.rating, |x, y| x.total_cmp(y)),
        SortKey::Votes => missing_last(a.vote_count, b.vote_count, Ord::cmp),
        SortKey::Year => missing_last(a.date, b.date, Ord::cmp),
        SortKey::Duration => missing_last(a.duration, b.duration, Ord::cmp),
    }
}

fn has_value(film: &Film, key: SortKey) -> bool {
    match key {
        SortKey::Title => true,
        SortKey::Rating => film.rating.is_some(),
        SortKey::Votes => film.vote_count.is_some(),
        SortKey::Year => film.date.is_some(),
        SortKey::Duration => film.duration.is_some(),
    }
}

/// The descending order, from the ascending one without sorting again: the runs of equal
/// values last to first, each run keeping its ascending film_id, then the films without a
/// value as they were (last in both directions).
fn descending_from(ascending: &[u32], films: &[Film], key: SortKey) -> Vec<u32> {
    let film = |position: usize| &films[ascending[position] as usize];
    let with_value = ascending.partition_point(|&row| has_value(&films[row as usize], key));
    let mut descending = Vec::with_capacity(ascending.len());
    let mut end = with_value;
    while end > 0 {
        let mut start = end - 1;
        while start > 0 && value_order(film(start - 1), film(end - 1), key).is_eq() {
            start -= 1;
        }
        descending.extend_from_slice(&ascending[start..end]);
        end = start;
    }
    descending.extend_from_slice(&ascending[with_value..]);
    descending
}

fn rows_by(films: &[Film], values: impl Fn(&Film) -> &Vec<String>) -> FxHashMap<String, Vec<u32>> {
    let mut index: FxHashMap<String, Vec<u32>> = FxHashMap::default();
    for (row, film) in films.iter().enumerate() {
        for value in values(film) {
            // Looked up before inserting: a key is allocated once per name, not per credit.
            let rows = match index.get_mut(value.as_str()) {
                Some(rows) => rows,
                None => index.entry(value.clone()).or_default(),
            };
            // A name listed twice in one film (two categories) still names the film once.
            if rows.last() != Some(&(row as u32)) {
                rows.push(row as u32);
            }
        }
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    fn film(film_id: i32, title: &str, rating: Option<f64>, votes: Option<i32>) -> Film {
        Film {
            film_id,
            title: title.into(),
            year: None,
            date: None,
            duration: None,
            genres: vec![],
            rating,
            vote_count: votes,
            persons: vec![],
            original_title: None,
            persons_joined: String::new(),
            genres_joined: String::new(),
        }
    }

    proptest::proptest! {
        /// The descending orders derived from the ascending ones equal a sort by the
        /// definition: value descending, missing values last, ties by film_id ascending.
        #[test]
        fn derived_descending_orders_equal_sorting(
            values in proptest::collection::vec(
                (0u8..4, proptest::option::of(0u8..3), proptest::option::of(0i32..3)), 0..40),
        ) {
            let films: Vec<Film> = values
                .iter()
                .enumerate()
                .map(|(i, &(title, rating, votes))| {
                    // film_ids not in row order, to catch a tie broken by row.
                    let film_id = ((i * 7) % 41) as i32;
                    film(film_id, &title.to_string(), rating.map(f64::from), votes)
                })
                .collect();
            let orders = sort_orders(&films);
            for key in SortKey::ALL {
                let mut expected: Vec<u32> = (0..films.len() as u32).collect();
                expected.sort_by(|&a, &b| {
                    let (a, b) = (&films[a as usize], &films[b as usize]);
                    let by_value = match (has_value(a, key), has_value(b, key)) {
                        (true, true) => value_order(b, a, key),
                        (x, y) => y.cmp(&x),
                    };
                    by_value.then(a.film_id.cmp(&b.film_id))
                });
                proptest::prop_assert_eq!(&orders[&Sort { key, descending: true }], &expected);
            }
        }
    }

    #[test]
    fn dates_pack_and_invalid_ones_are_refused() {
        assert_eq!(packed_date("1990-01-01"), Some(19_900_101));
        assert_eq!(packed_date("2020-02-29"), Some(20_200_229));
        assert_eq!(packed_date("2021-02-29"), None);
        assert_eq!(packed_date("1990-1-01"), None);
        assert_eq!(packed_date("+990-01-01"), None);
        assert_eq!(packed_date("1990-13-01"), None);
    }

    #[test]
    fn sorts_parse_with_a_leading_minus_for_descending() {
        assert_eq!(
            Sort::parse("-rating"),
            Some(Sort {
                key: SortKey::Rating,
                descending: true
            })
        );
        assert_eq!(
            Sort::parse("title"),
            Some(Sort {
                key: SortKey::Title,
                descending: false
            })
        );
        assert_eq!(Sort::parse("--title"), None);
        assert_eq!(Sort::parse("Title"), None);
        assert_eq!(
            Sort::parse("-rating").map(|s| s.to_string()),
            Some("-rating".into())
        );
    }

    #[test]
    fn imdb_urls_are_zero_padded_to_seven_digits() {
        let film = Film {
            film_id: 99785,
            title: "Home Alone".into(),
            year: None,
            date: None,
            duration: None,
            genres: vec![],
            rating: None,
            vote_count: None,
            persons: vec![],
            original_title: None,
            persons_joined: String::new(),
            genres_joined: String::new(),
        };
        assert_eq!(film.imdb_url(), "https://www.imdb.com/title/tt0099785/");
    }
}
