//! Task `genres`: `output/genres/genre=<Genre>/`, a film under every one of its genres.

use std::path::PathBuf;

use anyhow::{Context, Result};

use super::FILMS_FILE;
use crate::duck::{self, DuckSettings};
use crate::pipeline::staging::{commit_dir, partial_path};
use crate::pipeline::{Task, TaskContext, TaskName, TaskOutput};

const GENRES_SQL: &str = include_str!("sql/genres.sql");

pub struct GenresTask {
    pub films_dir: PathBuf,
    pub genres_dir: PathBuf,
    pub duck: DuckSettings,
}

impl Task for GenresTask {
    fn name(&self) -> TaskName {
        TaskName::Genres
    }
    fn upstream(&self) -> Vec<TaskName> {
        vec![TaskName::Prep]
    }
    fn format_version(&self) -> u32 {
        1
    }
    fn params(&self) -> serde_json::Value {
        serde_json::json!({})
    }
    fn inputs(&self) -> Vec<PathBuf> {
        Vec::new()
    }
    fn outputs(&self) -> Vec<PathBuf> {
        vec![self.genres_dir.clone()]
    }
    fn run(&self, _context: &TaskContext) -> Result<TaskOutput> {
        let connection = duck::open_in_memory(&self.duck)?;
        let partial = partial_path(&self.genres_dir);
        // With no film at all, COPY writes nothing: the empty folder is still the whole output.
        std::fs::create_dir_all(&partial)
            .with_context(|| format!("creating {}", partial.display()))?;
        let films = self.films_dir.join(FILMS_FILE).display().to_string();
        let sql = GENRES_SQL
            .replace("{films}", &duck::string_literal(&films))
            .replace(
                "{output}",
                &duck::string_literal(&partial.display().to_string()),
            );
        connection
            .execute_batch(&sql)
            .with_context(|| format!("writing {}", partial.display()))?;
        let rows: i64 = connection.query_row(
            &format!(
                "SELECT count(*) FROM (SELECT unnest(genres) FROM read_parquet({}))",
                duck::string_literal(&films)
            ),
            [],
            |row| row.get(0),
        )?;
        commit_dir(&partial, &self.genres_dir)?;
        Ok(TaskOutput {
            rows_out: rows as u64,
        })
    }
}
