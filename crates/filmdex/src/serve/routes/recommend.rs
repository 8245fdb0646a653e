//! `POST /recommend` (the list in a JSON body) and `GET /recommend?like=...` (the same as a
//! shareable URL): films ranked by their similarity to the taste of the liked and disliked
//! films, filtered by the search criteria. The body is the list of films; the total and the
//! page links are headers, as for search.

use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde_json::{Map, Value};

use crate::serve::error::ApiError;
use crate::serve::extract::JsonBody;
use crate::serve::paging;
use crate::serve::rate_limit::WorkTime;
use crate::serve::recommend::RecommendQuery;
use crate::serve::search;
use crate::serve::state::AppState;
use crate::serve::view::{films_json, FilmView};

pub async fn recommend_post(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Response, ApiError> {
    answer(state, RecommendQuery::from_json(body)?).await
}

pub async fn recommend_get(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    answer(state, RecommendQuery::from_query_string(query.as_deref())?).await
}

async fn answer(state: AppState, query: RecommendQuery) -> Result<Response, ApiError> {
    let snapshot = state.snapshot();
    let turn = state.expensive_turn().await?;
    // Scoring every film takes a millisecond or more: off the async threads.
    let (answer, work) = tokio::task::spawn_blocking(move || {
        turn.run(|| -> Result<_, ApiError> {
            let taste = snapshot
                .taste(&query.like, &query.dislike)
                .map_err(|unknown| ApiError::invalid_parameter(unknown.to_string()))?;
            let allowed = search::filter(snapshot.table(), &query.filters, state.regexes())?;
            let (films, total) =
                snapshot.recommend(&taste, allowed.as_ref(), query.page, query.explain);
            let views: Vec<FilmView> = films
                .into_iter()
                .map(|recommended| FilmView::recommended(recommended, &snapshot))
                .collect();
            let body = films_json(&views).map_err(|error| ApiError::internal(&error.into()))?;
            Ok((body, total, query))
        })
    })
    .await
    .map_err(|error| ApiError::internal(&error.into()))?;
    let (body, total, query) = answer?;
    let pairs = query.to_pairs();
    let mut response = paging::response(body, "/recommend", &pairs, query.page, total);
    response.extensions_mut().insert(WorkTime(work));
    Ok(response)
}
