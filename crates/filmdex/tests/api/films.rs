//! The original's routes and expectations: the root string, a film by id, similar films in order
//! with their similarity, and filmdex's fixes (symmetry, `[]` instead of 404, explanations).

use axum::body::Body;
use axum::http::Request;
use serde_json::json;

use super::{app, get, send};

#[tokio::test]
async fn the_root_says_the_server_is_running() {
    let reply = get(&app(), "/").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), json!("Server is running."));
}

#[tokio::test]
async fn browsers_at_the_root_go_to_the_web_page() {
    let request = Request::get("/")
        .header("accept", "text/html,application/xhtml+xml")
        .body(Body::empty());
    let reply = send(&app(), request.expect("a request")).await;
    assert_eq!(reply.status, 303);
    assert_eq!(reply.header("location"), Some("/ui/"));
}

#[tokio::test]
async fn a_film_by_id_has_the_original_fields_and_more() {
    let reply = get(&app(), "/film/99785").await;
    assert_eq!(reply.status, 200);
    insta::assert_json_snapshot!(reply.json(), @r#"
    {
      "duration": 103,
      "film_id": 99785,
      "genres": [
        "Comedy",
        "Family"
      ],
      "imdb_url": "https://www.imdb.com/title/tt0099785/",
      "original_title": "Home Alone",
      "persons": [
        "Macaulay Culkin",
        "Joe Pesci",
        "Daniel Stern",
        "Chris Columbus",
        "John Hughes",
        "John Williams"
      ],
      "rating": 7.7,
      "similarity": 1.0,
      "title": "Home Alone",
      "vote_count": 650000,
      "year": "1990-01-01"
    }
    "#);
}

#[tokio::test]
async fn films_the_original_could_not_serve_are_served() {
    let app = app();
    let m = get(&app, "/film/22100").await.json();
    assert_eq!(
        (m["title"].as_str(), m["original_title"].as_str()),
        (Some("M"), Some("M - Eine Stadt sucht einen Mörder"))
    );
    assert_eq!(get(&app, "/film/90015").await.json()["duration"], 566);
}

#[tokio::test]
async fn unknown_and_filtered_films_are_404_and_non_integers_422() {
    let app = app();
    get(&app, "/film/12345")
        .await
        .assert_error(404, "film_not_found");
    get(&app, "/film/193524")
        .await
        .assert_error(404, "film_not_found");
    get(&app, "/film/abc")
        .await
        .assert_error(422, "invalid_film_id");
    get(&app, "/film/tt0099785")
        .await
        .assert_error(422, "invalid_film_id");
}

#[tokio::test]
async fn home_alone_is_most_similar_to_home_alone_2() {
    let reply = get(&app(), "/film/99785/similar/0.1").await;
    assert_eq!(reply.status, 200);
    let films = reply.json();
    let films = films.as_array().expect("a list");
    assert_eq!(films[0]["film_id"], 104431, "{films:?}");
    let similarities: Vec<f64> = films
        .iter()
        .map(|film| film["similarity"].as_f64().expect("a number"))
        .collect();
    assert!(
        similarities.windows(2).all(|pair| pair[0] >= pair[1]),
        "highest first: {similarities:?}"
    );
    assert!(
        similarities.iter().all(|&s| (0.1..1.0).contains(&s)),
        "{similarities:?}"
    );
    assert!(
        films.iter().all(|film| film["film_id"] != 99785),
        "never the film itself"
    );
}

#[tokio::test]
async fn the_hunger_games_is_most_similar_to_catching_fire_in_both_directions() {
    let app = app();
    let forward = get(&app, "/film/1392170/similar/0").await.json();
    let backward = get(&app, "/film/1951264/similar/0").await.json();
    assert_eq!(forward[0]["film_id"], 1951264);
    assert_eq!(backward[0]["film_id"], 1392170);
    assert_eq!(
        forward[0]["similarity"], backward[0]["similarity"],
        "symmetric, bit for bit"
    );
}

#[tokio::test]
async fn star_wars_films_are_similar_to_each_other_including_smaller_ids() {
    // The original only ever returned films with a larger film_id than the one asked about.
    let films = get(&app(), "/film/2488496/similar/0.05?limit=4")
        .await
        .json();
    let ids: Vec<i64> = films
        .as_array()
        .expect("a list")
        .iter()
        .map(|f| f["film_id"].as_i64().expect("id"))
        .collect();
    assert!(ids.iter().all(|&id| id < 2488496), "{ids:?}");
    assert!(ids.contains(&76759) || ids.contains(&80684), "{ids:?}");
}

#[tokio::test]
async fn ties_are_broken_by_film_id() {
    let films = get(&app(), "/film/99785/similar/0?limit=1000").await.json();
    let films = films.as_array().expect("a list");
    for pair in films.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if a["similarity"] == b["similarity"] {
            assert!(
                a["film_id"].as_i64() < b["film_id"].as_i64(),
                "{a} then {b}"
            );
        }
    }
}

#[tokio::test]
async fn nothing_above_the_threshold_is_an_empty_list() {
    let reply = get(&app(), "/film/90015/similar/1").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), json!([]));
    assert_eq!(reply.header("x-total-count"), Some("0"));
}

#[tokio::test]
async fn the_similar_page_defaults_to_ten_and_reports_the_total() {
    let app = app();
    // Home Alone 2 shares a feature with 12 of the fixture's films (Home Alone with only 9):
    // at threshold 0 a film's neighbours are the films sharing a feature with it.
    let all = get(&app, "/film/104431/similar/0").await;
    assert_eq!(all.json().as_array().map(Vec::len), Some(10));
    let total: usize = all
        .header("x-total-count")
        .expect("a total")
        .parse()
        .expect("a number");
    assert!(total > 10, "{total}");
    let rest = get(&app, "/film/104431/similar/0?offset=10&limit=1000").await;
    assert_eq!(rest.json().as_array().map(Vec::len), Some(total - 10));
}

#[tokio::test]
async fn explain_lists_the_shared_features_that_add_up_to_the_similarity() {
    let films = get(&app(), "/film/99785/similar/0.1?limit=1&explain=true")
        .await
        .json();
    let film = &films[0];
    let features = film["explanation"].as_array().expect("an explanation");
    assert!(!features.is_empty() && features.len() <= 5);
    let labels: Vec<&str> = features
        .iter()
        .map(|f| f["label"].as_str().expect("a label"))
        .collect();
    assert!(
        labels.contains(&"Macaulay Culkin") || labels.contains(&"alone"),
        "{labels:?}"
    );
    let shares: f64 = features
        .iter()
        .map(|f| f["share"].as_f64().expect("a share"))
        .sum();
    assert!(shares <= film["similarity"].as_f64().expect("a similarity") + 1e-9);
    let person = features
        .iter()
        .find(|f| f["kind"] == "person")
        .expect("a shared person");
    assert!(person["category"].is_string(), "{person}");
    let plain = get(&app(), "/film/99785/similar/0.1?limit=1").await.json();
    assert!(plain[0].get("explanation").is_none());
}

#[tokio::test]
async fn thresholds_outside_0_to_1_are_explained() {
    let app = app();
    let reply = get(&app, "/film/99785/similar/30").await;
    reply.assert_error(422, "invalid_threshold");
    assert!(reply.json()["message"]
        .as_str()
        .expect("a message")
        .contains("0.3 means 30%"));
    for bad in ["-1", "NaN", "inf", "1.5", "abc", "0x1"] {
        get(&app, &format!("/film/99785/similar/{bad}"))
            .await
            .assert_error(422, "invalid_threshold");
    }
    get(&app, "/film/12345/similar/0.3")
        .await
        .assert_error(404, "film_not_found");
    get(&app, "/film/99785/similar/0.3?limit=1001")
        .await
        .assert_error(422, "invalid_parameter");
    get(&app, "/film/99785/similar/0.3?explain=maybe")
        .await
        .assert_error(422, "invalid_parameter");
    get(&app, "/film/99785/similar/0.3?colour=red")
        .await
        .assert_error(422, "invalid_parameter");
}

/// The quirky fixture's films table (a missing year, quotes, commas and unicode in titles and
/// names), served: what the server reads from DuckDB's Arrow batches comes out as the table
/// has it, a missing value as `null`, and sorts put it last in both directions.
#[tokio::test]
async fn missing_values_quotes_and_unicode_are_served_as_stored() {
    use filmdex::config::{BadRowLimit, DatasetSource};

    let quirky = crate::support::fixture("quirky");
    let database = super::build_database("quirky", DatasetSource::Folder(quirky), |config| {
        config.prep.max_bad_rows = BadRowLimit::Count(2);
    });
    let app = super::router_for(&database.path);

    let theta = get(&app, "/film/8").await.json();
    assert_eq!(theta["title"], json!("Theta, the Comma"));
    assert_eq!(theta["year"], json!(null));
    assert_eq!(theta["duration"], json!(120));
    assert_eq!(theta["rating"], json!(10.0));
    assert_eq!(theta["persons"], json!(["Émile Composer"]));

    let kappa = get(&app, "/film/10").await.json();
    assert_eq!(kappa["title"], json!("Kappa — ünicode 東京"));
    assert_eq!(kappa["persons"], json!(["Ōtomo Self", "Bea Actress"]));
    let beta = get(&app, "/film/2").await.json();
    assert_eq!(beta["title"], json!("Beta \"Quoted\" Film"));
    assert_eq!(beta["genres"], json!(["Action"]));

    for sort in ["year", "-year"] {
        let films = get(&app, &format!("/film/search?sort={sort}")).await.json();
        let ids: Vec<i64> = films
            .as_array()
            .expect("a list")
            .iter()
            .map(|film| film["film_id"].as_i64().expect("an id"))
            .collect();
        let expected: &[i64] = if sort == "year" {
            &[1, 2, 10, 8]
        } else {
            &[10, 2, 1, 8]
        };
        assert_eq!(ids, expected, "sort={sort}");
    }
}
