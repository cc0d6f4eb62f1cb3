//! The library on its embedded defaults: the built-in catalog, the platform's own examples,
//! typed events and a discovery document read at run time.
//!
//! Run: `cargo run --example demo`

use loop_contracts::catalog::{order_completed::CommercePlatform, OrderCompleted};
use loop_contracts::schema::EventSchema;
use loop_contracts::{catalog, validate_event, Event};
use serde_json::json;

fn show(title: &str, value: &serde_json::Value) {
    println!("{title}\n{}\n", serde_json::to_string_pretty(value).unwrap_or_default());
}

/// Prints an error response with its keys in the platform's order.
fn show_error(title: &str, err: &loop_contracts::ValidationError) {
    let text = serde_json::to_string_pretty(&loop_contracts::ErrorResponse::from(err)).unwrap_or_default();
    println!("{title}\n{text}\n");
}

fn main() {
    println!("Built-in catalog ({} events):", catalog().len());
    for schema in catalog().iter() {
        println!("  {:<24} {}", schema.name(), schema.description().unwrap_or_default());
    }
    println!();

    // The integration guide's own `validateEvent` example: its brandId is a placeholder.
    let seed_example = json!({
        "eventId": "550e8400-e29b-41d4-a716-446655440000",
        "occurredAt": "2026-05-19T12:00:00Z",
        "brandId": "brand-uuid",
        "email": "user@example.com",
        "source": "inbound_lead",
        "attribution": {},
        "personId": null,
    });
    match validate_event("lead.captured.v1", &seed_example) {
        Ok(data) => show("Accepted:", &data),
        Err(err) => show_error("The guide's example, as the platform answers it (422):", &err),
    }

    let mut fixed = seed_example.clone();
    fixed["brandId"] = json!("6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e");
    fixed["utm"] = json!("unknown keys are stripped");
    match validate_event("lead.captured.v1", &fixed) {
        Ok(data) => show("With a real brandId, accepted; the validated payload:", &data),
        Err(err) => show_error("Rejected:", &err),
    }

    let several = json!({"eventId": "{550E8400-E29B-41D4-A716-446655440000}", "occurredAt": "2026-05-19T12:00:00+02:00",
        "email": "user@localhost", "source": "Inbound_Lead", "attribution": []});
    if let Err(err) = validate_event("lead.captured.v1", &several) {
        println!("Every issue at once, in the platform's order:");
        for issue in err.issues() {
            println!("  {issue}");
        }
        println!();
    }

    let order = OrderCompleted::from_json_slice(
        br#"{"eventId": "2b0c8f4e-5d1a-4c3b-9e7f-1a2b3c4d5e6f", "occurredAt": "2022-01-01T00:00:00Z",
            "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "platform": "shopify",
            "orderId": "820982911946154508", "email": "jon@example.com", "currency": "USD", "totalPrice": "404.95",
            "lineItems": [{"title": "IPod Nano - 8GB", "quantity": 1.0, "price": "199.00"}]}"#,
    )
    .expect("a valid order");
    assert_eq!(order.platform, Some(CommercePlatform::Shopify));
    println!(
        "Typed {}: order {} for {} with {} line item(s), total {} {}\n",
        OrderCompleted::NAME,
        order.order_id.as_deref().unwrap_or("?"),
        order.email,
        order.line_items.as_ref().map_or(0, Vec::len),
        order.total_price.as_deref().unwrap_or("?"),
        order.currency.as_deref().unwrap_or("")
    );

    // A schema this binary was not compiled with, as `GET /api/events/schema/<name>` returns it.
    let discovered = EventSchema::from_discovery_str(
        r#"{"name": "review.posted.v1", "fields": {
            "eventId": {"type": "uuid", "required": true},
            "occurredAt": {"type": "datetime", "required": true},
            "brandId": {"type": "uuid", "required": true},
            "rating": {"type": "integer", "required": true},
            "text": {"type": "string", "maxLength": 10, "required": false}}}"#,
    )
    .expect("a well-formed discovery document");
    let review = json!({"eventId": "2b0c8f4e-5d1a-4c3b-9e7f-1a2b3c4d5e6f", "occurredAt": "2026-11-27T10:00Z",
        "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "rating": 4.5, "text": "Lovely staff, slow delivery"});
    if let Err(err) = discovered.validate(&review) {
        show_error("review.posted.v1, validated against a discovery document read at run time:", &err);
    }

    let schema = catalog().get("lead.captured.v1").expect("built in");
    println!("The discovery document of lead.captured.v1:\n{}", schema.to_discovery_json());
}
