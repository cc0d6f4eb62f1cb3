//! A payload that passed validation, with its output left for the caller to ask for.

use std::borrow::Cow;
use std::fmt;

use serde::{Serialize, Serializer};
use serde_json::Value;

use super::output::copy_object;
use crate::schema::EventSchema;

/// A payload that passed validation: what [`validate_event`](crate::validate_event),
/// [`Catalog::validate`](crate::Catalog::validate) and [`EventSchema::validated`] return.
///
/// Getting the verdict copies nothing. The output (the payload without the keys Zod's output
/// would not hold) is produced only when asked for, in the form the caller needs:
///
/// | you want | call | costs |
/// |---|---|---|
/// | the verdict | `is_ok()` on the result | nothing more |
/// | the output as JSON text, keys in Zod's order | [`Serialize`] or [`Display`](fmt::Display) | no copy |
/// | the output as a `Value` to keep | [`to_value`](Self::to_value) | a copy |
/// | the output, copied only when something was stripped | [`to_cow`](Self::to_cow) | a copy when needed |
/// | the payload as given, unknown keys included | [`payload`](Self::payload) | nothing |
///
/// ```
/// use loop_contracts::validate_event;
/// use serde_json::json;
///
/// let payload = json!({
///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "ana@example.com",
///     "source": "other", "attribution": {}, "unknownKey": "stripped",
/// });
/// let validated = validate_event("lead.captured.v1", &payload)?;
/// assert_eq!(validated.schema().name().as_str(), "lead.captured.v1");
/// assert!(validated.payload().get("unknownKey").is_some()); // borrowed as given
/// assert!(validated.to_value().get("unknownKey").is_none()); // the output
/// assert!(!validated.to_string().contains("unknownKey")); // written without copying
/// # Ok::<(), loop_contracts::ValidationError>(())
/// ```
#[derive(Clone, Copy)]
pub struct Validated<'a> {
    schema: &'a EventSchema,
    payload: &'a Value,
}

impl EventSchema {
    /// The verdict on a payload, without copying it: [`Validated`] on success (ask it for the
    /// output in the form you need), every issue otherwise.
    ///
    /// ```
    /// use serde_json::json;
    ///
    /// let schema = loop_contracts::catalog().get("lead.captured.v1").unwrap();
    /// let err = schema.validated(&json!({"email": "nope"})).unwrap_err();
    /// assert_eq!(err.issues().len(), 6);
    /// ```
    pub fn validated<'a>(&'a self, payload: &'a Value) -> Result<Validated<'a>, super::ValidationError> {
        self.check(payload)?;
        Ok(Validated { schema: self, payload })
    }
}

impl<'a> Validated<'a> {
    /// The schema the payload passed.
    pub fn schema(&self) -> &'a EventSchema {
        self.schema
    }

    /// The payload as it was given, unknown keys included.
    pub fn payload(&self) -> &'a Value {
        self.payload
    }

    /// The output as a `Value` of its own: the payload without its unknown keys (and a record's
    /// `__proto__`), as [`EventSchema::validate`] returns it.
    ///
    /// ```
    /// use serde_json::json;
    ///
    /// let payload = json!({
    ///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    ///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "customerId": "42",
    ///     "platform": "shopify", "extra": 1,
    /// });
    /// let data = loop_contracts::validate_event("customer.created.v1", &payload)?.to_value();
    /// assert_eq!(data.as_object().unwrap().len(), 5);
    /// # Ok::<(), loop_contracts::ValidationError>(())
    /// ```
    pub fn to_value(&self) -> Value {
        copy_object(self.schema.fields(), self.payload)
    }

    /// The output, borrowed when it equals the payload (nothing to strip), copied otherwise: as
    /// [`EventSchema::validate_cow`] returns it.
    ///
    /// ```
    /// use std::borrow::Cow;
    /// use serde_json::json;
    ///
    /// let payload = json!({
    ///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    ///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "customerId": "42", "platform": "shopify",
    /// });
    /// let validated = loop_contracts::validate_event("customer.created.v1", &payload)?;
    /// assert!(matches!(validated.to_cow(), Cow::Borrowed(_)));
    /// # Ok::<(), loop_contracts::ValidationError>(())
    /// ```
    pub fn to_cow(&self) -> Cow<'a, Value> {
        if self.schema.is_stripped(self.payload) {
            Cow::Borrowed(self.payload)
        } else {
            Cow::Owned(self.to_value())
        }
    }
}

/// The output, keys in Zod's order (see [`Ordered`](super::Ordered)), unknown keys left out:
/// the bytes `serde_json` writes for [`to_value`](Validated::to_value) through
/// [`EventSchema::ordered`], without the copy.
impl Serialize for Validated<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.schema.ordered_stripped(self.payload).serialize(serializer)
    }
}

/// The output as compact JSON text (see [`Serialize`]).
impl fmt::Display for Validated<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.schema.ordered_stripped(self.payload), f)
    }
}

/// The event's name and the payload as given.
impl fmt::Debug for Validated<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Validated").field("event", &self.schema.name().as_str()).field("payload", self.payload).finish()
    }
}

impl From<Validated<'_>> for Value {
    fn from(validated: Validated<'_>) -> Value {
        validated.to_value()
    }
}
