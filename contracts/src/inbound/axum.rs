//! The inbound layer's refusals as axum responses (feature `axum`).

use ::axum::http::StatusCode;
use ::axum::response::Response;

use super::error::InboundError;
use crate::validate::axum::json;

pub(crate) fn refused(e: &InboundError) -> Response {
    let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
    json(status, e.to_validation_error().to_response_json())
}
