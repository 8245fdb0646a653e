//! Reloading without downtime, in process: swapping databases while requests run over a real
//! socket drops none of them, and a broken new file is refused while the old one keeps serving.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use filmdex::serve::{router, serve, AppState};
use tokio::net::TcpListener;

use super::{config, franchises, get, state, top_rated};

/// Puts a copy of `source` at `target` the way a build does: written beside it, renamed over it.
pub fn replace_database(source: &Path, target: &Path) {
    let partial = target.with_extension("partial");
    std::fs::copy(source, &partial).expect("copying a database");
    std::fs::rename(&partial, target).expect("renaming it into place");
}

pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("an HTTP client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swapping_databases_under_load_drops_no_request() {
    let folder = tempfile::tempdir().expect("temp dir");
    let database = folder.path().join("films.duckdb");
    replace_database(franchises(), &database);
    let state = state(&config(&database));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let url = format!(
        "http://{}/film/search?limit=3",
        listener.local_addr().expect("an address")
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, state.clone(), async move {
        let _ = stopped.await;
    }));

    let done = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (client, url, done) = (http_client(), url.clone(), Arc::clone(&done));
            tokio::spawn(async move {
                let mut totals = Vec::new();
                while !done.load(Ordering::Relaxed) {
                    let response = client
                        .get(&url)
                        .send()
                        .await
                        .expect("no request is dropped");
                    assert_eq!(response.status(), 200);
                    let total = response.headers()["x-total-count"]
                        .to_str()
                        .expect("ascii")
                        .to_owned();
                    let body = response.bytes().await.expect("a whole body");
                    let films: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
                    assert!(films.as_array().is_some_and(|films| films.len() == 3));
                    totals.push(total);
                }
                totals
            })
        })
        .collect();
    for round in 0..6 {
        let source = if round % 2 == 0 {
            top_rated()
        } else {
            franchises()
        };
        replace_database(source, &database);
        state.reload().await.expect("a good database reloads");
    }
    done.store(true, Ordering::Relaxed);
    let mut totals = Vec::new();
    for worker in workers {
        totals.extend(worker.await.expect("a worker"));
    }
    assert!(
        totals.iter().all(|total| total == "14" || total == "6"),
        "{totals:?}"
    );
    assert!(totals.len() >= 4, "{} requests", totals.len());
    let _ = stop.send(());
    server
        .await
        .expect("the server task")
        .expect("a clean shutdown");
    assert_eq!(
        state.snapshot().films().len(),
        14,
        "the last swap is served"
    );
}

#[tokio::test]
async fn a_broken_new_file_is_refused_and_the_old_one_keeps_serving() {
    let folder = tempfile::tempdir().expect("temp dir");
    let database = folder.path().join("films.duckdb");
    replace_database(franchises(), &database);
    let state = state(&config(&database));
    let app = router(state.clone());
    let garbage = folder.path().join("garbage");
    std::fs::write(&garbage, b"this is not a database").expect("a file");
    replace_database(&garbage, &database);
    let error = state.reload().await.expect_err("refused");
    assert!(format!("{error:#}").contains("filmdex build"), "{error:#}");
    std::fs::remove_file(&database).expect("removing the file");
    assert!(
        state.reload().await.is_err(),
        "a missing file is refused too"
    );
    assert_eq!(get(&app, "/readyz").await.json()["films"], 14);
    assert_eq!(get(&app, "/film/99785").await.status, 200);
    let metrics = String::from_utf8(get(&app, "/metrics").await.body.to_vec()).expect("text");
    assert!(
        metrics.contains(r#"filmdex_reloads_total{result="failed"} 2"#),
        "{metrics}"
    );
}

/// Writes at `path` a copy of the franchise database with no films: a valid filmdex database,
/// as a build whose filters keep nothing makes, with nothing to serve.
fn write_empty_database(path: &Path) {
    std::fs::copy(franchises(), path).expect("copying a database");
    let connection =
        filmdex::duck::open_in_memory(&filmdex::duck::DuckSettings::default()).expect("DuckDB");
    let file = filmdex::duck::string_literal(&path.display().to_string());
    connection
        .execute_batch(&format!(
            "ATTACH {file} AS target; DELETE FROM target.films_cos_sim; \
             DELETE FROM target.films; \
             UPDATE target.filmdex_meta SET value = '0' WHERE key IN ('films', 'pairs'); \
             DETACH target;"
        ))
        .expect("emptying the database");
}

#[tokio::test]
async fn an_empty_new_database_is_refused_and_the_old_one_keeps_serving() {
    let folder = tempfile::tempdir().expect("temp dir");
    let database = folder.path().join("films.duckdb");
    replace_database(franchises(), &database);
    let state = state(&config(&database));
    let app = router(state.clone());
    let empty = folder.path().join("empty.duckdb");
    write_empty_database(&empty);
    replace_database(&empty, &database);
    let error = format!("{:#}", state.reload().await.expect_err("refused"));
    assert!(
        error.contains("has no films") && error.contains("filmdex build"),
        "{error}"
    );
    assert_eq!(get(&app, "/readyz").await.json()["films"], 14);
    assert_eq!(get(&app, "/film/99785").await.status, 200);
    let metrics = String::from_utf8(get(&app, "/metrics").await.body.to_vec()).expect("text");
    assert!(
        metrics.contains(r#"filmdex_reloads_total{result="failed"} 1"#),
        "{metrics}"
    );

    // A server does not start on it either, with the same message.
    let message = format!(
        "{:#}",
        AppState::load(&config(&database))
            .err()
            .expect("refused at start-up")
    );
    assert!(
        message.contains("has no films") && message.contains("filmdex build"),
        "{message}"
    );
}
