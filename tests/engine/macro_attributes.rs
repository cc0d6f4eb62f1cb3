//! The user's own attributes on an `event!` definition, as a dependent crate writes them: derives
//! and attributes pass through to the event's struct, its fields, and the nested objects and enums
//! (written before `object`/`enum`), and the wire form stays the declaration's.

use std::collections::{BTreeSet, HashSet};

use loop_contracts::Event;
use serde_json::{json, Value};
use strum::{EnumCount, IntoEnumIterator};

mod defs {
    loop_contracts::event! {
        /// A lead, attributed to its source.
        #[event("lead.attributed.v1")]
        #[derive(Eq, Hash)]
        #[cfg_attr(all(), derive(PartialOrd, Ord))]
        #[must_use]
        pub struct LeadAttributed {
            email: email,
            /// The campaign.
            #[doc(alias = "utm")]
            campaign?: string(max = 64),
            attempts: integer,
            subscribed: boolean,
            tags: array<string>,
            source: #[derive(PartialOrd, Ord, strum::EnumIter, strum::EnumCount)] enum LeadSource {
                "vsl_form", "web", "pos"
            },
            address?:
                /// Where the lead lives.
                #[derive(Eq, Hash, PartialOrd, Ord, schemars::JsonSchema)]
                #[serde(rename_all = "camelCase")]
                object PostalAddress {
                    city: string,
                    postalCode?: string,
                    #[schemars(length(min = 2, max = 2))]
                    countryCode: string(min = 2, max = 2),
                },
        }
    }
}

use defs::*;

fn payload(email: &str) -> Value {
    json!({
        "eventId": "550e8400-e29b-41d4-a716-446655440000",
        "occurredAt": "2026-05-19T12:00:00Z",
        "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e",
        "email": email,
        "campaign": "spring",
        "attempts": 2,
        "subscribed": true,
        "tags": ["a", "b"],
        "source": "vsl_form",
        "address": {"city": "Lyon", "postalCode": "69001", "countryCode": "FR"},
    })
}

fn decode(value: &Value) -> LeadAttributed {
    serde_json::from_value(value.clone()).unwrap()
}

#[test]
fn events_hash_and_order_as_the_users_derives_say() {
    let (a, b) = (decode(&payload("a@example.com")), decode(&payload("b@example.com")));
    let set: HashSet<LeadAttributed> = [a.clone(), b.clone(), a.clone()].into_iter().collect();
    assert_eq!(set.len(), 2, "`Hash` and `Eq` from the user's derive, `PartialEq` from the macro's");
    let ordered: BTreeSet<LeadAttributed> = [b.clone(), a.clone()].into_iter().collect();
    assert_eq!(ordered.into_iter().collect::<Vec<_>>(), [a.clone(), b], "`Ord` through `cfg_attr`");
    let address = a.address.unwrap();
    assert!(HashSet::from([address.clone()]).contains(&address));
}

#[test]
fn the_wire_form_is_still_the_declarations() {
    let value = payload("a@example.com");
    let lead = decode(&value);
    assert_eq!(serde_json::to_value(&lead).unwrap(), value);
    assert_eq!(LeadAttributed::NAME, "lead.attributed.v1");
    assert_eq!(LeadAttributed::schema().description(), Some("A lead, attributed to its source."));
    // The nested object's doc comment documents the Rust type only: the schema describes fields.
    let address = LeadAttributed::schema().fields().iter().find(|f| f.name == "address").unwrap();
    assert_eq!(address.description, None);
}

#[test]
fn a_third_party_derive_on_a_nested_object_sees_the_wire_names() {
    let schema = serde_json::to_value(schemars::schema_for!(PostalAddress)).unwrap();
    let properties = schema["properties"].as_object().unwrap();
    assert_eq!(properties.keys().collect::<Vec<_>>(), ["city", "countryCode", "postalCode"]);
    assert_eq!(schema["required"], json!(["city", "countryCode"]));
    // A field's own attribute (the derive's helper) reached the struct field.
    assert_eq!(
        (&properties["countryCode"]["minLength"], &properties["countryCode"]["maxLength"]),
        (&json!(2), &json!(2))
    );
    // The doc comment before `object`, then the macro's note.
    assert_eq!(
        schema["description"],
        "Where the lead lives.\n\nThe `address` object of the `lead.attributed.v1` event."
    );
}

#[test]
fn a_third_party_derive_on_a_nested_enum_sees_its_variants() {
    assert_eq!(LeadSource::iter().collect::<Vec<_>>(), LeadSource::ALL);
    assert_eq!(LeadSource::COUNT, 3);
    assert!(LeadSource::VslForm < LeadSource::Pos, "`Ord` in declaration order");
}
