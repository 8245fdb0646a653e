//! HTTP caching of the data routes: an ETag and `Cache-Control: no-cache` on every GET (and
//! HEAD) answer of films, similar films, search and recommendations, 304 to a matching
//! `If-None-Match`, none on errors or POST, and new tags after a reload to another build.

use axum::body::Body;
use axum::http::{header, Request};
use axum::Router;
use filmdex::serve::router;

use super::reload::replace_database;
use super::{app, config, franchises, get, post_json, send, state, top_rated, Reply};

const DATA_ROUTES: [&str; 4] = [
    "/film/99785",
    "/film/99785/similar/0.1",
    "/film/search?title=alone",
    "/recommend?like=99785",
];

async fn conditional(app: &Router, method: &str, uri: &str, etag: &str) -> Reply {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::IF_NONE_MATCH, etag)
        .body(Body::empty())
        .expect("a request");
    send(app, request).await
}

fn etag(reply: &Reply) -> String {
    reply
        .header("etag")
        .unwrap_or_else(|| panic!("no ETag: {reply:?}"))
        .to_owned()
}

#[tokio::test]
async fn every_data_route_carries_an_etag_and_answers_304_to_it() {
    let app = app();
    for uri in DATA_ROUTES {
        let first = get(&app, uri).await;
        assert_eq!(first.status, 200, "{uri}");
        let tag = etag(&first);
        assert!(tag.starts_with("W/\""), "{uri}: {tag}");
        assert_eq!(first.header("cache-control"), Some("no-cache"), "{uri}");
        assert_eq!(
            etag(&get(&app, uri).await),
            tag,
            "{uri}: the same tag again"
        );

        let again = conditional(&app, "GET", uri, &tag).await;
        assert_eq!(again.status, 304, "{uri}");
        assert!(again.body.is_empty(), "{uri}");
        assert_eq!(etag(&again), tag);
        assert_eq!(again.header("cache-control"), Some("no-cache"));

        let head = conditional(&app, "HEAD", uri, &tag).await;
        assert_eq!(head.status, 304, "{uri}");
        let other = conditional(&app, "GET", uri, "W/\"another\"").await;
        assert_eq!(other.status, 200, "{uri}");
        assert_eq!(other.body, first.body, "{uri}");
    }
}

#[tokio::test]
async fn head_answers_the_headers_of_get_without_a_body() {
    let app = app();
    let request = Request::head("/film/99785")
        .body(Body::empty())
        .expect("a request");
    let head = send(&app, request).await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(etag(&head), etag(&get(&app, "/film/99785").await));
}

#[tokio::test]
async fn urls_have_their_own_tags_and_a_tag_never_matches_another_url() {
    let app = app();
    let film = etag(&get(&app, "/film/99785").await);
    let sequel = etag(&get(&app, "/film/104431").await);
    assert_ne!(film, sequel);
    let page = etag(&get(&app, "/film/search?title=alone&limit=1").await);
    assert_ne!(page, etag(&get(&app, "/film/search?title=alone").await));
    let crossed = conditional(&app, "GET", "/film/104431", &film).await;
    assert_eq!(crossed.status, 200);
}

#[tokio::test]
async fn errors_and_posts_carry_no_tag() {
    let app = app();
    let tag = etag(&get(&app, "/film/99785").await);
    let missing = conditional(&app, "GET", "/film/1", &tag).await;
    missing.assert_error(404, "film_not_found");
    assert_eq!(missing.header("etag"), None);
    let invalid = get(&app, "/film/99785/similar/2").await;
    assert_eq!(invalid.status, 422);
    assert_eq!(invalid.header("etag"), None);
    let posted = post_json(&app, "/film/search", r#"{"title":"alone"}"#).await;
    assert_eq!(posted.status, 200);
    assert_eq!(posted.header("etag"), None);
    assert_eq!(posted.header("cache-control"), None);
}

#[tokio::test]
async fn a_reload_to_another_build_changes_every_tag() {
    let folder = tempfile::tempdir().expect("temp dir");
    let database = folder.path().join("films.duckdb");
    replace_database(franchises(), &database);
    let state = state(&config(&database));
    let app = router(state.clone());
    // Star Wars (1977): a film both builds hold (rated over 8).
    let uri = "/film/76759/similar/0";
    let before = etag(&get(&app, uri).await);

    // The same build loaded again keeps its tags: a reload alone invalidates nothing.
    state.reload().await.expect("the same file reloads");
    assert_eq!(etag(&get(&app, uri).await), before);

    replace_database(top_rated(), &database);
    state.reload().await.expect("the new build loads");
    let after = get(&app, uri).await;
    assert_ne!(etag(&after), before);
    let stale = conditional(&app, "GET", uri, &before).await;
    assert_eq!(stale.status, 200, "an old build's tag is not fresh");
    assert_eq!(stale.body, after.body);
}
