//! The build on small fixture dumps: the films table row by row, bad rows, fingerprints, the lock.

use filmdex::config::{BadRowLimit, DatasetSource};
use filmdex::pipeline::lock::BuildLock;

use crate::support::{build, fixture, quirky_config, rows, sorted_names};

const FILMS_AS_TEXT: &str =
    "SELECT film_id::VARCHAR, title, year::VARCHAR, duration::VARCHAR, genres::VARCHAR, \
     rating::VARCHAR, vote_count::VARCHAR, persons::VARCHAR, original_title, person_ids::VARCHAR, \
     person_categories::VARCHAR FROM films ORDER BY film_id";

#[test]
fn the_quirky_fixture_gives_the_hand_verified_films_table() {
    let workdir = tempfile::tempdir().expect("temp dir");
    let config = quirky_config(workdir.path());
    build(&config).expect("build");
    let expected =
        std::fs::read_to_string(fixture("quirky/expected_films.tsv")).expect("expected table");
    let expected: Vec<&str> = expected.lines().skip(1).collect();
    assert_eq!(rows(&config.layout.database(), FILMS_AS_TEXT), expected);
}

#[test]
fn films_keep_the_original_column_order_and_types() {
    let workdir = tempfile::tempdir().expect("temp dir");
    let config = quirky_config(workdir.path());
    build(&config).expect("build");
    let columns = rows(
        &config.layout.database(),
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'films' ORDER BY ordinal_position",
    );
    assert_eq!(
        columns,
        [
            "film_id\tINTEGER",
            "title\tVARCHAR",
            "year\tDATE",
            "duration\tINTEGER",
            "genres\tVARCHAR[]",
            "rating\tDECIMAL(4,2)",
            "vote_count\tINTEGER",
            "persons\tVARCHAR[]",
            "original_title\tVARCHAR",
            "person_ids\tVARCHAR[]",
            "person_categories\tVARCHAR[]",
        ]
    );
}

#[test]
fn too_many_bad_rows_stop_the_build_naming_file_and_lines_and_keep_old_outputs() {
    let workdir = tempfile::tempdir().expect("temp dir");
    let mut config = quirky_config(workdir.path());
    build(&config).expect("first build");
    config.prep.max_bad_rows = BadRowLimit::Fraction(0.001);
    config.prep.min_votes = 1;
    let error = build(&config).expect_err("over the bad-row limit");
    let message = format!("{error:#}");
    assert!(
        message.contains("title.basics.tsv has 2 rows that do not parse out of 14"),
        "{message}"
    );
    assert!(
        message.contains("[13, 14]"),
        "first bad line numbers: {message}"
    );
    assert!(message.contains("previous outputs are kept"), "{message}");
    let films = rows(
        &config.layout.database(),
        "SELECT count(*)::VARCHAR FROM films",
    );
    assert_eq!(films, ["4"], "the previous database still serves");
}

#[test]
fn a_second_build_skips_every_task() {
    let workdir = tempfile::tempdir().expect("temp dir");
    let config = quirky_config(workdir.path());
    assert_eq!(
        build(&config).expect("first").len(),
        9,
        "4 dumps + prep, akas (empty: the fixture has no akas), genres, similarity, load"
    );
    assert_eq!(build(&config).expect("second"), Vec::<String>::new());
}

#[test]
fn a_prep_parameter_reruns_prep_and_what_follows_it() {
    let workdir = tempfile::tempdir().expect("temp dir");
    let mut config = quirky_config(workdir.path());
    build(&config).expect("first");
    config.prep.min_votes = 600;
    assert_eq!(
        build(&config).expect("second"),
        ["prep", "akas", "genres", "similarity", "load"]
    );
    assert_eq!(
        rows(
            &config.layout.database(),
            "SELECT count(*)::VARCHAR FROM films"
        ),
        ["3"]
    );
}

#[test]
fn a_similarity_parameter_reruns_only_similarity_and_load() {
    let workdir = tempfile::tempdir().expect("temp dir");
    let mut config = quirky_config(workdir.path());
    build(&config).expect("first");
    config.similarity.top_k = 5;
    assert_eq!(build(&config).expect("second"), ["similarity", "load"]);
    config.similarity.feature_set = filmdex_similarity::FeatureSet::Seed;
    assert_eq!(build(&config).expect("third"), ["similarity", "load"]);
}

#[test]
fn touching_an_input_reruns_exactly_the_tasks_that_depend_on_it() {
    let workdir = tempfile::tempdir().expect("temp dir");
    let dumps = tempfile::tempdir().expect("dumps dir");
    for entry in std::fs::read_dir(fixture("quirky")).expect("fixture") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, dumps.path().join(path.file_name().expect("name"))).expect("copy");
    }
    let mut config = quirky_config(workdir.path());
    config.source = DatasetSource::Folder(dumps.path().to_owned());
    build(&config).expect("first");
    let ratings = dumps.path().join("title.ratings.tsv");
    let mut text = std::fs::read_to_string(&ratings).expect("read");
    text.push_str("\ntt0000099\t7.0\t1000");
    std::fs::write(&ratings, text).expect("write");
    assert_eq!(
        build(&config).expect("second"),
        [
            "fetch:title.ratings",
            "prep",
            "akas",
            "genres",
            "similarity",
            "load"
        ]
    );
}

#[test]
fn a_deleted_output_is_rebuilt_alone() {
    let workdir = tempfile::tempdir().expect("temp dir");
    let config = quirky_config(workdir.path());
    build(&config).expect("first");
    std::fs::remove_dir_all(config.layout.genres_dir()).expect("remove genres");
    assert_eq!(build(&config).expect("second"), ["genres"]);
}

#[test]
fn a_second_concurrent_build_is_refused_naming_the_holder() {
    let workdir = tempfile::tempdir().expect("temp dir");
    let config = quirky_config(workdir.path());
    let _held = BuildLock::acquire(&config.layout.state_dir()).expect("lock");
    let error = build(&config).expect_err("refused");
    let message = format!("{error:#}");
    assert!(
        message.contains("another filmdex build is running"),
        "{message}"
    );
    assert!(
        message.contains(&format!("pid {}", std::process::id())),
        "{message}"
    );
}

#[test]
fn every_film_is_filed_under_every_one_of_its_genres() {
    let workdir = tempfile::tempdir().expect("temp dir");
    let config = quirky_config(workdir.path());
    build(&config).expect("build");
    let genres = config.layout.genres_dir();
    let partitions = sorted_names(&genres);
    assert_eq!(
        partitions,
        [
            "genre=Action",
            "genre=Comedy",
            "genre=Documentary",
            "genre=Drama",
            "genre=Sci-Fi"
        ]
    );
    let connection = filmdex::duck::open_in_memory(&Default::default()).expect("duckdb");
    let comedy: i32 = connection
        .query_row(
            &format!(
                "SELECT film_id FROM read_parquet('{}/genre=Comedy/*.parquet')",
                genres.display()
            ),
            [],
            |row| row.get(0),
        )
        .expect("comedy film");
    assert_eq!(
        comedy, 1,
        "Alpha is Drama first and Comedy second, and appears under Comedy too"
    );
}

#[test]
fn all_pairs_stores_every_pair_the_top_k_would_with_an_unbounded_k() {
    let pairs_sql = "SELECT film_id::VARCHAR, other_id::VARCHAR, similarity::VARCHAR FROM films_cos_sim ORDER BY ALL";
    let workdir = tempfile::tempdir().expect("temp dir");
    let mut config = quirky_config(workdir.path());
    config.similarity.top_k = 1_000;
    build(&config).expect("top-k build");
    let top_k = rows(&config.layout.database(), pairs_sql);
    config.similarity.all_pairs = true;
    assert_eq!(
        build(&config).expect("all-pairs build"),
        ["similarity", "load"]
    );
    let all_pairs = rows(&config.layout.database(), pairs_sql);
    assert!(
        !all_pairs.is_empty(),
        "the fixture's films share genres, ratings or people"
    );
    assert_eq!(all_pairs, top_k);
}

#[test]
fn dumps_with_windows_line_ends_give_the_same_films() {
    let workdir = tempfile::tempdir().expect("temp dir");
    let unix = quirky_config(&workdir.path().join("unix"));
    build(&unix).expect("build with \\n line ends");
    let dumps = tempfile::tempdir().expect("dumps dir");
    for entry in std::fs::read_dir(fixture("quirky")).expect("fixture") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("name").to_owned();
        if !name.to_string_lossy().starts_with("title.")
            && !name.to_string_lossy().starts_with("name.")
        {
            continue;
        }
        let text = std::fs::read(&path).expect("read");
        let mut windows = Vec::new();
        for line in text.split_inclusive(|&byte| byte == b'\n') {
            match line.strip_suffix(b"\n") {
                Some(line) => {
                    windows.extend_from_slice(line);
                    windows.extend_from_slice(b"\r\n");
                }
                None => windows.extend_from_slice(line),
            }
        }
        // A blank line written on Windows, too: DuckDB skips blank lines.
        windows.extend_from_slice(b"\r\n");
        std::fs::write(dumps.path().join(&name), windows).expect("write");
    }
    let mut crlf = quirky_config(&workdir.path().join("windows"));
    crlf.source = DatasetSource::Folder(dumps.path().to_owned());
    build(&crlf).expect("build with \\r\\n line ends");
    assert_eq!(
        rows(&crlf.layout.database(), FILMS_AS_TEXT),
        rows(&unix.layout.database(), FILMS_AS_TEXT)
    );
}

#[test]
fn a_carriage_return_inside_a_line_is_a_bad_row_of_that_line() {
    let dumps = tempfile::tempdir().expect("dumps dir");
    for entry in std::fs::read_dir(fixture("quirky")).expect("fixture") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, dumps.path().join(path.file_name().expect("name"))).expect("copy");
    }
    let ratings = dumps.path().join("title.ratings.tsv");
    let mut text = std::fs::read_to_string(&ratings).expect("read");
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let line = text.lines().count() + 1;
    // Two lines of two pieces each: four bad rows, more than the fixture's two allowed.
    text.push_str("tt0000009\t7.\r0\t1000\ntt0000010\t7.0\r\t1000\n");
    std::fs::write(&ratings, text).expect("write");
    let workdir = tempfile::tempdir().expect("temp dir");
    let mut config = quirky_config(workdir.path());
    config.source = DatasetSource::Folder(dumps.path().to_owned());
    let error = format!(
        "{:#}",
        build(&config).expect_err("four bad rows are too many")
    );
    let next = line + 1;
    assert!(
        error.contains("title.ratings.tsv has 4 rows that do not parse")
            && error.contains(&format!("[{line}, {line}, {next}, {next}]")),
        "{error}"
    );
    config.prep.max_bad_rows = BadRowLimit::Count(10);
    build(&config).expect("within --max-bad-rows");
}
