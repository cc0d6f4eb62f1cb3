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
///
/// ```
/// use loop_contracts::inbound::utc_from_unix;
/// assert_eq!(utc_from_unix(1_764_233_400).as_deref(), Some("2025-11-27T08:50:00Z"));
/// assert_eq!(utc_from_unix(i64::MAX), None);
/// ```
pub fn utc_from_unix(seconds: i64) -> Option<String> {
    DateTime::<Utc>::from_timestamp(seconds, 0).map(|t| crate::format::format_datetime(&t))
}

/// The integration's configuration a transform may draw on.
///
/// ```
/// use loop_contracts::inbound::TransformContext;
///
/// // Without a brand, `brandId` must come from the payload itself.
/// assert_eq!(TransformContext::default().brand_id, None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransformContext {
    /// The brand the integration (its API key) belongs to: the event's `brandId` unless the
    /// payload carries one.
    pub brand_id: Option<Uuid>,
}

impl TransformContext {
    /// A context for this brand.
    ///
    /// ```
    /// use loop_contracts::inbound::TransformContext;
    ///
    /// let brand = "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e".parse()?;
    /// assert_eq!(TransformContext::for_brand(brand).brand_id, Some(brand));
    /// # Ok::<(), uuid::Error>(())
    /// ```
    pub fn for_brand(brand_id: Uuid) -> Self {
        TransformContext { brand_id: Some(brand_id) }
    }
}

/// A payload a transform built, not yet validated. A host may enrich it (BigCommerce sends
/// little more than an id: look the order up and [`set`](Candidate::set) its email) before
/// [`validate`](Candidate::validate) turns it into an [`InboundEvent`].
///
/// ```
/// use loop_contracts::inbound::{Intake, Route, Source, TransformContext};
/// use serde_json::json;
///
/// # let brand = "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e".parse()?;
/// let intake = Intake::new(TransformContext::for_brand(brand));
/// let body = br#"{"scope": "store/order/created", "store_id": "1025646", "data": {"id": 250}, "created_at": 1561479335}"#;
/// let route = Route::BuiltIn { source: Source::BigCommerce, topic: None };
/// let mut candidate = intake.candidate(route, &[("Content-Type", "application/json")], body)?;
/// candidate.set("email", json!("buyer@example.com")); // looked up by the order id
/// assert_eq!(candidate.validate()?.payload["orderId"], "250");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
    ///
    /// ```
    /// use loop_contracts::inbound::Candidate;
    ///
    /// let candidate = Candidate::new("lead.captured.v1".parse()?);
    /// assert!(candidate.payload().is_empty());
    /// # Ok::<(), loop_contracts::schema::EventNameError>(())
    /// ```
    pub fn new(event: EventName) -> Self {
        Candidate { event, payload: Map::new(), sources: Vec::new(), delivery_id: None }
    }

    /// The event name.
    ///
    /// ```
    /// # use loop_contracts::inbound::Candidate;
    /// let candidate = Candidate::new("lead.captured.v1".parse()?);
    /// assert_eq!(candidate.event().as_str(), "lead.captured.v1");
    /// # Ok::<(), loop_contracts::schema::EventNameError>(())
    /// ```
    pub fn event(&self) -> &EventName {
        &self.event
    }

    /// The payload so far.
    ///
    /// ```
    /// # use loop_contracts::inbound::Candidate;
    /// # use serde_json::json;
    /// let mut candidate = Candidate::new("lead.captured.v1".parse()?);
    /// candidate.set("email", json!("ana@example.com"));
    /// assert_eq!(candidate.payload().get("email"), Some(&json!("ana@example.com")));
    /// # Ok::<(), loop_contracts::schema::EventNameError>(())
    /// ```
    pub fn payload(&self) -> &Map<String, Value> {
        &self.payload
    }

    /// Sets a field (replacing any value the transform found).
    ///
    /// ```
    /// # use loop_contracts::inbound::Candidate;
    /// # use serde_json::json;
    /// let mut candidate = Candidate::new("lead.captured.v1".parse()?);
    /// candidate.set("source", json!("other")).set("source", json!("quiz_completion"));
    /// assert_eq!(candidate.payload()["source"], "quiz_completion");
    /// # Ok::<(), loop_contracts::schema::EventNameError>(())
    /// ```
    pub fn set(&mut self, field: &str, value: Value) -> &mut Self {
        self.payload.insert(field.to_owned(), value);
        self
    }

    /// Sets a field only when it has no value yet.
    ///
    /// ```
    /// # use loop_contracts::inbound::Candidate;
    /// # use serde_json::json;
    /// let mut candidate = Candidate::new("lead.captured.v1".parse()?);
    /// candidate.set("source", json!("quiz_completion")).set("attribution", json!(null));
    /// candidate.set_if_absent("source", json!("other")).set_if_absent("attribution", json!({}));
    /// assert_eq!(candidate.payload()["source"], "quiz_completion");
    /// assert_eq!(candidate.payload()["attribution"], json!({}), "null counts as absent");
    /// # Ok::<(), loop_contracts::schema::EventNameError>(())
    /// ```
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
    ///
    /// ```
    /// # use loop_contracts::inbound::Candidate;
    /// # use serde_json::json;
    /// # let mut candidate = Candidate::new("lead.captured.v1".parse()?);
    /// # candidate.set("eventId", json!("550e8400-e29b-41d4-a716-446655440000"));
    /// # candidate.set("occurredAt", json!("2026-05-19T12:00:00Z")).set("attribution", json!({}));
    /// # candidate.set("brandId", json!("6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e")).set("source", json!("quiz_completion"));
    /// candidate.set("email", json!("ana at example.com"));
    /// candidate.note_source("email", "from the CRM's contact record");
    /// let err = candidate.validate().unwrap_err().to_validation_error();
    /// assert_eq!(err.issues()[0].source.as_deref(), Some("from the CRM's contact record"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn note_source(&mut self, field: &str, source: impl Into<String>) {
        self.sources.push((field.to_owned(), source.into()));
    }

    /// The provider's delivery identity, for deduplicating deliveries.
    ///
    /// ```
    /// # use loop_contracts::inbound::Candidate;
    /// let mut candidate = Candidate::new("lead.captured.v1".parse()?);
    /// assert_eq!(candidate.delivery_id(), None);
    /// candidate.set_delivery_id("b54557e4-bdd9-4b37-8a5f-3e5d8b8c1f2a");
    /// assert_eq!(candidate.delivery_id(), Some("b54557e4-bdd9-4b37-8a5f-3e5d8b8c1f2a"));
    /// # Ok::<(), loop_contracts::schema::EventNameError>(())
    /// ```
    pub fn delivery_id(&self) -> Option<&str> {
        self.delivery_id.as_deref()
    }

    /// Sets the provider's delivery identity.
    ///
    /// ```
    /// # use loop_contracts::inbound::Candidate;
    /// # use serde_json::json;
    /// # let mut candidate = Candidate::new("lead.captured.v1".parse()?);
    /// # candidate.set("eventId", json!("550e8400-e29b-41d4-a716-446655440000"));
    /// # candidate.set("occurredAt", json!("2026-05-19T12:00:00Z")).set("attribution", json!({}));
    /// # candidate.set("brandId", json!("6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e")).set("source", json!("quiz_completion"));
    /// # candidate.set("email", json!("ana@example.com"));
    /// candidate.set_delivery_id("crm-delivery-7781");
    /// let event = candidate.validate()?;
    /// assert_eq!(event.delivery_id.as_deref(), Some("crm-delivery-7781"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_delivery_id(&mut self, id: impl Into<String>) {
        self.delivery_id = Some(id.into());
    }

    /// Fills `brandId` from the configuration when the payload did not carry one.
    pub(crate) fn apply_context(&mut self, context: &TransformContext) {
        if let Some(brand) = context.brand_id
            && self.payload.get("brandId").is_none_or(Value::is_null)
        {
            self.payload.insert("brandId".to_owned(), Value::String(brand.to_string()));
            self.sources.retain(|(f, _)| f != "brandId");
            self.note_source("brandId", "the integration's configured brand");
        }
    }

    /// Validates against the built-in catalog.
    ///
    /// ```
    /// # use loop_contracts::inbound::Candidate;
    /// # use serde_json::json;
    /// # let mut candidate = Candidate::new("lead.captured.v1".parse()?);
    /// # candidate.set("eventId", json!("550e8400-e29b-41d4-a716-446655440000"));
    /// # candidate.set("occurredAt", json!("2026-05-19T12:00:00Z")).set("attribution", json!({}));
    /// # candidate.set("brandId", json!("6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e")).set("source", json!("quiz_completion"));
    /// # let missing = candidate.clone();
    /// candidate.set("email", json!("ana@example.com"));
    /// let event = candidate.validate()?;
    /// assert_eq!(event.event_id.to_string(), "550e8400-e29b-41d4-a716-446655440000");
    ///
    /// let err = missing.validate().unwrap_err(); // the same candidate without `email`
    /// assert_eq!(err.to_validation_error().message(), "payload.email is required");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validate(self) -> Result<InboundEvent, InboundError> {
        self.validate_in(crate::catalog())
    }

    /// Validates against a catalog: the event, or every issue (each naming where its value came
    /// from).
    ///
    /// ```
    /// use loop_contracts::{inbound::Candidate, Catalog, EventSchema};
    /// use serde_json::json;
    ///
    /// # let mut catalog = Catalog::new();
    /// # catalog.insert(EventSchema::from_discovery_str(
    /// #     r#"{"name": "ticket.opened.v2", "fields": {"subject": {"type": "string", "required": true}}}"#,
    /// # )?);
    /// // `catalog` holds a host's own `ticket.opened.v2` (a required string `subject`)
    /// let mut candidate = Candidate::new("ticket.opened.v2".parse()?);
    /// candidate.set("subject", json!("Refund"));
    /// assert!(candidate.clone().validate().is_err(), "not a built-in event");
    /// assert_eq!(candidate.validate_in(&catalog)?.payload, json!({"subject": "Refund"}));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
///
/// ```
/// use loop_contracts::inbound::{Intake, Route, Source, TransformContext};
///
/// # let brand = "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e".parse()?;
/// let intake = Intake::new(TransformContext::for_brand(brand));
/// let body = br#"{"scope": "store/customer/created", "data": {"id": 32}, "created_at": 1561479335, "hash": "5f3e"}"#;
/// let route = Route::BuiltIn { source: Source::BigCommerce, topic: None };
/// let event = intake.receive(route, &[("Content-Type", "application/json")], body)?;
/// assert_eq!(event.event.as_str(), "customer.created.v1");
/// assert_eq!(event.payload["customerId"], "32");
/// assert_eq!(event.delivery_id.as_deref(), Some("5f3e"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
    ///
    /// ```
    /// # use loop_contracts::inbound::Candidate;
    /// # use serde_json::json;
    /// # let mut candidate = Candidate::new("lead.captured.v1".parse()?);
    /// # candidate.set("eventId", json!("550e8400-e29b-41d4-a716-446655440000"));
    /// # candidate.set("occurredAt", json!("2026-05-19T12:00:00Z")).set("attribution", json!({}));
    /// # candidate.set("brandId", json!("6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e")).set("source", json!("other"));
    /// # candidate.set("email", json!("ana@example.com"));
    /// let event = candidate.validate()?;
    /// let body = event.to_request_body();
    /// assert_eq!(body["event"], "lead.captured.v1");
    /// assert_eq!(body["payload"], event.payload);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_request_body(&self) -> Value {
        serde_json::json!({"event": self.event.as_str(), "payload": self.payload})
    }
}

/// The inbound layer's error. Each maps to the platform's HTTP status and error code.
///
/// ```
/// use loop_contracts::inbound::{InboundError, Intake, Route, Source, TransformContext};
///
/// let intake = Intake::new(TransformContext::default());
/// let unsigned = Route::BuiltIn { source: Source::Shopify, topic: Some("orders/create") };
/// let err = intake.receive(unsigned, &[("X-Shopify-Topic", "orders/create")], b"{}").unwrap_err();
/// assert_eq!(err.to_string(), "webhook signature rejected: no signing secret is configured for `shopify`, so its signature cannot be checked");
/// let err = intake.receive(Route::Path("/webhooks/nowhere"), &[("Accept", "*/*")], b"{}").unwrap_err();
/// assert_eq!(err, InboundError::UnknownRoute("/webhooks/nowhere".into()));
/// ```
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
    /// A declared JSONPath needs more work on this body than its evaluation budget
    /// (`JsonPath::budget_for` the body's length) allows, and was stopped (422): the body is
    /// JSON, but the declaration cannot be applied to it at a bounded cost.
    #[error(
        "the JSONPath `{path}` of field `{field}` takes more than its budget of {budget} units of work on this \
         {body_bytes}-byte body"
    )]
    BudgetExceeded {
        /// The event field the path maps.
        field: String,
        /// The declared JSONPath.
        path: String,
        /// The budget it was given.
        budget: u64,
        /// The body's length in bytes, which the budget follows.
        body_bytes: usize,
    },
}

impl InboundError {
    /// The HTTP status the platform answers with.
    ///
    /// ```
    /// use loop_contracts::{inbound::InboundError, ValidationError};
    ///
    /// assert_eq!(InboundError::Malformed("not JSON".into()).http_status(), 400);
    /// assert_eq!(InboundError::UnknownRoute("/webhooks/x".into()).http_status(), 404);
    /// assert_eq!(InboundError::from(ValidationError::unknown_event("a.b.v1")).http_status(), 422);
    /// ```
    pub fn http_status(&self) -> u16 {
        match self {
            InboundError::Signature(_) => 401,
            InboundError::Malformed(_) => 400,
            InboundError::UnsupportedTopic { .. } | InboundError::Invalid(_) | InboundError::BudgetExceeded { .. } => {
                422
            }
            InboundError::UnknownRoute(_) => 404,
        }
    }

    /// The error in the platform's error-response form.
    ///
    /// ```
    /// use loop_contracts::{inbound::InboundError, ErrorCode};
    ///
    /// let err = InboundError::UnknownRoute("/webhooks/x".into()).to_validation_error();
    /// assert_eq!(err.code(), ErrorCode::UnknownEvent);
    /// assert_eq!(err.to_response()["error"]["message"], r#"no webhook is declared at "/webhooks/x""#);
    /// ```
    pub fn to_validation_error(&self) -> ValidationError {
        match self {
            InboundError::Invalid(e) => e.clone(),
            InboundError::Signature(e) => ValidationError::with_code(ErrorCode::Unauthorized, e.to_string(), vec![]),
            InboundError::Malformed(m) => ValidationError::malformed(m.clone()),
            InboundError::UnsupportedTopic { .. } | InboundError::UnknownRoute(_) => {
                ValidationError::with_code(ErrorCode::UnknownEvent, self.to_string(), vec![])
            }
            InboundError::BudgetExceeded { .. } => {
                ValidationError::with_code(ErrorCode::ValidationError, self.to_string(), vec![])
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
#[cfg(feature = "jsonpath")]
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
