//! filmdex-synth: deterministic synthetic IMDb dumps, for benchmarks and the sample dataset.
//!
//! `write_dumps` writes title.basics, title.principals, name.basics, title.ratings and
//! title.akas as `.tsv.gz` in IMDb's exact format: a header line, tab-separated fields, `\N`
//! for null, no quoting (double quotes are data), LF line ends. Ids are `tt9`/`nm9` followed by
//! at least seven digits, so they never collide with real ones, and hand-curated real rows can
//! be appended. The same parameters always give the same rows; each row comes from its own
//! seeded stream (see `rng`), so the five files are written in parallel.
//!
//! The files' names and header lines come from `filmdex-dumps`, the one definition of the
//! format that filmdex reads with.
//!
//! Modules, in groups from the foundations up: a module imports only modules of its own group
//! or of the groups above it, so `write`, which knows every per-dump writer, is the top, and
//! `check` stands alone.

// Randomness and word lists.
/// Seeded random streams and platform-independent `ln`/`exp`.
mod rng;
/// Word lists for titles, names and regions.
mod vocab;

// What titles and people are like.
/// The 28 genres and how each title type draws them.
mod genres;
/// Principal categories and the popularity of the people who fill them.
mod people;
/// Per title type tuning: shares, ratings, votes, completeness.
mod profiles;

// What to generate.
/// Hand-curated real rows to append.
mod extra;
/// Counts resolved from the parameters, and each title's facts.
mod plan;
/// Titles, names and characters as text.
mod text;

// Rows, written as gzipped files.
/// title.akas rows.
mod akas;
/// name.basics rows.
mod names;
/// Gzip writing through a `.tmp` file and a compressor thread.
mod output;
/// title.principals rows.
mod principals;
/// title.basics and title.ratings rows.
mod titles;

// The top: which generator writes each dump.
/// Writing one dump file: its generator's rows, then its extra rows.
mod write;

// Apart from the generator.
/// Reading a written folder back to count what the tests and benchmarks check.
pub mod check;

use std::fs;
use std::path::Path;
use std::thread;

use anyhow::{anyhow, Context, Result};
use filmdex_dumps::Dump;

use crate::extra::Extra;
use crate::plan::Plan;

/// What to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct SynthParams {
    pub shape: Shape,
    /// Different seeds give unrelated data of the same shape.
    pub seed: u64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape {
    /// Whole-dump shape: scale 1.0 ≈ the December 2024 dumps: 12.3M titles, 98M principals,
    /// 15M names, 1.6M ratings, ~40k movies passing the default filter.
    Dumps { scale: f64 },
    /// Dense films-only shape for the shipped sample: `films` movies, almost all rated and most
    /// passing the default filter.
    Sample { films: usize },
}

/// The files written, each with its number of rows (header excluded, extra rows included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthReport {
    pub files: Vec<(String, u64)>,
}

/// Writes the five dump files into `out_dir` (created if missing), each through `<name>.tmp`
/// renamed when complete, so an interrupted run never leaves a truncated `.tsv.gz`.
///
/// `extra` is a folder of plain `title.basics.tsv`, `title.principals.tsv`, `name.basics.tsv`,
/// `title.ratings.tsv` and `title.akas.tsv` (each optional, with the IMDb header) whose rows are
/// appended to the matching outputs. With `Shape::Sample`, up to a fifth of the generated
/// films' principals are people from the extra `name.basics.tsv` whose primaryProfession fits
/// the slot, so famous people appear in generated films too; a category with few such people
/// gets less, at most 1% of its slots per person. The extra rows are checked before anything
/// is written.
///
/// Output is byte-identical for the same parameters, extra rows and build.
pub fn write_dumps(
    params: &SynthParams,
    out_dir: &Path,
    extra: Option<&Path>,
) -> Result<SynthReport> {
    let extra = match extra {
        Some(dir) => Extra::load(dir)?,
        None => Extra::default(),
    };
    let plan = Plan::new(params, &extra)?;
    fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    // One writer thread per file, each feeding its own compressor thread: the operating system
    // spreads the ten over the cores, so the principals, two thirds of the work, do not leave
    // a core idle once the smaller files are done.
    let results: Vec<Result<u64>> = thread::scope(|scope| {
        let writers: Vec<_> = Dump::ALL
            .iter()
            .map(|&dump| {
                let (plan, extra) = (&plan, &extra);
                scope.spawn(move || write::write_dump(dump, plan, extra, out_dir))
            })
            .collect();
        writers
            .into_iter()
            .map(|writer| {
                writer
                    .join()
                    .unwrap_or_else(|_| Err(anyhow!("a writer panicked")))
            })
            .collect()
    });
    let mut files = Vec::with_capacity(Dump::ALL.len());
    for (dump, result) in Dump::ALL.iter().zip(results) {
        let rows = result.with_context(|| format!("writing {}", dump.file_name()))?;
        files.push((dump.file_name(), rows));
    }
    Ok(SynthReport { files })
}
