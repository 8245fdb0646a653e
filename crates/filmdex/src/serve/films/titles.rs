//! The films' alternate titles (the `film_titles` table) and the text index built over every
//! title and name of the table's films.

use filmdex_text::{FilmTexts, TextIndex};
use rustc_hash::FxHashMap;

use super::film::Film;

/// One alternate title of a film.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AltTitle {
    pub film_id: i32,
    pub title: String,
    pub region: Option<String>,
}

/// The text index of `films` (sorted by film_id, so rows that rank equally come out by
/// film_id) with their alternate titles; titles of films not in `films` are ignored.
pub fn text_index(films: &[Film], akas: &[AltTitle]) -> TextIndex {
    let mut akas_of: FxHashMap<i32, Vec<(&str, Option<&str>)>> = FxHashMap::default();
    for aka in akas {
        akas_of
            .entry(aka.film_id)
            .or_default()
            .push((&aka.title, aka.region.as_deref()));
    }
    TextIndex::build(films.iter().map(|film| FilmTexts {
        title: &film.title,
        original_title: film.original_title.as_deref(),
        akas: akas_of.remove(&film.film_id).unwrap_or_default(),
        persons: &film.persons,
        popularity: film.vote_count.map_or(0, i64::from),
    }))
}
