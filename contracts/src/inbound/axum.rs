//! The inbound layer in axum (feature `axum`): [`InboundError`] as the platform's answer.

use ::axum::http::StatusCode;
use ::axum::response::{IntoResponse, Response};

use super::error::InboundError;
use crate::validate::axum::json;

/// The platform's answer to a refused webhook (feature `axum`): [`InboundError::http_status`]
/// (401 for a signature, 400 for a malformed body, 422 for an invalid event or an unsupported
/// topic, 404 for an undeclared path) and the body of [`InboundError::to_validation_error`], as
/// JSON. The sandbox's webhook routes answer with this response.
///
/// ```
/// use axum::response::IntoResponse;
/// use loop_contracts::inbound::{InboundError, SignatureError};
///
/// let response = InboundError::Signature(SignatureError::Mismatch).into_response();
/// assert_eq!(response.status(), 401);
/// assert_eq!(response.headers()["content-type"], "application/json");
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
impl IntoResponse for InboundError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
        json(status, self.to_validation_error().to_response_json())
    }
}
