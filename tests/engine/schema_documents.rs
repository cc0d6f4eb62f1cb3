//! The committed documents in `schemas/` are exactly what the catalog produces, and
//! `lead.captured.v1` is the platform's published discovery document.

use loop_contracts::{build, catalog};
use serde_json::json;

const REGENERATE: &str = "cargo run -p loop-contracts-cli -- schema --export schemas";

#[test]
fn committed_schema_documents_are_up_to_date() {
    let dir = suite::workspace_root().join("schemas");
    if std::env::var_os("LOOP_CONTRACTS_BLESS").is_some() {
        build::write_documents(&dir, catalog().iter()).expect("write schemas/");
    }
    let stale = build::stale_documents(&dir, catalog().iter());
    assert!(
        stale.is_empty(),
        "schemas/ is stale ({} file(s) missing or different: {}).\nRegenerate with `{REGENERATE}` \
         (or LOOP_CONTRACTS_BLESS=1 cargo test --test engine schema_documents) and commit the result.",
        stale.len(),
        stale.join(", ")
    );
    let expected = catalog().len() * 2;
    let present = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "json"))
        .count();
    assert_eq!(present, expected, "schemas/ holds documents of events no longer in the catalog; delete them");
}

#[test]
fn lead_captured_discovery_document_is_the_published_one() {
    let published = json!({
        "name": "lead.captured.v1",
        "fields": {
            "eventId": { "type": "uuid", "required": true },
            "occurredAt": { "type": "datetime", "required": true },
            "brandId": { "type": "uuid", "required": true },
            "email": { "type": "email", "required": true },
            "source": { "type": "enum", "values": ["vsl_form", "quiz_completion", "inbound_lead", "other"], "required": true },
            "attribution": { "type": "object", "required": true },
            "personId": { "type": "uuid", "required": false }
        }
    });
    let schema = catalog().get("lead.captured.v1").unwrap();
    assert_eq!(schema.to_discovery_value(), published);
    let committed =
        std::fs::read_to_string(suite::workspace_root().join("schemas/lead.captured.v1.fields.json")).unwrap();
    let committed: serde_json::Value = serde_json::from_str(&committed).unwrap();
    assert_eq!(committed, published);
}

#[test]
fn discovery_documents_keep_definition_order_and_parse_back_to_the_same_schema() {
    for schema in catalog().iter() {
        let text = schema.to_discovery_json();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name.as_str()).collect();
        // Each top-level field appears after the previous one (searching on from there).
        let mut from = text.find("\"fields\"").unwrap();
        for name in &names {
            let at = text[from..].find(&format!("\"{name}\":"));
            assert!(at.is_some(), "{}: field {name} out of order", schema.name());
            from += at.unwrap();
        }
        assert_eq!(&names[..3], ["eventId", "occurredAt", "brandId"], "{}: envelope first", schema.name());
        let parsed = loop_contracts::EventSchema::from_discovery_str(&text).unwrap();
        // Descriptions are not part of the discovery document; everything else round-trips.
        assert_eq!(parsed.to_discovery_json(), text);
        assert_eq!(parsed.fields().len(), schema.fields().len());
    }
}
