//! Times filmdex's recommendation query in process (taste, scores, filter, top 10) on the films
//! of a TSV file, and can write the L2-normalised matrix for `benchmarks/recommend/vs_scipy.py`,
//! which runs the same queries with scipy.
//!
//! ```text
//! cargo run --release -p filmdex-similarity --example export_taste_matrix -- \
//!     --films-tsv FILMS.tsv --queries lists.txt --allowed allowed.txt --out PREFIX \
//!     [--export-matrix true] [--passes 1] [--limit 10] [--set default|seed]
//! ```
//!
//! - `--films-tsv`: the films (format: `tests/support/films_tsv.rs`; `vs_scipy.py` writes it
//!   from a filmdex database, `benchmarks/similarity/films_tsv.py` from a films parquet).
//! - `--queries`: one query a line, its liked film ids joined by commas (nothing disliked).
//! - `--allowed`: the film ids that pass the filter, one a line (a precomputed filter, as the
//!   server's search criteria make one: `benchmarks/recommend/queries.py`).
//! - `--export-matrix true` writes the matrix as CSR arrays, raw little-endian, as
//!   `bench_topk --dump-matrix` does: `PREFIX.indptr.i64` (rows + 1), `PREFIX.indices.i32`
//!   (term ids, ascending in a row), `PREFIX.data.f64` (the normalised weights),
//!   `PREFIX.film_ids.i32` (row i's film; rows are in ascending film id).
//!
//! Each query is what the server does for `GET /recommend?like=...&<filter>&limit=10` once the
//! filter's rows are known (`Snapshot::recommend`): `matrix.taste(liked, [])`, then
//! `matrix.rank_taste(&taste, allowed, 10)` (the allowed films scored in one pass, the best 10
//! kept and sorted: similarity descending, film id ascending). One untimed pass warms
//! up; then `--passes` passes on 1 thread (each query timed, and its phases), then `--passes`
//! passes on 2 threads (two queries at once, each timed, and the wall time of the pass).
//! Writes `PREFIX.top.txt` (per query, its top `film_id:similarity` joined by commas),
//! `PREFIX.times1.txt` and `PREFIX.times2.txt` (nanoseconds per query, query order, pass after
//! pass) and prints a summary.

#[path = "../tests/support/csr.rs"]
mod csr;
#[path = "../tests/support/films_tsv.rs"]
mod films_tsv;
#[path = "../tests/support/flags.rs"]
mod flags;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use flags::Flags;

use filmdex_similarity::{FeatureSet, TfIdfMatrix};

struct Args {
    films_tsv: String,
    queries: String,
    allowed: String,
    out: String,
    export_matrix: bool,
    passes: usize,
    limit: usize,
    set: FeatureSet,
}

fn parse_args() -> Result<Args, String> {
    let flags = Flags::parse(&[
        "--films-tsv",
        "--queries",
        "--allowed",
        "--out",
        "--export-matrix",
        "--passes",
        "--limit",
        "--set",
    ])?;
    let required = |flag: &str| {
        flags
            .optional(flag)
            .ok_or_else(|| format!("{flag} is needed"))
    };
    Ok(Args {
        films_tsv: required("--films-tsv")?,
        queries: required("--queries")?,
        allowed: required("--allowed")?,
        out: required("--out")?,
        export_matrix: flags.get("--export-matrix", false)?,
        passes: flags.get("--passes", 1usize)?.max(1),
        limit: flags.get("--limit", 10usize)?.max(1),
        set: flags.get("--set", FeatureSet::Default)?,
    })
}

fn fail(message: String) -> ! {
    eprintln!("export_taste_matrix: {message}");
    std::process::exit(1);
}

fn main() {
    let args = parse_args().unwrap_or_else(|message| {
        eprintln!("export_taste_matrix: {message}");
        std::process::exit(2);
    });
    let films = films_tsv::read(&args.films_tsv)
        .unwrap_or_else(|message| fail(format!("{}: {message}", args.films_tsv)));
    let started = Instant::now();
    let matrix = TfIdfMatrix::build(&films, args.set);
    let build_ms = started.elapsed().as_secs_f64() * 1e3;
    drop(films);
    let queries = read_queries(&args.queries).unwrap_or_else(|m| fail(m));
    let allowed = read_allowed(&args.allowed, &matrix).unwrap_or_else(|m| fail(m));
    let index = matrix.index_summary();
    println!(
        "films={} terms={} set={} build_ms={build_ms:.0} base_profiles={} profiles={} \
         queries={} allowed={}",
        matrix.len(),
        matrix.term_count(),
        args.set,
        index.base_profiles,
        index.full_profiles,
        queries.len(),
        allowed.iter().map(|word| word.count_ones()).sum::<u32>(),
    );
    if args.export_matrix {
        export(&matrix, &args.out)
            .unwrap_or_else(|error| fail(format!("writing {}.*: {error}", args.out)));
    }
    let tops: Vec<Vec<(f64, u32)>> = queries
        .iter()
        .map(|liked| recommend(&matrix, liked, &allowed, args.limit, None))
        .collect();
    write_tops(&matrix, &tops, &args.out)
        .unwrap_or_else(|error| fail(format!("writing {}.top.txt: {error}", args.out)));

    let mut phases = Phases::default();
    let mut one = Vec::with_capacity(args.passes * queries.len());
    for _ in 0..args.passes {
        for liked in &queries {
            let started = Instant::now();
            std::hint::black_box(recommend(
                &matrix,
                liked,
                &allowed,
                args.limit,
                Some(&mut phases),
            ));
            one.push(started.elapsed());
        }
    }
    let mut two = Vec::with_capacity(args.passes * queries.len());
    let mut walls = Vec::new();
    for _ in 0..args.passes {
        let (times, wall) = two_threads(&matrix, &queries, &allowed, args.limit);
        two.extend(times);
        walls.push(wall);
    }
    write_times(&one, &format!("{}.times1.txt", args.out))
        .and_then(|()| write_times(&two, &format!("{}.times2.txt", args.out)))
        .unwrap_or_else(|error| fail(format!("writing {}.times*.txt: {error}", args.out)));
    summary("threads=1", &one, None);
    let wall: Duration = walls.iter().sum();
    summary("threads=2", &two, Some(wall));
    let ms = |times: &[Duration]| percentile_ms(&mut times.to_vec(), 0.5);
    println!(
        "phases_ms (threads=1, medians): taste={:.3} rank={:.3}",
        ms(&phases.taste),
        ms(&phases.rank),
    );
}

fn read_queries(path: &str) -> Result<Vec<Vec<i32>>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            line.split(',')
                .map(|id| {
                    id.trim()
                        .parse()
                        .map_err(|_| format!("{path}: bad film id {id:?}"))
                })
                .collect()
        })
        .collect()
}

/// The rows that pass the filter, as a bitset over rows (the form `rank_taste` takes).
fn read_allowed(path: &str, matrix: &TfIdfMatrix) -> Result<Vec<u64>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut allowed = vec![0u64; matrix.len().div_ceil(64)];
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let id: i32 = line
            .trim()
            .parse()
            .map_err(|_| format!("{path}: bad film id {line:?}"))?;
        let row = matrix
            .index_of(id)
            .ok_or_else(|| format!("{path}: film {id} is not in the films"))?;
        allowed[row / 64] |= 1 << (row % 64);
    }
    Ok(allowed)
}

#[derive(Default)]
struct Phases {
    taste: Vec<Duration>,
    rank: Vec<Duration>,
}

/// The top `limit` (similarity, row) of a query, as `Snapshot::recommend` ranks them.
fn recommend(
    matrix: &TfIdfMatrix,
    liked: &[i32],
    allowed: &[u64],
    limit: usize,
    phases: Option<&mut Phases>,
) -> Vec<(f64, u32)> {
    let started = Instant::now();
    let taste = matrix
        .taste(liked, &[])
        .unwrap_or_else(|unknown| fail(format!("unknown films {:?}", unknown.0)));
    let tasted = Instant::now();
    let ranking = matrix.rank_taste(&taste, Some(allowed), limit);
    if let Some(phases) = phases {
        phases.taste.push(tasted - started);
        phases.rank.push(tasted.elapsed());
    }
    ranking
        .films
        .iter()
        .map(|film| (film.similarity, film.row as u32))
        .collect()
}

/// Every query once, two at a time on two threads: each query's time, and the pass's wall
/// time.
fn two_threads(
    matrix: &TfIdfMatrix,
    queries: &[Vec<i32>],
    allowed: &[u64],
    limit: usize,
) -> (Vec<Duration>, Duration) {
    let next = AtomicUsize::new(0);
    let times = Mutex::new(vec![Duration::ZERO; queries.len()]);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(liked) = queries.get(i) else { break };
                let started = Instant::now();
                std::hint::black_box(recommend(matrix, liked, allowed, limit, None));
                let elapsed = started.elapsed();
                times.lock().unwrap_or_else(PoisonError::into_inner)[i] = elapsed;
            });
        }
    });
    let wall = started.elapsed();
    (
        times.into_inner().unwrap_or_else(PoisonError::into_inner),
        wall,
    )
}

/// The nearest-rank percentile in milliseconds (sorts `times`).
fn percentile_ms(times: &mut [Duration], fraction: f64) -> f64 {
    times.sort();
    let rank = ((times.len() as f64 * fraction).ceil() as usize).clamp(1, times.len());
    times[rank - 1].as_secs_f64() * 1e3
}

fn summary(label: &str, times: &[Duration], wall: Option<Duration>) {
    let mut sorted = times.to_vec();
    let (p50, p99) = (
        percentile_ms(&mut sorted, 0.5),
        percentile_ms(&mut sorted, 0.99),
    );
    let max = sorted.last().map_or(0.0, |d| d.as_secs_f64() * 1e3);
    let rate = wall.map_or(String::new(), |wall| {
        format!(
            " queries_per_s={:.0}",
            times.len() as f64 / wall.as_secs_f64()
        )
    });
    println!(
        "filmdex {label} n={} p50_ms={p50:.3} p99_ms={p99:.3} max_ms={max:.3}{rate}",
        times.len()
    );
}

fn write_tops(matrix: &TfIdfMatrix, tops: &[Vec<(f64, u32)>], out: &str) -> std::io::Result<()> {
    let mut file = BufWriter::new(File::create(format!("{out}.top.txt"))?);
    for top in tops {
        let fields: Vec<String> = top
            .iter()
            .map(|&(score, row)| format!("{}:{score:?}", matrix.film_id(row as usize)))
            .collect();
        writeln!(file, "{}", fields.join(","))?;
    }
    file.flush()
}

fn write_times(times: &[Duration], path: &str) -> std::io::Result<()> {
    let mut file = BufWriter::new(File::create(path)?);
    for time in times {
        writeln!(file, "{}", time.as_nanos())?;
    }
    file.flush()
}

/// The matrix as CSR arrays, raw little-endian (the layout `bench_topk --dump-matrix` writes).
fn export(m: &TfIdfMatrix, prefix: &str) -> std::io::Result<()> {
    let nnz = csr::write(m, prefix)?;
    println!(
        "exported rows={} terms={} nnz={nnz} to {prefix}.{{indptr.i64,indices.i32,data.f64,film_ids.i32}}",
        m.len(),
        m.term_count()
    );
    Ok(())
}
