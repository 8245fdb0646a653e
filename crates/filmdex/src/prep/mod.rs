//! The films table: the dumps are decoded once and filtered as they stream (`read/`), DuckDB
//! parses the rows that can matter (no CSV quoting, `\N` as null, explicit column types), keeps
//! the rated films that pass the filters, joins each to the names of its principals, and writes
//! `output/films/`.

mod bad_rows;
pub mod genres;
pub(crate) mod read;

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{ensure, Context, Result};
use duckdb::Connection;
use serde::{Deserialize, Serialize};
use tracing::info;

pub use bad_rows::BadRows;

use crate::config::{DumpReader, PrepParams};
use crate::duck::{self, DuckSettings};
use crate::dumps::{Dump, PREP_INPUTS};
use crate::fetch::verify_dump;
use crate::pipeline::staging::{commit_dir, partial_path};
use crate::pipeline::{Task, TaskContext, TaskName, TaskOutput};
use crate::progress;

/// The file name of the films table inside `output/films/`.
pub const FILMS_FILE: &str = "films.parquet";
/// What prep saw, kept beside the table and copied into the database's metadata. Its name starts
/// with `_`, which Spark (Hadoop) takes for a hidden file, so `spark.read.parquet` of the folder
/// reads the table alone.
pub const REPORT_FILE: &str = "_prep_report.json";

/// Each dump is read by its own statement, in this order: every step narrows the next. The
/// statement reads the file in its `<stem>_path` variable (`path_variable`).
const READ_STEPS: [(Dump, &str); 4] = [
    (
        Dump::TitleRatings,
        include_str!("sql/read_title_ratings.sql"),
    ),
    (Dump::TitleBasics, include_str!("sql/read_title_basics.sql")),
    (
        Dump::TitlePrincipals,
        include_str!("sql/read_title_principals.sql"),
    ),
    (Dump::NameBasics, include_str!("sql/read_name_basics.sql")),
];
const FILMS_SQL: &str = include_str!("sql/films.sql");

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PrepReport {
    pub films: u64,
    pub bad_rows: Vec<BadRows>,
}

/// Task `prep`: dumps -> `output/films/films.parquet`.
pub struct PrepTask {
    pub inputs: BTreeMap<Dump, PathBuf>,
    pub params: PrepParams,
    pub films_dir: PathBuf,
    pub duck: DuckSettings,
}

impl Task for PrepTask {
    fn name(&self) -> TaskName {
        TaskName::Prep
    }
    fn upstream(&self) -> Vec<TaskName> {
        PREP_INPUTS.into_iter().map(TaskName::Fetch).collect()
    }
    fn format_version(&self) -> u32 {
        // 3: the dumps' whole-stream check moved here from the fetch tasks.
        3
    }
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.params).expect("prep parameters serialise")
    }
    fn inputs(&self) -> Vec<PathBuf> {
        self.inputs.values().cloned().collect()
    }
    fn outputs(&self) -> Vec<PathBuf> {
        vec![self.films_dir.clone()]
    }
    fn run(&self, _context: &TaskContext) -> Result<TaskOutput> {
        let connection = duck::open_in_memory(&self.duck)?;
        self.set_variables(&connection)?;
        // Scratch space inside the partial output: removed with it if the build dies.
        let partial = partial_path(&self.films_dir);
        let scratch = partial.join(".read");
        std::fs::create_dir_all(&scratch)
            .with_context(|| format!("creating {}", scratch.display()))?;
        let bad_rows = match self.params.reader {
            DumpReader::Streaming => {
                read::read_dumps(&connection, &self.inputs, &self.params, &scratch)?
            }
            DumpReader::Duckdb => self.read_whole_files(&connection)?,
        };
        std::fs::remove_dir_all(&scratch)
            .with_context(|| format!("removing {}", scratch.display()))?;
        bad_rows::check(&bad_rows, self.params.max_bad_rows)?;
        let spinner = progress::spinner("joining films");
        connection
            .execute_batch(FILMS_SQL)
            .context("building the films table")?;
        spinner.finish_and_clear();
        let films: i64 =
            connection.query_row("SELECT count(*) FROM films", [], |row| row.get(0))?;
        let report = PrepReport {
            films: films as u64,
            bad_rows,
        };
        self.write_output(&connection, &report)?;
        info!(films, "films table written");
        Ok(TaskOutput {
            rows_out: films as u64,
        })
    }
}

impl PrepTask {
    fn set_variables(&self, connection: &Connection) -> Result<()> {
        for dump in PREP_INPUTS {
            let path = self.input(dump)?;
            ensure!(path.exists(), "the dump {} does not exist", path.display());
        }
        duck::set_number(
            connection,
            "min_rating",
            self.params.min_rating,
            "DECIMAL(4,2)",
        )?;
        duck::set_number(
            connection,
            "min_votes",
            f64::from(self.params.min_votes),
            "INTEGER",
        )?;
        duck::set_text_list(connection, "title_types", &self.params.title_types)
    }

    fn input(&self, dump: Dump) -> Result<&PathBuf> {
        self.inputs
            .get(&dump)
            .with_context(|| format!("no {dump} input was given to prep"))
    }

    /// The former reader: a check pass over each file, then DuckDB decodes it again itself.
    fn read_whole_files(&self, connection: &Connection) -> Result<Vec<BadRows>> {
        let mut reports = Vec::new();
        for (dump, sql) in READ_STEPS {
            let path = self.input(dump)?;
            let total_rows = verify_dump(path, dump)?;
            let file = path.display().to_string();
            duck::set_text(connection, &path_variable(dump), &file)?;
            let spinner = progress::spinner(&format!("reading {file}"));
            let started = std::time::Instant::now();
            connection
                .execute_batch(sql)
                .with_context(|| format!("reading {file}"))?;
            spinner.finish_and_clear();
            info!(
                file,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "read"
            );
            reports.push(bad_rows::collect(connection, dump, &file, total_rows)?);
        }
        Ok(reports)
    }

    fn write_output(&self, connection: &Connection, report: &PrepReport) -> Result<()> {
        let partial = partial_path(&self.films_dir);
        std::fs::create_dir_all(&partial)
            .with_context(|| format!("creating {}", partial.display()))?;
        let target = partial.join(FILMS_FILE).display().to_string();
        let copy = format!(
            "COPY films TO {} (FORMAT parquet, COMPRESSION zstd)",
            duck::string_literal(&target)
        );
        connection
            .execute_batch(&copy)
            .with_context(|| format!("writing {target}"))?;
        let report_json =
            serde_json::to_vec_pretty(report).context("serialising the prep report")?;
        std::fs::write(partial.join(REPORT_FILE), report_json)
            .context("writing the prep report")?;
        commit_dir(&partial, &self.films_dir)
    }
}

/// The SQL variable holding the file a read statement reads.
fn path_variable(dump: Dump) -> String {
    format!("{}_path", dump.stem().replace('.', "_"))
}

/// The statement that reads `dump` into its table.
fn read_sql(dump: Dump) -> &'static str {
    READ_STEPS
        .iter()
        .find(|(step, _)| *step == dump)
        .map_or("", |(_, sql)| sql)
}

/// Reads the prep report from a films folder.
pub fn read_report(films_dir: &std::path::Path) -> Result<PrepReport> {
    let path = films_dir.join(REPORT_FILE);
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("parsing {}", path.display()))
}
