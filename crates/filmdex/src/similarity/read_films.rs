//! Reads the films table (from parquet or the database) into the kernel's `FilmRecord`s.

use anyhow::{Context, Result};
use duckdb::Connection;
use filmdex_similarity::{FilmRecord, Person};

/// `source` is a table expression: `films` or `read_parquet('...')`. Films come out by film_id.
pub fn read_film_records(connection: &Connection, source: &str) -> Result<Vec<FilmRecord>> {
    let sql = format!(
        "SELECT film_id, title, {}, CAST(rating AS DOUBLE), {}, {}, {} FROM {source} ORDER BY film_id",
        packed_list("genres"),
        packed_list("persons"),
        packed_list("person_ids"),
        packed_list("person_categories"),
    );
    let mut statement = connection
        .prepare(&sql)
        .with_context(|| format!("reading films from {source}"))?;
    let rows = statement.query_map([], |row| {
        let names = unpack_list(row.get(4)?)?;
        let ids = unpack_list(row.get(5)?)?;
        let categories = unpack_list(row.get(6)?)?;
        let persons = names
            .into_iter()
            .zip(ids)
            .zip(categories)
            .map(|((name, id), category)| Person { id, name, category })
            .collect();
        Ok(FilmRecord {
            film_id: row.get(0)?,
            title: row.get::<_, Option<String>>(1)?.unwrap_or_default(),
            genres: unpack_list(row.get(2)?)?,
            rating: row.get::<_, Option<f64>>(3)?.unwrap_or(0.0),
            persons,
        })
    })?;
    rows.collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("reading films from {source}"))
}

/// The unit separator, which IMDb's tab-separated text never contains.
const SEPARATOR: char = '\u{1f}';

/// SQL that packs a `VARCHAR[]` column into one text: its length, a separator, then its items
/// joined by the separator. Reading lists as duckdb-rs `Value`s cost most of a 40k-film server
/// start; one string per list is several times cheaper.
pub fn packed_list(column: &str) -> String {
    format!("CAST(len({column}) AS VARCHAR) || chr(31) || array_to_string({column}, chr(31))")
}

/// The items of a [`packed_list`]. An item holding the separator itself, or a NULL item (which
/// `array_to_string` skips), makes the count disagree: such a list is dropped whole rather than
/// split wrongly, and the error says which.
pub fn unpack_list(packed: Option<String>) -> duckdb::Result<Vec<String>> {
    let Some(packed) = packed else {
        return Ok(Vec::new());
    };
    let (length, items) = packed
        .split_once(SEPARATOR)
        .unwrap_or((packed.as_str(), ""));
    let length: usize = length.parse().unwrap_or(usize::MAX);
    let items: Vec<String> = if length == 0 {
        Vec::new()
    } else {
        items.split(SEPARATOR).map(str::to_owned).collect()
    };
    if items.len() != length {
        return Err(duckdb::Error::InvalidParameterName(format!(
            "a list item contains the unit separator (0x1f) or is NULL: {packed:?}"
        )));
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packed(list_sql: &str) -> Option<String> {
        let connection = crate::duck::open_in_memory(&Default::default()).expect("duckdb");
        let sql = format!("SELECT {} FROM (SELECT {list_sql} AS l)", packed_list("l"));
        connection
            .query_row(&sql, [], |row| row.get(0))
            .expect("query")
    }

    #[test]
    fn lists_round_trip_with_commas_quotes_and_unicode() {
        let items = unpack_list(packed(r#"['a,b', 'it''s', 'x"y', '東京', '']::VARCHAR[]"#))
            .expect("unpack");
        assert_eq!(items, ["a,b", "it's", "x\"y", "東京", ""]);
        assert_eq!(
            unpack_list(packed("[]::VARCHAR[]")).expect("empty"),
            Vec::<String>::new()
        );
        assert_eq!(
            unpack_list(packed("NULL::VARCHAR[]")).expect("null"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_list_that_cannot_be_split_safely_is_an_error() {
        assert!(unpack_list(packed("['a' || chr(31) || 'b']::VARCHAR[]")).is_err());
        assert!(unpack_list(packed("['a', NULL]::VARCHAR[]")).is_err());
    }
}
