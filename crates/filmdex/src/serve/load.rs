//! Loading a database file into a [`Snapshot`]: open it read-only (several servers can share a
//! file, and a build may rename a new one over it), check its metadata, read every film, and
//! build the similarity matrix with the feature set the file was built with. The films and the
//! matrix are read on two threads because each takes about half of the load time.

use std::path::Path;
use std::time::{Instant, SystemTime};

use anyhow::{anyhow, ensure, Context, Result};
use duckdb::Connection;
use filmdex_similarity::{FeatureSet, TfIdfMatrix};
use tracing::{debug, info, warn};

use super::snapshot::{packed_date, Film, FilmTable, LoadInfo, Snapshot};
use crate::duck;
use crate::similarity::read_films::{read_film_records, unpack_list};
use crate::store::read_meta;

const FILMS_SQL: &str = include_str!("sql/films.sql");

/// What every "this file cannot be served" error ends with.
const REBUILD: &str = "run `filmdex build` (or `filmdex build --sample`) to make it";

/// Reads the whole database at `path`; the error says what is wrong and which command fixes it.
pub fn load(path: &Path) -> Result<Snapshot> {
    let started = Instant::now();
    check_file(path)?;
    let connection = duck::open_read_only(path).with_context(|| {
        format!(
            "{} is not a readable DuckDB database; {REBUILD}",
            path.display()
        )
    })?;
    let meta = read_meta(&connection, path)?;
    let (table, matrix) = read_films_and_matrix(connection, path, meta.feature_set)?;
    let load = LoadInfo {
        loaded_at: SystemTime::now(),
        load_time: started.elapsed(),
    };
    let snapshot = Snapshot::new(table, matrix, meta, load);
    let films = snapshot.films().len();
    if films as u64 != snapshot.meta.films {
        warn!(
            films,
            meta_films = snapshot.meta.films,
            "filmdex_meta counts another number of films"
        );
    }
    if films == 0 {
        warn!(database = %path.display(), "the database has no films");
    }
    info!(
        database = %path.display(),
        films,
        feature_set = %snapshot.meta.feature_set,
        elapsed_ms = snapshot.load.load_time.as_millis() as u64,
        "database loaded"
    );
    Ok(snapshot)
}

fn check_file(path: &Path) -> Result<()> {
    let metadata = std::fs::metadata(path)
        .with_context(|| format!("{} does not exist; {REBUILD}", path.display()))?;
    ensure!(
        metadata.is_file(),
        "{} is not a file; {REBUILD}",
        path.display()
    );
    ensure!(metadata.len() > 0, "{} is empty; {REBUILD}", path.display());
    Ok(())
}

/// The API's films on this thread while another reads the kernel's records and builds the matrix.
fn read_films_and_matrix(
    connection: Connection,
    path: &Path,
    feature_set: FeatureSet,
) -> Result<(FilmTable, TfIdfMatrix)> {
    let second = connection
        .try_clone()
        .context("opening a second connection to the database")?;
    std::thread::scope(|scope| {
        let matrix = scope.spawn(move || -> Result<TfIdfMatrix> {
            let started = Instant::now();
            let records = read_film_records(&second, "films")
                .with_context(|| format!("reading the films of {}; {REBUILD}", path.display()))?;
            debug!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "similarity records read"
            );
            let matrix = TfIdfMatrix::build(&records, feature_set);
            debug!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "similarity matrix built"
            );
            Ok(matrix)
        });
        let started = Instant::now();
        let table = read_films(&connection, path).map(|films| {
            debug!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "films read"
            );
            FilmTable::new(films)
        });
        debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "search indexes built"
        );
        let matrix = matrix
            .join()
            .map_err(|_| anyhow!("building the similarity matrix panicked"))?;
        Ok((table?, matrix?))
    })
}

fn read_films(connection: &Connection, path: &Path) -> Result<Vec<Film>> {
    let context = || format!("reading the films of {}; {REBUILD}", path.display());
    let mut statement = connection.prepare(FILMS_SQL).with_context(context)?;
    let rows = statement
        .query_map([], |row| {
            let year: Option<String> = row.get(2)?;
            let genres = unpack_list(row.get(4)?)?;
            let persons = unpack_list(row.get(7)?)?;
            Ok(Film {
                film_id: row.get(0)?,
                title: row.get::<_, Option<String>>(1)?.unwrap_or_default(),
                date: year.as_deref().and_then(packed_date),
                year,
                duration: row.get(3)?,
                genres_joined: genres.join(","),
                genres,
                rating: row.get(5)?,
                vote_count: row.get(6)?,
                persons_joined: persons.join(","),
                persons,
                original_title: row.get(8)?,
            })
        })
        .with_context(context)?;
    rows.collect::<Result<Vec<_>, _>>().with_context(context)
}
