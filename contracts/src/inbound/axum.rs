//! The inbound layer in axum (feature `axum`): [`VendorEvent`], an extractor that verifies,
//! transforms and validates a vendor's webhook through the state's [`Intake`], and
//! [`InboundError`] as the platform's answer.

use std::sync::Arc;

use ::axum::body::Bytes;
use ::axum::extract::rejection::BytesRejection;
use ::axum::extract::{FromRef, FromRequest, FromRequestParts, RawPathParams, Request};
use ::axum::http::StatusCode;
use ::axum::response::{IntoResponse, Response};

use super::candidate::InboundEvent;
use super::error::InboundError;
use super::intake::{Intake, Route};
use super::source::Source;
use crate::validate::axum::json;
use crate::validate::issue::{ErrorBody, ErrorCode, ErrorResponse};

/// A vendor's webhook, verified, transformed and validated by the state's [`Intake`] (feature
/// `axum`).
///
/// The state must give an `Arc<Intake>` ([`FromRef`]). Which transform runs is read from the
/// route, as the platform's own webhook routes decide:
///
/// - a `{source}` path parameter names a built-in source (`shopify`, `bigcommerce`, `typeform`,
///   `calendly`); a `{topic}` (or `{*topic}`, for Shopify's `orders/create`) parameter names the
///   topic, which is otherwise read from where the vendor puts it (`X-Shopify-Topic`,
///   BigCommerce's `scope`, Typeform's `event_type`, Calendly's `event`);
/// - without a `{source}` parameter, the request's path is the `webhookPath` of a declared
///   transform ([`Intake::declare`]). A router nested under a prefix sees its path without it.
///
/// The raw body is read with axum's `Bytes` extractor, so axum's body limit applies
/// ([`DefaultBodyLimit`](::axum::extract::DefaultBodyLimit), 2 MB unless changed); nothing
/// parses it before the signature is checked over its bytes. The work runs in the handler's task:
/// it is bounded by the body limit and, for declared transforms, by each JSONPath's budget.
///
/// A refused request is answered by [`InboundRejection`], with the platform's status and error
/// body (401 for a signature, 400 for a malformed body, 422 for an invalid event, 404 for an
/// unknown source or path). Secrets appear in none of them.
///
/// ```
/// use std::sync::Arc;
/// use axum::{http::StatusCode, routing::post, Router};
/// use loop_contracts::inbound::{Intake, SigningSecret, Source, TransformContext, VendorEvent};
///
/// async fn webhook(VendorEvent(event): VendorEvent) -> StatusCode {
///     println!("{} {}", event.event, event.event_id); // hand it on: a queue, the outbox, the client
///     StatusCode::OK
/// }
///
/// let brand = "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e".parse()?;
/// let intake = Intake::new(TransformContext::for_brand(brand))
///     .with_secret(Source::Shopify, SigningSecret::from_text("shpss_example"));
/// let app: Router = Router::new()
///     .route("/webhooks/{source}", post(webhook))
///     .with_state(Arc::new(intake));
/// # let _ = app;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub struct VendorEvent(pub InboundEvent);

impl<S> FromRequest<S> for VendorEvent
where
    S: Send + Sync,
    Arc<Intake>: FromRef<S>,
{
    type Rejection = InboundRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let intake = Arc::<Intake>::from_ref(state);
        let (mut parts, body) = req.into_parts();
        // A route without parameters has none to give: then the path names a declared transform.
        let params = RawPathParams::from_request_parts(&mut parts, state).await.ok();
        let param = |name: &str| params.as_ref()?.iter().find(|(key, _)| *key == name).map(|(_, value)| value);
        let source = param("source").map(str::to_owned);
        let topic = param("topic").map(str::to_owned);
        let path = parts.uri.path().to_owned();
        let route = match source.as_deref() {
            Some(name) => match name.parse::<Source>() {
                Ok(source) if source != Source::Custom => Route::BuiltIn { source, topic: topic.as_deref() },
                // Answered as the platform answers a webhook path it does not serve, before the
                // body is read.
                _ => return Err(InboundError::UnknownRoute(crate::text::clip(&path, crate::text::NAME_CHARS)).into()),
            },
            None => Route::Path(&path),
        };
        let headers = std::mem::take(&mut parts.headers);
        let body =
            Bytes::from_request(Request::from_parts(parts, body), state).await.map_err(InboundRejection::Body)?;
        Ok(VendorEvent(intake.receive(route, &headers, &body)?))
    }
}

/// Why the [`VendorEvent`] extractor refused a request (feature `axum`).
///
/// As a response, always the platform's error body as JSON: the [`InboundError`]'s own (see its
/// [`IntoResponse`]), or, for a body that could not be read, the body rejection's status (413
/// over the body limit, 400 otherwise) with `MALFORMED_REQUEST`.
///
/// ```
/// use axum::response::IntoResponse;
/// use loop_contracts::inbound::{InboundError, InboundRejection};
///
/// let response = InboundRejection::Refused(InboundError::Malformed("not JSON".into())).into_response();
/// assert_eq!(response.status(), 400);
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub enum InboundRejection {
    /// The body could not be read (larger than the body limit, or cut short).
    #[error(transparent)]
    Body(BytesRejection),
    /// The request is not a webhook the intake accepts.
    #[error(transparent)]
    Refused(InboundError),
}

impl From<InboundError> for InboundRejection {
    fn from(e: InboundError) -> Self {
        InboundRejection::Refused(e)
    }
}

impl IntoResponse for InboundRejection {
    fn into_response(self) -> Response {
        match self {
            InboundRejection::Body(rejection) => {
                // The vendor (or a test of the host) reads the platform's format on every refusal.
                let error =
                    ErrorBody { code: ErrorCode::MalformedRequest, message: rejection.body_text(), issues: Vec::new() };
                let body = serde_json::to_vec(&ErrorResponse { ok: false, error }).unwrap_or_default();
                json(rejection.status(), body)
            }
            InboundRejection::Refused(error) => error.into_response(),
        }
    }
}

/// The platform's answer to a refused webhook (feature `axum`): [`InboundError::http_status`]
/// (401 for a signature, 400 for a malformed body, 422 for an invalid event or an unsupported
/// topic, 404 for an undeclared path) and the body of [`InboundError::to_validation_error`], as
/// JSON. The sandbox's webhook routes answer with this response.
///
/// A host that routes webhooks its own way can call [`Intake::receive`] and return its error:
///
/// ```
/// use std::sync::Arc;
/// use axum::{body::Bytes, extract::State, http::HeaderMap, routing::post, Router};
/// use loop_contracts::inbound::{InboundError, Intake, Route, Source, TransformContext};
///
/// async fn shop(State(intake): State<Arc<Intake>>, headers: HeaderMap, body: Bytes) -> Result<(), InboundError> {
///     let event = intake.receive(Route::BuiltIn { source: Source::Shopify, topic: None }, &headers, &body)?;
///     println!("{}", event.event);
///     Ok(())
/// }
/// let app: Router = Router::new()
///     .route("/hooks/shop", post(shop))
///     .with_state(Arc::new(Intake::new(TransformContext::default())));
/// # let _ = app;
/// ```
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

// The tests declare a transform (feature `jsonpath`, on by default).
#[cfg(all(test, feature = "jsonpath"))]
mod tests {
    use ::axum::body::{to_bytes, Body};
    use ::axum::extract::DefaultBodyLimit;
    use ::axum::routing::post;
    use ::axum::Router;
    use serde_json::Value;
    use tower::ServiceExt;

    use super::*;
    use crate::inbound::{SignatureScheme, SigningSecret, TransformContext};
    use crate::validate::axum::test_support::block_on;

    const BRAND: &str = "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e";
    const SHOPIFY_ORDER: &[u8] =
        br#"{"id": 820982911946154508, "created_at": "2021-12-31T19:00:00-05:00", "email": "jon@example.com"}"#;
    const BIGCOMMERCE_CUSTOMER: &[u8] =
        br#"{"scope": "store/customer/created", "data": {"id": 32}, "created_at": 1561479335}"#;

    fn secret() -> SigningSecret {
        SigningSecret::from_text("shpss_axum_extractor_test")
    }

    /// Answers with the event's name and id, so that the tests see what the handler got.
    async fn handler(VendorEvent(event): VendorEvent) -> String {
        format!("{} {}", event.event, event.payload["brandId"].as_str().unwrap_or_default())
    }

    fn app() -> Router {
        let mut intake =
            Intake::new(TransformContext::for_brand(BRAND.parse().unwrap())).with_secret(Source::Shopify, secret());
        let declaration = r#"{"name": "lead.captured.v1", "source": "custom", "webhookPath": "/hooks/quiz",
            "transform": {"occurredAt": "$.at", "email": "$.email", "source": {"const": "other"},
                          "attribution": {"const": {}}}}"#;
        intake.declare(crate::inbound::Declaration::parse(declaration).unwrap()).unwrap();
        Router::new()
            .route("/webhooks/{source}", post(handler))
            .route("/topics/{source}/{*topic}", post(handler))
            .route("/hooks/quiz", post(handler))
            .layer(DefaultBodyLimit::max(4096))
            .with_state(Arc::new(intake))
    }

    /// POSTs to the app; the status, the content type and the body.
    fn post_to(uri: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String, String) {
        let mut request = Request::builder().method("POST").uri(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Body::from(body.to_vec())).unwrap();
        let response = block_on(app().oneshot(request)).unwrap();
        let status = response.status().as_u16();
        let content_type =
            response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let body = block_on(to_bytes(response.into_body(), usize::MAX)).unwrap();
        (status, content_type, String::from_utf8_lossy(&body).into_owned())
    }

    fn error_of(body: &str) -> (String, String) {
        let body: Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["ok"], false);
        (body["error"]["code"].as_str().unwrap().to_owned(), body["error"]["message"].as_str().unwrap().to_owned())
    }

    #[test]
    fn the_route_names_the_source_the_topic_or_the_declared_path() {
        let (name, signature) = SignatureScheme::Shopify.sign(&secret(), SHOPIFY_ORDER, std::time::SystemTime::now());
        let signed = [(name, signature.as_str()), ("X-Shopify-Topic", "orders/create")];
        let expected = format!("order.completed.v1 {BRAND}");
        assert_eq!(
            post_to("/webhooks/shopify", &signed, SHOPIFY_ORDER),
            (200, "text/plain; charset=utf-8".into(), expected)
        );

        // The topic from the route, over the vendor's header.
        let (status, _, body) = post_to("/topics/shopify/customers/create", &signed, SHOPIFY_ORDER);
        assert_eq!((status, body.split(' ').next()), (200, Some("customer.created.v1")));
        // BigCommerce signs nothing: its topic is its `scope`.
        let (status, _, body) = post_to("/webhooks/bigcommerce", &[], BIGCOMMERCE_CUSTOMER);
        assert_eq!((status, body.split(' ').next()), (200, Some("customer.created.v1")));
        // A declared transform, at its webhookPath.
        let quiz = br#"{"at": "2026-05-19T12:00:00Z", "email": "ana@example.com"}"#;
        let (status, _, body) = post_to("/hooks/quiz", &[], quiz);
        assert_eq!((status, body.split(' ').next()), (200, Some("lead.captured.v1")));
    }

    #[test]
    fn refusals_are_the_platform_s_error_responses() {
        let json = "application/json".to_owned();
        let (name, _) = SignatureScheme::Shopify.sign(&secret(), SHOPIFY_ORDER, std::time::SystemTime::now());
        let forged = [(name, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), ("X-Shopify-Topic", "orders/create")];
        let (status, content_type, body) = post_to("/webhooks/shopify", &forged, SHOPIFY_ORDER);
        assert_eq!((status, content_type), (401, json.clone()));
        assert_eq!(
            body,
            r#"{"ok":false,"error":{"code":"UNAUTHORIZED","message":"signature does not match the body","issues":[]}}"#
        );
        assert!(!body.contains("shpss_"), "the secret is never in an answer");

        // Signed, but not JSON: the signature is checked first, then the body is malformed.
        let (_, not_json) = SignatureScheme::Shopify.sign(&secret(), b"{not json", std::time::SystemTime::now());
        let headers = [(name, not_json.as_str()), ("X-Shopify-Topic", "orders/create")];
        let (status, content_type, body) = post_to("/webhooks/shopify", &headers, b"{not json");
        assert_eq!((status, content_type, error_of(&body).0), (400, json.clone(), "MALFORMED_REQUEST".into()));

        // A transform whose event is invalid: every issue, 422.
        let no_email = br#"{"scope": "store/order/created", "data": {"id": 250}, "created_at": 1561479335}"#;
        let (status, _, body) = post_to("/webhooks/bigcommerce", &[], no_email);
        assert_eq!((status, error_of(&body)), (422, ("VALIDATION_ERROR".into(), "payload.email is required".into())));
        let issues: Value = serde_json::from_str(&body).unwrap();
        assert!(!issues["error"]["issues"].as_array().unwrap().is_empty());

        // A source the intake does not know, and Custom (declared transforms have paths of their own).
        for uri in ["/webhooks/stripe", "/webhooks/custom"] {
            let (status, content_type, body) = post_to(uri, &[], BIGCOMMERCE_CUSTOMER);
            assert_eq!((status, content_type), (404, json.clone()));
            assert_eq!(error_of(&body).1, format!("no webhook is declared at {uri:?}"));
        }

        // Over the body limit: 413, in the platform's format.
        let large = vec![b' '; 5000];
        let (status, content_type, body) = post_to("/webhooks/bigcommerce", &[], &large);
        assert_eq!((status, content_type, error_of(&body).0), (413, json, "MALFORMED_REQUEST".into()));
    }

    #[test]
    fn no_secret_in_debug_output() {
        let intake = Intake::new(TransformContext::default()).with_secret(Source::Shopify, secret());
        assert!(!format!("{intake:?}").contains("shpss_"));
    }
}
