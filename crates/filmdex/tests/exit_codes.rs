//! The exit codes of the `filmdex` binary, one run per kind, and their table in the README.

use std::path::Path;
use std::process::{Command, Output};

use filmdex::exit::ExitKind;
use filmdex::pipeline::lock::BuildLock;

use filmdex_similarity::FeatureSet;

use crate::http_fixture::{Behaviour, FixtureServer};
use crate::support::sample_database;

fn filmdex(workdir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_filmdex"))
        .arg("--workdir")
        .arg(workdir)
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("running filmdex")
}

/// Asserts the exit code of `kind` and a message on stderr containing `says`.
fn assert_exit(output: &Output, kind: ExitKind, says: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(i32::from(kind.code())),
        "{kind:?}: {stderr}"
    );
    assert!(stderr.contains(says), "{stderr}");
}

#[test]
fn a_wrong_option_value_or_an_unknown_flag_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = filmdex(dir.path(), &["build", "--sample", "--min-rating", "11"]);
    assert_exit(
        &output,
        ExitKind::Usage,
        "--min-rating must be between 0 and 10",
    );
    let output = filmdex(dir.path(), &["build", "--no-such-flag"]);
    assert_exit(&output, ExitKind::Usage, "--no-such-flag");
    let output = filmdex(dir.path(), &["fetch", "--base-url", "ftp://mirror/"]);
    assert_exit(&output, ExitKind::Usage, "--base-url must be an http");
}

#[test]
fn a_build_while_another_holds_the_lock_is_busy() {
    let dir = tempfile::tempdir().expect("temp dir");
    let _held = BuildLock::acquire(&dir.path().join(".filmdex")).expect("the lock");
    let output = filmdex(dir.path(), &["build", "--sample"]);
    assert_exit(&output, ExitKind::Busy, "another filmdex build is running");
}

#[test]
fn a_missing_database_or_dump_is_bad_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("missing.duckdb");
    let output = filmdex(
        dir.path(),
        &[
            "serve",
            "--port",
            "0",
            "--db",
            missing.to_str().expect("utf-8"),
        ],
    );
    assert_exit(&output, ExitKind::Data, "missing.duckdb");
    let output = filmdex(
        dir.path(),
        &[
            "similar",
            "tt0099785",
            "--db",
            missing.to_str().expect("utf-8"),
        ],
    );
    assert_exit(&output, ExitKind::Data, "missing.duckdb");
    let empty = tempfile::tempdir().expect("temp dir");
    let output = filmdex(
        dir.path(),
        &["build", "--datasets", empty.path().to_str().expect("utf-8")],
    );
    assert_exit(&output, ExitKind::Data, "has no title.basics");
    for dump in filmdex::dumps::Dump::ALL {
        std::fs::write(empty.path().join(dump.file_name()), "not gzip").expect("write");
    }
    let output = filmdex(
        dir.path(),
        &["build", "--datasets", empty.path().to_str().expect("utf-8")],
    );
    assert_exit(&output, ExitKind::Data, "checking the local dump");
}

#[test]
fn a_truncated_dump_found_while_reading_it_is_bad_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dumps = dir.path().join("dumps");
    std::fs::create_dir(&dumps).expect("dumps dir");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/sample");
    for dump in filmdex::dumps::Dump::ALL {
        let bytes = std::fs::read(sample.join(dump.file_name())).expect("sample dump");
        let kept = if dump == filmdex::dumps::Dump::TitleRatings {
            &bytes[..bytes.len() / 2]
        } else {
            &bytes[..]
        };
        std::fs::write(dumps.join(dump.file_name()), kept).expect("write");
    }
    let output = filmdex(
        dir.path(),
        &["build", "--datasets", dumps.to_str().expect("utf-8")],
    );
    assert_exit(
        &output,
        ExitKind::Data,
        "title.ratings.tsv.gz is truncated or corrupt",
    );
}

#[test]
fn an_unreachable_server_is_a_network_failure() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Port 9 on loopback: nothing listens, the connection is refused at once.
    let output = filmdex(
        dir.path(),
        &[
            "fetch",
            "--base-url",
            "http://127.0.0.1:9/",
            "--retries",
            "0",
        ],
    );
    assert_exit(&output, ExitKind::Network, "could not download");
}

#[test]
fn a_server_that_refuses_is_a_source_failure() {
    let server = FixtureServer::start(Vec::new(), Behaviour::NotFound);
    let dir = tempfile::tempdir().expect("temp dir");
    let output = filmdex(
        dir.path(),
        &["fetch", "--base-url", &server.base_url, "--retries", "0"],
    );
    assert_exit(&output, ExitKind::Source, "404");
}

#[test]
fn an_unknown_film_or_a_bad_criterion_on_the_command_line_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = sample_database(FeatureSet::Default);
    let db = database.to_str().expect("utf-8");
    let output = filmdex(dir.path(), &["similar", "no such film at all", "--db", db]);
    assert_exit(
        &output,
        ExitKind::Usage,
        "no film is called `no such film at all`",
    );
    let output = filmdex(dir.path(), &["similar", "tt0000001", "--db", db]);
    assert_exit(&output, ExitKind::Usage, "no film has film_id 1");
    let output = filmdex(
        dir.path(),
        &["recommend", "--like", "99785,nope nope", "--db", db],
    );
    assert_exit(&output, ExitKind::Usage, "no film is called `nope nope`");
    let output = filmdex(dir.path(), &["search", "star", "--title", "(", "--db", db]);
    assert_exit(&output, ExitKind::Usage, "title");
}

#[test]
fn serve_on_a_taken_address_is_busy_and_on_one_it_cannot_have_is_usage() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database = sample_database(FeatureSet::Default);
    let db = database.to_str().expect("utf-8");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = taken.local_addr().expect("its address").port().to_string();
    let output = filmdex(
        dir.path(),
        &["serve", "--db", db, "--host", "127.0.0.1", "--port", &port],
    );
    assert_exit(
        &output,
        ExitKind::Busy,
        &format!("listening on 127.0.0.1:{port}"),
    );
    // 192.0.2.1 is for documentation only: no machine has it, so it cannot be bound.
    let output = filmdex(
        dir.path(),
        &["serve", "--db", db, "--host", "192.0.2.1", "--port", "0"],
    );
    assert_exit(&output, ExitKind::Usage, "listening on 192.0.2.1:0");
}

#[test]
fn the_readme_lists_every_exit_code_with_its_name() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .expect("README.md");
    for kind in ExitKind::ALL {
        let entry = kind.entry();
        let row = format!("| {} | `{}` |", entry.code, entry.name);
        assert!(readme.contains(&row), "README.md has no row starting {row}");
    }
}
