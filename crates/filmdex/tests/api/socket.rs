//! Over real sockets: `serve` on port 0 in process, and the `filmdex serve` binary itself with
//! its start-up errors, SIGHUP and `--watch` reloads and SIGTERM shutdown.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use filmdex::serve::serve;
use tokio::net::TcpListener;

use super::reload::{http_client, replace_database};
use super::{config, franchises, state, top_rated};

#[tokio::test]
async fn the_server_answers_on_a_real_socket_and_stops_on_its_signal() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, state(&config(franchises())), async move {
        let _ = stopped.await;
    }));
    let client = http_client();
    let root = client
        .get(format!("{base}/"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(root.text().await.expect("a body"), "\"Server is running.\"");
    let film = client
        .get(format!("{base}/film/99785"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("an answer");
    assert_eq!(
        film.headers().get("content-encoding").map(|v| v.as_bytes()),
        Some(b"gzip".as_slice())
    );
    let search = client
        .post(format!("{base}/film/search"))
        .header("content-type", "application/json")
        .body(r#"{"title":"alone"}"#)
        .send()
        .await
        .expect("an answer");
    assert_eq!(search.headers()["x-total-count"], "2");
    let missing = client
        .get(format!("{base}/film/1"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(missing.status(), 404);
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("stops promptly")
        .expect("the server task")
        .expect("a clean shutdown");
}

/// The binary, killed when the test ends whatever happens.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `filmdex serve` on a free port and waits until it listens.
    fn start(database: &Path, extra: &[&str]) -> Server {
        let child = Command::new(env!("CARGO_BIN_EXE_filmdex"))
            .args(["serve", "--port", "0", "--no-rate-limit", "--db"])
            .arg(database)
            .args(extra)
            .env("NO_COLOR", "1")
            .env_remove("RUST_LOG")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("starting filmdex serve");
        Server::wait_until_listening(child)
    }

    /// Waits until a started `filmdex serve` logs where it listens.
    fn wait_until_listening(mut child: Child) -> Server {
        let stderr = child.stderr.take().expect("stderr");
        let (lines, logged) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let address = loop {
            let line = logged
                .recv_timeout(Duration::from_secs(30))
                .expect("the server logs where it listens");
            if let Some(rest) = line.split("serving http://").nth(1) {
                break rest.split('/').next().expect("host:port").to_owned();
            }
        };
        Server {
            child,
            base: format!("http://{address}"),
        }
    }

    async fn films(&self) -> u64 {
        let response = http_client()
            .get(format!("{}/readyz", self.base))
            .send()
            .await
            .expect("an answer");
        let ready: serde_json::Value =
            serde_json::from_slice(&response.bytes().await.expect("a body")).expect("JSON");
        ready["films"].as_u64().expect("a film count")
    }

    async fn wait_for_films(&self, films: u64) {
        let started = Instant::now();
        while self.films().await != films {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "never served {films} films"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status();
        assert!(status.expect("kill runs").success());
    }

    fn wait_for_exit(&mut self) -> std::process::ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("waiting") {
                return status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "the server did not stop"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn the_binary_raises_its_soft_open_file_limit_to_the_hard_limit() {
    // Started by a shell that lowers the soft limit first; `exec` keeps the process id.
    let hard = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| open_files(&limits, 1));
    let Some(hard) = hard.filter(|&hard| hard > 256) else {
        return; // no /proc, or a hard limit too low to lower the soft one under it
    };
    let child = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -Sn 256 && exec "$0" "$@""#)
        .arg(env!("CARGO_BIN_EXE_filmdex"))
        .args(["serve", "--port", "0", "--no-rate-limit", "--db"])
        .arg(franchises())
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("starting filmdex serve");
    let server = Server::wait_until_listening(child);
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", server.child.id()))
        .expect("the server's limits");
    assert_eq!(open_files(&limits, 0), Some(hard), "{limits}");
}

/// The soft (column 0) or hard (1) limit of "Max open files" in a /proc limits file.
fn open_files(limits: &str, column: usize) -> Option<u64> {
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .nth(column)?
        .parse()
        .ok()
}

#[test]
fn the_binary_refuses_a_missing_database_naming_the_build_command() {
    let folder = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_filmdex"))
        .args(["serve", "--port", "0", "--db"])
        .arg(folder.path().join("films.duckdb"))
        .output()
        .expect("running filmdex serve");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("does not exist") && stderr.contains("filmdex build"),
        "{stderr}"
    );
}

#[tokio::test]
async fn the_binary_reloads_on_sighup_refuses_a_broken_file_and_stops_on_sigterm() {
    let folder = tempfile::tempdir().expect("temp dir");
    let database = folder.path().join("films.duckdb");
    replace_database(franchises(), &database);
    let mut server = Server::start(&database, &[]);
    assert_eq!(server.films().await, 14);
    replace_database(top_rated(), &database);
    server.signal("HUP");
    server.wait_for_films(6).await;
    let garbage = folder.path().join("garbage");
    std::fs::write(&garbage, b"not a database").expect("a file");
    replace_database(&garbage, &database);
    server.signal("HUP");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(server.films().await, 6, "the old database keeps serving");
    server.signal("TERM");
    assert!(
        server.wait_for_exit().success(),
        "a graceful shutdown exits 0"
    );
}

#[tokio::test]
async fn the_binary_watches_the_file_for_new_builds() {
    let folder = tempfile::tempdir().expect("temp dir");
    let database = folder.path().join("films.duckdb");
    replace_database(franchises(), &database);
    let server = Server::start(&database, &["--watch"]);
    assert_eq!(server.films().await, 14);
    replace_database(top_rated(), &database);
    server.wait_for_films(6).await;
}
