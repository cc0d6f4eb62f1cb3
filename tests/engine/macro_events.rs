//! The `event!` macro as a dependent crate uses it: the generated types, their strict serde impls,
//! and the schema, JSON Schema and `validator` impls that come with every event.

use chrono::{TimeZone, Utc};
use loop_contracts::{Email, Event, FieldType};
use serde_json::{json, Value};
use uuid::Uuid;

mod defs {
    loop_contracts::event! {
        /// Every type the macro can declare.
        ///
        /// A second paragraph.
        #[event("kitchen.sink_tested.v2")]
        pub struct KitchenSink {
            /// Free text.
            ///   Indented continuation.
            text: string,
            /// Two to four characters.
            code: string(min = 2, max = 4),
            atLeastOne: string(min = 1),
            atMostThree: string(max = 3),
            id: uuid,
            at: datetime,
            email: email,
            homepage: url,
            count: integer,
            ratio: number,
            flag: boolean,
            extra: object,
            address: object Address {
                /// The city.
                city: string,
                zip?: string(max = 10),
            },
            channel: enum Channel { "web", "pos", "in_store" },
            items: array<object Item {
                sku: string,
                quantity: integer,
                tags?: array<string>,
            }>,
            sizes: array<enum Size { "s", "m", "xl" }>,
            matrix: array<array<integer>>,
            "x-weird-key"?: boolean,
            type?: string,
            note?: string,
            parent?: object Parent { id: uuid },
            createdAt?: datetime,
        }

        #[event("kitchen.sink_tested.v3")]
        pub(crate) struct KitchenSinkV3 {
            text: string,
        }
    }
}

use defs::*;

const EVENT_ID: &str = "550e8400-e29b-41d4-a716-446655440000";
const BRAND_ID: &str = "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e";

/// A valid payload with every required field, in canonical spelling.
fn payload() -> Value {
    json!({
        "eventId": EVENT_ID,
        "occurredAt": "2026-05-19T12:00:00Z",
        "brandId": BRAND_ID,
        "text": "hello",
        "code": "abc",
        "atLeastOne": "x",
        "atMostThree": "",
        "id": "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        "at": "2026-05-19T11:59:00.123Z",
        "email": "user@example.com",
        "homepage": "https://example.com/a?b=c",
        "count": 3,
        "ratio": 0.5,
        "flag": true,
        "extra": {"utm": "spring", "n": [1, 2]},
        "address": {"city": "Lyon"},
        "channel": "in_store",
        "items": [{"sku": "A-1", "quantity": 2}, {"sku": "B-2", "quantity": 1, "tags": ["gift"]}],
        "sizes": ["s", "xl"],
        "matrix": [[1, 2], [], [3]],
    })
}

fn with(mut value: Value, key: &str, replacement: Value) -> Value {
    value[key] = replacement;
    value
}

fn decode(value: &Value) -> Result<KitchenSink, serde_json::Error> {
    serde_json::from_str(&value.to_string())
}

#[test]
fn generated_structs_have_the_declared_rust_types() {
    let sink = decode(&payload()).unwrap();
    // Each binding states the field's type, so this test fails to compile when a type changes.
    let _: &Uuid = &sink.event_id;
    let _: &chrono::DateTime<Utc> = &sink.occurred_at;
    let _: &Uuid = &sink.brand_id;
    let _: &String = &sink.text;
    let _: &String = &sink.code;
    let _: &Uuid = &sink.id;
    let _: &chrono::DateTime<Utc> = &sink.at;
    let _: &Email = &sink.email;
    let _: &String = &sink.homepage;
    let _: &i64 = &sink.count;
    let _: &f64 = &sink.ratio;
    let _: &bool = &sink.flag;
    let _: &serde_json::Map<String, Value> = &sink.extra;
    let _: &Address = &sink.address;
    let _: &Option<String> = &sink.address.zip;
    let _: &Channel = &sink.channel;
    let _: &Vec<Item> = &sink.items;
    let _: &Option<Vec<String>> = &sink.items[0].tags;
    let _: &Vec<Size> = &sink.sizes;
    let _: &Vec<Vec<i64>> = &sink.matrix;
    let _: &Option<bool> = &sink.x_weird_key;
    let _: &Option<String> = &sink.r#type;
    let _: &Option<Parent> = &sink.parent;
    let _: &Option<chrono::DateTime<Utc>> = &sink.created_at;

    assert_eq!(sink.event_id, EVENT_ID.parse::<Uuid>().unwrap());
    assert_eq!(sink.occurred_at, Utc.with_ymd_and_hms(2026, 5, 19, 12, 0, 0).unwrap());
    assert_eq!(sink.at_least_one, "x");
    assert_eq!(sink.at_most_three, "");
    assert_eq!(sink.email.domain(), "example.com");
    assert_eq!(sink.address, Address { city: "Lyon".into(), zip: None });
    assert_eq!(sink.channel, Channel::InStore);
    assert_eq!(sink.items[1], Item { sku: "B-2".into(), quantity: 1, tags: Some(vec!["gift".into()]) });
    assert_eq!(sink.sizes, [Size::S, Size::Xl]);
    assert_eq!(sink.matrix, [vec![1, 2], vec![], vec![3]]);
    assert_eq!((sink.x_weird_key, sink.r#type, sink.note, sink.parent), (None, None, None, None));
}

#[test]
fn serde_round_trips_and_omits_absent_optional_fields() {
    let sink = decode(&payload()).unwrap();
    assert_eq!(serde_json::to_value(&sink).unwrap(), payload());
    assert_eq!(sink.to_payload(), payload());

    let mut full = payload();
    full["x-weird-key"] = json!(false);
    full["type"] = json!("gift");
    full["note"] = json!("");
    full["parent"] = json!({"id": EVENT_ID});
    full["createdAt"] = json!("2026-01-01T00:00:00Z");
    full["address"]["zip"] = json!("69001");
    let sink = decode(&full).unwrap();
    assert_eq!(sink.x_weird_key, Some(false));
    assert_eq!(sink.r#type.as_deref(), Some("gift"));
    assert_eq!(sink.parent.as_ref().unwrap().id, EVENT_ID.parse::<Uuid>().unwrap());
    assert_eq!(serde_json::to_value(&sink).unwrap(), full);
    assert_eq!(decode(&serde_json::to_value(&sink).unwrap()).unwrap(), sink);

    // The envelope comes first, then the fields in definition order.
    let text = serde_json::to_string(&sink).unwrap();
    let positions: Vec<usize> =
        ["\"eventId\"", "\"occurredAt\"", "\"brandId\"", "\"text\"", "\"code\"", "\"createdAt\""]
            .iter()
            .map(|key| text.find(key).unwrap())
            .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
}

#[test]
fn optional_fields_may_be_absent_or_null() {
    let mut value = payload();
    value["note"] = Value::Null;
    value["parent"] = Value::Null;
    value["address"]["zip"] = Value::Null;
    let sink = decode(&value).unwrap();
    assert_eq!((sink.note, sink.parent, sink.address.zip), (None, None, None));
}

#[test]
fn event_constants_and_schema() {
    assert_eq!(KitchenSink::NAME, "kitchen.sink_tested.v2");
    assert_eq!(KitchenSink::VERSION, 2);
    assert_eq!(KitchenSinkV3::VERSION, 3);

    let schema = KitchenSink::schema();
    assert!(std::ptr::eq(schema, KitchenSink::schema()), "the schema is built once");
    assert_eq!(schema.name().as_str(), KitchenSink::NAME);
    assert_eq!(schema.description(), Some("Every type the macro can declare.\n\nA second paragraph."));
    assert_eq!(KitchenSinkV3::schema().description(), None);

    let fields = schema.fields();
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(&names[..5], ["eventId", "occurredAt", "brandId", "text", "code"]);
    assert_eq!(names.len(), 3 + 22);
    assert_eq!(fields[3].description.as_deref(), Some("Free text.\n  Indented continuation."));
    assert_eq!(fields[4].ty, FieldType::String { min_length: Some(2), max_length: Some(4) });
    assert_eq!(fields[5].ty, FieldType::String { min_length: Some(1), max_length: None });
    assert_eq!(fields[6].ty, FieldType::String { min_length: None, max_length: Some(3) });
    assert!(fields[..3].iter().all(|f| f.required));
    let field = |name: &str| fields.iter().find(|f| f.name == name).unwrap();
    assert!(!field("x-weird-key").required);
    assert_eq!(field("channel").ty, FieldType::Enum(vec!["web".into(), "pos".into(), "in_store".into()]));
    assert_eq!(field("matrix").ty, FieldType::Array(Box::new(FieldType::Array(Box::new(FieldType::Integer)))));
    let FieldType::Object(address) = &field("address").ty else { panic!("address is an object") };
    assert_eq!(address[0].description.as_deref(), Some("The city."));
    assert_eq!(address[1].ty, FieldType::String { min_length: None, max_length: Some(10) });
}

#[test]
fn the_discovery_document_follows_the_definition() {
    let doc = KitchenSink::schema().to_discovery_json();
    let expected = json!({
        "name": "kitchen.sink_tested.v2",
        "fields": {
            "eventId": {"type": "uuid", "required": true},
            "occurredAt": {"type": "datetime", "required": true},
            "brandId": {"type": "uuid", "required": true},
            "text": {"type": "string", "required": true},
            "code": {"type": "string", "minLength": 2, "maxLength": 4, "required": true},
            "atLeastOne": {"type": "string", "minLength": 1, "required": true},
            "atMostThree": {"type": "string", "maxLength": 3, "required": true},
            "id": {"type": "uuid", "required": true},
            "at": {"type": "datetime", "required": true},
            "email": {"type": "email", "required": true},
            "homepage": {"type": "url", "required": true},
            "count": {"type": "integer", "required": true},
            "ratio": {"type": "number", "required": true},
            "flag": {"type": "boolean", "required": true},
            "extra": {"type": "object", "required": true},
            "address": {"type": "object", "fields": {
                "city": {"type": "string", "required": true},
                "zip": {"type": "string", "maxLength": 10, "required": false},
            }, "required": true},
            "channel": {"type": "enum", "values": ["web", "pos", "in_store"], "required": true},
            "items": {"type": "array", "items": {"type": "object", "fields": {
                "sku": {"type": "string", "required": true},
                "quantity": {"type": "integer", "required": true},
                "tags": {"type": "array", "items": {"type": "string"}, "required": false},
            }}, "required": true},
            "sizes": {"type": "array", "items": {"type": "enum", "values": ["s", "m", "xl"]}, "required": true},
            "matrix": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}, "required": true},
            "x-weird-key": {"type": "boolean", "required": false},
            "type": {"type": "string", "required": false},
            "note": {"type": "string", "required": false},
            "parent": {"type": "object", "fields": {"id": {"type": "uuid", "required": true}}, "required": false},
            "createdAt": {"type": "datetime", "required": false},
        },
    });
    assert_eq!(serde_json::from_str::<Value>(&doc).unwrap(), expected);
    // Field order is the definition's.
    assert!(doc.find("\"matrix\"").unwrap() < doc.find("\"x-weird-key\"").unwrap());
    // And the document reads back into the same schema, minus the documentation it does not carry.
    let back = loop_contracts::EventSchema::from_discovery_str(&doc).unwrap();
    assert_eq!(back.to_discovery_json(), doc);
}

#[test]
fn typed_decoding_refuses_what_validation_refuses() {
    let schema = KitchenSink::schema();
    let cases = [
        ("a struct from a JSON array", with(payload(), "address", json!(["Lyon"]))),
        ("an event from a JSON array", json!([EVENT_ID, "2026-05-19T12:00:00Z", BRAND_ID])),
        ("an enum from a map", with(payload(), "channel", json!({"web": null}))),
        ("an enum value of the wrong case", with(payload(), "channel", json!("Web"))),
        ("an integer with a fraction", with(payload(), "count", json!(1.5))),
        ("an integer as a string", with(payload(), "count", json!("1"))),
        ("a number as a string", with(payload(), "ratio", json!("0.5"))),
        ("a boolean as a number", with(payload(), "flag", json!(1))),
        ("a lowercase t in a datetime", with(payload(), "at", json!("2026-05-19t11:59:00Z"))),
        ("a datetime with an offset", with(payload(), "at", json!("2026-05-19T11:59:00+00:00"))),
        ("a braced uuid", with(payload(), "id", json!("{1b4e28ba-2fa1-11d2-883f-0016d3cca427}"))),
        ("an unhyphenated uuid", with(payload(), "id", json!("1b4e28ba2fa111d2883f0016d3cca427"))),
        ("an email without a dot in its domain", with(payload(), "email", json!("user@localhost"))),
        ("a relative url", with(payload(), "homepage", json!("/a/b"))),
        ("a string over its maximum", with(payload(), "code", json!("abcde"))),
        ("a string under its minimum", with(payload(), "code", json!("a"))),
        ("a record that is null", with(payload(), "extra", Value::Null)),
        ("a record that is an array", with(payload(), "extra", json!([]))),
        ("a required field that is null", with(payload(), "text", Value::Null)),
        ("an array item that is null", with(payload(), "sizes", json!(["s", null]))),
        ("an enum array item outside the values", with(payload(), "sizes", json!(["xxl"]))),
        ("an inner array that is not an array", with(payload(), "matrix", json!([1]))),
        ("an inner array item that is a string", with(payload(), "matrix", json!([[1], [2, "3", 4.5]]))),
        (
            "a nested struct's field in the second item",
            with(payload(), "items", json!([{"sku": "A-1", "quantity": 2}, {"sku": 7, "quantity": "1", "tags": [1]}])),
        ),
        ("a nested struct that is missing a field", with(payload(), "address", json!({"zip": "69001"}))),
        ("an optional nested struct's field", with(payload(), "parent", json!({"id": "not-a-uuid"}))),
        (
            "an optional string over its maximum",
            with(payload(), "address", json!({"city": "Lyon", "zip": "x".repeat(11)})),
        ),
        ("an optional boolean that is a string", with(payload(), "x-weird-key", json!("true"))),
        ("a missing required field", {
            let mut value = payload();
            value.as_object_mut().unwrap().remove("items");
            value
        }),
        ("a missing envelope field", {
            let mut value = payload();
            value.as_object_mut().unwrap().remove("brandId");
            value
        }),
    ];
    for (what, value) in cases {
        let invalid = schema.validate(&value).expect_err(&format!("validation accepts {what}"));
        assert!(decode(&value).is_err(), "serde accepts {what}");
        assert_eq!(KitchenSink::from_json_value(&value).err().as_ref(), Some(&invalid), "typed decoding of {what}");
        // The text's one reading (the codecs, then the parse-driven check from the refusal on)
        // reports the issues the check reports on its own, in the same order.
        let text = value.to_string();
        assert_eq!(schema.check_slice(text.as_bytes()).err().as_ref(), Some(&invalid), "check_slice of {what}");
        assert_eq!(KitchenSink::from_json_slice(text.as_bytes()).err(), Some(invalid), "from_json_slice of {what}");
    }
    // Four UTF-16 code units, as JavaScript counts them: one astral character counts twice.
    let astral = with(payload(), "code", json!("a😀b"));
    assert!(schema.validate(&astral).is_ok());
    assert!(decode(&astral).is_ok());
    let too_long = with(payload(), "code", json!("ab😀c"));
    assert!(schema.validate(&too_long).is_err());
    assert!(decode(&too_long).is_err());
}

#[test]
fn typed_decoding_accepts_what_validation_accepts() {
    let schema = KitchenSink::schema();
    for (what, value) in [
        ("an integer written 1.0", with(payload(), "count", json!(1.0))),
        (
            "an integer written 1e3",
            serde_json::from_str(&payload().to_string().replace("\"count\":3", "\"count\":1e3")).unwrap(),
        ),
        ("a negative integer", with(payload(), "count", json!(-7))),
        ("a number without fraction", with(payload(), "ratio", json!(2))),
        ("a datetime without seconds", with(payload(), "at", json!("2026-05-19T11:59Z"))),
        ("an unknown key", with(payload(), "unexpected", json!({"anything": [1]}))),
        ("an empty record", with(payload(), "extra", json!({}))),
        ("an uppercase uuid", with(payload(), "id", json!("1B4E28BA-2FA1-11D2-883F-0016D3CCA427"))),
    ] {
        assert!(schema.validate(&value).is_ok(), "validation refuses {what}");
        assert!(decode(&value).is_ok(), "serde refuses {what}");
        let text = value.to_string();
        assert_eq!(schema.check_slice(text.as_bytes()), Ok(()), "check_slice refuses {what}");
        assert!(KitchenSink::from_json_slice(text.as_bytes()).is_ok(), "from_json_slice refuses {what}");
    }
    let sink = decode(&with(payload(), "count", json!(1.0))).unwrap();
    assert_eq!(sink.count, 1);
    let text = payload().to_string().replace("\"count\":3", "\"count\":1e3");
    assert_eq!(serde_json::from_str::<KitchenSink>(&text).unwrap().count, 1000);
    // Unknown keys are dropped, as the platform strips them.
    let sink = decode(&with(payload(), "unexpected", json!(1))).unwrap();
    assert_eq!(sink.to_payload().get("unexpected"), None);
    // A canonical spelling is written back.
    let sink = decode(&with(payload(), "id", json!("1B4E28BA-2FA1-11D2-883F-0016D3CCA427"))).unwrap();
    assert_eq!(sink.to_payload()["id"], "1b4e28ba-2fa1-11d2-883f-0016d3cca427");
}

#[test]
fn a_repeated_key_keeps_its_last_value_as_json_parse_does() {
    let appended = |extra: &str| {
        let text = payload().to_string();
        format!("{},{extra}}}", &text[..text.len() - 1])
    };
    let text = appended(r#""count": 1, "note": "first", "count": 2, "note": null"#);
    let sink: KitchenSink = serde_json::from_str(&text).unwrap();
    assert_eq!((sink.count, sink.note), (2, None));
    // When an earlier value is invalid, plain serde refuses; the `Event` decoder, which falls back
    // to the platform's view of the document, keeps the last value as the platform does.
    let text = payload().to_string().replacen('{', r#"{"channel": "nope","#, 1);
    assert!(serde_json::from_str::<KitchenSink>(&text).is_err());
    assert_eq!(KitchenSink::from_json_slice(text.as_bytes()).unwrap().channel, Channel::InStore);
}

#[test]
fn invalid_payloads_get_the_platforms_issues() {
    let err = KitchenSink::from_json_value(&with(payload(), "count", json!(1.5))).unwrap_err();
    let issues: Vec<(&str, &str)> = err.issues().iter().map(|i| (i.path.as_str(), i.code.as_str())).collect();
    assert_eq!(issues, [("count", "invalid_type")]);
    let err = KitchenSink::from_json_slice(br#"{"items": [{"quantity": 1}]}"#).unwrap_err();
    assert_eq!(err.issues()[0].path, "eventId");
    assert!(err.issues().iter().any(|i| i.path == "items.0.sku"));
}

#[test]
fn generated_enums() {
    assert_eq!(Channel::ALL, [Channel::Web, Channel::Pos, Channel::InStore]);
    assert_eq!(Channel::InStore.as_str(), "in_store");
    assert_eq!(Channel::InStore.to_string(), "in_store");
    assert_eq!("pos".parse::<Channel>(), Ok(Channel::Pos));
    assert_eq!(
        "Pos".parse::<Channel>(),
        Err("Invalid enum value. Expected 'web' | 'pos' | 'in_store', received 'Pos'".to_owned())
    );
    assert_eq!(serde_json::to_value(Size::Xl).unwrap(), json!("xl"));
    assert_eq!(serde_json::from_value::<Size>(json!("m")).unwrap(), Size::M);
    for refused in [json!({"m": null}), json!("M"), json!(null), json!(["m"]), json!(1)] {
        assert!(serde_json::from_value::<Size>(refused.clone()).is_err(), "{refused}");
    }
    let set: std::collections::HashSet<Size> = Size::ALL.iter().copied().collect();
    assert_eq!(set.len(), 3);
}

#[test]
fn nested_structs_are_strict_on_their_own() {
    assert_eq!(
        serde_json::from_value::<Item>(json!({"sku": "a", "quantity": 1.0, "x": 1})).unwrap(),
        Item { sku: "a".into(), quantity: 1, tags: None }
    );
    assert!(serde_json::from_value::<Item>(json!(["a", 1])).is_err());
    assert!(serde_json::from_value::<Item>(json!({"sku": "a"})).is_err());
    assert!(serde_json::from_value::<Item>(json!({"sku": "a", "quantity": 1, "tags": [null]})).is_err());
}

#[test]
fn schemars_produces_the_events_json_schema() {
    let schema = schemars::schema_for!(KitchenSink);
    let value = serde_json::to_value(&schema).unwrap();
    assert_eq!(value["type"], "object");
    assert_eq!(value["required"][0], "eventId");
    assert!(value["properties"]["x-weird-key"].is_object(), "{value}");
    assert_eq!(value["description"], "Every type the macro can declare.\n\nA second paragraph.");
    assert_eq!(<KitchenSink as schemars::JsonSchema>::schema_id(), "kitchen.sink_tested.v2");

    // Embedded in another document, the event keeps its keywords.
    #[derive(schemars::JsonSchema)]
    #[allow(dead_code)]
    struct Batch {
        events: Vec<KitchenSink>,
        later: Vec<KitchenSinkV3>,
    }
    let batch = serde_json::to_value(schemars::schema_for!(Batch)).unwrap();
    assert!(batch.to_string().contains("x-weird-key"), "{batch}");
}

#[test]
fn validator_validate_checks_events_built_in_rust() {
    use validator::Validate;

    let mut sink = decode(&payload()).unwrap();
    assert!(sink.validate().is_ok());
    sink.code = "far too long".into();
    sink.items[0].sku = String::new();
    sink.count = 4;
    let errors = sink.validate().unwrap_err();
    let fields = errors.field_errors();
    assert_eq!(fields["code"][0].code, "too_big");
    assert!(!fields.contains_key("items"), "an empty sku is a valid string");
    assert!(sink.validate_payload().is_err());

    sink.code = "ok".into();
    sink.occurred_at = Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap();
    assert!(sink.validate().unwrap_err().field_errors().contains_key("occurredAt"));
}

#[test]
fn events_are_built_in_rust_and_serialized_for_the_platform() {
    let event = KitchenSinkV3 {
        event_id: EVENT_ID.parse().unwrap(),
        occurred_at: Utc.with_ymd_and_hms(2026, 5, 19, 12, 0, 0).unwrap(),
        brand_id: BRAND_ID.parse().unwrap(),
        text: "hi".into(),
    };
    assert_eq!(event.event_id(), EVENT_ID.parse::<Uuid>().unwrap());
    assert_eq!(event.brand_id(), BRAND_ID.parse::<Uuid>().unwrap());
    assert_eq!(event.occurred_at(), event.occurred_at);
    assert_eq!(
        event.to_payload(),
        json!({"eventId": EVENT_ID, "occurredAt": "2026-05-19T12:00:00Z", "brandId": BRAND_ID, "text": "hi"})
    );
    assert!(KitchenSinkV3::schema().validate(&event.to_payload()).is_ok());
}

mod naming {
    use super::*;

    loop_contracts::event! {
        // No visibility: the struct and its nested types are private to this module.
        #[event("naming.rules_checked.v1")]
        struct NamingRules {
            self: string,
            "3ds"?: boolean,
            r#gen?: integer,
            r#match?: string,
            HTMLBody?: string,
            state: enum State { "in-progress", "2fa", "done" },
        }
    }

    #[test]
    fn wire_names_become_rust_names() {
        let value = json!({
            "eventId": EVENT_ID, "occurredAt": "2026-05-19T12:00:00Z", "brandId": BRAND_ID,
            "self": "me", "3ds": true, "gen": 1, "match": "m", "HTMLBody": "<p>", "state": "2fa",
        });
        let rules: NamingRules = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(rules.self_, "me");
        assert_eq!(rules._3ds, Some(true));
        assert_eq!(rules.r#gen, Some(1));
        assert_eq!(rules.r#match.as_deref(), Some("m"));
        assert_eq!(rules.html_body.as_deref(), Some("<p>"));
        assert_eq!(rules.state, State::V2fa);
        assert_eq!(State::ALL, [State::InProgress, State::V2fa, State::Done]);
        assert_eq!(rules.to_payload(), value);
    }
}

#[test]
fn a_number_json_cannot_hold_is_refused_not_written_as_null() {
    use suite::meter::MeterRead;
    let good = json!({"eventId": EVENT_ID, "occurredAt": "2026-05-19T12:00:00Z", "brandId": BRAND_ID, "value": 1.5});
    let mut read = MeterRead::from_json_value(&good).unwrap();
    assert!(read.validate_payload().is_ok());
    for (value, note, shown) in [
        (f64::NAN, None, "NaN"),
        (f64::INFINITY, None, "inf"),
        // An optional field would have been dropped without a word as `null`.
        (1.5, Some(f64::NEG_INFINITY), "-inf"),
    ] {
        (read.value, read.note) = (value, note);
        let err = read.validate_payload().unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "MALFORMED_REQUEST: the event does not serialize: a `number` field holds {shown}, which JSON cannot represent"
            )
        );
        assert!(serde_json::to_string(&read).is_err());
        assert_eq!(read.to_payload(), Value::Null);
    }
}
