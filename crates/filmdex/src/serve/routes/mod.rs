//! The route table and the layers around it, outermost first: gzip, request context (id, log,
//! metrics, error shape), request timeout, CORS when configured, rate limit, panic guard, body
//! limit; around the data routes only, HTTP caching (`caching`).

mod films;
mod recommend;
mod search;
mod suggest;
mod system;

use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, MethodRouter};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;

use super::caching;
use super::docs;
use super::error::BODY_LIMIT;
use super::middleware::{rate_limit, record_route, request_context, request_timeout};
use super::state::AppState;

/// Every documented route, with its method (tests compare it with the OpenAPI file); the
/// viewers' own script and style files are left out.
pub const ROUTES: [(&str, &str); 14] = [
    ("GET", "/"),
    ("GET", "/film/{film_id}"),
    ("GET", "/film/{film_id}/similar/{threshold}"),
    ("GET", "/film/search"),
    ("POST", "/film/search"),
    ("GET", "/film/suggest"),
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
    // The data routes: the original's with their trailing-slash forms, and recommendations;
    // HTTP caching around them only (health, metrics and files have their own rules).
    let data = Router::new()
        .route("/film/suggest", get(suggest::suggest))
        .route(
            "/recommend",
            get(recommend::recommend_get).post(recommend::recommend_post),
        )
        .merge(with_trailing_slash(
            "/film/search",
            get(search::search_get).post(search::search_post),
        ))
        .merge(with_trailing_slash("/film/{film_id}", get(films::film)))
        .merge(with_trailing_slash(
            "/film/{film_id}/similar/{threshold}",
            get(films::similar),
        ))
        .route_layer(from_fn_with_state(state.clone(), caching::revalidate));
    let routes = Router::new()
        .route("/", get(system::root))
        .merge(data)
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

/// Routes `path` and `path/` to the same handler: the original's server (FastAPI) redirected
/// the trailing-slash form of its routes, and its clients use it (its own test posts to
/// `/film/search/`). The same answer spares them a second request.
fn with_trailing_slash(path: &str, handler: MethodRouter<AppState>) -> Router<AppState> {
    Router::new()
        .route(path, handler.clone())
        .route(&format!("{path}/"), handler)
}

/// The metrics address's whole application (`--metrics-addr`): `/metrics`, nothing else.
pub fn metrics_router(state: AppState) -> Router {
    let metrics = move || {
        let state = state.clone();
        async move { system::metrics_text(&state) }
    };
    Router::new().route("/metrics", get(metrics))
}
