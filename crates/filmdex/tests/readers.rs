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

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("compress");
    encoder.finish().expect("finish")
}

#[test]
fn a_truncated_dump_stops_prep_with_the_check_message_and_keeps_the_previous_outputs() {
    let workdir = tempfile::tempdir().expect("temp dir");
    let dumps = tempfile::tempdir().expect("dumps dir");
    for entry in std::fs::read_dir(fixture("quirky")).expect("fixture") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        if let Some(stem) = name.strip_suffix(".tsv").filter(|stem| stem.contains('.')) {
            let mut text = std::fs::read(&path).expect("read");
            if stem == "title.principals" {
                // Long enough that half of its gzip stream still holds the header.
                text.extend(
                    (0..50_000).flat_map(|row| {
                        format!("\ntt{row:07}\t1\tnm1\tactor\t\\N\t\\N").into_bytes()
                    }),
                );
            }
            std::fs::write(dumps.path().join(format!("{stem}.tsv.gz")), gzip(&text))
                .expect("write");
        }
    }
    let mut config = quirky_config(workdir.path());
    config.source = DatasetSource::Folder(dumps.path().to_owned());
    build(&config).expect("first build");
    let principals = dumps.path().join("title.principals.tsv.gz");
    let bytes = std::fs::read(&principals).expect("read");
    std::fs::write(&principals, &bytes[..bytes.len() / 2]).expect("truncate");
    let error = build(&config).expect_err("a truncated dump");
    let message = format!("{error:#}");
    assert!(
        message.contains("title.principals.tsv.gz is truncated or corrupt"),
        "{message}"
    );
    let films = crate::support::rows(
        &config.layout.database(),
        "SELECT count(*)::VARCHAR FROM films",
    );
    assert_eq!(films, ["4"], "the previous database still serves");
    let films_dir = config.layout.films_dir();
    assert!(
        films_dir.join(FILMS_FILE).exists(),
        "the previous films table is kept"
    );
}

/// Lines DuckDB rejects, or must see to judge, in every dump: typed fields that do not parse,
/// too few or too many fields, invalid UTF-8; for titles and persons that the films use and for
/// others. (A lone `\r\n` line among `\n` lines stops DuckDB's parser with either reader.)
const ODD_LINES: [(&str, &[&[u8]]); 4] = [
    (
        "title.ratings",
        &[
            b"tt0000001\tsix\t10",
            b"tt0000002\t7.0",
            b"tt0000090\t7.5\t12x",
            b"tt0000091\t7.5\t1000\textra",
        ],
    ),
    (
        "title.basics",
        &[
            b"tt0000050\tmovie\tX\tX\t0\t19x9\t\\N\t90\tDrama",
            b"tt0000051\tshort\tY\tY\t0\t1999\t\\N\tninety\tDrama",
            b"tt0000052\tmovie\tZ",
        ],
    ),
    (
        "title.principals",
        &[
            b"tt0000001\tfirst\tnm0000001\tactor\t\\N\t\\N",
            b"tt0000001\t9\tnm0000001\tactor\t\\N",
            b"tt0000077\t10\tnm\xff\tactor\t\\N\t\\N",
        ],
    ),
    (
        "name.basics",
        &[
            b"nm0000001\tAda\t18x5\t\\N\t\\N\t\\N",
            b"nm0000077\tBob\t1900\t\\N\t\\N",
            b"nm0000078\tB\xffb\t1900\t\\N\t\\N\t\\N",
        ],
    ),
];

#[test]
fn bad_rows_in_every_dump_are_counted_alike_by_both_readers() {
    let dumps = tempfile::tempdir().expect("dumps dir");
    for (stem, odd_lines) in ODD_LINES {
        let mut text = std::fs::read(fixture(&format!("quirky/{stem}.tsv"))).expect("read");
        if !text.ends_with(b"\n") {
            text.push(b'\n');
        }
        for line in odd_lines {
            text.extend_from_slice(line);
            text.push(b'\n');
        }
        std::fs::write(dumps.path().join(format!("{stem}.tsv.gz")), gzip(&text)).expect("write");
    }
    assert_same_with_both_readers("quirky with odd lines", |dir| {
        let mut config = quirky_config(dir);
        config.source = DatasetSource::Folder(dumps.path().to_owned());
        config.prep.max_bad_rows = BadRowLimit::Fraction(1.0);
        config
    });
    // Each reader's report has bad rows in every dump (the comparison compares something).
    let workdir = tempfile::tempdir().expect("dir");
    let mut config = quirky_config(workdir.path());
    config.source = DatasetSource::Folder(dumps.path().to_owned());
    config.prep.max_bad_rows = BadRowLimit::Fraction(1.0);
    let (_, report) = prep_with(config, DumpReader::Streaming).expect("build");
    assert!(report.iter().all(|dump| dump.bad_rows >= 2), "{report:?}");
}
