//! Task `akas`: the alternate titles of the kept films in `film_titles`, one per film and
//! normalised spelling; and builds without the akas dump (a local folder, an offline workdir)
//! still work, saying that search knows only the primary and original titles.

use std::collections::BTreeSet;

use filmdex::akas::NO_AKAS_NOTE;
use filmdex::config::DatasetSource;
use filmdex::dumps::{Dump, PREP_INPUTS};
use filmdex::pipeline::TaskName;
use filmdex::plan;
use filmdex_similarity::FeatureSet;

use crate::support::{build, config, fixture, rows, sample_database};

#[test]
fn the_sample_keeps_each_films_alternate_titles_once_with_their_regions() {
    let database = sample_database(FeatureSet::Default);
    let amelie = rows(
        &database,
        "SELECT title, coalesce(region, '-'), is_original::VARCHAR FROM film_titles \
         WHERE film_id = 211915 ORDER BY title",
    );
    assert_eq!(
        amelie,
        [
            "Amélie\tUS\tfalse",
            "Die fabelhafte Welt der Amélie\tDE\tfalse",
            "Le fabuleux destin d'Amélie Poulain\tFR\tfalse",
            "Амели\tRU\tfalse",
        ],
        "the original row and its FR copy are one title, kept with its region"
    );
    let all = rows(&database, "SELECT film_id::VARCHAR, title FROM film_titles");
    let mut seen = BTreeSet::new();
    for row in &all {
        let (film, title) = row.split_once('\t').expect("two columns");
        let spelling = filmdex_text::normalise::normalised(title);
        assert!(seen.insert((film.to_owned(), spelling)), "twice: {row}");
    }
    let strangers = rows(
        &database,
        "SELECT count(*)::VARCHAR FROM film_titles WHERE film_id NOT IN (SELECT film_id FROM films)",
    );
    assert_eq!(strangers, ["0"], "only the films prep kept");
}

#[test]
fn a_real_slice_with_quirky_akas_builds_them() {
    let workdir = tempfile::tempdir().expect("temp dir");
    let config = config(
        workdir.path(),
        DatasetSource::Folder(fixture("imdb-real").join("roskakori__pimdb")),
    );
    build(&config).expect("build");
    let titles = rows(
        &config.layout.database(),
        "SELECT film_id::VARCHAR, title, coalesce(region, '-') FROM film_titles ORDER BY ALL",
    );
    assert!(!titles.is_empty(), "the kept movie has alternate titles");
    assert!(
        titles.iter().all(|row| row.starts_with("2535470\t")),
        "{titles:?}"
    );
}

#[test]
fn a_folder_without_akas_builds_and_status_says_what_search_lacks() {
    let workdir = tempfile::tempdir().expect("temp dir");
    let config = config(
        workdir.path(),
        DatasetSource::Folder(fixture("imdb-real").join("kiomarskhodadi__assessment")),
    );
    let ran = build(&config).expect("build without akas");
    assert!(ran.contains(&"akas".to_owned()), "{ran:?}");
    let count = rows(
        &config.layout.database(),
        "SELECT count(*)::VARCHAR FROM film_titles",
    );
    assert_eq!(count, ["0"]);
    let tasks = plan::tasks(&config).expect("plan");
    let akas = tasks
        .iter()
        .find(|task| task.name() == TaskName::Akas)
        .expect("an akas task");
    assert_eq!(akas.note().as_deref(), Some(NO_AKAS_NOTE));
}

#[test]
fn an_offline_build_with_the_four_other_dumps_does_not_fail() {
    let workdir = tempfile::tempdir().expect("temp dir");
    let mut config = config(workdir.path(), DatasetSource::Download);
    config.offline = true;
    let datasets = config.layout.datasets();
    std::fs::create_dir_all(&datasets).expect("datasets folder");
    for dump in PREP_INPUTS {
        std::fs::write(
            datasets.join(dump.file_name()),
            filmdex::sample::embedded(dump),
        )
        .expect("a sample dump");
    }
    assert!(!datasets.join(Dump::TitleAkas.file_name()).exists());
    build(&config).expect("offline build without akas");
    let films = rows(
        &config.layout.database(),
        "SELECT count(*)::VARCHAR FROM films",
    );
    assert_ne!(films, ["0"]);
    let count = rows(
        &config.layout.database(),
        "SELECT count(*)::VARCHAR FROM film_titles",
    );
    assert_eq!(count, ["0"]);
}

#[test]
fn an_akas_dump_with_windows_line_ends_gives_the_same_titles() {
    let slice = fixture("imdb-real").join("roskakori__pimdb");
    let dumps = tempfile::tempdir().expect("dumps dir");
    for entry in std::fs::read_dir(&slice).expect("slice") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            std::fs::copy(&path, dumps.path().join(path.file_name().expect("name"))).expect("copy");
        }
    }
    let akas = dumps.path().join("title.akas.tsv");
    let text = std::fs::read(&akas).expect("read");
    let windows: Vec<u8> = text
        .split(|&byte| byte == b'\n')
        .collect::<Vec<_>>()
        .join(&b"\r\n"[..]);
    std::fs::write(&akas, windows).expect("write");
    let titles = |source: DatasetSource| {
        let workdir = tempfile::tempdir().expect("temp dir");
        let config = config(workdir.path(), source);
        build(&config).expect("build");
        rows(
            &config.layout.database(),
            "SELECT film_id::VARCHAR, title, coalesce(region, '-') FROM film_titles ORDER BY ALL",
        )
    };
    let unix = titles(DatasetSource::Folder(slice));
    assert!(!unix.is_empty());
    assert_eq!(titles(DatasetSource::Folder(dumps.path().to_owned())), unix);
}
