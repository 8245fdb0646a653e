//! Times the server's query, one page of a film's similar films, on a synthetic corpus.
//!
//! ```text
//! cargo run --release -p filmdex-similarity --example bench_similar -- [--films 40000]
//!     [--queries 1000] [--rounds 5] [--threshold 0.1] [--limit 10] [--seed 42]
//! ```
//!
//! Each round asks `similar_page(film, threshold, 0, limit)` of `--queries` films spread over
//! the corpus, on one thread; it prints the mean, median, p99 and max over all rounds, and the
//! same for `similar_to` (the whole sorted row) for comparison.

#[path = "../tests/support/flags.rs"]
mod flags;
#[path = "../tests/support/synthetic.rs"]
mod synthetic;

use std::time::{Duration, Instant};

use flags::Flags;

use filmdex_similarity::{FeatureSet, TfIdfMatrix};

struct Args {
    films: usize,
    queries: usize,
    rounds: usize,
    threshold: f64,
    limit: usize,
    seed: u64,
}

fn parse_args() -> Result<Args, String> {
    let flags = Flags::parse(&[
        "--films",
        "--queries",
        "--rounds",
        "--threshold",
        "--limit",
        "--seed",
    ])?;
    Ok(Args {
        films: flags.get("--films", 40_000)?,
        queries: flags.get("--queries", 1000usize)?.max(1),
        rounds: flags.get("--rounds", 5usize)?.max(1),
        threshold: flags.get("--threshold", 0.1)?,
        limit: flags.get("--limit", 10)?,
        seed: flags.get("--seed", 42)?,
    })
}

/// Times `query` on each film, `rounds` times.
fn time(args: &Args, m: &TfIdfMatrix, query: impl Fn(i32) -> usize) -> (Vec<Duration>, usize) {
    let films: Vec<i32> = (0..args.queries)
        .map(|i| m.film_id(i * m.len() / args.queries))
        .collect();
    let mut times = Vec::with_capacity(args.rounds * films.len());
    let mut found = 0;
    for _ in 0..args.rounds {
        for &film in &films {
            let started = Instant::now();
            found += std::hint::black_box(query(film));
            times.push(started.elapsed());
        }
    }
    times.sort();
    (times, found / args.rounds)
}

fn report(what: &str, (times, found): (Vec<Duration>, usize)) {
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let at = |q: f64| us(times[((times.len() - 1) as f64 * q) as usize]);
    let mean = times.iter().map(|&d| us(d)).sum::<f64>() / times.len() as f64;
    println!(
        "{what}_us mean={mean:.1} p50={:.1} p99={:.1} max={:.1} (films listed per round: {found})",
        at(0.5),
        at(0.99),
        at(1.0),
    );
}

fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("bench_similar: {message}");
            std::process::exit(2);
        }
    };
    let films = synthetic::corpus(args.films, args.seed);
    let m = TfIdfMatrix::build(&films, FeatureSet::Default);
    let index = m.index_summary();
    println!(
        "films={} threshold={} limit={} heavy_terms={} exclusive_terms={} base_profiles={} \
         profiles={}",
        m.len(),
        args.threshold,
        args.limit,
        index.heavy_terms,
        index.exclusive_terms,
        index.base_profiles,
        index.full_profiles,
    );
    let (threshold, limit) = (args.threshold, args.limit);
    report(
        "similar_page",
        time(&args, &m, |film| {
            let (page, total) = m.similar_page(film, threshold, 0, limit).expect("known");
            page.len() + total
        }),
    );
    report(
        "similar_to",
        time(&args, &m, |film| {
            m.similar_to(film, threshold).expect("known").len()
        }),
    );
}
