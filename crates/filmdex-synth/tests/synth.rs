//! End-to-end tests of `write_dumps`: format, joins, determinism, shares, extra rows.

use std::fs;
use std::io::Read;
use std::path::Path;

use filmdex_dumps::Dump;
use filmdex_synth::check::{summarize, Summary};
use filmdex_synth::{write_dumps, Shape, SynthParams};

fn dumps(scale: f64, seed: u64) -> SynthParams {
    SynthParams {
        shape: Shape::Dumps { scale },
        seed,
    }
}

fn read_gz(path: &Path) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(fs::File::open(path).expect("open output"))
        .read_to_string(&mut text)
        .expect("valid gzip and UTF-8");
    text
}

fn generate(params: &SynthParams, extra: Option<&Path>) -> (tempfile::TempDir, Summary) {
    let dir = tempfile::tempdir().expect("tempdir");
    write_dumps(params, dir.path(), extra).expect("generated");
    let summary = summarize(dir.path()).expect("readable");
    (dir, summary)
}

fn share(part: u64, whole: u64) -> f64 {
    part as f64 / whole as f64
}

#[test]
fn same_params_give_identical_bytes_and_another_seed_does_not() {
    let (first, _) = generate(&dumps(0.001, 7), None);
    let (again, _) = generate(&dumps(0.001, 7), None);
    let (other, _) = generate(&dumps(0.001, 8), None);
    for dump in Dump::ALL {
        let file = dump.file_name();
        let bytes = fs::read(first.path().join(&file)).expect("read");
        assert_eq!(
            bytes,
            fs::read(again.path().join(&file)).expect("read"),
            "{file}"
        );
        assert_ne!(
            bytes,
            fs::read(other.path().join(&file)).expect("read"),
            "{file}"
        );
    }
}

#[test]
fn every_line_has_the_imdb_header_and_field_count() {
    let (dir, summary) = generate(&dumps(0.002, 1), None);
    for dump in Dump::ALL {
        let file = dump.file_name();
        let text = read_gz(&dir.path().join(&file));
        assert!(text.starts_with(&format!("{}\n", dump.header())), "{file}");
        assert!(text.ends_with('\n') && !text.contains('\r'), "{file}");
        let width = dump.columns().len();
        for line in text.lines() {
            assert_eq!(line.split('\t').count(), width, "{file}: {line:?}");
            assert!(
                !line.split('\t').any(str::is_empty) || dump == Dump::NameBasics,
                "{line:?}"
            );
        }
    }
    assert_eq!(summary.malformed_lines, 0);
    assert_eq!(summary.rows_without_title, 0);
}

#[test]
fn titles_carry_the_quirks_readers_must_survive() {
    let (dir, _) = generate(&dumps(0.002, 2), None);
    let basics = read_gz(&dir.path().join(Dump::TitleBasics.file_name()));
    let principals = read_gz(&dir.path().join(Dump::TitlePrincipals.file_name()));
    let names = read_gz(&dir.path().join(Dump::NameBasics.file_name()));
    assert!(basics.contains('"') && basics.contains(',') && basics.contains('\''));
    assert!(basics.contains("東京") || basics.contains("Москва") || basics.contains("愛"));
    assert!(basics.lines().any(|l| l.contains("\t\\N\t\\N\t")));
    assert!(principals.contains("[\"Self\"]") && principals.contains("\\\""));
    // Empty primaryProfession, not only `\N`, as in the real file.
    assert!(names.lines().any(|l| l.split('\t').nth(4) == Some("")));
    let first = basics.lines().nth(1).expect("a title");
    assert!(first.starts_with("tt90000000\t"), "{first}");
}

#[test]
fn the_dump_shape_matches_the_real_proportions() {
    let (_dir, summary) = generate(&dumps(0.01, 42), None);
    let rows: Vec<u64> = summary.rows.iter().map(|&(_, rows)| rows).collect();
    let titles = rows[0];
    assert_eq!(titles, 123_000);
    assert_eq!(rows[2], 150_000);
    assert!(
        (7.5..8.5).contains(&share(rows[1], titles)),
        "principals per title"
    );
    assert!(
        (0.12..0.14).contains(&share(rows[3], titles)),
        "rated share"
    );
    let episodes = summary.titles_by_type[0].clone();
    assert_eq!(episodes.0, "tvEpisode");
    assert!((0.68..0.76).contains(&share(episodes.1, titles)));
    assert!(
        (0.065..0.075).contains(&share(summary.movies, titles)),
        "movie share"
    );
    assert!((0.45..0.52).contains(&share(summary.drama_movies, summary.movies)));
    // About 40,000 per scale 1.0; 400 here, give or take sampling noise.
    let passing = summary.movies_passing_default_filter;
    assert!((340..460).contains(&passing), "{passing} movies pass");
    let dangling = share(summary.principals_without_name, rows[1]);
    assert!((0.002..0.008).contains(&dangling), "{dangling}");
    assert!((50..1_000).contains(&summary.busiest_person_rows));
}

#[test]
fn the_sample_is_dense_films_most_of_which_pass() {
    let (_dir, summary) = generate(
        &SynthParams {
            shape: Shape::Sample { films: 1_000 },
            seed: 3,
        },
        None,
    );
    assert_eq!(summary.movies, 1_000);
    assert_eq!(summary.titles_by_type[1], ("tvEpisode".to_string(), 40));
    assert_eq!(summary.rows[2].1, 2_000, "names");
    let passing = share(summary.movies_passing_default_filter, summary.movies);
    assert!((0.85..0.95).contains(&passing), "{passing}");
    assert_eq!(summary.rows_without_title + summary.malformed_lines, 0);
}

// Real rows for the extra folder; `extra_fixture` puts each file's header above them.
const EXTRA_BASICS: &str = "tt0076759\tmovie\tStar Wars: Episode IV - A New Hope\tStar Wars\t0\t1977\t\\N\t121\tAction,Adventure,Fantasy
tt0099785\tmovie\tHome Alone\tHome Alone\t0\t1990\t\\N\t103\tComedy,Family
";
const EXTRA_PRINCIPALS: &str = "tt0076759\t1\tnm0000434\tactor\t\\N\t[\"Luke Skywalker\"]
tt0076759\t2\tnm0000184\tdirector\t\\N\t\\N
tt0099785\t1\tnm0000431\tactor\t\\N\t[\"Kevin\"]
";
const EXTRA_NAMES: &str = "nm0000434\tMark Hamill\t1951\t\\N\tactor,writer\ttt0076759
nm0000184\tGeorge Lucas\t1944\t\\N\tproducer,writer,director\ttt0076759
nm0000431\tMacaulay Culkin\t1980\t\\N\tactor\ttt0099785
";
const EXTRA_RATINGS: &str = "tt0076759\t8.6\t1500000
tt0099785\t7.7\t700000
";

fn extra_fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = [
        (Dump::TitleBasics, EXTRA_BASICS),
        (Dump::TitlePrincipals, EXTRA_PRINCIPALS),
        (Dump::NameBasics, EXTRA_NAMES),
        // No final newline, as some real files.
        (Dump::TitleRatings, EXTRA_RATINGS.trim_end()),
    ];
    for (dump, rows) in files {
        let path = dir.path().join(format!("{}.tsv", dump.stem()));
        fs::write(path, format!("{}\n{rows}", dump.header())).expect("write");
    }
    dir
}

#[test]
fn extra_rows_are_appended_exactly_once() {
    let extra = extra_fixture();
    let params = dumps(0.001, 5);
    let (plain, plain_summary) = generate(&params, None);
    let (with_extra, summary) = generate(&params, Some(extra.path()));
    let fixtures = [
        EXTRA_BASICS,
        EXTRA_PRINCIPALS,
        EXTRA_NAMES,
        EXTRA_RATINGS,
        "",
    ];
    for (index, (dump, fixture)) in Dump::ALL.into_iter().zip(fixtures).enumerate() {
        let file = dump.file_name();
        let text = read_gz(&with_extra.path().join(&file));
        let extra_rows: Vec<&str> = fixture.lines().collect();
        for row in &extra_rows {
            assert_eq!(
                text.matches(&format!("\n{row}\n")).count(),
                1,
                "{file}: {row}"
            );
        }
        let header = text.lines().next().expect("a header");
        assert_eq!(text.matches(header).count(), 1, "{file}");
        let added = summary.rows[index].1 - plain_summary.rows[index].1;
        assert_eq!(added, extra_rows.len() as u64, "{file}");
        // The Dumps shape only appends: the generated part is unchanged.
        let generated = read_gz(&plain.path().join(&file));
        assert!(text.starts_with(&generated), "{file}");
    }
    assert_eq!(
        summary.movies_passing_default_filter,
        plain_summary.movies_passing_default_filter + 2
    );
}

#[test]
fn the_sample_casts_extra_people_in_generated_films() {
    let extra = extra_fixture();
    let params = SynthParams {
        shape: Shape::Sample { films: 300 },
        seed: 11,
    };
    let (dir, summary) = generate(&params, Some(extra.path()));
    assert!(summary.principals_without_name * 50 < summary.rows[1].1);
    let principals = read_gz(&dir.path().join(Dump::TitlePrincipals.file_name()));
    let generated: Vec<&str> = principals
        .lines()
        .filter(|l| l.starts_with("tt9"))
        .collect();
    let famous = generated.iter().filter(|l| l.contains("\tnm0000")).count();
    // With three extra people, each takes at most 1% of a category's slots: about 2% of the
    // actor and writer slots, 1% of the director and producer slots, 3% of the selves.
    let ratio = share(famous as u64, generated.len() as u64);
    assert!((0.005..0.02).contains(&ratio), "{ratio}");
}

#[test]
fn bad_extra_rows_fail_before_anything_is_written() {
    let extra = extra_fixture();
    fs::write(extra.path().join("title.akas.tsv"), "titleId\tordering\n").expect("write");
    let out = tempfile::tempdir().expect("tempdir");
    let error = write_dumps(&dumps(0.001, 1), out.path(), Some(extra.path()))
        .expect_err("a wrong header is refused");
    assert!(error.to_string().contains("title.akas.tsv"), "{error}");
    assert_eq!(fs::read_dir(out.path()).expect("list").count(), 0);
}

#[test]
fn files_are_complete_and_no_tmp_is_left() {
    let out = tempfile::tempdir().expect("tempdir");
    let target = out.path().join("nested");
    let report = write_dumps(&dumps(0.0005, 1), &target, None).expect("generated");
    let names: Vec<&str> = report.files.iter().map(|(name, _)| name.as_str()).collect();
    let files: Vec<String> = Dump::ALL.iter().map(|dump| dump.file_name()).collect();
    assert_eq!(names, files);
    let mut listed: Vec<String> = fs::read_dir(&target)
        .expect("list")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    listed.sort();
    let mut expected = files;
    expected.sort();
    assert_eq!(listed, expected);
    for (file, rows) in &report.files {
        assert_eq!(
            read_gz(&target.join(file)).lines().count() as u64,
            rows + 1,
            "{file}"
        );
    }
}
