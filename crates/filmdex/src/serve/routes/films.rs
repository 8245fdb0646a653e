//! `GET /film/{film_id}` and `GET /film/{film_id}/similar/{threshold}`.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::serve::error::ApiError;
use crate::serve::extract;
use crate::serve::paging;
use crate::serve::search::Page;
use crate::serve::snapshot::Snapshot;
use crate::serve::state::AppState;
use crate::serve::view::{films_json, FeatureView, FilmView};

/// The original answered at most 10 similar films; that stays the default page.
const DEFAULT_SIMILAR_LIMIT: u64 = 10;
const MAX_SIMILAR_LIMIT: u64 = 1_000;
/// Shared features listed per film with `explain=true`.
const EXPLAINED_FEATURES: usize = 5;
/// A similar query this cheap runs on the async thread: handing it to the blocking pool costs
/// about 40 µs of CPU (two thread wake-ups), more than the query. Measured on 40k films, one
/// page at threshold 0.05 takes 15 µs (median) to 80 µs (slowest film), at 0.1 at most 130 µs,
/// and 20 films serialise in a few microseconds each. Lower thresholds score most films
/// (up to 1.5 ms at 0), explanations merge term lists per film, and the work grows with the
/// number of films: those go to the pool.
const INLINE_MIN_THRESHOLD: f64 = 0.05;
const INLINE_MAX_LIMIT: usize = 20;
const INLINE_MAX_FILMS: usize = 100_000;

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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimilarParams {
    limit: Option<i64>,
    offset: Option<i64>,
    explain: Option<bool>,
}

/// Every film at least `threshold` similar, best first, ties by film_id; one page of them.
pub async fn similar(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    query: Result<Query<SimilarParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path((film_text, threshold_text)) =
        path.map_err(|rejection| ApiError::invalid_parameter(rejection.body_text()))?;
    let film_id = extract::film_id(&film_text)?;
    let threshold = extract::threshold(&threshold_text)?;
    let Query(params) =
        query.map_err(|rejection| ApiError::invalid_parameter(rejection.body_text()))?;
    let page = Page::parse(
        params.limit,
        params.offset,
        DEFAULT_SIMILAR_LIMIT,
        MAX_SIMILAR_LIMIT,
    )?;
    let explain = params.explain.unwrap_or(false);
    let snapshot = state.snapshot();
    let cheap = !explain
        && threshold >= INLINE_MIN_THRESHOLD
        && page.limit <= INLINE_MAX_LIMIT
        && snapshot.films().len() <= INLINE_MAX_FILMS;
    let (body, total) = if cheap {
        similar_page(&snapshot, film_id, threshold, page, explain)?
    } else {
        tokio::task::spawn_blocking(move || {
            similar_page(&snapshot, film_id, threshold, page, explain)
        })
        .await
        .map_err(|error| ApiError::internal(&error.into()))??
    };
    let pairs: Vec<(&str, String)> = if explain {
        vec![("explain", "true".to_owned())]
    } else {
        Vec::new()
    };
    let path = format!("/film/{film_id}/similar/{threshold}");
    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response();
    response
        .headers_mut()
        .extend(paging::headers(&path, &pairs, page, total));
    Ok(response)
}

/// The JSON of one page of similar films, and how many there are in all.
fn similar_page(
    snapshot: &Snapshot,
    film_id: i32,
    threshold: f64,
    page: Page,
    explain: bool,
) -> Result<(Vec<u8>, usize), ApiError> {
    let (neighbours, total) = snapshot
        .matrix
        .similar_page(film_id, threshold, page.offset, page.limit)
        .ok_or_else(|| ApiError::film_not_found(film_id))?;
    let views: Vec<FilmView> = neighbours
        .iter()
        .filter_map(|neighbour| {
            let mut view = FilmView::new(snapshot.film(neighbour.film_id)?, neighbour.similarity);
            if explain {
                let explanation =
                    snapshot
                        .matrix
                        .explain(film_id, neighbour.film_id, EXPLAINED_FEATURES)?;
                view.explanation = Some(
                    explanation
                        .contributions
                        .into_iter()
                        .map(FeatureView::from)
                        .collect(),
                );
            }
            Some(view)
        })
        .collect();
    let body = films_json(&views).map_err(|error| ApiError::internal(&error.into()))?;
    Ok((body, total))
}
