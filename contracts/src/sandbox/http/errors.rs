//! The error responses, in the platform's error format.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use serde::Serialize;

use super::response::json;
use crate::issue::{ErrorCode, ValidationError};
use crate::sandbox::limiter::RateStatus;

#[derive(Serialize)]
struct ErrorOut<'a> {
    ok: bool,
    error: ErrorOutBody<'a>,
}

#[derive(Serialize)]
struct ErrorOutBody<'a> {
    code: &'a str,
    message: &'a str,
    issues: [(); 0],
}

/// The platform's error body with any code (the sandbox's own codes included).
pub(super) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = ErrorOut { ok: false, error: ErrorOutBody { code, message, issues: [] } };
    json(status, serde_json::to_vec(&body).unwrap_or_default())
}

pub(super) fn coded(code: ErrorCode, message: &str) -> Response {
    let status = StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    error(status, code.as_str(), message)
}

pub(super) fn rejected(e: &ValidationError) -> Response {
    let status = StatusCode::from_u16(e.code().http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
    json(status, e.to_response_json())
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
