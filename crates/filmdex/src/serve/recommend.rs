//! What a recommendation request asks for, read from a JSON body (`POST /recommend`) or a query
//! string (`GET /recommend`, a shareable URL): the liked and disliked films, whether to explain,
//! the page, and the search criteria as filters, with the same names and errors as
//! `/film/search`.

use serde_json::{Map, Value};

use super::error::ApiError;
use super::paging::Page;
use super::search::query_string;
use super::search::SearchQuery;

/// Most films a list may like, and most it may dislike.
pub const MAX_INPUT_FILMS: usize = 100;
/// The page when none is asked for, and the largest one.
pub const DEFAULT_LIMIT: u64 = 10;
pub const MAX_LIMIT: u64 = 1_000;

/// The parameters of `/recommend` that are not search criteria.
const OWN: [&str; 3] = ["like", "dislike", "explain"];

/// A recommendation request, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct RecommendQuery {
    pub like: Vec<i32>,
    pub dislike: Vec<i32>,
    pub explain: bool,
    pub page: Page,
    /// The filters; their `limit` and `offset` are moved into `page`.
    pub filters: SearchQuery,
}

impl RecommendQuery {
    /// From a JSON object: `like`, `dislike` and `explain`, then the search criteria, whose
    /// unknown fields are refused as `/film/search` refuses them.
    pub fn from_json(mut body: Map<String, Value>) -> Result<RecommendQuery, ApiError> {
        let like = film_ids_json("like", body.remove("like"))?;
        let dislike = film_ids_json("dislike", body.remove("dislike"))?;
        let explain = match body.remove("explain") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(explain)) => explain,
            Some(other) => {
                return Err(ApiError::invalid_parameter(format!(
                    "explain must be true or false, got {other}"
                )))
            }
        };
        let filters: SearchQuery =
            serde_json::from_value(Value::Object(body)).map_err(|error| {
                ApiError::invalid_parameter(format!("the request body is not valid: {error}"))
            })?;
        RecommendQuery::checked(like, dislike, explain, filters)
    }

    /// From a query string: `like` and `dislike` repeat (`like=1&like=2`) or hold ids joined by
    /// commas (`like=1,2`).
    pub fn from_query_string(query: Option<&str>) -> Result<RecommendQuery, ApiError> {
        let (filters, own) = query_string::parse_with(query, &OWN)?;
        let (mut like, mut dislike, mut explain) = (Vec::new(), Vec::new(), None);
        for (key, value) in own {
            match key.as_str() {
                "like" => like.extend(film_ids_text("like", &value)?),
                "dislike" => dislike.extend(film_ids_text("dislike", &value)?),
                _ => {
                    if explain.is_some() {
                        return Err(ApiError::invalid_parameter(
                            "explain is given more than once",
                        ));
                    }
                    explain = Some(boolean("explain", &value)?);
                }
            }
        }
        RecommendQuery::checked(like, dislike, explain.unwrap_or(false), filters)
    }

    fn checked(
        like: Vec<i32>,
        dislike: Vec<i32>,
        explain: bool,
        mut filters: SearchQuery,
    ) -> Result<RecommendQuery, ApiError> {
        if like.is_empty() {
            return Err(ApiError::invalid_parameter(
                "like must name at least one film_id",
            ));
        }
        for (name, ids) in [("like", &like), ("dislike", &dislike)] {
            if ids.len() > MAX_INPUT_FILMS {
                return Err(ApiError::invalid_parameter(format!(
                    "{name} takes at most {MAX_INPUT_FILMS} films, got {}",
                    ids.len()
                )));
            }
        }
        let page = Page::parse(filters.limit, filters.offset, DEFAULT_LIMIT, MAX_LIMIT)?;
        filters.limit = None;
        filters.offset = None;
        Ok(RecommendQuery {
            like,
            dislike,
            explain,
            page,
            filters,
        })
    }

    /// The request as query pairs, without `limit` and `offset` (the paging links set those).
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let ids = |ids: &[i32]| ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",");
        let mut pairs = vec![("like", ids(&self.like))];
        if !self.dislike.is_empty() {
            pairs.push(("dislike", ids(&self.dislike)));
        }
        if self.explain {
            pairs.push(("explain", "true".to_owned()));
        }
        pairs.extend(query_string::render(&self.filters));
        pairs
    }
}

/// `true` or `false`, as a query parameter.
pub fn boolean(name: &str, value: &str) -> Result<bool, ApiError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ApiError::invalid_parameter(format!(
            "{name} must be true or false, got `{}`",
            query_string::shorten(value)
        ))),
    }
}

fn film_ids_json(name: &str, value: Option<Value>) -> Result<Vec<i32>, ApiError> {
    let invalid = || {
        ApiError::invalid_parameter(format!(
            "{name} must be a list of film_ids (whole numbers from 0 to {})",
            i32::MAX
        ))
    };
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_i64()
                    .and_then(|id| i32::try_from(id).ok())
                    .filter(|&id| id >= 0)
                    .ok_or_else(invalid)
            })
            .collect(),
        Some(_) => Err(invalid()),
    }
}

fn film_ids_text(name: &str, value: &str) -> Result<Vec<i32>, ApiError> {
    value
        .split(',')
        .filter(|id| !id.trim().is_empty())
        .map(|id| {
            query_string::integer::<i32>(name, id)
                .ok()
                .filter(|&id| id >= 0)
                .ok_or_else(|| {
                    ApiError::invalid_parameter(format!(
                        "{name} must be film_ids (whole numbers from 0 to {}), got `{}`",
                        i32::MAX,
                        query_string::shorten(id)
                    ))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_string_and_a_body_say_the_same() {
        let from_url = RecommendQuery::from_query_string(Some(
            "like=1,2&like=3&dislike=4&explain=true&genres=Drama&year_from=2000&limit=5",
        ))
        .expect("valid");
        let body = serde_json::json!({
            "like": [1, 2, 3], "dislike": [4], "explain": true,
            "genres": ["Drama"], "year_from": 2000, "limit": 5
        });
        let Value::Object(body) = body else {
            unreachable!("a literal object")
        };
        let from_body = RecommendQuery::from_json(body).expect("valid");
        assert_eq!(from_url, from_body);
        assert_eq!(
            from_url.page,
            Page {
                offset: 0,
                limit: 5
            }
        );
        let again = serde_urlencoded::to_string(from_url.to_pairs()).expect("encodes");
        let mut reparsed = RecommendQuery::from_query_string(Some(&again)).expect("parses back");
        reparsed.page = from_url.page;
        assert_eq!(reparsed, from_url);
    }

    #[test]
    fn bad_lists_are_refused_with_their_name() {
        for (query, named) in [
            ("", "like"),
            ("like=", "like"),
            ("like=abc", "like"),
            ("like=1&dislike=-4", "dislike"),
            ("like=1&explain=maybe", "explain"),
            ("like=1&colour=red", "colour"),
            ("like=1&limit=1001", "limit"),
        ] {
            let error = RecommendQuery::from_query_string(Some(query)).expect_err(query);
            assert_eq!(error.code.as_str(), "invalid_parameter", "{query}");
            assert!(error.message.contains(named), "{query}: {}", error.message);
        }
        let many: Vec<String> = (0..=MAX_INPUT_FILMS).map(|id| id.to_string()).collect();
        let query = format!("like={}", many.join(","));
        assert!(RecommendQuery::from_query_string(Some(&query)).is_err());
    }
}
