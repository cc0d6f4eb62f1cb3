//! The conversions vendors' payloads need: times to UTC, provider identities to event ids.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The namespace of the name-based (v5) UUIDs derived for `eventId`: the same provider identity
/// always gives the same event id, so a redelivered webhook is deduplicated by the platform.
pub const EVENT_ID_NAMESPACE: Uuid = Uuid::from_u128(0x6c6f_6f70_2d63_6f6e_7472_6163_7473_0001);

/// The event id derived from a notification's identity, e.g.
/// `shopify:orders/paid:event:98880550-7158-44d4-b7cd-2c97c8a091b5`.
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
    Some(crate::schema::format::format_datetime(&parsed.with_timezone(&Utc)))
}

/// Unix seconds as a UTC time ending in `Z`.
///
/// ```
/// use loop_contracts::inbound::utc_from_unix;
/// assert_eq!(utc_from_unix(1_764_233_400).as_deref(), Some("2025-11-27T08:50:00Z"));
/// assert_eq!(utc_from_unix(i64::MAX), None);
/// ```
pub fn utc_from_unix(seconds: i64) -> Option<String> {
    DateTime::<Utc>::from_timestamp(seconds, 0).map(|t| crate::schema::format::format_datetime(&t))
}
