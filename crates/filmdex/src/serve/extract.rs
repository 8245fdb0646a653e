//! Reading requests with our own errors: the JSON body (size limit, content type, unknown
//! fields) and the path parameters, whose problems axum would otherwise answer in plain text.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;

use super::error::{ApiError, ErrorCode};

/// A JSON body; an empty body is `T::default()` (the original's empty search crashed).
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let content_type = request.headers().get(header::CONTENT_TYPE).cloned();
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::body_too_large()
                } else {
                    ApiError::new(ErrorCode::InvalidBody, "the request body could not be read")
                        .with_status(StatusCode::BAD_REQUEST)
                }
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonBody(T::default()));
        }
        // No content type is taken as JSON, as curl and the original's clients send it.
        if let Some(content_type) = content_type {
            if !is_json(content_type.to_str().unwrap_or_default()) {
                return Err(ApiError::new(
                    ErrorCode::UnsupportedMediaType,
                    "the request body must be JSON (Content-Type: application/json)",
                ));
            }
        }
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(json_error)
    }
}

fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Syntax errors are 400; well-formed JSON of the wrong shape (types, unknown fields) is 422.
fn json_error(error: serde_json::Error) -> ApiError {
    let status = match error.classify() {
        serde_json::error::Category::Data => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::BAD_REQUEST,
    };
    ApiError::new(
        ErrorCode::InvalidBody,
        format!("the request body is not valid: {error}"),
    )
    .with_status(status)
}

/// A film id from the path: a whole number within the films table's INTEGER range.
pub fn film_id(text: &str) -> Result<i32, ApiError> {
    match text.parse::<i32>() {
        Ok(id) if id >= 0 && text.bytes().all(|b| b.is_ascii_digit()) => Ok(id),
        _ => Err(ApiError::new(
            ErrorCode::InvalidFilmId,
            format!(
                "film_id must be a whole number from 0 to {} (tt0099785 is 99785), got `{}`",
                i32::MAX,
                shorten(text)
            ),
        )),
    }
}

/// A similarity threshold from the path: a cosine value from 0 to 1.
pub fn threshold(text: &str) -> Result<f64, ApiError> {
    let invalid = |detail: String| {
        ApiError::new(
            ErrorCode::InvalidThreshold,
            format!("threshold is a cosine similarity from 0 to 1 (0.3 means 30%); {detail}"),
        )
    };
    let value: f64 = text
        .parse()
        .map_err(|_| invalid(format!("`{}` is not a number", shorten(text))))?;
    if !value.is_finite() {
        return Err(invalid(format!("got `{}`", shorten(text))));
    }
    if value > 1.0 && value <= 100.0 {
        return Err(invalid(format!(
            "got {value}: for {value}% write {}",
            value / 100.0
        )));
    }
    if !(0.0..=1.0).contains(&value) {
        return Err(invalid(format!("got {value}")));
    }
    Ok(value)
}

/// At most 100 characters of client input, for messages.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(100) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn film_ids_are_non_negative_integers() {
        assert_eq!(film_id("99785").ok(), Some(99785));
        for bad in ["-1", "+5", "1.0", "tt0099785", "99999999999", "", " 1"] {
            assert_eq!(
                film_id(bad).map_err(|e| e.code),
                Err(ErrorCode::InvalidFilmId),
                "{bad}"
            );
        }
    }

    #[test]
    fn thresholds_are_cosines_and_percentages_are_explained() {
        assert_eq!(threshold("0.3").ok(), Some(0.3));
        assert_eq!(threshold("1").ok(), Some(1.0));
        assert_eq!(threshold("0").ok(), Some(0.0));
        let error = threshold("30").expect_err("a percentage");
        assert!(
            error.message.contains("0.3 means 30%") && error.message.contains("write 0.3"),
            "{}",
            error.message
        );
        for bad in ["-1", "NaN", "inf", "1.0001", "abc", "1e400"] {
            assert_eq!(
                threshold(bad).map_err(|e| e.code),
                Err(ErrorCode::InvalidThreshold),
                "{bad}"
            );
        }
    }

    #[test]
    fn json_content_types() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(is_json("application/merge-patch+json"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/x-www-form-urlencoded"));
    }
}
