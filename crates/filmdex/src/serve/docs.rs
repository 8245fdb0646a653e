//! `/openapi.json`, `/docs` (Swagger UI) and `/redoc` (ReDoc), served entirely from the binary:
//! the viewers are vendored from npm into `assets/` (see its README) and a Content-Security-Policy
//! keeps the browser from contacting any other origin, so the pages work offline.

use std::sync::LazyLock;

use axum::http::HeaderMap;
use axum::routing::get;
use axum::Router;

use super::embedded::{EmbeddedFile, EmbeddedFiles, CSS, HTML, JAVASCRIPT, JSON};

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

/// Every file of the docs routes, named by its path.
const FILES: [EmbeddedFile; 7] = [
    EmbeddedFile::new("/openapi.json", JSON, OPENAPI_JSON.as_bytes()),
    EmbeddedFile::new("/docs", HTML, SWAGGER_PAGE.as_bytes()),
    EmbeddedFile::new("/docs/init.js", JAVASCRIPT, SWAGGER_INIT.as_bytes()),
    EmbeddedFile::new("/docs/swagger-ui-bundle.js", JAVASCRIPT, SWAGGER_UI_JS),
    EmbeddedFile::new("/docs/swagger-ui.css", CSS, SWAGGER_UI_CSS),
    EmbeddedFile::new("/redoc", HTML, REDOC_PAGE.as_bytes()),
    EmbeddedFile::new("/redoc/redoc.standalone.js", JAVASCRIPT, REDOC_JS),
];

static DOCS_FILES: LazyLock<EmbeddedFiles> =
    LazyLock::new(|| EmbeddedFiles::new(&FILES, CONTENT_SECURITY_POLICY));

pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    FILES
        .iter()
        .enumerate()
        .fold(Router::new(), |router, (index, file)| {
            router.route(
                file.name,
                get(move |headers: HeaderMap| async move { DOCS_FILES.respond(index, &headers) }),
            )
        })
}
