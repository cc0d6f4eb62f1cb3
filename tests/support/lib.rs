//! Helpers shared by the workspace's tests, examples and benchmarks.

use std::path::PathBuf;

// The hostile-input tables' shared inputs name `suite::fixture` as the tests do.
extern crate self as suite;

/// Workspace targets built for the tests that run them as processes.
pub mod build;
/// The client's test helpers: a recording sleeper, a client on a sandbox.
pub mod client;
/// The inputs the hostile-input tables share.
pub mod hostile;
/// PostgreSQL for the tests: a private throwaway cluster per test process, or the server
/// `LOOP_TEST_POSTGRES_URL` names; a fresh database per test.
pub mod postgres;
/// The lock of the tests that change what the whole process shares.
pub mod process;
/// The sandbox's test helpers: keys, payloads, requests over real HTTP.
pub mod sandbox;
/// The security review's secret, and the check that nothing shows it.
pub mod secrets;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under `tests/fixtures/` (the vendor payloads and test vectors; see its README.md).
pub fn fixture(relative: &str) -> PathBuf {
    workspace_root().join("tests/fixtures").join(relative)
}

use loop_contracts::catalog::*;
use loop_contracts::{Event, ValidationError};

/// Decodes `bytes` into the typed struct of a built-in event (through [`Event::from_json_slice`]);
/// `None` for a name outside the catalog.
pub fn decode_typed(name: &str, bytes: &[u8]) -> Option<Result<serde_json::Value, ValidationError>> {
    fn go<E: Event>(bytes: &[u8]) -> Result<serde_json::Value, ValidationError> {
        E::from_json_slice(bytes).map(|e| e.to_payload())
    }
    Some(match name {
        LeadCaptured::NAME => go::<LeadCaptured>(bytes),
        OrderCompleted::NAME => go::<OrderCompleted>(bytes),
        CustomerCreated::NAME => go::<CustomerCreated>(bytes),
        FulfillmentCreated::NAME => go::<FulfillmentCreated>(bytes),
        FormSubmitted::NAME => go::<FormSubmitted>(bytes),
        BookingScheduled::NAME => go::<BookingScheduled>(bytes),
        BookingCanceled::NAME => go::<BookingCanceled>(bytes),
        MessageSent::NAME => go::<MessageSent>(bytes),
        MessageDelivered::NAME => go::<MessageDelivered>(bytes),
        MessageBounced::NAME => go::<MessageBounced>(bytes),
        MessageOpened::NAME => go::<MessageOpened>(bytes),
        MessageClicked::NAME => go::<MessageClicked>(bytes),
        MessageFailed::NAME => go::<MessageFailed>(bytes),
        _ => return None,
    })
}

/// Whether plain serde (`serde_json::from_slice` into the typed struct, no fallback) accepts `bytes`.
pub fn serde_accepts(name: &str, bytes: &[u8]) -> Option<bool> {
    fn go<E: Event>(bytes: &[u8]) -> bool {
        serde_json::from_slice::<E>(bytes).is_ok()
    }
    Some(match name {
        LeadCaptured::NAME => go::<LeadCaptured>(bytes),
        OrderCompleted::NAME => go::<OrderCompleted>(bytes),
        CustomerCreated::NAME => go::<CustomerCreated>(bytes),
        FulfillmentCreated::NAME => go::<FulfillmentCreated>(bytes),
        FormSubmitted::NAME => go::<FormSubmitted>(bytes),
        BookingScheduled::NAME => go::<BookingScheduled>(bytes),
        BookingCanceled::NAME => go::<BookingCanceled>(bytes),
        MessageSent::NAME => go::<MessageSent>(bytes),
        MessageDelivered::NAME => go::<MessageDelivered>(bytes),
        MessageBounced::NAME => go::<MessageBounced>(bytes),
        MessageOpened::NAME => go::<MessageOpened>(bytes),
        MessageClicked::NAME => go::<MessageClicked>(bytes),
        MessageFailed::NAME => go::<MessageFailed>(bytes),
        _ => return None,
    })
}

/// One case of the parity corpus (`tests/parity/corpus.jsonl`), written by the Zod oracle.
#[derive(Debug, serde::Deserialize)]
pub struct ParityCase {
    /// A readable id: `<event>/<category>/<detail>`.
    pub id: String,
    /// The event name.
    pub event: String,
    /// The payload as JSON text, spelled exactly as Zod read it.
    pub input: String,
    /// Zod's result.
    pub zod: ZodResult,
    /// ajv's verdict on the emitted JSON Schema, when recorded.
    #[serde(default)]
    pub ajv: Option<bool>,
}

/// Zod's `safeParse` result, reduced to what parity compares.
#[derive(Debug, serde::Deserialize)]
pub struct ZodResult {
    /// The verdict.
    pub success: bool,
    /// The issues, in Zod's order.
    #[serde(default)]
    pub issues: Vec<ZodIssue>,
    /// The output on success.
    #[serde(default)]
    pub data: Option<serde_json::Value>,
}

/// One Zod issue.
#[derive(Debug, PartialEq, Eq, serde::Deserialize)]
pub struct ZodIssue {
    /// The path joined with `.`.
    pub path: String,
    /// The code.
    pub code: String,
    /// The message.
    pub message: String,
}

/// JSON equality as JavaScript sees it, for comparing an output with Zod's: numbers compare as
/// doubles (Zod's output holds `9007199254740993` as `9007199254740992`, `-0` as `0`), object key
/// order is irrelevant.
pub fn same_json(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value::*;
    match (a, b) {
        (Number(x), Number(y)) => x.as_f64() == y.as_f64(),
        (Array(x), Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y)),
        (Object(x), Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// Reads the committed parity corpus.
pub fn parity_corpus() -> Vec<ParityCase> {
    let path = workspace_root().join("tests/parity/corpus.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("corpus line {l:.80}: {e}")))
        .filter(|c: &ParityCase| !c.id.contains("/divergent/"))
        .collect()
}

/// The declared Shopify order transform the benchmarks time (8 mappings: JSONPath, `first`, a
/// filter, coercions); `benches/compare/node.mjs` holds the same mappings for jsonpath-plus.
pub const SHOPIFY_ORDER_DECLARATION: &str = r#"{"name": "order.completed.v1", "source": "shopify", "webhookPath": "/webhooks/shopify/orders",
  "transform": {
    "eventId": {"path": "$.admin_graphql_api_id", "coerce": "uuid"},
    "occurredAt": {"path": "$.created_at", "coerce": "datetime"},
    "brandId": "$.note_attributes[?@.name=='brand_id'].value",
    "platform": {"const": "shopify"},
    "orderId": {"path": "$.id", "coerce": "string"},
    "email": {"first": ["$.email", "$.contact_email", "$.customer.email"]},
    "currency": "$.currency",
    "totalPrice": "$.total_price"
  }}"#;

/// CPU time the whole process has used (user + system, all threads), from `/proc/self/stat`;
/// zero where there is none.
pub fn cpu_seconds() -> f64 {
    let (user, system) = cpu_ticks("/proc/self/stat");
    (user + system) as f64 / 100.0
}

/// User and system CPU time from a `stat` file of `/proc` (a process's or, under
/// `/proc/self/task/<id>/`, a thread's), in USER_HZ ticks (1/100 s on Linux); zeros where there is
/// none.
pub fn cpu_ticks(stat_path: impl AsRef<std::path::Path>) -> (u64, u64) {
    let stat = std::fs::read_to_string(stat_path).unwrap_or_default();
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    (ticks(11), ticks(12))
}

/// The 1, 5 and 15 minute load averages (`/proc/loadavg`), as one line; empty where there are none.
pub fn load_average() -> String {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

/// The median of some figures (the upper one of an even count); sorts them.
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// A small event of the tests' own, with a required and an optional `number` field.
pub mod meter {
    loop_contracts::event! {
        #[event("meter.read.v1")]
        pub struct MeterRead {
            value: number,
            note?: number,
        }
    }
}

/// The README's examples, compiled and run as doc tests: the front page cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;

/// The outbox guide's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/outbox.md")]
pub struct OutboxGuideExamples;

/// The security review's examples ("Secrets in memory"), compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/security-review.md")]
pub struct SecurityReviewExamples;

/// The inbound guide's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/inbound.md")]
pub struct InboundGuideExamples;
