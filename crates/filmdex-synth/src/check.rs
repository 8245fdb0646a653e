//! Reading a folder of dumps back: row counts, malformed lines, joins and the default filter.
//!
//! This is the independent count that the tests and the benchmarks rely on, written against
//! the file format rather than the generator's internals. It holds the ids of all titles and
//! names in memory (about 1.5 GB at scale 1.0).

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use anyhow::{Context, Result};
use filmdex_dumps::Dump;
use flate2::read::GzDecoder;

/// What a folder of dumps holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Rows per file (header excluded), in the order basics, principals, names, ratings, akas.
    pub rows: Vec<(String, u64)>,
    /// Lines with the wrong number of fields or an unparsable number, and wrong headers.
    pub malformed_lines: u64,
    /// Titles per titleType, most frequent first.
    pub titles_by_type: Vec<(String, u64)>,
    pub movies: u64,
    pub drama_movies: u64,
    /// Movies whose genres are `\N`, or whose runtime is.
    pub movies_without_genres: u64,
    pub movies_without_runtime: u64,
    /// Movies with a rating of at least 6.0, at least 500 votes, genres and a runtime.
    pub movies_passing_default_filter: u64,
    /// principals, ratings and akas rows whose title is not in title.basics.
    pub rows_without_title: u64,
    pub principals_without_name: u64,
    /// The largest number of principal rows of one person.
    pub busiest_person_rows: u64,
}

/// Reads the five files of `dir` and summarises them.
pub fn summarize(dir: &Path) -> Result<Summary> {
    let mut summary = Summary::default();
    let mut names = HashSet::new();
    for_each_row(dir, Dump::NameBasics, &mut summary, |fields, _| {
        names.insert(id(fields[0])?);
        Ok(())
    })?;
    let mut ratings = HashMap::new();
    for_each_row(dir, Dump::TitleRatings, &mut summary, |fields, _| {
        let rating: f64 = fields[1].parse()?;
        let votes: u64 = fields[2].parse()?;
        ratings.insert(id(fields[0])?, (rating, votes));
        Ok(())
    })?;
    let mut titles = HashSet::new();
    let mut types = HashMap::new();
    for_each_row(dir, Dump::TitleBasics, &mut summary, |fields, summary| {
        let title = id(fields[0])?;
        titles.insert(title);
        *types.entry(fields[1].to_string()).or_insert(0u64) += 1;
        if fields[1] == "movie" {
            count_movie(fields, ratings.get(&title), summary);
        }
        Ok(())
    })?;
    let mut titles_by_type: Vec<(String, u64)> = types.into_iter().collect();
    titles_by_type.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    summary.titles_by_type = titles_by_type;
    summary.rows_without_title = ratings.keys().filter(|t| !titles.contains(t)).count() as u64;
    check_principals(dir, &titles, &names, &mut summary)?;
    for_each_row(dir, Dump::TitleAkas, &mut summary, |fields, summary| {
        summary.rows_without_title += u64::from(!titles.contains(&id(fields[0])?));
        Ok(())
    })?;
    summary
        .rows
        .sort_by_key(|(name, _)| Dump::ALL.iter().position(|dump| dump.file_name() == *name));
    Ok(summary)
}

/// The number of a `tt`/`nm` id, so that sets of 15 million ids are sets of integers.
fn id(field: &str) -> Result<u64> {
    let digits = field.get(2..).unwrap_or_default();
    digits.parse().with_context(|| format!("id {field:?}"))
}

fn count_movie(fields: &[&str], rating: Option<&(f64, u64)>, summary: &mut Summary) {
    summary.movies += 1;
    let genres = fields[8];
    let has_genres = genres != "\\N";
    let has_runtime = fields[7] != "\\N";
    summary.drama_movies += u64::from(genres.split(',').any(|g| g == "Drama"));
    summary.movies_without_genres += u64::from(!has_genres);
    summary.movies_without_runtime += u64::from(!has_runtime);
    let popular = rating.is_some_and(|&(rating, votes)| rating >= 6.0 && votes >= 500);
    summary.movies_passing_default_filter += u64::from(popular && has_genres && has_runtime);
}

fn check_principals(
    dir: &Path,
    titles: &HashSet<u64>,
    names: &HashSet<u64>,
    summary: &mut Summary,
) -> Result<()> {
    let mut per_person: HashMap<u64, u64> = HashMap::new();
    for_each_row(dir, Dump::TitlePrincipals, summary, |fields, summary| {
        fields[1].parse::<u64>()?;
        let person = id(fields[2])?;
        summary.rows_without_title += u64::from(!titles.contains(&id(fields[0])?));
        summary.principals_without_name += u64::from(!names.contains(&person));
        *per_person.entry(person).or_insert(0) += 1;
        Ok(())
    })?;
    summary.busiest_person_rows = per_person.values().copied().max().unwrap_or(0);
    Ok(())
}

/// Calls `row` with the fields of every well-formed line of `dump`'s file in `dir`; lines of
/// the wrong width, or that `row` fails on, are counted as malformed (a header only by width).
fn for_each_row(
    dir: &Path,
    dump: Dump,
    summary: &mut Summary,
    mut row: impl FnMut(&[&str], &mut Summary) -> Result<()>,
) -> Result<()> {
    let (name, width) = (dump.file_name(), dump.columns().len());
    let path = dir.join(&name);
    let file = File::open(&path).with_context(|| format!("opening {}", path.display()))?;
    let mut reader = BufReader::with_capacity(1 << 20, GzDecoder::new(file));
    let mut line = String::new();
    let mut rows = 0;
    reader
        .read_line(&mut line)
        .with_context(|| format!("reading {}", path.display()))?;
    summary.malformed_lines += u64::from(line.trim_end_matches('\n').split('\t').count() != width);
    loop {
        line.clear();
        if reader
            .read_line(&mut line)
            .with_context(|| format!("reading {}", path.display()))?
            == 0
        {
            break;
        }
        rows += 1;
        let mut fields = [""; 9];
        let count = split_fields(&line, &mut fields);
        if count != width || row(&fields[..width], summary).is_err() {
            summary.malformed_lines += 1;
        }
    }
    summary.rows.push((name, rows));
    Ok(())
}

/// Splits a line on tabs into `fields` and returns how many fields it has (those past the
/// array are counted, not kept). A fixed array rather than a Vec per line: the principals have
/// 98 million lines at scale 1. Nine fields are title.basics', the widest dump.
fn split_fields<'a>(line: &'a str, fields: &mut [&'a str; 9]) -> usize {
    let mut count = 0;
    for field in line.strip_suffix('\n').unwrap_or(line).split('\t') {
        if let Some(slot) = fields.get_mut(count) {
            *slot = field;
        }
        count += 1;
    }
    count
}
