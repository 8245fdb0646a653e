//! One process versus N shards: times the exact top-k of every film, then of each shard of N
//! alone (what one machine of an N-way run computes after building the same matrix), and
//! checks that the shards together hand out exactly the single run's neighbours.
//!
//! ```text
//! cargo run --release -p filmdex-similarity --example bench_shards -- --films 40000 --shards 8
//!     [--top-k 100] [--seed 42] [--runs 3]
//! ```
//!
//! Prints the single run, each shard's time (median of `--runs`), the slowest and the total,
//! and the balance (slowest / mean). An N-machine run's wall time is about the matrix build
//! plus the slowest shard; the total against the single run is the cost of splitting.

#[path = "../tests/support/flags.rs"]
mod flags;
#[path = "../tests/support/synthetic.rs"]
mod synthetic;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use flags::Flags;

use filmdex_similarity::{
    neighbours_of, FeatureSet, FilmSelection, NeighbourQuery, Shard, TfIdfMatrix, DEFAULT_TOP_K,
};

fn median(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1e3
}

fn main() {
    let flags =
        Flags::parse(&["--films", "--shards", "--runs", "--top-k", "--seed"]).and_then(|flags| {
            Ok((
                flags.get("--films", 40_000usize)?,
                flags.get("--shards", 8u32)?.max(1),
                flags.get("--runs", 3usize)?.max(1),
                flags.get("--top-k", DEFAULT_TOP_K)?,
                flags.get("--seed", 42u64)?,
            ))
        });
    let (films, shards, runs, top_k, seed) = flags.unwrap_or_else(|message| {
        eprintln!("bench_shards: {message}");
        std::process::exit(2);
    });
    let query = NeighbourQuery::top_k(top_k);
    let corpus = synthetic::corpus(films, seed);
    let started = Instant::now();
    let m = TfIdfMatrix::build(&corpus, FeatureSet::Default);
    let build_ms = started.elapsed().as_secs_f64() * 1e3;
    drop(corpus);
    let everything = FilmSelection::all(&m);

    let count_all = AtomicUsize::new(0);
    let single: Vec<Duration> = (0..runs)
        .map(|_| {
            count_all.store(0, Ordering::Relaxed);
            let started = Instant::now();
            neighbours_of(&m, &query, &everything, |_, row| {
                count_all.fetch_add(row.len(), Ordering::Relaxed);
            });
            started.elapsed()
        })
        .collect();
    let single_ms = median(single);

    let mut shard_ms = Vec::new();
    let mut shard_films = Vec::new();
    let mut shard_cost = Vec::new();
    let mut neighbours = 0;
    for index in 0..shards {
        let shard = Shard::new(index, shards).expect("index below count");
        let split_started = Instant::now();
        let selection = FilmSelection::of_shard(&m, shard, query.neighbours);
        let split = split_started.elapsed();
        let count = AtomicUsize::new(0);
        let times: Vec<Duration> = (0..runs)
            .map(|_| {
                count.store(0, Ordering::Relaxed);
                let started = Instant::now();
                neighbours_of(&m, &query, &selection, |_, row| {
                    count.fetch_add(row.len(), Ordering::Relaxed);
                });
                started.elapsed() + split
            })
            .collect();
        neighbours += count.into_inner();
        shard_ms.push(median(times));
        shard_films.push(selection.len());
        shard_cost.push(selection.estimated_cost(&m, query.neighbours));
    }
    assert_eq!(
        neighbours,
        count_all.into_inner(),
        "the shards hand out the single run's neighbours"
    );
    let slowest = shard_ms.iter().cloned().fold(0.0, f64::max);
    let total: f64 = shard_ms.iter().sum();
    let mean = total / f64::from(shards);
    println!(
        "films={} top_k={} threads={} build_ms={build_ms:.0} single_ms={single_ms:.0}",
        m.len(),
        top_k,
        rayon::current_num_threads()
    );
    println!(
        "shards={shards} slowest_ms={slowest:.0} total_ms={total:.0} balance={:.2} split_cost={:.2}",
        slowest / mean,
        total / single_ms
    );
    println!(
        "per_shard_ms={:?}",
        shard_ms
            .iter()
            .map(|ms| ms.round() as u64)
            .collect::<Vec<_>>()
    );
    println!("per_shard_films={shard_films:?}");
    println!("per_shard_estimated_cost={shard_cost:?}");
}
