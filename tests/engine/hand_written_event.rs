//! An `Event` implemented by hand, without `event!`: the provided `from_json_slice` reads the text
//! with the type's own `Deserialize`, then with the parse-driven check for the issues, and takes
//! the document route for what neither settles.

use chrono::{DateTime, Utc};
use loop_contracts::codec::{Codec, DatetimeCodec, Nullish, RecordCodec, UuidCodec};
use loop_contracts::{catalog, ErrorCode, Event, EventSchema, IssueCode};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

/// `lead.captured.v1` written by hand. Its `source` knows three of the schema's four values, so
/// the schema accepts a payload this type cannot hold (`"other"`). Its `email` (a `String`) and
/// `source` (serde's derive) are looser than the schema: the provided decoding trusts a type's
/// `Deserialize` when it succeeds, which is why `event!` generates strict ones.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct HandLead {
    #[serde(deserialize_with = "UuidCodec::decode", serialize_with = "UuidCodec::encode")]
    event_id: Uuid,
    #[serde(deserialize_with = "DatetimeCodec::decode", serialize_with = "DatetimeCodec::encode")]
    occurred_at: DateTime<Utc>,
    #[serde(deserialize_with = "UuidCodec::decode", serialize_with = "UuidCodec::encode")]
    brand_id: Uuid,
    email: String,
    source: Source,
    #[serde(deserialize_with = "RecordCodec::decode", serialize_with = "RecordCodec::encode")]
    attribution: Map<String, Value>,
    #[serde(
        default,
        deserialize_with = "Nullish::<UuidCodec>::decode",
        serialize_with = "Nullish::<UuidCodec>::encode"
    )]
    person_id: Option<Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Source {
    VslForm,
    QuizCompletion,
    InboundLead,
}

impl Event for HandLead {
    const NAME: &'static str = "lead.captured.v1";
    const VERSION: u32 = 1;

    fn schema() -> &'static EventSchema {
        catalog().get(Self::NAME).expect("lead.captured.v1 is in the catalog")
    }

    fn event_id(&self) -> Uuid {
        self.event_id
    }

    fn occurred_at(&self) -> DateTime<Utc> {
        self.occurred_at
    }

    fn brand_id(&self) -> Uuid {
        self.brand_id
    }
}

const VALID: &str = r#"{"eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    "source": "inbound_lead", "attribution": {"utm_source": "newsletter"}, "personId": null}"#;

#[test]
fn a_valid_payload_decodes() {
    let lead = HandLead::from_json_slice(VALID.as_bytes()).unwrap();
    assert_eq!(lead.event_id().to_string(), "550e8400-e29b-41d4-a716-446655440000");
    assert_eq!(lead.source, Source::InboundLead);
    assert_eq!(lead.attribution["utm_source"], "newsletter");
    assert_eq!(lead.person_id, None);
    assert!(lead.validate_payload().is_ok());
}

#[test]
fn an_invalid_payload_gets_the_issues_of_the_check() {
    let text = r#"{"eventId": "550e8400e29b41d4a716446655440000", "occurredAt": "2026-05-19T12:00:00+02:00",
        "brandId": "brand-uuid", "email": "user@localhost", "source": "Inbound_Lead", "attribution": [],
        "personId": 42}"#;
    let err = HandLead::from_json_slice(text.as_bytes()).unwrap_err();
    assert_eq!(Err(&err), HandLead::schema().check_slice(text.as_bytes()).as_ref());
    let paths: Vec<&str> = err.issues().iter().map(|i| i.path.as_str()).collect();
    assert_eq!(paths, ["eventId", "occurredAt", "brandId", "email", "source", "attribution", "personId"]);
}

#[test]
fn a_valid_payload_the_type_cannot_hold_is_refused_as_not_representable() {
    let text = VALID.replace("inbound_lead", "other");
    assert_eq!(HandLead::schema().check_slice(text.as_bytes()), Ok(()));
    let err = HandLead::from_json_slice(text.as_bytes()).unwrap_err();
    assert_eq!(err.issues().len(), 1, "{err:?}");
    let issue = &err.issues()[0];
    assert_eq!((issue.path.as_str(), issue.code), ("", IssueCode::Custom));
    assert!(issue.message.starts_with("valid payload not representable as lead.captured.v1: "), "{}", issue.message);
}

#[test]
fn text_that_is_not_json_is_malformed() {
    for text in [&VALID[..VALID.len() - 1], "{\"eventId\": 1,}", "not json", ""] {
        let err = HandLead::from_json_slice(text.as_bytes()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::MalformedRequest, "{text}");
        assert!(err.message().starts_with("malformed JSON: "), "{}", err.message());
    }
}
