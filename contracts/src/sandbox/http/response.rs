//! JSON responses, and the replay of an idempotent request's first answer.

use axum::body::Bytes;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;

const REPLAYED: HeaderName = HeaderName::from_static(crate::platform::headers::IDEMPOTENT_REPLAYED);

pub(super) use crate::validate::axum::json;

pub(super) fn replay(body: Bytes) -> Response {
    let mut response = json(StatusCode::OK, body);
    response.headers_mut().insert(REPLAYED, HeaderValue::from_static("true"));
    response
}
