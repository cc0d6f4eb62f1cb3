//! The platform's error responses as axum responses (feature `axum`): the status of the error's
//! code, the body [`ErrorResponse`] serializes, `content-type: application/json`.

use ::axum::body::Body;
use ::axum::http::{header, HeaderValue, StatusCode};
use ::axum::response::{IntoResponse, Response};

use super::issue::{ErrorCode, ErrorResponse, ValidationError};

/// A JSON response: the one place this crate's axum responses get their content type.
pub(crate) fn json(status: StatusCode, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The status of a code; every code has a valid one, the fallback is for the compiler.
fn status_of(code: ErrorCode) -> StatusCode {
    StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The platform's error response: the code's status ([`ErrorCode::http_status`]) and the body
/// [`ValidationError::to_response_json`] writes, as JSON (feature `axum`).
///
/// A handler that validates can return its error as it is:
///
/// ```
/// use axum::{response::IntoResponse, routing::post, Router};
/// use loop_contracts::{validate_event, ValidationError};
///
/// async fn lead(body: axum::body::Bytes) -> Result<&'static str, ValidationError> {
///     let payload = serde_json::from_slice(&body).map_err(|e| ValidationError::malformed(e.to_string()))?;
///     validate_event("lead.captured.v1", &payload)?;
///     Ok("accepted")
/// }
/// let app: Router = Router::new().route("/leads", post(lead));
/// # let _ = app;
///
/// let response = ValidationError::unknown_event("lead.lost.v1").into_response();
/// assert_eq!(response.status(), 422);
/// assert_eq!(response.headers()["content-type"], "application/json");
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
impl IntoResponse for ValidationError {
    fn into_response(self) -> Response {
        json(status_of(self.code()), self.to_response_json())
    }
}

/// The error response with its code's status, byte for byte what it serializes to (feature
/// `axum`): a host that relays a platform answer, or builds one, sends the same bytes.
///
/// ```
/// use axum::response::IntoResponse;
/// use loop_contracts::{ErrorBody, ErrorCode, ErrorResponse};
///
/// let body = ErrorBody { code: ErrorCode::Unauthorized, message: "invalid API key".into(), issues: vec![] };
/// let response = ErrorResponse { ok: false, error: body }.into_response();
/// assert_eq!(response.status(), 401);
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
impl IntoResponse for ErrorResponse {
    fn into_response(self) -> Response {
        json(status_of(self.error.code), serde_json::to_vec(&self).unwrap_or_default())
    }
}

/// What the crate's axum tests share.
#[cfg(test)]
pub(crate) mod test_support {
    use std::future::Future;
    use std::pin::pin;
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};

    /// Polls a future that needs no reactor (the body is in memory) to completion.
    pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
        struct Noop;
        impl Wake for Noop {
            fn wake(self: Arc<Self>) {}
        }
        let waker = Waker::from(Arc::new(Noop));
        let mut context = Context::from_waker(&waker);
        let mut future = pin!(future);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
                return output;
            }
            std::thread::yield_now();
        }
    }
}

#[cfg(test)]
mod tests {
    use ::axum::body::to_bytes;

    use super::*;
    use crate::validate::issue::{ErrorBody, Issue, IssueCode};

    /// The response's status, content type and body, read without a runtime (the body is in memory).
    fn read(response: Response) -> (u16, String, String) {
        let status = response.status().as_u16();
        let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap_or_default().to_owned();
        let body = test_support::block_on(to_bytes(response.into_body(), usize::MAX)).unwrap_or_default();
        (status, content_type, String::from_utf8_lossy(&body).into_owned())
    }

    #[test]
    fn validation_errors_answer_with_their_code_s_status_and_the_platform_s_bytes() {
        let invalid = ValidationError::from_issues(vec![
            Issue::new("email", IssueCode::InvalidString, "Invalid email"),
            Issue::new("source", IssueCode::InvalidType, "Required"),
        ]);
        let cases = [
            (invalid, 422),
            (ValidationError::unknown_event("a.b.v1"), 422),
            (ValidationError::malformed("not JSON: \"{\"\n"), 400),
            (ValidationError::with_code(ErrorCode::Unauthorized, "invalid API key", vec![]), 401),
            (ValidationError::with_code(ErrorCode::RateLimited, "slow down", vec![]), 429),
        ];
        for (error, status) in cases {
            let expected = error.to_response_json();
            let as_response = ErrorResponse::from(&error);
            assert_eq!(serde_json::to_string(&as_response).unwrap(), expected);
            assert_eq!(read(error.into_response()), (status, "application/json".to_owned(), expected.clone()));
            assert_eq!(read(as_response.into_response()), (status, "application/json".to_owned(), expected));
        }
        let body = ErrorBody { code: ErrorCode::NotFound, message: "no route".into(), issues: vec![] };
        let (status, _, text) = read(ErrorResponse { ok: false, error: body }.into_response());
        assert_eq!(status, 404);
        assert_eq!(text, r#"{"ok":false,"error":{"code":"NOT_FOUND","message":"no route","issues":[]}}"#);
    }
}
