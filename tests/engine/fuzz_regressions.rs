//! Inputs the fuzz targets (`fuzz/`) found, kept as regression tests. Each test names the target
//! that found it and what was wrong; `fuzz/README.md` has the runs.

use loop_contracts::inbound::{Declaration, DeclarationError};
use loop_contracts::jsonpath::{JsonPath, JsonPathError};
use loop_contracts::{catalog, validate_event, ErrorCode};

/// `jsonpath_compile`: a selector that ends inside a `\u` escape made `serde_json_path`'s parser
/// panic ("entered unreachable code: we do not use streaming parsers"). The first input is the
/// fuzzer's; the others end at each place of a `\u` escape where the parser asked for more input,
/// in both quotes and inside a filter. A selector ending inside any string literal is a syntax
/// error.
#[test]
fn selectors_ending_inside_a_unicode_escape_are_syntax_errors() {
    for text in [
        r"$['\u83DD\u",
        r"$['\u",
        r"$['\uD",
        r"$['\uD83D\u",
        r"$['\uD83D\uD",
        r#"$["\u"#,
        r"$[?@.a=='\u",
        r"$.a[?match(@.b, '\u",
        r"$['\",
        r"$['abc",
    ] {
        for result in [JsonPath::parse(text), JsonPath::parse_compiled(text)] {
            match result {
                Err(JsonPathError::Syntax { message }) => {
                    assert!(message.contains("unclosed string literal"), "{text}: {message}")
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }
    // Closed, the same escapes are fine.
    assert!(JsonPath::parse(r"$['\u83DD']").is_ok());
    assert!(JsonPath::parse(r"$['\uD83D\uDE00']").is_ok());
    assert!(JsonPath::parse(r"$[?@.a=='\u0041']").is_ok());
}

/// `jsonpath_compile`, through a declaration: the same selector is a `BadPath`, not a crash of the
/// host that declares it.
#[test]
fn a_declaration_with_such_a_selector_is_refused() {
    let text = r#"{"name": "lead.captured.v1", "source": "custom", "webhookPath": "/hooks/lead",
        "transform": {"occurredAt": "$.at", "email": "$['\\u83DD\\u", "source": "$.s", "attribution": "$.a"}}"#;
    match Declaration::parse(text) {
        Err(DeclarationError::BadPath { field, error: JsonPathError::Syntax { .. } }) => assert_eq!(field, "email"),
        other => panic!("{other:?}"),
    }
}

/// A valid `lead.captured.v1` payload without its closing brace, to append an unknown key to.
const LEAD: &str = r#"{"eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    "source": "quiz_completion", "attribution": {}"#;

/// `validate_payload`: the typed decoder skipped the value of an unknown key without reading it,
/// so it accepted bytes that are not JSON for `serde_json` (invalid UTF-8, a lone surrogate escape),
/// which validation cannot even parse. Now it refuses them as a malformed request, as validation's
/// parse does; the same unknown keys with proper values are still stripped, and so is a number
/// beyond `f64`, which `JSON.parse` reads as an infinity and validation strips too.
#[test]
fn unknown_keys_holding_what_is_not_json_are_a_malformed_request() {
    let bad: [&[u8]; 5] = [
        b"\"x\": \"\xff\"",
        br#""x": "\ud800""#,
        br#""x": ["\udc00 "]"#,
        br#""x": {"y": "\ud83d"}"#,
        br#""x": {"\ud800": 1}"#,
    ];
    for extra in bad {
        let bytes = [LEAD.as_bytes(), b", ", extra, b"}"].concat();
        assert!(serde_json::from_slice::<serde_json::Value>(&bytes).is_err());
        let err = suite::decode_typed("lead.captured.v1", &bytes).unwrap().unwrap_err();
        assert_eq!(err.code(), ErrorCode::MalformedRequest, "{}: {err:?}", String::from_utf8_lossy(extra));
    }
    let good: [&[u8]; 5] = [
        br#""x": "\ud83d\ude00""#,
        br#""x": [1, -2.5e300, {"y": [null, true]}]"#,
        br#""x": 18446744073709551616"#,
        "\"x\": \"é😀\"".as_bytes(),
        br#""x": {}"#,
    ];
    for extra in good {
        let bytes = [LEAD.as_bytes(), b", ", extra, b"}"].concat();
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let typed = suite::decode_typed("lead.captured.v1", &bytes).unwrap().unwrap();
        assert_eq!(typed, validate_event("lead.captured.v1", &value).unwrap().to_value());
        assert!(typed.get("x").is_none());
    }
    let schema = catalog().get("lead.captured.v1").unwrap();
    for extra in [&br#""x": 1e400"#[..], br#""x": [1, {"y": -1e999}]"#] {
        let bytes = [LEAD.as_bytes(), b", ", extra, b"}"].concat();
        let typed = suite::decode_typed("lead.captured.v1", &bytes).unwrap().unwrap();
        assert_eq!(typed, schema.validate_slice(&bytes).unwrap());
        assert!(typed.get("x").is_none());
    }
}

/// `validate_payload`: the same holds in nested objects and for every catalog event: a payload
/// that is not JSON for `serde_json` is never decoded.
#[test]
fn every_event_refuses_unreadable_unknown_keys_at_any_depth() {
    for name in catalog().names() {
        for bytes in [&b"{\"zz\": \"\xc3\"}"[..], br#"{"lineItems": [{"zz": "\udfff"}]}"#] {
            let err = suite::decode_typed(name, bytes).unwrap().unwrap_err();
            assert_eq!(err.code(), ErrorCode::MalformedRequest, "{name}: {err:?}");
        }
        // A number beyond a double is JSON to the platform: the payload gets its issues instead.
        let bytes = br#"{"zz": [[1e999]]}"#;
        let err = suite::decode_typed(name, bytes).unwrap().unwrap_err();
        assert_eq!(err, catalog().get(name).unwrap().validate_slice(bytes).unwrap_err(), "{name}");
        assert_eq!(err.code(), ErrorCode::ValidationError, "{name}");
    }
}

/// `declaration_transform` (a seed from `docs/hostile-input.md`, kept in
/// `tests/fixtures/fuzz/declaration_transform/`, which `fuzz/seed_corpus.py` adds to the target's
/// corpus): a declaration mapping a field to `$[?count($[?count($[?count($[*])>0])>0])>0]` took 22 s
/// on a 900-byte body of 300 numbers, the filters re-evaluating the whole document at every node
/// (n⁴). Absolute queries inside filters are now evaluated once per evaluation and every
/// evaluation is bounded by the body's budget, so the input answers at once, as the target's
/// properties require: the same result twice, and an error only of the expected kinds.
#[test]
fn nested_count_filters_over_the_whole_document_answer_at_once() {
    use loop_contracts::inbound::{InboundError, TransformContext};

    let path = suite::fixture("fuzz/declaration_transform/nested-count-filters-300-numbers");
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let at = data.iter().position(|&b| b == 0).expect("declaration, zero byte, body");
    let declaration = Declaration::parse(std::str::from_utf8(&data[..at]).unwrap()).unwrap();
    let body = &data[at + 1..];
    let started = std::time::Instant::now();
    let first = declaration.apply(body, &TransformContext::default());
    assert_eq!(first, declaration.apply(body, &TransformContext::default()));
    // Loose: the two evaluations take about a millisecond in a debug build (they took 44 s).
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
    match first {
        // The path selects the 300 numbers, so `email` is a number: invalid, not a hang.
        Err(InboundError::Invalid(err)) => assert!(err.issues().iter().any(|i| i.path == "email"), "{err:?}"),
        other => panic!("{other:?}"),
    }
    let value: serde_json::Value = serde_json::from_slice(body).unwrap();
    let selector = JsonPath::parse("$[?count($[?count($[?count($[*])>0])>0])>0]").unwrap();
    let work = selector.work(&value, JsonPath::budget_for(body.len())).expect("within the budget");
    // Linear: each of the three absolute queries once (about 300 units each), one filter test and
    // one remembered read per number and level.
    assert!(work < 10 * 300, "{work}");
}

/// `validate_payload`: `3e81` read as 2.9999999999999996e81 (serde_json's default reading of
/// numbers is not correctly rounded), so the output of `validate_slice_into` (which writes the
/// number as `JSON.stringify` does, `3e+81`) read back as another number than the input's. The
/// library now reads numbers correctly rounded in every build (`float_roundtrip`; here the
/// suite's `jsonschema` would turn it on anyway, so `tests/repo/number_reading.rs` checks the
/// users' builds). Each literal is in a record, under an unknown key and, when it is a whole
/// number, at the position (an integer) of a booking's question.
#[test]
fn numbers_read_correctly_rounded_and_are_written_back_as_read() {
    let schema = catalog().get("booking.scheduled.v1").unwrap();
    for literal in ["3e81", "6e107", "-267e166", "945314e-102", "7114858e-292", &format!("3{}", "0".repeat(81))] {
        let exact: f64 = literal.parse().unwrap();
        let position = if exact.fract() == 0.0 { literal } else { "1" };
        let text = format!(
            r#"{{"eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
            "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "provider": "calendly", "bookingId": "b1",
            "email": "ana@example.com", "name": "Ana", "eventName": "Intro", "startTime": "2026-05-20T09:00:00Z",
            "endTime": "2026-05-20T09:30:00Z", "timezone": "Europe/Paris", "rescheduled": false,
            "questionsAndAnswers": [{{"question": "q", "answer": "a", "position": {position}}}],
            "tracking": {{"n": {literal}}}, "unknown": {literal}}}"#
        );
        let validated = schema.validate_slice(text.as_bytes()).unwrap_or_else(|e| panic!("{literal}: {e:?}"));
        assert_eq!(validated["tracking"]["n"].as_f64(), Some(exact), "{literal}");
        let mut written = Vec::new();
        schema.validate_slice_into(text.as_bytes(), &mut written).unwrap();
        let written = String::from_utf8(written).unwrap();
        // Read back with Rust's correctly rounded parser, not serde_json's.
        let n = written.split(r#""n":"#).nth(1).unwrap();
        let n = &n[..n.find('}').unwrap()];
        assert_eq!(n.parse::<f64>().unwrap(), exact, "{literal} written as {n}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&written).unwrap(), validated, "{literal}");
    }
}
