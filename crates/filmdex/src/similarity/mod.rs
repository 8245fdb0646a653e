//! Task `similarity`: the films table -> TF-IDF cosine neighbours -> `output/csfilms/`.
//! The arithmetic is in the pure `filmdex-similarity` crate; this module only moves data.

pub mod gather;
pub mod read_films;
mod row_batches;
pub mod shard;
mod write_pairs;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Instant;

use anyhow::{Context, Result};
use filmdex_similarity::{neighbours_of, FilmSelection, TfIdfMatrix};
use tracing::info;

use crate::config::SimilarityParams;
use crate::duck::{self, DuckSettings};
use crate::pipeline::staging::{commit_dir, partial_path};
use crate::pipeline::{Task, TaskContext, TaskName, TaskOutput};
use crate::prep::FILMS_FILE;
use read_films::read_film_records;
use row_batches::{RowBatch, RowBatches};
use write_pairs::PairWriter;

/// Batches of rows waiting for the writer; bounds memory when the writer is slower.
const QUEUED_BATCHES: usize = 16;

pub struct SimilarityTask {
    pub films_dir: PathBuf,
    pub csfilms_dir: PathBuf,
    pub params: SimilarityParams,
    pub duck: DuckSettings,
}

impl Task for SimilarityTask {
    fn name(&self) -> TaskName {
        TaskName::Similarity
    }
    fn upstream(&self) -> Vec<TaskName> {
        vec![TaskName::Prep]
    }
    fn format_version(&self) -> u32 {
        1
    }
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).expect("similarity parameters serialise")
    }
    fn inputs(&self) -> Vec<PathBuf> {
        Vec::new()
    }
    fn outputs(&self) -> Vec<PathBuf> {
        vec![self.csfilms_dir.clone()]
    }
    fn run(&self, _context: &TaskContext) -> Result<TaskOutput> {
        let connection = duck::open_in_memory(&self.duck)?;
        let matrix = read_matrix(&connection, &self.films_dir.join(FILMS_FILE), &self.params)?;
        let partial = partial_path(&self.csfilms_dir);
        let everything = FilmSelection::all(&matrix);
        let writer = PairWriter::new(connection, &partial)?;
        let rows = write_neighbours(&matrix, &self.params, &everything, writer)?;
        commit_dir(&partial, &self.csfilms_dir)?;
        Ok(TaskOutput { rows_out: rows })
    }
}

/// The films parquet -> the TF-IDF matrix with the chosen features.
pub fn read_matrix(
    connection: &duckdb::Connection,
    films_parquet: &Path,
    params: &SimilarityParams,
) -> Result<TfIdfMatrix> {
    let films_path = films_parquet.display().to_string();
    let source = format!("read_parquet({})", duck::string_literal(&films_path));
    let films = read_film_records(connection, &source)?;
    let started = Instant::now();
    let matrix = TfIdfMatrix::build(&films, params.feature_set);
    info!(
        films = films.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "tf-idf matrix built"
    );
    Ok(matrix)
}

/// Runs the kernel for the selected films on all cores while one thread writes what it finds.
fn write_neighbours(
    matrix: &TfIdfMatrix,
    params: &SimilarityParams,
    films: &FilmSelection,
    mut writer: PairWriter,
) -> Result<u64> {
    let (sender, receiver) = mpsc::sync_channel::<RowBatch>(QUEUED_BATCHES);
    std::thread::scope(|scope| {
        let writing = scope.spawn(move || -> Result<u64> {
            for batch in receiver {
                writer.append(batch)?;
            }
            writer.finish()
        });
        let started = Instant::now();
        let batches = RowBatches::new(sender);
        let sink = |film_id, neighbours: &[_]| batches.push(film_id, neighbours);
        neighbours_of(matrix, &params.query(), films, sink);
        info!(
            films = films.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "neighbours computed"
        );
        batches.finish();
        writing
            .join()
            .map_err(|_| anyhow::anyhow!("the pair writer panicked"))?
    })
    .context("writing similarity pairs")
}
