//! `POST /film/search` (criteria in a JSON body, as the original) and `GET /film/search`
//! (the same criteria as query parameters). The body is the list of films; the total and the
//! page links are headers.

use axum::extract::{RawQuery, State};
use axum::response::Response;

use crate::serve::error::ApiError;
use crate::serve::extract::JsonBody;
use crate::serve::paging;
use crate::serve::rate_limit::WorkTime;
use crate::serve::search::{query_string, search, Criteria, SearchQuery};
use crate::serve::state::AppState;
use crate::serve::view::{films_json, FilmView};

pub async fn search_post(
    State(state): State<AppState>,
    JsonBody(query): JsonBody<SearchQuery>,
) -> Result<Response, ApiError> {
    answer(state, query).await
}

pub async fn search_get(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    answer(state, query_string::parse(query.as_deref())?).await
}

async fn answer(state: AppState, query: SearchQuery) -> Result<Response, ApiError> {
    let snapshot = state.snapshot();
    let turn = state.expensive_turn().await?;
    // Compiling regexes and scanning every film take up to milliseconds: off the async threads.
    let (answer, work) = tokio::task::spawn_blocking(move || {
        turn.run(|| -> Result<_, ApiError> {
            let criteria = Criteria::compile(&query, state.regexes())?;
            let result = search(snapshot.table(), &criteria);
            let films = FilmView::found(&result, snapshot.table());
            let body = films_json(&films).map_err(|error| ApiError::internal(&error.into()))?;
            Ok((body, result.total, criteria.page, query))
        })
    })
    .await
    .map_err(|error| ApiError::internal(&error.into()))?;
    let (body, total, page, query) = answer?;
    let pairs = query_string::render(&query);
    let mut response = paging::response(body, "/film/search", &pairs, page, total);
    response.extensions_mut().insert(WorkTime(work));
    Ok(response)
}
