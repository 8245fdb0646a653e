//! Task `load`: the parquet outputs -> `duckdb/films.duckdb`, built beside its final place and
//! renamed over it when whole, so a server never opens a half-written database.

pub mod meta;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use duckdb::{params, Connection};

use crate::akas::AKAS_FILE;
use crate::config::{PrepParams, SimilarityParams};
use crate::duck::{self, DuckSettings};
use crate::pipeline::staging::{commit_file, partial_path};
use crate::pipeline::{Task, TaskContext, TaskName, TaskOutput};
use crate::prep::{self, FILMS_FILE};
use crate::similarity::gather::{gather, PairOrigin, PairSet};
use crate::similarity::shard::sha256_of;
use crate::storage::Location;

pub use meta::{read_meta, DatabaseMeta, SCHEMA_VERSION};

const SCHEMA_SQL: &str = include_str!("sql/schema.sql");
/// DuckDB 1.0's storage format: readable by every DuckDB since 1.0 (the stock shell, Python).
const STORAGE_VERSION: &str = "v1.0.0";
const DATABASE_ALIAS: &str = "films_db";
const FILL_SQL: &str = include_str!("sql/fill.sql");

pub struct LoadTask {
    pub films_dir: PathBuf,
    /// The akas task's folder: the films' alternate titles.
    pub akas_dir: PathBuf,
    pub pairs: PairsInput,
    pub database: PathBuf,
    pub prep: PrepParams,
    pub similarity: SimilarityParams,
    pub duck: DuckSettings,
}

impl Task for LoadTask {
    fn name(&self) -> TaskName {
        TaskName::Load
    }
    fn upstream(&self) -> Vec<TaskName> {
        match self.pairs {
            PairsInput::Task(_) => vec![TaskName::Prep, TaskName::Akas, TaskName::Similarity],
            PairsInput::Gathered { .. } => vec![TaskName::Prep, TaskName::Akas],
        }
    }
    fn format_version(&self) -> u32 {
        SCHEMA_VERSION
    }
    fn params(&self) -> serde_json::Value {
        match &self.pairs {
            PairsInput::Task(_) => serde_json::json!({}),
            // The set's files and parameters: new or rerun shards make the load run again.
            PairsInput::Gathered { location, .. } => serde_json::json!({
                "pairs": location.to_string(),
                "pairs_set": gather(location)
                    .map(|set| set.digest())
                    .unwrap_or_else(|error| format!("incomplete: {error:#}")),
            }),
        }
    }
    fn inputs(&self) -> Vec<PathBuf> {
        Vec::new()
    }
    fn outputs(&self) -> Vec<PathBuf> {
        vec![self.database.clone()]
    }
    fn run(&self, context: &TaskContext) -> Result<TaskOutput> {
        let partial = partial_path(&self.database);
        if let Some(parent) = partial.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        remove_database_files(&partial);
        let result = self.write_database(&partial, context);
        if result.is_err() {
            remove_database_files(&partial);
        }
        let rows = result?;
        commit_file(&partial, &self.database)?;
        Ok(TaskOutput { rows_out: rows })
    }
}

impl LoadTask {
    fn write_database(&self, path: &std::path::Path, context: &TaskContext) -> Result<u64> {
        // Written through ATTACH with the oldest storage format that holds these tables, so the
        // file opens in older DuckDB shells and Python packages too, not only in DuckDB 2.x.
        let connection = duck::open_in_memory(&self.duck)?;
        let attach = format!(
            "ATTACH {} AS {DATABASE_ALIAS} (STORAGE_VERSION '{STORAGE_VERSION}'); USE {DATABASE_ALIAS};",
            duck::string_literal(&path.display().to_string())
        );
        connection
            .execute_batch(&attach)
            .with_context(|| format!("creating {}", path.display()))?;
        connection
            .execute_batch(SCHEMA_SQL)
            .context("creating the tables")?;
        let films_file = self.films_dir.join(FILMS_FILE);
        let (pair_files, similarity) = self.pair_files(&films_file)?;
        let fill = FILL_SQL
            .replace(
                "{films}",
                &duck::string_literal(&films_file.display().to_string()),
            )
            .replace("{pairs}", &duck::string_list(&pair_files))
            .replace(
                "{akas}",
                &duck::string_literal(&self.akas_dir.join(AKAS_FILE).display().to_string()),
            );
        connection
            .execute_batch(&fill)
            .context("filling films, films_cos_sim and film_titles")?;
        if let PairsInput::Gathered { location, .. } = &self.pairs {
            check_pairs_match_films(&connection, location)?;
        }
        let films_rows = count(&connection, "films")?;
        let pair_rows = count(&connection, "films_cos_sim")?;
        let report = prep::read_report(&self.films_dir)?;
        let entries = meta::entries(&meta::MetaInput {
            films: films_rows,
            pairs: pair_rows,
            prep: &self.prep,
            similarity: &similarity,
            report: &report,
            upstream: context,
            pairs_source: self.pairs_source(),
        })?;
        insert_meta(&connection, &entries)?;
        connection
            .execute_batch(&format!(
                "CHECKPOINT {DATABASE_ALIAS}; USE memory; DETACH {DATABASE_ALIAS};"
            ))
            .context("checkpointing and closing the database")?;
        connection
            .close()
            .map_err(|(_, error)| error)
            .context("closing DuckDB")?;
        let file =
            std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        file.sync_all()
            .with_context(|| format!("syncing {}", path.display()))?;
        Ok(films_rows)
    }
}

/// Where `load` takes `films_cos_sim` from.
#[derive(Debug, Clone)]
pub enum PairsInput {
    /// The `similarity` task's folder of this workdir.
    Task(PathBuf),
    /// A complete set made elsewhere (all shards of a run, or a Spark job), at `location`;
    /// `scratch` holds downloaded files while loading.
    Gathered {
        location: Location,
        scratch: PathBuf,
    },
}

impl LoadTask {
    /// The parquet files of the pairs, and the similarity parameters they were made with.
    fn pair_files(&self, films_file: &Path) -> Result<(Vec<PathBuf>, SimilarityParams)> {
        let (location, scratch) = match &self.pairs {
            PairsInput::Task(dir) => return Ok((parquet_files_in(dir)?, self.similarity.clone())),
            PairsInput::Gathered { location, scratch } => (location, scratch),
        };
        let set: PairSet = gather(location)?;
        let params = match &set.origin {
            PairOrigin::Shards {
                films_sha256,
                params,
                count,
            } => {
                let local = sha256_of(films_file)?;
                if &local != films_sha256 {
                    bail!(
                        "the {count} shards in {location} were computed from another films table \
                         (SHA-256 {}...) than {} ({}...): rerun the shards with this one, or load \
                         with the films table they used",
                        &films_sha256[..12],
                        films_file.display(),
                        &local[..12]
                    );
                }
                params.clone()
            }
            // Spark output carries no parameters: those given to this command are recorded.
            PairOrigin::Spark => self.similarity.clone(),
        };
        let _ = std::fs::remove_dir_all(scratch);
        let files = set.local_files(location, scratch)?;
        if files.is_empty() {
            bail!("{location} holds no parquet file of pairs");
        }
        Ok((files, params))
    }
}

impl LoadTask {
    fn pairs_source(&self) -> String {
        match &self.pairs {
            PairsInput::Task(_) => "similarity task".to_owned(),
            PairsInput::Gathered { location, .. } => location.to_string(),
        }
    }
}

/// Every `*.parquet` directly in `dir`, sorted.
fn parquet_files_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "parquet"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("{} holds no parquet file of pairs", dir.display());
    }
    Ok(files)
}

/// Pairs made elsewhere must be about the films loaded here, each pair once.
fn check_pairs_match_films(connection: &Connection, location: &Location) -> Result<()> {
    let (unknown, example, duplicates): (i64, Option<i32>, i64) = connection
        .query_row(
            "SELECT \
               (SELECT count(*) FROM films_cos_sim p WHERE p.film_id NOT IN (SELECT film_id FROM films) \
                  OR p.other_id NOT IN (SELECT film_id FROM films)), \
               (SELECT min(p.film_id) FROM films_cos_sim p WHERE p.film_id NOT IN (SELECT film_id FROM films)), \
               (SELECT count(*) FROM (SELECT film_id, other_id FROM films_cos_sim \
                  GROUP BY film_id, other_id HAVING count(*) > 1))",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .context("checking the pairs against the films")?;
    if unknown > 0 {
        bail!(
            "{unknown} pairs in {location} name films that are not in the films table (e.g. film \
             {}): they were computed from other films",
            example.map_or("-".to_owned(), |id| id.to_string())
        );
    }
    if duplicates > 0 {
        bail!("{location} holds {duplicates} pairs twice: two runs' outputs are mixed there");
    }
    Ok(())
}

fn count(connection: &Connection, table: &str) -> Result<u64> {
    let rows: i64 = connection
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
            row.get(0)
        })
        .with_context(|| format!("counting {table}"))?;
    Ok(rows as u64)
}

fn insert_meta(connection: &Connection, entries: &[(String, String)]) -> Result<()> {
    let mut statement =
        connection.prepare("INSERT INTO filmdex_meta (key, value) VALUES (?, ?)")?;
    for (key, value) in entries {
        statement
            .execute(params![key, value])
            .with_context(|| format!("writing metadata {key}"))?;
    }
    Ok(())
}

/// A DuckDB database is its file plus, while open, a write-ahead log beside it.
fn remove_database_files(path: &std::path::Path) {
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_file(path.with_extension(format!(
        "{}.wal",
        path.extension().map(|ext| ext.to_string_lossy().into_owned()).unwrap_or_default()
    )));
}
