//! HTTP caching of the API's GET answers: an ETag made from the database's build and the URL,
//! `Cache-Control: no-cache`, and 304 to a matching `If-None-Match`.
//!
//! The data changes only when a reload swaps in another build, and a reload can come at any
//! moment, so no answer is declared fresh for a fixed time (`max-age` would serve the old build
//! for that long after a reload). Instead caches and clients keep answers and revalidate each
//! use: while the build is the same, the answer is a 304 with no body, decided before the
//! handler runs. The tag covers the URL as well as the build, so a tag sent to another URL
//! never matches; answers are a function of the build and the URL (`Accept-Encoding` aside,
//! hence a weak tag). Errors carry no tag.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::state::AppState;

/// Caches may store an answer but must ask again (and get a 304) before each use.
const CACHE_CONTROL: HeaderValue = HeaderValue::from_static("no-cache");

/// The layer of the cacheable routes: GET and HEAD only.
pub async fn revalidate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let snapshot = state.snapshot();
    let uri = request.uri();
    let etag = etag(
        &snapshot.meta.build_id,
        uri.path_and_query()
            .map_or(uri.path(), |path| path.as_str()),
    );
    let condition = Condition::of(request.headers(), &etag);
    if condition == Condition::Matches {
        return not_modified(etag);
    }
    let mut response = next.run(request).await;
    // A reload while the handler ran: the answer may come from either build, so it gets no tag
    // rather than a wrong one.
    let same_build = state.snapshot().meta.build_id == snapshot.meta.build_id;
    if response.status() != StatusCode::OK || !same_build {
        return response;
    }
    if condition == Condition::Any {
        return not_modified(etag);
    }
    let headers = response.headers_mut();
    headers.insert(header::ETAG, etag);
    headers.insert(header::CACHE_CONTROL, CACHE_CONTROL);
    response
}

/// `W/"<32 hex digits>"` from the build, this filmdex's version (the JSON's shape) and the URL.
fn etag(build: &str, path_and_query: &str) -> HeaderValue {
    let mut hasher = Sha256::new();
    for part in [build, env!("CARGO_PKG_VERSION"), path_and_query] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    // Written into a buffer: this runs on every request.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut tag = *b"W/\"00000000000000000000000000000000\"";
    for (index, byte) in hasher.finalize()[..16].iter().enumerate() {
        tag[3 + 2 * index] = HEX[usize::from(byte >> 4)];
        tag[4 + 2 * index] = HEX[usize::from(byte & 0xf)];
    }
    HeaderValue::from_bytes(&tag).expect("hex digits are a valid header value")
}

/// What the request's `If-None-Match` says about the current answer.
#[derive(Debug, PartialEq, Eq)]
enum Condition {
    /// None given, or none of the given tags is the current one.
    Unmatched,
    /// One of the given tags is the current one (compared weakly, as GET requires).
    Matches,
    /// `*`: any current answer matches, so a 200 becomes a 304 once it is known to be a 200.
    Any,
}

impl Condition {
    fn of(headers: &HeaderMap, etag: &HeaderValue) -> Condition {
        let current = opaque(etag.to_str().expect("made from hex digits"));
        let mut condition = Condition::Unmatched;
        for value in headers.get_all(header::IF_NONE_MATCH) {
            let Ok(value) = value.to_str() else { continue };
            for tag in value.split(',').map(str::trim) {
                if tag == "*" {
                    condition = Condition::Any;
                } else if opaque(tag) == current {
                    return Condition::Matches;
                }
            }
        }
        condition
    }
}

/// A tag without its weakness mark, for the weak comparison.
fn opaque(tag: &str) -> &str {
    tag.strip_prefix("W/").unwrap_or(tag)
}

fn not_modified(etag: HeaderValue) -> Response {
    (
        StatusCode::NOT_MODIFIED,
        [(header::ETAG, etag), (header::CACHE_CONTROL, CACHE_CONTROL)],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(if_none_match: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in if_none_match {
            headers.append(
                header::IF_NONE_MATCH,
                HeaderValue::from_str(value).expect("test value"),
            );
        }
        headers
    }

    #[test]
    fn a_tag_depends_on_the_build_and_the_url() {
        let tag = etag("build-a", "/film/1");
        assert_eq!(tag, etag("build-a", "/film/1"));
        assert_ne!(tag, etag("build-b", "/film/1"));
        assert_ne!(tag, etag("build-a", "/film/2"));
        assert_ne!(tag, etag("build-a", "/film/1?limit=2"));
        assert!(tag.to_str().expect("ascii").starts_with("W/\""));
    }

    #[test]
    fn if_none_match_is_compared_weakly_in_lists_and_repeated_headers() {
        let tag = etag("build", "/film/1");
        let text = tag.to_str().expect("ascii").to_owned();
        let strong = text.trim_start_matches("W/").to_owned();
        assert_eq!(Condition::of(&headers(&[]), &tag), Condition::Unmatched);
        assert_eq!(
            Condition::of(&headers(&["\"other\""]), &tag),
            Condition::Unmatched
        );
        assert_eq!(Condition::of(&headers(&[&text]), &tag), Condition::Matches);
        assert_eq!(
            Condition::of(&headers(&[&strong]), &tag),
            Condition::Matches
        );
        let list = format!("\"other\", {text}");
        assert_eq!(Condition::of(&headers(&[&list]), &tag), Condition::Matches);
        assert_eq!(
            Condition::of(&headers(&["\"other\"", &text]), &tag),
            Condition::Matches
        );
        assert_eq!(Condition::of(&headers(&["*"]), &tag), Condition::Any);
    }
}
