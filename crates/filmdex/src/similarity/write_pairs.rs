//! Writes similarity rows to `part-NNNNN.parquet` files in bounded chunks, so that even the
//! all-pairs table (hundreds of millions of rows) never sits in memory whole.
//!
//! Each part is in neighbour order: film_id, then similarity descending, then other_id. The
//! kernel hands over each film's row already in that order, films in any order across
//! threads; so a part is ordered by sorting its films (tens of thousands of keys), not its
//! rows (millions: DuckDB's `ORDER BY` made the 40k-film task 0.2-0.3 s slower), and the
//! rows go to DuckDB in that order on a connection that keeps insertion order.

use std::path::{Path, PathBuf};

use std::sync::Arc;

use anyhow::{Context, Result};
use duckdb::arrow::array::{Float64Array, Int32Array};
use duckdb::arrow::datatypes::{DataType, Field, Schema};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::Connection;
use filmdex_similarity::Neighbour;

use super::row_batches::RowBatch;
use crate::duck;

/// Rows held before they go to a parquet part.
const CHUNK_ROWS: usize = 8_000_000;
/// Rows per Arrow record batch handed to DuckDB (row-by-row appends are slow).
const ARROW_ROWS: usize = 262_144;

pub struct PairWriter {
    connection: Connection,
    dir: PathBuf,
    chunk_rows: usize,
    /// The current chunk's rows, as the kernel's threads sent them (kept, not copied: the
    /// kernel is still running beside the writer).
    held: Vec<RowBatch>,
    held_rows: usize,
    parts: u32,
    pub rows: u64,
}

impl PairWriter {
    pub fn new(connection: Connection, dir: &Path) -> Result<Self> {
        Self::with_chunk_rows(connection, dir, CHUNK_ROWS)
    }

    /// A writer that starts a new part once `chunk_rows` rows are held (at the end of a batch:
    /// a film's row is never split over two parts).
    fn with_chunk_rows(connection: Connection, dir: &Path, chunk_rows: usize) -> Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        connection
            .execute_batch(
                "SET preserve_insertion_order = true; \
                 CREATE OR REPLACE TEMP TABLE pairs (film_id INTEGER, other_id INTEGER, similarity DOUBLE)",
            )
            .context("creating the pairs buffer")?;
        Ok(Self {
            connection,
            dir: dir.to_owned(),
            chunk_rows,
            held: Vec::new(),
            held_rows: 0,
            parts: 0,
            rows: 0,
        })
    }

    /// Takes a batch of films' rows, each in neighbour order (as the kernel gives them).
    pub fn append(&mut self, batch: RowBatch) -> Result<()> {
        let rows = batch.row_count();
        self.rows += rows as u64;
        self.held_rows += rows;
        self.held.push(batch);
        if self.held_rows >= self.chunk_rows {
            self.flush_part()?;
        }
        Ok(())
    }

    /// Writes what is held as the next part; always writes at least one part.
    pub fn finish(mut self) -> Result<u64> {
        if !self.held.is_empty() || self.parts == 0 {
            self.flush_part()?;
        }
        Ok(self.rows)
    }

    /// The held films by film_id into DuckDB, then to the next parquet part.
    fn flush_part(&mut self) -> Result<()> {
        let held = std::mem::take(&mut self.held);
        self.held_rows = 0;
        let mut rows: Vec<(i32, &[Neighbour])> = held.iter().flat_map(RowBatch::rows).collect();
        rows.sort_unstable_by_key(|&(film, _)| film);
        let mut columns = Columns::default();
        for (film, neighbours) in rows {
            columns.push(film, neighbours);
            if columns.len() >= ARROW_ROWS {
                self.append_to_duckdb(std::mem::take(&mut columns))?;
            }
        }
        self.append_to_duckdb(columns)?;

        let path = self.dir.join(format!("part-{:05}.parquet", self.parts));
        let sql = format!(
            "COPY pairs TO {} (FORMAT parquet, COMPRESSION zstd); DELETE FROM pairs;",
            duck::string_literal(&path.display().to_string())
        );
        self.connection
            .execute_batch(&sql)
            .with_context(|| format!("writing {}", path.display()))?;
        self.parts += 1;
        Ok(())
    }

    /// Moves rows gathered in Rust into DuckDB as one Arrow batch.
    fn append_to_duckdb(&mut self, columns: Columns) -> Result<()> {
        if columns.len() == 0 {
            return Ok(());
        }
        let schema = Schema::new(vec![
            Field::new("film_id", DataType::Int32, false),
            Field::new("other_id", DataType::Int32, false),
            Field::new("similarity", DataType::Float64, false),
        ]);
        let batch = RecordBatch::try_new(
            Arc::new(schema),
            vec![
                Arc::new(Int32Array::from(columns.film_id)),
                Arc::new(Int32Array::from(columns.other_id)),
                Arc::new(Float64Array::from(columns.similarity)),
            ],
        )
        .context("assembling a batch of pairs")?;
        let mut appender = self
            .connection
            .appender("pairs")
            .context("appending pairs")?;
        appender
            .append_record_batch(batch)
            .context("appending a batch of pairs")?;
        appender.flush().context("flushing pairs")
    }
}

#[derive(Default)]
struct Columns {
    film_id: Vec<i32>,
    other_id: Vec<i32>,
    similarity: Vec<f64>,
}

impl Columns {
    fn push(&mut self, film_id: i32, neighbours: &[Neighbour]) {
        self.film_id.extend(neighbours.iter().map(|_| film_id));
        self.other_id.extend(neighbours.iter().map(|n| n.film_id));
        self.similarity
            .extend(neighbours.iter().map(|n| n.similarity));
    }

    fn len(&self) -> usize {
        self.film_id.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::duck::DuckSettings;

    fn row(film_id: i32, similarities: &[(i32, f64)]) -> (i32, Vec<Neighbour>) {
        let neighbours = similarities
            .iter()
            .map(|&(film_id, similarity)| Neighbour {
                film_id,
                similarity,
            })
            .collect();
        (film_id, neighbours)
    }

    /// Every part's rows in file order, as (film_id, other_id, similarity).
    fn parts_in_file_order(dir: &Path) -> Vec<Vec<(i32, i32, f64)>> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("the parts folder")
            .map(|entry| entry.expect("a folder entry").path())
            .collect();
        paths.sort();
        let connection = Connection::open_in_memory().expect("DuckDB");
        paths
            .iter()
            .map(|path| {
                let sql = format!(
                    "SELECT film_id, other_id, similarity FROM read_parquet({})",
                    duck::string_literal(&path.display().to_string())
                );
                let mut statement = connection.prepare(&sql).expect("a query");
                let rows = statement
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .expect("rows");
                rows.map(|r| r.expect("a row")).collect()
            })
            .collect()
    }

    #[test]
    fn parts_hold_films_in_id_order_each_row_as_given() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let connection = duck::open_in_memory(&DuckSettings::default()).expect("DuckDB");
        // Three rows per part at the least; films arrive out of order, as from the threads.
        let mut writer = PairWriter::with_chunk_rows(connection, dir.path(), 3).expect("a writer");
        let films = [
            row(30, &[(10, 0.9), (20, 0.5)]),
            row(10, &[(30, 0.9), (20, 0.7)]),
            row(20, &[(10, 0.7), (30, 0.5)]),
            row(50, &[]),
            row(40, &[(10, 0.1)]),
        ];
        // One film a batch, as a thread's batch may hold a single long row.
        for (film, neighbours) in &films {
            let mut batch = RowBatch::default();
            batch.push(*film, neighbours);
            writer.append(batch).expect("appended");
        }
        assert_eq!(writer.finish().expect("finished"), 7);
        let parts = parts_in_file_order(dir.path());
        assert_eq!(
            parts,
            vec![
                // 30 then 10 filled the first part: sorted by film, rows as given.
                vec![(10, 30, 0.9), (10, 20, 0.7), (30, 10, 0.9), (30, 20, 0.5)],
                vec![(20, 10, 0.7), (20, 30, 0.5), (40, 10, 0.1)],
            ]
        );
    }

    #[test]
    fn no_rows_still_write_one_empty_part() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let connection = duck::open_in_memory(&DuckSettings::default()).expect("DuckDB");
        let writer = PairWriter::new(connection, dir.path()).expect("a writer");
        assert_eq!(writer.finish().expect("finished"), 0);
        assert_eq!(parts_in_file_order(dir.path()), vec![Vec::new()]);
    }
}
