//! A build killed at any moment leaves usable outputs, and the next build finishes the job with
//! the same database as an uninterrupted build. Runs the real binary on the bundled sample.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::database_content as content;

fn filmdex(workdir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_filmdex"));
    command
        .arg("--workdir")
        .arg(workdir)
        .args(["--quiet", "build", "--sample", "--memory-limit", "1GB"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

#[test]
fn a_build_killed_at_any_moment_then_rerun_gives_the_same_database() {
    let reference = tempfile::tempdir().expect("temp dir");
    assert!(filmdex(reference.path())
        .status()
        .expect("run filmdex")
        .success());
    let expected = content(&reference.path().join("duckdb/films.duckdb"));
    assert!(expected.len() > 1000, "the sample makes a real database");

    let workdir = tempfile::tempdir().expect("temp dir");
    for delay_ms in [30, 150, 400, 900, 1_600, 2_500] {
        let mut child = filmdex(workdir.path()).spawn().expect("spawn filmdex");
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL: no chance to clean up
        let _ = child.wait();
        let database = workdir.path().join("duckdb/films.duckdb");
        if database.exists() {
            // Whatever the moment, the database in place opens and is whole.
            assert!(!content(&database).is_empty(), "killed after {delay_ms} ms");
        }
    }
    assert!(filmdex(workdir.path())
        .status()
        .expect("run filmdex")
        .success());
    assert_eq!(
        content(&workdir.path().join("duckdb/films.duckdb")),
        expected
    );
}
