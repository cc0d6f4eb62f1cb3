//! The Rust side of `benches/compare.sh`: validation by this crate's engine and by the `jsonschema`
//! crate on the emitted `schemas/*.schema.json`, and the Shopify transforms, on the corpus that
//! `benches/compare/node.mjs` measures under Node (Zod 3, ajv, a JSONPath library). Prints one JSON
//! object per line; `benches/compare/report.mjs` turns the runs into tables.
//!
//! The corpus: the three payloads of `benches/compare/payloads.json` (the valid and the invalid
//! lead and the 25-item order of `benches/validation.rs`), and every 20th line of
//! `tests/parity/corpus.jsonl` that a strict JSON parser accepts (544 payloads of all 13 events,
//! valid and invalid). Validation starts from a parsed document (`serde_json::Value` here, a
//! `JSON.parse` result in Node); transforms start from the raw bytes.
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

use loop_contracts::inbound::{Declaration, Source, TransformContext};
use loop_contracts::{catalog, validate_event};
use serde_json::{json, Value};

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
    /// (event, payload, Zod's verdict)
    slice: Vec<(String, Value, bool)>,
}

fn corpus(root: &Path) -> Corpus {
    let payloads: Value = serde_json::from_str(&read(&root.join("benches/compare/payloads.json"))).expect("JSON");
    let fixed = payloads["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| {
            (c["case"].as_str().unwrap().to_owned(), c["event"].as_str().unwrap().to_owned(), c["payload"].clone())
        })
        .collect();
    let slice = suite::parity_corpus()
        .into_iter()
        .step_by(20)
        .map(|case| {
            let payload = serde_json::from_str(&case.input).expect("a non-divergent input parses");
            (case.event, payload, case.zod.success)
        })
        .collect();
    Corpus { fixed, slice }
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
    validation(&root, rounds, quick);
    transforms(rounds, quick);
}
