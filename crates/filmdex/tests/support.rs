//! Helpers shared by the integration tests: configurations, builds and database reads.

use std::path::{Path, PathBuf};

use filmdex::config::{BadRowLimit, BuildConfig, DatasetSource};
use filmdex::pipeline::summary::{Action, TaskReport};
use filmdex::pipeline::{self, RunOptions};
use filmdex::plan;

pub fn fixture(name: &str) -> PathBuf {
    fixture_path(&format!("fixtures/{name}"))
}

/// A path under `crates/filmdex/tests/`.
pub fn fixture_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(relative)
}

/// Default configuration for `workdir`, reading dumps from `source`, with small DuckDB settings.
pub fn config(workdir: &Path, source: DatasetSource) -> BuildConfig {
    let mut config = BuildConfig::defaults(workdir);
    config.source = source;
    config.duck.memory_limit = "1GB".into();
    config.duck.threads = 2;
    config
}

pub fn quirky_config(workdir: &Path) -> BuildConfig {
    let mut config = config(workdir, DatasetSource::Folder(fixture("quirky")));
    config.prep.max_bad_rows = BadRowLimit::Count(2);
    config
}

/// Runs a build; returns the names of the tasks that ran.
pub fn build(config: &BuildConfig) -> anyhow::Result<Vec<String>> {
    let reports = build_reports(config)?;
    Ok(reports
        .into_iter()
        .filter(|r| r.action == Action::Ran)
        .map(|r| r.task)
        .collect())
}

pub fn build_reports(config: &BuildConfig) -> anyhow::Result<Vec<TaskReport>> {
    let tasks = plan::tasks(config)?;
    let options = RunOptions {
        selected: config.tasks.clone(),
        force: config.force,
        dry_run: config.dry_run,
    };
    pipeline::run(&tasks, &config.layout.state_dir(), &options)
}

/// Every row of a query, each column rendered as text (NULL as "NULL"), tab-joined.
pub fn rows(database: &Path, sql: &str) -> Vec<String> {
    let connection = filmdex::duck::open_read_only(database).expect("open database");
    let mut statement = connection.prepare(sql).expect("prepare");
    let mut result = statement.query([]).expect("query");
    let mut lines = Vec::new();
    while let Some(row) = result.next().expect("row") {
        let columns = row.as_ref().column_count();
        let cells: Vec<String> = (0..columns)
            .map(|i| {
                row.get::<_, Option<String>>(i)
                    .expect("text")
                    .unwrap_or_else(|| "NULL".into())
            })
            .collect();
        lines.push(cells.join("\t"));
    }
    lines
}

/// The database content that must not depend on how a build got there (or where it ran: the
/// keys left out hold the workdir's paths and file times).
pub fn database_content(database: &Path) -> Vec<String> {
    let mut content = rows(
        database,
        "SELECT COLUMNS(*)::VARCHAR FROM films ORDER BY film_id",
    );
    content.extend(rows(
        database,
        "SELECT COLUMNS(*)::VARCHAR FROM films_cos_sim ORDER BY film_id, similarity DESC, other_id",
    ));
    content.extend(rows(
        database,
        "SELECT key, value FROM filmdex_meta \
         WHERE key NOT IN ('built_at', 'source_files', 'source_fingerprints', 'bad_rows') ORDER BY key",
    ));
    content
}

/// A database built once per test run from the bundled sample with `feature_set`; the temp dir
/// lives as long as the test binary.
pub fn sample_database(feature_set: filmdex_similarity::FeatureSet) -> PathBuf {
    use std::sync::{Mutex, OnceLock};
    static BUILT: OnceLock<Mutex<Vec<(String, tempfile::TempDir)>>> = OnceLock::new();
    let built = BUILT.get_or_init(|| Mutex::new(Vec::new()));
    let mut built = built
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let key = feature_set.to_string();
    if let Some((_, dir)) = built.iter().find(|(name, _)| *name == key) {
        return dir.path().join("duckdb/films.duckdb");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = config(dir.path(), DatasetSource::Sample);
    config.similarity.feature_set = feature_set;
    build(&config).expect("build the sample");
    let database = config.layout.database();
    built.push((key, dir));
    database
}

/// `(franchise, film_id)` of the hand-curated franchise films in the sample.
pub fn franchise_films() -> Vec<(String, i32)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/franchises/franchises.tsv");
    let text = std::fs::read_to_string(&path).expect("franchises.tsv");
    text.lines()
        .skip(1)
        .filter_map(|line| line.split_once('\t'))
        .map(|(franchise, tconst)| {
            let id = tconst
                .trim()
                .trim_start_matches("tt")
                .parse()
                .expect("tconst");
            (franchise.to_owned(), id)
        })
        .collect()
}

/// Every stored neighbour of every film: film_id -> [(other_id, similarity)] best first.
pub fn stored_neighbours(database: &Path) -> std::collections::BTreeMap<i32, Vec<(i32, f64)>> {
    let connection = filmdex::duck::open_read_only(database).expect("open database");
    let mut statement = connection
        .prepare("SELECT film_id, other_id, similarity FROM films_cos_sim ORDER BY film_id, similarity DESC, other_id")
        .expect("prepare");
    let mut neighbours: std::collections::BTreeMap<i32, Vec<(i32, f64)>> = Default::default();
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, i32>(0)?,
                row.get::<_, i32>(1)?,
                row.get::<_, f64>(2)?,
            ))
        })
        .expect("query");
    for row in rows {
        let (film, other, similarity) = row.expect("row");
        neighbours
            .entry(film)
            .or_default()
            .push((other, similarity));
    }
    neighbours
}

/// The names of the entries of a folder, sorted.
pub fn sorted_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list folder")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}
