//! Inbound transforms on the real Shopify order fixture: raw bytes to a validated
//! `order.completed.v1`, against `serde_json` parsing the same bytes into a `Value` alone.
//!
//! Run: `cargo bench --bench transform`; figures in `benches/README.md`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use loop_contracts::inbound::{Declaration, Source, TransformContext};

fn transform(c: &mut Criterion) {
    let bytes = std::fs::read(suite::fixture("webhooks/shopify/orders-create.json")).unwrap();
    let context = TransformContext::for_brand("6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e".parse().unwrap());
    let declaration = Declaration::parse(suite::SHOPIFY_ORDER_DECLARATION).unwrap();
    assert!(Source::Shopify.transform("orders/create", &bytes, &context).is_ok());
    assert!(declaration.apply(&bytes, &context).is_ok());

    let mut group = c.benchmark_group("shopify_order");
    group.bench_function("serde_json_value_parse", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&bytes)).unwrap())
    });
    group.bench_function("built_in_transform_validated", |b| {
        b.iter(|| Source::Shopify.transform("orders/create", black_box(&bytes), &context).unwrap())
    });
    group.bench_function("declared_transform_validated", |b| {
        b.iter(|| declaration.apply(black_box(&bytes), &context).unwrap())
    });
    group.finish();
}

criterion_group!(benches, transform);
criterion_main!(benches);
