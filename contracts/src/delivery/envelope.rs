//! The payload of a delivery webhook: the Standard Webhooks envelope around a delivery event.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;
use uuid::Uuid;

use super::DeliveryError;
use crate::catalog::{MessageBounced, MessageClicked, MessageDelivered, MessageFailed, MessageOpened, MessageSent};
use crate::schema::format::{format_datetime, parse_datetime};
use crate::typed::event::Event;
use crate::validate::issue::{ErrorCode, ValidationError};

/// Runs `$body` with `$e` bound to the event inside any variant.
macro_rules! each_variant {
    ($value:expr, $e:ident => $body:expr) => {
        match $value {
            DeliveryEvent::MessageSent($e) => $body,
            DeliveryEvent::MessageDelivered($e) => $body,
            DeliveryEvent::MessageBounced($e) => $body,
            DeliveryEvent::MessageOpened($e) => $body,
            DeliveryEvent::MessageClicked($e) => $body,
            DeliveryEvent::MessageFailed($e) => $body,
        }
    };
}

/// A delivery event: what the platform reports about a message through a delivery webhook, typed.
///
/// Each variant holds the catalog's typed event, decoded and validated by the same engine as every
/// other event (Zod's verdict and issues). It serializes as the event's payload. New delivery
/// events may be added in later versions (the enum is `#[non_exhaustive]`); a `type` this version
/// does not know is [`DeliveryError::UnknownType`].
///
/// ```
/// use loop_contracts::delivery::DeliveryEvent;
/// use serde_json::json;
///
/// let event = DeliveryEvent::from_json_value("message.bounced.v1", &json!({
///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e",
///     "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d", "channel": "email",
///     "recipient": "ana@example.com", "bounceType": "hard", "reason": "mailbox does not exist"
/// }))?;
/// match &event {
///     DeliveryEvent::MessageBounced(bounce) => assert_eq!(bounce.reason.as_deref(), Some("mailbox does not exist")),
///     other => panic!("unexpected {}", other.name()),
/// }
/// assert_eq!(event.recipient(), "ana@example.com");
/// assert_eq!(event.channel(), "email");
/// # Ok::<(), loop_contracts::delivery::DeliveryError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DeliveryEvent {
    /// `message.sent.v1`: the platform handed the message to its delivery provider.
    MessageSent(MessageSent),
    /// `message.delivered.v1`: the recipient's provider accepted the message.
    MessageDelivered(MessageDelivered),
    /// `message.bounced.v1`: the message could not be delivered to the address.
    MessageBounced(MessageBounced),
    /// `message.opened.v1`: the recipient opened the message.
    MessageOpened(MessageOpened),
    /// `message.clicked.v1`: the recipient followed a link.
    MessageClicked(MessageClicked),
    /// `message.failed.v1`: the platform gave up sending the message.
    MessageFailed(MessageFailed),
}

/// Picks the variant for an event type and decodes it with `$decode` (generic over the event).
macro_rules! dispatch {
    ($event_type:expr, $decode:ident($data:expr)) => {
        Ok(match $event_type {
            MessageSent::NAME => Self::MessageSent($decode($data)?),
            MessageDelivered::NAME => Self::MessageDelivered($decode($data)?),
            MessageBounced::NAME => Self::MessageBounced($decode($data)?),
            MessageOpened::NAME => Self::MessageOpened($decode($data)?),
            MessageClicked::NAME => Self::MessageClicked($decode($data)?),
            MessageFailed::NAME => Self::MessageFailed($decode($data)?),
            other => return Err(unknown(other)),
        })
    };
}

impl DeliveryEvent {
    /// The names of the delivery events, in the enum's order.
    ///
    /// ```
    /// use loop_contracts::delivery::DeliveryEvent;
    ///
    /// assert_eq!(DeliveryEvent::NAMES[0], "message.sent.v1");
    /// assert!(DeliveryEvent::NAMES.iter().all(|name| loop_contracts::catalog().get(name).is_some()));
    /// ```
    pub const NAMES: [&'static str; 6] = [
        MessageSent::NAME,
        MessageDelivered::NAME,
        MessageBounced::NAME,
        MessageOpened::NAME,
        MessageClicked::NAME,
        MessageFailed::NAME,
    ];

    /// Decodes `data`, the payload of an event of type `event_type`, with
    /// [`Event::from_json_value`]: every issue in Zod's order when it is invalid.
    ///
    /// ```
    /// use loop_contracts::delivery::{DeliveryError, DeliveryEvent};
    /// use serde_json::json;
    ///
    /// let err = DeliveryEvent::from_json_value("message.clicked.v1", &json!({"channel": "fax"})).unwrap_err();
    /// let DeliveryError::InvalidPayload { event_type, error } = &err else { panic!("{err}") };
    /// assert_eq!(*event_type, "message.clicked.v1");
    /// assert_eq!(error.issues()[0].path, "eventId");
    /// assert_eq!(err.http_status(), 422);
    ///
    /// let err = DeliveryEvent::from_json_value("message.complained.v1", &json!({})).unwrap_err();
    /// assert_eq!(err, DeliveryError::UnknownType { event_type: "message.complained.v1".into() });
    /// ```
    pub fn from_json_value(event_type: &str, data: &Value) -> Result<Self, DeliveryError> {
        fn typed<E: Event>(data: &Value) -> Result<E, DeliveryError> {
            E::from_json_value(data).map_err(|error| invalid::<E>(error))
        }
        dispatch!(event_type, typed(data))
    }

    /// Decodes `data`, the payload's JSON text, with [`Event::from_json_slice`] (the direct typed
    /// path for valid payloads; the engine's issues otherwise).
    ///
    /// ```
    /// use loop_contracts::delivery::DeliveryEvent;
    ///
    /// let event = DeliveryEvent::from_json_slice("message.delivered.v1", br#"{
    ///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    ///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e",
    ///     "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d", "channel": "sms", "recipient": "+15555550100"
    /// }"#)?;
    /// assert_eq!(event.name(), "message.delivered.v1");
    /// # Ok::<(), loop_contracts::delivery::DeliveryError>(())
    /// ```
    pub fn from_json_slice(event_type: &str, data: &[u8]) -> Result<Self, DeliveryError> {
        fn typed<E: Event>(data: &[u8]) -> Result<E, DeliveryError> {
            E::from_json_slice(data).map_err(|error| invalid::<E>(error))
        }
        dispatch!(event_type, typed(data))
    }

    /// The event's name (the envelope's `type`).
    ///
    /// ```
    /// # use loop_contracts::delivery::DeliveryEvent;
    /// # let event = DeliveryEvent::from_json_slice("message.delivered.v1", br#"{"eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z", "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d", "channel": "sms", "recipient": "+15555550100"}"#)?;
    /// assert_eq!(event.name(), "message.delivered.v1");
    /// # Ok::<(), loop_contracts::delivery::DeliveryError>(())
    /// ```
    pub fn name(&self) -> &'static str {
        fn name_of<E: Event>(_: &E) -> &'static str {
            E::NAME
        }
        each_variant!(self, e => name_of(e))
    }

    /// The event's payload as JSON (what the envelope's `data` holds).
    ///
    /// ```
    /// # use loop_contracts::delivery::DeliveryEvent;
    /// # let event = DeliveryEvent::from_json_slice("message.delivered.v1", br#"{"eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z", "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d", "channel": "sms", "recipient": "+15555550100"}"#)?;
    /// assert_eq!(event.to_payload()["channel"], "sms");
    /// # Ok::<(), loop_contracts::delivery::DeliveryError>(())
    /// ```
    pub fn to_payload(&self) -> Value {
        each_variant!(self, e => e.to_payload())
    }

    /// The envelope's `eventId` (unique per event; a sender derives the `webhook-id` from it).
    ///
    /// ```
    /// # use loop_contracts::delivery::DeliveryEvent;
    /// # let event = DeliveryEvent::from_json_slice("message.delivered.v1", br#"{"eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z", "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d", "channel": "sms", "recipient": "+15555550100"}"#)?;
    /// assert_eq!(event.event_id().to_string(), "550e8400-e29b-41d4-a716-446655440000");
    /// # Ok::<(), loop_contracts::delivery::DeliveryError>(())
    /// ```
    pub fn event_id(&self) -> Uuid {
        each_variant!(self, e => e.event_id)
    }

    /// The envelope's `occurredAt`.
    ///
    /// ```
    /// # use loop_contracts::delivery::DeliveryEvent;
    /// # let event = DeliveryEvent::from_json_slice("message.delivered.v1", br#"{"eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z", "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d", "channel": "sms", "recipient": "+15555550100"}"#)?;
    /// assert_eq!(event.occurred_at().to_rfc3339(), "2026-05-19T12:00:00+00:00");
    /// # Ok::<(), loop_contracts::delivery::DeliveryError>(())
    /// ```
    pub fn occurred_at(&self) -> DateTime<Utc> {
        each_variant!(self, e => e.occurred_at)
    }

    /// The envelope's `brandId`.
    ///
    /// ```
    /// # use loop_contracts::delivery::DeliveryEvent;
    /// # let event = DeliveryEvent::from_json_slice("message.delivered.v1", br#"{"eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z", "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d", "channel": "sms", "recipient": "+15555550100"}"#)?;
    /// assert_eq!(event.brand_id().to_string(), "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e");
    /// # Ok::<(), loop_contracts::delivery::DeliveryError>(())
    /// ```
    pub fn brand_id(&self) -> Uuid {
        each_variant!(self, e => e.brand_id)
    }

    /// The platform's message id, shared by every delivery event about one message.
    ///
    /// ```
    /// # use loop_contracts::delivery::DeliveryEvent;
    /// # let event = DeliveryEvent::from_json_slice("message.delivered.v1", br#"{"eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z", "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d", "channel": "sms", "recipient": "+15555550100"}"#)?;
    /// assert_eq!(event.message_id().to_string(), "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d");
    /// # Ok::<(), loop_contracts::delivery::DeliveryError>(())
    /// ```
    pub fn message_id(&self) -> Uuid {
        each_variant!(self, e => e.message_id)
    }

    /// The channel's wire name: `email`, `sms`, `push` or `whatsapp`.
    ///
    /// ```
    /// # use loop_contracts::delivery::DeliveryEvent;
    /// # let event = DeliveryEvent::from_json_slice("message.delivered.v1", br#"{"eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z", "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d", "channel": "sms", "recipient": "+15555550100"}"#)?;
    /// assert_eq!(event.channel(), "sms");
    /// # Ok::<(), loop_contracts::delivery::DeliveryError>(())
    /// ```
    pub fn channel(&self) -> &'static str {
        each_variant!(self, e => e.channel.as_str())
    }

    /// The address the message went to (email address, phone number, device token).
    ///
    /// ```
    /// # use loop_contracts::delivery::DeliveryEvent;
    /// # let event = DeliveryEvent::from_json_slice("message.delivered.v1", br#"{"eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z", "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d", "channel": "sms", "recipient": "+15555550100"}"#)?;
    /// assert_eq!(event.recipient(), "+15555550100");
    /// # Ok::<(), loop_contracts::delivery::DeliveryError>(())
    /// ```
    pub fn recipient(&self) -> &str {
        each_variant!(self, e => &e.recipient)
    }

    /// The platform's person, when the event names one.
    ///
    /// ```
    /// # use loop_contracts::delivery::DeliveryEvent;
    /// # let event = DeliveryEvent::from_json_slice("message.delivered.v1", br#"{"eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z", "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d", "channel": "sms", "recipient": "+15555550100"}"#)?;
    /// assert_eq!(event.person_id(), None);
    /// # Ok::<(), loop_contracts::delivery::DeliveryError>(())
    /// ```
    pub fn person_id(&self) -> Option<Uuid> {
        each_variant!(self, e => e.person_id)
    }

    /// The campaign or flow that sent the message, when the event names one.
    ///
    /// ```
    /// # use loop_contracts::delivery::DeliveryEvent;
    /// # let event = DeliveryEvent::from_json_slice("message.delivered.v1", br#"{"eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z", "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d", "channel": "sms", "recipient": "+15555550100", "campaignId": "spring-sale"}"#)?;
    /// assert_eq!(event.campaign_id(), Some("spring-sale"));
    /// # Ok::<(), loop_contracts::delivery::DeliveryError>(())
    /// ```
    pub fn campaign_id(&self) -> Option<&str> {
        each_variant!(self, e => e.campaign_id.as_deref())
    }
}

fn invalid<E: Event>(error: ValidationError) -> DeliveryError {
    // `data` is captured raw, so JSON the parser refuses inside it (nested deeper than 128 levels, a
    // lone surrogate escape) only shows when it is decoded: a malformed body (400), not an invalid
    // payload (422). A number beyond a double is read as `JSON.parse` reads it, an infinity, which
    // then gets Zod's verdict like any number.
    if error.code() == ErrorCode::MalformedRequest {
        let reason = error.message().strip_prefix("malformed JSON: ").unwrap_or(error.message());
        return DeliveryError::NotJson { reason: format!("`data`: {reason}") };
    }
    DeliveryError::InvalidPayload { event_type: E::NAME, error }
}

fn unknown(event_type: &str) -> DeliveryError {
    DeliveryError::UnknownType { event_type: crate::text::clip(event_type, crate::text::NAME_CHARS) }
}

impl Serialize for DeliveryEvent {
    /// Serializes the event's payload (the envelope's `data`).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        each_variant!(self, e => e.serialize(serializer))
    }
}

macro_rules! from_event {
    ($($variant:ident),*) => {$(
        impl From<$variant> for DeliveryEvent {
            fn from(event: $variant) -> Self {
                Self::$variant(event)
            }
        }
    )*};
}
from_event!(MessageSent, MessageDelivered, MessageBounced, MessageOpened, MessageClicked, MessageFailed);

/// The body of a delivery webhook, as Standard Webhooks recommends:
/// `{"type": "<event name>", "timestamp": "<ISO 8601>", "data": {<event payload>}}`.
///
/// `timestamp` is when the event occurred (a sender sets it to the event's `occurredAt`; it is not
/// the attempt's time, which is the signed `webhook-timestamp` header). Reading is strict where it
/// matters and lenient where the recommendation is: the three keys are required, `type` and
/// `timestamp` must be strings, `timestamp` must be a UTC datetime as the platform writes them
/// (`2026-05-19T12:00:00Z`, any fraction digits), `data` must be a valid payload of `type`; other
/// top-level keys are ignored, as unknown keys are everywhere else in the platform.
///
/// ```
/// use loop_contracts::delivery::{DeliveryEvent, Envelope};
///
/// let body = br#"{"type": "message.opened.v1", "timestamp": "2026-05-19T12:00:00Z", "data": {
///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e",
///     "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d", "channel": "email", "recipient": "ana@example.com",
///     "userAgent": "Mozilla/5.0"}}"#;
/// let envelope = Envelope::from_slice(body)?;
/// assert!(matches!(envelope.event, DeliveryEvent::MessageOpened(_)));
/// assert_eq!(Envelope::from_slice(&envelope.to_vec())?, envelope);
/// # Ok::<(), loop_contracts::delivery::DeliveryError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// The envelope's `timestamp`: when the event occurred.
    pub timestamp: DateTime<Utc>,
    /// The event (`type` and `data`).
    pub event: DeliveryEvent,
}

/// The envelope as read: borrowed, `data` left as text for the typed decoder.
#[derive(Deserialize)]
struct RawEnvelope<'a> {
    #[serde(rename = "type", borrow)]
    event_type: Cow<'a, str>,
    #[serde(borrow)]
    timestamp: Cow<'a, str>,
    #[serde(borrow)]
    data: &'a RawValue,
}

/// The envelope as written, keys in the recommended order.
#[derive(Serialize)]
struct OutEnvelope<'a> {
    #[serde(rename = "type")]
    event_type: &'static str,
    timestamp: String,
    data: &'a DeliveryEvent,
}

impl Envelope {
    /// The envelope of `event`, its `timestamp` the event's `occurredAt`.
    ///
    /// ```
    /// use loop_contracts::catalog::MessageFailed;
    /// use loop_contracts::delivery::Envelope;
    /// use loop_contracts::Event;
    ///
    /// let failed = MessageFailed::from_json_slice(br#"{
    ///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    ///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e",
    ///     "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d", "channel": "push", "recipient": "device-token-1",
    ///     "reason": "device token expired", "retryable": false
    /// }"#)?;
    /// let envelope = Envelope::new(failed);
    /// assert_eq!(envelope.event_type(), "message.failed.v1");
    /// assert_eq!(envelope.timestamp, envelope.event.occurred_at());
    /// # Ok::<(), loop_contracts::ValidationError>(())
    /// ```
    pub fn new(event: impl Into<DeliveryEvent>) -> Self {
        let event = event.into();
        Self { timestamp: event.occurred_at(), event }
    }

    /// The envelope's `type`: the event's name.
    ///
    /// ```
    /// # use loop_contracts::delivery::Envelope;
    /// # let envelope = Envelope::from_slice(br#"{"type": "message.sent.v1", "timestamp": "2026-05-19T12:00:00Z", "data": {"eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z", "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d", "channel": "email", "recipient": "ana@example.com"}}"#)?;
    /// assert_eq!(envelope.event_type(), "message.sent.v1");
    /// # Ok::<(), loop_contracts::delivery::DeliveryError>(())
    /// ```
    pub fn event_type(&self) -> &'static str {
        self.event.name()
    }

    /// Reads and validates an envelope from the raw body (no signature check: see
    /// [`Receiver`](super::Receiver)).
    ///
    /// Errors: [`DeliveryError::NotJson`] (400) when the body is not JSON,
    /// [`DeliveryError::MalformedEnvelope`] (400) when it is JSON but not an envelope,
    /// [`DeliveryError::UnknownType`] (422) for a `type` that is not a delivery event,
    /// [`DeliveryError::InvalidPayload`] (422, with the engine's issues) when `data` is not a valid
    /// payload of its `type`.
    ///
    /// ```
    /// use loop_contracts::delivery::{DeliveryError, Envelope};
    ///
    /// assert!(matches!(Envelope::from_slice(b"not json"), Err(DeliveryError::NotJson { .. })));
    /// assert!(matches!(Envelope::from_slice(br#"{"type": "message.sent.v1"}"#), Err(DeliveryError::MalformedEnvelope { .. })));
    /// let err = Envelope::from_slice(br#"{"type": "message.sent.v1", "timestamp": "2026-05-19T12:00:00Z", "data": {}}"#).unwrap_err();
    /// assert_eq!(err.http_status(), 422);
    /// ```
    pub fn from_slice(body: &[u8]) -> Result<Self, DeliveryError> {
        let raw: RawEnvelope<'_> = crate::strict::from_slice(body).map_err(|e| {
            // A shape error can come before a syntax error further on (`{} trailing`): only a body
            // that is JSON throughout is called a malformed envelope.
            if e.classify() != serde_json::error::Category::Data {
                return DeliveryError::NotJson { reason: e.to_string() };
            }
            match serde_json::from_slice::<IgnoredAny>(body) {
                Err(syntax) => DeliveryError::NotJson { reason: syntax.to_string() },
                Ok(_) => DeliveryError::MalformedEnvelope { reason: e.to_string() },
            }
        })?;
        let timestamp = parse_datetime(&raw.timestamp).ok_or_else(|| DeliveryError::MalformedEnvelope {
            reason: "`timestamp` is not an ISO 8601 UTC datetime (`YYYY-MM-DDTHH:MM:SS[.fff]Z`)".to_owned(),
        })?;
        let event = DeliveryEvent::from_json_slice(&raw.event_type, raw.data.get().as_bytes())?;
        Ok(Self { timestamp, event })
    }

    /// The envelope as compact JSON: `type`, `timestamp`, `data`, in that order.
    ///
    /// ```
    /// # use loop_contracts::delivery::Envelope;
    /// # let envelope = Envelope::from_slice(br#"{"type": "message.sent.v1", "timestamp": "2026-05-19T12:00:00.250Z", "data": {"eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z", "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d", "channel": "email", "recipient": "ana@example.com"}}"#)?;
    /// let text = String::from_utf8(envelope.to_vec()).unwrap();
    /// assert!(text.starts_with(r#"{"type":"message.sent.v1","timestamp":"2026-05-19T12:00:00.250Z","data":{"eventId":"#));
    /// # Ok::<(), loop_contracts::delivery::DeliveryError>(())
    /// ```
    pub fn to_vec(&self) -> Vec<u8> {
        let out = OutEnvelope {
            event_type: self.event.name(),
            timestamp: format_datetime(&self.timestamp),
            data: &self.event,
        };
        // Typed events with string-keyed maps always serialize.
        serde_json::to_vec(&out).unwrap_or_default()
    }
}
