//! The original's recorded expectations on the bundled sample (about 3,000 synthetic films plus
//! the real franchise films of `data/franchises`), served from a database built by `--sample`.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

use axum::Router;
use filmdex::config::DatasetSource;
use filmdex::serve::router;

use super::{build_database, config, get, post_json, state, Database};

pub(super) fn sample() -> &'static Path {
    static DATABASE: OnceLock<Database> = OnceLock::new();
    &DATABASE
        .get_or_init(|| build_database("sample", DatasetSource::Sample, |_| {}))
        .path
}

fn app() -> Router {
    router(state(&config(sample())))
}

fn ids(films: &serde_json::Value) -> Vec<i64> {
    films
        .as_array()
        .expect("a list")
        .iter()
        .map(|film| film["film_id"].as_i64().expect("an id"))
        .collect()
}

#[tokio::test]
async fn the_star_wars_example_returns_the_force_awakens_first() {
    let body = r#"{"title":"wars.*i","earliest_date":"1970-01-01","latest_date":"2020-01-01",
        "min_duration":60,"max_duration":240,"genre":"Adventure","genres":["Sci-Fi","Action"],
        "min_rating":3.2,"max_rating":10.0,"vote_count":300,"person":"Lucas",
        "persons":["George Lucas","John Williams"]}"#;
    let films = post_json(&app(), "/film/search", body).await.json();
    assert_eq!(ids(&films).first(), Some(&2488496), "{films}");
}

#[tokio::test]
async fn home_alone_2_is_the_film_most_similar_to_home_alone() {
    let films = get(&app(), "/film/99785/similar/0.1").await.json();
    assert_eq!(ids(&films).first(), Some(&104431), "{films}");
}

#[tokio::test]
async fn the_hunger_games_sequels_are_its_nearest_films() {
    let films = get(&app(), "/film/1392170/similar/0?limit=3").await.json();
    let nearest: BTreeSet<i64> = ids(&films).into_iter().collect();
    assert_eq!(
        nearest,
        BTreeSet::from([1951264, 1951265, 1951266]),
        "{films}"
    );
}

#[tokio::test]
async fn every_star_wars_film_is_similar_to_the_other_star_wars_films() {
    let app = app();
    let star_wars: BTreeSet<i64> = [76759, 80684, 86190, 120915, 121765, 121766, 2488496].into();
    for film in &star_wars {
        let reply = get(&app, &format!("/film/{film}")).await;
        if reply.status != 200 {
            continue; // not in the sample's franchise rows
        }
        let similar: BTreeSet<i64> =
            ids(&get(&app, &format!("/film/{film}/similar/0.05?limit=1000"))
                .await
                .json())
            .into_iter()
            .collect();
        let present: Vec<i64> = star_wars
            .iter()
            .copied()
            .filter(|other| other != film)
            .collect();
        for other in present {
            if get(&app, &format!("/film/{other}")).await.status == 200 {
                assert!(
                    similar.contains(&other),
                    "{film} and {other} should be similar"
                );
            }
        }
    }
}

#[tokio::test]
async fn paging_through_the_whole_sample_sees_every_film_once() {
    let app = app();
    let first = get(&app, "/film/search?limit=1000&sort=-votes").await;
    let total: usize = first
        .header("x-total-count")
        .expect("a total")
        .parse()
        .expect("a number");
    assert!(total > 1000, "{total}");
    let mut seen = BTreeSet::new();
    let mut offset = 0;
    while offset < total {
        let page = get(
            &app,
            &format!("/film/search?limit=1000&sort=-votes&offset={offset}"),
        )
        .await
        .json();
        seen.extend(ids(&page));
        offset += 1000;
    }
    assert_eq!(seen.len(), total);
}

/// Every film's title, persons and genres, read through the API.
async fn all_films(app: &Router) -> Vec<serde_json::Value> {
    let mut films = Vec::new();
    loop {
        let page = get(
            app,
            &format!("/film/search?limit=1000&offset={}", films.len()),
        )
        .await
        .json();
        let page = page.as_array().expect("a list").clone();
        if page.is_empty() {
            return films;
        }
        films.extend(page);
    }
}

#[tokio::test]
async fn one_pass_regex_search_finds_exactly_what_testing_each_film_finds() {
    let app = app();
    let films = all_films(&app).await;
    let joined = |film: &serde_json::Value, key: &str| -> String {
        let values = film[key].as_array().expect("a list");
        values
            .iter()
            .map(|value| value.as_str().expect("text"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let patterns = [
        "star",
        "^the",
        "s$",
        "^$",
        r"\bwar",
        "(?s)a.*z",
        r"[^a-z]{3}",
        r"\d",
        "^m$",
        "e|^x",
        "ö",
        "a*",
    ];
    for pattern in patterns {
        let regex = regex::RegexBuilder::new(pattern)
            .case_insensitive(true)
            .build()
            .expect("a regex");
        for (field, text_of) in [
            (
                "title",
                Box::new(|film: &serde_json::Value| {
                    film["title"].as_str().expect("title").to_owned()
                }) as Box<dyn Fn(&serde_json::Value) -> String>,
            ),
            (
                "person",
                Box::new(|film: &serde_json::Value| joined(film, "persons")),
            ),
            (
                "genre",
                Box::new(|film: &serde_json::Value| joined(film, "genres")),
            ),
        ] {
            let expected: BTreeSet<i64> = films
                .iter()
                .filter(|film| regex.is_match(&text_of(film)))
                .map(|film| film["film_id"].as_i64().expect("an id"))
                .collect();
            let body = serde_json::json!({ field: pattern, "limit": 1000 });
            let mut found = BTreeSet::new();
            let mut offset = 0;
            loop {
                let body = serde_json::json!({ field: pattern, "limit": 1000, "offset": offset });
                let page = ids(&post_json(&app, "/film/search", body.to_string())
                    .await
                    .json());
                if page.is_empty() {
                    break;
                }
                offset += page.len();
                found.extend(page);
            }
            assert_eq!(found, expected, "{field} ~ {pattern:?} ({body})");
        }
    }
}
