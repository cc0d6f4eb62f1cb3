//! The `webhook-id` header's value: the message id a receiver deduplicates on.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

use uuid::Uuid;

use super::{DeliveryError, WEBHOOK_ID};

/// The most bytes of a `webhook-id` value (Standard Webhooks ids are `msg_` and a few dozen more).
const MAX_ID_LEN: usize = 256;

/// A `webhook-id`: the message's identifier, the same on every retry of one delivery, and so the
/// key a receiver deduplicates on.
///
/// It is 1 to 256 bytes of visible ASCII (`!` to `~`: no spaces or control characters), which
/// [`WebhookId::new`] checks, so that a [`Signer`] cannot produce headers a [`Verifier`] refuses.
/// It dereferences to `str`.
///
/// [`Signer`]: super::Signer
/// [`Verifier`]: super::Verifier
///
/// ```
/// use loop_contracts::delivery::WebhookId;
///
/// let id = WebhookId::new("msg_p5jXN8AQM9LWM0D4loKWxJek")?;
/// assert_eq!(id.as_str(), "msg_p5jXN8AQM9LWM0D4loKWxJek");
/// assert!(id.starts_with("msg_"));
/// assert!(WebhookId::new("msg with spaces").is_err());
/// # Ok::<(), loop_contracts::delivery::DeliveryError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WebhookId(pub(super) String);

impl WebhookId {
    /// Checks and wraps an id; the error is [`DeliveryError::MalformedHeader`] for `webhook-id`.
    ///
    /// ```
    /// use loop_contracts::delivery::{DeliveryError, WebhookId};
    ///
    /// assert!(WebhookId::new("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W").is_ok());
    /// assert_eq!(
    ///     WebhookId::new(""),
    ///     Err(DeliveryError::MalformedHeader { header: "webhook-id", reason: "empty" }),
    /// );
    /// ```
    pub fn new(id: impl Into<String>) -> Result<Self, DeliveryError> {
        let id = id.into();
        check_id(&id)?;
        Ok(Self(id))
    }

    /// The id a sender uses for the delivery of an event: `msg_` and the event's `eventId` as 32
    /// hex digits. Deterministic, so every retry of one event to one endpoint carries the same id.
    ///
    /// ```
    /// use loop_contracts::delivery::WebhookId;
    ///
    /// let event_id = "550e8400-e29b-41d4-a716-446655440000".parse().unwrap();
    /// assert_eq!(WebhookId::for_event(event_id).as_str(), "msg_550e8400e29b41d4a716446655440000");
    /// ```
    pub fn for_event(event_id: Uuid) -> Self {
        Self(format!("msg_{}", event_id.simple()))
    }

    /// The id as text.
    ///
    /// ```
    /// use loop_contracts::delivery::WebhookId;
    ///
    /// assert_eq!(WebhookId::new("msg_1")?.as_str(), "msg_1");
    /// # Ok::<(), loop_contracts::delivery::DeliveryError>(())
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as an owned `String`.
    ///
    /// ```
    /// use loop_contracts::delivery::WebhookId;
    ///
    /// let text: String = WebhookId::new("msg_1")?.into_string();
    /// assert_eq!(text, "msg_1");
    /// # Ok::<(), loop_contracts::delivery::DeliveryError>(())
    /// ```
    pub fn into_string(self) -> String {
        self.0
    }
}

impl Deref for WebhookId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for WebhookId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for WebhookId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WebhookId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub(super) fn check_id(id: &str) -> Result<(), DeliveryError> {
    let malformed = |reason| DeliveryError::MalformedHeader { header: WEBHOOK_ID, reason };
    if id.is_empty() {
        return Err(malformed("empty"));
    }
    if id.len() > MAX_ID_LEN {
        return Err(malformed("longer than 256 bytes"));
    }
    if !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(malformed("not visible ASCII"));
    }
    Ok(())
}
