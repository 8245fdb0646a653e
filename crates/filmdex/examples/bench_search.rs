//! Text search benchmark on a database file: the index's build time and memory, then the query
//! set (made from the films as the tests make it, every STEP-th query up to LIMIT) run as
//! `suggest` (8 films) and as `q` (a page of 100), one query at a time on one thread: p50 and
//! p99 latency (wall, and the thread's own CPU time, which other processes on a shared machine
//! do not inflate), and how often the intended film comes first. Writes the queries and the films'
//! texts as JSON lines for `benchmarks/search/fts5.py`, which runs the same set in SQLite FTS5.
//!
//! cargo run --release -p filmdex --example bench_search -- DB OUT_DIR [LIMIT]

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use filmdex::serve::{self, AltTitle};
use filmdex_text::query_set::{evaluate, queries_of, Query, QuerySource};
use filmdex_text::TextIndex;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let database = PathBuf::from(args.next().context("give the database file")?);
    let out = PathBuf::from(args.next().context("give an output folder")?);
    let limit: usize = args.next().map_or(Ok(3000), |text| text.parse())?;
    std::fs::create_dir_all(&out)?;
    let snapshot = serve::load(&database)?;
    let films = snapshot.films();
    let connection = filmdex::duck::open_read_only(&database)?;
    let akas = read_akas(&connection)?;
    let directors = read_directors(&connection)?;
    let flat: Vec<AltTitle> = akas
        .iter()
        .flat_map(|(&film_id, titles)| {
            titles.iter().map(move |(title, region)| AltTitle {
                film_id,
                title: title.clone(),
                region: region.clone(),
            })
        })
        .collect();

    // The index as the server builds it, three times: the median build time, and the heap it
    // keeps (resident memory before and after, and the index's own count).
    let mut builds = Vec::new();
    let mut index = None;
    for _ in 0..3 {
        let before = resident_bytes();
        let started = Instant::now();
        let built = serve::text_index(films, &flat);
        builds.push(started.elapsed().as_secs_f64() * 1000.0);
        let after = resident_bytes();
        println!(
            "index build {:.0} ms, resident +{:.1} MiB, heap {:.1} MiB, {} words, {} akas",
            builds.last().copied().unwrap_or_default(),
            (after.saturating_sub(before)) as f64 / (1 << 20) as f64,
            built.heap_bytes() as f64 / (1 << 20) as f64,
            built.words(),
            flat.len()
        );
        index = Some(built);
    }
    let index = index.context("built")?;
    builds.sort_by(f64::total_cmp);
    println!(
        "index build median {:.0} ms over {} films",
        builds[1],
        films.len()
    );

    let mut queries = Vec::new();
    for (row, film) in films.iter().enumerate() {
        queries.extend(queries_of(&QuerySource {
            row: row as u32,
            title: film.title.clone(),
            original_title: film.original_title.clone(),
            akas: akas
                .get(&film.film_id)
                .map(|titles| titles.iter().map(|(title, _)| title.clone()).collect())
                .unwrap_or_default(),
            directors: directors.get(&film.film_id).cloned().unwrap_or_default(),
        }));
    }
    let step = queries.len().div_ceil(limit).max(1);
    let queries: Vec<Query> = queries.into_iter().step_by(step).collect();
    println!("{} queries (every {step}th)", queries.len());

    for (name, keep) in [("suggest", 8), ("q", 100)] {
        let mut times = Vec::with_capacity(queries.len());
        let mut cpu_times = Vec::with_capacity(queries.len());
        let mut slowest = Vec::new();
        for round in 0..2 {
            for query in &queries {
                let cpu_started = thread_cpu_micros();
                let started = Instant::now();
                let found = if name == "suggest" {
                    index.suggest(&query.text, keep).len()
                } else {
                    index.search(&query.text, |_| true, keep).films.len()
                };
                let elapsed = started.elapsed().as_secs_f64() * 1e6;
                let cpu = thread_cpu_micros() - cpu_started;
                std::hint::black_box(found);
                if round == 1 {
                    times.push(elapsed);
                    cpu_times.push(cpu);
                    slowest.push((elapsed, query.text.clone()));
                }
            }
        }
        slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
        if std::env::var_os("BENCH_SEARCH_SLOWEST").is_some() {
            for (elapsed, text) in slowest.iter().take(15) {
                println!("  slow {elapsed:.0} µs: {text}");
            }
        }
        times.sort_by(f64::total_cmp);
        cpu_times.sort_by(f64::total_cmp);
        let at = |times: &[f64], share: f64| times[((times.len() - 1) as f64 * share) as usize];
        println!(
            "{name}: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs; CPU p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
            at(&times, 0.5),
            at(&times, 0.99),
            at(&times, 1.0),
            at(&cpu_times, 0.5),
            at(&cpu_times, 0.99),
            at(&cpu_times, 1.0)
        );
    }
    let evaluation = evaluate(&index, &queries);
    println!(
        "intended film first {:.1}%, top 3 {:.1}%, MRR {:.3} over {} queries ({} ambiguous left out)",
        100.0 * evaluation.first_share(),
        100.0 * evaluation.top_three_share(),
        evaluation.mean_reciprocal_rank(),
        evaluation.queries,
        evaluation.ambiguous
    );
    write_for_fts5(&out, films, &akas, &queries, &index)?;
    Ok(())
}

type Akas = BTreeMap<i32, Vec<(String, Option<String>)>>;

fn read_akas(connection: &duckdb::Connection) -> Result<Akas> {
    let mut statement =
        connection.prepare("SELECT film_id, title, region FROM film_titles ORDER BY ALL")?;
    let mut akas: Akas = BTreeMap::new();
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        akas.entry(row.get(0)?)
            .or_default()
            .push((row.get(1)?, row.get(2)?));
    }
    Ok(akas)
}

fn read_directors(connection: &duckdb::Connection) -> Result<BTreeMap<i32, Vec<String>>> {
    let mut statement = connection.prepare(
        "SELECT film_id, name FROM (SELECT film_id, unnest(persons) AS name, \
         unnest(person_categories) AS category FROM films) WHERE category = 'director'",
    )?;
    let mut directors: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        directors.entry(row.get(0)?).or_default().push(row.get(1)?);
    }
    Ok(directors)
}

/// `films.jsonl` (id, votes, every title, every name) and `queries.jsonl` (text, intended
/// film, kind, and whether filmdex's rules find it ambiguous, so both engines skip the same).
fn write_for_fts5(
    out: &std::path::Path,
    films: &[serve::Film],
    akas: &Akas,
    queries: &[Query],
    index: &TextIndex,
) -> Result<()> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(out.join("films.jsonl"))?);
    for film in films {
        let titles: Vec<&str> = std::iter::once(film.title.as_str())
            .chain(film.original_title.as_deref())
            .chain(
                akas.get(&film.film_id)
                    .into_iter()
                    .flatten()
                    .map(|(title, _)| title.as_str()),
            )
            .collect();
        let line = serde_json::json!({
            "film_id": film.film_id,
            "votes": film.vote_count.unwrap_or(0),
            "titles": titles.join(" | "),
            "persons": film.persons.join(" | "),
        });
        writeln!(file, "{line}")?;
    }
    let mut file = std::io::BufWriter::new(std::fs::File::create(out.join("queries.jsonl"))?);
    for query in queries {
        let ranking = index.search(&query.text, |_| true, usize::MAX);
        let intended = ranking.films.iter().find(|ranked| ranked.row == query.row);
        let ambiguous = intended.is_some_and(|intended| {
            ranking
                .films
                .iter()
                .filter(|ranked| ranked.relevance == intended.relevance)
                .count()
                > 1
        });
        let line = serde_json::json!({
            "q": query.text,
            "film_id": films[query.row as usize].film_id,
            "kind": query.kind.name(),
            "ambiguous": ambiguous,
        });
        writeln!(file, "{line}")?;
    }
    Ok(())
}

/// This thread's CPU time in microseconds: on a shared machine, a query's own work without
/// the time other processes held the core.
fn thread_cpu_micros() -> f64 {
    use nix::time::{clock_gettime, ClockId};
    clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID).map_or(f64::NAN, |time| {
        time.tv_sec() as f64 * 1e6 + time.tv_nsec() as f64 / 1e3
    })
}

fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|text| text.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}
