//! `--log-format json`: every line the binary writes to stderr is one JSON object, for `build`
//! and for `serve` (with its request lines), and a failure ends with a JSON line too.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// Each line as a JSON object with a timestamp, a level and a message.
fn json_lines(stderr: &str) -> Vec<Value> {
    stderr
        .lines()
        .map(|line| {
            let value: Value = serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("not one JSON object ({error}): {line}"));
            for field in ["timestamp", "level", "message"] {
                assert!(value.get(field).is_some(), "no {field}: {line}");
            }
            value
        })
        .collect()
}

#[test]
fn build_logs_one_json_object_per_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_filmdex"))
        .args([
            "--log-format",
            "json",
            "build",
            "--sample",
            "fetch:title.ratings",
        ])
        .arg("--workdir")
        .arg(dir.path())
        .env_remove("RUST_LOG")
        .output()
        .expect("running filmdex");
    assert!(output.status.success(), "{output:?}");
    let lines = json_lines(&String::from_utf8_lossy(&output.stderr));
    assert!(!lines.is_empty(), "the build logged nothing");
}

#[test]
fn a_failure_in_json_mode_ends_with_a_json_line_naming_the_exit_code() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_filmdex"))
        .args(["fetch", "--log-format", "json", "--retries", "1"])
        .args(["--base-url", "http://127.0.0.1:9/"])
        .arg("--workdir")
        .arg(dir.path())
        .env_remove("RUST_LOG")
        .output()
        .expect("running filmdex");
    assert_eq!(output.status.code(), Some(5));
    let lines = json_lines(&String::from_utf8_lossy(&output.stderr));
    assert!(
        lines
            .iter()
            .any(|line| line["message"] == "download failed, retrying"),
        "{lines:?}"
    );
    let last = lines.last().expect("a line");
    assert_eq!(last["level"], "ERROR");
    assert_eq!(last["exit_code"], 5);
    assert_eq!(last["exit_kind"], "network");
    assert!(last["error"]
        .as_str()
        .is_some_and(|error| error.contains("could not download")));
}

#[test]
fn serve_logs_one_json_object_per_line_with_the_request_fields() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_filmdex"))
        .args(["serve", "--log-format", "json", "--port", "0", "--db"])
        .arg(crate::api::franchises())
        .env_remove("RUST_LOG")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("starting filmdex serve");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut before = String::new();
    let address = loop {
        let mut line = String::new();
        let read = stderr.read_line(&mut line).expect("a line");
        assert!(read > 0, "the server ended before listening: {before}");
        let logged = &json_lines(&line)[0];
        before.push_str(&line);
        let message = logged["message"].as_str().expect("a message");
        if let Some(rest) = message.split("serving http://").nth(1) {
            break rest.split('/').next().expect("host:port").to_owned();
        }
    };
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream
        .write_all(b"GET /film/99785 HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .expect("request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let mut rest = String::new();
    stderr
        .read_to_string(&mut rest)
        .expect("the remaining lines");
    let _ = child.wait();
    let lines = json_lines(&rest);
    let request = lines
        .iter()
        .find(|line| line["message"] == "request")
        .unwrap_or_else(|| panic!("no request line: {rest}"));
    assert_eq!(request["path"], "/film/99785");
    assert_eq!(request["status"], 200);
    assert_eq!(request["method"], "GET");
}
