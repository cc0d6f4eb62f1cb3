//! Number literals beyond a double (`1e999`, `-1e999`, `123e400`), which the platform's
//! `JSON.parse` reads as `Infinity`/`-Infinity` before Zod validates them: the verdicts and issues
//! Zod gives (measured in `tests/oracle`, recorded in the corpus), the output the platform forwards
//! (`null`, as `JSON.stringify` writes an infinity), and the typed values.

use loop_contracts::catalog::{FormSubmitted, OrderCompleted};
use loop_contracts::{catalog, ErrorCode, Event, IssueCode, JsonDocument};
use serde_json::json;

const FORM: &str = r#"{"eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "provider": "typeform", "formId": "f1", "responseId": "r1",
    "answers": [{"fieldId": "a", "fieldType": "rating", "number": NUMBER}], "hidden": {"h": [1e999]}, "score": SCORE}"#;

fn form(number: &str, score: &str) -> String {
    FORM.replace("NUMBER", number).replace("SCORE", score)
}

#[test]
fn an_infinity_in_a_number_field_is_valid_and_forwarded_as_null() {
    let schema = catalog().get("form.submitted.v1").unwrap();
    let data = schema.validate_str(&form("-1e999", "123e400")).unwrap();
    assert_eq!(data["answers"][0]["number"], json!(null));
    assert_eq!(data["score"], json!(null));
    assert_eq!(data["hidden"], json!({"h": [null]}), "a record's contents are forwarded as JSON.stringify writes them");

    let typed = FormSubmitted::from_json_str(&form("-1e999", "123e400")).unwrap();
    assert_eq!(typed.answers[0].number, Some(f64::NEG_INFINITY));
    assert_eq!(typed.score, Some(f64::INFINITY));
    assert_eq!(typed.hidden.as_ref().unwrap()["h"], json!([null]));
    // JSON has no infinity: the typed event refuses to encode one rather than write a silent null.
    let err = typed.validate_payload().unwrap_err();
    assert_eq!(err.code(), ErrorCode::MalformedRequest);
    assert!(err.message().contains("a `number` field holds -inf, which JSON cannot represent"), "{}", err.message());

    // Finite neighbours are untouched by the slow path.
    let typed = FormSubmitted::from_json_slice(form("1.7976931348623157e308", "-1e999").as_bytes()).unwrap();
    assert_eq!(typed.answers[0].number, Some(f64::MAX));
}

#[test]
fn an_infinity_elsewhere_gets_zod_s_issues_from_every_entry_point() {
    let text = r#"{"lineItems": [{"title": 1e999, "quantity": 1e999}, {"title": "t", "quantity": -1e999}],
        "currency": -1e999, "totalPrice": "1", "email": 1e999}"#;
    let schema = catalog().get("order.completed.v1").unwrap();
    let err = schema.validate_str(text).unwrap_err();
    let issues: Vec<_> = err.issues().iter().map(|i| (i.path.as_str(), i.code, &*i.message)).collect();
    let of = |path: &str| issues.iter().find(|i| i.0 == path).copied();
    assert_eq!(
        of("lineItems.0.title"),
        Some(("lineItems.0.title", IssueCode::InvalidType, "Expected string, received number"))
    );
    assert_eq!(
        of("lineItems.0.quantity"),
        Some(("lineItems.0.quantity", IssueCode::InvalidType, "Expected integer, received float"))
    );
    assert_eq!(
        of("lineItems.1.quantity"),
        Some(("lineItems.1.quantity", IssueCode::InvalidType, "Expected integer, received float"))
    );
    assert_eq!(of("email"), Some(("email", IssueCode::InvalidType, "Expected string, received number")));
    // Typed decoding, from bytes, text or a parsed document, reports exactly the same.
    assert_eq!(OrderCompleted::from_json_slice(text.as_bytes()).unwrap_err(), err);
    assert_eq!(OrderCompleted::from_json_str(text).unwrap_err(), err);
    assert_eq!(OrderCompleted::from_json_document(&JsonDocument::from_str(text).unwrap()).unwrap_err(), err);
}

#[test]
fn only_a_number_out_of_range_takes_the_slow_path_and_other_errors_keep_their_place() {
    let schema = catalog().get("form.submitted.v1").unwrap();
    // A syntax error after an infinity is reported where it is, as for finite text.
    let text = form("1e999", "1e999 x");
    let err = schema.validate_str(&text).unwrap_err();
    let finite = serde_json::from_str::<serde_json::Value>(&text.replace("1e999", "0.5  ")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::MalformedRequest);
    assert_eq!(err.message(), format!("malformed JSON: {finite}"));
    // Text in strings is text.
    let data = schema.validate_str(&form("1", "1").replace(r#""r1""#, r#""1e999""#)).unwrap();
    assert_eq!(data["responseId"], "1e999");
}
