//! Files compiled into the binary and served as they are: the web page (`webui`) and the API
//! viewers (`docs`). One policy for all of them: browsers keep a file but ask again each time
//! (`no-cache`) with its ETag, and get a 304 while it is unchanged. The names carry no content
//! hash, so this is what keeps a new binary's page from mixing with an old one's modules.

use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

pub const HTML: &str = "text/html; charset=utf-8";
pub const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
pub const CSS: &str = "text/css; charset=utf-8";
pub const SVG: &str = "image/svg+xml";
pub const JSON: &str = "application/json";

const CACHE_CONTROL: &str = "no-cache";

/// One embedded file.
pub struct EmbeddedFile {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

impl EmbeddedFile {
    pub const fn new(name: &'static str, content_type: &'static str, body: &'static [u8]) -> Self {
        EmbeddedFile {
            name,
            content_type,
            body,
        }
    }
}

/// A set of embedded files served under one Content-Security-Policy, with an ETag per file.
/// Made once per process (kept in a `LazyLock`), since the ETags hash every file.
pub struct EmbeddedFiles {
    files: &'static [EmbeddedFile],
    content_security_policy: &'static str,
    etags: Vec<HeaderValue>,
}

impl EmbeddedFiles {
    pub fn new(files: &'static [EmbeddedFile], content_security_policy: &'static str) -> Self {
        EmbeddedFiles {
            files,
            content_security_policy,
            etags: files.iter().map(etag_of).collect(),
        }
    }

    /// The index of the file called `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.files.iter().position(|file| file.name == name)
    }

    /// File `index` with its headers, or a bodiless 304 when the request's `If-None-Match`
    /// names its ETag.
    pub fn respond(&self, index: usize, request: &HeaderMap) -> Response {
        let file = &self.files[index];
        let etag = &self.etags[index];
        let fresh = request
            .get(header::IF_NONE_MATCH)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|tags| {
                tags.split(',')
                    .any(|tag| tag.trim() == "*" || tag.trim().as_bytes() == etag.as_bytes())
            });
        let headers = [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(file.content_type),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static(CACHE_CONTROL),
            ),
            (header::ETAG, etag.clone()),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(self.content_security_policy),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
            (
                HeaderName::from_static("x-frame-options"),
                HeaderValue::from_static("DENY"),
            ),
        ];
        if fresh {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        (headers, file.body).into_response()
    }
}

/// A strong ETag from the file's content.
fn etag_of(file: &EmbeddedFile) -> HeaderValue {
    let digest = format!("{:x}", Sha256::digest(file.body));
    HeaderValue::from_str(&format!("\"{}\"", &digest[..20]))
        .expect("hex digits are a valid header value")
}
