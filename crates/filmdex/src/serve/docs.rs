//! `/openapi.json`, `/docs` (Swagger UI) and `/redoc` (ReDoc), served entirely from the binary:
//! the viewers are vendored from npm into `assets/` (see its README) and a Content-Security-Policy
//! keeps the browser from contacting any other origin, so the pages work offline.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::state::AppState;

/// The API description, OpenAPI 3.1, written by hand and checked against the router by tests.
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

const SWAGGER_UI_JS: &[u8] = include_bytes!("../../assets/swagger-ui/swagger-ui-bundle.js");
const SWAGGER_UI_CSS: &[u8] = include_bytes!("../../assets/swagger-ui/swagger-ui.css");
const REDOC_JS: &[u8] = include_bytes!("../../assets/redoc/redoc.standalone.js");

const SWAGGER_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>filmdex API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"#;

/// In a file of its own rather than inline, so the policy can forbid inline scripts.
const SWAGGER_INIT: &str = r##"window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null
  });
});
"##;

const REDOC_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>filmdex API</title>
</head>
<body>
<redoc spec-url="/openapi.json"></redoc>
<script src="/redoc/redoc.standalone.js"></script>
</body>
</html>
"#;

/// Same-origin only. The viewers style elements inline, ReDoc runs a worker from a blob and
/// compiles JSON schemas with `new Function`; none of that reaches outside.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self' 'unsafe-eval' blob:; \
     worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
     connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/openapi.json",
            get(|| async { asset("application/json", OPENAPI_JSON.as_bytes()) }),
        )
        .route("/docs", get(|| async { page(SWAGGER_PAGE) }))
        .route(
            "/docs/init.js",
            get(|| async { asset("text/javascript; charset=utf-8", SWAGGER_INIT.as_bytes()) }),
        )
        .route(
            "/docs/swagger-ui-bundle.js",
            get(|| async { asset("text/javascript; charset=utf-8", SWAGGER_UI_JS) }),
        )
        .route(
            "/docs/swagger-ui.css",
            get(|| async { asset("text/css; charset=utf-8", SWAGGER_UI_CSS) }),
        )
        .route("/redoc", get(|| async { page(REDOC_PAGE) }))
        .route(
            "/redoc/redoc.standalone.js",
            get(|| async { asset("text/javascript; charset=utf-8", REDOC_JS) }),
        )
}

fn page(html: &'static str) -> Response {
    let mut response = asset("text/html; charset=utf-8", html.as_bytes());
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

fn asset(content_type: &'static str, bytes: &'static [u8]) -> Response {
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=3600"),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
    ];
    (headers, bytes).into_response()
}
