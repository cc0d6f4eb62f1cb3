//! An event that passed local validation: the only thing an outbox stores.

use serde_json::Value;
use uuid::Uuid;

use crate::catalog::catalog;
use crate::schema::EventSchema;
use crate::typed::event::Event;
use crate::validate::issue::ValidationError;

/// An event validated against its schema, ready to be stored: its name, its eventId and its
/// payload as the platform will receive it (unknown keys stripped, as the platform strips them).
///
/// An outbox takes nothing else, so an invalid event is refused before it is stored: it can
/// never sit in a table, fail at every relay attempt, and block nothing but still never arrive.
///
/// ```
/// use loop_contracts::outbox::ValidatedEvent;
/// use serde_json::json;
///
/// let payload = json!({
///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
///     "source": "quiz_completion", "attribution": {}, "notInTheSchema": 1,
/// });
/// let event = ValidatedEvent::from_json("lead.captured.v1", &payload)?;
/// assert_eq!(event.event_id().to_string(), "550e8400-e29b-41d4-a716-446655440000");
/// assert!(event.payload().get("notInTheSchema").is_none()); // stripped, as the platform does
///
/// let mut invalid = payload.clone();
/// invalid["email"] = json!("not-an-email");
/// let err = ValidatedEvent::from_json("lead.captured.v1", &invalid).unwrap_err();
/// assert_eq!(err.issues()[0].path, "email");
/// # Ok::<(), loop_contracts::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatedEvent {
    name: String,
    event_id: Uuid,
    payload: Value,
}

impl ValidatedEvent {
    /// Validates a typed event against its schema.
    ///
    /// ```
    /// use loop_contracts::catalog::LeadCaptured;
    /// use loop_contracts::outbox::ValidatedEvent;
    /// use loop_contracts::Event;
    ///
    /// let lead = LeadCaptured::from_json_value(&serde_json::json!({
    ///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    ///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    ///     "source": "quiz_completion", "attribution": {},
    /// }))?;
    /// let event = ValidatedEvent::from_event(&lead)?;
    /// assert_eq!(event.name(), "lead.captured.v1");
    /// # Ok::<(), loop_contracts::ValidationError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The issues, when the struct holds values its schema refuses (a field set after decoding).
    pub fn from_event<E: Event>(event: &E) -> Result<Self, ValidationError> {
        let payload = serde_json::to_value(event)
            .map_err(|e| ValidationError::malformed(format!("the event does not serialize: {e}")))?;
        Self::with_schema(E::schema(), payload)
    }

    /// Validates a payload against the built-in event called `name`.
    ///
    /// ```
    /// use loop_contracts::outbox::ValidatedEvent;
    /// use loop_contracts::ErrorCode;
    ///
    /// let err = ValidatedEvent::from_json("nope.nope.v1", &serde_json::json!({})).unwrap_err();
    /// assert_eq!(err.code(), ErrorCode::UnknownEvent);
    /// ```
    ///
    /// # Errors
    ///
    /// `UNKNOWN_EVENT` for a name outside the catalog, otherwise the platform's issues.
    pub fn from_json(name: &str, payload: &Value) -> Result<Self, ValidationError> {
        let schema = catalog().get(name).ok_or_else(|| ValidationError::unknown_event(name))?;
        Self::with_schema(schema, payload.clone())
    }

    /// Validates a payload against a schema given by the caller (an event defined with
    /// `event!` outside the catalog, or one fetched with `Client::schema`).
    ///
    /// ```
    /// use loop_contracts::catalog::LeadCaptured;
    /// use loop_contracts::outbox::ValidatedEvent;
    /// use loop_contracts::Event;
    ///
    /// let payload = serde_json::json!({
    ///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    ///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    ///     "source": "quiz_completion", "attribution": {},
    /// });
    /// let event = ValidatedEvent::with_schema(LeadCaptured::schema(), payload)?;
    /// assert_eq!(event.payload()["source"], "quiz_completion");
    /// # Ok::<(), loop_contracts::ValidationError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The platform's issues.
    pub fn with_schema(schema: &EventSchema, payload: Value) -> Result<Self, ValidationError> {
        let payload = schema.validate_owned(payload)?;
        // A valid payload always has a UUID eventId: every schema's envelope requires it.
        let event_id = payload
            .get("eventId")
            .and_then(Value::as_str)
            .and_then(|id| Uuid::parse_str(id).ok())
            .ok_or_else(|| ValidationError::malformed("payload.eventId is not a UUID"))?;
        Ok(ValidatedEvent { name: schema.name().as_str().to_owned(), event_id, payload })
    }

    /// The event name, such as `lead.captured.v1`.
    ///
    /// ```
    /// # let event = loop_contracts::outbox::ValidatedEvent::from_json("lead.captured.v1", &serde_json::json!({
    /// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    /// #     "source": "quiz_completion", "attribution": {},
    /// # }))?;
    /// assert_eq!(event.name(), "lead.captured.v1");
    /// # Ok::<(), loop_contracts::ValidationError>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The eventId: the entry's key in the outbox and the Idempotency-Key of every send.
    ///
    /// ```
    /// # let event = loop_contracts::outbox::ValidatedEvent::from_json("lead.captured.v1", &serde_json::json!({
    /// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    /// #     "source": "quiz_completion", "attribution": {},
    /// # }))?;
    /// assert_eq!(event.event_id(), uuid::uuid!("550e8400-e29b-41d4-a716-446655440000"));
    /// # Ok::<(), loop_contracts::ValidationError>(())
    /// ```
    pub fn event_id(&self) -> Uuid {
        self.event_id
    }

    /// The payload as it will be sent.
    ///
    /// ```
    /// # let event = loop_contracts::outbox::ValidatedEvent::from_json("lead.captured.v1", &serde_json::json!({
    /// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    /// #     "source": "quiz_completion", "attribution": {},
    /// # }))?;
    /// assert_eq!(event.payload()["email"], "user@example.com");
    /// # Ok::<(), loop_contracts::ValidationError>(())
    /// ```
    pub fn payload(&self) -> &Value {
        &self.payload
    }

    /// The payload as JSON text, the form in which the stores keep it (text, not a JSON column
    /// type: PostgreSQL's `jsonb` would reorder the keys).
    pub(crate) fn payload_text(&self) -> String {
        self.payload.to_string()
    }
}
