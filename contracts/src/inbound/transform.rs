//! What every transform produces and shares: the candidate event, its validation, the inbound
//! layer's error, and the conversions vendors' payloads need (UTC times, derived event ids).

use std::fmt;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::catalog::Catalog;
use crate::issue::{ErrorCode, ValidationError};
use crate::schema::EventName;

use super::signature::SignatureError;

/// The namespace of the name-based (v5) UUIDs derived for `eventId`: the same provider identity
/// always gives the same event id, so a redelivered webhook is deduplicated by the platform.
pub const EVENT_ID_NAMESPACE: Uuid = Uuid::from_u128(0x6c6f_6f70_2d63_6f6e_7472_6163_7473_0001);

/// The event id derived from a provider identity, e.g. `shopify:order:820982911946154508`.
///
/// ```
/// use loop_contracts::inbound::derive_event_id;
/// assert_eq!(derive_event_id("shopify:order:1"), derive_event_id("shopify:order:1"));
/// assert_ne!(derive_event_id("shopify:order:1"), derive_event_id("shopify:order:2"));
/// ```
pub fn derive_event_id(identity: &str) -> Uuid {
    Uuid::new_v5(&EVENT_ID_NAMESPACE, identity.as_bytes())
}

/// A provider time as the platform wants it: UTC, ending in `Z`. Accepts RFC 3339 with any
/// offset (`2021-12-31T19:00:00-05:00`); `None` for anything else.
///
/// ```
/// use loop_contracts::inbound::utc_time;
/// assert_eq!(utc_time("2021-12-31T19:00:00-05:00").as_deref(), Some("2022-01-01T00:00:00Z"));
/// assert_eq!(utc_time("2020-11-23T17:51:18.327602Z").as_deref(), Some("2020-11-23T17:51:18.327602Z"));
/// assert_eq!(utc_time("yesterday"), None);
/// ```
pub fn utc_time(text: &str) -> Option<String> {
    let parsed = DateTime::parse_from_rfc3339(text.trim()).ok()?;
    Some(crate::format::format_datetime(&parsed.with_timezone(&Utc)))
}

/// Unix seconds as a UTC time ending in `Z`.
pub fn utc_from_unix(seconds: i64) -> Option<String> {
    DateTime::<Utc>::from_timestamp(seconds, 0).map(|t| crate::format::format_datetime(&t))
}

/// The integration's configuration a transform may draw on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransformContext {
    /// The brand the integration (its API key) belongs to: the event's `brandId` unless the
    /// payload carries one.
    pub brand_id: Option<Uuid>,
}

impl TransformContext {
    /// A context for this brand.
    pub fn for_brand(brand_id: Uuid) -> Self {
        TransformContext { brand_id: Some(brand_id) }
    }
}

/// A payload a transform built, not yet validated. A host may enrich it (BigCommerce sends
/// little more than an id: look the order up and [`set`](Candidate::set) its email) before
/// [`validate`](Candidate::validate) turns it into an [`InboundEvent`].
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    event: EventName,
    payload: Map<String, Value>,
    /// Per field: where its value came from, for issues.
    sources: Vec<(String, String)>,
    delivery_id: Option<String>,
}

impl Candidate {
    /// A candidate for the named event.
    pub fn new(event: EventName) -> Self {
        Candidate { event, payload: Map::new(), sources: Vec::new(), delivery_id: None }
    }

    /// The event name.
    pub fn event(&self) -> &EventName {
        &self.event
    }

    /// The payload so far.
    pub fn payload(&self) -> &Map<String, Value> {
        &self.payload
    }

    /// Sets a field (replacing any value the transform found).
    pub fn set(&mut self, field: &str, value: Value) -> &mut Self {
        self.payload.insert(field.to_owned(), value);
        self
    }

    /// Sets a field only when it has no value yet.
    pub fn set_if_absent(&mut self, field: &str, value: Value) -> &mut Self {
        if self.payload.get(field).is_none_or(Value::is_null) {
            self.payload.insert(field.to_owned(), value);
        }
        self
    }

    /// Sets a field to a string when there is one (vendors send `""` and `null` for "none").
    pub(crate) fn set_text(&mut self, field: &str, value: Option<&str>) {
        if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
            self.payload.insert(field.to_owned(), Value::String(v.to_owned()));
        }
    }

    /// Records where a field's value came from (shown in issues about that field).
    pub fn note_source(&mut self, field: &str, source: impl Into<String>) {
        self.sources.push((field.to_owned(), source.into()));
    }

    /// The provider's delivery identity, for deduplicating deliveries.
    pub fn delivery_id(&self) -> Option<&str> {
        self.delivery_id.as_deref()
    }

    /// Sets the provider's delivery identity.
    pub fn set_delivery_id(&mut self, id: impl Into<String>) {
        self.delivery_id = Some(id.into());
    }

    /// Fills `brandId` from the configuration when the payload did not carry one.
    pub(crate) fn apply_context(&mut self, context: &TransformContext) {
        if let Some(brand) = context.brand_id {
            if self.payload.get("brandId").is_none_or(Value::is_null) {
                self.payload.insert("brandId".to_owned(), Value::String(brand.to_string()));
                self.sources.retain(|(f, _)| f != "brandId");
                self.note_source("brandId", "the integration's configured brand");
            }
        }
    }

    /// Validates against the built-in catalog.
    pub fn validate(self) -> Result<InboundEvent, InboundError> {
        self.validate_in(crate::catalog())
    }

    /// Validates against a catalog: the event, or every issue (each naming where its value came
    /// from).
    pub fn validate_in(self, catalog: &Catalog) -> Result<InboundEvent, InboundError> {
        let schema = catalog
            .get(self.event.as_str())
            .ok_or_else(|| InboundError::Invalid(ValidationError::unknown_event(self.event.as_str())))?;
        let payload = Value::Object(self.payload);
        match schema.validate_owned(payload) {
            Ok(payload) => {
                let event_id = payload.get("eventId").and_then(Value::as_str).and_then(crate::format::parse_uuid);
                Ok(InboundEvent {
                    event: self.event,
                    event_id: event_id.unwrap_or_default(),
                    payload,
                    delivery_id: self.delivery_id,
                })
            }
            Err(err) => {
                let mut issues = err.into_issues();
                for issue in &mut issues {
                    let field = issue.path.split('.').next().unwrap_or_default();
                    if let Some((_, source)) = self.sources.iter().rev().find(|(f, _)| f == field) {
                        issue.source = Some(source.clone());
                    }
                }
                Err(InboundError::Invalid(ValidationError::from_issues(issues)))
            }
        }
    }
}

/// A webhook turned into a valid event.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundEvent {
    /// The event name.
    pub event: EventName,
    /// The validated payload.
    pub payload: Value,
    /// The payload's `eventId` (derived from the provider's identity by built-in transforms).
    pub event_id: Uuid,
    /// The provider's delivery identity (e.g. `X-Shopify-Webhook-Id`), when it sent one.
    pub delivery_id: Option<String>,
}

impl InboundEvent {
    /// The request body of `POST /api/events`: `{"event": ..., "payload": ...}`.
    pub fn to_request_body(&self) -> Value {
        serde_json::json!({"event": self.event.as_str(), "payload": self.payload})
    }
}

/// The inbound layer's error. Each maps to the platform's HTTP status and error code.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum InboundError {
    /// The signature is missing, malformed, wrong or stale (401).
    #[error("webhook signature rejected: {0}")]
    Signature(#[from] SignatureError),
    /// The body is not JSON, or not of the shape the vendor sends for this topic (400).
    #[error("malformed webhook body: {0}")]
    Malformed(String),
    /// The source does not send this topic, or it has no transform (422).
    #[error("unsupported topic {topic:?} for source `{source_name}`{hint}")]
    UnsupportedTopic {
        /// The source.
        source_name: String,
        /// The topic asked for.
        topic: String,
        /// A hint (the supported topics).
        hint: String,
    },
    /// No webhook is declared at this path (404).
    #[error("no webhook is declared at {0:?}")]
    UnknownRoute(String),
    /// The transformed payload is not a valid event (422), with every issue.
    #[error("{0}")]
    Invalid(ValidationError),
}

impl InboundError {
    /// The HTTP status the platform answers with.
    pub fn http_status(&self) -> u16 {
        match self {
            InboundError::Signature(_) => 401,
            InboundError::Malformed(_) => 400,
            InboundError::UnsupportedTopic { .. } | InboundError::Invalid(_) => 422,
            InboundError::UnknownRoute(_) => 404,
        }
    }

    /// The error in the platform's error-response form.
    pub fn to_validation_error(&self) -> ValidationError {
        match self {
            InboundError::Invalid(e) => e.clone(),
            InboundError::Signature(e) => ValidationError::with_code(ErrorCode::Unauthorized, e.to_string(), vec![]),
            InboundError::Malformed(m) => ValidationError::malformed(m.clone()),
            InboundError::UnsupportedTopic { .. } | InboundError::UnknownRoute(_) => {
                ValidationError::with_code(ErrorCode::UnknownEvent, self.to_string(), vec![])
            }
        }
    }

    pub(crate) fn malformed(context: impl fmt::Display, error: impl fmt::Display) -> Self {
        InboundError::Malformed(format!("{context}: {error}"))
    }
}

impl From<ValidationError> for InboundError {
    fn from(e: ValidationError) -> Self {
        InboundError::Invalid(e)
    }
}

/// An issue-friendly description of what a JSONPath matched.
pub(crate) fn describe_match(path: &str, found: Option<&Value>) -> String {
    match found {
        None => format!("`{path}` matched nothing"),
        Some(v) => {
            let kind = match v {
                Value::Null => "null",
                Value::Bool(_) => "a boolean",
                Value::Number(_) => "a number",
                Value::String(_) => "a string",
                Value::Array(_) => "an array",
                Value::Object(_) => "an object",
            };
            format!("from `{path}` ({kind})")
        }
    }
}
