//! [`Delivery`] as an axum 0.8 extractor (feature `axum`).

use std::sync::Arc;

use ::axum::body::Bytes;
use ::axum::extract::rejection::BytesRejection;
use ::axum::extract::{FromRef, FromRequest, Request};
use ::axum::http::StatusCode;
use ::axum::response::{IntoResponse, Response};

use super::{Delivery, DeliveryError, Receiver};

/// A verified, typed delivery webhook, extracted from an axum request (feature `axum`).
///
/// The state must give an `Arc<Receiver>` ([`FromRef`]); the body is read with axum's `Bytes`
/// extractor, so axum's body limit applies. A refused request is answered by
/// [`DeliveryRejection`]: [`DeliveryError::http_status`] with the platform's error body.
///
/// ```
/// use std::sync::Arc;
/// use axum::{routing::post, Router};
/// use loop_contracts::delivery::{Delivery, Receiver, Verifier, WebhookSecret};
///
/// async fn webhook(delivery: Delivery) -> &'static str {
///     println!("{} {}", delivery.webhook_id, delivery.event.name());
///     "ok"
/// }
///
/// let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// let app: Router = Router::new()
///     .route("/webhooks/loop", post(webhook))
///     .with_state(Arc::new(Receiver::new(Verifier::new(secret))));
/// # let _ = app;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
impl<S> FromRequest<S> for Delivery
where
    S: Send + Sync,
    Arc<Receiver>: FromRef<S>,
{
    type Rejection = DeliveryRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let receiver = Arc::<Receiver>::from_ref(state);
        let (mut parts, body) = req.into_parts();
        let headers = std::mem::take(&mut parts.headers);
        let body =
            Bytes::from_request(Request::from_parts(parts, body), state).await.map_err(DeliveryRejection::Body)?;
        receiver.receive(&headers, &body).map_err(DeliveryRejection::Refused)
    }
}

/// Why the [`Delivery`] extractor refused a request (feature `axum`).
///
/// As a response: the body's own rejection (413 over the body limit, 400 when it cannot be read),
/// or the [`DeliveryError`]'s status with the platform's error body as JSON.
///
/// ```
/// use axum::response::IntoResponse;
/// use loop_contracts::delivery::{DeliveryError, DeliveryRejection};
///
/// let response = DeliveryRejection::Refused(DeliveryError::InvalidSignature { v1_entries: 1 }).into_response();
/// assert_eq!(response.status(), 401);
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeliveryRejection {
    /// The body could not be read.
    #[error(transparent)]
    Body(BytesRejection),
    /// The request is not a valid delivery webhook.
    #[error(transparent)]
    Refused(DeliveryError),
}

impl IntoResponse for DeliveryRejection {
    fn into_response(self) -> Response {
        match self {
            DeliveryRejection::Body(rejection) => rejection.into_response(),
            DeliveryRejection::Refused(error) => {
                let status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
                crate::validate::axum::json(status, error.to_response().to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use ::axum::body::Body;
    use ::axum::http::header;

    use super::*;
    use crate::delivery::{Signer, Verifier, WebhookId, WebhookSecret};
    use crate::validate::axum::test_support::block_on;

    fn request(headers: &[(&str, &str)], body: &[u8]) -> Request {
        let mut builder = Request::builder().method("POST").uri("/webhooks/loop");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(Body::from(body.to_vec())).unwrap_or_default()
    }

    const BODY: &[u8] = br#"{"type":"message.delivered.v1","timestamp":"2026-05-19T12:00:00Z","data":{"eventId":"550e8400-e29b-41d4-a716-446655440000","occurredAt":"2026-05-19T12:00:00Z","brandId":"6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e","messageId":"9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d","channel":"email","recipient":"ana@example.com"}}"#;

    #[test]
    fn extracts_a_signed_delivery_and_rejects_a_forged_one() {
        let secret = WebhookSecret::from_bytes([9; 32]).unwrap();
        let state = Arc::new(Receiver::new(Verifier::new(secret.clone())));
        let signed = Signer::new(secret).sign_now(&WebhookId::new("msg_axum").unwrap(), BODY);
        let pairs: Vec<(&str, &str)> = signed.iter().collect();

        let delivery = block_on(Delivery::from_request(request(&pairs, BODY), &state)).unwrap();
        assert_eq!(delivery.webhook_id.as_str(), "msg_axum");
        assert_eq!(delivery.event.name(), "message.delivered.v1");

        let tampered = String::from_utf8_lossy(BODY).replace("ana@", "eve@");
        let rejection = block_on(Delivery::from_request(request(&pairs, tampered.as_bytes()), &state)).unwrap_err();
        assert!(matches!(rejection, DeliveryRejection::Refused(DeliveryError::InvalidSignature { v1_entries: 1 })));
        let response = rejection.into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");

        let rejection = block_on(Delivery::from_request(request(&[], BODY), &state)).unwrap_err();
        assert_eq!(rejection.into_response().status(), StatusCode::BAD_REQUEST);
    }
}
