//! `filmdex similar`, `recommend` and `search` run as a user runs them, on a database built from
//! the bundled sample: a film named by id, tconst or title, readable tables, JSON equal to the
//! API's, clear errors; and the logs of a run whose stderr is not a terminal carry no colour
//! codes; and `status --json` after that build.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

use crate::shards::filmdex_build_command;

/// A workdir holding the sample's database, built once for these tests.
fn workdir() -> &'static Path {
    static WORKDIR: OnceLock<PathBuf> = OnceLock::new();
    WORKDIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temp dir").keep();
        let output = filmdex_build_command(&dir, &[])
            .output()
            .expect("filmdex runs");
        assert!(output.status.success(), "{output:?}");
        dir
    })
}

fn filmdex(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_filmdex"))
        .arg("--workdir")
        .arg(workdir())
        .args(args)
        .output()
        .expect("filmdex runs")
}

fn json(args: &[&str]) -> Value {
    let output = filmdex(args);
    assert!(output.status.success(), "{args:?}: {output:?}");
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

fn ids(films: &Value) -> Vec<i64> {
    films
        .as_array()
        .expect("a list")
        .iter()
        .map(|film| film["film_id"].as_i64().expect("an id"))
        .collect()
}

#[test]
fn a_film_is_found_by_id_tconst_or_title() {
    let by_id = json(&["similar", "99785", "--json", "--limit", "5"]);
    let by_tconst = json(&["similar", "tt0099785", "--json", "--limit", "5"]);
    let by_title = json(&["similar", "home alone", "--json", "--limit", "5"]);
    assert_eq!(by_id, by_tconst);
    assert_eq!(by_id, by_title);
    assert_eq!(ids(&by_id).first(), Some(&104431), "Home Alone 2 first");
}

#[test]
fn recommendations_take_filters_and_print_a_table() {
    let films = json(&[
        "recommend",
        "--like",
        "99785",
        "--like",
        "tt1392170",
        "--json",
        "--limit",
        "20",
        "--min-rating",
        "7",
        "--year-from",
        "2000",
    ]);
    assert!(!ids(&films).is_empty());
    for film in films.as_array().expect("a list") {
        assert!(film["rating"].as_f64().expect("a rating") >= 7.0, "{film}");
        assert!(film["year"].as_str().expect("a year") >= "2000", "{film}");
        assert!(![99785, 1392170].contains(&film["film_id"].as_i64().expect("an id")));
    }
    let table = filmdex(&[
        "recommend",
        "--like",
        "99785,1392170",
        "--explain",
        "--limit",
        "3",
    ]);
    assert!(table.status.success(), "{table:?}");
    let text = String::from_utf8(table.stdout).expect("utf-8");
    assert!(text.contains("Home Alone 2: Lost in New York"), "{text}");
    assert!(
        text.contains(": Home Alone"),
        "the why names the liked film: {text}"
    );
    assert!(text.contains("3 of "), "{text}");
}

#[test]
fn unknown_films_and_bad_options_are_clear_errors() {
    let output = filmdex(&["recommend", "--like", "no such film at all"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no film is called `no such film at all`"),
        "{stderr}"
    );
    let output = filmdex(&["similar", "99785", "--threshold", "2"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--threshold"));
}

#[test]
fn logs_to_a_pipe_have_no_colour_codes() {
    let output = filmdex(&["-v", "similar", "99785", "--limit", "1"]);
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("database loaded"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "escape codes in {stderr:?}");
}

#[test]
fn status_as_json_says_each_task_is_complete_after_a_build() {
    let output = Command::new(env!("CARGO_BIN_EXE_filmdex"))
        .arg("--workdir")
        .arg(workdir())
        .args(["status", "--sample", "--json"])
        .output()
        .expect("filmdex runs");
    assert!(output.status.success(), "{output:?}");
    let tasks: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    let tasks = tasks.as_array().expect("a list");
    let names: Vec<&str> = tasks.iter().filter_map(|t| t["task"].as_str()).collect();
    for expected in ["prep", "genres", "similarity", "load"] {
        assert!(names.contains(&expected), "{names:?}");
    }
    for task in tasks {
        assert_eq!(task["state"], "complete", "{task}");
        assert!(
            task["bytes"].as_u64().is_some_and(|bytes| bytes > 0),
            "{task}"
        );
        assert!(
            task["built_at"].is_string() && task["reason"].is_null(),
            "{task}"
        );
    }
}

#[test]
fn search_finds_films_by_free_text_as_a_table_and_as_the_apis_json() {
    let output = filmdex(&["search", "amelie", "--limit", "3"]);
    assert!(output.status.success(), "{output:?}");
    let table = String::from_utf8(output.stdout).expect("UTF-8");
    let first = table.lines().nth(1).expect("a first film");
    assert!(
        first.contains("211915") && first.contains("Amélie"),
        "{table}"
    );
    assert!(table.ends_with("films\n"), "{table}");
    let chihiro = filmdex(&["search", "chihiro"]);
    let table = String::from_utf8(chihiro.stdout).expect("UTF-8");
    assert!(
        table.contains("(original_title: Sen to Chihiro no kamikakushi)"),
        "{table}"
    );
    let films = json(&["search", "die fabelhafte welt", "--json"]);
    assert_eq!(ids(&films).first(), Some(&211915));
    assert_eq!(films[0]["matched"]["region"], "DE");
    // "Boy Father" (1970) also matches: "boyfather" is two edits from "godfather".
    let films = json(&[
        "search",
        "godfather",
        "--json",
        "--year-to",
        "1980",
        "--sort=-year",
    ]);
    assert_eq!(
        ids(&films),
        [71562, 68646, 90002173],
        "criteria and sort apply"
    );
    let blank = filmdex(&["search", "  "]);
    assert!(!blank.status.success());
    let message = String::from_utf8_lossy(&blank.stderr);
    assert!(
        message.contains("give something to search for"),
        "{message}"
    );
}
