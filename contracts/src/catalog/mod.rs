//! The built-in event catalog.
//!
//! Inbound events (what shops, CRMs, form and booking tools send) and outbound delivery events
//! (what the platform reports back), each defined once with [`event!`](crate::event). Their fields
//! follow the real vendor payloads the built-in webhook transforms read: provider ids are strings
//! (Shopify ids exceed 2^53 and must never pass through a float), money amounts are the decimal
//! strings vendors send, and anything a vendor may omit is optional.
//!
//! Each event lives in a module of its own, so that the nested types of different events (every
//! delivery event has a `Channel`) do not collide; the event structs are re-exported here.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde_json::Value;

use crate::schema::EventSchema;
use crate::typed::event::Event;
use crate::validate::{Validated, ValidationError};

mod definitions;

pub use definitions::*;

/// A set of event schemas looked up by name: the built-in [`catalog()`], or one a host assembles
/// from its own events and fetched discovery documents.
///
/// ```
/// use loop_contracts::{catalog::LeadCaptured, Catalog, EventSchema};
/// use serde_json::json;
///
/// let mut catalog = Catalog::new().with_event::<LeadCaptured>();
/// catalog.insert(EventSchema::from_discovery_str(
///     r#"{"name": "ticket.opened.v2", "fields": {"subject": {"type": "string", "required": true}}}"#,
/// )?);
/// assert_eq!(catalog.names().collect::<Vec<_>>(), ["lead.captured.v1", "ticket.opened.v2"]);
/// assert!(catalog.validate("ticket.opened.v2", &json!({"subject": "Hi"})).is_ok());
/// # Ok::<(), loop_contracts::schema::DiscoveryError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    by_name: BTreeMap<String, EventSchema>,
}

impl Catalog {
    /// An empty catalog.
    ///
    /// ```
    /// let catalog = loop_contracts::Catalog::new();
    /// assert!(catalog.is_empty());
    /// ```
    pub fn new() -> Self {
        Catalog::default()
    }

    /// Adds (or replaces) a schema.
    ///
    /// ```
    /// use loop_contracts::{catalog, Catalog};
    ///
    /// let mut own = Catalog::new();
    /// own.insert(catalog().get("lead.captured.v1").unwrap().clone());
    /// own.insert(catalog().get("lead.captured.v1").unwrap().clone());
    /// assert_eq!(own.len(), 1);
    /// ```
    pub fn insert(&mut self, schema: EventSchema) {
        self.by_name.insert(schema.name().as_str().to_owned(), schema);
    }

    /// Adds a typed event's schema.
    ///
    /// ```
    /// use loop_contracts::catalog::{Catalog, OrderCompleted};
    ///
    /// let catalog = Catalog::new().with_event::<OrderCompleted>();
    /// assert!(catalog.get("order.completed.v1").is_some());
    /// ```
    pub fn with_event<E: Event>(mut self) -> Self {
        self.insert(E::schema().clone());
        self
    }

    /// The schema of an event, if the catalog has it.
    ///
    /// ```
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// assert_eq!(schema.name().as_str(), "lead.captured.v1");
    /// assert!(loop_contracts::catalog().get("lead.captured.v9").is_none());
    /// ```
    pub fn get(&self, name: &str) -> Option<&EventSchema> {
        self.by_name.get(name)
    }

    /// Every schema, ordered by name.
    ///
    /// ```
    /// let first = loop_contracts::catalog().iter().next().unwrap();
    /// assert_eq!(first.name().as_str(), "booking.canceled.v1");
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = &EventSchema> {
        self.by_name.values()
    }

    /// Every event name, ordered.
    ///
    /// ```
    /// let names: Vec<&str> = loop_contracts::catalog().names().collect();
    /// assert_eq!(names[..2], ["booking.canceled.v1", "booking.scheduled.v1"]);
    /// ```
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// The number of events.
    ///
    /// ```
    /// assert_eq!(loop_contracts::catalog().len(), 13);
    /// ```
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// Whether the catalog is empty.
    ///
    /// ```
    /// assert!(loop_contracts::Catalog::new().is_empty());
    /// assert!(!loop_contracts::catalog().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// Validates a payload against the named event: [`Validated`] (ask it for the output, unknown
    /// keys stripped, in the form you need), or every issue; `UNKNOWN_EVENT` when the name is not
    /// in the catalog.
    ///
    /// ```
    /// use loop_contracts::{catalog::LeadCaptured, Catalog, ErrorCode};
    /// use serde_json::json;
    ///
    /// let catalog = Catalog::new().with_event::<LeadCaptured>();
    /// let err = catalog.validate("lead.captured.v1", &json!({"email": "nope"})).unwrap_err();
    /// assert_eq!(err.issues()[0].path, "eventId");
    /// let err = catalog.validate("order.completed.v1", &json!({})).unwrap_err();
    /// assert_eq!(err.code(), ErrorCode::UnknownEvent);
    /// ```
    pub fn validate<'a>(&'a self, name: &str, payload: &'a Value) -> Result<Validated<'a>, ValidationError> {
        self.get(name).ok_or_else(|| ValidationError::unknown_event(name))?.validated(payload)
    }
}

static BUILT_IN: LazyLock<Catalog> = LazyLock::new(|| {
    Catalog::new()
        .with_event::<LeadCaptured>()
        .with_event::<OrderCompleted>()
        .with_event::<CustomerCreated>()
        .with_event::<FulfillmentCreated>()
        .with_event::<FormSubmitted>()
        .with_event::<BookingScheduled>()
        .with_event::<BookingCanceled>()
        .with_event::<MessageSent>()
        .with_event::<MessageDelivered>()
        .with_event::<MessageBounced>()
        .with_event::<MessageOpened>()
        .with_event::<MessageClicked>()
        .with_event::<MessageFailed>()
});

/// The built-in catalog.
///
/// ```
/// let names: Vec<&str> = loop_contracts::catalog().names().collect();
/// assert!(names.contains(&"lead.captured.v1"));
/// ```
pub fn catalog() -> &'static Catalog {
    &BUILT_IN
}

/// Validates a payload against a built-in event, as the platform does before accepting it
/// (`validateEvent` of the TypeScript package): [`Validated`] when the payload is valid, which
/// copies nothing and gives the output (unknown keys stripped) in the form you ask for, or every
/// issue in Zod's order. An unknown name is `UNKNOWN_EVENT`.
///
/// For JSON bytes, [`EventSchema::check_slice`] and [`EventSchema::validate_slice_into`] are
/// faster: they validate as they parse, without building a `Value`. See [which entry point
/// when](crate#which-entry-point-when).
///
/// ```
/// use loop_contracts::{validate_event, ErrorCode};
/// use serde_json::json;
///
/// let err = validate_event("lead.captured.v1", &json!({
///     "eventId": "550e8400-e29b-41d4-a716-446655440000",
///     "occurredAt": "2026-05-19T12:00:00Z",
///     "brandId": "brand-uuid",
///     "email": "user@example.com",
///     "source": "inbound_lead",
///     "attribution": {},
///     "personId": null,
/// })).unwrap_err();
/// assert_eq!(err.code(), ErrorCode::ValidationError);
/// assert_eq!(err.issues()[0].path, "brandId");
/// assert_eq!(err.issues()[0].message, "Invalid uuid");
///
/// let err = validate_event("lead.captured.v9", &json!({})).unwrap_err();
/// assert_eq!(err.code(), ErrorCode::UnknownEvent);
/// ```
pub fn validate_event<'a>(name: &str, payload: &'a Value) -> Result<Validated<'a>, ValidationError> {
    BUILT_IN.validate(name, payload)
}
