//! The route table and the layers around it, outermost first: gzip, request context (id, log,
//! metrics, error shape), request timeout, CORS when configured, rate limit, panic guard, body
//! limit.

mod films;
mod recommend;
mod search;
mod system;

use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;

use super::docs;
use super::error::BODY_LIMIT;
use super::middleware::{rate_limit, record_route, request_context, request_timeout};
use super::state::AppState;

/// Every documented route, with its method (tests compare it with the OpenAPI file); the
/// viewers' own script and style files are left out.
pub const ROUTES: [(&str, &str); 13] = [
    ("GET", "/"),
    ("GET", "/film/{film_id}"),
    ("GET", "/film/{film_id}/similar/{threshold}"),
    ("GET", "/film/search"),
    ("POST", "/film/search"),
    ("GET", "/recommend"),
    ("POST", "/recommend"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/redoc"),
];

/// The whole application over `state`.
pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .route("/", get(system::root))
        .route(
            "/film/search",
            get(search::search_get).post(search::search_post),
        )
        .route(
            "/recommend",
            get(recommend::recommend_get).post(recommend::recommend_post),
        )
        .route("/film/{film_id}", get(films::film))
        .route("/film/{film_id}/similar/{threshold}", get(films::similar))
        .route("/healthz", get(system::healthz))
        .route("/readyz", get(system::readyz))
        .route("/metrics", get(system::metrics))
        .merge(docs::routes())
        .merge(super::webui::ui_router())
        .route_layer(from_fn(record_route))
        .fallback(system::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(CatchPanicLayer::new())
        .layer(from_fn_with_state(state.clone(), rate_limit));
    let routes = match state.cors() {
        Some(cors) => routes.layer(cors.clone()),
        None => routes,
    };
    routes
        .layer(from_fn_with_state(state.clone(), request_timeout))
        .layer(from_fn_with_state(state.clone(), request_context))
        .layer(CompressionLayer::new())
        .with_state(state)
}

/// The metrics address's whole application (`--metrics-addr`): `/metrics`, nothing else.
pub fn metrics_router(state: AppState) -> Router {
    let metrics = move || {
        let state = state.clone();
        async move { system::metrics_text(&state) }
    };
    Router::new().route("/metrics", get(metrics))
}
