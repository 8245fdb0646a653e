//! Cross-origin access for browsers on other sites, off unless origins are configured. The
//! origins are parsed once, when the server's state is made, so a bad one fails at start.

use anyhow::{Context, Result};
use axum::http::{header, HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// CORS for the configured origins ("*" for any); `None` when there are none (CORS off).
pub fn layer(origins: &[String]) -> Result<Option<CorsLayer>> {
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
