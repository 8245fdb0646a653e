//! Shards on object storage: a real S3-compatible server (moto, from PyPI) started on
//! 127.0.0.1, the films table read from a bucket, parts and manifests written there, a complete
//! shard skipped from another machine's workdir, a missing shard named, credentials errors
//! worded for the user.
//!
//! moto_server is found through FILMDEX_MOTO_SERVER, then ~/.cache/filmdex-moto/bin, then
//! PATH (`scripts/install_moto.sh` installs it; `.ci/run` does and sets FILMDEX_REQUIRE_MOTO=1,
//! so that there a missing server fails instead of skipping).

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::shards::{failed, filmdex_build_command, films_and_pairs, succeeded};

const BUCKET: &str = "filmdex-test";

/// A moto S3 server on a free port of 127.0.0.1, stopped when dropped.
struct Moto {
    child: Child,
    port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto_binary() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("FILMDEX_MOTO_SERVER") {
        return Some(PathBuf::from(path));
    }
    let home = std::env::var("HOME").unwrap_or_default();
    let cached = Path::new(&home).join(".cache/filmdex-moto/bin/moto_server");
    if cached.is_file() {
        return Some(cached);
    }
    std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .map(|dir| Path::new(dir).join("moto_server"))
        .find(|path| path.is_file())
}

/// Starts moto, or says why the test is skipped (a failure where moto is required).
/// `check_keys` makes it refuse every key (it knows none), before creating any bucket.
fn start_moto(check_keys: bool) -> Option<Moto> {
    let Some(binary) = moto_binary() else {
        assert!(
            std::env::var("FILMDEX_REQUIRE_MOTO").is_err(),
            "moto_server not found and FILMDEX_REQUIRE_MOTO is set: run scripts/install_moto.sh"
        );
        eprintln!("SKIPPED: moto_server not found; run scripts/install_moto.sh to run this test");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let mut command = Command::new(&binary);
    command
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if check_keys {
        command.env("INITIAL_NO_AUTH_ACTION_COUNT", "0");
    }
    let child = command.spawn().expect("start moto_server");
    let moto = Moto { child, port };
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "moto_server did not listen on {port} within 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    if check_keys {
        return Some(moto);
    }
    // Without key checks moto takes plain (unsigned) requests: they create the bucket.
    let client = reqwest::blocking::Client::new();
    let created = client
        .put(format!("http://127.0.0.1:{port}/{BUCKET}"))
        .send()
        .expect("create the bucket");
    assert!(created.status().is_success(), "{:?}", created.status());
    Some(moto)
}

impl Moto {
    fn put(&self, key: &str, body: Vec<u8>) {
        let response = reqwest::blocking::Client::new()
            .put(format!("http://127.0.0.1:{}/{BUCKET}/{key}", self.port))
            .body(body)
            .send()
            .expect("put an object");
        assert!(response.status().is_success(), "{:?}", response.status());
    }

    fn keys(&self, prefix: &str) -> Vec<String> {
        let text = reqwest::blocking::Client::new()
            .get(format!(
                "http://127.0.0.1:{}/{BUCKET}?list-type=2&prefix={prefix}",
                self.port
            ))
            .send()
            .and_then(|response| response.text())
            .expect("list the bucket");
        text.split("<Key>")
            .skip(1)
            .filter_map(|part| part.split_once("</Key>").map(|(key, _)| key.to_owned()))
            .collect()
    }
}

/// `filmdex build <args>` in `workdir` as a machine with S3 credentials for moto would run it;
/// `env` overrides them (an empty value removes the variable).
fn filmdex_s3(moto_port: u16, workdir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = filmdex_build_command(workdir, args);
    for (key, _) in std::env::vars() {
        if key.starts_with("AWS_") {
            command.env_remove(key);
        }
    }
    command
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{moto_port}"))
        .env("AWS_ALLOW_HTTP", "true")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing");
    for (key, value) in env {
        if value.is_empty() {
            command.env_remove(key);
        } else {
            command.env(key, value);
        }
    }
    command.output().expect("run filmdex")
}

#[test]
fn shards_read_films_from_a_bucket_and_load_merges_them_from_there() {
    let Some(moto) = start_moto(false) else {
        return;
    };
    let port = moto.port;
    // One machine prepares the films table and shares it in the bucket.
    let main = tempfile::tempdir().expect("temp dir");
    succeeded(
        &crate::shards::filmdex_build(main.path(), &[]),
        "the single-process build",
    );
    let expected = films_and_pairs(&main.path().join("duckdb/films.duckdb"));
    let films = std::fs::read(main.path().join("output/films/films.parquet")).expect("films");
    moto.put("run/films.parquet", films);
    let films_url = format!("s3://{BUCKET}/run/films.parquet");
    let pairs_url = format!("s3://{BUCKET}/run/pairs");

    // Each shard runs in a workdir of its own, as on separate machines.
    for shard in ["0/3", "1/3", "2/3"] {
        let machine = tempfile::tempdir().expect("temp dir");
        let args = [
            "similarity",
            "--shard",
            shard,
            "--films",
            &films_url,
            "--pairs",
            &pairs_url,
        ];
        let out = succeeded(&filmdex_s3(port, machine.path(), &args, &[]), shard);
        assert!(out.contains(&format!("similarity[{shard}]")), "{out}");
        assert!(!out.contains("prep"), "--films needs no prep: {out}");
    }
    let keys = moto.keys("run/pairs/");
    for index in 0..3 {
        let manifest = format!("run/pairs/part-{index:04}-of-0003.json");
        assert!(keys.contains(&manifest), "{manifest} in {keys:?}");
    }

    // A shard rerun anywhere finds its manifest in the bucket and is skipped.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let args = [
        "similarity",
        "--shard",
        "1/3",
        "--films",
        &films_url,
        "--pairs",
        &pairs_url,
    ];
    let again = succeeded(
        &filmdex_s3(port, elsewhere.path(), &args, &[]),
        "rerun of 1/3",
    );
    assert!(
        again
            .lines()
            .any(|l| l.contains("similarity[1/3]") && l.contains("skipped")),
        "{again}"
    );

    succeeded(
        &filmdex_s3(port, main.path(), &["load", "--pairs", &pairs_url], &[]),
        "load --pairs s3://",
    );
    assert!(
        films_and_pairs(&main.path().join("duckdb/films.duckdb")) == expected,
        "the shards merged from the bucket differ from the single process"
    );

    // A set with a shard missing is refused, naming it.
    let partial_url = format!("s3://{BUCKET}/run/partial");
    let args = [
        "similarity",
        "--shard",
        "1/2",
        "--films",
        &films_url,
        "--pairs",
        &partial_url,
    ];
    succeeded(&filmdex_s3(port, elsewhere.path(), &args, &[]), "shard 1/2");
    let error = failed(
        &filmdex_s3(port, main.path(), &["load", "--pairs", &partial_url], &[]),
        "load of 1 shard out of 2",
    );
    assert!(error.contains("1 of 2 shards are missing: 0/2"), "{error}");
    assert!(error.contains(&partial_url), "{error}");
}

#[test]
fn credential_errors_say_which_variables_to_set() {
    // This server checks signatures against the keys it knows; "testing" is not one of them.
    let Some(moto) = start_moto(true) else {
        return;
    };
    let machine = tempfile::tempdir().expect("temp dir");
    let films_url = format!("s3://{BUCKET}/run/films.parquet");
    let pairs_url = format!("s3://{BUCKET}/run/pairs");
    let args = [
        "similarity",
        "--shard",
        "0/2",
        "--films",
        &films_url,
        "--pairs",
        &pairs_url,
    ];
    let refused = failed(
        &filmdex_s3(moto.port, machine.path(), &args, &[]),
        "a shard with refused keys",
    );
    assert!(refused.contains(&films_url), "{refused}");
    assert!(
        refused.contains("AWS_ACCESS_KEY_ID") && refused.contains("AWS_SECRET_ACCESS_KEY"),
        "{refused}"
    );

    // No keys at all, and no instance metadata service to ask (a closed local port).
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a port")
        .port();
    let metadata = format!("http://127.0.0.1:{closed}");
    let missing = failed(
        &filmdex_s3(
            moto.port,
            machine.path(),
            &args,
            &[
                ("AWS_ACCESS_KEY_ID", ""),
                ("AWS_SECRET_ACCESS_KEY", ""),
                ("AWS_METADATA_ENDPOINT", &metadata),
            ],
        ),
        "a shard without keys",
    );
    assert!(missing.contains("AWS_ACCESS_KEY_ID"), "{missing}");
}
