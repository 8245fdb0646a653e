//! `POST /film/search` and `GET /film/search`: the original's example and semantics, filmdex's
//! additions, sorting, and the GET form giving the same answers.

use serde_json::json;

use super::{app, get, post_json};

const STAR_WARS_EXAMPLE: &str = r#"{"title":"wars.*i","earliest_date":"1970-01-01","latest_date":"2020-01-01",
    "min_duration":60,"max_duration":240,"genre":"Adventure","genres":["Sci-Fi","Action"],
    "min_rating":3.2,"max_rating":10.0,"vote_count":300,"person":"Lucas",
    "persons":["George Lucas","John Williams"]}"#;

#[tokio::test]
async fn the_original_star_wars_example_finds_the_force_awakens_first() {
    let reply = post_json(&app(), "/film/search", STAR_WARS_EXAMPLE).await;
    assert_eq!(reply.status, 200);
    let films = reply.json();
    assert_eq!(films[0]["film_id"], 2488496, "{films}");
    assert_eq!(
        films[0]["title"],
        "Star Wars: Episode VII - The Force Awakens"
    );
}

#[tokio::test]
async fn an_empty_body_or_object_lists_every_film_by_title() {
    let app = app();
    for body in ["", "{}", "  \n"] {
        let reply = post_json(&app, "/film/search", body).await;
        assert_eq!(reply.status, 200, "{body:?}");
        assert_eq!(reply.header("x-total-count"), Some("14"));
        let titles = reply.titles();
        let mut sorted = titles.clone();
        sorted.sort();
        assert_eq!(titles, sorted);
        assert_eq!(titles[0], "Home Alone");
    }
}

#[tokio::test]
async fn regexes_are_case_insensitive_and_unanchored() {
    let app = app();
    let titles = post_json(&app, "/film/search", r#"{"title":"HOME ALONE"}"#)
        .await
        .titles();
    assert_eq!(titles, ["Home Alone", "Home Alone 2: Lost in New York"]);
    let titles = post_json(&app, "/film/search", r#"{"person":"o'hara"}"#)
        .await
        .titles();
    assert_eq!(
        titles,
        ["Only the Lonely"],
        "an apostrophe needs no escaping"
    );
    let titles = post_json(&app, "/film/search", r#"{"genre":"^documentary,"}"#)
        .await
        .titles();
    assert_eq!(titles, ["Shoah"], "genres are joined with ','");
}

#[tokio::test]
async fn exact_lists_need_all_and_any_lists_need_one() {
    let app = app();
    let all = post_json(
        &app,
        "/film/search",
        r#"{"persons":["Harrison Ford","Karen Allen"]}"#,
    )
    .await
    .titles();
    assert_eq!(all, ["Raiders of the Lost Ark"]);
    let any = post_json(
        &app,
        "/film/search",
        r#"{"persons_any":["Karen Allen","Peter Lorre"]}"#,
    )
    .await
    .titles();
    assert_eq!(any, ["M", "Raiders of the Lost Ark"]);
    let genres = post_json(
        &app,
        "/film/search",
        r#"{"genres_any":["War","Crime"],"genres":["Comedy"]}"#,
    )
    .await
    .titles();
    assert_eq!(genres, ["Home Alone 2: Lost in New York"]);
    let exact = post_json(&app, "/film/search", r#"{"persons":["george lucas"]}"#)
        .await
        .titles();
    assert!(
        exact.is_empty(),
        "exact names are case-sensitive: {exact:?}"
    );
}

#[tokio::test]
async fn numeric_bounds_are_inclusive() {
    let app = app();
    let body = json!({"year_from": 1990, "year_to": 1992, "min_rating": 6.5, "max_duration": 120, "sort": "year"});
    let titles = post_json(&app, "/film/search", body.to_string())
        .await
        .titles();
    assert_eq!(
        titles,
        [
            "Home Alone",
            "Only the Lonely",
            "Home Alone 2: Lost in New York"
        ]
    );
    let body = json!({"earliest_date": "1931-01-01", "latest_date": "1931-01-01"});
    assert_eq!(
        post_json(&app, "/film/search", body.to_string())
            .await
            .titles(),
        ["M"]
    );
    let body = json!({"vote_count": 1_400_000, "min_duration": 566});
    assert!(post_json(&app, "/film/search", body.to_string())
        .await
        .titles()
        .is_empty());
}

#[tokio::test]
async fn sorts_go_both_ways_with_ties_by_film_id() {
    let app = app();
    let films = get(&app, "/film/search?sort=-rating&limit=3").await.json();
    let top: Vec<(i64, f64)> = films
        .as_array()
        .expect("a list")
        .iter()
        .map(|f| {
            (
                f["film_id"].as_i64().expect("id"),
                f["rating"].as_f64().expect("rating"),
            )
        })
        .collect();
    // Shoah and The Empire Strikes Back are both 8.7: the smaller film_id first.
    assert_eq!(top, [(80684, 8.7), (90015, 8.7), (76759, 8.6)]);
    let shortest = get(&app, "/film/search?sort=duration&limit=1")
        .await
        .titles();
    assert_eq!(shortest, ["Home Alone"]);
    let newest = get(&app, "/film/search?sort=-year&limit=1").await.titles();
    assert_eq!(newest, ["Star Wars: Episode VII - The Force Awakens"]);
    get(&app, "/film/search?sort=popularity")
        .await
        .assert_error(422, "invalid_parameter");
}

#[tokio::test]
async fn get_and_post_give_the_same_answer() {
    let app = app();
    let query = "title=star&genres=Action&genres=Adventure&persons_any=Mark%20Hamill&min_rating=8&sort=-votes&limit=2";
    let by_get = get(&app, &format!("/film/search?{query}")).await;
    let body = json!({"title": "star", "genres": ["Action", "Adventure"], "persons_any": ["Mark Hamill"],
                      "min_rating": 8, "sort": "-votes", "limit": 2});
    let by_post = post_json(&app, "/film/search", body.to_string()).await;
    assert_eq!(by_get.status, 200);
    assert_eq!(by_get.json(), by_post.json());
    assert_eq!(by_get.header("x-total-count"), Some("3"));
    assert_eq!(by_get.header("link"), by_post.header("link"));
    assert_eq!(
        by_get.titles(),
        [
            "Star Wars: Episode IV - A New Hope",
            "Star Wars: Episode V - The Empire Strikes Back"
        ]
    );
}

#[tokio::test]
async fn invalid_criteria_are_422_with_the_field_named() {
    let app = app();
    let reply = post_json(&app, "/film/search", r#"{"title":"("}"#).await;
    reply.assert_error(422, "invalid_regex");
    assert!(reply.json()["message"]
        .as_str()
        .expect("message")
        .contains("title"));
    post_json(&app, "/film/search", r#"{"earliest_date":"01/01/1970"}"#)
        .await
        .assert_error(422, "invalid_parameter");
    post_json(&app, "/film/search", r#"{"limit":1001}"#)
        .await
        .assert_error(422, "invalid_parameter");
    post_json(&app, "/film/search", r#"{"offset":-1}"#)
        .await
        .assert_error(422, "invalid_parameter");
    post_json(&app, "/film/search", r#"{"colour":"red"}"#)
        .await
        .assert_error(422, "invalid_body");
    post_json(&app, "/film/search", r#"{"min_rating":"high"}"#)
        .await
        .assert_error(422, "invalid_body");
    get(&app, "/film/search?colour=red")
        .await
        .assert_error(422, "invalid_parameter");
    get(&app, "/film/search?year_from=nineteen")
        .await
        .assert_error(422, "invalid_parameter");
}

/// An empty pattern matches every film, so it is no criterion: the same answer as none.
#[tokio::test]
async fn an_empty_pattern_is_no_criterion() {
    let app = app();
    let none = post_json(&app, "/film/search", "{}").await;
    for body in [r#"{"title": ""}"#, r#"{"person": "", "genre": ""}"#] {
        let empty = post_json(&app, "/film/search", body).await;
        assert_eq!(empty.json(), none.json(), "{body}");
        assert_eq!(empty.header("x-total-count"), none.header("x-total-count"));
    }
}
