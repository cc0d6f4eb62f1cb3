//! [`EventSchema`]: an event's name, documentation and fields, compiled once for the engine.

use super::field::Field;
use super::name::EventName;
use super::plan::ObjectPlan;

/// The schema of one event: its name, documentation and payload fields in definition order.
///
/// ```
/// use loop_contracts::{catalog::LeadCaptured, Event};
/// use serde_json::json;
///
/// let schema = LeadCaptured::schema();
/// assert_eq!(schema.name().as_str(), "lead.captured.v1");
/// assert_eq!(schema.fields()[0].name, "eventId");
/// assert!(!schema.is_valid(&json!({"email": "user@example.com"})));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSchema {
    pub(super) name: EventName,
    pub(super) description: Option<String>,
    pub(super) fields: Vec<Field>,
    /// The fields compiled for the validation engine.
    pub(crate) plan: ObjectPlan,
}

impl EventSchema {
    /// A schema from its parts. The fields are taken as given: the envelope is not added.
    ///
    /// ```
    /// use loop_contracts::schema::{envelope_fields, EventName, EventSchema, Field, FieldType};
    ///
    /// let name: EventName = "note.added.v1".parse().unwrap();
    /// let mut fields = envelope_fields().to_vec();
    /// fields.push(Field::required("text", FieldType::String { min_length: Some(1), max_length: None }));
    /// let schema = EventSchema::new(name, fields);
    /// assert_eq!(schema.name().as_str(), "note.added.v1");
    /// ```
    pub fn new(name: EventName, fields: Vec<Field>) -> Self {
        let plan = ObjectPlan::compile(&fields);
        EventSchema { name, description: None, fields, plan }
    }

    /// The same schema with documentation attached.
    ///
    /// ```
    /// use loop_contracts::schema::{envelope_fields, EventSchema};
    ///
    /// let schema = EventSchema::new("note.added.v1".parse().unwrap(), envelope_fields().to_vec())
    ///     .with_description("A note was added.");
    /// assert_eq!(schema.description(), Some("A note was added."));
    /// ```
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The event's name.
    ///
    /// ```
    /// let schema = loop_contracts::catalog().get("order.completed.v1").unwrap();
    /// assert_eq!(schema.name().as_str(), "order.completed.v1");
    /// assert_eq!(schema.name().version(), 1);
    /// ```
    pub fn name(&self) -> &EventName {
        &self.name
    }

    /// The event's documentation, if any.
    ///
    /// ```
    /// use loop_contracts::schema::{envelope_fields, EventSchema};
    ///
    /// let schema = EventSchema::new("note.added.v1".parse().unwrap(), envelope_fields().to_vec());
    /// assert_eq!(schema.description(), None);
    /// assert!(loop_contracts::catalog().get("lead.captured.v1").unwrap().description().is_some());
    /// ```
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The payload's fields in definition order.
    ///
    /// ```
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// let required: Vec<&str> = schema.fields().iter().filter(|f| f.required).map(|f| f.name.as_str()).collect();
    /// assert_eq!(required[..4], ["eventId", "occurredAt", "brandId", "email"]);
    /// ```
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }
}
