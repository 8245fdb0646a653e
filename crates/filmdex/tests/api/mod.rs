//! The HTTP API, through the router (`tower::ServiceExt::oneshot`) and over real sockets, on
//! databases built by the real pipeline: from `fixtures/franchises` (real films whose neighbours
//! the original recorded) and from the bundled sample. Each database is built once per test
//! binary.

mod bad_input;
mod caching;
mod connections;
mod docs;
mod films;
mod original_clients;
mod paging;
mod rate_limit;
mod recommend;
mod reload;
mod sample;
mod search;
mod socket;
mod system;
mod text_search;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use filmdex::config::{BuildConfig, DatasetSource, ServeConfig, ServeLimits};
use filmdex::serve::{router, AppState};
use serde_json::Value;
use tower::ServiceExt;

use crate::support;

/// A built database, kept for the whole test run.
pub struct Database {
    pub path: PathBuf,
}

/// The franchise fixture's database (14 films).
pub fn franchises() -> &'static Path {
    static DATABASE: OnceLock<Database> = OnceLock::new();
    &DATABASE
        .get_or_init(|| build_database("franchises", franchise_dumps(), |_| {}))
        .path
}

/// The franchise fixture built with `--min-rating 8` (6 films), to swap with `franchises`.
pub fn top_rated() -> &'static Path {
    static DATABASE: OnceLock<Database> = OnceLock::new();
    let only_top_rated = |config: &mut BuildConfig| config.prep.min_rating = 8.0;
    &DATABASE
        .get_or_init(|| build_database("top-rated", franchise_dumps(), only_top_rated))
        .path
}

fn franchise_dumps() -> DatasetSource {
    DatasetSource::Folder(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api/fixtures/franchises"),
    )
}

/// Builds a database with the real pipeline in a work folder of its own.
pub fn build_database(
    name: &str,
    source: DatasetSource,
    edit: impl FnOnce(&mut BuildConfig),
) -> Database {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"));
    remove_stale_workdirs(root);
    // Kept until the process ends (a static is never dropped); stale ones go at the next run.
    let workdir = tempfile::Builder::new()
        .prefix(&format!("api-{name}-"))
        .tempdir_in(root)
        .expect("temp dir")
        .keep();
    let mut config = support::config(&workdir, source);
    edit(&mut config);
    support::build(&config).expect("building the test database");
    Database {
        path: config.layout.database(),
    }
}

/// Work folders of earlier runs, older than an hour (never those of a run going on now).
fn remove_stale_workdirs(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|metadata| metadata.modified())
            .ok()
            .and_then(|modified| SystemTime::now().duration_since(modified).ok())
            .is_some_and(|age| age > Duration::from_secs(3600));
        if old && entry.file_name().to_string_lossy().starts_with("api-") {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Serving settings for tests: no rate limit, no CORS, no proxies.
pub fn config(database: &Path) -> ServeConfig {
    ServeConfig {
        database: database.to_path_buf(),
        bind: "127.0.0.1:0".into(),
        watch: false,
        cors_origins: Vec::new(),
        trusted_proxies: Vec::new(),
        rate_limits: None,
        limits: ServeLimits::default(),
        metrics_bind: None,
    }
}

pub fn state(config: &ServeConfig) -> AppState {
    AppState::load(config).expect("loading the test database")
}

/// The router of a database, rate limiting off.
pub fn router_for(database: &Path) -> Router {
    router(state(&config(database)))
}

/// The franchise database's router, rate limiting off.
pub fn app() -> Router {
    router(state(&config(franchises())))
}

/// An answer, with its body read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "not JSON ({error}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|value| value.to_str().expect("an ASCII header"))
    }

    /// The titles of a list of films.
    pub fn titles(&self) -> Vec<String> {
        let films = self.json();
        let films = films.as_array().expect("a list of films");
        films
            .iter()
            .map(|film| film["title"].as_str().expect("a title").to_owned())
            .collect()
    }

    /// Asserts the one error shape: the status, the code, a message, the request id of the header.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(
            self.status.as_u16(),
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(self.header("content-type"), Some("application/json"));
        let body = self.json();
        let fields: Vec<&String> = body.as_object().expect("an object").keys().collect();
        assert_eq!(fields, ["code", "message", "request_id"], "{body}");
        assert_eq!(body["code"], code, "{body}");
        assert!(!body["message"].as_str().expect("a message").is_empty());
        assert_eq!(
            body["request_id"].as_str(),
            self.header("x-request-id"),
            "{body}"
        );
    }
}

pub async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app
        .clone()
        .oneshot(request)
        .await
        .expect("the router never fails");
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .expect("a readable body");
    Reply {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

pub async fn get(app: &Router, uri: &str) -> Reply {
    send(
        app,
        Request::get(uri).body(Body::empty()).expect("a request"),
    )
    .await
}

pub async fn post_json(app: &Router, uri: &str, body: impl Into<Body>) -> Reply {
    let request = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .expect("a request");
    send(app, request).await
}

/// The field names of a JSON object; `what` names it when it is not an object.
pub fn keys<'a>(value: &'a Value, what: &str) -> BTreeSet<&'a str> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("{what} is not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect()
}
