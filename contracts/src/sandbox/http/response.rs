//! JSON responses, and the replay of an idempotent request's first answer.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;

const REPLAYED: HeaderName = HeaderName::from_static(crate::platform::headers::IDEMPOTENT_REPLAYED);

pub(super) fn json(status: StatusCode, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

pub(super) fn replay(body: Bytes) -> Response {
    let mut response = json(StatusCode::OK, body);
    response.headers_mut().insert(REPLAYED, HeaderValue::from_static("true"));
    response
}
