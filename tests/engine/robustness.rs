//! Property tests: validation and typed decoding never panic, and typed decoding accepts exactly
//! the payloads validation accepts, for arbitrary JSON and arbitrary bytes.

use std::borrow::Cow;

use loop_contracts::schema::{Field, FieldType};
use loop_contracts::{catalog, validate_event, ErrorCode};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// A valid value of a type (the first enum value, the shortest allowed string, ...).
fn example(ty: &FieldType) -> Value {
    match ty {
        FieldType::String { min_length, .. } => json!("x".repeat(min_length.unwrap_or(0) as usize)),
        FieldType::Uuid => json!("550e8400-e29b-41d4-a716-446655440000"),
        FieldType::Datetime => json!("2026-05-19T12:00:00Z"),
        FieldType::Email => json!("user@example.com"),
        FieldType::Url => json!("https://example.com/"),
        FieldType::Enum(values) => json!(values[0]),
        FieldType::Integer => json!(1),
        FieldType::Number => json!(1.5),
        FieldType::Boolean => json!(true),
        FieldType::Record => json!({"any": ["thing"]}),
        FieldType::Object(fields) => example_object(fields),
        FieldType::Array(items) => json!([example(items), example(items)]),
    }
}

fn example_object(fields: &[Field]) -> Value {
    Value::Object(fields.iter().map(|f| (f.name.clone(), example(&f.ty))).collect())
}

/// Values that sit near the edges of what the types accept.
fn tricky_scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-1_000_000_000_000_000i64..1_000_000_000_000_000).prop_map(Value::from),
        (-1.0e15f64..1.0e15).prop_map(Value::from),
        Just(json!(1.0)),
        Just(json!(-0.0)),
        prop::sample::select(vec![
            "",
            "x",
            "550e8400-e29b-41d4-a716-446655440000",
            "550E8400-E29B-41D4-A716-446655440000",
            "{550e8400-e29b-41d4-a716-446655440000}",
            "550e8400e29b41d4a716446655440000",
            "2026-05-19T12:00:00Z",
            "2026-05-19T12:00Z",
            "2026-05-19t12:00:00z",
            "2026-05-19T12:00:00+00:00",
            "2024-02-29T00:00:00.123456789Z",
            "2023-02-29T00:00:00Z",
            "user@example.com",
            "user@localhost",
            "a..b@example.com",
            "vsl_form",
            "other",
            "shopify",
            "typeform",
            "calendly",
            "email",
            "hard",
            "https://example.com/",
            "USD",
            "US",
            "😀😀",
            "inbound_lead ",
        ])
        .prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
    ]
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    tricky_scalar().prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-zA-Z_]{1,10}", inner), 0..5)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Keep,
    Drop,
    Replace(Value),
    MutateItems(Value),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => Just(Mutation::Keep),
        1 => Just(Mutation::Drop),
        2 => arbitrary_json().prop_map(Mutation::Replace),
        1 => arbitrary_json().prop_map(Mutation::MutateItems),
    ]
}

/// A payload for some catalog event: its valid example with each field mutated (nested objects
/// and array items included), plus an unknown key now and then.
pub(crate) fn payload() -> impl Strategy<Value = (String, Value)> {
    let names: Vec<String> = catalog().names().map(str::to_owned).collect();
    (prop::sample::select(names), prop::collection::vec(mutation(), 40), any::<bool>()).prop_map(
        |(name, mutations, extra)| {
            let schema = catalog().get(&name).unwrap();
            let mut value = example_object(schema.fields());
            let mut it = mutations.into_iter().cycle();
            apply(schema.fields(), &mut value, &mut it);
            if extra {
                value["unexpectedKey"] = json!({"deep": [1, 2, 3]});
            }
            (name, value)
        },
    )
}

fn apply(fields: &[Field], value: &mut Value, mutations: &mut impl Iterator<Item = Mutation>) {
    let Value::Object(map) = value else { return };
    for field in fields {
        match mutations.next().unwrap() {
            Mutation::Keep => {}
            Mutation::Drop => {
                map.remove(&field.name);
            }
            Mutation::Replace(v) => {
                map.insert(field.name.clone(), v);
            }
            Mutation::MutateItems(v) => match (&field.ty, map.get_mut(&field.name)) {
                (FieldType::Object(inner), Some(obj)) => apply(inner, obj, mutations),
                (FieldType::Array(items), Some(Value::Array(elements))) => {
                    if let (FieldType::Object(inner), Some(first)) = (items.as_ref(), elements.first_mut()) {
                        apply(inner, first, mutations);
                    } else if let Some(last) = elements.last_mut() {
                        *last = v;
                    }
                }
                _ => {}
            },
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn typed_decoding_accepts_exactly_what_validation_accepts((name, value) in payload()) {
        let verdict = validate_event(&name, &value);
        if let Err(e) = &verdict {
            prop_assert!(!e.issues().is_empty());
        }
        let bytes = serde_json::to_vec(&value).unwrap();
        let typed = suite::decode_typed(&name, &bytes).unwrap();
        prop_assert_eq!(typed.is_ok(), verdict.is_ok(), "typed {:?} vs validation {:?} on {}", typed, verdict, value);
        if let Ok(encoded) = typed {
            // What the typed struct writes back is valid too.
            prop_assert!(validate_event(&name, &encoded).is_ok(), "re-encoded {} is invalid", encoded);
        }
        // Plain serde on the generated structs never accepts what validation refuses.
        if suite::serde_accepts(&name, &bytes).unwrap() {
            prop_assert!(verdict.is_ok());
        }
        // The three ways to validate agree, and the borrowing one borrows exactly when stripping
        // would change nothing.
        let schema = catalog().get(&name).unwrap();
        let copied = schema.validate(&value);
        prop_assert_eq!(&schema.validate_owned(value.clone()), &copied);
        match (schema.validate_cow(&value), &copied) {
            (Ok(Cow::Borrowed(data)), Ok(expected)) => prop_assert_eq!(data, expected),
            (Ok(Cow::Owned(data)), Ok(expected)) => {
                prop_assert_eq!(&data, expected);
                prop_assert_ne!(&data, &value, "copied although nothing was stripped");
            }
            (Err(e), Err(expected)) => prop_assert_eq!(&e, expected),
            (cow, copied) => prop_assert!(false, "validate_cow {:?} vs validate {:?}", cow, copied),
        }
    }

    #[test]
    fn validation_never_panics_on_arbitrary_json(value in arbitrary_json(), index in 0usize..100) {
        let names: Vec<&str> = catalog().names().collect();
        let name = names[index % names.len()];
        let verdict = validate_event(name, &value);
        let typed = suite::decode_typed(name, &serde_json::to_vec(&value).unwrap()).unwrap();
        prop_assert_eq!(typed.is_ok(), verdict.is_ok());
    }

    #[test]
    fn decoders_never_panic_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256), index in 0usize..100) {
        let names: Vec<&str> = catalog().names().collect();
        let name = names[index % names.len()];
        let typed = suite::decode_typed(name, &bytes).unwrap();
        // Validation from bytes reads them as JSON.parse does (a number beyond a double is an
        // infinity); what it refuses as malformed, typed decoding refuses with the same error.
        let verdict = catalog().get(name).unwrap().validate_slice(&bytes);
        match &verdict {
            Err(e) if e.code() == ErrorCode::MalformedRequest => prop_assert_eq!(typed.unwrap_err(), e.clone()),
            _ => prop_assert_eq!(typed.is_ok(), verdict.is_ok()),
        }
        if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
            prop_assert_eq!(validate_event(name, &value).map(Value::from), verdict);
        }
        let _ = loop_contracts::EventSchema::from_discovery_slice(&bytes);
    }
}

#[test]
fn ten_thousand_levels_of_nesting_are_a_malformed_request_not_a_crash() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let payload = format!(r#"{{"attribution": {deep}}}"#);
    let err = suite::decode_typed("lead.captured.v1", payload.as_bytes()).unwrap().unwrap_err();
    assert_eq!(err.code(), ErrorCode::MalformedRequest);
    let doc = format!(r#"{{"name": "a.b.v1", "fields": {deep}}}"#);
    assert!(loop_contracts::EventSchema::from_discovery_str(&doc).is_err());
}

#[test]
fn huge_payloads_are_validated_not_choked_on() {
    let schema = catalog().get("order.completed.v1").unwrap();
    let mut value = example_object(schema.fields());
    value["lineItems"] = Value::Array(vec![json!({"title": "x", "quantity": 1.5}); 100_000]);
    value["tags"] = json!(["x".repeat(1 << 20)]);
    let err = validate_event("order.completed.v1", &value).unwrap_err();
    assert_eq!(err.issues().len(), 100_000);
    assert_eq!(err.issues()[99_999].path, "lineItems.99999.quantity");
}

#[test]
fn deeply_nested_discovery_documents_are_refused_with_a_typed_error() {
    let mut doc = r#"{"type": "string"}"#.to_owned();
    for _ in 0..40 {
        doc = format!(r#"{{"type": "array", "items": {doc}}}"#);
    }
    let text =
        format!(r#"{{"name": "a.b.v1", "fields": {{"x": {}}}}}"#, doc.replacen('{', r#"{"required": true, "#, 1));
    let err = loop_contracts::EventSchema::from_discovery_str(&text).unwrap_err();
    assert!(err.to_string().contains("nested deeper than"), "{err}");
}

#[test]
fn validate_cow_copies_only_what_stripping_changes() {
    let lead = catalog().get("lead.captured.v1").unwrap();
    let mut payload = json!({
        "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
        "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
        "source": "other", "attribution": {"utm_source": "x"},
    });
    assert!(matches!(lead.validate_cow(&payload), Ok(Cow::Borrowed(_))));
    // A record's `__proto__` key is dropped (as Zod's record parser drops it).
    payload["attribution"]["__proto__"] = json!("polluted");
    let stripped = lead.validate_cow(&payload).unwrap();
    assert!(matches!(stripped, Cow::Owned(_)));
    assert_eq!(stripped["attribution"], json!({"utm_source": "x"}));

    let order = catalog().get("order.completed.v1").unwrap();
    let mut payload = json!({
        "eventId": "550e8400-e29b-41d4-a716-446655440001", "occurredAt": "2026-05-19T12:00:00Z",
        "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "buyer@example.com",
        "lineItems": [{"title": "Tea", "quantity": 2}, {"title": "Cup", "quantity": 1}],
    });
    assert!(matches!(order.validate_cow(&payload), Ok(Cow::Borrowed(_))));
    // An unknown key inside an array item: the whole payload is copied, without it.
    payload["lineItems"][0]["giftWrap"] = json!(true);
    let stripped = order.validate_cow(&payload).unwrap();
    assert!(matches!(stripped, Cow::Owned(_)));
    assert!(stripped["lineItems"][0].get("giftWrap").is_none());
    assert_eq!(stripped.as_ref(), &order.validate(&payload).unwrap());
}

#[test]
fn validate_cow_is_not_fooled_by_a_field_declared_twice() {
    // `EventSchema::new` takes fields as given; a name declared twice must not let an unknown key
    // through uncopied.
    let mut fields = loop_contracts::schema::envelope_fields().to_vec();
    fields.push(Field::required("text", FieldType::String { min_length: None, max_length: None }));
    fields.push(Field::required("text", FieldType::String { min_length: None, max_length: None }));
    let schema = loop_contracts::EventSchema::new("note.added.v1".parse().unwrap(), fields);
    let payload = json!({
        "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
        "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "text": "hello", "extra": true,
    });
    let data = schema.validate_cow(&payload).unwrap();
    assert!(matches!(data, Cow::Owned(_)));
    assert!(data.get("extra").is_none());
    assert_eq!(schema.validate_owned(payload.clone()).unwrap(), schema.validate(&payload).unwrap());
}
