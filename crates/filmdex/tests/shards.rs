//! The similarity task split into shards (`build similarity --shard I/N`) and merged by
//! `build load --pairs`: the same database as one process for any N, a complete shard skipped,
//! an incomplete set or shards of other films refused. Runs the real binary on the sample.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::rows;

/// `filmdex --workdir <workdir> build --sample <args>` with small DuckDB settings.
pub fn filmdex_build_command(workdir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_filmdex"));
    command
        .arg("--workdir")
        .arg(workdir)
        .args([
            "build",
            "--sample",
            "--memory-limit",
            "1GB",
            "--threads",
            "2",
        ])
        .args(args);
    command
}

/// Runs [`filmdex_build_command`].
pub fn filmdex_build(workdir: &Path, args: &[&str]) -> Output {
    filmdex_build_command(workdir, args)
        .output()
        .expect("run filmdex")
}

pub fn succeeded(output: &Output, what: &str) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{what} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

pub fn failed(output: &Output, what: &str) -> String {
    assert!(!output.status.success(), "{what} should fail");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The films and every stored pair, as text, in a fixed order.
pub fn films_and_pairs(database: &Path) -> Vec<String> {
    let mut content = rows(
        database,
        "SELECT COLUMNS(*)::VARCHAR FROM films ORDER BY film_id",
    );
    // Similarities as their exact bits, so that "equal" means bit-identical.
    content.extend(rows(
        database,
        "SELECT film_id::VARCHAR, other_id::VARCHAR, printf('%.17g', similarity) FROM films_cos_sim \
         ORDER BY film_id, similarity DESC, other_id",
    ));
    content
}

/// A workdir with the sample built by one process, and its films and pairs.
fn single_process_build() -> (tempfile::TempDir, Vec<String>) {
    let workdir = tempfile::tempdir().expect("temp dir");
    succeeded(
        &filmdex_build(workdir.path(), &[]),
        "the single-process build",
    );
    let content = films_and_pairs(&workdir.path().join("duckdb/films.duckdb"));
    assert!(content.len() > 100_000, "the sample has ~277k pairs");
    (workdir, content)
}

fn run_shards(workdir: &Path, pairs: &Path, count: u32, extra: &[&str]) {
    for index in 0..count {
        let shard = format!("{index}/{count}");
        let pairs = pairs.display().to_string();
        let mut args = vec!["similarity", "--shard", &shard, "--pairs", &pairs];
        args.extend_from_slice(extra);
        succeeded(&filmdex_build(workdir, &args), &format!("shard {shard}"));
    }
}

fn database(workdir: &Path) -> PathBuf {
    workdir.join("duckdb/films.duckdb")
}

#[test]
fn shards_merged_by_load_give_the_single_process_database_for_any_count() {
    let (workdir, expected) = single_process_build();
    for count in [1, 3, 7] {
        let pairs = workdir.path().join(format!("pairs-{count}"));
        run_shards(workdir.path(), &pairs, count, &[]);
        let pairs_arg = pairs.display().to_string();
        succeeded(
            &filmdex_build(workdir.path(), &["load", "--pairs", &pairs_arg]),
            "load --pairs",
        );
        assert!(
            films_and_pairs(&database(workdir.path())) == expected,
            "{count} shards merged differ from the single process"
        );
        let manifests = std::fs::read_dir(&pairs)
            .expect("pairs folder")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".json"))
            })
            .count();
        assert_eq!(manifests, count as usize, "one manifest per shard");
    }
}

#[test]
fn a_complete_shard_is_skipped_and_a_changed_parameter_reruns_it() {
    let workdir = tempfile::tempdir().expect("temp dir");
    let pairs = workdir.path().join("pairs").display().to_string();
    let shard = |extra: &[&str]| {
        let mut args = vec!["similarity", "--shard", "0/2", "--pairs", &pairs];
        args.extend_from_slice(extra);
        succeeded(&filmdex_build(workdir.path(), &args), "shard 0/2")
    };
    let first = shard(&[]);
    assert!(
        first.contains("similarity[0/2]") && first.contains("never built"),
        "{first}"
    );
    let again = shard(&[]);
    let line = again
        .lines()
        .find(|l| l.contains("similarity[0/2]"))
        .expect("a summary row for the shard");
    assert!(line.contains("skipped"), "{again}");
    assert!(
        !again.contains("prep "),
        "prep was complete, so not even listed as run: {again}"
    );
    let changed = shard(&["--top-k", "5"]);
    assert!(
        changed.contains("parameter top_k changed (100 -> 5)"),
        "{changed}"
    );
    let forced = shard(&["--top-k", "5", "--force"]);
    assert!(forced.contains("forced"), "{forced}");
}

#[test]
fn load_refuses_an_incomplete_set_and_names_the_missing_shards() {
    let workdir = tempfile::tempdir().expect("temp dir");
    succeeded(&filmdex_build(workdir.path(), &[]), "the first build");
    let before = films_and_pairs(&database(workdir.path()));
    let pairs = workdir.path().join("pairs").display().to_string();
    for shard in ["1/4", "3/4"] {
        let args = ["similarity", "--shard", shard, "--pairs", &pairs];
        succeeded(&filmdex_build(workdir.path(), &args), shard);
    }
    let error = failed(
        &filmdex_build(workdir.path(), &["load", "--pairs", &pairs]),
        "load of 2 shards out of 4",
    );
    assert!(
        error.contains("2 of 4 shards are missing: 0/4, 2/4"),
        "{error}"
    );
    assert!(error.contains("--shard 0/4 --pairs"), "{error}");
    assert_eq!(
        films_and_pairs(&database(workdir.path())),
        before,
        "the database in place is kept"
    );

    // A part deleted behind a manifest's back is found too.
    for shard in ["0/4", "2/4"] {
        let args = ["similarity", "--shard", shard, "--pairs", &pairs];
        succeeded(&filmdex_build(workdir.path(), &args), shard);
    }
    let part = Path::new(&pairs).join("part-0002-of-0004-00000.parquet");
    std::fs::remove_file(&part).expect("remove a part");
    let error = failed(
        &filmdex_build(workdir.path(), &["load", "--pairs", &pairs]),
        "load with a part missing",
    );
    assert!(
        error.contains("shard 2/4") && error.contains("part-0002-of-0004-00000.parquet is missing"),
        "{error}"
    );
}

#[test]
fn load_refuses_shards_computed_from_other_films() {
    let workdir = tempfile::tempdir().expect("temp dir");
    let pairs = workdir.path().join("pairs").display().to_string();
    for shard in ["0/2", "1/2"] {
        let args = [
            "similarity",
            "--shard",
            shard,
            "--pairs",
            &pairs,
            "--min-votes",
            "2000",
        ];
        succeeded(&filmdex_build(workdir.path(), &args), shard);
    }
    let error = failed(
        &filmdex_build(workdir.path(), &["load", "--pairs", &pairs]),
        "load with other films",
    );
    assert!(
        error.contains("computed from another films table"),
        "{error}"
    );
}

#[test]
fn spark_output_is_loaded_and_a_folder_without_a_finished_run_is_refused() {
    let (workdir, expected) = single_process_build();
    let spark = workdir.path().join("spark-out");
    std::fs::create_dir_all(&spark).expect("spark folder");
    let csfilms = workdir.path().join("output/csfilms");
    for (i, entry) in std::fs::read_dir(&csfilms).expect("csfilms").enumerate() {
        let entry = entry.expect("entry");
        std::fs::copy(
            entry.path(),
            spark.join(format!("part-{i:05}-0f3c.c000.snappy.parquet")),
        )
        .expect("copy a part");
    }
    let spark_arg = spark.display().to_string();
    let error = failed(
        &filmdex_build(workdir.path(), &["load", "--pairs", &spark_arg]),
        "load of an unfinished Spark output",
    );
    assert!(error.contains("no Spark output (_SUCCESS)"), "{error}");
    std::fs::write(spark.join("_SUCCESS"), "").expect("mark success");
    succeeded(
        &filmdex_build(workdir.path(), &["load", "--pairs", &spark_arg]),
        "load of a Spark output",
    );
    assert!(films_and_pairs(&database(workdir.path())) == expected);
}

#[test]
fn shard_options_are_checked() {
    let workdir = tempfile::tempdir().expect("temp dir");
    let error = failed(
        &filmdex_build(workdir.path(), &["prep", "--shard", "0/2"]),
        "--shard with prep",
    );
    assert!(
        error.contains("--shard runs only the similarity task"),
        "{error}"
    );
    let error = failed(
        &filmdex_build(workdir.path(), &["similarity", "--shard", "2/2"]),
        "shard 2/2",
    );
    assert!(error.contains("INDEX must be below COUNT"), "{error}");
    let error = failed(
        &filmdex_build(workdir.path(), &["--films", "x.parquet"]),
        "--films without --shard",
    );
    assert!(
        error.contains("--films is the films table of a --shard run"),
        "{error}"
    );
}

/// A malformed manifest (a run of 0 shards, a films hash too short) is an error naming the file
/// and what is wrong, never a panic.
#[test]
fn load_refuses_malformed_manifests_with_a_clear_error() {
    let workdir = tempfile::tempdir().expect("temp dir");
    let zero = workdir.path().join("zero");
    std::fs::create_dir_all(&zero).expect("a pairs folder");
    std::fs::write(zero.join("part-0000-of-0000.json"), "{}").expect("a manifest");
    let output = filmdex_build(
        workdir.path(),
        &["load", "--pairs", &zero.display().to_string()],
    );
    let error = failed(&output, "load of a run of 0 shards");
    assert_ne!(output.status.code(), Some(101), "a panic: {error}");
    assert!(
        error.contains("part-0000-of-0000.json") && error.contains("0 shards"),
        "{error}"
    );

    let pairs = workdir.path().join("pairs");
    run_shards(workdir.path(), &pairs, 1, &[]);
    let manifest_path = pairs.join("part-0000-of-0001.json");
    let text = std::fs::read_to_string(&manifest_path).expect("the manifest");
    let mut manifest: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    manifest["films_sha256"] = serde_json::json!("abc");
    std::fs::write(&manifest_path, manifest.to_string()).expect("a short hash");
    let output = filmdex_build(
        workdir.path(),
        &["load", "--pairs", &pairs.display().to_string()],
    );
    let error = failed(&output, "load of a manifest with a short films hash");
    assert_ne!(output.status.code(), Some(101), "a panic: {error}");
    assert!(
        error.contains("part-0000-of-0001.json") && error.contains("films_sha256"),
        "{error}"
    );
}
