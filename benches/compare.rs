//! The Rust side of `benches/compare.sh`: validation by this crate's engine and by the `jsonschema`
//! crate on the emitted `schemas/*.schema.json`, and the Shopify transforms, on the corpus that
//! `benches/compare/node.mjs` measures under Node (Zod 3, ajv, a JSONPath library). Prints one JSON
//! object per line; `benches/compare/report.mjs` turns the runs into tables.
//!
//! The corpus: the four payloads of `benches/compare/payloads.json` (the valid and the invalid
//! lead and the 25-item order of `benches/validation.rs`, and that order with three bad line
//! items), and every 20th line of `tests/parity/corpus.jsonl` that a strict JSON parser accepts
//! (544 payloads of all 13 events, valid and invalid). The `validation` group starts from a parsed
//! document (`serde_json::Value` here, a `JSON.parse` result in Node); the `bytes` group from the
//! compact JSON text of each fixed payload (keys in the file's order; the same text in Node,
//! checked by its SHA-256), with a syntax-only parse as the floor; the `per_issue` group from the
//! text of orders with 1,000 to 40,000 line items, each with one issue. Transforms start from the
//! raw bytes.
//!
//! Timing, the same in both harnesses: each measured function is warmed up, then given a batch
//! size that takes about 2 ms; the functions then take turns, one batch each per round, for
//! `COMPARE_ROUNDS` rounds (default 200), and the figure is the median over the rounds of the time
//! per call (per payload for the corpus slice).
//!
//! Run: `cargo bench --bench compare` (a full run) or `benches/compare.sh` (both languages,
//! alternating, and the tables); without `--bench`, or with `--test`, every function runs once.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use loop_contracts::catalog::{LeadCaptured, OrderCompleted};
use loop_contracts::inbound::{Declaration, Source, TransformContext};
use loop_contracts::{catalog, validate_event, Event};
use serde::de::IgnoredAny;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

#[path = "compare/payloads.rs"]
mod payloads;
use payloads::{compact, Payloads};

const BRAND: &str = "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e";
const BATCH: Duration = Duration::from_millis(2);
const WARM_UP: Duration = Duration::from_millis(100);

/// One measured function: `per` payloads per call.
struct Timed<'a> {
    group: &'static str,
    case: String,
    engine: &'static str,
    per: usize,
    call: Box<dyn FnMut() -> usize + 'a>,
}

impl<'a> Timed<'a> {
    fn new(
        group: &'static str,
        case: &str,
        engine: &'static str,
        per: usize,
        call: impl FnMut() -> usize + 'a,
    ) -> Self {
        Timed { group, case: case.to_owned(), engine, per, call: Box::new(call) }
    }
}

/// Nanoseconds per payload of each function: the median over `rounds` rounds of one batch each.
fn measure(items: &mut [Timed<'_>], rounds: usize, quick: bool) -> Vec<f64> {
    if quick {
        return items.iter_mut().map(|t| time_batch(t, 1)).collect();
    }
    let batches: Vec<u64> = items
        .iter_mut()
        .map(|t| {
            let started = Instant::now();
            let mut calls = 0u64;
            while started.elapsed() < WARM_UP {
                black_box((t.call)());
                calls += 1;
            }
            let per_call = started.elapsed().as_secs_f64() / calls as f64;
            ((BATCH.as_secs_f64() / per_call).round() as u64).max(1)
        })
        .collect();
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); items.len()];
    for _ in 0..rounds {
        for ((t, &batch), s) in items.iter_mut().zip(&batches).zip(&mut samples) {
            s.push(time_batch(t, batch));
        }
    }
    samples.iter_mut().map(|s| suite::median(s)).collect()
}

fn time_batch(t: &mut Timed<'_>, batch: u64) -> f64 {
    let started = Instant::now();
    let mut sink = 0usize;
    for _ in 0..batch {
        sink = sink.wrapping_add((t.call)());
    }
    let elapsed = started.elapsed();
    black_box(sink);
    elapsed.as_nanos() as f64 / (batch as f64 * t.per as f64)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A compiled validator of `schemas/<event>.schema.json`.
fn json_schema(root: &Path, event: &str) -> jsonschema::Validator {
    let text = read(&root.join("schemas").join(format!("{event}.schema.json")));
    jsonschema::draft202012::new(&serde_json::from_str(&text).expect("a JSON Schema")).expect("the schema compiles")
}

/// The validation corpus: the fixed cases, and the slice of the parity corpus.
struct Corpus {
    fixed: Vec<(String, String, Value)>,
    /// Each fixed case's payload as compact JSON text, keys in the file's order.
    texts: Vec<Vec<u8>>,
    /// (event, payload, Zod's verdict)
    slice: Vec<(String, Value, bool)>,
}

fn corpus(root: &Path) -> Corpus {
    let text = read(&root.join("benches/compare/payloads.json"));
    let payloads: Payloads<'_> = serde_json::from_str(&text).expect("JSON");
    let fixed = payloads
        .cases
        .iter()
        .map(|c| (c.case.clone(), c.event.clone(), serde_json::from_str(c.payload.get()).expect("a payload")))
        .collect();
    let texts = payloads.cases.iter().map(|c| compact(c.payload.get())).collect();
    let slice = suite::parity_corpus()
        .into_iter()
        .step_by(20)
        // A number beyond a double (which `JSON.parse` reads as an infinity) has no `Value`; those
        // inputs are left out on both sides.
        .filter_map(|case| {
            let payload = serde_json::from_str(&case.input).ok()?;
            Some((case.event, payload, case.zod.success))
        })
        .collect();
    Corpus { fixed, texts, slice }
}

fn emit(side_rounds: usize, items: &[Timed<'_>], medians: &[f64]) {
    for (t, ns) in items.iter().zip(medians) {
        println!(
            "{}",
            json!({"side": "rust", "group": t.group, "case": t.case, "engine": t.engine, "ns": ns, "rounds": side_rounds})
        );
    }
}

fn validation(root: &Path, rounds: usize, quick: bool) {
    let corpus = corpus(root);
    let mut validators = std::collections::HashMap::new();
    for event in catalog().names() {
        validators.insert(event.to_owned(), json_schema(root, event));
    }
    // Every engine gives the same verdict on every payload (and Zod's, on the slice).
    let verdicts = |event: &str, payload: &Value| {
        let issues = catalog().get(event).unwrap().issues(payload).is_empty();
        let validated = validate_event(event, payload).is_ok();
        let schema = validators[event].is_valid(payload);
        assert!(issues == validated && validated == schema, "engines disagree on a {event} payload: {payload}");
        issues
    };
    for (_, event, payload) in &corpus.fixed {
        verdicts(event, payload);
    }
    let valid = corpus.slice.iter().filter(|(event, payload, zod)| verdicts(event, payload) == *zod).count();
    assert_eq!(valid, corpus.slice.len(), "the slice's verdicts agree with Zod's");
    let valid_count = corpus.slice.iter().filter(|(_, _, zod)| *zod).count();
    println!(
        "{}",
        json!({"side": "rust", "meta": "corpus", "slice": corpus.slice.len(), "slice_valid": valid_count,
               "fixed": corpus.fixed.iter().map(|(c, ..)| c.clone()).collect::<Vec<_>>()})
    );

    let resolved: Vec<_> = corpus
        .slice
        .iter()
        .map(|(event, payload, _)| {
            (catalog().get(event).unwrap(), &validators[event.as_str()], event.as_str(), payload)
        })
        .collect();
    let mut items = Vec::new();
    for (case, event, payload) in &corpus.fixed {
        let schema = catalog().get(event).unwrap();
        let validator = &validators[event.as_str()];
        items.push(Timed::new("validation", case, "loop_contracts_issues", 1, move || {
            schema.issues(black_box(payload)).len()
        }));
        items.push(Timed::new("validation", case, "loop_contracts_validate_event", 1, move || {
            usize::from(validate_event(black_box(event), black_box(payload)).is_ok())
        }));
        items.push(Timed::new("validation", case, "jsonschema_all_errors", 1, move || {
            validator.iter_errors(black_box(payload)).count()
        }));
    }
    let n = resolved.len();
    let case = format!("parity_corpus_slice_{n}");
    let slice = &resolved;
    items.push(Timed::new("validation", &case, "loop_contracts_issues", n, move || {
        slice.iter().map(|(schema, _, _, payload)| schema.issues(black_box(payload)).len()).sum()
    }));
    items.push(Timed::new("validation", &case, "loop_contracts_validate_event", n, move || {
        slice
            .iter()
            .filter(|(_, _, event, payload)| validate_event(black_box(event), black_box(payload)).is_ok())
            .count()
    }));
    items.push(Timed::new("validation", &case, "jsonschema_all_errors", n, move || {
        slice.iter().map(|(_, validator, _, payload)| validator.iter_errors(black_box(payload)).count()).sum()
    }));
    let medians = measure(&mut items, rounds, quick);
    emit(if quick { 0 } else { rounds }, &items, &medians);
}

/// Typed decoding of one of the fixed payloads' events: the number of issues.
fn typed(event: &str, text: &[u8]) -> usize {
    let issues = |e: loop_contracts::ValidationError| e.issues().len();
    match event {
        LeadCaptured::NAME => LeadCaptured::from_json_slice(text).map_or_else(issues, |_| 0),
        OrderCompleted::NAME => OrderCompleted::from_json_slice(text).map_or_else(issues, |_| 0),
        other => unreachable!("no typed decoding for {other} here"),
    }
}

/// The generated `Deserialize` alone on text checked as UTF-8 (the floor of typed decoding): 1
/// when it decodes, 0 when it refuses, with no issues.
fn typed_deserialize(event: &str, text: &[u8]) -> usize {
    let Ok(text) = std::str::from_utf8(text) else { return 0 };
    match event {
        LeadCaptured::NAME => usize::from(serde_json::from_str::<LeadCaptured>(text).is_ok()),
        OrderCompleted::NAME => usize::from(serde_json::from_str::<OrderCompleted>(text).is_ok()),
        other => unreachable!("no typed decoding for {other} here"),
    }
}

/// The number of issues `check_slice` reports.
fn check_slice(schema: &loop_contracts::EventSchema, text: &[u8]) -> usize {
    schema.check_slice(text).map_or_else(|e| e.issues().len(), |()| 0)
}

/// From JSON text to the verdict and issues, on the fixed payloads.
fn bytes(root: &Path, rounds: usize, quick: bool) {
    let corpus = corpus(root);
    let validators: Vec<_> = corpus.fixed.iter().map(|(_, event, _)| json_schema(root, event)).collect();
    let mut texts = Vec::new();
    for (((case, event, payload), text), validator) in corpus.fixed.iter().zip(&corpus.texts).zip(&validators) {
        // The text is the payload, and every route gives the same issues.
        assert_eq!(&serde_json::from_slice::<Value>(text).expect("compact JSON"), payload, "{case}");
        let schema = catalog().get(event).unwrap();
        let issues = schema.issues(payload).len();
        let mut out = Vec::new();
        let into = schema.validate_slice_into(text, &mut out).map_or_else(|e| e.issues().len(), |()| 0);
        assert!(check_slice(schema, text) == issues && into == issues && typed(event, text) == issues, "{case}");
        assert_eq!(validator.iter_errors(payload).next().is_none(), issues == 0, "{case}");
        let sha256: String = Sha256::digest(text).iter().map(|b| format!("{b:02x}")).collect();
        texts.push(json!({"case": case, "bytes": text.len(), "sha256": sha256, "issues": issues}));
    }
    println!("{}", json!({"side": "rust", "meta": "bytes", "texts": texts}));

    let mut items = Vec::new();
    for (((case, event, _), text), validator) in corpus.fixed.iter().zip(&corpus.texts).zip(&validators) {
        let schema = catalog().get(event).unwrap();
        let text = text.as_slice();
        items.push(Timed::new("bytes", case, "serde_ignored_any", 1, move || {
            usize::from(serde_json::from_slice::<IgnoredAny>(black_box(text)).is_ok())
        }));
        items.push(Timed::new("bytes", case, "serde_value", 1, move || {
            serde_json::from_slice::<Value>(black_box(text)).map_or(0, |v| v.as_object().map_or(0, |o| o.len()))
        }));
        items.push(Timed::new("bytes", case, "loop_contracts_check_slice", 1, move || {
            check_slice(schema, black_box(text))
        }));
        let mut out = Vec::with_capacity(text.len());
        items.push(Timed::new("bytes", case, "loop_contracts_validate_slice_into", 1, move || {
            out.clear();
            schema.validate_slice_into(black_box(text), &mut out).map_or_else(|e| e.issues().len(), |()| out.len())
        }));
        items.push(Timed::new("bytes", case, "loop_contracts_value_issues", 1, move || {
            serde_json::from_slice::<Value>(black_box(text)).map_or(0, |v| schema.issues(&v).len())
        }));
        items.push(Timed::new("bytes", case, "loop_contracts_typed", 1, move || typed(event, black_box(text))));
        items.push(Timed::new("bytes", case, "loop_contracts_typed_deserialize_only", 1, move || {
            typed_deserialize(event, black_box(text))
        }));
        items.push(Timed::new("bytes", case, "jsonschema_all_errors", 1, move || {
            serde_json::from_slice::<Value>(black_box(text)).map_or(0, |v| validator.iter_errors(&v).count())
        }));
    }
    let medians = measure(&mut items, rounds, quick);
    emit(if quick { 0 } else { rounds }, &items, &medians);
}

/// The cost of each issue on long arrays: orders of `n` line items, each with one issue (a
/// quantity written as a string).
fn per_issue(root: &Path, rounds: usize, quick: bool) {
    const EVENT: &str = "order.completed.v1";
    let schema = catalog().get(EVENT).unwrap();
    let validator = json_schema(root, EVENT);
    let sizes = [1_000, 5_000, 10_000, 20_000, 40_000];
    let texts: Vec<Vec<u8>> = sizes
        .iter()
        .map(|&n| {
            let items: Vec<String> = (0..n)
                .map(|i| format!(r#"{{"title":"Product {i}","quantity":"1","sku":"SKU-{i:05}","price":"19.99"}}"#))
                .collect();
            format!(
                r#"{{"eventId":"2b0c8f4e-5d1a-4c3b-9e7f-1a2b3c4d5e6f","occurredAt":"2022-01-01T00:00:00.123Z","brandId":"{BRAND}","email":"jon@example.com","platform":"shopify","orderId":"820982911946154508","lineItems":[{}]}}"#,
                items.join(",")
            )
            .into_bytes()
        })
        .collect();
    let values: Vec<Value> = texts.iter().map(|t| serde_json::from_slice(t).expect("JSON")).collect();
    for ((&n, text), value) in sizes.iter().zip(&texts).zip(&values) {
        assert_eq!(check_slice(schema, text), n);
        assert_eq!(schema.issues(value).len(), n);
        assert_eq!(validator.iter_errors(value).count(), n);
    }
    let mut items = Vec::new();
    for ((&n, text), value) in sizes.iter().zip(&texts).zip(&values) {
        let case = format!("order_{n}_bad_items");
        let (text, validator) = (text.as_slice(), &validator);
        items.push(Timed::new("per_issue", &case, "loop_contracts_check_slice", n, move || {
            check_slice(schema, black_box(text))
        }));
        items.push(Timed::new("per_issue", &case, "loop_contracts_value_issues", n, move || {
            serde_json::from_slice::<Value>(black_box(text)).map_or(0, |v| schema.issues(&v).len())
        }));
        items.push(Timed::new("per_issue", &case, "loop_contracts_issues", n, move || {
            schema.issues(black_box(value)).len()
        }));
        items.push(Timed::new("per_issue", &case, "jsonschema_all_errors_bytes", n, move || {
            serde_json::from_slice::<Value>(black_box(text)).map_or(0, |v| validator.iter_errors(&v).count())
        }));
        items.push(Timed::new("per_issue", &case, "jsonschema_all_errors", n, move || {
            validator.iter_errors(black_box(value)).count()
        }));
    }
    let medians = measure(&mut items, rounds, quick);
    emit(if quick { 0 } else { rounds }, &items, &medians);
}

fn transforms(rounds: usize, quick: bool) {
    let bytes = std::fs::read(suite::fixture("webhooks/shopify/orders-create.json")).expect("the Shopify fixture");
    let context = TransformContext::for_brand(BRAND.parse().unwrap());
    let declaration = Declaration::parse(suite::SHOPIFY_ORDER_DECLARATION).expect("the declaration compiles");
    Source::Shopify.transform("orders/create", &bytes, &context).expect("the built-in transform accepts the fixture");
    let declared = declaration.apply(&bytes, &context).expect("the declared transform accepts the fixture");
    println!(
        "{}",
        json!({"side": "rust", "meta": "transform", "fixture_bytes": bytes.len(), "declared_output": declared.payload})
    );
    let case = "shopify_orders_create";
    let (bytes, context, declaration) = (&bytes, &context, &declaration);
    let mut items = vec![
        Timed::new("transform", case, "serde_json_value_parse", 1, move || {
            serde_json::from_slice::<Value>(black_box(bytes)).map_or(0, |v| v.as_object().map_or(0, |o| o.len()))
        }),
        Timed::new("transform", case, "loop_contracts_built_in", 1, move || {
            usize::from(Source::Shopify.transform("orders/create", black_box(bytes), context).is_ok())
        }),
        Timed::new("transform", case, "loop_contracts_declared", 1, move || {
            usize::from(declaration.apply(black_box(bytes), context).is_ok())
        }),
    ];
    let medians = measure(&mut items, rounds, quick);
    emit(if quick { 0 } else { rounds }, &items, &medians);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    let quick = !has("--bench") || has("--test");
    let rounds = std::env::var("COMPARE_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(200);
    let root = suite::workspace_root();
    let only = std::env::var("COMPARE_GROUPS").unwrap_or_default();
    let wanted = |group: &str| only.is_empty() || only.split(',').any(|g| g == group);
    if wanted("validation") {
        validation(&root, rounds, quick);
    }
    if wanted("bytes") {
        bytes(&root, rounds, quick);
    }
    if wanted("per_issue") {
        per_issue(&root, rounds, quick);
    }
    if wanted("transform") {
        transforms(rounds, quick);
    }
}
