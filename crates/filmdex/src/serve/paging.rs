//! Paging headers: the body of a list answer stays a plain JSON list (as the original's), and the
//! total and the neighbouring pages go in `X-Total-Count` and an RFC 8288 `Link` header with
//! `first`, `prev`, `next` and `last`.

use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// Which slice of the results to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub offset: usize,
    pub limit: usize,
}

impl Page {
    /// `limit` from 0 to `max` (`default` when absent) and `offset` from 0.
    pub fn parse(
        limit: Option<i64>,
        offset: Option<i64>,
        default: u64,
        max: u64,
    ) -> Result<Page, ApiError> {
        let limit = limit.unwrap_or(default as i64);
        if !(0..=max as i64).contains(&limit) {
            return Err(ApiError::invalid_parameter(format!(
                "limit must be from 0 to {max}, got {limit}"
            )));
        }
        let offset = offset.unwrap_or(0);
        if offset < 0 {
            return Err(ApiError::invalid_parameter(format!(
                "offset must be 0 or more, got {offset}"
            )));
        }
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        Ok(Page {
            offset,
            limit: limit as usize,
        })
    }
}

/// The longest `Link` header sent. The links repeat every criterion four times, and many
/// proxies refuse header lines over 4 to 8 KB; a longer one is left out (the total stays, and
/// a client can still page with `offset`).
pub const MAX_LINK_BYTES: usize = 4 * 1024;

/// A page of a list as a response: the JSON `body` with the paging headers of [`headers`].
pub fn response(
    body: Vec<u8>,
    path: &str,
    pairs: &[(&str, String)],
    page: Page,
    total: usize,
) -> Response {
    let content_type = HeaderValue::from_static("application/json");
    let mut response = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    response
        .headers_mut()
        .extend(headers(path, pairs, page, total));
    response
}

pub static X_TOTAL_COUNT: HeaderName = HeaderName::from_static("x-total-count");

/// The paging headers of `page` out of `total` items. `path` is the route's path and `pairs`
/// the query parameters that select the items (everything but `offset` and `limit`).
pub fn headers(path: &str, pairs: &[(&str, String)], page: Page, total: usize) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(X_TOTAL_COUNT.clone(), HeaderValue::from(total));
    let links: Vec<String> = relations(page, total)
        .into_iter()
        .map(|(relation, offset)| {
            format!(
                "<{}>; rel=\"{relation}\"",
                url(path, pairs, offset, page.limit)
            )
        })
        .collect();
    let value = links.join(", ");
    // Every part is percent-encoded or our own text, so the value is always valid.
    if let Ok(value) = HeaderValue::from_str(&value) {
        if !links.is_empty() && value.len() <= MAX_LINK_BYTES {
            headers.insert(axum::http::header::LINK, value);
        }
    }
    headers
}

/// (relation, offset) of each neighbouring page; none when pages are empty (`limit` 0).
fn relations(page: Page, total: usize) -> Vec<(&'static str, usize)> {
    let Page { offset, limit } = page;
    if limit == 0 {
        return Vec::new();
    }
    let last = total.saturating_sub(1) / limit * limit;
    let mut relations = vec![("first", 0)];
    if offset > 0 {
        // A page before the end steps back one limit; past the end, it goes to the last page.
        relations.push(("prev", offset.saturating_sub(limit).min(last)));
    }
    if offset.saturating_add(limit) < total {
        relations.push(("next", offset + limit));
    }
    relations.push(("last", last));
    relations
}

fn url(path: &str, pairs: &[(&str, String)], offset: usize, limit: usize) -> String {
    let mut all: Vec<(&str, String)> = pairs.to_vec();
    all.push(("offset", offset.to_string()));
    all.push(("limit", limit.to_string()));
    let query = serde_urlencoded::to_string(&all).unwrap_or_default();
    format!("{path}?{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(page: Page, total: usize) -> String {
        let headers = headers("/film/search", &[("title", "a b".into())], page, total);
        headers
            .get("link")
            .map(|v| v.to_str().expect("ascii").to_owned())
            .unwrap_or_default()
    }

    #[test]
    fn middle_pages_link_all_four_ways() {
        assert_eq!(
            link(
                Page {
                    offset: 10,
                    limit: 10
                },
                35
            ),
            "</film/search?title=a+b&offset=0&limit=10>; rel=\"first\", \
             </film/search?title=a+b&offset=0&limit=10>; rel=\"prev\", \
             </film/search?title=a+b&offset=20&limit=10>; rel=\"next\", \
             </film/search?title=a+b&offset=30&limit=10>; rel=\"last\""
        );
    }

    fn page(offset: usize, limit: usize) -> Page {
        Page { offset, limit }
    }

    #[test]
    fn edges_have_no_prev_or_next() {
        assert_eq!(relations(page(0, 10), 5), [("first", 0), ("last", 0)]);
        assert_eq!(
            relations(page(30, 10), 35),
            [("first", 0), ("prev", 20), ("last", 30)]
        );
        assert_eq!(
            relations(page(500, 10), 35),
            [("first", 0), ("prev", 30), ("last", 30)]
        );
        assert_eq!(relations(page(0, 10), 0), [("first", 0), ("last", 0)]);
        assert!(relations(page(0, 0), 9).is_empty());
    }

    #[test]
    fn the_total_is_a_header() {
        let headers = headers(
            "/x",
            &[],
            Page {
                offset: 0,
                limit: 5,
            },
            42,
        );
        assert_eq!(
            headers.get("x-total-count").map(|v| v.as_bytes()),
            Some(b"42".as_slice())
        );
    }
}
