//! Task `load`: the parquet outputs -> `duckdb/films.duckdb`, built beside its final place and
//! renamed over it when whole, so a server never opens a half-written database.

pub mod meta;

use std::path::PathBuf;

use anyhow::{Context, Result};
use duckdb::{params, Connection};

use crate::config::{PrepParams, SimilarityParams};
use crate::duck::{self, DuckSettings};
use crate::pipeline::staging::{commit_file, partial_path};
use crate::pipeline::{Task, TaskContext, TaskOutput};
use crate::prep::{self, FILMS_FILE};

pub use meta::{read_meta, DatabaseMeta, SCHEMA_VERSION};

const SCHEMA_SQL: &str = include_str!("sql/schema.sql");
/// DuckDB 1.0's storage format: readable by every DuckDB since 1.0 (the stock shell, Python).
const STORAGE_VERSION: &str = "v1.0.0";
const DATABASE_ALIAS: &str = "films_db";
const FILL_SQL: &str = include_str!("sql/fill.sql");

pub struct LoadTask {
    pub films_dir: PathBuf,
    pub csfilms_dir: PathBuf,
    pub database: PathBuf,
    pub prep: PrepParams,
    pub similarity: SimilarityParams,
    pub duck: DuckSettings,
}

impl Task for LoadTask {
    fn name(&self) -> String {
        "load".to_owned()
    }
    fn upstream(&self) -> Vec<String> {
        vec!["prep".to_owned(), "similarity".to_owned()]
    }
    fn format_version(&self) -> u32 {
        SCHEMA_VERSION
    }
    fn params(&self) -> serde_json::Value {
        serde_json::json!({})
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
        let films = self.films_dir.join(FILMS_FILE).display().to_string();
        let pairs = format!("{}/*.parquet", self.csfilms_dir.display());
        let fill = FILL_SQL
            .replace("{films}", &duck::string_literal(&films))
            .replace("{pairs}", &duck::string_literal(&pairs));
        connection
            .execute_batch(&fill)
            .context("filling films and films_cos_sim")?;
        let films_rows = count(&connection, "films")?;
        let pair_rows = count(&connection, "films_cos_sim")?;
        let report = prep::read_report(&self.films_dir)?;
        let entries = meta::entries(&meta::MetaInput {
            films: films_rows,
            pairs: pair_rows,
            prep: &self.prep,
            similarity: &self.similarity,
            report: &report,
            upstream: context.upstream,
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
