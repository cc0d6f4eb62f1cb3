//! Hostile payloads as bytes and as a deep `Value` (docs/hostile-input.md), each with the exact
//! verdict it gets: `Event::from_json_slice`, `EventSchema::validate_slice`, and (where serde_json
//! reads the bytes) `serde_json::from_slice` then `validate_event`.
//! `robustness.rs` holds the property tests over arbitrary JSON and bytes; this file holds the
//! named cases.

use std::time::{Duration, Instant};

use loop_contracts::catalog::LeadCaptured;
use loop_contracts::{validate_event, ErrorCode, Event, IssueCode};
use serde_json::{Map, Value};

use suite::hostile::*;

/// [`LEAD`] with `members` added before its keys.
fn lead_before(members: &str) -> Vec<u8> {
    format!("{{{members}, {}", &LEAD[1..]).into_bytes()
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
        input: "a number beyond a double (1e400) where a string is expected",
        event: "lead.captured.v1",
        bytes: || lead_with(r#""personId": 1e400"#),
        verdict: Verdict::Invalid("personId", IssueCode::InvalidType, "Expected string, received number"),
    },
    BytesCase {
        input: "a number beyond a double in an integer field",
        event: "order.completed.v1",
        bytes: || lead_with(r#""lineItems": [{"title": "t", "quantity": -1e400}]"#),
        verdict: Verdict::Invalid("lineItems.0.quantity", IssueCode::InvalidType, "Expected integer, received float"),
    },
    BytesCase {
        input: "a million numbers beyond a double in a record",
        event: "lead.captured.v1",
        bytes: || lead_with(&format!(r#""attribution": {{"n": [{}1e999]}}"#, "1e999,".repeat(999_999))),
        verdict: Verdict::Valid,
    },
    BytesCase {
        input: "a million numbers beyond a double under unknown keys",
        event: "lead.captured.v1",
        bytes: || {
            let keys: Vec<String> = (0..1_000_000).map(|i| format!(r#""k{i}": -1e999"#)).collect();
            lead_with(&keys.join(","))
        },
        verdict: Verdict::Valid,
    },
    BytesCase {
        input: "a million numbers beyond a double, then a syntax error",
        event: "lead.captured.v1",
        bytes: || lead_with(&format!(r#""attribution": {{"n": [{}1e999 1]}}"#, "1e999,".repeat(999_999))),
        verdict: Verdict::Malformed("expected `,` or `]` at line 1 column 6000238"),
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
        let schema = loop_contracts::catalog().get(case.event).unwrap();
        let validated = schema.validate_slice(&bytes);
        let parsed = serde_json::from_slice::<Value>(&bytes);
        // Where serde_json reads the bytes, the `Value` route agrees with the bytes route.
        if let Ok(value) = &parsed {
            assert_eq!(validate_event(case.event, value).map(Value::from), validated, "{}", case.input);
        }
        let elapsed = started.elapsed();
        // A bound, not a benchmark: a 10 MB payload is parsed three times and validated once, in a
        // debug build. The largest case (a million keys) takes 5 to 6 s alone and about twice that
        // beside the other tests on two cores; quadratic work would take hours.
        assert!(elapsed < Duration::from_secs(30), "{}: {elapsed:?}", case.input);
        // The entry points that validate while parsing give the same answer in every row.
        crate::parse_driven::assert_same_routes(case.event, &bytes);
        match case.verdict {
            Verdict::Malformed(message) => {
                let err = typed.unwrap_err();
                assert_eq!(err.code(), ErrorCode::MalformedRequest, "{}", case.input);
                assert_eq!(err.message(), format!("malformed JSON: {message}"), "{}", case.input);
                assert!(err.issues().is_empty());
                assert_eq!(validated.unwrap_err(), err, "{}", case.input);
                if !case.input.contains("beyond a double") {
                    assert_eq!(parsed.unwrap_err().to_string(), message, "{}", case.input);
                }
            }
            Verdict::Valid => {
                let output = validated.unwrap_or_else(|e| panic!("{}: {e}", case.input));
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
                assert!(validated.is_ok(), "{}", case.input);
                let err = typed.unwrap_err();
                assert_eq!(err.code(), ErrorCode::ValidationError, "{}", case.input);
                assert_eq!(err.issues().len(), 1);
                assert_eq!((err.issues()[0].code, err.issues()[0].message.as_ref()), (IssueCode::Custom, message));
            }
            Verdict::Invalid(path, code, message) => {
                let err = validated.unwrap_err();
                let first = &err.issues()[0];
                assert_eq!((first.path.as_str(), first.code, first.message.as_ref()), (path, code, message));
                assert_eq!(typed.unwrap_err(), err, "{}: typed decoding reports the same issues", case.input);
            }
        }
    }
}

#[test]
fn duplicate_keys_keep_the_last_value_as_javascript_does() {
    let payload: Value = serde_json::from_slice(&lead_before(r#""email": "x""#)).unwrap();
    assert_eq!(validate_event("lead.captured.v1", &payload).unwrap().to_value()["email"], "user@example.com");
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
        let copy = validate_event("lead.captured.v1", &payload).unwrap().to_value();
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
        let copy = validate_event("lead.captured.v1", &payload).unwrap().to_value();
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
