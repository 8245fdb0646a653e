//! The original's clients: its four integration tests (the server is up; a film; its similar
//! films; the Star Wars search, posted to `/film/search/` as its test did), adapted to a
//! running filmdex over a real socket on the bundled sample, and the trailing-slash form of
//! every original route answering as the route does (FastAPI redirected it there).

use reqwest::{Client, Method, Response, StatusCode};
use serde_json::Value;
use tokio::net::TcpListener;

use filmdex::serve::serve;

use super::reload::http_client;
use super::sample::sample;
use super::{config, state};

/// The original test's search body, verbatim.
const STAR_WARS_SEARCH: &str = r#"{"title":"wars.*i","earliest_date":"1970-01-01","latest_date":"2020-01-01",
    "min_duration":60,"max_duration":240,"genre":"Adventure","genres":["Sci-Fi","Action"],
    "min_rating":3.2,"max_rating":10.0,"vote_count":300,"person":"Lucas",
    "persons":["George Lucas","John Williams"]}"#;

/// `filmdex serve` on the sample, on a port of its own, for the whole test.
struct Running {
    base: String,
    client: Client,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn start() -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve(listener, state(&config(sample())), async move {
        let _ = stopped.await;
    }));
    Running {
        base,
        client: http_client(),
        _stop: stop,
    }
}

impl Running {
    async fn send(&self, method: Method, path: &str, body: Option<&str>) -> Response {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        request.send().await.expect("an answer")
    }

    /// Status and JSON body.
    async fn json(&self, method: Method, path: &str, body: Option<&str>) -> (StatusCode, Value) {
        let response = self.send(method, path, body).await;
        let status = response.status();
        let bytes = response.bytes().await.expect("a body");
        let value = serde_json::from_slice(&bytes).unwrap_or_else(|error| {
            panic!(
                "{path}: not JSON ({error}): {}",
                String::from_utf8_lossy(&bytes)
            )
        });
        (status, value)
    }
}

fn first_id(films: &Value) -> Option<i64> {
    films.as_array()?.first()?["film_id"].as_i64()
}

#[tokio::test]
async fn the_server_is_up() {
    let server = start().await;
    let (status, body) = server.json(Method::GET, "/", None).await;
    assert_eq!(status, 200);
    assert_eq!(body, "Server is running.");
}

#[tokio::test]
async fn a_film_by_its_id() {
    let server = start().await;
    let (status, film) = server.json(Method::GET, "/film/99785", None).await;
    assert_eq!(status, 200);
    assert_eq!(film["film_id"], 99785);
    assert_eq!(film["title"], "Home Alone");
    assert_eq!(film["year"], "1990-01-01");
    assert_eq!(film["similarity"], 1.0);
    for field in ["duration", "genres", "rating", "vote_count", "persons"] {
        assert!(!film[field].is_null(), "{field}: {film}");
    }
}

#[tokio::test]
async fn the_similar_films_of_a_film() {
    let server = start().await;
    let (status, films) = server
        .json(Method::GET, "/film/99785/similar/0.1", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(first_id(&films), Some(104431), "Home Alone 2: {films}");
    let similarities: Vec<f64> = films
        .as_array()
        .expect("a list")
        .iter()
        .map(|film| film["similarity"].as_f64().expect("a similarity"))
        .collect();
    assert!(similarities.len() <= 10, "the original's page of 10");
    assert!(similarities.windows(2).all(|pair| pair[0] >= pair[1]));
    assert!(similarities.iter().all(|&similarity| similarity >= 0.1));
}

#[tokio::test]
async fn the_star_wars_search_posted_to_the_trailing_slash_form() {
    let server = start().await;
    let (status, films) = server
        .json(Method::POST, "/film/search/", Some(STAR_WARS_SEARCH))
        .await;
    assert_eq!(status, 200, "{films}");
    assert_eq!(
        first_id(&films),
        Some(2488496),
        "The Force Awakens: {films}"
    );
}

#[tokio::test]
async fn every_original_route_answers_the_same_with_a_trailing_slash() {
    let server = start().await;
    let routes: [(Method, &str, Option<&str>); 4] = [
        (Method::GET, "/film/99785", None),
        (Method::GET, "/film/99785/similar/0.1", None),
        (Method::GET, "/film/search?title=alone", None),
        (Method::POST, "/film/search", Some(STAR_WARS_SEARCH)),
    ];
    for (method, path, body) in routes {
        let slashed = match path.split_once('?') {
            Some((route, query)) => format!("{route}/?{query}"),
            None => format!("{path}/"),
        };
        let plain = server.send(method.clone(), path, body).await;
        let with_slash = server.send(method.clone(), &slashed, body).await;
        assert_eq!(with_slash.status(), plain.status(), "{method} {slashed}");
        assert_eq!(
            with_slash.headers().get("x-total-count"),
            plain.headers().get("x-total-count"),
            "{method} {slashed}"
        );
        let plain = plain.bytes().await.expect("a body");
        let with_slash = with_slash.bytes().await.expect("a body");
        assert_eq!(with_slash, plain, "{method} {slashed}");
    }
    // A route that never existed stays a 404 with or without the slash.
    let (status, _) = server.json(Method::GET, "/film/", None).await;
    assert_eq!(status, 404);
}
