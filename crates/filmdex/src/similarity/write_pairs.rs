//! Writes similarity rows to `part-NNNNN.parquet` files in bounded chunks, so that even the
//! all-pairs table (hundreds of millions of rows) never sits in memory whole.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use duckdb::{params, Connection};
use filmdex_similarity::Neighbour;

use crate::duck;

/// Rows buffered in DuckDB before they go to a parquet part.
const CHUNK_ROWS: u64 = 8_000_000;

pub struct PairWriter {
    connection: Connection,
    dir: PathBuf,
    buffered: u64,
    parts: u32,
    pub rows: u64,
}

impl PairWriter {
    pub fn new(connection: Connection, dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        connection
            .execute_batch(
                "CREATE OR REPLACE TEMP TABLE pairs (film_id INTEGER, other_id INTEGER, similarity DOUBLE)",
            )
            .context("creating the pairs buffer")?;
        Ok(Self { connection, dir: dir.to_owned(), buffered: 0, parts: 0, rows: 0 })
    }

    /// Appends one film's neighbours.
    pub fn append(&mut self, film_id: i32, neighbours: &[Neighbour]) -> Result<()> {
        {
            let mut appender = self.connection.appender("pairs").context("appending pairs")?;
            for neighbour in neighbours {
                appender
                    .append_row(params![film_id, neighbour.film_id, neighbour.similarity])
                    .context("appending a pair")?;
            }
            appender.flush().context("flushing pairs")?;
        }
        self.buffered += neighbours.len() as u64;
        self.rows += neighbours.len() as u64;
        if self.buffered >= CHUNK_ROWS {
            self.flush_part()?;
        }
        Ok(())
    }

    /// Writes what is buffered as the next part; always writes at least one part.
    pub fn finish(mut self) -> Result<u64> {
        if self.buffered > 0 || self.parts == 0 {
            self.flush_part()?;
        }
        Ok(self.rows)
    }

    fn flush_part(&mut self) -> Result<()> {
        let path = self.dir.join(format!("part-{:05}.parquet", self.parts));
        let sql = format!(
            "COPY (SELECT * FROM pairs ORDER BY film_id, similarity DESC, other_id) TO {} \
             (FORMAT parquet, COMPRESSION zstd); DELETE FROM pairs;",
            duck::string_literal(&path.display().to_string())
        );
        self.connection.execute_batch(&sql).with_context(|| format!("writing {}", path.display()))?;
        self.parts += 1;
        self.buffered = 0;
        Ok(())
    }
}
