//! The API's one error shape, `{"code", "message", "request_id"}`, and its small stable set of
//! codes. Handlers return [`ApiError`]; the request middleware (`context`) fills in the request
//! id and also turns the framework's own plain-text rejections (unknown route, wrong method,
//! oversized body) into this shape, so no 4xx or 5xx leaves the server in another form.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The largest request body accepted, in bytes; a larger one is a `body_too_large` error.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The stable error codes; clients branch on these, never on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    FilmNotFound,
    InvalidFilmId,
    InvalidThreshold,
    InvalidRegex,
    InvalidParameter,
    InvalidBody,
    UnsupportedMediaType,
    BodyTooLarge,
    RateLimited,
    NotFound,
    MethodNotAllowed,
    NotReady,
    Overloaded,
    TimedOut,
    InternalError,
}

impl ErrorCode {
    /// The one table of codes: each code's name (what clients branch on) and its HTTP status.
    /// One exception, kept for the original's clients: a body that is not JSON at all is
    /// `invalid_body` with 400 rather than 422 ([`ApiError::with_status`]).
    fn entry(self) -> (&'static str, StatusCode) {
        match self {
            ErrorCode::FilmNotFound => ("film_not_found", StatusCode::NOT_FOUND),
            ErrorCode::InvalidFilmId => ("invalid_film_id", StatusCode::UNPROCESSABLE_ENTITY),
            ErrorCode::InvalidThreshold => ("invalid_threshold", StatusCode::UNPROCESSABLE_ENTITY),
            ErrorCode::InvalidRegex => ("invalid_regex", StatusCode::UNPROCESSABLE_ENTITY),
            ErrorCode::InvalidParameter => ("invalid_parameter", StatusCode::UNPROCESSABLE_ENTITY),
            ErrorCode::InvalidBody => ("invalid_body", StatusCode::UNPROCESSABLE_ENTITY),
            ErrorCode::UnsupportedMediaType => {
                ("unsupported_media_type", StatusCode::UNSUPPORTED_MEDIA_TYPE)
            }
            ErrorCode::BodyTooLarge => ("body_too_large", StatusCode::PAYLOAD_TOO_LARGE),
            ErrorCode::RateLimited => ("rate_limited", StatusCode::TOO_MANY_REQUESTS),
            ErrorCode::NotFound => ("not_found", StatusCode::NOT_FOUND),
            ErrorCode::MethodNotAllowed => ("method_not_allowed", StatusCode::METHOD_NOT_ALLOWED),
            ErrorCode::NotReady => ("not_ready", StatusCode::SERVICE_UNAVAILABLE),
            ErrorCode::Overloaded => ("overloaded", StatusCode::SERVICE_UNAVAILABLE),
            ErrorCode::TimedOut => ("timed_out", StatusCode::SERVICE_UNAVAILABLE),
            ErrorCode::InternalError => ("internal_error", StatusCode::INTERNAL_SERVER_ERROR),
        }
    }

    pub fn as_str(self) -> &'static str {
        self.entry().0
    }

    pub fn status(self) -> StatusCode {
        self.entry().1
    }
}

/// An error answer: status, code and a message meant for the person calling the API.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
}

/// The JSON body of every error.
#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'static str,
    message: &'a str,
    request_id: Option<&'a str>,
}

impl ApiError {
    /// An error with its code's status.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status: code.status(),
            code,
            message: message.into(),
        }
    }

    /// The same error with another status, for the few answers whose status is not their
    /// code's (see [`ErrorCode::entry`]).
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub fn film_not_found(film_id: i32) -> Self {
        Self::new(
            ErrorCode::FilmNotFound,
            format!("no film has film_id {film_id}"),
        )
    }

    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidParameter, message)
    }

    pub fn invalid_regex(field: &str, message: impl std::fmt::Display) -> Self {
        Self::new(
            ErrorCode::InvalidRegex,
            format!("`{field}` is not a valid regular expression: {message}"),
        )
    }

    pub fn body_too_large() -> Self {
        Self::new(
            ErrorCode::BodyTooLarge,
            format!("the request body is over {} KB", BODY_LIMIT / 1024),
        )
    }

    pub fn rate_limited(retry_after_seconds: u64) -> Self {
        Self::new(
            ErrorCode::RateLimited,
            format!("too many requests from this client; retry in {retry_after_seconds} s"),
        )
    }

    /// Too much expensive work at once; the answer says to retry in a second.
    pub fn overloaded() -> Self {
        Self::new(
            ErrorCode::Overloaded,
            "the server is busy with other searches; retry in 1 s",
        )
    }

    pub fn timed_out(limit: std::time::Duration) -> Self {
        Self::new(
            ErrorCode::TimedOut,
            format!(
                "the request was not answered within {}",
                humantime::format_duration(limit)
            ),
        )
    }

    /// A server fault: the details go to the log, the client gets an opaque message.
    pub fn internal(error: &anyhow::Error) -> Self {
        tracing::error!(error = %format!("{error:#}"), "request failed");
        Self::internal_opaque()
    }

    fn internal_opaque() -> Self {
        Self::new(ErrorCode::InternalError, "internal server error")
    }

    /// The error for a response that some layer produced without an [`ApiError`] (axum's own
    /// 404, 405 and body rejections, a caught panic): chosen from its status alone.
    pub fn from_status(status: StatusCode) -> Self {
        let (code, message) = match status {
            StatusCode::NOT_FOUND => (ErrorCode::NotFound, "no such route"),
            StatusCode::METHOD_NOT_ALLOWED => (
                ErrorCode::MethodNotAllowed,
                "this route does not accept this method",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => return Self::body_too_large(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                ErrorCode::UnsupportedMediaType,
                "the request body must be application/json",
            ),
            StatusCode::TOO_MANY_REQUESTS => {
                (ErrorCode::RateLimited, "too many requests from this client")
            }
            StatusCode::SERVICE_UNAVAILABLE => (ErrorCode::NotReady, "the server is not ready"),
            status if status.is_client_error() => {
                (ErrorCode::InvalidBody, "the request is not valid")
            }
            _ => return Self::internal_opaque(),
        };
        Self::new(code, message).with_status(status)
    }

    /// The JSON body, with the request id when known.
    pub fn body(&self, request_id: Option<&str>) -> String {
        let body = ErrorBody {
            code: self.code.as_str(),
            message: &self.message,
            request_id,
        };
        serde_json::to_string(&body).expect("an error body always serialises")
    }

    /// The response for this error; the request middleware rewrites its body with the id.
    pub fn to_response(&self, request_id: Option<&str>) -> Response {
        let mut response = (self.status, self.body(request_id)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if self.code == ErrorCode::Overloaded {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response.extensions_mut().insert(self.clone());
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.to_response(None)
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        Self::internal(&error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_have_code_message_and_request_id() {
        let error = ApiError::film_not_found(7);
        let body: serde_json::Value = serde_json::from_str(&error.body(Some("abc"))).expect("json");
        assert_eq!(
            body,
            serde_json::json!({"code": "film_not_found", "message": "no film has film_id 7", "request_id": "abc"})
        );
    }

    #[test]
    fn server_errors_are_opaque() {
        let error = ApiError::from_status(StatusCode::BAD_GATEWAY);
        assert_eq!(error.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(error.message, "internal server error");
        let error = ApiError::internal(&anyhow::anyhow!("secret path /etc/x"));
        assert!(!error.body(None).contains("secret"));
    }
}
