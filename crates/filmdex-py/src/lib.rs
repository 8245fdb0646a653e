//! `filmdex._native`: the similarity kernel as a Python extension, for engines such as Spark.
//!
//! Python (`python/filmdex/__init__.py`) turns a pyarrow films table into flat buffers — ids,
//! offsets and UTF-8 bytes — so that no Python object is made per string; this module reads
//! them into the same `FilmRecord`s the CLI reads with DuckDB (`crates/filmdex/src/similarity/
//! read_films.rs`), builds the same matrix, and computes the rows of a block of films (a shard
//! balanced by work, or a list of film ids) with the GIL released. Rows come back as three
//! little-endian buffers (film_id i32, other_id i32, similarity f64), ready for
//! `numpy.frombuffer`.

use std::sync::Mutex;

use filmdex_similarity::{
    neighbours_of, FeatureSet, FilmRecord, FilmSelection, Neighbour, NeighbourQuery, Neighbours,
    Person, Shard, TfIdfMatrix, DEFAULT_TOP_K,
};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

mod columns;

use columns::{ListColumn, StringColumn};

/// A TF-IDF matrix of films, ready to compute any block of rows.
#[pyclass(frozen, module = "filmdex._native")]
struct Index {
    matrix: TfIdfMatrix,
}

/// Rows of a block as columns: one entry per (film, neighbour) pair, films ascending, each
/// film's neighbours in neighbour order (similarity descending, film id ascending).
#[derive(Default)]
struct Pairs {
    film_ids: Vec<u8>,
    other_ids: Vec<u8>,
    similarities: Vec<u8>,
}

/// The three columns as `bytes`, their row count, and the film ids not in the index.
type Block<'py> = (
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    usize,
    Vec<i32>,
);

#[pymethods]
impl Index {
    /// Builds the index from the films table's columns, flattened by the Python wrapper.
    /// `film_ids` holds little-endian i32s; each list column is (offsets of each film's items
    /// as little-endian i64s, then the items as a string column); a string column is (UTF-8
    /// bytes, little-endian i64 offsets, one more than its length).
    #[new]
    #[pyo3(signature = (film_ids, titles, genres, ratings, persons, person_ids, person_categories, features = "default", threads = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        film_ids: &[u8],
        titles: (&[u8], &[u8]),
        genres: (&[u8], &[u8], &[u8]),
        ratings: Vec<f64>,
        persons: (&[u8], &[u8], &[u8]),
        person_ids: (&[u8], &[u8], &[u8]),
        person_categories: (&[u8], &[u8], &[u8]),
        features: &str,
        threads: Option<usize>,
    ) -> PyResult<Self> {
        let set: FeatureSet = features
            .parse()
            .map_err(|e| PyValueError::new_err(format!("{e}")))?;
        let film_ids = columns::i32s(film_ids, "film_id")?;
        let films = film_ids.len();
        if ratings.len() != films {
            return Err(PyValueError::new_err(format!(
                "{} ratings for {films} films",
                ratings.len()
            )));
        }
        let titles = StringColumn::new("title", titles.0, titles.1, films)?;
        let genres = ListColumn::new("genres", genres, films)?;
        let names = ListColumn::new("persons", persons, films)?;
        let ids = ListColumn::new("person_ids", person_ids, films)?;
        let categories = ListColumn::new("person_categories", person_categories, films)?;
        let mut records = Vec::with_capacity(films);
        for (i, &film_id) in film_ids.iter().enumerate() {
            // As read_films.rs: persons, ids and categories zipped (to the shortest list).
            let persons = names
                .items(i)?
                .into_iter()
                .zip(ids.items(i)?)
                .zip(categories.items(i)?)
                .map(|((name, id), category)| Person {
                    id: id.to_owned(),
                    name: name.to_owned(),
                    category: category.to_owned(),
                })
                .collect();
            records.push(FilmRecord {
                film_id,
                title: titles.get(i)?.to_owned(),
                genres: genres.items(i)?.into_iter().map(str::to_owned).collect(),
                rating: ratings[i],
                persons,
            });
        }
        // The CLI reads films ORDER BY film_id; the matrix is built in that order.
        records.sort_by_key(|film| film.film_id);
        let matrix = py.detach(|| in_pool(threads, || TfIdfMatrix::build(&records, set)))?;
        Ok(Index { matrix })
    }

    /// Number of films.
    fn __len__(&self) -> usize {
        self.matrix.len()
    }

    /// The feature set's name: `default` or `seed`.
    #[getter]
    fn features(&self) -> String {
        self.matrix.feature_set().to_string()
    }

    /// The film ids of shard `index` of `count` (balanced by estimated work), ascending.
    #[pyo3(signature = (index, count, top_k = Some(DEFAULT_TOP_K)))]
    fn shard_film_ids(&self, index: u32, count: u32, top_k: Option<usize>) -> PyResult<Vec<i32>> {
        let shard = shard(index, count)?;
        let selection = FilmSelection::of_shard(&self.matrix, shard, neighbours(top_k));
        Ok(selection.film_ids(&self.matrix))
    }

    /// The rows of shard `index` of `count`: `top_k` neighbours per film, or every neighbour
    /// when `top_k` is None; a neighbour shares a feature and is at least `min_similarity`
    /// similar (the kernel's one rule). `threads`: a pool of that many threads, else rayon's
    /// global pool.
    #[pyo3(signature = (index, count, top_k = Some(DEFAULT_TOP_K), min_similarity = 0.0, threads = None))]
    fn neighbours_of_shard<'py>(
        &self,
        py: Python<'py>,
        index: u32,
        count: u32,
        top_k: Option<usize>,
        min_similarity: f64,
        threads: Option<usize>,
    ) -> PyResult<Block<'py>> {
        let shard = shard(index, count)?;
        let query = query(top_k, min_similarity)?;
        let pairs = py.detach(|| {
            let selection = FilmSelection::of_shard(&self.matrix, shard, query.neighbours);
            self.compute(&selection, &query, threads)
        })?;
        Ok(pairs.into_block(py, Vec::new()))
    }

    /// The rows of the films with these ids; ids not in the index come back as the last item.
    #[pyo3(signature = (film_ids, top_k = Some(DEFAULT_TOP_K), min_similarity = 0.0, threads = None))]
    fn neighbours_of_films<'py>(
        &self,
        py: Python<'py>,
        film_ids: Vec<i32>,
        top_k: Option<usize>,
        min_similarity: f64,
        threads: Option<usize>,
    ) -> PyResult<Block<'py>> {
        let query = query(top_k, min_similarity)?;
        let (pairs, unknown) = py.detach(|| {
            let (selection, unknown) = FilmSelection::of_film_ids(&self.matrix, &film_ids);
            self.compute(&selection, &query, threads)
                .map(|p| (p, unknown))
        })?;
        Ok(pairs.into_block(py, unknown))
    }
}

impl Index {
    /// Runs the kernel on the selected films, then orders the rows by film id.
    fn compute(
        &self,
        selection: &FilmSelection,
        query: &NeighbourQuery,
        threads: Option<usize>,
    ) -> PyResult<Pairs> {
        let rows: Mutex<Vec<(i32, Vec<Neighbour>)>> = Mutex::new(Vec::new());
        let sink = |film_id: i32, neighbours: &[Neighbour]| {
            rows.lock()
                .expect("no sink panics while holding the lock")
                .push((film_id, neighbours.to_vec()));
        };
        in_pool(threads, || {
            neighbours_of(&self.matrix, query, selection, sink)
        })?;
        let mut rows = rows
            .into_inner()
            .expect("no sink panics while holding the lock");
        rows.sort_unstable_by_key(|(film_id, _)| *film_id);
        Ok(Pairs::from_rows(&rows))
    }
}

impl Pairs {
    fn from_rows(rows: &[(i32, Vec<Neighbour>)]) -> Self {
        let count: usize = rows.iter().map(|(_, n)| n.len()).sum();
        let mut pairs = Pairs {
            film_ids: Vec::with_capacity(4 * count),
            other_ids: Vec::with_capacity(4 * count),
            similarities: Vec::with_capacity(8 * count),
        };
        for (film_id, neighbours) in rows {
            for neighbour in neighbours {
                pairs.film_ids.extend_from_slice(&film_id.to_le_bytes());
                pairs
                    .other_ids
                    .extend_from_slice(&neighbour.film_id.to_le_bytes());
                pairs
                    .similarities
                    .extend_from_slice(&neighbour.similarity.to_le_bytes());
            }
        }
        pairs
    }

    fn into_block(self, py: Python<'_>, unknown: Vec<i32>) -> Block<'_> {
        (
            PyBytes::new(py, &self.film_ids),
            PyBytes::new(py, &self.other_ids),
            PyBytes::new(py, &self.similarities),
            self.film_ids.len() / 4,
            unknown,
        )
    }
}

/// Runs `work` on a pool of `threads` threads, or on rayon's global pool (every core).
fn in_pool<T: Send>(threads: Option<usize>, work: impl FnOnce() -> T + Send) -> PyResult<T> {
    match threads {
        None => Ok(work()),
        Some(n) => Ok(rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .map_err(|e| PyRuntimeError::new_err(format!("starting {n} threads: {e}")))?
            .install(work)),
    }
}

fn shard(index: u32, count: u32) -> PyResult<Shard> {
    Shard::new(index, count).ok_or_else(|| {
        PyValueError::new_err(format!(
            "shard {index}/{count}: the index must be below the count (numbered from 0)"
        ))
    })
}

/// The query of the Python arguments: `top_k` neighbours, or all of them when it is None.
fn query(top_k: Option<usize>, min_similarity: f64) -> PyResult<NeighbourQuery> {
    if !min_similarity.is_finite() {
        return Err(PyValueError::new_err(format!(
            "min_similarity must be a finite number, not {min_similarity}"
        )));
    }
    Ok(NeighbourQuery {
        neighbours: neighbours(top_k),
        min_similarity,
    })
}

fn neighbours(top_k: Option<usize>) -> Neighbours {
    top_k.map_or(Neighbours::AllPairs, |k| Neighbours::TopK { k })
}

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<Index>()?;
    // The kernel's default k, so that the Python wrapper's defaults are the same constant.
    module.add("DEFAULT_TOP_K", DEFAULT_TOP_K)?;
    Ok(())
}
