//! Request bodies: read within the body limit and the body timeout, or drained when the request
//! is refused before its handler runs.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use http_body_util::{BodyExt, LengthLimitError, Limited};

use super::errors::{coded, error};
use crate::sandbox::state::Shared;
use crate::validate::issue::ErrorCode;

/// Reads and drops the body of a request refused before its handler ran, up to the body limit,
/// then gives the response. An unread body makes the server close the connection after
/// answering, without `Connection: close`: a client that sent the next request on it (most
/// keep-alive clients) would see it fail.
pub(super) async fn drained(shared: &Shared, request: Request, response: Response) -> Response {
    drain(shared, request.into_body()).await;
    response
}

/// Reads and drops a body nobody will look at, up to the body limit and the body timeout (see
/// [`drained`]); a body that is still arriving then is left, and hyper closes the connection.
pub(super) async fn drain(shared: &Shared, body: Body) {
    let _ = tokio::time::timeout(shared.body_timeout, Limited::new(body, shared.body_limit).collect()).await;
}

/// Reads the body, up to the limit (`413` beyond it) and within the body timeout (`408` after it:
/// a body trickled a byte at a time would otherwise hold its connection as long as the client likes).
pub(super) async fn read_body(shared: &Shared, headers: &HeaderMap, body: Body) -> Result<Bytes, Response> {
    let limit = shared.body_limit;
    let too_large = || {
        let message = format!("the request body is larger than the limit of {limit} bytes");
        error(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::MalformedRequest, &message)
    };
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let Ok(read) = tokio::time::timeout(shared.body_timeout, Limited::new(body, limit).collect()).await else {
        let message = format!("the request body did not arrive within {} ms", shared.body_timeout.as_millis());
        let mut response = error(StatusCode::REQUEST_TIMEOUT, ErrorCode::MalformedRequest, &message);
        // The rest of the body may still come: this connection cannot serve another request.
        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        return Err(response);
    };
    match read {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<LengthLimitError>() => Err(too_large()),
        Err(_) => Err(coded(ErrorCode::MalformedRequest, "the request body could not be read")),
    }
}
