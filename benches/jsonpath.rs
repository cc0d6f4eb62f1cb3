//! JSONPath evaluation on the real Shopify `orders/create` payload: `loop_contracts::jsonpath`
//! (fast path and general engine) against the hand-written `Value::get` chains a user would
//! otherwise write, compile time of typical selectors, and the serde_json parse of the payload
//! (the cost every transform pays first, and the figure to compare with `preserve_order` on in
//! `benches/jsonpath-compare`).
//!
//! Run: `cargo bench --bench jsonpath`; figures in `benches/README.md`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use loop_contracts::jsonpath::JsonPath;
use serde_json::{json, Value};

fn order_bytes() -> Vec<u8> {
    let path = suite::fixture("webhooks/shopify/orders-create.json");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn order() -> Value {
    let mut order: Value = serde_json::from_slice(&order_bytes()).unwrap();
    // The fixture's `note_attributes` is empty; a shop that tags orders with a brand has a few.
    order["note_attributes"] = json!([
        {"name": "gift_note", "value": "Happy birthday"},
        {"name": "source", "value": "instagram"},
        {"name": "brand_id", "value": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e"},
    ]);
    order
}

type Hand = for<'a> fn(&'a Value) -> Option<&'a Value>;

/// The selectors, each with the code a user would write by hand instead.
const PATHS: [(&str, &str, Hand); 4] = [
    ("email", "$.email", |v| v.get("email")),
    ("customer_email", "$.customer.email", |v| v.get("customer")?.get("email")),
    ("first_sku", "$.line_items[0].sku", |v| v.get("line_items")?.get(0)?.get("sku")),
    ("brand_id_filter", "$.note_attributes[?(@.name=='brand_id')].value", |v| {
        v.get("note_attributes")?
            .as_array()?
            .iter()
            .find(|a| a.get("name").and_then(Value::as_str) == Some("brand_id"))?
            .get("value")
    }),
];

fn evaluation(c: &mut Criterion) {
    let order = order();
    let mut group = c.benchmark_group("jsonpath_eval");
    for (label, text, hand) in PATHS {
        let fast = JsonPath::parse(text).unwrap();
        let general = JsonPath::parse_compiled(text).unwrap();
        let expected = hand(&order).expect("the path selects a node");
        assert_eq!(fast.query(&order), [expected]);
        assert_eq!(general.query(&order), [expected]);
        if fast.is_simple() {
            group.bench_with_input(BenchmarkId::new("loop_contracts_fast_path", label), &order, |b, v| {
                b.iter(|| fast.first(black_box(v)))
            });
        }
        group.bench_with_input(BenchmarkId::new("loop_contracts_compiled", label), &order, |b, v| {
            b.iter(|| general.first(black_box(v)))
        });
        group.bench_with_input(BenchmarkId::new("value_get", label), &order, |b, v| b.iter(|| hand(black_box(v))));
    }
    group.finish();
}

fn compilation(c: &mut Criterion) {
    let mut group = c.benchmark_group("jsonpath_parse");
    for (label, text) in [
        ("simple", "$.line_items[0].sku"),
        ("filter", "$.note_attributes[?(@.name=='brand_id')].value"),
        ("filter_and_match", "$.line_items[?@.price > 10 && match(@.sku, 'SKU[0-9]+')].sku"),
    ] {
        group.bench_with_input(BenchmarkId::new("parse", label), text, |b, t| b.iter(|| JsonPath::parse(black_box(t))));
    }
    group.finish();
}

fn payload(c: &mut Criterion) {
    let bytes = order_bytes();
    c.bench_function("serde_json_from_slice/shopify_orders_create", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(&bytes)).unwrap())
    });
}

criterion_group!(benches, evaluation, compilation, payload);
criterion_main!(benches);
