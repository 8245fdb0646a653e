//! Free-text search (`q` on `/film/search`) and `/film/suggest` on the bundled sample: what a
//! new user types finds the film they mean, each film says what matched, `q` combines with the
//! other criteria and with `sort`, and bad input is a 422 in the usual shape.

use std::collections::BTreeSet;

use serde_json::Value;

use super::sample::app;
use super::{get, keys, post_json};

const AMELIE: i64 = 211_915;
const GODFATHER: i64 = 68_646;
const SPIRITED_AWAY: i64 = 245_429;

fn first(films: &Value) -> &Value {
    &films.as_array().expect("a list")[0]
}

#[tokio::test]
async fn what_a_new_user_types_finds_the_film_first() {
    let app = app();
    let cases = [
        ("amelie", AMELIE, "title"),
        ("godfahter", GODFATHER, "title"),
        ("godf", GODFATHER, "title"),
        ("chihiro", SPIRITED_AWAY, "original_title"),
    ];
    for (q, film_id, field) in cases {
        let reply = get(&app, &format!("/film/search?q={q}")).await;
        assert_eq!(reply.status, 200, "{q}");
        let films = reply.json();
        assert_eq!(first(&films)["film_id"], film_id, "{q}: {films}");
        assert_eq!(first(&films)["matched"]["field"], field, "{q}");
    }
    let films = get(&app, "/film/search?q=chihiro").await.json();
    assert_eq!(
        first(&films)["matched"]["text"],
        "Sen to Chihiro no kamikakushi"
    );
}

#[tokio::test]
async fn q_is_anded_with_the_criteria_and_sort_overrides_relevance() {
    let app = app();
    let all = get(&app, "/film/search?q=godfather&limit=1000").await;
    let total: usize = all
        .header("x-total-count")
        .expect("total")
        .parse()
        .expect("a number");
    assert!(total >= 3, "the three Godfather films");
    // Part III (1990) is left out by the year; the regex criterion keeps working beside q.
    let films = post_json(
        &app,
        "/film/search",
        r#"{"q":"godfather","year_to":1980,"title":"part"}"#,
    )
    .await
    .json();
    let titles: Vec<&str> = films
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|f| f["title"].as_str())
        .collect();
    assert_eq!(titles, ["The Godfather Part II"]);
    // Sorted by year, newest first, instead of by relevance; each film still says what matched.
    let reply = get(&app, "/film/search?q=godfather%20part&sort=-year").await;
    let films = reply.json();
    let years: Vec<&str> = films
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|f| f["year"].as_str())
        .collect();
    let mut sorted = years.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(years, sorted);
    assert!(films
        .as_array()
        .expect("a list")
        .iter()
        .all(|film| film["matched"].is_object()));
    let link = reply.header("link").expect("paging links");
    assert!(
        link.contains("q=godfather+part") || link.contains("q=godfather%20part"),
        "{link}"
    );
}

#[tokio::test]
async fn without_q_nothing_changes_and_a_blank_q_is_no_criterion() {
    let app = app();
    let plain = get(&app, "/film/search?limit=5").await;
    let blank = get(&app, "/film/search?limit=5&q=%20%20").await;
    assert_eq!(plain.json(), blank.json());
    assert_eq!(plain.header("x-total-count"), blank.header("x-total-count"));
    assert!(plain.json()[0].get("matched").is_none());
}

#[tokio::test]
async fn a_searched_film_has_exactly_the_documented_fields() {
    let spec: Value =
        serde_json::from_str(include_str!("../../src/serve/openapi.json")).expect("JSON");
    let schema = &spec["components"]["schemas"]["SearchedFilm"];
    let documented = keys(&schema["properties"], "properties");
    let films = get(&app(), "/film/search?q=amelie").await.json();
    let sent = keys(first(&films), "a film");
    assert_eq!(documented, sent);
}

#[tokio::test]
async fn suggest_gives_small_objects_best_first() {
    let app = app();
    let reply = get(&app, "/film/suggest?q=amel").await;
    assert_eq!(reply.status, 200);
    let films = reply.json();
    let list = films.as_array().expect("a list");
    assert!(!list.is_empty() && list.len() <= 8, "{films}");
    assert_eq!(list[0]["film_id"], AMELIE);
    assert_eq!(list[0]["title"], "Amélie");
    assert_eq!(list[0]["year"], "2001-01-01");
    assert_eq!(list[0]["matched"]["field"], "title");
    assert_eq!(
        keys(&list[0], "a suggestion"),
        BTreeSet::from(["film_id", "title", "year", "matched"])
    );
    let three = get(&app, "/film/suggest?q=the&limit=3").await.json();
    assert_eq!(three.as_array().expect("a list").len(), 3);
    for blank in [
        "/film/suggest",
        "/film/suggest?q=",
        "/film/suggest?q=%20-%20",
    ] {
        let reply = get(&app, blank).await;
        assert_eq!(reply.status, 200, "{blank}");
        assert_eq!(reply.json(), serde_json::json!([]), "{blank}");
    }
}

#[tokio::test]
async fn bad_suggest_and_q_input_is_a_422_naming_the_problem() {
    let app = app();
    for uri in [
        "/film/suggest?q=amel&limit=0",
        "/film/suggest?q=amel&limit=21",
        "/film/suggest?q=amel&limit=eight",
        "/film/suggest?q=amel&colour=red",
        "/film/suggest?q=a&q=b",
    ] {
        get(&app, uri).await.assert_error(422, "invalid_parameter");
    }
    let long = "a".repeat(501);
    get(&app, &format!("/film/suggest?q={long}"))
        .await
        .assert_error(422, "invalid_parameter");
    get(&app, &format!("/film/search?q={long}"))
        .await
        .assert_error(422, "invalid_parameter");
}

#[tokio::test]
async fn an_alternate_title_finds_its_film_and_says_its_region() {
    let films = get(&app(), "/film/search?q=die%20fabelhafte%20welt")
        .await
        .json();
    assert_eq!(first(&films)["film_id"], AMELIE, "{films}");
    assert_eq!(
        first(&films)["matched"],
        serde_json::json!({"field": "aka", "text": "Die fabelhafte Welt der Amélie", "region": "DE"})
    );
    let films = get(&app(), "/film/suggest?q=%D0%B0%D0%BC%D0%B5%D0%BB%D0%B8")
        .await
        .json();
    assert_eq!(first(&films)["film_id"], AMELIE, "Cyrillic: {films}");
    let films = get(&app(), "/film/suggest?q=%E5%8D%83%E5%B0%8B")
        .await
        .json();
    assert_eq!(first(&films)["film_id"], SPIRITED_AWAY, "Japanese: {films}");
}
