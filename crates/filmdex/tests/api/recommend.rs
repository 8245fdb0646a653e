//! `/recommend` and the similar films' filters: what a person checks with a list of films, on
//! the franchise fixture (exact values against `/similar`) and on the bundled sample (the
//! franchises come first).

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

use axum::Router;
use filmdex::config::DatasetSource;
use filmdex::serve::router;
use proptest::arbitrary::Arbitrary;
use serde_json::{json, Value};

use super::{app, build_database, config, get, post_json, state, Database};

fn sample() -> Router {
    static DATABASE: OnceLock<Database> = OnceLock::new();
    let path: &Path = &DATABASE
        .get_or_init(|| build_database("sample-recommend", DatasetSource::Sample, |_| {}))
        .path;
    router(state(&config(path)))
}

fn ids(films: &Value) -> Vec<i64> {
    films
        .as_array()
        .expect("a list")
        .iter()
        .map(|film| film["film_id"].as_i64().expect("an id"))
        .collect()
}

fn pairs(films: &Value) -> Vec<(i64, f64)> {
    films
        .as_array()
        .expect("a list")
        .iter()
        .map(|film| {
            (
                film["film_id"].as_i64().expect("an id"),
                film["similarity"].as_f64().expect("a similarity"),
            )
        })
        .collect()
}

#[tokio::test]
async fn one_liked_film_gives_its_similar_films_without_itself() {
    let app = app();
    for film in [99785, 104431, 1392170] {
        let similar = get(&app, &format!("/film/{film}/similar/0?limit=1000")).await;
        let expected: Vec<(i64, f64)> = pairs(&similar.json())
            .into_iter()
            .filter(|&(id, _)| id != film)
            .collect();
        let recommended = get(&app, &format!("/recommend?like={film}&limit=1000")).await;
        assert_eq!(recommended.status, 200);
        assert_eq!(pairs(&recommended.json()), expected, "film {film}");
        assert_eq!(
            recommended.header("x-total-count"),
            Some(expected.len().to_string().as_str())
        );
    }
}

#[tokio::test]
async fn the_same_list_by_url_and_by_body_gives_the_same_page() {
    let app = app();
    let by_url = get(
        &app,
        "/recommend?like=99785,1392170&dislike=104431&limit=3&offset=1",
    )
    .await;
    let body = json!({"like": [99785, 1392170], "dislike": [104431], "limit": 3, "offset": 1});
    let by_body = post_json(&app, "/recommend", body.to_string()).await;
    assert_eq!(by_url.status, 200);
    assert_eq!(by_url.json(), by_body.json());
    assert_eq!(
        by_url.header("x-total-count"),
        by_body.header("x-total-count")
    );
    let link = by_url.header("link").expect("paging links");
    assert!(link.contains("like=99785%2C1392170"), "{link}");
    assert!(link.contains("dislike=104431"), "{link}");
    let films = ids(&by_url.json());
    for input in [99785, 1392170, 104431] {
        assert!(
            !films.contains(&input),
            "an input film came back: {films:?}"
        );
    }
}

#[tokio::test]
async fn filters_keep_only_the_films_that_pass_them() {
    let app = app();
    let all = get(&app, "/recommend?like=99785&limit=1000").await.json();
    let filtered = get(
        &app,
        "/recommend?like=99785&limit=1000&genres=Comedy&min_rating=6",
    )
    .await;
    let expected: Vec<i64> = all
        .as_array()
        .expect("a list")
        .iter()
        .filter(|film| {
            film["genres"]
                .as_array()
                .expect("genres")
                .contains(&json!("Comedy"))
                && film["rating"].as_f64().is_some_and(|rating| rating >= 6.0)
        })
        .map(|film| film["film_id"].as_i64().expect("an id"))
        .collect();
    assert_eq!(ids(&filtered.json()), expected);
    let similar = get(
        &app,
        "/film/99785/similar/0?limit=1000&genres=Comedy&min_rating=6",
    )
    .await;
    assert_eq!(similar.status, 200);
    let similar: Vec<i64> = ids(&similar.json())
        .into_iter()
        .filter(|&id| id != 99785)
        .collect();
    assert_eq!(
        similar, expected,
        "the similar route takes the same filters"
    );
}

#[tokio::test]
async fn explain_names_the_liked_films_each_feature_comes_from() {
    let films = get(&app(), "/recommend?like=99785,1392170&limit=1&explain=true")
        .await
        .json();
    let film = &films[0];
    let features = film["explanation"].as_array().expect("an explanation");
    assert!(!features.is_empty(), "{film}");
    let shares: f64 = features
        .iter()
        .map(|f| f["share"].as_f64().expect("a share"))
        .sum();
    assert!(shares <= film["similarity"].as_f64().expect("a similarity") + 1e-9);
    for feature in features {
        let liked = feature["liked_films"].as_array().expect("liked films");
        assert!(!liked.is_empty(), "{feature}");
        for liked in liked {
            assert!([99785, 1392170].contains(&liked["film_id"].as_i64().expect("an id")));
            assert!(liked["title"]
                .as_str()
                .is_some_and(|title| !title.is_empty()));
        }
    }
}

#[tokio::test]
async fn bad_lists_get_422_naming_what_is_wrong() {
    let app = app();
    let unknown = get(&app, "/recommend?like=99785,123&dislike=456").await;
    unknown.assert_error(422, "invalid_parameter");
    let message = unknown.json()["message"]
        .as_str()
        .expect("a message")
        .to_owned();
    assert!(
        message.contains("123") && message.contains("456"),
        "{message}"
    );
    get(&app, "/recommend")
        .await
        .assert_error(422, "invalid_parameter");
    post_json(&app, "/recommend", r#"{"like": []}"#)
        .await
        .assert_error(422, "invalid_parameter");
    post_json(&app, "/recommend", r#"{"like": [99785], "colour": "red"}"#)
        .await
        .assert_error(422, "invalid_parameter");
    get(&app, "/recommend?like=99785&sort=title")
        .await
        .assert_error(422, "invalid_parameter");
    get(&app, "/recommend?like=99785&title=(")
        .await
        .assert_error(422, "invalid_regex");
    let many: Vec<String> = (0..101).map(|id| id.to_string()).collect();
    get(&app, &format!("/recommend?like={}", many.join(",")))
        .await
        .assert_error(422, "invalid_parameter");
    get(&app, "/film/99785/similar/0?sort=title")
        .await
        .assert_error(422, "invalid_parameter");
}

#[tokio::test]
async fn liking_three_star_wars_films_ranks_the_other_star_wars_films_first() {
    let query = "/recommend?like=76759,80684,86190&limit=10";
    let films = get(&sample(), query).await.json();
    let top = ids(&films);
    // The other episodes and Solo share people with the original trilogy (George Lucas, John
    // Williams, Lawrence Kasdan, Harrison Ford...), so they come first. Rogue One shares only
    // the title words "star" and "wars" and the genres: Raiders of the Lost Ark, which shares
    // four of the trilogy's people, can come before it, but it stays in the top 10.
    let saga = BTreeSet::from([120915, 121765, 121766, 2488496, 2527336, 2527338, 3778644]);
    let first: BTreeSet<i64> = top[..saga.len()].iter().copied().collect();
    assert_eq!(first, saga, "{top:?}");
    assert!(top.contains(&3748528), "Rogue One in the top 10: {top:?}");
}

#[tokio::test]
async fn liking_home_alone_and_the_hunger_games_puts_both_sequels_in_the_top_5() {
    let films = get(&sample(), "/recommend?like=99785,1392170&limit=5")
        .await
        .json();
    let top = ids(&films);
    assert!(top.contains(&104431), "Home Alone 2: {top:?}");
    assert!(top.contains(&1951264), "Catching Fire: {top:?}");
}

#[tokio::test]
async fn disliking_a_film_pushes_its_franchise_down() {
    let app = sample();
    let rank = |films: &Value, id: i64| ids(films).iter().position(|&x| x == id);
    let similarity = |films: &Value, id: i64| {
        pairs(films)
            .into_iter()
            .find(|&(film, _)| film == id)
            .map(|(_, similarity)| similarity)
    };
    // A New Hope liked; then also The Phantom Menace disliked: the other prequels go down.
    let liked = get(&app, "/recommend?like=76759&limit=1000").await.json();
    let mut liked_without_input = liked.as_array().expect("a list").clone();
    liked_without_input.retain(|film| film["film_id"] != 120915);
    let liked = Value::Array(liked_without_input);
    let disliking = get(&app, "/recommend?like=76759&dislike=120915&limit=1000")
        .await
        .json();
    for prequel in [121765, 121766] {
        let (before, after) = (rank(&liked, prequel), rank(&disliking, prequel));
        assert!(
            before.is_some() && after > before,
            "{prequel}: {before:?} then {after:?}"
        );
        assert!(similarity(&disliking, prequel) < similarity(&liked, prequel));
    }
}

/// The ids of the franchise fixture's films, as the API lists them.
fn fixture_films() -> &'static [i32] {
    static IDS: OnceLock<Vec<i32>> = OnceLock::new();
    IDS.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime");
        let films = runtime.block_on(async { get(&app(), "/film/search?limit=1000").await.json() });
        ids(&films)
            .into_iter()
            .map(|id| i32::try_from(id).expect("an INTEGER id"))
            .collect()
    })
}

/// What a random request filters on, and how a film passes it.
#[derive(Debug, Clone)]
struct Filter {
    genre_any: Option<&'static str>,
    year_from: Option<i32>,
    min_rating: Option<f64>,
}

impl Filter {
    fn query(&self) -> String {
        let mut query = String::new();
        if let Some(genre) = self.genre_any {
            query.push_str(&format!("&genres_any={genre}"));
        }
        if let Some(year) = self.year_from {
            query.push_str(&format!("&year_from={year}"));
        }
        if let Some(rating) = self.min_rating {
            query.push_str(&format!("&min_rating={rating}"));
        }
        query
    }

    fn passes(&self, film: &Value) -> bool {
        let genre = self.genre_any.is_none_or(|genre| {
            film["genres"]
                .as_array()
                .is_some_and(|genres| genres.contains(&json!(genre)))
        });
        let year = self.year_from.is_none_or(|from| {
            film["year"]
                .as_str()
                .and_then(|year| year[..4].parse::<i32>().ok())
                .is_some_and(|year| year >= from)
        });
        let rating = self
            .min_rating
            .is_none_or(|min| film["rating"].as_f64().is_some_and(|rating| rating >= min));
        genre && year && rating
    }
}

fn filter() -> impl proptest::strategy::Strategy<Value = Filter> {
    use proptest::prelude::*;
    (
        proptest::option::of(prop::sample::select(vec![
            "Comedy", "Sci-Fi", "Drama", "Action",
        ])),
        proptest::option::of(1970..2020i32),
        proptest::option::of(prop::sample::select(vec![6.0, 7.0, 7.5, 8.0])),
    )
        .prop_map(|(genre_any, year_from, min_rating)| Filter {
            genre_any,
            year_from,
            min_rating,
        })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 48, ..Default::default() })]

    /// Any list, filter and page gives exactly the slice of the unfiltered ranking that passes
    /// the filter: the same films, in the same order, with the same similarities.
    #[test]
    fn filters_and_pages_are_slices_of_the_whole_ranking(
        like in proptest::collection::vec(proptest::sample::Index::arbitrary(), 1..4),
        dislike in proptest::collection::vec(proptest::sample::Index::arbitrary(), 0..2),
        filter in filter(),
        offset in 0..8usize,
        limit in 0..6usize,
    ) {
        let films = fixture_films();
        let mut like: Vec<i32> = like.iter().map(|i| films[i.index(films.len())]).collect();
        like.dedup();
        let dislike: Vec<i32> = dislike
            .iter()
            .map(|i| films[i.index(films.len())])
            .filter(|id| !like.contains(id))
            .collect();
        let list = |ids: &[i32]| ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",");
        let mut base = format!("/recommend?like={}", list(&like));
        if !dislike.is_empty() {
            base.push_str(&format!("&dislike={}", list(&dislike)));
        }
        // Timers on: the router times every request out.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime");
        let (whole, page) = runtime.block_on(async {
            let app = app();
            let whole = get(&app, &format!("{base}&limit=1000")).await;
            let page = get(&app, &format!("{base}{}&offset={offset}&limit={limit}", filter.query())).await;
            (whole, page)
        });
        proptest::prop_assert_eq!(whole.status, 200);
        proptest::prop_assert_eq!(page.status, 200);
        let passing: Vec<Value> = whole
            .json()
            .as_array()
            .expect("a list")
            .iter()
            .filter(|film| filter.passes(film))
            .cloned()
            .collect();
        let expected: Vec<(i64, f64)> = pairs(&Value::Array(passing.clone()))
            .into_iter()
            .skip(offset)
            .take(limit)
            .collect();
        proptest::prop_assert_eq!(pairs(&page.json()), expected);
        let total = passing.len().to_string();
        proptest::prop_assert_eq!(page.header("x-total-count"), Some(total.as_str()));
    }
}
