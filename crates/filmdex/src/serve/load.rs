//! Loading a database file into a [`Snapshot`]: open it read-only (several servers can share a
//! file, and a build may rename a new one over it), check its metadata, read every film, and
//! build the similarity matrix with the feature set the file was built with: the API's films
//! and search indexes on one thread, the matrix on another.

use std::path::Path;
use std::time::{Instant, SystemTime};

use anyhow::{anyhow, ensure, Context, Result};
use duckdb::Connection;
use filmdex_similarity::{FeatureSet, TfIdfMatrix};
use tracing::{debug, info, warn};

use super::films::{packed_date, AltTitle, Film, FilmTable};
use super::snapshot::{LoadInfo, Snapshot};
use crate::arrow_columns::{optional, optional_str, Columns};
use crate::duck;
use crate::similarity::read_films::{owned, read_film_records};
use crate::store::read_meta;

const FILMS_SQL: &str = include_str!("sql/films.sql");
const FILM_TITLES_SQL: &str = include_str!("sql/film_titles.sql");

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
    debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "database opened"
    );
    let meta = read_meta(&connection, path)?;
    debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "metadata read"
    );
    let (table, matrix) = read_films_and_matrix(connection, path, meta.feature_set)?;
    let load = LoadInfo {
        loaded_at: SystemTime::now(),
        load_time: started.elapsed(),
    };
    let snapshot = Snapshot::new(table, matrix, meta, load)?;
    let films = snapshot.films().len();
    if films as u64 != snapshot.meta.films {
        warn!(
            films,
            meta_films = snapshot.meta.films,
            "filmdex_meta counts another number of films"
        );
    }
    // A database with no films loads, but serving it would answer 404 to every film: refused,
    // at start-up and on reload (which keeps serving the previous one).
    ensure!(
        films > 0,
        "{} has no films (the build's filters, --min-votes, --min-rating and --title-types, kept \
         none); {REBUILD}",
        path.display()
    );
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

/// The API's films on this thread while another reads the kernel's records and builds the
/// matrix. Two scans on two connections, not one shared: duckdb-rs converts a result to Arrow
/// on the thread that reads it, and one thread converting every column took longer (about
/// 550 ms at 40k films) than two converting half of them each (about 250 ms).
fn read_films_and_matrix(
    connection: Connection,
    path: &Path,
    feature_set: FeatureSet,
) -> Result<(FilmTable, TfIdfMatrix)> {
    let context = || format!("reading the films of {}; {REBUILD}", path.display());
    let second = connection
        .try_clone()
        .context("opening a second connection to the database")?;
    std::thread::scope(|scope| {
        let matrix = scope.spawn(move || -> Result<TfIdfMatrix> {
            let started = Instant::now();
            let records = read_film_records(&second, "films")?;
            drop_in_background(second);
            debug!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "similarity records read"
            );
            let matrix = TfIdfMatrix::build(&records, feature_set);
            debug!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "similarity matrix built"
            );
            drop_in_background(records);
            Ok(matrix)
        });
        let started = Instant::now();
        let films = read_films(&connection);
        let akas = read_alt_titles(&connection);
        drop_in_background(connection);
        debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "films and alternate titles read"
        );
        let table = films.and_then(|films| {
            let akas = akas?;
            let table = FilmTable::with_akas(films, &akas);
            drop_in_background(akas);
            Ok(table)
        });
        debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "search indexes built"
        );
        let matrix = matrix
            .join()
            .map_err(|_| anyhow!("building the similarity matrix panicked"))?;
        Ok((table.with_context(context)?, matrix.with_context(context)?))
    })
}

/// Frees `value` on a thread of its own: freeing the kernel's 1.2 million strings and closing
/// DuckDB took about 90 ms of a 40k-film start that serving need not wait for.
fn drop_in_background<T: Send + 'static>(value: T) {
    std::thread::spawn(move || drop(value));
}

/// The films' alternate titles; none from a file made before the `film_titles` table.
fn read_alt_titles(connection: &Connection) -> Result<Vec<AltTitle>> {
    let tables: i64 = connection.query_row(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'film_titles'",
        [],
        |row| row.get(0),
    )?;
    if tables == 0 {
        warn!("the database has no film_titles table (made by an older filmdex): search knows only the primary and original titles; rebuild to add them");
        return Ok(Vec::new());
    }
    let mut statement = connection.prepare(FILM_TITLES_SQL)?;
    let mut akas = Vec::new();
    for batch in statement.query_arrow([])? {
        let columns = Columns::new(&batch);
        let (film_ids, titles, regions) = (
            columns.int32("film_id")?,
            columns.string("title")?,
            columns.string("region")?,
        );
        for row in 0..columns.rows() {
            let (Some(film_id), Some(title)) = (optional(film_ids, row), optional_str(titles, row))
            else {
                continue;
            };
            akas.push(AltTitle {
                film_id,
                title: title.to_owned(),
                region: optional_str(regions, row).map(str::to_owned),
            });
        }
    }
    Ok(akas)
}

/// The API's films, in the order DuckDB reads them (`FilmTable` sorts them).
fn read_films(connection: &Connection) -> Result<Vec<Film>> {
    let mut statement = connection.prepare(FILMS_SQL)?;
    let mut films = Vec::new();
    for batch in statement.query_arrow([])? {
        let columns = Columns::new(&batch);
        let (film_ids, titles, years, durations, genres) = (
            columns.int32("film_id")?,
            columns.string("title")?,
            columns.string("year")?,
            columns.int32("duration")?,
            columns.string_list("genres")?,
        );
        let (ratings, vote_counts, persons, original_titles) = (
            columns.float64("rating")?,
            columns.int32("vote_count")?,
            columns.string_list("persons")?,
            columns.string("original_title")?,
        );
        for row in 0..columns.rows() {
            let film_id = optional(film_ids, row).context("a film has no film_id")?;
            let in_film = || format!("film {film_id}");
            let genres = genres.row(row).with_context(in_film)?;
            let persons = persons.row(row).with_context(in_film)?;
            let year = optional_str(years, row);
            films.push(Film {
                film_id,
                title: optional_str(titles, row).unwrap_or_default().to_owned(),
                date: year.and_then(packed_date),
                year: year.map(str::to_owned),
                duration: optional(durations, row),
                genres_joined: genres.join(","),
                genres: owned(genres),
                rating: optional(ratings, row),
                vote_count: optional(vote_counts, row),
                persons_joined: persons.join(","),
                persons: owned(persons),
                original_title: optional_str(original_titles, row).map(str::to_owned),
            });
        }
    }
    Ok(films)
}
