//! The hostile-input tables (docs/hostile-input.md): each bad input at the level a user meets it,
//! with the exact error it gets.
//!
//! Nothing panics or overflows the stack, and nothing is half-processed: a request the sandbox
//! refuses leaves its accepted events and idempotency keys as they were (the same Idempotency-Key
//! is then accepted fresh), and a webhook whose signature fails is refused before its body is read.
//! `tests/robustness.rs` holds the property tests over arbitrary JSON and bytes; this file holds the
//! named cases, one table per entry point.

use std::io::{Read, Write};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use loop_contracts::api_key::{ApiKey, ApiKeyError};
use loop_contracts::catalog::LeadCaptured;
use loop_contracts::client::{BuildError, Client};
use loop_contracts::delivery::{DeliveryError, Receiver, Signer, Verifier, WebhookId, WebhookSecret};
use loop_contracts::inbound::{
    Declaration, InboundError, Intake, Route, SignatureError, SignatureScheme, SigningSecret, Source, TransformContext,
};
use loop_contracts::{validate_event, ErrorCode, Event, IssueCode};
use serde_json::{json, Map, Value};
use suite::sandbox::*;

// ---------------------------------------------------------------------------------------------
// Inputs

/// A valid `lead.captured.v1` payload as text.
const LEAD: &str = r#"{"eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z", "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com", "source": "inbound_lead", "attribution": {}}"#;

/// [`LEAD`] with `members` (raw JSON text) added after its keys: a key already there is then
/// duplicated, and the last occurrence wins.
fn lead_with(members: &str) -> Vec<u8> {
    format!("{}, {members}}}", &LEAD[..LEAD.len() - 1]).into_bytes()
}

/// [`LEAD`] with `members` added before its keys.
fn lead_before(members: &str) -> Vec<u8> {
    format!("{{{members}, {}", &LEAD[1..]).into_bytes()
}

/// `depth` nested arrays as text.
fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

/// A `Value` of `depth` nested arrays, built without recursion.
fn nested_value(depth: usize) -> Value {
    let mut value = Value::Array(Vec::new());
    for _ in 0..depth {
        value = Value::Array(vec![value]);
    }
    value
}

/// Takes a deep `Value` apart without recursion (its `Drop` recurses once per level).
fn dismantle(mut value: Value) {
    loop {
        value = match value {
            Value::Array(mut items) => match items.pop() {
                Some(inner) => inner,
                None => return,
            },
            Value::Object(map) => match map.into_iter().next() {
                Some((_, inner)) => inner,
                None => return,
            },
            _ => return,
        };
    }
}

/// Runs `f` on a thread with a 2 MiB stack (the default of spawned threads, stated so that
/// `RUST_MIN_STACK` cannot hide an overflow).
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new().stack_size(2 << 20).spawn(f).unwrap().join().expect("no panic, no overflow")
}

/// What the library answers for a payload given as bytes.
#[derive(Debug, Clone, Copy)]
enum Verdict {
    /// `MALFORMED_REQUEST`: typed decoding says `malformed JSON: <message>`, and `serde_json`
    /// refuses the bytes with `<message>` (so `validate_event` never sees them).
    Malformed(&'static str),
    /// Valid for `validate_event` and for typed decoding, with the same output.
    Valid,
    /// Valid for `validate_event` (as for Zod), refused by typed decoding with one `custom` issue
    /// with this message.
    ValidUntyped(&'static str),
    /// `VALIDATION_ERROR` from both, the first issue being (path, code, message).
    Invalid(&'static str, IssueCode, &'static str),
}

struct BytesCase {
    input: &'static str,
    event: &'static str,
    bytes: fn() -> Vec<u8>,
    verdict: Verdict,
}

/// Payloads as bytes: `Event::from_json_slice`, `serde_json::from_slice` then `validate_event`.
const BYTES: &[BytesCase] = &[
    BytesCase {
        input: "malformed JSON (cut short)",
        event: "lead.captured.v1",
        bytes: || br#"{"email": "#.to_vec(),
        verdict: Verdict::Malformed("EOF while parsing a value at line 1 column 10"),
    },
    BytesCase {
        input: "empty body",
        event: "lead.captured.v1",
        bytes: Vec::new,
        verdict: Verdict::Malformed("EOF while parsing a value at line 1 column 0"),
    },
    BytesCase {
        input: "form encoding instead of JSON",
        event: "lead.captured.v1",
        bytes: || b"event=lead.captured.v1&payload=%7B%7D".to_vec(),
        verdict: Verdict::Malformed("expected value at line 1 column 1"),
    },
    BytesCase {
        input: "byte order mark",
        event: "lead.captured.v1",
        bytes: || [&b"\xef\xbb\xbf"[..], LEAD.as_bytes()].concat(),
        verdict: Verdict::Malformed("expected value at line 1 column 1"),
    },
    BytesCase {
        input: "trailing bytes after the document",
        event: "lead.captured.v1",
        bytes: || format!("{LEAD} {{}}").into_bytes(),
        verdict: Verdict::Malformed("trailing characters at line 1 column 216"),
    },
    BytesCase {
        input: "10,000-deep nesting",
        event: "lead.captured.v1",
        bytes: || lead_with(&format!(r#""x": {}"#, nested(10_000))),
        verdict: Verdict::Malformed("recursion limit exceeded at line 1 column 347"),
    },
    BytesCase {
        input: "nesting at the parser's limit (127 levels)",
        event: "lead.captured.v1",
        bytes: || lead_with(&format!(r#""attribution": {{"x": {}}}"#, nested(125))),
        verdict: Verdict::Valid,
    },
    BytesCase {
        input: "a number beyond a double (1e400)",
        event: "lead.captured.v1",
        bytes: || lead_with(r#""personId": 1e400"#),
        verdict: Verdict::Malformed("number out of range at line 1 column 232"),
    },
    BytesCase {
        input: "an integer beyond i64 in an integer field",
        event: "order.completed.v1",
        bytes: || lead_with(r#""lineItems": [{"title": "t", "quantity": 123456789012345678901234567890}]"#),
        verdict: Verdict::ValidUntyped(
            "valid payload not representable as order.completed.v1: \
             invalid value: floating point `1.2345678901234568e+29`, expected an integer within the range of i64",
        ),
    },
    BytesCase {
        input: "an integer beyond i64 where a string is expected",
        event: "lead.captured.v1",
        bytes: || lead_with(r#""email": 123456789012345678901234567890"#),
        verdict: Verdict::Invalid("email", IssueCode::InvalidType, "Expected string, received number"),
    },
    BytesCase {
        input: "invalid UTF-8 in a string",
        event: "lead.captured.v1",
        bytes: || [&LEAD.as_bytes()[..LEAD.len() - 1], &b", \"x\": \"\xff\xfe\"}"[..]].concat(),
        verdict: Verdict::Malformed("invalid unicode code point at line 1 column 222"),
    },
    BytesCase {
        input: "a lone leading surrogate escape",
        event: "lead.captured.v1",
        bytes: || lead_with(r#""x": "\ud800""#),
        verdict: Verdict::Malformed("unexpected end of hex escape at line 1 column 228"),
    },
    BytesCase {
        input: "a leading surrogate escape before a non-surrogate",
        event: "lead.captured.v1",
        bytes: || lead_with(r#""x": "\ud800\u0041""#),
        verdict: Verdict::Malformed("lone leading surrogate in hex escape at line 1 column 233"),
    },
    BytesCase {
        input: "a lone trailing surrogate escape",
        event: "lead.captured.v1",
        bytes: || lead_with(r#""x": "\udc00""#),
        // serde_json's wording: a trailing surrogate with no leading one before it.
        verdict: Verdict::Malformed("lone leading surrogate in hex escape at line 1 column 227"),
    },
    BytesCase {
        input: "a raw control character in a string",
        event: "lead.captured.v1",
        bytes: || lead_with("\"x\": \"a\u{0}b\""),
        verdict: Verdict::Malformed(
            "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 223",
        ),
    },
    BytesCase {
        input: "a 10 MB string as an email",
        event: "lead.captured.v1",
        bytes: || lead_with(&format!(r#""email": "{}""#, "a".repeat(10 << 20))),
        verdict: Verdict::Invalid("email", IssueCode::InvalidString, "Invalid email"),
    },
    BytesCase {
        input: "a 10 MB local part: a valid email (Zod sets no length limit)",
        event: "lead.captured.v1",
        bytes: || lead_with(&format!(r#""email": "{}@example.com""#, "a".repeat(10 << 20))),
        verdict: Verdict::Valid,
    },
    BytesCase {
        input: "a 10 MB string as a UUID",
        event: "lead.captured.v1",
        bytes: || lead_with(&format!(r#""personId": "{}""#, "a".repeat(10 << 20))),
        verdict: Verdict::Invalid("personId", IssueCode::InvalidString, "Invalid uuid"),
    },
    BytesCase {
        input: "a 10 MB string as a datetime",
        event: "lead.captured.v1",
        bytes: || lead_with(&format!(r#""occurredAt": "2026-05-19T12:00:00{}Z""#, "0".repeat(10 << 20))),
        verdict: Verdict::Invalid("occurredAt", IssueCode::InvalidString, "Invalid datetime"),
    },
    BytesCase {
        input: "a 10 MB string in a record",
        event: "lead.captured.v1",
        bytes: || lead_with(&format!(r#""attribution": {{"note": "{}"}}"#, "a".repeat(10 << 20))),
        verdict: Verdict::Valid,
    },
    BytesCase {
        input: "100,000 unknown keys",
        event: "lead.captured.v1",
        bytes: || {
            let keys: Vec<String> = (0..100_000).map(|i| format!(r#""k{i}": 0"#)).collect();
            lead_with(&keys.join(", "))
        },
        verdict: Verdict::Valid,
    },
    BytesCase {
        input: "100,000 keys in a record",
        event: "lead.captured.v1",
        bytes: || {
            let keys: Vec<String> = (0..100_000).map(|i| format!(r#""k{i}": 0"#)).collect();
            lead_with(&format!(r#""attribution": {{{}}}"#, keys.join(", ")))
        },
        verdict: Verdict::Valid,
    },
    BytesCase {
        input: "a duplicate key, the last one valid",
        event: "lead.captured.v1",
        bytes: || lead_before(r#""email": "not-an-email""#),
        verdict: Verdict::Valid,
    },
    BytesCase {
        input: "a duplicate key, the last one invalid",
        event: "lead.captured.v1",
        bytes: || lead_with(r#""email": "not-an-email""#),
        verdict: Verdict::Invalid("email", IssueCode::InvalidString, "Invalid email"),
    },
    BytesCase {
        input: "an array instead of an object",
        event: "lead.captured.v1",
        bytes: || b"[]".to_vec(),
        verdict: Verdict::Invalid("", IssueCode::InvalidType, "Expected object, received array"),
    },
    BytesCase {
        input: "null instead of an object",
        event: "lead.captured.v1",
        bytes: || b"null".to_vec(),
        verdict: Verdict::Invalid("", IssueCode::InvalidType, "Expected object, received null"),
    },
];

#[test]
fn payload_bytes_get_the_exact_verdict_of_the_table() {
    for case in BYTES {
        let bytes = (case.bytes)();
        let started = Instant::now();
        let typed = suite::decode_typed(case.event, &bytes).expect("a catalog event");
        let parsed = serde_json::from_slice::<Value>(&bytes);
        let validated = parsed.as_ref().ok().map(|value| validate_event(case.event, value));
        let elapsed = started.elapsed();
        // Debug builds; a 10 MB payload is parsed twice and validated once.
        assert!(elapsed < Duration::from_secs(10), "{}: {elapsed:?}", case.input);
        match case.verdict {
            Verdict::Malformed(message) => {
                let err = typed.unwrap_err();
                assert_eq!(err.code(), ErrorCode::MalformedRequest, "{}", case.input);
                assert_eq!(err.message(), format!("malformed JSON: {message}"), "{}", case.input);
                assert!(err.issues().is_empty());
                assert_eq!(parsed.unwrap_err().to_string(), message, "{}", case.input);
            }
            Verdict::Valid => {
                let output = validated.unwrap().unwrap_or_else(|e| panic!("{}: {e}", case.input));
                assert_eq!(typed.unwrap(), output, "{}", case.input);
                let declared: Vec<&str> = loop_contracts::catalog()
                    .get(case.event)
                    .unwrap()
                    .fields()
                    .iter()
                    .map(|f| f.name.as_str())
                    .collect();
                assert!(output.as_object().unwrap().keys().all(|k| declared.contains(&k.as_str())), "{}", case.input);
            }
            Verdict::ValidUntyped(message) => {
                assert!(validated.unwrap().is_ok(), "{}", case.input);
                let err = typed.unwrap_err();
                assert_eq!(err.code(), ErrorCode::ValidationError, "{}", case.input);
                assert_eq!(err.issues().len(), 1);
                assert_eq!((err.issues()[0].code, err.issues()[0].message.as_ref()), (IssueCode::Custom, message));
            }
            Verdict::Invalid(path, code, message) => {
                let err = validated.unwrap().unwrap_err();
                let first = &err.issues()[0];
                assert_eq!((first.path.as_str(), first.code, first.message.as_ref()), (path, code, message));
                assert_eq!(typed.unwrap_err(), err, "{}: typed decoding reports the same issues", case.input);
            }
        }
    }
}

#[test]
fn duplicate_keys_keep_the_last_value_as_javascript_does() {
    let data = validate_event("lead.captured.v1", &serde_json::from_slice(&lead_before(r#""email": "x""#)).unwrap());
    assert_eq!(data.unwrap()["email"], "user@example.com");
    let typed = LeadCaptured::from_json_slice(&lead_before(r#""email": "x""#)).unwrap();
    assert_eq!(typed.email.as_str(), "user@example.com");
}

// ---------------------------------------------------------------------------------------------
// A `Value` nested 10,000 deep, built in memory (JSON text cannot get past 127 levels)

#[test]
fn a_value_nested_ten_thousand_deep_is_validated_and_refused_by_typed_decoding_without_overflow() {
    let payload = on_small_stack(|| {
        let mut payload: Map<String, Value> = serde_json::from_str(LEAD).unwrap();
        payload.insert("attribution".into(), Value::Object(Map::from_iter([("x".into(), nested_value(10_000))])));
        let payload = Value::Object(payload);

        // The verdict never walks a record's contents: Zod's verdict, valid.
        let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
        assert!(schema.check(&payload).is_ok());
        // The validated copy is made without recursion.
        let copy = validate_event("lead.captured.v1", &payload).unwrap();
        // Typed decoding reads record values at most 128 levels deep.
        let err = LeadCaptured::from_json_value(&payload).unwrap_err();
        assert_eq!(err.code(), ErrorCode::ValidationError);
        assert_eq!(
            err.issues()[0].message,
            "valid payload not representable as lead.captured.v1: a value is nested deeper than 128 levels"
        );
        dismantle(copy);
        payload
    });
    dismantle(payload);
    // The same depth under a key the event does not declare: stripped by validation; read at most
    // 128 levels deep by typed decoding.
    let payload = on_small_stack(|| {
        let mut payload: Map<String, Value> = serde_json::from_str(LEAD).unwrap();
        payload.insert("unknown".into(), nested_value(10_000));
        let payload = Value::Object(payload);
        let copy = validate_event("lead.captured.v1", &payload).unwrap();
        assert!(copy.get("unknown").is_none());
        let err = LeadCaptured::from_json_value(&payload).unwrap_err();
        assert_eq!(
            err.issues()[0].message,
            "valid payload not representable as lead.captured.v1: a value is nested deeper than 128 levels"
        );
        payload
    });
    dismantle(payload);
}

// ---------------------------------------------------------------------------------------------
// Declarations: hostile JSONPath is refused when declared, within milliseconds

/// A declaration mapping `email` to `path`.
fn declaration(path: &str) -> String {
    format!(
        r#"{{"name": "lead.captured.v1", "source": "custom", "webhookPath": "/hooks/lead",
            "transform": {{"occurredAt": "$.at", "email": {}, "source": {{"const": "other"}},
                          "attribution": {{"path": "$.utm", "default": {{}}}}}}}}"#,
        serde_json::to_string(path).unwrap()
    )
}

/// (input, JSONPath, `Ok` or the declaration error's message).
fn jsonpath_cases() -> Vec<(&'static str, String, Result<(), String>)> {
    let costly = |m: &str| Err(format!("field `email`: {m}"));
    let comparisons = |n: usize| format!("$[?{}]", vec!["@.a == 1"; n].join(" || "));
    vec![
        (
            "deep recursion ($..*..*..*)",
            "$..*..*..*".into(),
            costly(
                "the JSONPath has 3 descendant segments (`..`); at most 1 is allowed, because each further one \
                 multiplies the result by the payload's depth",
            ),
        ),
        ("one descendant segment", "$..email".into(), Ok(())),
        (
            "a very long path (2,002 bytes)",
            format!("$.{}", "a".repeat(2000)),
            costly("the JSONPath is 2002 bytes long; at most 1024 are allowed"),
        ),
        (
            "a huge filter (100 comparisons, 1,200 bytes)",
            comparisons(100),
            costly("the JSONPath is 1200 bytes long; at most 1024 are allowed"),
        ),
        ("the largest filter accepted (85 comparisons, 1,020 bytes)", comparisons(85), Ok(())),
        (
            "40 nested parentheses",
            format!("$[?{}@.a{}]", "(".repeat(40), ")".repeat(40)),
            costly("the JSONPath nests brackets and parentheses 41 deep; at most 32 levels are allowed"),
        ),
        (
            "4 nested filters",
            "$[?@[?@[?@[?@.a]]]]".into(),
            costly("the JSONPath nests filters (`[?...]`) 4 deep; at most 3 levels are allowed"),
        ),
        (
            "unions multiplying to 32",
            "$[0,0][0,0][0,0][0,0][0,0]".into(),
            costly(
                "the JSONPath's unions (`[a,b]`) multiply to 32 selectors; at most 16 are allowed, because a union \
                 may select the same node more than once",
            ),
        ),
        (
            "a regex bomb (\\w{100}{100})",
            r"$[?match(@.a, '\\w{100}{100}')]".into(),
            costly(
                r"the match()/search() pattern `\w{100}{100}` compiles to more than the 262144 bytes allowed (Unicode classes such as \w, \d and \p{..} cost the most: prefer ASCII classes such as [A-Za-z0-9_], and small repetition counts)",
            ),
        ),
        ("a backtracking pattern ((a+)+$)", "$[?match(@.a, '(a+)+$')]".into(), Ok(())),
        (
            "a pattern read from the payload",
            "$[?match(@.a, @.b)]".into(),
            costly(
                "the pattern of match()/search() must be a string literal: a pattern read from the payload would be \
                 compiled at every node tested, at a cost the payload chooses",
            ),
        ),
        (
            "not RFC 9535",
            "$.email[".into(),
            Err("field `email`: invalid JSONPath: ".into()), // the engine's own message follows
        ),
    ]
}

#[test]
fn hostile_jsonpath_is_refused_at_declaration_time() {
    for (input, path, expected) in jsonpath_cases() {
        let started = Instant::now();
        let result = Declaration::parse(&declaration(&path)).map(drop).map_err(|e| e.to_string());
        let elapsed = started.elapsed();
        assert!(elapsed < Duration::from_millis(200), "{input}: {elapsed:?}");
        match (&result, &expected) {
            (Err(got), Err(want)) if input == "not RFC 9535" => assert!(got.starts_with(want.as_str()), "{got}"),
            _ => assert_eq!(result, expected, "{input}"),
        }
    }
}

#[test]
fn accepted_hostile_paths_stay_fast_on_hostile_payloads() {
    // The regex engine has no backtracking: `(a+)+$` on 100,000 `a`s and a `!` is linear.
    let path = loop_contracts::jsonpath::JsonPath::parse("$[?match(@.a, '(a+)+$')]").unwrap();
    let payload = json!([{"a": format!("{}!", "a".repeat(100_000))}, {"a": "aaa"}]);
    let started = Instant::now();
    assert_eq!(path.query(&payload).len(), 1);
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    // One `..` over the deepest document JSON text can hold: a result per node, nothing more.
    let path = loop_contracts::jsonpath::JsonPath::parse("$..*").unwrap();
    let payload: Value = serde_json::from_str(&nested(126)).unwrap();
    assert_eq!(path.query(&payload).len(), 125);
}

// Evaluation: every declared JSONPath is evaluated within a budget that follows the body's size

/// A JSON array of `n` items made by `item`, and its bytes.
fn array_body(n: usize, item: impl Fn(usize) -> String) -> (Vec<u8>, Value) {
    let body = format!("[{}]", (0..n).map(item).collect::<Vec<_>>().join(",")).into_bytes();
    let value = serde_json::from_slice(&body).unwrap();
    (body, value)
}

/// The work a selector spends on a body, which must be within the body's budget.
fn work_within_budget(text: &str, body: &[u8], value: &Value) -> u64 {
    let path = loop_contracts::jsonpath::JsonPath::parse(text).unwrap();
    let budget = loop_contracts::jsonpath::JsonPath::budget_for(body.len());
    path.work(value, budget).unwrap_or_else(|| panic!("`{text}` exceeded {budget} on {} bytes", body.len()))
}

/// `$[?count($[?count($[?count($[*])>0])>0])>0]` was accepted and cost n⁴: 300 numbers (900
/// bytes) took 22 s. Absolute queries inside filters are now evaluated once per evaluation.
#[test]
fn nested_count_filters_of_the_whole_document_cost_n4() {
    let text = "$[?count($[?count($[?count($[*])>0])>0])>0]";
    let (small, small_value) = array_body(300, |i| (i % 10).to_string());
    let (large, large_value) = array_body(3_000, |i| (i % 10).to_string());
    let path = loop_contracts::jsonpath::JsonPath::parse(text).unwrap();
    assert_eq!(path.query(&small_value).len(), 300);
    let (w_small, w_large) =
        (work_within_budget(text, &small, &small_value), work_within_budget(text, &large, &large_value));
    // Ten times the body, about ten times the work (it was 10,000 times).
    assert!(w_large < 11 * w_small, "{w_small} → {w_large}");
}

/// `$[?match(@,'\\w{3}')]` over 100,000 strings (700 KB) ran past 60 s: serde_json_path compiled
/// the pattern again for every node. It is now compiled once, when the selector is parsed.
#[test]
fn match_recompiled_its_pattern_at_every_node() {
    let text = r"$[?match(@,'\\w{3}')]";
    let (body, value) = array_body(100_000, |i| format!("\"{:04}\"", i % 2000));
    let path = loop_contracts::jsonpath::JsonPath::parse(text).unwrap();
    let started = Instant::now();
    assert_eq!(path.query(&value).len(), 0, "four characters each: no whole match");
    // Loose: about 0.1 s in a debug build.
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
    let work = work_within_budget(text, &body, &value);
    assert!(work < 5 * 100_000, "{work}");
    let search = r"$[?search(@,'\\w{3}')]";
    assert_eq!(loop_contracts::jsonpath::JsonPath::parse(search).unwrap().query(&value).len(), 100_000);
}

/// `$[?count($..*) > 0]` over 100,000 elements ran past 60 s: the descendant query of the whole
/// document ran once per element. It now runs once.
#[test]
fn count_of_the_whole_document_inside_a_filter_was_quadratic() {
    let text = "$[?count($..*)>0]";
    let (body, value) = array_body(100_000, |i| (i % 10).to_string());
    let path = loop_contracts::jsonpath::JsonPath::parse(text).unwrap();
    assert_eq!(path.query(&value).len(), 100_000);
    let work = work_within_budget(text, &body, &value);
    assert!(work < 10 * 100_000, "{work}");
}

/// `(?i)[\x{100}-\x{10FFFF}]{90}` beat the pattern-cost estimate 2.6 times (5.2 ms to compile
/// against a 2 ms bound), paid at every node tested. Patterns are now compiled once, when the
/// selector is parsed, within a size limit: this one is small once compiled (its cost is case
/// folding, about 4 ms in release, once per declaration), so it is accepted, and testing it costs
/// a unit per string; larger automata are refused by the limit.
#[test]
fn a_wide_case_insensitive_class_beat_the_pattern_cost_estimate() {
    use loop_contracts::jsonpath::{JsonPath, JsonPathError};
    let text = r"$[?match(@,'(?i)[\\x{100}-\\x{10FFFF}]{90}')]";
    let path = JsonPath::parse(text).unwrap();
    let (body, value) = array_body(10_000, |i| format!("\"{}\"", "ā".repeat(80 + i % 20)));
    assert_eq!(path.query(&value).len(), 500, "the strings of exactly 90 characters (one in 20)");
    assert!(work_within_budget(text, &body, &value) < 10 * 10_000);
    let err = JsonPath::parse(r"$[?match(@,'\\w{100}')]").unwrap_err();
    assert!(matches!(err, JsonPathError::TooCostly { .. }) && err.to_string().contains("bytes allowed"), "{err}");
}

/// A body whose evaluation needs more than its budget is refused with a typed 422 that names the
/// field, the path and the budget, never a hang: 85 comparisons tested on each of 2,000 numbers
/// cost about 170 units per 2-byte element, beyond 16 per byte.
#[test]
fn a_declared_path_beyond_the_bodys_budget_is_a_typed_422() {
    let path = format!("$[?{}]", vec!["@.a == 1"; 85].join(" || "));
    let declaration = Declaration::parse(&declaration(&path)).unwrap();
    let (body, _) = array_body(2_000, |_| "1".into());
    let err = declaration.candidate(&body).unwrap_err();
    let budget = loop_contracts::jsonpath::JsonPath::budget_for(body.len());
    match &err {
        InboundError::BudgetExceeded { field, path: p, budget: b, body_bytes } => {
            assert_eq!((field.as_str(), p.as_str(), *b, *body_bytes), ("email", path.as_str(), budget, body.len()));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.http_status(), 422);
    assert_eq!(err.to_validation_error().code(), ErrorCode::ValidationError);
    let message = err.to_string();
    assert!(message.contains("field `email`") && message.contains(&budget.to_string()), "{message}");
    // Half the elements, within the floor's reach: the same declaration applies.
    let (body, _) = array_body(200, |_| "1".into());
    assert!(declaration.candidate(&body).is_ok());
}

#[test]
fn declarations_that_are_not_json_are_malformed() {
    let deep = format!(r#"{{"name": "lead.captured.v1", "transform": {{"email": {{"const": {}}}}}}}"#, nested(10_000));
    let err = Declaration::parse(&deep).unwrap_err().to_string();
    assert_eq!(err, "malformed declaration: recursion limit exceeded at line 1 column 187");
    let err = Declaration::parse("{\"name\": \"\\ud800\"}").unwrap_err().to_string();
    assert_eq!(err, "malformed declaration: unexpected end of hex escape at line 1 column 17");
}

// ---------------------------------------------------------------------------------------------
// Inbound webhooks: signatures first, then the body

const SHOPIFY_SECRET: &str = "shpss_hostile_input_test";
const TYPEFORM_SECRET: &str = "typeform_hostile_input_test";
const CALENDLY_SECRET: &str = "calendly_hostile_input_test";

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(suite::fixture(&format!("webhooks/{path}"))).unwrap()
}

fn inbound_intake() -> Intake {
    let mut intake = Intake::new(TransformContext::for_brand(BRAND.parse().unwrap()))
        .with_secret(Source::Shopify, SigningSecret::from_text(SHOPIFY_SECRET))
        .with_secret(Source::Typeform, SigningSecret::from_text(TYPEFORM_SECRET))
        .with_secret(Source::Calendly, SigningSecret::from_text(CALENDLY_SECRET));
    intake.declare(Declaration::parse(&declaration("$.email")).unwrap()).unwrap();
    intake
}

/// The signature header a vendor would send for `body`, signed `age` seconds ago.
fn signed(scheme: SignatureScheme, secret: &str, body: &[u8], age: u64) -> (&'static str, String) {
    scheme.sign(&SigningSecret::from_text(secret), body, SystemTime::now() - Duration::from_secs(age))
}

/// A Shopify order with `members` (raw JSON) added first.
fn shopify_order_with(members: &str) -> Vec<u8> {
    let order = fixture("shopify/orders-create.json");
    [format!("{{{members}, ").as_bytes(), &order[1..]].concat()
}

/// The headers (as `(name, value)` pairs) and the raw body of a webhook request.
type Request = (Vec<(String, String)>, Vec<u8>);

struct InboundCase {
    input: &'static str,
    route: Route<'static>,
    /// The headers (signature included) and the body.
    request: fn() -> Request,
    /// `Ok(event name)` or (status, code, message).
    expect: Result<&'static str, (u16, &'static str, &'static str)>,
}

const SHOPIFY: Route<'static> = Route::BuiltIn { source: Source::Shopify, topic: Some("orders/create") };
const TYPEFORM: Route<'static> = Route::BuiltIn { source: Source::Typeform, topic: Some("form_response") };
const CALENDLY: Route<'static> = Route::BuiltIn { source: Source::Calendly, topic: Some("invitee.created") };

fn pair(name: &str, value: impl Into<String>) -> (String, String) {
    (name.to_owned(), value.into())
}

fn shopify_signed(body: Vec<u8>) -> Request {
    signed_request(SignatureScheme::Shopify, SHOPIFY_SECRET, body, |value| value)
}

/// The Shopify fixture, signed, with its signature header value passed through `edit`.
fn shopify_signed_edited(edit: impl FnOnce(String) -> String) -> Request {
    signed_request(SignatureScheme::Shopify, SHOPIFY_SECRET, fixture("shopify/orders-create.json"), edit)
}

/// A body signed now with `secret`, its signature header value passed through `edit`.
fn signed_request(
    scheme: SignatureScheme,
    secret: &str,
    body: Vec<u8>,
    edit: impl FnOnce(String) -> String,
) -> Request {
    let (name, value) = signed(scheme, secret, &body, 0);
    (vec![pair(name, edit(value))], body)
}

const INBOUND: &[InboundCase] = &[
    InboundCase {
        input: "forged Shopify signature, body not even JSON",
        route: SHOPIFY,
        request: || (vec![pair("X-Shopify-Hmac-Sha256", format!("{}=", "A".repeat(43)))], b"{not json".to_vec()),
        expect: Err((401, "UNAUTHORIZED", "signature does not match the body")),
    },
    InboundCase {
        input: "Shopify signature of another secret",
        route: SHOPIFY,
        request: || {
            signed_request(SignatureScheme::Shopify, "shpss_someone_else", fixture("shopify/orders-create.json"), |v| v)
        },
        expect: Err((401, "UNAUTHORIZED", "signature does not match the body")),
    },
    InboundCase {
        input: "missing Shopify signature",
        route: SHOPIFY,
        request: || (vec![pair("X-Shopify-Topic", "orders/create")], fixture("shopify/orders-create.json")),
        expect: Err((401, "UNAUTHORIZED", "missing signature header `X-Shopify-Hmac-Sha256`")),
    },
    InboundCase {
        input: "truncated Shopify signature (30 bytes)",
        route: SHOPIFY,
        request: || shopify_signed_edited(|v| v[..40].to_owned()),
        expect: Err((
            401,
            "UNAUTHORIZED",
            "malformed signature header `X-Shopify-Hmac-Sha256`: not a 32-byte HMAC-SHA256",
        )),
    },
    InboundCase {
        input: "truncated Shopify signature (cut mid-quantum)",
        route: SHOPIFY,
        request: || shopify_signed_edited(|v| v[..43].to_owned()),
        expect: Err((
            401,
            "UNAUTHORIZED",
            "malformed signature header `X-Shopify-Hmac-Sha256`: not standard base64 with padding",
        )),
    },
    InboundCase {
        input: "a 2 KiB Shopify signature header",
        route: SHOPIFY,
        request: || (vec![pair("X-Shopify-Hmac-Sha256", "A".repeat(2048))], fixture("shopify/orders-create.json")),
        expect: Err((
            401,
            "UNAUTHORIZED",
            "malformed signature header `X-Shopify-Hmac-Sha256`: longer than 1024 bytes",
        )),
    },
    InboundCase {
        input: "Typeform signature without its `sha256=` prefix",
        route: TYPEFORM,
        request: || {
            let body = fixture("typeform/form-response.json");
            signed_request(SignatureScheme::Typeform, TYPEFORM_SECRET, body, |v| v["sha256=".len()..].to_owned())
        },
        expect: Err((
            401,
            "UNAUTHORIZED",
            "malformed signature header `Typeform-Signature`: does not start with `sha256=`",
        )),
    },
    InboundCase {
        input: "Typeform body altered after signing",
        route: TYPEFORM,
        request: || {
            let body = fixture("typeform/form-response.json");
            let (name, value) = signed(SignatureScheme::Typeform, TYPEFORM_SECRET, &body, 0);
            (vec![pair(name, value)], [&body[..], &b" "[..]].concat())
        },
        expect: Err((401, "UNAUTHORIZED", "signature does not match the body")),
    },
    InboundCase {
        input: "Calendly signature without `t=`",
        route: CALENDLY,
        request: || {
            let body = fixture("calendly/invitee-created.json");
            signed_request(SignatureScheme::calendly(), CALENDLY_SECRET, body, |v| {
                v.split_once(',').unwrap().1.to_owned()
            })
        },
        expect: Err((
            401,
            "UNAUTHORIZED",
            "malformed signature header `Calendly-Webhook-Signature`: no `t=` timestamp",
        )),
    },
    InboundCase {
        input: "forged Calendly signature with a stale timestamp",
        route: CALENDLY,
        request: || {
            let body = fixture("calendly/invitee-created.json");
            (vec![pair("Calendly-Webhook-Signature", format!("t=1606153879,v1={}", "ab".repeat(32)))], body)
        },
        expect: Err((401, "UNAUTHORIZED", "signature does not match the body")),
    },
    InboundCase {
        input: "Shopify, signed, body not JSON",
        route: SHOPIFY,
        request: || shopify_signed(b"{not json".to_vec()),
        expect: Err((400, "MALFORMED_REQUEST", "not a Shopify order body: key must be a string at line 1 column 2")),
    },
    InboundCase {
        input: "Shopify, signed, invalid UTF-8",
        route: SHOPIFY,
        request: || shopify_signed(b"{\"email\": \"\xff\"}".to_vec()),
        expect: Err((
            400,
            "MALFORMED_REQUEST",
            "not a Shopify order body: invalid unicode code point at line 1 column 12",
        )),
    },
    InboundCase {
        input: "Shopify, signed, 10,000-deep value where the email goes",
        route: SHOPIFY,
        request: || shopify_signed(shopify_order_with(&format!(r#""email": {}"#, nested(10_000)))),
        expect: Err((
            400,
            "MALFORMED_REQUEST",
            "not a Shopify order body: invalid type: sequence, expected a string or a number at line 1 column 11",
        )),
    },
    InboundCase {
        input: "Shopify, signed, 10,000-deep value under a key the transform skips",
        route: SHOPIFY,
        request: || shopify_signed(shopify_order_with(&format!(r#""x": {}"#, nested(10_000)))),
        expect: Ok("order.completed.v1"),
    },
    InboundCase {
        input: "Shopify, signed, an id beyond 64 bits (would be rounded)",
        route: SHOPIFY,
        request: || shopify_signed(shopify_order_with(r#""id": 123456789012345678901234567890"#)),
        expect: Err((
            400,
            "MALFORMED_REQUEST",
            "not a Shopify order body: invalid value: floating point `1.2345678901234568e+29`, expected an id that \
             fits 64 bits, or a string at line 1 column 37",
        )),
    },
    InboundCase {
        input: "Shopify, signed, a number beyond a double",
        route: SHOPIFY,
        request: || shopify_signed(shopify_order_with(r#""id": 1e400"#)),
        expect: Err((400, "MALFORMED_REQUEST", "not a Shopify order body: number out of range at line 1 column 12")),
    },
    InboundCase {
        input: "Shopify, signed, a duplicate key the transform reads",
        route: SHOPIFY,
        request: || shopify_signed(shopify_order_with(r#""email": "not-an-email""#)),
        expect: Err((
            400,
            "MALFORMED_REQUEST",
            "not a Shopify order body: duplicate field `email` at line 78 column 9",
        )),
    },
    InboundCase {
        input: "Calendly, signed, 10,000-deep nesting",
        route: CALENDLY,
        request: || {
            let body = fixture("calendly/invitee-created.json");
            let body = [format!(r#"{{"x": {}, "#, nested(10_000)).as_bytes(), &body[1..]].concat();
            signed_request(SignatureScheme::calendly(), CALENDLY_SECRET, body, |v| v)
        },
        expect: Err((
            400,
            "MALFORMED_REQUEST",
            "not a Calendly webhook body: recursion limit exceeded at line 1 column 133",
        )),
    },
    InboundCase {
        input: "declared route, 10,000-deep nesting",
        route: Route::Path("/hooks/lead"),
        request: || (Vec::new(), format!(r#"{{"x": {}}}"#, nested(10_000)).into_bytes()),
        expect: Err((
            400,
            "MALFORMED_REQUEST",
            "the webhook body is not JSON: recursion limit exceeded at line 1 column 133",
        )),
    },
    InboundCase {
        input: "undeclared route",
        route: Route::Path("/hooks/nothing"),
        request: || (Vec::new(), b"{}".to_vec()),
        expect: Err((404, "UNKNOWN_EVENT", "no webhook is declared at \"/hooks/nothing\"")),
    },
];

#[test]
fn inbound_webhooks_get_the_exact_error_of_the_table() {
    let intake = inbound_intake();
    for case in INBOUND {
        let (headers, body) = (case.request)();
        match (intake.receive(case.route, &headers, &body), case.expect) {
            (Ok(event), Ok(name)) => assert_eq!(event.event.as_str(), name, "{}", case.input),
            (Err(err), Err((status, code, message))) => {
                let response = err.to_validation_error();
                assert_eq!(
                    (err.http_status(), response.code().as_str(), response.message()),
                    (status, code, message),
                    "{}",
                    case.input
                );
            }
            (got, _) => panic!("{}: {got:?}", case.input),
        }
    }
}

#[test]
fn a_bad_signature_stops_the_webhook_before_the_transform() {
    // A body every transform would refuse (not JSON) with a forged signature: the answer is about
    // the signature, so nothing was parsed; the same through the candidate step.
    let intake = inbound_intake();
    let forged = [("X-Shopify-Hmac-Sha256", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")];
    for body in [b"{not json".to_vec(), nested(10_000).into_bytes(), b"\xff".to_vec()] {
        let err = intake.candidate(SHOPIFY, &forged, &body).unwrap_err();
        assert_eq!(err, InboundError::Signature(SignatureError::Mismatch));
    }
    // Calendly: a signature that matches but is stale is refused after the comparison and before
    // the body is read.
    let body = b"{not json";
    let (name, value) = signed(SignatureScheme::calendly(), CALENDLY_SECRET, body, 3600);
    let err = intake.receive(CALENDLY, &[(name, value.as_str())], body).unwrap_err();
    assert!(
        matches!(err, InboundError::Signature(SignatureError::Stale { age_secs: 3600..=3601, tolerance_secs: 180 })),
        "{err:?}"
    );
    let signed_at = UNIX_EPOCH + Duration::from_secs(1_606_153_879);
    let value = SignatureScheme::calendly().sign(&SigningSecret::from_text(CALENDLY_SECRET), body, signed_at).1;
    let headers = [("Calendly-Webhook-Signature", value.as_str())];
    let secret = SigningSecret::from_text(CALENDLY_SECRET);
    let at = |secs: u64| signed_at + Duration::from_secs(secs);
    assert_eq!(
        SignatureScheme::calendly().verify_at(&secret, &headers, body, at(181)),
        Err(SignatureError::Stale { age_secs: 181, tolerance_secs: 180 })
    );
    assert_eq!(
        SignatureScheme::calendly().verify_at(&secret, &headers, body, signed_at - Duration::from_secs(181)),
        Err(SignatureError::FromTheFuture { ahead_secs: 181, tolerance_secs: 180 })
    );
}

// ---------------------------------------------------------------------------------------------
// Delivery webhooks (Standard Webhooks)

const SIGNED_AT: u64 = 1_779_192_000;

fn envelope(data: &str) -> Vec<u8> {
    format!(r#"{{"type":"message.sent.v1","timestamp":"2026-05-19T12:00:00Z","data":{data}}}"#).into_bytes()
}

const SENT: &str = r#"{"eventId":"550e8400-e29b-41d4-a716-446655440000","occurredAt":"2026-05-19T12:00:00Z","brandId":"6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e","messageId":"9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d","channel":"email","recipient":"ana@example.com"}"#;

fn delivery_secret() -> WebhookSecret {
    WebhookSecret::from_bytes([42u8; 32]).unwrap()
}

/// The three headers for `body` signed at `at` with `secret`.
fn delivery_headers(secret: WebhookSecret, at: u64, body: &[u8]) -> Vec<(String, String)> {
    let headers = Signer::new(secret).sign(&WebhookId::new("msg_hostile").unwrap(), at, body);
    headers.iter().map(|(n, v)| pair(n, v)).collect()
}

struct DeliveryCase {
    input: &'static str,
    request: fn() -> Request,
    expect: fn() -> Result<(), (u16, DeliveryError)>,
}

fn signed_delivery(body: Vec<u8>) -> Request {
    (delivery_headers(delivery_secret(), SIGNED_AT, &body), body)
}

fn with_header(mut headers: Vec<(String, String)>, name: &str, value: Option<String>) -> Vec<(String, String)> {
    headers.retain(|(n, _)| n != name);
    headers.extend(value.map(|v| pair(name, v)));
    headers
}

const DELIVERIES: &[DeliveryCase] = &[
    DeliveryCase { input: "signed and valid", request: || signed_delivery(envelope(SENT)), expect: || Ok(()) },
    DeliveryCase {
        input: "forged (another secret)",
        request: || {
            let body = envelope(SENT);
            (delivery_headers(WebhookSecret::from_bytes([7u8; 32]).unwrap(), SIGNED_AT, &body), body)
        },
        expect: || Err((401, DeliveryError::InvalidSignature { v1_entries: 1 })),
    },
    DeliveryCase {
        input: "stale (301 s)",
        request: || {
            let body = envelope(SENT);
            (delivery_headers(delivery_secret(), SIGNED_AT - 301, &body), body)
        },
        expect: || Err((401, DeliveryError::TimestampTooOld { age_secs: 301, tolerance_secs: 300 })),
    },
    DeliveryCase {
        input: "from the future (301 s)",
        request: || {
            let body = envelope(SENT);
            (delivery_headers(delivery_secret(), SIGNED_AT + 301, &body), body)
        },
        expect: || Err((401, DeliveryError::TimestampTooNew { ahead_secs: 301, tolerance_secs: 300 })),
    },
    DeliveryCase {
        input: "missing signature",
        request: || {
            let (headers, body) = signed_delivery(envelope(SENT));
            (with_header(headers, "webhook-signature", None), body)
        },
        expect: || Err((401, DeliveryError::MissingHeader { header: "webhook-signature" })),
    },
    DeliveryCase {
        input: "missing webhook-id",
        request: || {
            let (headers, body) = signed_delivery(envelope(SENT));
            (with_header(headers, "webhook-id", None), body)
        },
        expect: || Err((400, DeliveryError::MissingHeader { header: "webhook-id" })),
    },
    DeliveryCase {
        input: "truncated signature",
        request: || {
            let (headers, body) = signed_delivery(envelope(SENT));
            let signature = headers.iter().find(|(n, _)| n == "webhook-signature").unwrap().1[..30].to_owned();
            (with_header(headers, "webhook-signature", Some(signature)), body)
        },
        expect: || Err((401, DeliveryError::InvalidSignature { v1_entries: 0 })),
    },
    DeliveryCase {
        input: "a 3 KiB signature list",
        request: || {
            let (headers, body) = signed_delivery(envelope(SENT));
            (with_header(headers, "webhook-signature", Some("v1,A ".repeat(600))), body)
        },
        expect: || {
            Err((400, DeliveryError::MalformedHeader { header: "webhook-signature", reason: "longer than 2048 bytes" }))
        },
    },
    DeliveryCase {
        input: "a timestamp with an exponent",
        request: || {
            let (headers, body) = signed_delivery(envelope(SENT));
            (with_header(headers, "webhook-timestamp", Some("1.779192e9".into())), body)
        },
        expect: || {
            Err((
                400,
                DeliveryError::MalformedHeader { header: "webhook-timestamp", reason: "not integer Unix seconds" },
            ))
        },
    },
    DeliveryCase {
        input: "signed, body not JSON",
        request: || signed_delivery(b"\xff".to_vec()),
        expect: || Err((400, DeliveryError::NotJson { reason: "expected value at line 1 column 1".into() })),
    },
    DeliveryCase {
        input: "signed, 10,000-deep data",
        request: || signed_delivery(envelope(&nested(10_000))),
        expect: || {
            Err((
                400,
                DeliveryError::NotJson { reason: "`data`: recursion limit exceeded at line 1 column 128".into() },
            ))
        },
    },
    DeliveryCase {
        input: "signed, a number beyond a double in data",
        request: || signed_delivery(envelope(r#"{"x": 1e400}"#)),
        expect: || {
            Err((400, DeliveryError::NotJson { reason: "`data`: number out of range at line 1 column 11".into() }))
        },
    },
    DeliveryCase {
        input: "signed, a lone surrogate in data",
        request: || signed_delivery(envelope(r#"{"x": "\ud800"}"#)),
        expect: || {
            Err((
                400,
                DeliveryError::NotJson { reason: "`data`: unexpected end of hex escape at line 1 column 14".into() },
            ))
        },
    },
    DeliveryCase {
        input: "signed, a duplicate `type`",
        request: || {
            let body = envelope(SENT);
            signed_delivery([&br#"{"type":"message.failed.v1","#[..], &body[1..]].concat())
        },
        expect: || {
            Err((400, DeliveryError::MalformedEnvelope { reason: "duplicate field `type` at line 1 column 34".into() }))
        },
    },
];

#[test]
fn delivery_webhooks_get_the_exact_error_of_the_table() {
    let receiver = Receiver::new(Verifier::new(delivery_secret()));
    let now = UNIX_EPOCH + Duration::from_secs(SIGNED_AT);
    for case in DELIVERIES {
        let (headers, body) = (case.request)();
        match (receiver.receive_at(&headers, &body, now), &(case.expect)()) {
            (Ok(_), Ok(())) => {}
            (Err(err), Err((status, expected))) => {
                assert_eq!(&err, expected, "{}", case.input);
                assert_eq!(err.http_status(), *status, "{}", case.input);
                assert_eq!(err.to_response()["error"]["code"], err.error_code().as_str(), "{}", case.input);
            }
            (got, _) => panic!("{}: {got:?}", case.input),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// API keys and the client builder

const SECRET_PART: &str = "Zx9_Qw-8Er7Ty6Ui5Op4";

#[test]
fn api_keys_are_refused_with_a_typed_error_that_never_holds_the_text() {
    let cases: Vec<(String, ApiKeyError)> = vec![
        (String::new(), ApiKeyError::Empty),
        (format!("Bearer lk_test_{SECRET_PART}"), ApiKeyError::MissingPrefix),
        (format!("sk_live_{SECRET_PART}"), ApiKeyError::MissingPrefix),
        (format!("lk_prod_{SECRET_PART}"), ApiKeyError::UnknownPrefix),
        ("lk_test_abc123".into(), ApiKeyError::TooShort { len: 6 }),
        (format!("lk_test_{}", "a".repeat(10_000)), ApiKeyError::TooLong { len: 10_000 }),
        (format!("lk_test_{SECRET_PART}\n"), ApiKeyError::BadCharacter { position: 28 }),
        (format!("lk_test_{SECRET_PART} {SECRET_PART}"), ApiKeyError::BadCharacter { position: 28 }),
        (format!("lk_test_é{SECRET_PART}"), ApiKeyError::BadCharacter { position: 8 }),
    ];
    for (text, expected) in cases {
        let err = ApiKey::parse(&text).unwrap_err();
        assert_eq!(err, expected, "{text:?}");
        assert!(!format!("{err} {err:?}").contains(SECRET_PART), "{err}");
    }
}

#[test]
fn a_key_is_never_sent_over_plain_http_to_a_host_that_is_not_loopback() {
    let refused = |host: &str| {
        Err(format!(
            "refusing to send an API key over plain http:// to {host}, which is not a loopback host; use https://"
        ))
    };
    let invalid = |url: &str, reason: &str| Err(format!("the base URL {url:?} is refused: {reason}"));
    let cases: Vec<(&str, Result<(), String>)> = vec![
        ("http://comms.example.com", refused("comms.example.com")),
        ("http://10.0.0.1:8787", refused("10.0.0.1")),
        ("http://0.0.0.0:8787", refused("0.0.0.0")),
        ("http://localhost.example.com", refused("localhost.example.com")),
        ("http://127.0.0.1.nip.io", refused("127.0.0.1.nip.io")),
        ("http://[::ffff:127.0.0.1]:8787", refused("[::ffff:7f00:1]")),
        ("ftp://comms.example.com", invalid("ftp://comms.example.com", "its scheme is not http or https")),
        (
            "comms.example.com",
            invalid("comms.example.com", "it has no scheme: write https://host (or http:// to a loopback host)"),
        ),
        (
            "https://user:pw@comms.example.com",
            invalid("https://[REDACTED]@comms.example.com", "it carries credentials: the API key is the only one sent"),
        ),
        ("http://127.0.0.1:8787", Ok(())),
        ("http://127.8.9.10:8787", Ok(())),
        ("http://localhost:8787", Ok(())),
        ("http://[::1]:8787", Ok(())),
        ("https://comms.example.com", Ok(())),
    ];
    for scope in ["lk_live_", "lk_test_"] {
        let key = ApiKey::parse(&format!("{scope}{SECRET_PART}")).unwrap();
        for (url, expected) in &cases {
            let result = Client::builder().key(key.clone()).base_url(*url).build().map(drop);
            if let Err(err) = &result {
                assert!(!format!("{err} {err:?}").contains(SECRET_PART), "{err}");
                assert!(matches!(err, BuildError::InsecureBaseUrl { .. } | BuildError::InvalidBaseUrl { .. }));
            }
            assert_eq!(&result.map_err(|e| e.to_string()), expected, "{scope} {url}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The sandbox over HTTP

/// What `GET /__sandbox` counts: (accepted events, kept events, idempotency keys).
async fn counters(sandbox: &loop_contracts::sandbox::SandboxHandle) -> (u64, u64, u64) {
    let status: Value = client()
        .get(format!("{}/__sandbox", sandbox.url()))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let n = |k: &str| status[k].as_u64().unwrap_or_else(|| panic!("{k} in {status}"));
    (n("acceptedEvents"), n("keptEvents"), n("idempotencyKeys"))
}

#[derive(Clone, Copy)]
enum Auth {
    Key,
    None,
    Raw(&'static str),
    Bytes(&'static [u8]),
}

struct HttpCase {
    input: &'static str,
    auth: Auth,
    content_type: Option<&'static str>,
    idempotency_key: &'static str,
    body: fn() -> Vec<u8>,
    status: u16,
    code: &'static str,
    message: &'static str,
}

/// The Idempotency-Key every refused request carries; it must stay free.
const HOSTILE_KEY: &str = "hostile-0001";

fn request(payload: &str) -> Vec<u8> {
    format!(r#"{{"event": "lead.captured.v1", "payload": {payload}}}"#).into_bytes()
}

const REFUSED: &[HttpCase] = &[
    HttpCase {
        input: "malformed JSON",
        auth: Auth::Key,
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || br#"{"event": "lead.captured.v1", "payload": "#.to_vec(),
        status: 400,
        code: "MALFORMED_REQUEST",
        message: "malformed JSON: EOF while parsing a value at line 1 column 41",
    },
    HttpCase {
        input: "form encoding (wrong content type and body)",
        auth: Auth::Key,
        content_type: Some("application/x-www-form-urlencoded"),
        idempotency_key: HOSTILE_KEY,
        body: || b"event=lead.captured.v1&payload=%7B%7D".to_vec(),
        status: 400,
        code: "MALFORMED_REQUEST",
        message: "malformed JSON: expected value at line 1 column 1",
    },
    HttpCase {
        input: "not the request shape",
        auth: Auth::Key,
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || LEAD.as_bytes().to_vec(),
        status: 400,
        code: "MALFORMED_REQUEST",
        message: "the body must be {\"event\": \"<name>\", \"payload\": {...}}: missing field `event` at line 1 column 214",
    },
    HttpCase {
        input: "a duplicate `event` key",
        auth: Auth::Key,
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || [&br#"{"event": "order.completed.v1", "#[..], &request(LEAD)[1..]].concat(),
        status: 400,
        code: "MALFORMED_REQUEST",
        message: "the body must be {\"event\": \"<name>\", \"payload\": {...}}: duplicate field `event` at line 1 column 39",
    },
    HttpCase {
        input: "huge body (over 1 MiB)",
        auth: Auth::Key,
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(&format!(r#"{{"note": "{}"}}"#, "a".repeat(10 << 20))),
        status: 413,
        code: "MALFORMED_REQUEST",
        message: "the request body is larger than the limit of 1048576 bytes",
    },
    HttpCase {
        input: "10,000-deep nesting",
        auth: Auth::Key,
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(&nested(10_000)),
        status: 400,
        code: "MALFORMED_REQUEST",
        message: "malformed JSON: recursion limit exceeded at line 1 column 168",
    },
    HttpCase {
        input: "a number beyond a double",
        auth: Auth::Key,
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(&String::from_utf8(lead_with(r#""personId": 1e400"#)).unwrap()),
        status: 400,
        code: "MALFORMED_REQUEST",
        message: "malformed JSON: number out of range at line 1 column 273",
    },
    HttpCase {
        input: "invalid UTF-8",
        auth: Auth::Key,
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || [&request(LEAD)[..60], &b"\xff\xfe"[..], &request(LEAD)[60..]].concat(),
        status: 400,
        code: "MALFORMED_REQUEST",
        message: "malformed JSON: invalid unicode code point at line 1 column 61",
    },
    HttpCase {
        input: "a lone surrogate",
        auth: Auth::Key,
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(&String::from_utf8(lead_with(r#""email": "\udc00""#)).unwrap()),
        status: 400,
        code: "MALFORMED_REQUEST",
        message: "malformed JSON: lone leading surrogate in hex escape at line 1 column 272",
    },
    HttpCase {
        input: "an integer beyond i64 where a string is expected",
        auth: Auth::Key,
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(&String::from_utf8(lead_with(r#""email": 123456789012345678901234567890"#)).unwrap()),
        status: 422,
        code: "VALIDATION_ERROR",
        message: "payload.email must be a string, not a number",
    },
    HttpCase {
        input: "a 1 MB string as the email (no `@`)",
        auth: Auth::Key,
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(&String::from_utf8(lead_with(&format!(r#""email": "{}""#, "a".repeat(1_000_000)))).unwrap()),
        status: 422,
        code: "VALIDATION_ERROR",
        message: "payload.email must be a valid email address",
    },
    HttpCase {
        input: "an unknown event",
        auth: Auth::Key,
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || format!(r#"{{"event": "lead.captured.v9", "payload": {LEAD}}}"#).into_bytes(),
        status: 422,
        code: "UNKNOWN_EVENT",
        message: "event \"lead.captured.v9\" is not in the catalog",
    },
    HttpCase {
        input: "a 256-character Idempotency-Key",
        auth: Auth::Key,
        content_type: Some("application/json"),
        idempotency_key: "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
        body: || request(LEAD),
        status: 400,
        code: "MALFORMED_REQUEST",
        message: "the Idempotency-Key header must be 1 to 255 visible ASCII characters",
    },
    HttpCase {
        input: "missing API key",
        auth: Auth::None,
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(LEAD),
        status: 401,
        code: "UNAUTHORIZED",
        message: "missing API key: send `Authorization: Bearer <key>` with an lk_test_ or lk_dev_ key",
    },
    HttpCase {
        input: "wrong scheme (Basic)",
        auth: Auth::Raw("Basic bGtfdGVzdF9zYW5kYm94"),
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(LEAD),
        status: 401,
        code: "UNAUTHORIZED",
        message: "the Authorization header must be `Bearer <key>`",
    },
    HttpCase {
        input: "Authorization that is not ASCII",
        auth: Auth::Bytes(b"Bearer lk_test_\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0"),
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(LEAD),
        status: 401,
        code: "UNAUTHORIZED",
        message: "the Authorization header must be `Bearer <key>`",
    },
    HttpCase {
        input: "malformed key (too short)",
        auth: Auth::Raw("Bearer lk_test_abc123"),
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(LEAD),
        status: 401,
        code: "UNAUTHORIZED",
        message: "malformed API key: the API key is too short: its secret part has 6 characters, at least 16 are required",
    },
    HttpCase {
        input: "malformed key (unknown prefix)",
        auth: Auth::Raw("Bearer lk_prod_0123456789abcdef0123"),
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(LEAD),
        status: 401,
        code: "UNAUTHORIZED",
        message: "malformed API key: the API key's prefix is not lk_live_, lk_test_ or lk_dev_",
    },
    HttpCase {
        input: "two tokens after Bearer",
        auth: Auth::Raw("Bearer lk_test_0123456789abcdef0123 lk_test_0123456789abcdef0124"),
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(LEAD),
        status: 401,
        code: "UNAUTHORIZED",
        message: "malformed API key: the API key has a character other than A-Z, a-z, 0-9, `_` and `-` at position 28",
    },
    HttpCase {
        input: "a live key",
        auth: Auth::Raw("Bearer lk_live_0123456789abcdef0123"),
        content_type: Some("application/json"),
        idempotency_key: HOSTILE_KEY,
        body: || request(LEAD),
        status: 401,
        code: "UNAUTHORIZED",
        message: "live API keys (lk_live_) are not accepted by the sandbox, which never delivers messages: use an \
                  lk_test_ or lk_dev_ key",
    },
];

#[tokio::test]
async fn the_sandbox_refuses_each_hostile_request_exactly_and_keeps_no_trace() {
    use reqwest::header::HeaderValue;
    let sandbox = start(builder()).await;
    let http = client();
    let url = format!("{}/api/events", sandbox.url());
    let before = counters(&sandbox).await;
    for case in REFUSED {
        let mut request = http.post(&url).header("idempotency-key", case.idempotency_key).body((case.body)());
        if let Some(content_type) = case.content_type {
            request = request.header("content-type", content_type);
        }
        request = match case.auth {
            Auth::Key => request.bearer_auth(KEY),
            Auth::None => request,
            Auth::Raw(value) => request.header("authorization", value),
            Auth::Bytes(value) => request.header("authorization", HeaderValue::from_bytes(value).unwrap()),
        };
        let response = request.send().await.unwrap();
        rate_headers(&response);
        let (status, _, body) = parts(response).await;
        assert_eq!(
            (status, body["error"]["code"].as_str(), body["error"]["message"].as_str()),
            (case.status, Some(case.code), Some(case.message)),
            "{}: {body:.300}",
            case.input
        );
        assert_eq!(body["ok"], false);
        assert_eq!(counters(&sandbox).await, before, "{}: nothing recorded", case.input);
    }
    // The Idempotency-Key every refused request used is still free: the valid request is processed
    // as new, not replayed.
    let response = http
        .post(&url)
        .bearer_auth(KEY)
        .header("idempotency-key", HOSTILE_KEY)
        .json(&json!({"event": "lead.captured.v1", "payload": serde_json::from_str::<Value>(LEAD).unwrap()}))
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("idempotent-replayed").is_none());
    let (status, _, body) = parts(response).await;
    assert_eq!((status, body["sequence"].as_u64()), (200, Some(1)), "{body}");
    assert_eq!(counters(&sandbox).await, (1, 1, 1));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_sandbox_accepts_what_the_platform_would_and_records_it_once() {
    let sandbox = start(builder()).await;
    let http = client();
    let url = format!("{}/api/events", sandbox.url());
    let payload = |i: u64| {
        let mut payload = lead(i);
        payload.as_object_mut().unwrap().remove("personId");
        payload.to_string()
    };
    // ~100,000 unknown keys that fit the 1 MiB limit (base-36 names).
    let many_keys = |i: u64| {
        let keys: Vec<String> = (0..100_000u32)
            .map(|n| {
                let mut name = String::new();
                let mut n = n;
                loop {
                    name.insert(0, char::from_digit(n % 36, 36).unwrap());
                    n /= 36;
                    if n == 0 {
                        break name;
                    }
                }
            })
            .map(|name| format!(r#""{name}":0"#))
            .collect();
        let base = payload(i);
        format!("{},{}}}", &base[..base.len() - 1], keys.join(","))
    };
    let cases: Vec<(&str, Option<&str>, String)> = vec![
        ("content type text/plain: the body is read as JSON regardless", Some("text/plain"), payload(1)),
        ("no content type", None, payload(2)),
        ("100,000 unknown keys (stripped)", Some("application/json"), many_keys(3)),
        (
            "a duplicate key, the last one valid",
            Some("application/json"),
            format!(r#"{{"email": "not-an-email", {}"#, &payload(4)[1..]),
        ),
    ];
    for (n, (input, content_type, payload)) in cases.iter().enumerate() {
        let body = format!(r#"{{"event": "lead.captured.v1", "payload": {payload}}}"#);
        assert!(body.len() < 1 << 20, "{input}: {} bytes", body.len());
        let mut request = http.post(&url).bearer_auth(KEY).body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", *content_type);
        }
        let (status, _, body) = parts(request.send().await.unwrap()).await;
        assert_eq!(status, 200, "{input}: {body}");
        let accepted = sandbox.accepted();
        assert_eq!(accepted.len(), n + 1, "{input}");
        let expected = validate_event("lead.captured.v1", &lead(n as u64 + 1)).unwrap();
        let mut expected = expected.as_object().unwrap().clone();
        expected.remove("personId");
        assert_eq!(accepted[n].payload, Value::Object(expected), "{input}");
    }
    // An integer beyond i64 in an integer field is valid for Zod, so for the sandbox too.
    let mut order = serde_json::from_str::<Value>(LEAD).unwrap();
    order["eventId"] = json!(event_id(9));
    order["lineItems"] =
        serde_json::from_str(r#"[{"title": "t", "quantity": 123456789012345678901234567890}]"#).unwrap();
    let body = json!({"event": "order.completed.v1", "payload": order});
    let (status, _, body) = parts(post_event(&http, &sandbox, KEY, &body).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(sandbox.accepted()[4].payload["lineItems"][0]["quantity"], json!(1.2345678901234568e29));
    sandbox.shutdown().await;
}

/// Sends raw bytes to the sandbox and returns the status line of the answer ("" when the
/// connection closed without one).
fn raw_exchange(addr: std::net::SocketAddr, head: &str, body: &[u8]) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    // The server may answer and close before reading everything: later writes may fail.
    let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body));
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_headers_and_unannounced_huge_bodies_are_cut_off() {
    let sandbox = start(builder()).await;
    let addr = sandbox.local_addr();
    let before = counters(&sandbox).await;
    let run = |head: String, body: Vec<u8>| tokio::task::spawn_blocking(move || raw_exchange(addr, &head, &body));

    // A 1 MiB header, and 200 headers: refused by the HTTP layer (431, no body).
    let big = format!(
        "POST /api/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {KEY}\r\nX-Big: {}\r\nContent-Length: 2\r\n\r\n",
        "a".repeat(1 << 20)
    );
    assert_eq!(run(big, b"{}".to_vec()).await.unwrap(), "HTTP/1.1 431 Request Header Fields Too Large");
    let many: String = (0..200).map(|i| format!("X-H{i}: v\r\n")).collect();
    let many = format!("POST /api/events HTTP/1.1\r\nHost: localhost\r\n{many}Content-Length: 2\r\n\r\n");
    assert_eq!(run(many, b"{}".to_vec()).await.unwrap(), "HTTP/1.1 431 Request Header Fields Too Large");

    // A chunked body with no Content-Length that grows past 1 MiB: 413 once the limit is crossed.
    let head = format!(
        "POST /api/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {KEY}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let chunk = format!("10000\r\n{}\r\n", " ".repeat(0x10000));
    let body = format!("{}0\r\n\r\n", chunk.repeat(17)).into_bytes();
    assert_eq!(run(head, body).await.unwrap(), "HTTP/1.1 413 Payload Too Large");

    assert_eq!(counters(&sandbox).await, before);
    assert_eq!(post_event(&client(), &sandbox, KEY, &lead_request(1)).await.status(), 200, "still serving");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn sandbox_webhooks_with_bad_signatures_or_bodies_leave_no_trace() {
    let sandbox = start(builder().intake(inbound_intake())).await;
    let http = client();
    let before = counters(&sandbox).await;
    let body = fixture("shopify/orders-create.json");
    let deep = shopify_order_with(&format!(r#""email": {}"#, nested(10_000)));
    let (name, deep_signature) = signed(SignatureScheme::Shopify, SHOPIFY_SECRET, &deep, 0);
    type Case<'a> = (Vec<(&'a str, String)>, Vec<u8>, u16, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (vec![("X-Shopify-Topic", "orders/create".into())], body.clone(), 401, "UNAUTHORIZED"),
        (
            vec![("X-Shopify-Topic", "orders/create".into()), (name, format!("{}=", "A".repeat(43)))],
            body.clone(),
            401,
            "UNAUTHORIZED",
        ),
        (vec![("X-Shopify-Topic", "orders/create".into()), (name, deep_signature)], deep, 400, "MALFORMED_REQUEST"),
    ];
    for (headers, body, status, code) in cases {
        let mut request = http.post(format!("{}/webhooks/shopify", sandbox.url())).body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let (got, _, answer) = parts(request.send().await.unwrap()).await;
        assert_eq!((got, answer["error"]["code"].as_str()), (status, Some(code)), "{answer}");
        assert_eq!(counters(&sandbox).await, before);
    }
    sandbox.shutdown().await;
}
