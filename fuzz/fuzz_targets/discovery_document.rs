//! A discovery document read at run time, then a payload validated against it.
//!
//! Input: the document's bytes, a zero byte, the payload's bytes.
//!
//! Properties: reading never panics; a document that reads, and is JSON, also reads as a `Value`; writing it
//! back and reading that again is stable; its JSON Schema is emitted and is JSON; validating a
//! payload never panics, the verdict agrees between `validate`, `validate_owned`, `check`,
//! `is_valid` and `issues`, a refused payload has issues, and an accepted one validates again.

#![no_main]

use libfuzzer_sys::fuzz_target;
use loop_contracts::{EventSchema, Field, FieldType};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let (document, payload) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &b"{}"[..]),
    };
    let Ok(schema) = EventSchema::from_discovery_slice(document) else { return };

    // Keys the reader does not know are skipped unread, so a document that reads need not be JSON
    // throughout (an unknown key's value may hold invalid UTF-8); when it is, it reads as a `Value`.
    if let Ok(as_value) = serde_json::from_slice::<Value>(document) {
        assert!(EventSchema::from_discovery_value(&as_value).is_ok(), "reads from text but not from a Value");
    }

    let written = schema.to_discovery_json();
    let reread = EventSchema::from_discovery_str(&written).expect("a written document reads back");
    assert_eq!(reread.to_discovery_json(), written, "writing is not stable");
    assert_eq!(reread.fields(), undocumented(schema.fields()), "reading back changes the fields");

    let json_schema = schema.to_json_schema_string();
    let emitted: Value = serde_json::from_str(&json_schema).expect("the JSON Schema is JSON");
    assert_eq!(emitted, schema.to_json_schema());

    let Ok(payload) = serde_json::from_slice::<Value>(payload) else { return };
    let verdict = schema.validate(&payload);
    assert_eq!(verdict.is_ok(), schema.is_valid(&payload));
    assert_eq!(verdict.is_ok(), schema.issues(&payload).is_empty());
    assert_eq!(verdict.is_ok(), schema.check(&payload).is_ok());
    assert_eq!(schema.validate_owned(payload.clone()), verdict);
    assert_eq!(reread.validate(&payload), verdict, "the re-read schema judges differently");
    match verdict {
        Ok(validated) => assert_eq!(schema.validate(&validated).as_ref(), Ok(&validated)),
        Err(err) => assert!(!err.issues().is_empty()),
    }
});

/// The fields as the discovery document carries them: descriptions are not written.
fn undocumented(fields: &[Field]) -> Vec<Field> {
    fields
        .iter()
        .map(|field| {
            let mut field = field.clone();
            field.description = None;
            field.ty = undocumented_type(&field.ty);
            field
        })
        .collect()
}

fn undocumented_type(ty: &FieldType) -> FieldType {
    match ty {
        FieldType::Object(fields) => FieldType::Object(undocumented(fields)),
        FieldType::Array(items) => FieldType::Array(Box::new(undocumented_type(items))),
        other => other.clone(),
    }
}
