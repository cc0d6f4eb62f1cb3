//! The parse-driven walk (`check_slice`, `validate_slice_into`) against the `Value` walk, whose
//! parity with Zod the corpus measures: the same verdict, the same issues in the same order and
//! the same output bytes, for the corpus and for payloads whose keys come in any order, repeated,
//! and spaced out. `Validated`, which writes the output from the payload as given, is held to
//! the same bytes; typed decoding to the same refusals.

use loop_contracts::catalog;
use proptest::prelude::*;
use serde_json::Value;
use suite::parity_corpus;

use crate::robustness::payload;

/// Both routes on one payload's bytes (any bytes: not JSON, or not UTF-8, too): the verdict and
/// issues, then the output.
pub(crate) fn assert_same_routes(event: &str, bytes: &[u8]) {
    let schema = catalog().get(event).unwrap();
    let text = String::from_utf8_lossy(bytes);
    let by_value = schema.validate_slice(bytes);
    assert_eq!(schema.check_slice(bytes), by_value.clone().map(drop), "{event}: {text}");
    let mut out = b"kept:".to_vec();
    let streamed = schema.validate_slice_into(bytes, &mut out);
    match by_value {
        Ok(data) => {
            streamed.unwrap();
            let expected = [b"kept:".as_slice(), &serde_json::to_vec(&schema.ordered(&data)).unwrap()].concat();
            assert_eq!(String::from_utf8_lossy(&out), String::from_utf8_lossy(&expected), "{event}: {text}");
            // `Validated` writes the same output from the unstripped payload, without a copy.
            if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
                let validated = schema.validated(&value).unwrap();
                assert_eq!(validated.to_string().as_bytes(), &expected[5..], "{event}: {text}");
                assert_eq!(validated.to_value(), data);
                assert_eq!(*validated.to_cow(), data);
            }
        }
        Err(err) => {
            // Typed decoding, which hands over to the parse-driven check at its first refusal,
            // refuses it with the same error.
            if let Some(typed) = suite::decode_typed(event, bytes) {
                assert_eq!(typed.as_ref().unwrap_err(), &err, "{event}: typed decoding of {text}");
            }
            assert_eq!(streamed.unwrap_err(), err, "{event}: {text}");
            assert_eq!(out, b"kept:", "the output is left as it was");
        }
    }
}

#[test]
fn every_corpus_case_gets_the_same_verdict_issues_and_output() {
    for case in parity_corpus() {
        assert_same_routes(&case.event, case.input.as_bytes());
    }
}

/// A small deterministic generator, so that one proptest seed fixes the layout of the text.
struct Choices(u64);

impl Choices {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) % below as u64) as usize
    }
}

/// JSON text for a value with each object's keys shuffled, now and then a key written twice (a
/// throwaway value first, the real one last) and whitespace here and there.
fn scrambled(value: &Value, choices: &mut Choices, out: &mut String) {
    let space = |choices: &mut Choices, out: &mut String| {
        if choices.next(4) == 0 {
            out.push_str(" \n\t"[..choices.next(3) + 1].as_ref());
        }
    };
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            for i in (1..entries.len()).rev() {
                entries.swap(i, choices.next(i + 1));
            }
            out.push('{');
            let mut first = true;
            for (key, value) in entries {
                let decoys = if choices.next(6) == 0 { vec![Value::from("decoy"), Value::Null] } else { Vec::new() };
                for v in decoys.iter().take(choices.next(2) + 1).chain([value]) {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    space(choices, out);
                    out.push_str(&Value::from(key.as_str()).to_string());
                    out.push(':');
                    space(choices, out);
                    scrambled(v, choices, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                scrambled(item, choices, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn keys_in_any_order_repeated_or_spaced_get_the_same_routes((name, value) in payload(), seed in any::<u64>()) {
        let mut text = String::new();
        scrambled(&value, &mut Choices(seed), &mut text);
        assert_same_routes(&name, text.as_bytes());
    }
}

#[test]
fn text_serde_json_refuses_takes_the_document_route() {
    let lead = catalog().get("lead.captured.v1").unwrap();
    for text in [
        r#"{"email": 1e999}"#,
        r#"{"eventId": "x", "extra": [1e999]}"#,
        "{\"email\": \"\\ud800\"}",
        r#"{"email": "a"#,
        r#"{"email": "a"} trailing"#,
        "",
        &format!("{}{}", "[".repeat(200), "]".repeat(200)),
        &format!(r#"{{"unknown": {}{}}}"#, "[".repeat(200), "]".repeat(200)),
    ] {
        assert_same_routes("lead.captured.v1", text.as_bytes());
    }
    // Invalid UTF-8 inside a skipped value is refused as the `Value` parse refuses it.
    let bytes = b"{\"unknown\": \"\xff\"}";
    assert_eq!(lead.check_slice(bytes), lead.validate_slice(bytes).map(drop));
    assert!(lead.check_slice(bytes).is_err());
}

/// Typed decoding reads the text once: at the first value it refuses, the check reads the rest of
/// that object or array and of each one around it. Wherever that happens (a leaf, an element, a
/// nested object, a container where a scalar belongs, a missing field), the refusal is the
/// check's; a payload valid after all (a refused value a repeated key replaces) still decodes.
#[test]
fn typed_decoding_hands_over_to_the_check_wherever_it_stops() {
    const ORDER: &str = "order.completed.v1";
    let valid = r#"{"eventId":"9b2f1c4e-3d5a-4c6b-8e7f-0a1b2c3d4e5f","occurredAt":"2026-05-19T12:00:00Z","brandId":"6fa459ea-ee8a-3ca4-894e-db77e160355e","email":"a@example.com","platform":"custom","orderId":"o1","lineItems":[{"title":"a","quantity":1},{"title":"b","quantity":2,"sku":"s"}],"tags":["x"],"attributes":{"k":[1]}}"#;
    let schema = catalog().get(ORDER).unwrap();
    assert!(schema.check_slice(valid.as_bytes()).is_ok());
    let cases = [
        // A leaf, then more faults after it, at this level and the one around it.
        valid.replace(r#""title":"b""#, r#""title":7,"quantity":"2""#).replace(r#""orderId":"o1""#, r#""orderId":"""#),
        // The first element of an array, then the second, and a scalar where a record belongs.
        valid.replace(r#""title":"a""#, r#""title":null"#).replace(r#""tags":["x"]"#, r#""tags":["x",1,{"y":2}]"#),
        valid.replace(r#""attributes":{"k":[1]}"#, r#""attributes":"none""#),
        // Containers where a scalar, an object or an array belongs, read to their end.
        valid.replace(r#""orderId":"o1""#, r#""orderId":{"a":[1,{"b":[]}]},"extra":1"#),
        valid.replace(r#""orderId":"o1""#, r#""orderId":[[1],[2,[3]]]"#),
        valid.replace(r#"{"title":"a","quantity":1}"#, r#"[{"title":"a"}]"#),
        valid.replace(r#""lineItems":["#, r#""lineItems":{"0":"#).replace(r#""sku":"s"}]"#, r#""sku":"s"}}"#),
        // A nested object missing a field, with nothing else wrong; then the payload missing one.
        valid.replace(r#"{"title":"a","quantity":1}"#, r#"{"title":"a"}"#),
        valid.replace(r#""email":"a@example.com","#, ""),
        // Keys out of order after the refusal, one repeated.
        valid.replace(r#""platform":"custom""#, r#""platform":"nope","tags":[2],"platform":"also nope""#),
        // Not an object at all.
        "[1, 2]".to_owned(),
        "\"order\"".to_owned(),
        "null".to_owned(),
    ];
    for text in &cases {
        let expected = schema.check_slice(text.as_bytes()).unwrap_err();
        let typed = suite::decode_typed(ORDER, text.as_bytes()).unwrap();
        assert_eq!(typed.unwrap_err(), expected, "{text}");
    }
    // Valid after all: the refused value is replaced by a repeated key's last one.
    for text in [
        valid.replace(r#""orderId":"o1""#, r#""orderId":5,"orderId":"o1""#),
        valid.replace(r#""quantity":1}"#, r#""quantity":1.5,"quantity":1}"#),
    ] {
        let decoded = suite::decode_typed(ORDER, text.as_bytes()).unwrap().unwrap();
        assert_eq!(decoded, serde_json::from_str::<Value>(valid).unwrap(), "{text}");
    }
}
