//! Times the index build and the exact top-k of every film on a synthetic corpus (or on the
//! films of a TSV file), and can dump the normalised matrix for
//! `benchmarks/similarity/sparse_dot_topn_compare.py`.
//!
//! ```text
//! cargo run --release -p filmdex-similarity --example bench_topk -- --films 40000 --runs 5
//!     [--top-k 100] [--seed 42] [--set default|seed] [--dump-matrix PATH] [--films-tsv PATH]
//! ```
//!
//! `--films-tsv PATH` reads the films instead of generating them (format: `tests/support/
//! films_tsv.rs`); `benchmarks/similarity/films_tsv.py` writes it from a films parquet
//! (`filmdex build prep`), so the kernel can be measured on the films the pipeline builds.
//!
//! `--dump-matrix PATH` also writes the last run's top-k rows to `PATH.rows.bin` (film id
//! i32, other id i32, similarity f64, little-endian), which the script compares with
//! sparse_dot_topn's.

#[path = "../tests/support/csr.rs"]
mod csr;
#[path = "../tests/support/films_tsv.rs"]
mod films_tsv;
#[path = "../tests/support/flags.rs"]
mod flags;
#[path = "../tests/support/synthetic.rs"]
mod synthetic;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use flags::Flags;

use filmdex_similarity::{
    neighbours_of, FeatureSet, FilmRecord, FilmSelection, NeighbourQuery, TfIdfMatrix,
    DEFAULT_TOP_K,
};

struct Args {
    films: usize,
    runs: usize,
    top_k: usize,
    seed: u64,
    set: FeatureSet,
    dump: Option<String>,
    films_tsv: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let flags = Flags::parse(&[
        "--films",
        "--runs",
        "--top-k",
        "--seed",
        "--set",
        "--dump-matrix",
        "--films-tsv",
    ])?;
    let path = |flag: &str| {
        flags
            .get(flag, String::new())
            .map(|d| (!d.is_empty()).then_some(d))
    };
    Ok(Args {
        films: flags.get("--films", 40_000)?,
        runs: flags.get("--runs", 5usize)?.max(1),
        top_k: flags.get("--top-k", DEFAULT_TOP_K)?,
        seed: flags.get("--seed", 42)?,
        set: flags.get("--set", FeatureSet::Default)?,
        dump: path("--dump-matrix")?,
        films_tsv: path("--films-tsv")?,
    })
}

/// CPU time of this process so far (user + system), from /proc; the machine is shared, so CPU
/// time tells the work done even when wall time includes waiting for a core. None off Linux.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // The kernel reports in USER_HZ, 100 on every Linux this runs on.
    Some(Duration::from_millis(ticks * 10))
}

fn median_and_min(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    (ms(times[times.len() / 2]), ms(times[0]))
}

fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("bench_topk: {message}");
            std::process::exit(2);
        }
    };
    let started = Instant::now();
    let films = match &args.films_tsv {
        None => synthetic::corpus(args.films, args.seed),
        Some(path) => films_tsv::read(path).unwrap_or_else(|message| {
            eprintln!("bench_topk: {path}: {message}");
            std::process::exit(1);
        }),
    };
    let corpus_ms = started.elapsed().as_secs_f64() * 1e3;
    eprintln!("corpus: {} films in {corpus_ms:.0} ms", films.len());
    let query = NeighbourQuery::top_k(args.top_k);
    let (matrix, runs) = time_runs(&args, &films, &query);
    report(&args, &matrix, &runs);
    report_similar_to(&matrix);
    if let Some(path) = &args.dump {
        if let Err(error) = dump(&matrix, &query, path) {
            eprintln!("bench_topk: writing {path}: {error}");
            std::process::exit(1);
        }
    }
}

/// What the timed runs measured.
#[derive(Default)]
struct Runs {
    builds: Vec<Duration>,
    /// The part of each build that is the kernel's index (`IndexSummary::build_time`).
    indexes: Vec<Duration>,
    searches: Vec<Duration>,
    search_cpu: Vec<Duration>,
    neighbours: usize,
}

/// Builds the matrix and computes every film's top k, `args.runs` times; returns the last
/// matrix.
fn time_runs(args: &Args, films: &[FilmRecord], query: &NeighbourQuery) -> (TfIdfMatrix, Runs) {
    let mut runs = Runs::default();
    let mut last = None;
    for _ in 0..args.runs {
        // Drop the previous run's matrix first, so peak memory is that of one matrix.
        drop(last.take());
        let started = Instant::now();
        let matrix = TfIdfMatrix::build(films, args.set);
        runs.builds.push(started.elapsed());
        runs.indexes.push(matrix.index_summary().build_time);
        let everything = FilmSelection::all(&matrix);
        let neighbours = AtomicUsize::new(0);
        let (started, cpu_started) = (Instant::now(), cpu_time());
        neighbours_of(&matrix, query, &everything, |_, row| {
            neighbours.fetch_add(row.len(), Ordering::Relaxed);
        });
        runs.searches.push(started.elapsed());
        if let (Some(end), Some(start)) = (cpu_time(), cpu_started) {
            runs.search_cpu.push(end - start);
        }
        runs.neighbours = neighbours.into_inner();
        last = Some(matrix);
    }
    (last.expect("at least one run"), runs)
}

/// Writes the matrix and, from one more untimed run, the top-k rows.
fn dump(matrix: &TfIdfMatrix, query: &NeighbourQuery, path: &str) -> std::io::Result<()> {
    let rows = Mutex::new(Vec::new());
    neighbours_of(matrix, query, &FilmSelection::all(matrix), |film, row| {
        let mut rows = rows.lock().expect("no sink panics");
        rows.extend(row.iter().map(|n| (film, n.film_id, n.similarity)));
    });
    let rows = rows.into_inner().expect("no sink panics");
    dump_matrix(matrix, path)?;
    dump_rows(&rows, path)
}

fn report(args: &Args, m: &TfIdfMatrix, runs: &Runs) {
    let index = m.index_summary();
    let (heavy, exclusive) = (index.heavy_terms, index.exclusive_terms);
    let (bases, profiles, bytes) = (index.base_profiles, index.full_profiles, index.heap_bytes);
    let (build_median, build_min) = median_and_min(runs.builds.clone());
    let (index_median, index_min) = median_and_min(runs.indexes.clone());
    let (search_median, search_min) = median_and_min(runs.searches.clone());
    println!(
        "films={} set={} top_k={} threads={} terms={} heavy_terms={heavy} exclusive_terms={exclusive} \
         base_profiles={bases} profiles={profiles} index_mb={:.1}",
        m.len(),
        args.set,
        args.top_k,
        rayon::current_num_threads(),
        m.term_count(),
        bytes as f64 / 1e6,
    );
    println!(
        "build_ms median={build_median:.1} min={build_min:.1} (runs={})",
        args.runs
    );
    println!("index_ms median={index_median:.1} min={index_min:.1} (part of build_ms)");
    println!(
        "top_k_ms median={search_median:.1} min={search_min:.1} neighbours={}",
        runs.neighbours
    );
    if !runs.search_cpu.is_empty() {
        let (cpu_median, cpu_min) = median_and_min(runs.search_cpu.clone());
        println!(
            "top_k_cpu_ms median={cpu_median:.0} min={cpu_min:.0} (user + system, all threads)"
        );
    }
}

/// Latency of the server's query, `similar_to`, over 1,000 films spread over the corpus.
fn report_similar_to(m: &TfIdfMatrix) {
    let mut times: Vec<Duration> = (0..1000)
        .map(|i| {
            let film = m.film_id(i * m.len() / 1000);
            let started = Instant::now();
            let row = m.similar_to(film, 0.1).expect("a film of the matrix");
            std::hint::black_box(row);
            started.elapsed()
        })
        .collect();
    times.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let mean = times.iter().map(|&d| us(d)).sum::<f64>() / times.len() as f64;
    println!(
        "similar_to_us (threshold 0.1, 1000 films) mean={mean:.0} p50={:.0} max={:.0}",
        us(times[500]),
        us(times[999])
    );
}

/// CSR as little-endian arrays (indptr i64, indices i32, data f64, film ids i32) and a JSON
/// header naming them, next to `path`.
fn dump_matrix(m: &TfIdfMatrix, path: &str) -> std::io::Result<()> {
    let names = csr::file_names(path);
    let nnz = csr::write(m, path)?;
    let base = |n: &String| n.rsplit('/').next().unwrap_or(n).to_owned();
    let header = format!(
        "{{\"rows\": {}, \"cols\": {}, \"nnz\": {nnz}, \"indptr\": \"{}\", \"indices\": \"{}\", \"data\": \"{}\", \"film_ids\": \"{}\"}}\n",
        m.len(),
        m.term_count(),
        base(&names[0]),
        base(&names[1]),
        base(&names[2]),
        base(&names[3]),
    );
    std::fs::write(format!("{path}.json"), header)
}

/// The top-k rows as (film id i32, other id i32, similarity f64) little-endian records.
fn dump_rows(rows: &[(i32, i32, f64)], path: &str) -> std::io::Result<()> {
    let mut out = BufWriter::new(File::create(format!("{path}.rows.bin"))?);
    for &(film, other, similarity) in rows {
        out.write_all(&film.to_le_bytes())?;
        out.write_all(&other.to_le_bytes())?;
        out.write_all(&similarity.to_le_bytes())?;
    }
    out.flush()
}
