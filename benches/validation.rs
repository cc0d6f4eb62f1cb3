//! Validation and typed decoding, side by side with the tools a user would otherwise pick:
//! the `jsonschema` crate on the emitted JSON Schema (all errors collected) and plain
//! `serde_json::from_slice` into an equivalent struct without validation.
//!
//! Run: `cargo bench --bench validation`; figures in `benches/README.md`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use loop_contracts::catalog::{LeadCaptured, OrderCompleted};
use loop_contracts::{catalog, Event};
use serde_json::{json, Value};

fn lead_valid() -> Value {
    json!({
        "eventId": "550e8400-e29b-41d4-a716-446655440000",
        "occurredAt": "2026-05-19T12:00:00Z",
        "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e",
        "email": "user@example.com",
        "source": "inbound_lead",
        "attribution": {"utm_source": "newsletter", "utm_campaign": "spring"},
        "personId": null,
    })
}

fn lead_invalid() -> Value {
    json!({
        "eventId": "550e8400e29b41d4a716446655440000",
        "occurredAt": "2026-05-19T12:00:00+02:00",
        "brandId": "brand-uuid",
        "email": "user@localhost",
        "source": "Inbound_Lead",
        "attribution": [],
        "personId": 42,
    })
}

fn order_large() -> Value {
    let items: Vec<Value> = (0..25)
        .map(|i| {
            json!({"title": format!("Product {i}"), "quantity": i % 4 + 1, "sku": format!("SKU-{i:05}"),
                   "price": "19.99", "productId": format!("{}", 632910392u64 + i), "variantId": format!("{}", 808950810u64 + i)})
        })
        .collect();
    json!({
        "eventId": "2b0c8f4e-5d1a-4c3b-9e7f-1a2b3c4d5e6f",
        "occurredAt": "2022-01-01T00:00:00.123Z",
        "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e",
        "platform": "shopify",
        "orderId": "820982911946154508",
        "orderNumber": "#1001",
        "email": "jon@example.com",
        "phone": "+15551234567",
        "customerId": "115310627314723954",
        "currency": "USD",
        "totalPrice": "404.95",
        "financialStatus": "paid",
        "lineItems": items,
        "tags": ["vip", "wholesale", "repeat"],
        "attributes": {"gift_note": "Happy birthday", "brand_id": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e"},
    })
}

/// What a user would write without this crate: serde derive, no Zod rules.
mod plain {
    use serde::Deserialize;

    #[allow(dead_code)]
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Lead {
        event_id: uuid::Uuid,
        occurred_at: chrono::DateTime<chrono::Utc>,
        brand_id: uuid::Uuid,
        email: String,
        source: String,
        attribution: serde_json::Map<String, serde_json::Value>,
        person_id: Option<uuid::Uuid>,
    }

    #[allow(dead_code)]
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct LineItem {
        title: String,
        quantity: i64,
        sku: Option<String>,
        price: Option<String>,
        product_id: Option<String>,
        variant_id: Option<String>,
    }

    #[allow(dead_code)]
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Order {
        event_id: uuid::Uuid,
        occurred_at: chrono::DateTime<chrono::Utc>,
        brand_id: uuid::Uuid,
        platform: String,
        order_id: String,
        order_number: Option<String>,
        email: Option<String>,
        phone: Option<String>,
        customer_id: Option<String>,
        currency: Option<String>,
        total_price: Option<String>,
        financial_status: Option<String>,
        line_items: Option<Vec<LineItem>>,
        tags: Option<Vec<String>>,
        attributes: Option<serde_json::Map<String, serde_json::Value>>,
    }
}

fn validation(c: &mut Criterion) {
    let cases = [
        ("lead_valid", "lead.captured.v1", lead_valid()),
        ("lead_invalid", "lead.captured.v1", lead_invalid()),
        ("order_25_items", "order.completed.v1", order_large()),
    ];
    let mut group = c.benchmark_group("validate");
    for (label, event, payload) in &cases {
        let schema = catalog().get(event).unwrap();
        let validator = jsonschema::draft202012::new(&schema.to_json_schema()).unwrap();
        assert_eq!(schema.check(payload).is_ok(), validator.is_valid(payload));
        group.bench_with_input(BenchmarkId::new("loop_contracts", label), payload, |b, p| {
            b.iter(|| black_box(schema.validate(black_box(p))).is_ok())
        });
        group.bench_with_input(BenchmarkId::new("loop_contracts_cow", label), payload, |b, p| {
            b.iter(|| black_box(schema.validate_cow(black_box(p))).is_ok())
        });
        group.bench_with_input(BenchmarkId::new("loop_contracts_verdict_and_issues", label), payload, |b, p| {
            b.iter(|| black_box(schema.issues(black_box(p))).len())
        });
        group.bench_with_input(BenchmarkId::new("jsonschema_all_errors", label), payload, |b, p| {
            b.iter(|| validator.iter_errors(black_box(p)).count())
        });
    }
    group.finish();
}

fn decoding(c: &mut Criterion) {
    let lead = serde_json::to_vec(&lead_valid()).unwrap();
    let order = serde_json::to_vec(&order_large()).unwrap();
    let mut group = c.benchmark_group("decode");
    group.bench_function("lead/loop_contracts_typed", |b| {
        b.iter(|| LeadCaptured::from_json_slice(black_box(&lead)).unwrap())
    });
    group.bench_function("lead/serde_plain", |b| {
        b.iter(|| serde_json::from_slice::<plain::Lead>(black_box(&lead)).unwrap())
    });
    group.bench_function("order_25_items/loop_contracts_typed", |b| {
        b.iter(|| OrderCompleted::from_json_slice(black_box(&order)).unwrap())
    });
    group.bench_function("order_25_items/serde_plain", |b| {
        b.iter(|| serde_json::from_slice::<plain::Order>(black_box(&order)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, validation, decoding);
criterion_main!(benches);
