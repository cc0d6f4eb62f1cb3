//! The platform's error responses as axum responses (feature `axum`).

use ::axum::body::Body;
use ::axum::http::{header, HeaderValue, StatusCode};
use ::axum::response::Response;

use super::issue::ValidationError;

pub(crate) fn json(status: StatusCode, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

pub(crate) fn rejected(e: &ValidationError) -> Response {
    let status = StatusCode::from_u16(e.code().http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
    json(status, e.to_response_json())
}
