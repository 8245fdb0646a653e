//! The route table and the layers around it, outermost first: gzip, request context (id, log,
//! metrics, error shape), CORS when configured, rate limit, panic guard, body limit.

mod films;
mod search;
mod system;

use anyhow::{Context, Result};
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::docs;
use super::extract::BODY_LIMIT;
use super::middleware::{rate_limit, record_route, request_context};
use super::state::AppState;

/// Every documented route, with its method (tests compare it with the OpenAPI file); the
/// viewers' own script and style files are left out.
pub const ROUTES: [(&str, &str); 11] = [
    ("GET", "/"),
    ("GET", "/film/{film_id}"),
    ("GET", "/film/{film_id}/similar/{threshold}"),
    ("GET", "/film/search"),
    ("POST", "/film/search"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/redoc"),
];

/// The whole application over `state`; CORS settings are checked in [`cors_layer`] first.
pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .route("/", get(system::root))
        .route(
            "/film/search",
            get(search::search_get).post(search::search_post),
        )
        .route("/film/{film_id}", get(films::film))
        .route("/film/{film_id}/similar/{threshold}", get(films::similar))
        .route("/healthz", get(system::healthz))
        .route("/readyz", get(system::readyz))
        .route("/metrics", get(system::metrics))
        .merge(docs::routes())
        .merge(crate::webui::ui_router())
        .route_layer(from_fn(record_route))
        .fallback(system::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(CatchPanicLayer::new())
        .layer(from_fn_with_state(state.clone(), rate_limit));
    // Origins were validated when the state was made; an invalid one here means none.
    let routes = match cors_layer(state.cors_origins()) {
        Ok(Some(cors)) => routes.layer(cors),
        _ => routes,
    };
    routes
        .layer(from_fn_with_state(state.clone(), request_context))
        .layer(CompressionLayer::new())
        .with_state(state)
}

/// CORS for the configured origins ("*" for any); `None` when there are none (CORS off).
pub fn cors_layer(origins: &[String]) -> Result<Option<CorsLayer>> {
    if origins.is_empty() {
        return Ok(None);
    }
    let allow = if origins.iter().any(|origin| origin == "*") {
        AllowOrigin::any()
    } else {
        let values = origins
            .iter()
            .map(|origin| {
                HeaderValue::from_str(origin.trim_end_matches('/'))
                    .with_context(|| format!("CORS origin `{origin}` is not a valid header value"))
            })
            .collect::<Result<Vec<_>>>()?;
        AllowOrigin::list(values)
    };
    let exposed = [
        "x-total-count",
        "x-request-id",
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
    ];
    let mut exposed: Vec<HeaderName> = exposed.into_iter().map(HeaderName::from_static).collect();
    exposed.extend([header::LINK, header::RETRY_AFTER]);
    Ok(Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::CONTENT_TYPE,
                HeaderName::from_static("x-request-id"),
            ])
            .expose_headers(exposed),
    ))
}
