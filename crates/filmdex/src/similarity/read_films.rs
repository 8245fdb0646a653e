//! Reads the films table (from parquet or the database) into the kernel's `FilmRecord`s.

use anyhow::{Context, Result};
use duckdb::types::Value;
use duckdb::Connection;
use filmdex_similarity::{FilmRecord, Person};

/// `source` is a table expression: `films` or `read_parquet('...')`. Films come out by film_id.
pub fn read_film_records(connection: &Connection, source: &str) -> Result<Vec<FilmRecord>> {
    let sql = format!(
        "SELECT film_id, title, genres, CAST(rating AS DOUBLE), persons, person_ids, person_categories \
         FROM {source} ORDER BY film_id"
    );
    let mut statement = connection
        .prepare(&sql)
        .with_context(|| format!("reading films from {source}"))?;
    let rows = statement.query_map([], |row| {
        let names = text_list(row.get(4)?);
        let ids = text_list(row.get(5)?);
        let categories = text_list(row.get(6)?);
        let persons = names
            .into_iter()
            .zip(ids)
            .zip(categories)
            .map(|((name, id), category)| Person { id, name, category })
            .collect();
        Ok(FilmRecord {
            film_id: row.get(0)?,
            title: row.get::<_, Option<String>>(1)?.unwrap_or_default(),
            genres: text_list(row.get(2)?),
            rating: row.get::<_, Option<f64>>(3)?.unwrap_or(0.0),
            persons,
        })
    })?;
    rows.collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("reading films from {source}"))
}

/// A `VARCHAR[]` as strings; NULL lists and NULL items are dropped.
pub fn text_list(value: Value) -> Vec<String> {
    match value {
        Value::List(items) | Value::Array(items) => items
            .into_iter()
            .filter_map(|item| match item {
                Value::Text(text) => Some(text),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}
