//! The streaming reader (each dump decoded once, filtered as it streams) makes the films table
//! the former reader (DuckDB decoding each whole file) made, byte for byte, with the same bad-row
//! report: on the bundled sample, every real slice of the dumps and the quirky fixture.

use filmdex::config::{BadRowLimit, BuildConfig, DatasetSource, DumpReader};
use filmdex::pipeline::TaskName;
use filmdex::prep::{read_report, BadRows, FILMS_FILE};

use crate::support::{build, config, fixture, quirky_config};

/// What prep made: the films parquet's bytes and the report without its paths (which name the
/// workdir); or the error, when the build stops.
fn prep_with(
    mut config: BuildConfig,
    reader: DumpReader,
) -> Result<(Vec<u8>, Vec<BadRows>), String> {
    config.prep.reader = reader;
    config.tasks = vec![TaskName::Prep];
    build(&config).map_err(|error| format!("{error:#}"))?;
    let films_dir = config.layout.films_dir();
    let films = std::fs::read(films_dir.join(FILMS_FILE)).expect("films parquet");
    let mut report = read_report(&films_dir).expect("prep report").bad_rows;
    for dump in &mut report {
        dump.file = dump.file.rsplit('/').next().unwrap_or_default().to_owned();
    }
    Ok((films, report))
}

fn assert_same_with_both_readers(label: &str, make: impl Fn(&std::path::Path) -> BuildConfig) {
    let (old_dir, new_dir) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let old = prep_with(make(old_dir.path()), DumpReader::Duckdb);
    let new = prep_with(make(new_dir.path()), DumpReader::Streaming);
    match (&old, &new) {
        (Ok((old_films, old_report)), Ok((new_films, new_report))) => {
            assert!(old_films == new_films, "{label}: the films parquet differs");
            assert_eq!(
                old_report, new_report,
                "{label}: the bad-row report differs"
            );
        }
        (Err(old), Err(new)) => assert_eq!(
            old.replace(&old_dir.path().display().to_string(), "W"),
            new.replace(&new_dir.path().display().to_string(), "W"),
            "{label}: the builds stop differently"
        ),
        _ => panic!("{label}: one reader builds, the other does not: {old:?} / {new:?}"),
    }
}

#[test]
fn the_sample_gives_the_same_films_with_both_readers() {
    assert_same_with_both_readers("sample", |dir| config(dir, DatasetSource::Sample));
}

#[test]
fn every_real_slice_gives_the_same_films_with_both_readers() {
    let slices = std::fs::read_dir(fixture("imdb-real")).expect("real slices");
    for slice in slices.map(|entry| entry.expect("entry").path()) {
        if !slice.is_dir() {
            continue;
        }
        let label = slice.display().to_string();
        assert_same_with_both_readers(&label, |dir| {
            let mut config = config(dir, DatasetSource::Folder(slice.clone()));
            // Every slice builds as far as it can: bad rows are compared, not refused.
            config.prep.max_bad_rows = BadRowLimit::Fraction(1.0);
            config.prep.min_votes = 1;
            config
        });
    }
}

#[test]
fn the_quirky_fixture_gives_the_same_films_and_bad_rows_with_both_readers() {
    assert_same_with_both_readers("quirky", quirky_config);
    assert_same_with_both_readers("quirky, every vote count", |dir| {
        let mut config = quirky_config(dir);
        config.prep.min_votes = 0;
        config.prep.min_rating = 0.0;
        config.prep.max_bad_rows = BadRowLimit::Fraction(1.0);
        config
    });
}
