//! `GET /film/suggest?q=...&limit=N`: the films a search box suggests while a query is typed,
//! best first, as small objects (film_id, title, year, what matched).

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::serve::error::ApiError;
use crate::serve::rate_limit::WorkTime;
use crate::serve::search::query_string::{integer, shorten};
use crate::serve::search::MAX_QUERY_CHARS;
use crate::serve::state::AppState;
use crate::serve::view::SuggestionView;

/// Suggestions given when `limit` is not.
pub const DEFAULT_SUGGESTIONS: usize = 8;
/// Most suggestions one request may ask for.
pub const MAX_SUGGESTIONS: usize = 20;

pub async fn suggest(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (q, limit) = parse(query.as_deref())?;
    let snapshot = state.snapshot();
    let turn = state.expensive_turn().await?;
    // A common word still scans the postings of every film it reaches: up to about a
    // millisecond of CPU at 40k films and several at 330k (docs/perf-journal.md), too long for
    // an async thread, so a turn and a blocking thread.
    let (body, work) = tokio::task::spawn_blocking(move || {
        turn.run(|| -> Result<_, ApiError> {
            let table = snapshot.table();
            let index = table.text_index();
            let ranked = index.suggest(&q, limit);
            let films = snapshot.films();
            let suggestions: Vec<SuggestionView> = ranked
                .iter()
                .map(|&ranked| {
                    let film = &films[ranked.row as usize];
                    SuggestionView {
                        film_id: film.film_id,
                        title: &film.title,
                        year: film.year.as_deref(),
                        matched: index.matched(ranked).into(),
                    }
                })
                .collect();
            let body = serde_json::to_vec(&suggestions)
                .map_err(|error| ApiError::internal(&error.into()))?;
            Ok(body)
        })
    })
    .await
    .map_err(|error| ApiError::internal(&error.into()))?;
    let body = body?;
    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response();
    response.extensions_mut().insert(WorkTime(work));
    Ok(response)
}

/// `q` (absent or blank: no suggestion) and `limit` from the query string.
fn parse(query: Option<&str>) -> Result<(String, usize), ApiError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.unwrap_or("")).map_err(|error| {
            ApiError::invalid_parameter(format!("the query string does not parse: {error}"))
        })?;
    let (mut q, mut limit) = (None, None);
    for (key, value) in pairs {
        let slot_taken = match key.as_str() {
            "q" => q.replace(value).is_some(),
            "limit" => limit.replace(integer::<i64>("limit", &value)?).is_some(),
            _ => {
                return Err(ApiError::invalid_parameter(format!(
                    "unknown query parameter `{}`; expected q, limit",
                    shorten(&key)
                )))
            }
        };
        if slot_taken {
            return Err(ApiError::invalid_parameter(format!(
                "{key} is given more than once"
            )));
        }
    }
    let limit = match limit {
        None => DEFAULT_SUGGESTIONS,
        Some(limit) if (1..=MAX_SUGGESTIONS as i64).contains(&limit) => limit as usize,
        Some(limit) => {
            return Err(ApiError::invalid_parameter(format!(
                "limit must be from 1 to {MAX_SUGGESTIONS}, got {limit}"
            )))
        }
    };
    let q = q.unwrap_or_default();
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::invalid_parameter(format!(
            "q must be at most {MAX_QUERY_CHARS} characters"
        )));
    }
    Ok((q, limit))
}
