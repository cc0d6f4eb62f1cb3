//! The sandbox's webhook routes over real HTTP: built-in sources with their signatures, declared
//! transforms at their webhookPath, error statuses, vendor retries recorded once.

use std::time::SystemTime;

use loop_contracts::inbound::{Declaration, Intake, SignatureScheme, SigningSecret, Source, TransformContext};
use loop_contracts::sandbox::{SandboxHandle, Via};
use serde_json::{json, Value};
use suite::sandbox::*;

/// A fixture's raw bytes.
pub(crate) fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(suite::fixture(&format!("webhooks/{path}"))).unwrap()
}

pub(crate) fn intake() -> (Intake, SigningSecret, SigningSecret) {
    let shopify = SigningSecret::from_text("shpss_sandbox_webhook_test");
    let typeform = SigningSecret::from_text("typeform_sandbox_webhook_test");
    let mut intake = Intake::new(TransformContext::for_brand(BRAND.parse().unwrap()))
        .with_secret(Source::Shopify, shopify.clone())
        .with_secret(Source::Typeform, typeform.clone())
        .accept_unsigned(Source::Calendly);
    intake
        .declare(
            Declaration::parse(
                r#"{"name": "lead.captured.v1", "source": "custom", "webhookPath": "/hooks/quiz",
                    "transform": {"occurredAt": {"path": "$.submitted", "coerce": "datetime"},
                                  "email": "$.contact.email", "source": {"const": "quiz_completion"},
                                  "attribution": {"path": "$.utm", "default": {}}}}"#,
            )
            .unwrap(),
        )
        .unwrap();
    (intake, shopify, typeform)
}

pub(crate) async fn deliver(
    sandbox: &SandboxHandle,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> reqwest::Response {
    let mut request = client().post(format!("{}{path}", sandbox.url())).body(body.to_vec());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn each_signed_shopify_notification_becomes_an_accepted_event_once() {
    let (intake, secret, _) = intake();
    let sandbox = start(builder().intake(intake)).await;
    let body = fixture("shopify/orders-create.json");
    let (header, signature) = SignatureScheme::Shopify.sign(&secret, &body, SystemTime::now());
    let headers = [
        (header, signature.as_str()),
        ("X-Shopify-Topic", "orders/create"),
        ("X-Shopify-Event-Id", "98880550-7158-44d4-b7cd-2c97c8a091b5"),
    ];
    let response = deliver(&sandbox, "/webhooks/shopify", &headers, &body).await;
    rate_headers(&response);
    assert!(response.headers().get("idempotent-replayed").is_none());
    let (status, _, first) = parts(response).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["ok"], true);
    assert_eq!(first["event"], "order.completed.v1");
    assert_eq!(first["sequence"], 1);

    // Shopify's retry of the same notification: acknowledged, not recorded again.
    let response = deliver(&sandbox, "/webhooks/shopify", &headers, &body).await;
    assert_eq!(response.headers()["idempotent-replayed"], "true");
    assert_eq!(parts(response).await.2, first);

    // The same order's orders/paid is a notification of its own: a second event, and its retry a
    // replay.
    let paid = [
        (header, signature.as_str()),
        ("X-Shopify-Topic", "orders/paid"),
        ("X-Shopify-Event-Id", "5c1e0f2a-3b4d-4e6f-8a9b-0c1d2e3f4a5b"),
    ];
    let response = deliver(&sandbox, "/webhooks/shopify", &paid, &body).await;
    assert!(response.headers().get("idempotent-replayed").is_none());
    let (status, _, second) = parts(response).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["sequence"], 2);
    assert_ne!(second["eventId"], first["eventId"]);
    let response = deliver(&sandbox, "/webhooks/shopify", &paid, &body).await;
    assert_eq!(response.headers()["idempotent-replayed"], "true");
    assert_eq!(parts(response).await.2, second);

    let accepted = sandbox.accepted();
    assert_eq!(accepted.len(), 2);
    assert_eq!(accepted[0].event, "order.completed.v1");
    assert_eq!(accepted[0].event_id, first["eventId"].as_str().unwrap());
    assert_eq!(accepted[0].payload["orderId"], "820982911946154508");
    assert_eq!(accepted[0].payload["brandId"], BRAND);
    assert_eq!(accepted[0].via, Via::Webhook { route: "/webhooks/shopify".into() });
    assert_eq!(accepted[1].event_id, second["eventId"].as_str().unwrap());
    assert_eq!(accepted[1].payload["orderId"], "820982911946154508");
}

#[tokio::test]
async fn signatures_are_checked_before_the_body_is_read() {
    let (intake, _, typeform) = intake();
    let sandbox = start(builder().intake(intake)).await;
    let body = fixture("shopify/orders-create.json");
    let forged = [
        ("X-Shopify-Hmac-Sha256", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
        ("X-Shopify-Topic", "orders/create"),
    ];
    for (headers, body) in [(&forged[..], &body[..]), (&forged[..], &b"{not json"[..]), (&forged[1..], &body[..])] {
        let response = deliver(&sandbox, "/webhooks/shopify", headers, body).await;
        rate_headers(&response);
        let (status, _, error) = parts(response).await;
        assert_eq!((status, error["error"]["code"].as_str()), (401, Some("UNAUTHORIZED")), "{error}");
    }
    // Typeform, signed: accepted, topic read from the body.
    let body = fixture("typeform/form-response.json");
    let (header, signature) = SignatureScheme::Typeform.sign(&typeform, &body, SystemTime::now());
    let response = deliver(&sandbox, "/webhooks/typeform", &[(header, signature.as_str())], &body).await;
    let (status, _, accepted) = parts(response).await;
    assert_eq!((status, accepted["event"].as_str()), (200, Some("form.submitted.v1")), "{accepted}");
    assert_eq!(sandbox.accepted().len(), 1);
}

#[tokio::test]
async fn unsigned_sources_topics_from_the_body_and_error_statuses() {
    let (intake, _, _) = intake();
    let sandbox = start(builder().intake(intake)).await;
    // Calendly is accepted unsigned here; its topic is the body's `event`.
    let response = deliver(&sandbox, "/webhooks/calendly", &[], &fixture("calendly/invitee-created.json")).await;
    let (status, _, body) = parts(response).await;
    assert_eq!((status, body["event"].as_str()), (200, Some("booking.scheduled.v1")), "{body}");
    // BigCommerce never signs; a customer callback is enough for customer.created.v1 ...
    let response = deliver(&sandbox, "/webhooks/bigcommerce", &[], &fixture("bigcommerce/customer-created.json")).await;
    let (status, _, body) = parts(response).await;
    assert_eq!((status, body["event"].as_str()), (200, Some("customer.created.v1")), "{body}");
    // ... but an order callback carries no email, which order.completed.v1 requires: 422.
    let response = deliver(&sandbox, "/webhooks/bigcommerce", &[], &fixture("bigcommerce/order-created.json")).await;
    rate_headers(&response);
    let (status, _, body) = parts(response).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("VALIDATION_ERROR")), "{body}");
    assert_eq!(body["error"]["issues"][0]["path"], "email");
    // A topic the source does not send: 422 UNKNOWN_EVENT.
    let response =
        deliver(&sandbox, "/webhooks/bigcommerce", &[], br#"{"scope": "store/product/created", "data": {}}"#).await;
    let (status, _, body) = parts(response).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("UNKNOWN_EVENT")), "{body}");
    // Not JSON: 400.
    let response = deliver(&sandbox, "/webhooks/bigcommerce", &[], b"<xml/>").await;
    let (status, _, body) = parts(response).await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("MALFORMED_REQUEST")), "{body}");
    // No such source, `custom` without a declaration, or a GET: 404 / 405.
    for path in ["/webhooks/wix", "/webhooks/custom", "/webhooks/shopify/extra"] {
        let response = deliver(&sandbox, path, &[], b"{}").await;
        rate_headers(&response);
        let (status, _, body) = parts(response).await;
        assert_eq!((status, body["error"]["code"].as_str()), (404, Some("NOT_FOUND")), "{path}: {body}");
    }
    let response = client().get(format!("{}/webhooks/shopify", sandbox.url())).send().await.unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    assert_eq!(sandbox.accepted().len(), 2);
}

#[tokio::test]
async fn a_declared_transform_answers_at_its_webhook_path() {
    let (intake, _, _) = intake();
    let sandbox = start(builder().intake(intake)).await;
    let body = br#"{"submitted": 1764233400, "contact": {"email": "ana@example.com"}, "utm": {"source": "ads"}}"#;
    let response = deliver(&sandbox, "/hooks/quiz", &[], body).await;
    rate_headers(&response);
    let (status, _, accepted) = parts(response).await;
    assert_eq!((status, accepted["event"].as_str()), (200, Some("lead.captured.v1")), "{accepted}");
    let event = &sandbox.accepted()[0];
    assert_eq!(event.payload["email"], "ana@example.com");
    assert_eq!(event.payload["occurredAt"], "2025-11-27T08:50:00Z");
    assert_eq!(event.payload["source"], "quiz_completion");
    assert_eq!(event.via, Via::Webhook { route: "/hooks/quiz".into() });
    // The same body again: the derived eventId repeats, so it is acknowledged and not recorded.
    let response = deliver(&sandbox, "/hooks/quiz", &[], body).await;
    assert_eq!(response.headers()["idempotent-replayed"], "true");

    // Missing what the event requires: 422 with the issue naming the JSONPath that matched nothing.
    let response = deliver(&sandbox, "/hooks/quiz", &[], br#"{"submitted": 1764233400}"#).await;
    let (status, _, body) = parts(response).await;
    assert_eq!(status, 422);
    let issue: &Value = &body["error"]["issues"][0];
    assert_eq!(issue["path"], "email");
    assert_eq!(issue["source"], json!("`$.contact.email` matched nothing"));
    assert_eq!(sandbox.accepted().len(), 1);
}

#[tokio::test]
async fn the_default_intake_accepts_unsigned_webhooks() {
    let sandbox = start(builder()).await;
    let body = fixture("shopify/orders-create.json");
    let response = deliver(&sandbox, "/webhooks/shopify", &[("X-Shopify-Topic", "orders/create")], &body).await;
    // No brand is configured and the order carries none: the event is refused for it, not for the signature.
    let (status, _, body) = parts(response).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["issues"][0]["path"], "brandId");
}

#[tokio::test]
async fn costly_webhooks_never_hold_the_routes_everyone_else_is_served_from() {
    // A transform that spends its whole work budget on every body: 85 comparisons per number.
    let costly: String = (1..=85).map(|i| format!("@=={i}")).collect::<Vec<_>>().join(" || ");
    let declaration = format!(
        r#"{{"name": "lead.captured.v1", "source": "custom", "webhookPath": "/hooks/costly",
            "transform": {{"occurredAt": "$.t", "email": "$.e", "source": {{"const": "other"}},
                          "attribution": {{"const": {{}}}}, "personId": "$.n[?{costly}]"}}}}"#
    );
    let mut intake = Intake::new(TransformContext::for_brand(BRAND.parse().unwrap()));
    intake.declare(Declaration::parse(&declaration).unwrap()).unwrap();
    // This test's runtime has one thread: were the intake run on it, nothing else would be served.
    let sandbox = start(builder().intake(intake)).await;
    let numbers = vec!["0"; 400_000].join(",");
    let body = format!(r#"{{"t": "2026-05-19T12:00:00Z", "e": "ana@example.com", "n": [{numbers}]}}"#).into_bytes();

    let started = std::time::Instant::now();
    let webhooks: Vec<_> = (0..2)
        .map(|_| {
            let (url, body) = (format!("{}/hooks/costly", sandbox.url()), body.clone());
            tokio::spawn(async move {
                let response = reqwest::Client::new().post(url).body(body).send().await.unwrap();
                (response.status(), started.elapsed())
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let schema = client().get(format!("{}/api/events/schema/lead.captured.v1", sandbox.url())).send().await.unwrap();
    assert_eq!(schema.status(), 200);
    let served_at = started.elapsed();
    for webhook in webhooks {
        let (status, done_at) = webhook.await.unwrap();
        assert_eq!(status, 422, "over its work budget");
        assert!(served_at < done_at, "the schema route waited for the webhooks: {served_at:?} >= {done_at:?}");
    }
}
