//! Around the API: health, readiness, metrics, request ids, gzip, CORS, and the load errors that
//! name the build command.

use axum::body::Body;
use axum::http::Request;
use filmdex::serve::{router, AppState};

use super::{app, config, franchises, get, send, state};

#[tokio::test]
async fn health_and_readiness() {
    let app = app();
    assert_eq!(
        get(&app, "/healthz").await.json(),
        serde_json::json!({"status": "ok"})
    );
    let ready = get(&app, "/readyz").await.json();
    assert_eq!(
        (ready["status"].as_str(), ready["films"].as_u64()),
        (Some("ready"), Some(14))
    );
    assert_eq!(ready["feature_set"], "default");
}

#[tokio::test]
async fn readiness_fails_once_shutdown_begins() {
    let state = state(&config(franchises()));
    let app = router(state.clone());
    state.begin_shutdown();
    get(&app, "/readyz").await.assert_error(503, "not_ready");
    assert_eq!(get(&app, "/healthz").await.status, 200);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = app();
    get(&app, "/film/99785").await;
    get(&app, "/film/12345").await;
    get(&app, "/no/such/route").await;
    let reply = get(&app, "/metrics").await;
    assert_eq!(reply.status, 200);
    assert!(reply
        .header("content-type")
        .is_some_and(|ct| ct.starts_with("text/plain")));
    let text = String::from_utf8(reply.body.to_vec()).expect("text");
    for expected in [
        r#"filmdex_http_requests_total{method="GET",route="/film/{film_id}",status="200"} 1"#,
        r#"filmdex_http_requests_total{method="GET",route="/film/{film_id}",status="404"} 1"#,
        r#"filmdex_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
        r#"filmdex_http_request_duration_seconds_count{method="GET",route="/film/{film_id}"} 2"#,
        "filmdex_films 14",
        "# TYPE filmdex_database_built_timestamp_seconds gauge",
        r#"filmdex_reloads_total{result="ok"} 0"#,
    ] {
        assert!(text.contains(expected), "missing {expected} in\n{text}");
    }
    let built = text
        .lines()
        .find_map(|line| line.strip_prefix("filmdex_database_built_timestamp_seconds "))
        .and_then(|value| value.parse::<f64>().ok())
        .expect("a build time");
    assert!(built > 1.7e9, "a recent unix time: {built}");
}

#[tokio::test]
async fn request_ids_are_kept_or_made() {
    let app = app();
    let made = get(&app, "/film/99785").await;
    let id = made.header("x-request-id").expect("an id");
    assert!(!id.is_empty());
    assert_ne!(
        get(&app, "/film/99785").await.header("x-request-id"),
        Some(id),
        "a new id per request"
    );
    let request = Request::get("/film/1")
        .header("x-request-id", "trace-42")
        .body(Body::empty());
    let kept = send(&app, request.expect("a request")).await;
    kept.assert_error(404, "film_not_found");
    assert_eq!(kept.json()["request_id"], "trace-42");
    let request = Request::get("/")
        .header("x-request-id", "bad id with spaces")
        .body(Body::empty());
    let replaced = send(&app, request.expect("a request")).await;
    assert_ne!(replaced.header("x-request-id"), Some("bad id with spaces"));
}

#[tokio::test]
async fn answers_are_gzipped_when_asked() {
    let request = Request::get("/film/search?limit=1000")
        .header("accept-encoding", "gzip")
        .body(Body::empty());
    let reply = send(&app(), request.expect("a request")).await;
    assert_eq!(reply.header("content-encoding"), Some("gzip"));
    let mut json = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&reply.body[..]),
        &mut json,
    )
    .expect("gzip");
    let films: serde_json::Value = serde_json::from_slice(&json).expect("json");
    assert_eq!(films.as_array().map(Vec::len), Some(14));
    let plain = get(&app(), "/film/search?limit=1000").await;
    assert!(plain.header("content-encoding").is_none());
}

#[tokio::test]
async fn errors_are_gzipped_whole() {
    let request = Request::get("/film/1")
        .header("accept-encoding", "gzip")
        .body(Body::empty());
    let reply = send(&app(), request.expect("a request")).await;
    assert_eq!(reply.status, 404);
    let body = if reply.header("content-encoding") == Some("gzip") {
        let mut json = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&reply.body[..]),
            &mut json,
        )
        .expect("gzip");
        json
    } else {
        reply.body.to_vec()
    };
    let body: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(body["code"], "film_not_found");
}

#[tokio::test]
async fn cors_is_off_by_default_and_on_for_configured_origins() {
    let request = || {
        Request::get("/film/99785")
            .header("origin", "https://films.example")
            .body(Body::empty())
            .expect("a request")
    };
    let off = send(&app(), request()).await;
    assert!(off.header("access-control-allow-origin").is_none());
    let mut with_cors = config(franchises());
    with_cors.cors_origins = vec!["https://films.example".into()];
    let app = router(state(&with_cors));
    let on = send(&app, request()).await;
    assert_eq!(
        on.header("access-control-allow-origin"),
        Some("https://films.example")
    );
    assert!(on
        .header("access-control-expose-headers")
        .is_some_and(|h| h.contains("x-total-count")));
    let preflight = Request::options("/film/search")
        .header("origin", "https://films.example")
        .header("access-control-request-method", "POST")
        .body(Body::empty())
        .expect("a request");
    assert_eq!(send(&app, preflight).await.status, 200);
}

#[test]
fn bad_settings_and_databases_are_refused_with_a_clear_error() {
    let mut bad_cors = config(franchises());
    bad_cors.cors_origins = vec!["https://a\nb".into()];
    assert!(AppState::load(&bad_cors).is_err());
    let mut bad_proxy = config(franchises());
    bad_proxy.trusted_proxies = vec!["10.0.0.0/99".into()];
    assert!(AppState::load(&bad_proxy).is_err());

    let folder = tempfile::tempdir().expect("temp dir");
    let missing = folder.path().join("films.duckdb");
    let message = format!(
        "{:#}",
        AppState::load(&config(&missing)).err().expect("missing")
    );
    assert!(
        message.contains("does not exist") && message.contains("filmdex build"),
        "{message}"
    );
    std::fs::write(&missing, b"").expect("an empty file");
    let message = format!(
        "{:#}",
        AppState::load(&config(&missing)).err().expect("empty")
    );
    assert!(
        message.contains("is empty") && message.contains("filmdex build"),
        "{message}"
    );
    std::fs::write(&missing, b"not a database at all").expect("a text file");
    let message = format!(
        "{:#}",
        AppState::load(&config(&missing)).err().expect("not duckdb")
    );
    assert!(message.contains("filmdex build"), "{message}");
}

#[test]
fn databases_of_another_version_or_without_metadata_are_refused() {
    let folder = tempfile::tempdir().expect("temp dir");
    let old = folder.path().join("old.duckdb");
    std::fs::copy(franchises(), &old).expect("a copy");
    change_database(
        &old,
        "UPDATE target.filmdex_meta SET value = '999' WHERE key = 'schema_version'",
    );
    let message = format!(
        "{:#}",
        AppState::load(&config(&old))
            .err()
            .expect("another version")
    );
    assert!(
        message.contains("version 999") && message.contains("filmdex build"),
        "{message}"
    );

    let bare = folder.path().join("bare.duckdb");
    change_database(&bare, "CREATE TABLE target.films (film_id INTEGER)");
    let message = format!(
        "{:#}",
        AppState::load(&config(&bare)).err().expect("no metadata")
    );
    assert!(
        message.contains("not a filmdex database") && message.contains("filmdex build"),
        "{message}"
    );
}

/// Runs `sql` on the database file at `path` (created if missing), attached as `target`.
fn change_database(path: &std::path::Path, sql: &str) {
    let connection =
        filmdex::duck::open_in_memory(&filmdex::duck::DuckSettings::default()).expect("DuckDB");
    let file = filmdex::duck::string_literal(&path.display().to_string());
    connection
        .execute_batch(&format!("ATTACH {file} AS target; {sql}; DETACH target;"))
        .expect("changing the database");
}
