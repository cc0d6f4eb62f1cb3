//! A host's own intake route over real HTTP: the service of `examples/shopify_intake.rs`
//! (`VendorEvent`, the outbox, a relay) answering a signed Shopify fixture, its redelivery, a
//! forgery, an invalid order, a malformed and an oversized body; each refusal the platform's own
//! bytes, as the sandbox's webhook route answers them.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::extract::DefaultBodyLimit;
use loop_contracts::client::Client;
use loop_contracts::inbound::{Intake, SignatureScheme, SigningSecret, Source, TransformContext};
use loop_contracts::outbox::{OutboxStore, Relay, SqliteOutbox};
use loop_contracts::sandbox::SandboxHandle;
use serde_json::Value;
use suite::sandbox::*;

#[path = "../../examples/shared/shopify_intake.rs"]
mod service;

/// The secret the fixture's signature below was made with.
const SHOPIFY_SECRET: &str = "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";
/// In `tests/fixtures` (as `tests/webhooks/inbound_signatures.rs` computed it):
/// `openssl dgst -sha256 -hmac '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' -binary webhooks/shopify/orders-create.json | openssl base64 -A`
const SHOPIFY_SIGNATURE: &str = "8zMWGPkAUjqrPS6N/wZpZlqsDjLbemYmdXe2Z5oNBMU=";
const FORGED: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
/// The test's body limit: small, so that an oversized body is quick to send.
const BODY_LIMIT: usize = 64 * 1024;

fn intake() -> Intake {
    Intake::new(TransformContext::for_brand(BRAND.parse().unwrap()))
        .with_secret(Source::Shopify, SigningSecret::from_text(SHOPIFY_SECRET))
}

fn order() -> Vec<u8> {
    std::fs::read(suite::fixture("webhooks/shopify/orders-create.json")).unwrap()
}

/// The service on loopback, its outbox and its URL.
async fn serve(dir: &std::path::Path) -> (Arc<SqliteOutbox>, String) {
    let outbox = Arc::new(SqliteOutbox::open(dir.join("intake.db")).await.unwrap());
    let app = service::router(service::Service { intake: Arc::new(intake()), outbox: outbox.clone() })
        .layer(DefaultBodyLimit::max(BODY_LIMIT));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (outbox, url)
}

async fn post(url: &str, signature: &str, body: Vec<u8>) -> (u16, String, String) {
    let response = client()
        .post(url)
        .header("X-Shopify-Hmac-Sha256", signature)
        .header("X-Shopify-Topic", "orders/create")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    (status, content_type.unwrap_or_default(), response.text().await.unwrap())
}

/// Signed now with the test secret.
fn sign(body: &[u8]) -> String {
    SignatureScheme::Shopify.sign(&SigningSecret::from_text(SHOPIFY_SECRET), body, SystemTime::now()).1
}

async fn wait_for_acceptance(sandbox: &SandboxHandle) {
    for _ in 0..500 {
        if sandbox.accepted_count() > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the relay did not deliver the event within 10 s");
}

#[tokio::test]
async fn a_signed_order_is_stored_answered_and_delivered_once_and_refusals_are_the_platform_s() {
    let dir = std::env::temp_dir().join(format!("loop-axum-intake-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let (outbox, base) = serve(&dir).await;
    let url = format!("{base}/webhooks/shopify");

    // The fixture as Shopify signed it: 200 with no body, the event committed before the answer.
    assert_eq!(post(&url, SHOPIFY_SIGNATURE, order()).await, (200, String::new(), String::new()));
    assert_eq!(outbox.counts().await.unwrap().pending, 1);
    // Shopify's redelivery: answered alike, stored once.
    assert_eq!(post(&url, SHOPIFY_SIGNATURE, order()).await.0, 200);
    assert_eq!(outbox.counts().await.unwrap().pending, 1);

    // Refusals, each with the platform's exact body, and nothing stored.
    let json = "application/json".to_owned();
    let unauthorized =
        r#"{"ok":false,"error":{"code":"UNAUTHORIZED","message":"signature does not match the body","issues":[]}}"#;
    let forged = post(&url, FORGED, order()).await;
    assert_eq!(forged, (401, json.clone(), unauthorized.to_owned()));

    let invalid = String::from_utf8(order()).unwrap().replace(r#""email": "jon@example.com""#, r#""email": "jon""#);
    let (status, content_type, body) = post(&url, &sign(invalid.as_bytes()), invalid.into_bytes()).await;
    assert_eq!((status, &content_type), (422, &json), "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["error"]["code"], "VALIDATION_ERROR");
    assert_eq!(body["error"]["issues"][0]["path"], "email");
    assert_eq!(body["error"]["issues"][0]["message"], "Invalid email");

    let (status, content_type, body) = post(&url, &sign(b"{not json"), b"{not json".to_vec()).await;
    assert_eq!((status, content_type), (400, json.clone()));
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["error"]["code"], "MALFORMED_REQUEST");

    let oversized = vec![b' '; BODY_LIMIT + 1];
    let (status, content_type, body) = post(&url, &sign(&oversized), oversized).await;
    assert_eq!((status, content_type), (413, json.clone()));
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["error"]["code"], "MALFORMED_REQUEST");

    let (status, _, body) = post(&format!("{base}/webhooks/stripe"), SHOPIFY_SIGNATURE, order()).await;
    assert_eq!(
        (status, body.as_str()),
        (
            404,
            r#"{"ok":false,"error":{"code":"UNKNOWN_EVENT","message":"no webhook is declared at \"/webhooks/stripe\"","issues":[]}}"#
        )
    );
    assert_eq!(outbox.counts().await.unwrap().pending, 1);

    // The sandbox's own webhook route answers the same forgery with the same bytes.
    let sandbox = start(builder().intake(intake())).await;
    let from_the_sandbox = post(&format!("{}/webhooks/shopify", sandbox.url()), FORGED, order()).await;
    assert_eq!(from_the_sandbox, forged);

    // The relay sends the stored event to the platform, once.
    let relay_client = Client::builder().key(key(KEY)).base_url(sandbox.url()).tier(UNLIMITED).build().unwrap();
    let relay = Relay::new(outbox.clone(), relay_client).idle_poll(Duration::from_millis(20));
    let report = relay.run_until_empty().await.unwrap();
    wait_for_acceptance(&sandbox).await;
    let accepted = sandbox.accepted();
    assert_eq!(accepted.len(), 1, "{report:?}");
    assert_eq!(accepted[0].event, "order.completed.v1");
    assert_eq!(accepted[0].payload["orderId"], "820982911946154508");
    assert_eq!(accepted[0].payload["brandId"], BRAND);
    assert_eq!(outbox.counts().await.unwrap().pending, 0);

    outbox.pool().close().await;
    std::fs::remove_dir_all(dir).unwrap();
}
