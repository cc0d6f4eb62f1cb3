//! BigCommerce: order and customer callbacks (`store/order/created`, `store/customer/created`).

use serde::Deserialize;
use serde_json::json;

use super::super::candidate::Candidate;
use super::super::convert::utc_from_unix;
use super::super::error::InboundError;
use super::super::headers::Headers;
use super::fields::{notification_id, set_event_id, text, Text};
use super::vendor::Vendor;

/// BigCommerce, as the inbound layer knows it (`Source::vendor` registers it). Its callbacks are
/// not signed, and their delivery id (`hash`) is in the body.
pub(crate) const BIGCOMMERCE: Vendor = Vendor {
    name: "bigcommerce",
    signature: None,
    topics: &[("store/order/created", "order.completed.v1"), ("store/customer/created", "customer.created.v1")],
    delivery_header: None,
    transform,
};

/// Without a topic from the route, the body's `scope` names it.
fn transform(topic: Option<&str>, body: &[u8], _headers: &dyn Headers) -> Result<Candidate, InboundError> {
    BIGCOMMERCE.transform_with_topic(
        topic,
        body,
        "BigCommerce callback",
        "scope",
        |c: &BigCommerceCallback<'_>| c.scope.as_ref().map(Text::as_str),
        |callback, topic, candidate| bigcommerce(topic, callback, candidate),
    )
}

#[derive(Deserialize)]
struct BigCommerceCallback<'a> {
    #[serde(borrow, default)]
    scope: Option<Text<'a>>,
    #[serde(borrow, default)]
    store_id: Option<Text<'a>>,
    #[serde(borrow, default)]
    producer: Option<Text<'a>>,
    #[serde(borrow, default)]
    hash: Option<Text<'a>>,
    #[serde(default)]
    created_at: Option<i64>,
    #[serde(borrow)]
    data: Option<BigCommerceData<'a>>,
}

#[derive(Deserialize)]
struct BigCommerceData<'a> {
    #[serde(borrow)]
    id: Option<Text<'a>>,
}

fn bigcommerce(topic: &str, callback: BigCommerceCallback<'_>, candidate: &mut Candidate) -> Result<(), InboundError> {
    if let Some(scope) = text(&callback.scope)
        && scope != topic
    {
        return Err(InboundError::Malformed(format!(
            "the body's scope {:?} is not the topic {topic:?}",
            crate::text::clip(scope, crate::text::TOKEN_CHARS)
        )));
    }
    let Some(id) = callback.data.as_ref().and_then(|d| text(&d.id)) else {
        return Err(InboundError::Malformed("a BigCommerce callback without `data.id`".into()));
    };
    let store = text(&callback.store_id).or(text(&callback.producer)).unwrap_or("store");
    let (kind, field) = if topic == "store/order/created" { ("order", "orderId") } else { ("customer", "customerId") };
    // Each callback is its own event: its `hash` (the same when BigCommerce retries it), else the
    // object and the callback's time.
    let identity = match (notification_id(text(&callback.hash)), callback.created_at) {
        (Some(hash), _) => format!("bigcommerce:{store}:{topic}:hash:{hash}"),
        (None, Some(created_at)) => format!("bigcommerce:{store}:{topic}:{kind}:{id}:{created_at}"),
        (None, None) => format!("bigcommerce:{store}:{topic}:{kind}:{id}"),
    };
    set_event_id(candidate, &identity);
    match callback.created_at.and_then(utc_from_unix) {
        Some(t) => {
            candidate.set("occurredAt", json!(t));
            candidate.note_source("occurredAt", "from `$.created_at` (Unix seconds)");
        }
        None => candidate.note_source("occurredAt", "`$.created_at` matched nothing"),
    }
    candidate.set("platform", json!("bigcommerce"));
    candidate.set(field, json!(id));
    candidate.note_source("email", "BigCommerce callbacks carry no email: look it up and set it on the candidate");
    if let Some(hash) = text(&callback.hash) {
        // BigCommerce repeats the same hash when a hook fires twice for one event.
        candidate.set_delivery_id(crate::text::clip(hash, crate::text::TOKEN_CHARS));
    }
    Ok(())
}
