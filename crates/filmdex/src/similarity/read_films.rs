//! Reads the films table (from parquet or the database) into the kernel's `FilmRecord`s.

use anyhow::{Context, Result};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::Connection;
use filmdex_similarity::{FilmRecord, Person};

use crate::arrow_columns::{optional, optional_str, Columns};

/// The columns [`push_film_records`] reads, for a SELECT list.
const RECORD_COLUMNS: &str = "film_id, title, genres, CAST(rating AS DOUBLE) AS rating, \
     persons, person_ids, person_categories";

/// `source` is a table expression: `films` or `read_parquet('...')`. Films come out in the
/// order DuckDB reads them: `TfIdfMatrix::build` orders them by film_id itself, and sorting
/// here cost about 50 ms of a 40k-film server start.
pub fn read_film_records(connection: &Connection, source: &str) -> Result<Vec<FilmRecord>> {
    let context = || format!("reading films from {source}");
    let sql = format!("SELECT {RECORD_COLUMNS} FROM {source}");
    let mut statement = connection.prepare(&sql).with_context(context)?;
    let mut films = Vec::new();
    for batch in statement.query_arrow([]).with_context(context)? {
        push_film_records(&batch, &mut films).with_context(context)?;
    }
    Ok(films)
}

/// Appends the films of one batch holding the [`RECORD_COLUMNS`] (and maybe others).
fn push_film_records(batch: &RecordBatch, films: &mut Vec<FilmRecord>) -> Result<()> {
    let columns = Columns::new(batch);
    let (film_ids, titles, genres, ratings) = (
        columns.int32("film_id")?,
        columns.string("title")?,
        columns.string_list("genres")?,
        columns.float64("rating")?,
    );
    let (names, ids, categories) = (
        columns.string_list("persons")?,
        columns.string_list("person_ids")?,
        columns.string_list("person_categories")?,
    );
    films.reserve(columns.rows());
    for row in 0..columns.rows() {
        let film_id = optional(film_ids, row).context("a film has no film_id")?;
        let in_film = || format!("film {film_id}");
        let (names, ids, categories) = (
            names.row(row).with_context(in_film)?,
            ids.row(row).with_context(in_film)?,
            categories.row(row).with_context(in_film)?,
        );
        anyhow::ensure!(
            names.len() == ids.len() && ids.len() == categories.len(),
            "{}: persons, person_ids and person_categories differ in length",
            in_film()
        );
        let persons = names
            .into_iter()
            .zip(ids)
            .zip(categories)
            .map(|((name, id), category)| Person {
                id: id.to_owned(),
                name: name.to_owned(),
                category: category.to_owned(),
            })
            .collect();
        films.push(FilmRecord {
            film_id,
            title: optional_str(titles, row).unwrap_or_default().to_owned(),
            genres: owned(genres.row(row).with_context(in_film)?),
            rating: optional(ratings, row).unwrap_or(0.0),
            persons,
        });
    }
    Ok(())
}

pub fn owned(items: Vec<&str>) -> Vec<String> {
    items.into_iter().map(str::to_owned).collect()
}
