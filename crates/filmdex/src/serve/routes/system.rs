//! The routes around the API: the root, health and readiness probes, metrics, and the answer
//! for a route that does not exist.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde_json::json;

use crate::serve::error::{ApiError, ErrorCode};
use crate::serve::state::AppState;
use crate::serve::webui;

/// The original's answer for API clients; a browser goes to the web page instead.
pub async fn root(headers: HeaderMap) -> Response {
    if webui::accepts_html(&headers) {
        Redirect::to(webui::UI_PATH).into_response()
    } else {
        Json("Server is running.").into_response()
    }
}

/// Alive: the process answers.
pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// Ready: a database is loaded and the server is not shutting down.
pub async fn readyz(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    if state.is_shutting_down() {
        return Err(ApiError::new(
            ErrorCode::NotReady,
            "the server is shutting down",
        ));
    }
    let snapshot = state.snapshot();
    Ok(Json(json!({
        "status": "ready",
        "films": snapshot.films().len(),
        "built_at": snapshot.meta.built_at,
        "feature_set": snapshot.meta.feature_set.to_string(),
    })))
}

pub async fn metrics(State(state): State<AppState>, uri: Uri) -> Response {
    if state.metrics_elsewhere() {
        return not_found(uri).await.into_response();
    }
    metrics_text(&state)
}

/// The metrics exposition; the whole answer of the metrics address (`--metrics-addr`).
pub fn metrics_text(state: &AppState) -> Response {
    let text = state.metrics().render(&state.snapshot());
    let content_type = HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8");
    ([(header::CONTENT_TYPE, content_type)], text).into_response()
}

pub async fn not_found(uri: Uri) -> ApiError {
    let path: String = uri.path().chars().take(200).collect();
    ApiError::new(ErrorCode::NotFound, format!("no route for {path}"))
}
