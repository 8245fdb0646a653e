//! Task `akas`: the alternate titles (IMDb's `title.akas`, the largest dump after principals) of
//! the films prep kept, deduplicated per film after normalisation, into
//! `output/akas/film_titles.parquet`; `load` copies them into the database's `film_titles`,
//! which text search reads. Without the dump the table is empty and the build says once that
//! search knows only the primary and original titles.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use duckdb::Connection;
use indicatif::MultiProgress;
use rustc_hash::FxHashSet;
use serde_json::json;
use tracing::{info, warn};

use crate::duck::{self, DuckSettings};
use crate::dumps::Dump;
use crate::pipeline::staging::{commit_dir, partial_path};
use crate::pipeline::{Task, TaskContext, TaskName, TaskOutput};
use crate::prep::read::{forward_timed, Keep};
use crate::prep::FILMS_FILE;

/// The file of alternate titles inside `output/akas/`.
pub const AKAS_FILE: &str = "film_titles.parquet";

/// What the build and `status` say when there is no akas dump.
pub const NO_AKAS_NOTE: &str =
    "no title.akas dump: search knows only the primary and original titles";

const READ_AKAS_SQL: &str = include_str!("sql/read_title_akas.sql");
const NO_AKAS_SQL: &str = include_str!("sql/no_akas.sql");

/// Task `akas`: films table + akas dump (when there is one) -> `output/akas/`.
pub struct AkasTask {
    /// The dump, or `None` when the build has none (a local folder or an offline workdir
    /// without it).
    pub akas: Option<PathBuf>,
    pub films_dir: PathBuf,
    pub akas_dir: PathBuf,
    pub duck: DuckSettings,
}

impl Task for AkasTask {
    fn name(&self) -> TaskName {
        TaskName::Akas
    }
    fn upstream(&self) -> Vec<TaskName> {
        let mut upstream = vec![TaskName::Prep];
        if self.akas.is_some() {
            upstream.push(TaskName::Fetch(Dump::TitleAkas));
        }
        upstream
    }
    fn format_version(&self) -> u32 {
        1
    }
    fn params(&self) -> serde_json::Value {
        json!({ "akas_dump": self.akas.is_some() })
    }
    fn inputs(&self) -> Vec<PathBuf> {
        self.akas.iter().cloned().collect()
    }
    fn outputs(&self) -> Vec<PathBuf> {
        vec![self.akas_dir.clone()]
    }
    fn note(&self) -> Option<String> {
        self.akas.is_none().then(|| NO_AKAS_NOTE.to_owned())
    }
    fn run(&self, _context: &TaskContext) -> Result<TaskOutput> {
        let connection = duck::open_in_memory(&self.duck)?;
        let films = self.films_dir.join(FILMS_FILE);
        duck::set_text(&connection, "films_path", &films.display().to_string())?;
        let partial = partial_path(&self.akas_dir);
        std::fs::create_dir_all(&partial)
            .with_context(|| format!("creating {}", partial.display()))?;
        match &self.akas {
            Some(akas) => read_akas(&connection, akas, &partial.join(".read"))?,
            None => {
                warn!("{NO_AKAS_NOTE}");
                connection
                    .execute_batch(NO_AKAS_SQL)
                    .context("creating the empty alternate titles table")?;
            }
        }
        let rows: i64 =
            connection.query_row("SELECT count(*) FROM film_titles", [], |row| row.get(0))?;
        let target = partial.join(AKAS_FILE).display().to_string();
        connection
            .execute_batch(&format!(
                "COPY film_titles TO {} (FORMAT parquet, COMPRESSION zstd)",
                duck::string_literal(&target)
            ))
            .with_context(|| format!("writing {target}"))?;
        commit_dir(&partial, &self.akas_dir)?;
        info!(rows, "alternate titles written");
        Ok(TaskOutput {
            rows_out: rows as u64,
        })
    }
}

/// The dump decoded once, checked whole (header, gzip to the end) and filtered as it streams to
/// the rows of the films prep kept; DuckDB parses only those, into `film_titles`.
fn read_akas(connection: &Connection, akas: &Path, scratch: &Path) -> Result<()> {
    std::fs::create_dir_all(scratch).with_context(|| format!("creating {}", scratch.display()))?;
    let films = film_ids(connection)?;
    let forwarded = forward_timed(
        akas,
        Keep::Akas { films: &films },
        scratch,
        &MultiProgress::new(),
    )?;
    duck::set_text(
        connection,
        "title_akas_path",
        &forwarded.file.display().to_string(),
    )?;
    connection
        .execute_batch(READ_AKAS_SQL)
        .with_context(|| format!("reading the alternate titles of {}", akas.display()))?;
    std::fs::remove_dir_all(scratch).with_context(|| format!("removing {}", scratch.display()))
}

/// The ids of the films prep kept.
fn film_ids(connection: &Connection) -> Result<FxHashSet<u32>> {
    let sql = "SELECT film_id FROM read_parquet(getvariable('films_path'))";
    let mut statement = connection.prepare(sql).context("reading the films' ids")?;
    let ids = statement
        .query_map([], |row| row.get::<_, i32>(0))
        .context("reading the films' ids")?
        .map(|id| id.map(|id| id as u32))
        .collect::<Result<_, _>>()
        .context("reading the films' ids")?;
    Ok(ids)
}
