//! What every transform produces: the candidate event, its validation, and the valid event.

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::catalog::Catalog;
use crate::schema::EventName;
use crate::validate::issue::ValidationError;

use super::error::InboundError;

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
                let event_id =
                    payload.get("eventId").and_then(Value::as_str).and_then(crate::schema::format::parse_uuid);
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
