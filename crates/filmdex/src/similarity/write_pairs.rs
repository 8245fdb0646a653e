//! Writes similarity rows to `part-NNNNN.parquet` files in bounded chunks, so that even the
//! all-pairs table (hundreds of millions of rows) never sits in memory whole.

use std::path::{Path, PathBuf};

use std::sync::Arc;

use anyhow::{Context, Result};
use duckdb::arrow::array::{Float64Array, Int32Array};
use duckdb::arrow::datatypes::{DataType, Field, Schema};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::Connection;
use filmdex_similarity::Neighbour;

use crate::duck;

/// Rows buffered in DuckDB before they go to a parquet part.
const CHUNK_ROWS: u64 = 8_000_000;
/// Rows gathered in Rust before one Arrow batch goes to DuckDB (row-by-row appends are slow).
const BATCH_ROWS: usize = 262_144;

pub struct PairWriter {
    connection: Connection,
    dir: PathBuf,
    batch: Columns,
    buffered: u64,
    parts: u32,
    pub rows: u64,
}

#[derive(Default)]
struct Columns {
    film_id: Vec<i32>,
    other_id: Vec<i32>,
    similarity: Vec<f64>,
}

impl PairWriter {
    pub fn new(connection: Connection, dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        connection
            .execute_batch(
                "CREATE OR REPLACE TEMP TABLE pairs (film_id INTEGER, other_id INTEGER, similarity DOUBLE)",
            )
            .context("creating the pairs buffer")?;
        Ok(Self {
            connection,
            dir: dir.to_owned(),
            batch: Columns::default(),
            buffered: 0,
            parts: 0,
            rows: 0,
        })
    }

    /// Appends one film's neighbours.
    pub fn append(&mut self, film_id: i32, neighbours: &[Neighbour]) -> Result<()> {
        for neighbour in neighbours {
            self.batch.film_id.push(film_id);
            self.batch.other_id.push(neighbour.film_id);
            self.batch.similarity.push(neighbour.similarity);
        }
        self.rows += neighbours.len() as u64;
        if self.batch.film_id.len() >= BATCH_ROWS {
            self.flush_batch()?;
        }
        if self.buffered >= CHUNK_ROWS {
            self.flush_part()?;
        }
        Ok(())
    }

    /// Writes what is buffered as the next part; always writes at least one part.
    pub fn finish(mut self) -> Result<u64> {
        self.flush_batch()?;
        if self.buffered > 0 || self.parts == 0 {
            self.flush_part()?;
        }
        Ok(self.rows)
    }

    /// Moves the rows gathered in Rust into DuckDB as one Arrow batch.
    fn flush_batch(&mut self) -> Result<()> {
        let columns = std::mem::take(&mut self.batch);
        let rows = columns.film_id.len();
        if rows == 0 {
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
        appender.flush().context("flushing pairs")?;
        self.buffered += rows as u64;
        Ok(())
    }

    fn flush_part(&mut self) -> Result<()> {
        let path = self.dir.join(format!("part-{:05}.parquet", self.parts));
        let sql = format!(
            "COPY (SELECT * FROM pairs ORDER BY film_id, similarity DESC, other_id) TO {} \
             (FORMAT parquet, COMPRESSION zstd); DELETE FROM pairs;",
            duck::string_literal(&path.display().to_string())
        );
        self.connection
            .execute_batch(&sql)
            .with_context(|| format!("writing {}", path.display()))?;
        self.parts += 1;
        self.buffered = 0;
        Ok(())
    }
}
