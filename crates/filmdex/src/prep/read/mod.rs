//! The dumps read the streaming way: each decoded once, on a thread of its own, with its whole
//! stream checked in that same pass, and filtered as it streams so that DuckDB parses only the
//! rows that can matter (`keep.rs` says which). The steps narrow each other: ratings and titles
//! (side by side), then the selected titles' principals, then those persons' names. DuckDB runs
//! the same `sql/read_*.sql` on the forwarded rows as it did on the whole files.

mod forward;
mod keep;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use duckdb::Connection;
use indicatif::MultiProgress;
use rustc_hash::FxHashSet;
use tracing::info;

use self::forward::forward;
pub(crate) use self::forward::Forwarded;
pub(crate) use self::keep::Keep;
use super::bad_rows::{self, BadRows};
use super::{path_variable, read_sql};
use crate::config::PrepParams;
use crate::dumps::Dump;
use crate::{duck, progress};

/// Reads the four dumps into DuckDB's `rated`, `selected_titles`, `selected_principals` and
/// `selected_names`; returns each dump's bad rows, in the order ratings, basics, principals, names.
pub fn read_dumps(
    connection: &Connection,
    inputs: &BTreeMap<Dump, PathBuf>,
    params: &PrepParams,
    scratch: &Path,
) -> Result<Vec<BadRows>> {
    let input = |dump: Dump| {
        inputs
            .get(&dump)
            .with_context(|| format!("no {dump} input was given to prep"))
    };
    let (ratings, basics) = (input(Dump::TitleRatings)?, input(Dump::TitleBasics)?);
    let bars = MultiProgress::new();
    let ratings_keep = Keep::Ratings {
        min_votes: params.min_votes,
    };
    let basics_keep = Keep::Basics {
        title_types: &params.title_types,
    };
    let (ratings_rows, basics_rows) = std::thread::scope(|scope| {
        let basics_job = scope.spawn(|| forward_timed(basics, basics_keep, scratch, &bars));
        let ratings_rows = forward_timed(ratings, ratings_keep, scratch, &bars);
        let basics_rows = basics_job
            .join()
            .expect("the title.basics reader does not panic");
        (ratings_rows, basics_rows)
    });
    let mut reports = vec![
        load(connection, Dump::TitleRatings, ratings, &ratings_rows?)?,
        load(connection, Dump::TitleBasics, basics, &basics_rows?)?,
    ];
    let tconsts = key_set(connection, "SELECT tconst FROM selected_titles")?;
    let principals = input(Dump::TitlePrincipals)?;
    let forwarded = forward_timed(principals, Keep::principals(&tconsts), scratch, &bars)?;
    reports.push(load(
        connection,
        Dump::TitlePrincipals,
        principals,
        &forwarded,
    )?);
    let nconsts = key_set(
        connection,
        "SELECT DISTINCT nconst FROM selected_principals",
    )?;
    let names = input(Dump::NameBasics)?;
    let keep = Keep::Names { nconsts: &nconsts };
    let forwarded = forward_timed(names, keep, scratch, &bars)?;
    reports.push(load(connection, Dump::NameBasics, names, &forwarded)?);
    Ok(reports)
}

/// Decodes `dump_path` once, checking it whole, and writes the lines `keep` needs to a TSV in
/// `scratch`, logging how long it took.
pub(crate) fn forward_timed(
    dump_path: &Path,
    keep: Keep,
    scratch: &Path,
    bars: &MultiProgress,
) -> Result<Forwarded> {
    let dump = keep.dump();
    let started = std::time::Instant::now();
    let bar = bars.add(progress::bytes_bar(Some(0), &format!("{dump}")));
    let target = scratch.join(format!("{}.tsv", dump.stem()));
    let forwarded = forward(dump_path, keep, &target, &bar);
    bar.finish_and_clear();
    let forwarded = forwarded?;
    info!(
        file = %dump_path.display(),
        rows = forwarded.total_rows,
        kept = forwarded.line_numbers.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "decoded and filtered"
    );
    Ok(forwarded)
}

/// DuckDB reads the forwarded rows with the dump's own statement; bad rows get their line
/// numbers in the dump. The scratch file is gone afterwards.
fn load(
    connection: &Connection,
    dump: Dump,
    dump_path: &Path,
    forwarded: &Forwarded,
) -> Result<BadRows> {
    let file = forwarded.file.display().to_string();
    duck::set_text(connection, &path_variable(dump), &file)?;
    let started = std::time::Instant::now();
    connection
        .execute_batch(read_sql(dump))
        .with_context(|| format!("reading {}", dump_path.display()))?;
    info!(file = %dump_path.display(), elapsed_ms = started.elapsed().as_millis() as u64, "parsed");
    let _ = std::fs::remove_file(&forwarded.file);
    let mut report = bad_rows::collect(
        connection,
        dump,
        &dump_path.display().to_string(),
        forwarded.total_rows,
    )?;
    for line in &mut report.first_lines {
        *line = forwarded.original_line(*line);
    }
    Ok(report)
}

/// The values of a one-column query, as byte strings to compare raw dump fields with.
fn key_set(connection: &Connection, sql: &str) -> Result<FxHashSet<Vec<u8>>> {
    let mut statement = connection
        .prepare(sql)
        .with_context(|| format!("preparing {sql}"))?;
    let keys = statement
        .query_map([], |row| row.get::<_, String>(0))
        .with_context(|| format!("running {sql}"))?
        .map(|key| key.map(String::into_bytes))
        .collect::<Result<_, _>>()
        .with_context(|| format!("reading {sql}"))?;
    Ok(keys)
}
