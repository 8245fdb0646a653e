//! Every real slice of the IMDb dumps goes through the build without a crash: it either builds
//! or stops with a clear error naming the file.

use filmdex::config::{BadRowLimit, DatasetSource};

use crate::support::{build, config, fixture, rows};

fn build_sample(name: &str, limit: BadRowLimit) -> anyhow::Result<Vec<String>> {
    let workdir = tempfile::tempdir().expect("temp dir");
    let mut config = config(
        workdir.path(),
        DatasetSource::Folder(fixture("imdb-real").join(name)),
    );
    config.prep.max_bad_rows = limit;
    build(&config)?;
    Ok(rows(
        &config.layout.database(),
        "SELECT film_id::VARCHAR FROM films ORDER BY film_id",
    ))
}

#[test]
fn complete_real_samples_build() {
    for name in [
        "roskakori__pimdb",
        "kiomarskhodadi__assessment",
        "othonasgkavardinas__query-evaluation-imdb",
        "mdecourci__imdb-dataset",
    ] {
        build_sample(name, BadRowLimit::Fraction(0.001))
            .unwrap_or_else(|error| panic!("{name}: {error:#}"));
    }
}

#[test]
fn the_pimdb_sample_keeps_its_rated_movies() {
    let films = build_sample("roskakori__pimdb", BadRowLimit::Fraction(0.001)).expect("build");
    // Checked by hand on the TSVs: of its 9 movies, only tt2535470 has genres, a runtime,
    // a rating >= 6 with >= 500 votes and a principal with a name row.
    assert_eq!(films, ["2535470"]);
}

#[test]
fn samples_missing_a_dump_fail_naming_it() {
    let error = build_sample(
        "nathanhenriquy__Trabalho-Final-E.D-Aplicadas",
        BadRowLimit::Fraction(0.001),
    )
    .expect_err("no ratings");
    assert!(
        format!("{error:#}").contains("has no title.principals"),
        "{error:#}"
    );
    let error = build_sample(
        "OSLL__op-movie-recomendations",
        BadRowLimit::Fraction(0.001),
    )
    .expect_err("no ratings");
    assert!(
        format!("{error:#}").contains("has no title.ratings"),
        "{error:#}"
    );
}

#[test]
fn a_hand_edited_header_is_a_clear_error() {
    let error = build_sample("shettyshrikanth__code-exercise", BadRowLimit::Fraction(1.0))
        .expect_err("spaces for tabs");
    let message = format!("{error:#}");
    assert!(
        message.contains("title.basics.tsv does not start with the title.basics header"),
        "{message}"
    );
}
