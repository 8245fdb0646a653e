//! Paging of search results: totals, links that can be followed, stable order across pages, the
//! last page and an offset past the end.

use serde_json::Value;

use super::{app, get, post_json, Reply};

/// (relation, URL) pairs of a `Link` header.
fn links(reply: &Reply) -> Vec<(String, String)> {
    let Some(header) = reply.header("link") else {
        return Vec::new();
    };
    header
        .split(", ")
        .map(|link| {
            let (url, relation) = link.split_once("; rel=").expect("url; rel=...");
            (
                relation.trim_matches('"').to_owned(),
                url.trim_matches(['<', '>']).to_owned(),
            )
        })
        .collect()
}

fn link(reply: &Reply, relation: &str) -> Option<String> {
    links(reply)
        .into_iter()
        .find(|(rel, _)| rel == relation)
        .map(|(_, url)| url)
}

#[tokio::test]
async fn following_next_links_visits_every_film_once_in_order() {
    let app = app();
    let whole = get(&app, "/film/search?limit=1000").await.titles();
    assert_eq!(whole.len(), 14);
    let mut seen = Vec::new();
    let mut url = Some("/film/search?limit=4".to_owned());
    let mut pages = 0;
    while let Some(next) = url {
        let reply = get(&app, &next).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("x-total-count"), Some("14"));
        seen.extend(reply.titles());
        url = link(&reply, "next");
        pages += 1;
    }
    assert_eq!(pages, 4);
    assert_eq!(seen, whole);
}

#[tokio::test]
async fn links_keep_the_criteria_and_point_to_first_prev_next_last() {
    let app = app();
    let reply = post_json(
        &app,
        "/film/search",
        r#"{"title":"star wars","sort":"-rating","limit":2,"offset":2}"#,
    )
    .await;
    assert_eq!(reply.header("x-total-count"), Some("5"));
    let relations: Vec<String> = links(&reply).into_iter().map(|(rel, _)| rel).collect();
    assert_eq!(relations, ["first", "prev", "next", "last"]);
    assert_eq!(
        link(&reply, "next").as_deref(),
        Some("/film/search?title=star+wars&sort=-rating&offset=4&limit=2")
    );
    assert_eq!(
        link(&reply, "last").as_deref(),
        Some("/film/search?title=star+wars&sort=-rating&offset=4&limit=2")
    );
    let last = get(&app, &link(&reply, "last").expect("a last page")).await;
    assert_eq!(
        last.titles(),
        ["Star Wars: Episode I - The Phantom Menace"],
        "the worst rated episode"
    );
    assert!(link(&last, "next").is_none());
    let first = get(&app, &link(&reply, "first").expect("a first page")).await;
    assert!(link(&first, "prev").is_none());
    assert_eq!(first.titles().len(), 2);
}

#[tokio::test]
async fn an_offset_past_the_end_is_an_empty_page_with_the_total() {
    let reply = get(&app(), "/film/search?offset=100&limit=10").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), serde_json::json!([]));
    assert_eq!(reply.header("x-total-count"), Some("14"));
    assert_eq!(
        link(&reply, "prev").as_deref(),
        Some("/film/search?offset=10&limit=10"),
        "back to the last page"
    );
}

#[tokio::test]
async fn limit_zero_counts_without_films_or_links() {
    let reply = get(&app(), "/film/search?genres=Comedy&limit=0").await;
    assert_eq!(reply.json(), serde_json::json!([]));
    assert_eq!(reply.header("x-total-count"), Some("3"));
    assert!(reply.header("link").is_none());
}

#[tokio::test]
async fn similar_films_page_too() {
    let app = app();
    let first = get(&app, "/film/76759/similar/0?limit=3").await;
    let next = link(&first, "next").expect("a next page");
    assert_eq!(next, "/film/76759/similar/0?offset=3&limit=3");
    let second = get(&app, &next).await;
    let all = get(&app, "/film/76759/similar/0?limit=6").await;
    let mut paged = first.titles();
    paged.extend(second.titles());
    assert_eq!(paged, all.titles());
}

/// Similar pages are cut from the sorted row without sorting all of it, and cheap ones are
/// answered off the blocking pool: every page must still be the same slice of the whole list,
/// at thresholds on both sides of that choice.
#[tokio::test]
async fn every_similar_page_is_a_slice_of_the_whole_list() {
    let app = app();
    for film in [76759, 99785, 2488496] {
        for threshold in ["0", "0.01", "0.05", "0.1", "0.3"] {
            let path = format!("/film/{film}/similar/{threshold}");
            let whole = get(&app, &format!("{path}?limit=1000")).await;
            let total = whole.header("x-total-count").expect("a total").to_owned();
            let whole = whole.json().as_array().expect("a list").clone();
            assert_eq!(total, whole.len().to_string(), "{path}");
            for offset in 0..=whole.len() + 1 {
                for limit in [1, 2, 5, 20, 21] {
                    let page = get(&app, &format!("{path}?offset={offset}&limit={limit}")).await;
                    let range = offset.min(whole.len())..(offset + limit).min(whole.len());
                    let context = format!("{path} offset {offset} limit {limit}");
                    assert_eq!(
                        page.header("x-total-count"),
                        Some(total.as_str()),
                        "{context}"
                    );
                    assert_eq!(page.json(), Value::from(&whole[range]), "{context}");
                }
            }
        }
    }
}

/// A search whose criteria make the links longer than proxies take: no `Link`, the total
/// stays. (Each name is an exact-person criterion; an unknown one matches nothing, so the
/// list is `persons_any` with one real name among many long ones.)
#[tokio::test]
async fn links_longer_than_4_kb_are_left_out_and_the_total_stays() {
    let mut names: Vec<String> = (0..60).map(|i| format!("{i:0>80}")).collect();
    names.push("George Lucas".into());
    let body = serde_json::json!({"persons_any": names, "limit": 1}).to_string();
    let reply = post_json(&app(), "/film/search", body).await;
    assert_eq!(reply.status, 200);
    assert!(
        reply.header("link").is_none(),
        "{:?}",
        reply.header("link").map(str::len)
    );
    let total: usize = reply
        .header("x-total-count")
        .expect("a total")
        .parse()
        .expect("a number");
    assert!(total >= 2, "{total}");
    let short = post_json(
        &app(),
        "/film/search",
        r#"{"persons_any": ["George Lucas"], "limit": 1}"#,
    )
    .await;
    assert!(short.header("link").is_some(), "short links are still sent");
}
