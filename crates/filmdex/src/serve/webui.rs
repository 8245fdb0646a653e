//! The web page: plain HTML, ES modules and CSS from `assets/ui/`, embedded in
//! the binary and served at `/ui/`, so the build needs no JavaScript toolchain and the page works
//! with no network. The page routes itself (`/ui/film/42`), so any other path under `/ui/` that
//! does not name a file gets `index.html`.

use std::sync::LazyLock;

use axum::extract::rejection::PathRejection;
use axum::extract::Path;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

use super::embedded::{EmbeddedFile, EmbeddedFiles, CSS, HTML, JAVASCRIPT, SVG};

/// Where the page lives; `GET /` sends browsers here.
pub const UI_PATH: &str = "/ui/";

/// Same origin only: the page fetches nothing from anywhere else, and no inline script or
/// style can run even if a title smuggled markup in.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; manifest-src 'self'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// Every file of `assets/ui/` (a test checks that none is missing); `index.html` first.
const ASSETS: [EmbeddedFile; 15] = [
    EmbeddedFile::new(
        "index.html",
        HTML,
        include_bytes!("../../assets/ui/index.html"),
    ),
    EmbeddedFile::new(
        "style.css",
        CSS,
        include_bytes!("../../assets/ui/style.css"),
    ),
    EmbeddedFile::new(
        "favicon.svg",
        SVG,
        include_bytes!("../../assets/ui/favicon.svg"),
    ),
    EmbeddedFile::new(
        "app.js",
        JAVASCRIPT,
        include_bytes!("../../assets/ui/app.js"),
    ),
    EmbeddedFile::new(
        "api.js",
        JAVASCRIPT,
        include_bytes!("../../assets/ui/api.js"),
    ),
    EmbeddedFile::new(
        "dom.js",
        JAVASCRIPT,
        include_bytes!("../../assets/ui/dom.js"),
    ),
    EmbeddedFile::new(
        "errors.js",
        JAVASCRIPT,
        include_bytes!("../../assets/ui/errors.js"),
    ),
    EmbeddedFile::new(
        "film.js",
        JAVASCRIPT,
        include_bytes!("../../assets/ui/film.js"),
    ),
    EmbeddedFile::new(
        "format.js",
        JAVASCRIPT,
        include_bytes!("../../assets/ui/format.js"),
    ),
    EmbeddedFile::new(
        "list.js",
        JAVASCRIPT,
        include_bytes!("../../assets/ui/list.js"),
    ),
    EmbeddedFile::new(
        "parts.js",
        JAVASCRIPT,
        include_bytes!("../../assets/ui/parts.js"),
    ),
    EmbeddedFile::new(
        "recommend.js",
        JAVASCRIPT,
        include_bytes!("../../assets/ui/recommend.js"),
    ),
    EmbeddedFile::new(
        "search.js",
        JAVASCRIPT,
        include_bytes!("../../assets/ui/search.js"),
    ),
    EmbeddedFile::new(
        "suggest.js",
        JAVASCRIPT,
        include_bytes!("../../assets/ui/suggest.js"),
    ),
    EmbeddedFile::new(
        "timing.js",
        JAVASCRIPT,
        include_bytes!("../../assets/ui/timing.js"),
    ),
];
const INDEX: usize = 0;

static UI_FILES: LazyLock<EmbeddedFiles> =
    LazyLock::new(|| EmbeddedFiles::new(&ASSETS, CONTENT_SECURITY_POLICY));

/// Routes serving the embedded page: `/ui` (redirect), `/ui/` and `/ui/<file or page path>`.
pub fn ui_router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/ui", get(|| async { Redirect::permanent(UI_PATH) }))
        .route(UI_PATH, get(index))
        .route("/ui/{*path}", get(file))
}

/// Whether a request prefers a page to JSON (a browser's `Accept: text/html, ...`).
pub fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|media| {
            media
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .eq_ignore_ascii_case("text/html")
        })
}

async fn index(headers: HeaderMap) -> Response {
    serve(INDEX, &headers)
}

async fn file(path: Result<Path<String>, PathRejection>, headers: HeaderMap) -> Response {
    match path.ok().and_then(|Path(path)| lookup(&path)) {
        Some(found) => serve(found, &headers),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The asset for a path under `/ui/`: the file of that name, else the page itself, except for
/// names that look like files (a dot in the last segment), which are missing files: a 404.
fn lookup(path: &str) -> Option<usize> {
    if let Some(found) = UI_FILES.position(path) {
        return Some(found);
    }
    let last = path.rsplit('/').next().unwrap_or(path);
    (!last.contains('.')).then_some(INDEX)
}

fn serve(found: usize, request: &HeaderMap) -> Response {
    UI_FILES.respond(found, request)
}

#[cfg(test)]
mod tests {
    use axum::body::{to_bytes, Body};
    use axum::http::Request;
    use tower::ServiceExt;

    use super::*;

    async fn get_with(path: &str, headers: &[(&str, &str)]) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut request = Request::get(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = ui_router::<()>()
            .oneshot(request.body(Body::empty()).expect("request"))
            .await
            .expect("infallible");
        let (parts, body) = response.into_parts();
        let body = to_bytes(body, usize::MAX).await.expect("body");
        (parts.status, parts.headers, body.to_vec())
    }

    async fn get(path: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        get_with(path, &[]).await
    }

    fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn the_page_is_served_with_its_headers() {
        let (status, headers, body) = get("/ui/").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(header(&headers, "content-type"), HTML);
        assert_eq!(header(&headers, "cache-control"), "no-cache");
        assert!(header(&headers, "content-security-policy").contains("connect-src 'self'"));
        assert!(header(&headers, "etag").starts_with('"'));
        assert!(String::from_utf8(body)
            .expect("utf-8")
            .contains("<script type=\"module\" src=\"/ui/app.js\">"));
    }

    #[tokio::test]
    async fn every_asset_has_its_bytes_and_content_type() {
        for asset in &ASSETS {
            let (status, headers, body) = get(&format!("/ui/{}", asset.name)).await;
            assert_eq!(status, StatusCode::OK, "{}", asset.name);
            assert_eq!(
                header(&headers, "content-type"),
                asset.content_type,
                "{}",
                asset.name
            );
            assert_eq!(body, asset.body, "{}", asset.name);
        }
    }

    #[tokio::test]
    async fn page_paths_get_the_page_and_missing_files_a_404() {
        for path in ["/ui/film/76759", "/ui/film/76759/", "/ui/anything/else"] {
            let (status, headers, _) = get(path).await;
            assert_eq!(
                (status, header(&headers, "content-type")),
                (StatusCode::OK, HTML),
                "{path}"
            );
        }
        for path in ["/ui/missing.js", "/ui/film/1/app.js", "/ui/../Cargo.toml"] {
            assert_eq!(get(path).await.0, StatusCode::NOT_FOUND, "{path}");
        }
    }

    #[tokio::test]
    async fn the_bare_prefix_redirects_to_the_page() {
        let (status, headers, _) = get("/ui").await;
        assert_eq!(status, StatusCode::PERMANENT_REDIRECT);
        assert_eq!(header(&headers, "location"), UI_PATH);
    }

    #[tokio::test]
    async fn an_unchanged_file_is_not_sent_again() {
        let (_, headers, _) = get("/ui/app.js").await;
        let etag = header(&headers, "etag").to_owned();
        let (status, _, body) = get_with("/ui/app.js", &[("if-none-match", &etag)]).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED);
        assert!(body.is_empty());
        let (status, _, _) = get_with("/ui/app.js", &[("if-none-match", "\"other\"")]).await;
        assert_eq!(status, StatusCode::OK);
    }

    #[test]
    fn every_file_of_the_folder_is_embedded_and_every_reference_exists() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/ui");
        let mut on_disk: Vec<String> = std::fs::read_dir(&folder)
            .expect("assets/ui exists")
            .map(|entry| {
                entry
                    .expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        let mut embedded: Vec<String> = ASSETS.iter().map(|asset| asset.name.to_owned()).collect();
        on_disk.sort();
        embedded.sort();
        assert_eq!(on_disk, embedded);
        let html = String::from_utf8_lossy(ASSETS[INDEX].body);
        for reference in html
            .split("\"/ui/")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
        {
            assert!(
                reference.is_empty() || lookup(reference).is_some_and(|found| found != INDEX),
                "{reference}"
            );
        }
    }

    #[test]
    fn browsers_are_told_apart_from_api_clients() {
        let mut headers = HeaderMap::new();
        assert!(!accepts_html(&headers));
        headers.insert(
            header::ACCEPT,
            axum::http::HeaderValue::from_static("application/json"),
        );
        assert!(!accepts_html(&headers));
        headers.insert(
            header::ACCEPT,
            axum::http::HeaderValue::from_static("text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"),
        );
        assert!(accepts_html(&headers));
    }
}
