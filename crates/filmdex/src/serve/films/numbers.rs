//! The numeric fields of every film as columns in row order: a search's bounds (dates,
//! rating, votes, duration) read these small arrays from start to end instead of each film's
//! whole struct (over 200 bytes, so a cache line or more per film).

use super::film::Film;

/// One value per film and field, `None` where the film has none.
#[derive(Debug, Default)]
pub struct NumberColumns {
    /// The `year` DATE as yyyymmdd.
    pub date: Vec<Option<i32>>,
    pub rating: Vec<Option<f64>>,
    pub vote_count: Vec<Option<i32>>,
    pub duration: Vec<Option<i32>>,
}

impl NumberColumns {
    /// The columns of `films`, in their order.
    pub fn new(films: &[Film]) -> Self {
        NumberColumns {
            date: films.iter().map(|film| film.date).collect(),
            rating: films.iter().map(|film| film.rating).collect(),
            vote_count: films.iter().map(|film| film.vote_count).collect(),
            duration: films.iter().map(|film| film.duration).collect(),
        }
    }
}
