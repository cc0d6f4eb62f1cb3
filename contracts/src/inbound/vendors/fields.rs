//! What every vendor's transform shares: reading its body, ids and times as text exactly as
//! sent, and noting where `eventId` and `occurredAt` came from.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use serde_json::Value;

use super::super::candidate::Candidate;
use super::super::convert::{derive_event_id, utc_time};
use super::super::error::InboundError;

/// Parses a body of the vendor's shape; `what` names it in errors.
pub(super) fn parse<'a, T: Deserialize<'a>>(body: &'a [u8], what: &str) -> Result<T, InboundError> {
    serde_json::from_slice(body).map_err(|e| InboundError::malformed(format!("not a {what} body"), e))
}

/// A scalar read as text: a string, or a number spelled exactly as sent (integers never pass
/// through a float).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Text<'a>(pub(super) Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                // A whole number from 2^53 up arrives as a float only when it does not fit 64 bits
                // (`123456789012345678901234567890`) or is written with an exponent; either way its
                // digits are rounded, and a rounded id would name another object.
                if crate::schema::format::is_rounded_whole(v) {
                    return Err(E::invalid_value(de::Unexpected::Float(v), &"an id that fits 64 bits, or a string"));
                }
                Ok(Text(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_any(V)
    }
}

impl Text<'_> {
    pub(super) fn as_str(&self) -> &str {
        &self.0
    }
}

pub(super) fn text<'a>(t: &'a Option<Text<'_>>) -> Option<&'a str> {
    t.as_ref().map(Text::as_str).filter(|s| !s.trim().is_empty())
}

/// The first of several optional texts that is present and not blank.
pub(super) fn first_text<'a>(options: &[&'a Option<Text<'_>>]) -> Option<&'a str> {
    options.iter().find_map(|t| text(t))
}

/// A provider time, normalised to UTC; noted as the source of `occurredAt`.
pub(super) fn set_time(candidate: &mut Candidate, field: &str, options: &[(&str, &Option<Text<'_>>)]) {
    for (name, value) in options {
        if let Some(raw) = text(value) {
            match utc_time(raw) {
                Some(utc) => candidate.set(field, Value::String(utc)),
                None => candidate.set(field, Value::String(raw.to_owned())),
            };
            candidate.note_source(field, format!("from `{name}`"));
            return;
        }
    }
    let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
    candidate.note_source(field, format!("none of {} was present", names.join(", ")));
}

pub(super) fn set_event_id(candidate: &mut Candidate, identity: &str) {
    candidate.set("eventId", Value::String(derive_event_id(identity).to_string()));
    candidate.note_source("eventId", format!("derived from `{identity}`"));
}

/// The longest notification id (a header value or a body field) an `eventId` identity takes.
pub(super) const NOTIFICATION_ID_BYTES: usize = 200;

/// `value` when it can stand in an `eventId` identity: non-empty, at most
/// [`NOTIFICATION_ID_BYTES`] bytes, and visible ASCII only. Anything else (a header or a field a
/// sender made up) is ignored, and the transform falls back to the object's own identity.
pub(super) fn notification_id(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.is_empty() && v.len() <= NOTIFICATION_ID_BYTES && v.bytes().all(|b| b.is_ascii_graphic()))
}
