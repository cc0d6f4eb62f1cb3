//! The error responses, in the platform's error format.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::response::json;
use crate::sandbox::limiter::RateStatus;
use crate::validate::issue::{ErrorBody, ErrorCode, ErrorResponse};

/// The platform's error body, the shared [`ErrorResponse`], with `code`, `message` and no issues.
fn body(code: ErrorCode, message: &str) -> Vec<u8> {
    let body = ErrorResponse { ok: false, error: ErrorBody { code, message: message.to_owned(), issues: Vec::new() } };
    serde_json::to_vec(&body).unwrap_or_default()
}

/// The platform's error body answered with `status`, which differs from the code's own status
/// where HTTP has a more precise one: 408, 413 and 415 carry `MALFORMED_REQUEST`.
pub(super) fn error(status: StatusCode, code: ErrorCode, message: &str) -> Response {
    json(status, body(code, message))
}

/// The platform's error body with the code's own status.
pub(super) fn coded(code: ErrorCode, message: &str) -> Response {
    ErrorResponse { ok: false, error: ErrorBody { code, message: message.to_owned(), issues: Vec::new() } }
        .into_response()
}

/// `421 MISDIRECTED_REQUEST`, for a `Host` that does not name the sandbox.
pub(super) fn misdirected(message: &str) -> Response {
    coded(ErrorCode::MisdirectedRequest, message)
}

pub(super) fn unauthorized(message: &str) -> Response {
    let mut response = coded(ErrorCode::Unauthorized, message);
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"loop-sandbox\""));
    response
}

pub(super) fn rate_limited(status: &RateStatus) -> Response {
    let retry = status.retry_after.unwrap_or(1);
    let message = format!("rate limit exceeded ({}): retry after {retry} s", status.tier);
    coded(ErrorCode::RateLimited, &message)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The body every error had before it was the shared type: byte for byte, `issues: []` included.
    fn expected(code: &str, message: &str) -> String {
        let message = serde_json::to_string(message).unwrap();
        format!(r#"{{"ok":false,"error":{{"code":"{code}","message":{message},"issues":[]}}}}"#)
    }

    #[test]
    fn error_bodies_are_the_platform_s_byte_for_byte() {
        let codes = [
            ErrorCode::MalformedRequest,
            ErrorCode::Unauthorized,
            ErrorCode::ValidationError,
            ErrorCode::UnknownEvent,
            ErrorCode::RateLimited,
            ErrorCode::InternalError,
            ErrorCode::IdempotencyConflict,
            ErrorCode::IdempotencyInProgress,
            ErrorCode::NotFound,
            ErrorCode::MethodNotAllowed,
            ErrorCode::MisdirectedRequest,
        ];
        for message in ["m", "no route \"/x\"", "tab\tnewline\n \u{1} é \\"] {
            for code in codes {
                assert_eq!(String::from_utf8(body(code, message)).unwrap(), expected(code.as_str(), message));
            }
        }
    }
}
