//! The inputs the hostile-input tables (docs/hostile-input.md) share across rooms: each table
//! lives beside the concern it tests (`tests/engine/hostile_payloads.rs`,
//! `tests/webhooks/{declared_paths,inbound_intake,delivery_refusals}.rs`, `tests/client/hostile.rs`,
//! `tests/sandbox/hostile_requests.rs`), each bad input at the level a user meets it, with the exact
//! error it gets.
//!
//! Nothing panics or overflows the stack, and nothing is half-processed: a request the sandbox
//! refuses leaves its accepted events and idempotency keys as they were (the same Idempotency-Key
//! is then accepted fresh), and a webhook whose signature fails is refused before its body is read.

use std::time::{Duration, SystemTime};

use crate::sandbox::BRAND;
use loop_contracts::inbound::{Declaration, Intake, SignatureScheme, SigningSecret, Source, TransformContext};

/// A valid `lead.captured.v1` payload as text.
pub const LEAD: &str = r#"{"eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z", "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com", "source": "inbound_lead", "attribution": {}}"#;

/// [`LEAD`] with `members` (raw JSON text) added after its keys: a key already there is then
/// duplicated, and the last occurrence wins.
pub fn lead_with(members: &str) -> Vec<u8> {
    format!("{}, {members}}}", &LEAD[..LEAD.len() - 1]).into_bytes()
}

/// `depth` nested arrays as text.
pub fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

/// A declaration mapping `email` to `path`.
pub fn declaration(path: &str) -> String {
    format!(
        r#"{{"name": "lead.captured.v1", "source": "custom", "webhookPath": "/hooks/lead",
            "transform": {{"occurredAt": "$.at", "email": {}, "source": {{"const": "other"}},
                          "attribution": {{"path": "$.utm", "default": {{}}}}}}}}"#,
        serde_json::to_string(path).unwrap()
    )
}

/// The signing secrets of the hostile-input tables' intake, one per signing source.
pub const SHOPIFY_SECRET: &str = "shpss_hostile_input_test";
pub const TYPEFORM_SECRET: &str = "typeform_hostile_input_test";
pub const CALENDLY_SECRET: &str = "calendly_hostile_input_test";

/// The bytes of a vendor payload under `tests/fixtures/webhooks/`.
pub fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(suite::fixture(&format!("webhooks/{path}"))).unwrap()
}

/// An intake with a secret for each signing source and a declaration at `/hooks/lead`.
pub fn inbound_intake() -> Intake {
    let mut intake = Intake::new(TransformContext::for_brand(BRAND.parse().unwrap()))
        .with_secret(Source::Shopify, SigningSecret::from_text(SHOPIFY_SECRET))
        .with_secret(Source::Typeform, SigningSecret::from_text(TYPEFORM_SECRET))
        .with_secret(Source::Calendly, SigningSecret::from_text(CALENDLY_SECRET));
    intake.declare(Declaration::parse(&declaration("$.email")).unwrap()).unwrap();
    intake
}

/// The signature header a vendor would send for `body`, signed `age` seconds ago.
pub fn signed(scheme: SignatureScheme, secret: &str, body: &[u8], age: u64) -> (&'static str, String) {
    scheme.sign(&SigningSecret::from_text(secret), body, SystemTime::now() - Duration::from_secs(age))
}

/// A Shopify order with `members` (raw JSON) added first.
pub fn shopify_order_with(members: &str) -> Vec<u8> {
    let order = fixture("shopify/orders-create.json");
    [format!("{{{members}, ").as_bytes(), &order[1..]].concat()
}

/// The headers (as `(name, value)` pairs) and the raw body of a webhook request.
pub type Request = (Vec<(String, String)>, Vec<u8>);

/// A header as a `(name, value)` pair.
pub fn pair(name: &str, value: impl Into<String>) -> (String, String) {
    (name.to_owned(), value.into())
}
