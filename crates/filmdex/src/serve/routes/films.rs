//! `GET /film/{film_id}` and `GET /film/{film_id}/similar/{threshold}` (with the search
//! criteria as filters).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::serve::error::ApiError;
use crate::serve::extract;
use crate::serve::films::RowSet;
use crate::serve::paging::{self, Page};
use crate::serve::rate_limit::WorkTime;
use crate::serve::recommend;
use crate::serve::search::{self, query_string, SearchQuery};
use crate::serve::snapshot::Snapshot;
use crate::serve::state::AppState;
use crate::serve::view::{films_json, FilmView};

/// The original answered at most 10 similar films; that stays the default page.
const DEFAULT_SIMILAR_LIMIT: u64 = 10;
const MAX_SIMILAR_LIMIT: u64 = 1_000;

pub async fn film(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(text) =
        path.map_err(|rejection| ApiError::invalid_parameter(rejection.body_text()))?;
    let film_id = extract::film_id(&text)?;
    let snapshot = state.snapshot();
    let film = snapshot
        .film(film_id)
        .ok_or_else(|| ApiError::film_not_found(film_id))?;
    Ok(Json(FilmView::new(film, 1.0)).into_response())
}

/// Every film at least `threshold` similar, best first, ties by film_id; one page of them,
/// among the films passing the search criteria given as query parameters.
pub async fn similar(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let Path((film_text, threshold_text)) =
        path.map_err(|rejection| ApiError::invalid_parameter(rejection.body_text()))?;
    let film_id = extract::film_id(&film_text)?;
    let threshold = extract::threshold(&threshold_text)?;
    let (mut filters, own) = query_string::parse_with(query.as_deref(), &["explain"])?;
    let explain = match own.as_slice() {
        [] => false,
        [(_, value)] => recommend::boolean("explain", value)?,
        _ => {
            return Err(ApiError::invalid_parameter(
                "explain is given more than once",
            ))
        }
    };
    let page = Page::parse(
        filters.limit.take(),
        filters.offset.take(),
        DEFAULT_SIMILAR_LIMIT,
        MAX_SIMILAR_LIMIT,
    )?;
    let snapshot = state.snapshot();
    let filtered = filters != SearchQuery::default();
    let ((body, total), work) = if snapshot.similar_is_cheap(threshold, filtered, page, explain) {
        let page = similar_page(&snapshot, film_id, threshold, None, page, explain)?;
        (page, None)
    } else {
        let filters = filters.clone();
        let turn = state.expensive_turn().await?;
        let (answer, work) = tokio::task::spawn_blocking(move || {
            turn.run(|| {
                let allowed = search::filter(snapshot.table(), &filters, state.regexes())?;
                similar_page(
                    &snapshot,
                    film_id,
                    threshold,
                    allowed.as_ref(),
                    page,
                    explain,
                )
            })
        })
        .await
        .map_err(|error| ApiError::internal(&error.into()))?;
        (answer?, Some(WorkTime(work)))
    };
    let mut pairs: Vec<(&str, String)> = if explain {
        vec![("explain", "true".to_owned())]
    } else {
        Vec::new()
    };
    pairs.extend(query_string::render(&filters));
    let path = format!("/film/{film_id}/similar/{threshold}");
    let mut response = paging::response(body, &path, &pairs, page, total);
    if let Some(work) = work {
        response.extensions_mut().insert(work);
    }
    Ok(response)
}

/// The JSON of one page of similar films, and how many there are in all.
fn similar_page(
    snapshot: &Snapshot,
    film_id: i32,
    threshold: f64,
    allowed: Option<&RowSet>,
    page: Page,
    explain: bool,
) -> Result<(Vec<u8>, usize), ApiError> {
    let (similar, total) = snapshot
        .similar_films(film_id, threshold, allowed, page, explain)
        .ok_or_else(|| ApiError::film_not_found(film_id))?;
    let views: Vec<FilmView> = similar.into_iter().map(FilmView::similar).collect();
    let body = films_json(&views).map_err(|error| ApiError::internal(&error.into()))?;
    Ok((body, total))
}
