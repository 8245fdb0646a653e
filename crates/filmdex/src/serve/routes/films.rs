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
use crate::serve::view::{FeatureView, FilmView};

/// The original answered at most 10 similar films; that stays the default page.
const DEFAULT_SIMILAR_LIMIT: u64 = 10;
const MAX_SIMILAR_LIMIT: u64 = 1_000;
/// Shared features listed per film with `explain=true`.
const EXPLAINED_FEATURES: usize = 5;

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
    // A whole row of the matrix: O(films), so off the async threads.
    let (body, total) = tokio::task::spawn_blocking(move || {
        similar_page(&snapshot, film_id, threshold, page, explain)
    })
    .await
    .map_err(|error| ApiError::internal(&error.into()))??;
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
    let neighbours = snapshot
        .matrix
        .similar_to(film_id, threshold)
        .ok_or_else(|| ApiError::film_not_found(film_id))?;
    let views: Vec<FilmView> = neighbours
        .iter()
        .skip(page.offset)
        .take(page.limit)
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
    let body = serde_json::to_vec(&views).map_err(|error| ApiError::internal(&error.into()))?;
    Ok((body, neighbours.len()))
}
