//! What wraps every request: its id (`x-request-id`, kept from the client when sane), one log
//! line, the metrics, the rate limit, and the rewrite of every 4xx/5xx into the one error shape
//! with the request id, including answers that axum or tower-http produced on their own.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::{info, info_span, Instrument};

use super::error::ApiError;
use super::rate_limit::{Group, WorkTime};
use super::state::AppState;
use super::turns::CLIENT_RECENT_WORK;

pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The outermost layer: id, log, metrics and error shape.
pub async fn request_context(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let request_id = client_request_id(&request).unwrap_or_else(|| state.next_request_id());
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let span = info_span!("request", request_id = %request_id);
    let in_flight = state.metrics().request_started();
    let mut response = next.run(request).instrument(span).await;
    drop(in_flight);
    if response.status().is_client_error() || response.status().is_server_error() {
        response = error_shape(response, &request_id);
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(X_REQUEST_ID.clone(), value);
    }
    let route = response
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    let elapsed = started.elapsed();
    state
        .metrics()
        .observe(&method, route, response.status(), elapsed);
    info!(
        request_id = %request_id,
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        elapsed_us = elapsed.as_micros() as u64,
        "request"
    );
    response
}

/// A client's own id when it is short printable ASCII (it goes into logs and headers).
fn client_request_id(request: &Request) -> Option<String> {
    let value = request.headers().get(&X_REQUEST_ID)?.to_str().ok()?;
    let sane = !value.is_empty()
        && value.len() <= 128
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=".contains(&b));
    sane.then(|| value.to_owned())
}

/// Rebuilds an error answer's body as `{"code", "message", "request_id"}`, keeping its status
/// and headers (`Allow`, `Retry-After`, rate limits) but not its old length or encoding.
fn error_shape(response: Response, request_id: &str) -> Response {
    let (mut parts, _old_body) = response.into_parts();
    let error = match parts.extensions.get::<ApiError>() {
        Some(error) => error.clone(),
        None => ApiError::from_status(parts.status),
    };
    parts.status = error.status;
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_ENCODING);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(error.body(Some(request_id))))
}

/// Answers 503 `timed_out` when the rest of the stack (body read included) takes longer than
/// the request timeout. Blocking work already started runs to its end, holding its turn.
pub async fn request_timeout(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let limit = state.limits().request_timeout;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_elapsed) => ApiError::timed_out(limit).into_response(),
    }
}

/// Copies the matched route template into the response, for the metrics of `request_context`
/// (which runs outside the router and so cannot see it on the request).
pub async fn record_route(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(route);
    }
    response
}

/// Draws a token from the client's bucket of the route's group; refuses with 429 when empty.
/// Tells the expensive-work queue how much the client has worked lately, and charges the
/// blocking work of the answer, if any, afterwards.
pub async fn rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (Some(limiter), Some(group)) = (state.limiter(), Group::of(request.uri().path())) else {
        return next.run(request).await;
    };
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
    let client = state.proxies().client(peer, request.headers());
    let now = Instant::now();
    let decision = limiter.check(client, group, now);
    let mut response = if decision.allowed {
        let recent_work = limiter.recent_work(client, group, now);
        CLIENT_RECENT_WORK
            .scope(recent_work, next.run(request))
            .await
    } else {
        ApiError::rate_limited(decision.retry_after).into_response()
    };
    if let Some(WorkTime(work)) = response.extensions().get::<WorkTime>() {
        limiter.charge(client, group, *work, Instant::now());
    }
    response.headers_mut().extend(decision.headers());
    response
}
