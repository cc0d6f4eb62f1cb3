//! The built-in transforms: Shopify, BigCommerce, Typeform and Calendly webhooks to catalog
//! events.
//!
//! Each reads only the fields it needs, borrowed where it can, and skips the rest of the body
//! without building it. Provider ids are read as integers or strings, never through a float
//! (Shopify's exceed 2^53); times are normalised to UTC; `eventId` is derived from the provider's
//! object identity, so a redelivery (or the same order arriving as `orders/create` and then
//! `orders/paid`) yields the same event id.

mod bigcommerce;
mod calendly;
mod fields;
mod shopify;
mod typeform;

use super::headers::Headers;
use super::transform::{Candidate, InboundError};
use super::Source;
use crate::schema::EventName;
use bigcommerce::bigcommerce;
use calendly::calendly;
use serde_json::Value;
use shopify::{shopify_customer, shopify_fulfillment, shopify_order};
use typeform::typeform;

/// Source and topic pairs with a built-in transform, and the event each produces.
pub const BUILT_IN_TOPICS: &[(Source, &str, &str)] = &[
    (Source::Shopify, "orders/create", "order.completed.v1"),
    (Source::Shopify, "orders/paid", "order.completed.v1"),
    (Source::Shopify, "customers/create", "customer.created.v1"),
    (Source::Shopify, "fulfillments/create", "fulfillment.created.v1"),
    (Source::BigCommerce, "store/order/created", "order.completed.v1"),
    (Source::BigCommerce, "store/customer/created", "customer.created.v1"),
    (Source::Typeform, "form_response", "form.submitted.v1"),
    (Source::Calendly, "invitee.created", "booking.scheduled.v1"),
    (Source::Calendly, "invitee.canceled", "booking.canceled.v1"),
];

/// Runs the built-in transform of a source and topic over a raw body.
pub(crate) fn transform(
    source: Source,
    topic: &str,
    body: &[u8],
    headers: &(impl Headers + ?Sized),
) -> Result<Candidate, InboundError> {
    let Some(&(_, _, event)) = BUILT_IN_TOPICS.iter().find(|(s, t, _)| *s == source && *t == topic) else {
        let supported: Vec<&str> = BUILT_IN_TOPICS.iter().filter(|(s, ..)| *s == source).map(|(_, t, _)| *t).collect();
        let hint = if supported.is_empty() {
            " (this source has no built-in transforms; declare one)".to_owned()
        } else {
            format!(" (supported: {})", supported.join(", "))
        };
        return Err(InboundError::UnsupportedTopic {
            source_name: source.as_str().to_owned(),
            topic: crate::text::clip(topic, crate::text::TOKEN_CHARS),
            hint,
        });
    };
    let mut candidate = Candidate::new(EventName::parse(event).map_err(|e| InboundError::Malformed(e.to_string()))?);
    match (source, topic) {
        (Source::Shopify, "orders/create" | "orders/paid") => shopify_order(body, &mut candidate)?,
        (Source::Shopify, "customers/create") => shopify_customer(body, &mut candidate)?,
        (Source::Shopify, _) => shopify_fulfillment(body, &mut candidate)?,
        (Source::BigCommerce, _) => bigcommerce(topic, body, &mut candidate)?,
        (Source::Typeform, _) => typeform(body, &mut candidate)?,
        _ => calendly(topic, body, &mut candidate)?,
    }
    let delivery_header = match source {
        Source::Shopify => Some("X-Shopify-Webhook-Id"),
        _ => None,
    };
    if let Some(id) = delivery_header.and_then(|h| headers.header(h)) {
        candidate.set_delivery_id(crate::text::clip(id, crate::text::NAME_CHARS));
    }
    Ok(candidate)
}

/// Reads the topic from where each vendor puts it.
pub(crate) fn detect_topic(
    source: Source,
    headers: &(impl Headers + ?Sized),
    body: &[u8],
) -> Result<String, InboundError> {
    let from_body = |key: &str| -> Result<String, InboundError> {
        #[derive(serde::Deserialize)]
        struct Probe {
            scope: Option<String>,
            event_type: Option<String>,
            event: Option<Value>,
        }
        let probe: Probe = serde_json::from_slice(body).map_err(|e| InboundError::malformed("the webhook body", e))?;
        let found = match key {
            "scope" => probe.scope,
            "event_type" => probe.event_type,
            _ => probe.event.and_then(|e| e.as_str().map(str::to_owned)),
        };
        found.ok_or_else(|| InboundError::Malformed(format!("no topic given and the body has no `{key}`")))
    };
    match source {
        Source::Shopify => headers
            .header("X-Shopify-Topic")
            .map(str::to_owned)
            .ok_or_else(|| InboundError::Malformed("no topic given and no X-Shopify-Topic header".into())),
        Source::BigCommerce => from_body("scope"),
        Source::Typeform => from_body("event_type"),
        Source::Calendly => from_body("event"),
        Source::Custom => Err(InboundError::Malformed("custom webhooks are routed by their webhookPath".into())),
    }
}
