//! A JSON payload for a catalog event: validation and typed decoding never panic, and agree.
//!
//! Input: the first byte picks the event (its index among the catalog's names, sorted, modulo
//! their number); the rest is the payload's bytes.
//!
//! Properties:
//! - bytes that are not JSON (as `JSON.parse` reads it: a number beyond a double is an infinity)
//!   are `MALFORMED_REQUEST` for validation from bytes and for the typed decoder alike;
//! - typed decoding succeeds exactly when validation does, except for the documented divergence:
//!   a valid payload holding an integer beyond `i64` is refused by the typed decoder (with one
//!   `custom` issue at the root);
//! - a refused payload gets the same issues from both;
//! - the parse-driven entry points (`check_slice`, `validate_slice_into`) give `validate_slice`'s
//!   verdict, and `validate_slice_into` writes its output;
//! - what validation returns, and what a decoded event encodes to, validate again (except where
//!   an infinity was accepted: the output holds `null` for it, and a typed `f64` infinity does not
//!   encode at all).

#![no_main]

use libfuzzer_sys::fuzz_target;
use loop_contracts::catalog::*;
use loop_contracts::{catalog, validate_event, ErrorCode, Event, IssueCode, JsonDocument, ValidationError};
use serde_json::Value;

fn typed<E: Event>(bytes: &[u8]) -> Result<Value, ValidationError> {
    E::from_json_slice(bytes).map(|event| event.to_payload())
}

fn decode(name: &str, bytes: &[u8]) -> Result<Value, ValidationError> {
    match name {
        LeadCaptured::NAME => typed::<LeadCaptured>(bytes),
        OrderCompleted::NAME => typed::<OrderCompleted>(bytes),
        CustomerCreated::NAME => typed::<CustomerCreated>(bytes),
        FulfillmentCreated::NAME => typed::<FulfillmentCreated>(bytes),
        FormSubmitted::NAME => typed::<FormSubmitted>(bytes),
        BookingScheduled::NAME => typed::<BookingScheduled>(bytes),
        BookingCanceled::NAME => typed::<BookingCanceled>(bytes),
        MessageSent::NAME => typed::<MessageSent>(bytes),
        MessageDelivered::NAME => typed::<MessageDelivered>(bytes),
        MessageBounced::NAME => typed::<MessageBounced>(bytes),
        MessageOpened::NAME => typed::<MessageOpened>(bytes),
        MessageClicked::NAME => typed::<MessageClicked>(bytes),
        MessageFailed::NAME => typed::<MessageFailed>(bytes),
        other => panic!("{other} is in the catalog but has no typed decoder here"),
    }
}

/// Whether a JSON integer (as JavaScript's `Number.isInteger` sees it) outside `i64` occurs anywhere.
fn has_integer_beyond_i64(value: &Value) -> bool {
    match value {
        Value::Number(n) => {
            !n.is_i64()
                && (n.is_u64() || n.as_f64().is_some_and(|f| f.is_finite() && f.fract() == 0.0 && f.abs() >= 9.2e18))
        }
        Value::Array(items) => items.iter().any(has_integer_beyond_i64),
        Value::Object(map) => map.values().any(has_integer_beyond_i64),
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else { return };
    let names: Vec<&str> = catalog().names().collect();
    let name = names[usize::from(selector) % names.len()];

    let decoded = decode(name, bytes);
    let schema = catalog().get(name).unwrap();
    let verdict = schema.validate_slice(bytes);
    let mut written = Vec::new();
    let into = schema.validate_slice_into(bytes, &mut written);
    assert_eq!(schema.check_slice(bytes), verdict.as_ref().map(drop).map_err(Clone::clone), "check_slice differs");
    assert_eq!(into, verdict.as_ref().map(drop).map_err(Clone::clone), "validate_slice_into differs");
    match &verdict {
        Ok(output) => {
            let written: Value = serde_json::from_slice(&written).expect("validate_slice_into writes JSON");
            assert_eq!(&written, output, "validate_slice_into wrote another output");
        }
        Err(_) => assert!(written.is_empty(), "validate_slice_into wrote output for an invalid payload"),
    }
    let Ok(document) = JsonDocument::from_slice(bytes) else {
        let err = decoded.expect_err("the typed decoder accepted bytes that are not JSON");
        assert_eq!(err.code(), ErrorCode::MalformedRequest, "{err:?}");
        assert_eq!(verdict.as_ref(), Err(&err), "validation and typed decoding refuse the bytes differently");
        return;
    };
    let infinite = document.has_infinities();
    let value = document.into_forwarded();
    if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
        assert_eq!(validate_event(name, &value).map(Value::from), verdict, "the Value route and the bytes route differ");
    }

    match (&verdict, &decoded) {
        (Ok(validated), Ok(encoded)) => {
            if !infinite {
                assert_eq!(validate_event(name, validated).map(Value::from).as_ref(), Ok(validated), "validated output changed");
                assert!(validate_event(name, encoded).is_ok(), "the typed event encodes to an invalid payload: {encoded}");
            }
        }
        (Err(invalid), Err(refused)) => {
            assert_eq!(invalid.code(), ErrorCode::ValidationError);
            assert!(!invalid.issues().is_empty());
            assert_eq!(invalid, refused, "validation and typed decoding report different issues");
        }
        (Ok(_), Err(refused)) => {
            // The documented divergence, and nothing else.
            let issues = refused.issues();
            assert!(
                issues.len() == 1
                    && issues[0].code == IssueCode::Custom
                    && issues[0].path.is_empty()
                    && has_integer_beyond_i64(&value),
                "valid for validation, refused by typed decoding: {refused:?}"
            );
        }
        (Err(invalid), Ok(encoded)) => {
            panic!("typed decoding accepted an invalid payload: {invalid:?}; decoded as {encoded}")
        }
    }
});
