//! The film table: every film sorted by film_id, and the indexes built once at load that make
//! search a scan of precomputed data (sort orders, exact person and genre lists, haystacks).

use std::collections::HashMap;

use filmdex_text::TextIndex;
use rustc_hash::FxHashMap;

use super::film::Film;
use super::numbers::NumberColumns;
use super::row_set::RowSet;
use super::sort::{sort_orders, Sort};
use super::text::{Haystack, TextField};
use super::titles::{text_index, AltTitle};

/// The films sorted by film_id and the indexes search uses. Built on its own so that loading
/// can build it while another thread builds the similarity matrix.
pub struct FilmTable {
    films: Vec<Film>,
    /// The films' ids alone, for finding a film: a binary search here touches a few cache
    /// lines, one over the films (over 200 bytes each) touches a new line at every step.
    film_ids: Vec<i32>,
    /// Rows in each sort order (ties by film_id, missing values last in both directions).
    orders: HashMap<Sort, Vec<u32>>,
    /// Exact person name -> the rows that have it, ascending; exact genre -> the rows that
    /// have it as a bitset (few genres, each on many films: a search or a recommendation
    /// filtered by genres then copies or ORs a few words per 64 films instead of setting a
    /// bit per film). (Fx hashed: built from the database, so no client chooses the keys.)
    person_rows: FxHashMap<String, Vec<u32>>,
    genre_sets: FxHashMap<String, RowSet>,
    /// Title, persons and genres of every film, for one-pass regex search.
    haystacks: [Haystack; 3],
    /// Every title, alternate title and name, for text search (`q`).
    text_index: TextIndex,
    /// Dates, ratings, votes and durations as columns, for the bounds.
    numbers: NumberColumns,
}

impl FilmTable {
    /// `films` in any order, without alternate titles.
    pub fn new(films: Vec<Film>) -> Self {
        FilmTable::with_akas(films, &[])
    }

    /// `films` in any order, and their alternate titles.
    pub fn with_akas(mut films: Vec<Film>, akas: &[AltTitle]) -> Self {
        films.sort_by_key(|film| film.film_id);
        // The text index is the largest part: built on a thread of its own beside the rest.
        let (text_index, (film_ids, orders, person_rows, genre_sets, haystacks, numbers)) =
            std::thread::scope(|scope| {
                let text_index = scope.spawn(|| text_index(&films, akas));
                let film_ids = films.iter().map(|film| film.film_id).collect();
                let orders = sort_orders(&films);
                let person_rows = rows_by(&films, |film| &film.persons);
                let genre_sets = rows_by(&films, |film| &film.genres)
                    .into_iter()
                    .map(|(genre, rows)| (genre, RowSet::of(films.len(), [rows.as_slice()])))
                    .collect();
                let haystacks = TextField::ALL
                    .map(|field| Haystack::new(films.iter().map(|film| field.of(film))));
                let numbers = NumberColumns::new(&films);
                let text_index = match text_index.join() {
                    Ok(text_index) => text_index,
                    Err(panic) => std::panic::resume_unwind(panic),
                };
                (
                    text_index,
                    (
                        film_ids,
                        orders,
                        person_rows,
                        genre_sets,
                        haystacks,
                        numbers,
                    ),
                )
            });
        FilmTable {
            films,
            film_ids,
            orders,
            person_rows,
            genre_sets,
            haystacks,
            text_index,
            numbers,
        }
    }
}

impl FilmTable {
    /// Every film, sorted by film_id; a film's index here is its row.
    pub fn films(&self) -> &[Film] {
        &self.films
    }

    pub fn len(&self) -> usize {
        self.films.len()
    }

    pub fn is_empty(&self) -> bool {
        self.films.is_empty()
    }

    pub fn film(&self, film_id: i32) -> Option<&Film> {
        self.row_of(film_id).map(|row| &self.films[row as usize])
    }

    /// The row of a film.
    pub fn row_of(&self, film_id: i32) -> Option<u32> {
        let row = self.film_ids.binary_search(&film_id).ok()?;
        Some(row as u32)
    }

    /// Every film's value of `field`, one per line, in row order.
    pub fn haystack(&self, field: TextField) -> &Haystack {
        let index = TextField::ALL
            .iter()
            .position(|&known| known == field)
            .unwrap_or_default();
        &self.haystacks[index]
    }

    /// The word index over every title, alternate title and name; its rows are this table's.
    pub fn text_index(&self) -> &TextIndex {
        &self.text_index
    }

    /// The numeric fields of every film, in row order.
    pub fn numbers(&self) -> &NumberColumns {
        &self.numbers
    }

    /// Every row in the given order.
    pub fn order(&self, sort: Sort) -> &[u32] {
        self.orders
            .get(&sort)
            .map(Vec::as_slice)
            .expect("every sort order is built at load")
    }

    /// The rows of the films featuring exactly this person (empty when none).
    pub fn rows_with_person(&self, name: &str) -> &[u32] {
        self.person_rows.get(name).map_or(&[], Vec::as_slice)
    }

    /// The rows of the films with exactly this genre; `None` when no film has it.
    pub fn genre_set(&self, genre: &str) -> Option<&RowSet> {
        self.genre_sets.get(genre)
    }
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
