//! Bad input of every kind never gives a 5xx, and every error is in the one shape: malformed and
//! huge bodies, wrong types, negative and overflowing ids, NaN and out-of-range thresholds,
//! catastrophic-backtracking patterns, unicode, very long strings, unknown routes and methods.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request};

use super::{app, get, post_json, send, Reply};

/// Any answer to bad input: a 2xx, or a 4xx in the error shape; never a 5xx.
fn assert_handled(reply: &Reply, what: &str) {
    assert!(
        !reply.status.is_server_error(),
        "{what}: {} {:?}",
        reply.status,
        reply.body
    );
    if reply.status.is_client_error() {
        let code = reply.json()["code"]
            .as_str()
            .map(str::to_owned)
            .expect("a code");
        reply.assert_error(reply.status.as_u16(), &code);
    }
}

#[tokio::test]
async fn malformed_bodies_are_400_and_wrong_shapes_422() {
    let app = app();
    for body in [
        "{",
        "{\"title\":}",
        "{\"title\": \"a\"",
        "nul",
        "\u{0}",
        "{\"title\":\"a\"} trailing",
    ] {
        post_json(&app, "/film/search", body)
            .await
            .assert_error(400, "invalid_body");
    }
    for body in [
        "[]",
        "42",
        "\"text\"",
        "null",
        r#"{"limit":"ten"}"#,
        r#"{"persons":"George Lucas"}"#,
        r#"{"year_from":1.5}"#,
    ] {
        post_json(&app, "/film/search", body)
            .await
            .assert_error(422, "invalid_body");
    }
}

#[tokio::test]
async fn integers_may_be_written_as_whole_floats_as_json_schema_allows() {
    let app = app();
    let reply = post_json(&app, "/film/search", r#"{"year_from":1.99e3,"limit":2.0}"#).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.titles().len(), 2);
    post_json(&app, "/film/search", r#"{"limit":1e30}"#)
        .await
        .assert_error(422, "invalid_body");
}

#[tokio::test]
async fn a_body_over_64_kb_is_413() {
    let app = app();
    let huge = format!(r#"{{"title":"{}"}}"#, "a".repeat(70 * 1024));
    post_json(&app, "/film/search", huge.clone())
        .await
        .assert_error(413, "body_too_large");
    // The same without a Content-Length: a stream that turns out too long.
    let chunks = futures_chunks(huge);
    let request = Request::post("/film/search")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(chunks))
        .expect("a request");
    send(&app, request)
        .await
        .assert_error(413, "body_too_large");
}

fn futures_chunks(
    text: String,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = text
        .into_bytes()
        .chunks(8192)
        .map(|c| Ok(c.to_vec()))
        .collect();
    futures_util::stream::iter(chunks)
}

#[tokio::test]
async fn a_wrong_content_type_is_415() {
    let request = Request::post("/film/search")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("title=star"))
        .expect("a request");
    send(&app(), request)
        .await
        .assert_error(415, "unsupported_media_type");
}

#[tokio::test]
async fn unknown_routes_and_methods_are_in_the_error_shape() {
    let app = app();
    get(&app, "/nope").await.assert_error(404, "not_found");
    get(&app, "/film").await.assert_error(404, "not_found");
    get(&app, "/film/1/similar")
        .await
        .assert_error(404, "not_found");
    let reply = send(
        &app,
        Request::delete("/film/99785")
            .body(Body::empty())
            .expect("a request"),
    )
    .await;
    reply.assert_error(405, "method_not_allowed");
    assert!(reply
        .header("allow")
        .is_some_and(|allow| allow.contains("GET")));
    post_json(&app, "/film/99785", "{}")
        .await
        .assert_error(405, "method_not_allowed");
    let put = Request::put("/film/search")
        .body(Body::empty())
        .expect("a request");
    send(&app, put)
        .await
        .assert_error(405, "method_not_allowed");
}

#[tokio::test]
async fn odd_ids_and_thresholds_are_422_never_500() {
    let app = app();
    let ids = [
        "-1",
        "0",
        "2147483647",
        "2147483648",
        "99999999999999999999",
        "1.5",
        "%F0%9F%8E%AC",
        "%FF",
        "%00",
        "1%20",
    ];
    for id in ids {
        let reply = get(&app, &format!("/film/{id}")).await;
        assert_handled(&reply, id);
        assert!(
            [404, 422].contains(&reply.status.as_u16()),
            "{id}: {}",
            reply.status
        );
    }
    let thresholds = [
        "NaN",
        "-0",
        "1e-400",
        "1e400",
        "-inf",
        "0.3.1",
        "%E2%88%9E",
        "0.30000000000000004",
    ];
    for threshold in thresholds {
        assert_handled(
            &get(&app, &format!("/film/99785/similar/{threshold}")).await,
            threshold,
        );
    }
    let queries = [
        "limit=-1",
        "limit=99999999999999999999",
        "offset=-5",
        "offset=1e3",
        "explain=1",
        "limit",
    ];
    for query in queries {
        let reply = get(&app, &format!("/film/99785/similar/0.2?{query}")).await;
        reply.assert_error(422, "invalid_parameter");
    }
}

#[tokio::test]
async fn catastrophic_patterns_run_in_linear_time() {
    let app = app();
    let started = Instant::now();
    for pattern in [
        "(a+)+$",
        "(a|aa)+$",
        "(.*a){20}",
        "^(a?){30}a{30}$",
        "(x+x+)+y",
    ] {
        let body = serde_json::json!({ "title": pattern, "person": pattern, "genre": pattern });
        assert_handled(
            &post_json(&app, "/film/search", body.to_string()).await,
            pattern,
        );
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let big = serde_json::json!({ "title": r"\w{500}\w{500}" });
    post_json(&app, "/film/search", big.to_string())
        .await
        .assert_error(422, "invalid_regex");
    let long = serde_json::json!({ "title": "a".repeat(1001) });
    post_json(&app, "/film/search", long.to_string())
        .await
        .assert_error(422, "invalid_regex");
    let nested = serde_json::json!({ "title": format!("{}a{}", "(".repeat(200), ")".repeat(200)) });
    post_json(&app, "/film/search", nested.to_string())
        .await
        .assert_error(422, "invalid_regex");
}

#[tokio::test]
async fn unicode_and_long_strings_are_ordinary_input() {
    let app = app();
    let body = serde_json::json!({ "title": "m\u{f6}rder|東京|🎬", "persons": ["Émile \u{0}", "x".repeat(30_000)] });
    assert_handled(
        &post_json(&app, "/film/search", body.to_string()).await,
        "unicode",
    );
    let body = serde_json::json!({ "title": "^m$" });
    assert_eq!(
        post_json(&app, "/film/search", body.to_string())
            .await
            .titles(),
        ["M"]
    );
    let long_query = format!("/film/search?person={}", "%C3%A9".repeat(5000));
    assert_handled(&get(&app, &long_query).await, "long query");
    assert_handled(
        &get(&app, "/film/search?title=%FF%FE").await,
        "invalid utf-8 in a query",
    );
    assert_handled(&get(&app, "/film/search?title=a&&&=&").await, "empty pairs");
}

#[tokio::test]
async fn numbers_at_the_edges_of_their_types() {
    let app = app();
    let bodies = [
        r#"{"vote_count":9223372036854775807,"min_duration":-9223372036854775808}"#,
        r#"{"vote_count":9223372036854775808}"#,
        r#"{"min_rating":1e308,"max_rating":-1e308}"#,
        r#"{"min_rating":1e999}"#,
        r#"{"year_from":2147483648}"#,
        r#"{"year_from":-5}"#,
        r#"{"offset":9223372036854775807}"#,
        r#"{"limit":-9223372036854775808}"#,
    ];
    for body in bodies {
        assert_handled(&post_json(&app, "/film/search", body).await, body);
    }
    let reply = post_json(
        &app,
        "/film/search",
        r#"{"offset":9223372036854775807,"limit":5}"#,
    )
    .await;
    assert_eq!(
        (reply.status.as_u16(), reply.header("x-total-count")),
        (200, Some("14"))
    );
}
