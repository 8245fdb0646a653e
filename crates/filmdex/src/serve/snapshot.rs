//! One loaded database, immutable while it serves: the film table, its similarity matrix and
//! the build's facts. A reload builds a new snapshot and swaps it in whole (`state`), so a
//! request sees one database from start to end.

use std::time::{Duration, SystemTime};

use anyhow::{ensure, Result};
use filmdex_similarity::{Explanation, Taste, TasteContribution, TfIdfMatrix, UnknownFilms};

use super::films::{Film, FilmTable, RowSet};
use super::paging::Page;
use crate::store::DatabaseMeta;

/// Shared features listed per similar film when an explanation is asked for.
const EXPLAINED_FEATURES: usize = 5;

/// A similar-films page this cheap is answered on the async thread: handing it to the blocking
/// pool costs about 40 µs of CPU (two thread wake-ups), more than the query itself when the
/// threshold is high, the page short and no explanation is asked. Lower thresholds score most
/// films, explanations merge term lists per film, and the work grows with the number of films:
/// those go to the pool. (The timings behind these bounds are in docs/perf-journal.md.)
const INLINE_MIN_THRESHOLD: f64 = 0.05;
const INLINE_MAX_LIMIT: usize = 20;
const INLINE_MAX_FILMS: usize = 100_000;

/// How the snapshot was loaded, for `/readyz` and `/metrics`.
#[derive(Debug, Clone)]
pub struct LoadInfo {
    pub loaded_at: SystemTime,
    pub load_time: Duration,
}

/// One film of a similar-films page.
pub struct SimilarFilm<'a> {
    pub film: &'a Film,
    pub similarity: f64,
    /// The shared features that contribute most, when asked for.
    pub explanation: Option<Explanation>,
}

/// One film recommended for a taste.
pub struct Recommendation<'a> {
    pub film: &'a Film,
    pub similarity: f64,
    /// The film's features that bring it closest to the taste, when asked for.
    pub because: Option<Vec<TasteContribution>>,
}

/// A whole database in memory.
pub struct Snapshot {
    /// The films (sorted by film_id) and their search indexes.
    table: FilmTable,
    matrix: TfIdfMatrix,
    pub meta: DatabaseMeta,
    pub load: LoadInfo,
}

impl Snapshot {
    /// The table and the matrix must hold the same films: a film's row is then the same in
    /// both, and kernel results by row read straight into the table.
    pub fn new(
        table: FilmTable,
        matrix: TfIdfMatrix,
        meta: DatabaseMeta,
        load: LoadInfo,
    ) -> Result<Self> {
        let same_films = table.len() == matrix.len()
            && (0..matrix.len()).all(|row| table.films()[row].film_id == matrix.film_id(row));
        ensure!(
            same_films,
            "the films table and the similarity matrix hold different films"
        );
        Ok(Snapshot {
            table,
            matrix,
            meta,
            load,
        })
    }

    /// The film table that search reads.
    pub fn table(&self) -> &FilmTable {
        &self.table
    }

    /// Every film, sorted by film_id; a film's index here is its row.
    pub fn films(&self) -> &[Film] {
        self.table.films()
    }

    pub fn film(&self, film_id: i32) -> Option<&Film> {
        self.table.film(film_id)
    }

    /// Whether [`Snapshot::similar_films`] with these arguments is cheap enough to run without
    /// leaving the async thread.
    pub fn similar_is_cheap(
        &self,
        threshold: f64,
        filtered: bool,
        page: Page,
        explain: bool,
    ) -> bool {
        !explain
            && !filtered
            && threshold >= INLINE_MIN_THRESHOLD
            && page.limit <= INLINE_MAX_LIMIT
            && self.films().len() <= INLINE_MAX_FILMS
    }

    /// One page of the films at least `threshold` similar to `film_id` (best first, ties by
    /// film_id) among the rows `allowed` (every film when `None`), exact for any threshold,
    /// and how many there are in all; `None` for an unknown film.
    pub fn similar_films(
        &self,
        film_id: i32,
        threshold: f64,
        allowed: Option<&RowSet>,
        page: Page,
        explain: bool,
    ) -> Option<(Vec<SimilarFilm<'_>>, usize)> {
        let (neighbours, total) = match allowed {
            None => self
                .matrix
                .similar_page(film_id, threshold, page.offset, page.limit)?,
            Some(allowed) => {
                let mut kept = self.matrix.similar_to(film_id, threshold)?;
                kept.retain(|neighbour| {
                    self.table
                        .row_of(neighbour.film_id)
                        .is_some_and(|row| allowed.contains(row))
                });
                let total = kept.len();
                let page = kept.into_iter().skip(page.offset).take(page.limit);
                (page.collect(), total)
            }
        };
        let films = neighbours
            .iter()
            .filter_map(|neighbour| {
                let explanation = if explain {
                    Some(
                        self.matrix
                            .explain(film_id, neighbour.film_id, EXPLAINED_FEATURES)?,
                    )
                } else {
                    None
                };
                Some(SimilarFilm {
                    film: self.film(neighbour.film_id)?,
                    similarity: neighbour.similarity,
                    explanation,
                })
            })
            .collect();
        Some((films, total))
    }

    /// The taste of some liked and disliked films; the error lists the unknown ids.
    pub fn taste(&self, liked: &[i32], disliked: &[i32]) -> Result<Taste, UnknownFilms> {
        self.matrix.taste(liked, disliked)
    }

    /// One page of the films recommended for `taste` among the rows `allowed` (every film when
    /// `None`), best first, ties by film_id, and how many there are in all. A recommended
    /// film shares a feature with a liked film and is not one of the input films.
    pub fn recommend(
        &self,
        taste: &Taste,
        allowed: Option<&RowSet>,
        page: Page,
        explain: bool,
    ) -> (Vec<Recommendation<'_>>, usize) {
        let count = page.offset.saturating_add(page.limit);
        let ranking = self
            .matrix
            .rank_taste(taste, allowed.map(RowSet::words), count);
        let films = self.films();
        let page = ranking
            .films
            .iter()
            .skip(page.offset)
            .map(|ranked| {
                let film = &films[ranked.row];
                let because = explain
                    .then(|| {
                        self.matrix
                            .explain_taste(taste, film.film_id, EXPLAINED_FEATURES)
                    })
                    .flatten();
                Recommendation {
                    film,
                    similarity: ranked.similarity,
                    because,
                }
            })
            .collect();
        (page, ranking.total)
    }
}
