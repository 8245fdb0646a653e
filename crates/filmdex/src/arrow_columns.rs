//! Reading a DuckDB query's result as Arrow columns. duckdb-rs converts a row at a time
//! through `Row::get`, which made reading 40k films (lists of names included) take about half a
//! second; its Arrow batches hold the same values column by column and are read in a fraction
//! of that. Each accessor checks the column's type and names the column when it is not the one
//! expected, so a table of another shape is a clear error rather than a panic.

use anyhow::{anyhow, bail, Result};
use duckdb::arrow::array::{Array, Float64Array, Int32Array, ListArray, StringArray};
use duckdb::arrow::record_batch::RecordBatch;

/// The columns of one batch, by name (so one query can serve several readers).
pub struct Columns<'a> {
    batch: &'a RecordBatch,
}

impl<'a> Columns<'a> {
    pub fn new(batch: &'a RecordBatch) -> Self {
        Columns { batch }
    }

    pub fn rows(&self) -> usize {
        self.batch.num_rows()
    }

    fn column<T: 'static>(&self, name: &str, expected: &str) -> Result<&'a T> {
        let column = self
            .batch
            .column_by_name(name)
            .ok_or_else(|| anyhow!("the query has no column {name}"))?;
        column.as_any().downcast_ref::<T>().ok_or_else(|| {
            anyhow!(
                "column {name} is {}, expected {expected}",
                column.data_type()
            )
        })
    }

    pub fn int32(&self, name: &str) -> Result<&'a Int32Array> {
        self.column(name, "INTEGER")
    }

    pub fn float64(&self, name: &str) -> Result<&'a Float64Array> {
        self.column(name, "DOUBLE")
    }

    pub fn string(&self, name: &str) -> Result<&'a StringArray> {
        self.column(name, "VARCHAR")
    }

    pub fn string_list(&self, name: &str) -> Result<StringLists<'a>> {
        let lists: &ListArray = self.column(name, "VARCHAR[]")?;
        let items = lists
            .values()
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or_else(|| anyhow!("column {name} is {}, expected VARCHAR[]", lists.data_type()))?;
        Ok(StringLists { lists, items })
    }
}

/// A `VARCHAR[]` column.
pub struct StringLists<'a> {
    lists: &'a ListArray,
    items: &'a StringArray,
}

impl<'a> StringLists<'a> {
    /// The items of row `row` (a NULL list has none). A NULL item is an error: the films
    /// table never has one, and dropping it silently would shift names against their ids.
    pub fn row(&self, row: usize) -> Result<Vec<&'a str>> {
        if self.lists.is_null(row) {
            return Ok(Vec::new());
        }
        let offsets = self.lists.value_offsets();
        let (start, end) = (offsets[row] as usize, offsets[row + 1] as usize);
        (start..end)
            .map(|item| {
                if self.items.is_null(item) {
                    bail!("a list has a NULL item")
                }
                Ok(self.items.value(item))
            })
            .collect()
    }
}

/// The value of row `row`, `None` when NULL.
pub fn optional<T>(
    column: &duckdb::arrow::array::PrimitiveArray<T>,
    row: usize,
) -> Option<T::Native>
where
    T: duckdb::arrow::datatypes::ArrowPrimitiveType,
{
    (!column.is_null(row)).then(|| column.value(row))
}

/// The text of row `row`, `None` when NULL.
pub fn optional_str(column: &StringArray, row: usize) -> Option<&str> {
    (!column.is_null(row)).then(|| column.value(row))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(sql: &str) -> RecordBatch {
        let connection = crate::duck::open_in_memory(&Default::default()).expect("duckdb");
        let mut statement = connection.prepare(sql).expect("prepare");
        let batch = statement.query_arrow([]).expect("query").next();
        batch.expect("one batch")
    }

    #[test]
    fn lists_keep_commas_quotes_unicode_and_empty_items() {
        let batch = batch(
            r#"SELECT * FROM (VALUES (['a,b', 'it''s', 'x"y', '東京', '', chr(31)]::VARCHAR[]),
                ([]::VARCHAR[]), (NULL::VARCHAR[])) AS t(names)"#,
        );
        let lists = Columns::new(&batch)
            .string_list("names")
            .expect("a list column");
        assert_eq!(
            lists.row(0).expect("row 0"),
            ["a,b", "it's", "x\"y", "東京", "", "\u{1f}"]
        );
        assert!(lists.row(1).expect("row 1").is_empty());
        assert!(lists.row(2).expect("row 2").is_empty());
    }

    #[test]
    fn a_null_item_and_a_wrong_type_are_errors_naming_the_column() {
        let batch = batch("SELECT ['a', NULL]::VARCHAR[] AS names, 7 AS film_id");
        let columns = Columns::new(&batch);
        let lists = columns.string_list("names").expect("a list column");
        assert!(lists.row(0).is_err());
        let error = columns
            .string("film_id")
            .expect_err("an INTEGER is not text");
        assert!(error.to_string().contains("film_id"), "{error}");
        let error = columns.int32("title").expect_err("no such column");
        assert!(error.to_string().contains("title"), "{error}");
    }

    #[test]
    fn nulls_are_none() {
        let batch =
            batch("SELECT * FROM (VALUES (1, 'x', 1.5::DOUBLE), (NULL, NULL, NULL)) AS t(i, s, d)");
        let columns = Columns::new(&batch);
        let (ints, texts, doubles) = (
            columns.int32("i").expect("ints"),
            columns.string("s").expect("texts"),
            columns.float64("d").expect("doubles"),
        );
        assert_eq!(
            (
                optional(ints, 0),
                optional_str(texts, 0),
                optional(doubles, 0)
            ),
            (Some(1), Some("x"), Some(1.5))
        );
        assert_eq!(
            (
                optional(ints, 1),
                optional_str(texts, 1),
                optional(doubles, 1)
            ),
            (None, None, None)
        );
    }
}
