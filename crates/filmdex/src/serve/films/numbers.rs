//! The numeric fields of every film as columns in row order: a search's bounds (dates,
//! rating, votes, duration) read these small arrays from start to end, 64 films per bitset
//! word, instead of each film's whole struct (over 200 bytes, so a cache line or more per
//! film).

use super::film::Film;

/// A whole-number value the film lacks: below every `i32` widened, so no bound admits it
/// by accident and no real value is mistaken for it.
pub const MISSING: i64 = i64::MIN;

/// One value per film and field. Missing values are [`MISSING`], or NaN for the rating (no
/// comparison holds with NaN).
#[derive(Debug, Default)]
pub struct NumberColumns {
    /// The `year` DATE as yyyymmdd.
    pub date: Vec<i64>,
    pub rating: Vec<f64>,
    pub vote_count: Vec<i64>,
    pub duration: Vec<i64>,
}

impl NumberColumns {
    /// The columns of `films`, in their order.
    pub fn new(films: &[Film]) -> Self {
        let whole = |value: Option<i32>| value.map_or(MISSING, i64::from);
        NumberColumns {
            date: films.iter().map(|film| whole(film.date)).collect(),
            rating: films
                .iter()
                .map(|film| film.rating.unwrap_or(f64::NAN))
                .collect(),
            vote_count: films.iter().map(|film| whole(film.vote_count)).collect(),
            duration: films.iter().map(|film| whole(film.duration)).collect(),
        }
    }
}
