//! Outbound delivery webhooks: the platform calling the integrator's endpoint with delivery events
//! (message sent, delivered, bounced, opened, clicked, failed), signed per
//! [Standard Webhooks](https://www.standardwebhooks.com/).
//!
//! - Receiving: a [`Receiver`] (a [`Verifier`] with one or more [`WebhookSecret`]s) turns the
//!   headers and raw body of a request into a verified, typed [`Delivery`], or a [`DeliveryError`]
//!   that says which status to answer with; a [`Deduplicator`] (or the host's database) makes each
//!   `webhook-id` take effect once. No web framework is needed; with the `axum` feature, `Delivery`
//!   is also an axum extractor.
//! - Sending: a [`Signer`] produces the `webhook-id`, `webhook-timestamp` and `webhook-signature`
//!   headers for a body; [`Signer::sign_envelope`] also writes the body, an [`Envelope`]
//!   (`{"type", "timestamp", "data"}`) around a [`DeliveryEvent`].
//!
//! The scheme: the signed content is `{webhook-id}.{webhook-timestamp}.{raw body}`, the signature
//! `v1,` and the base64 of its HMAC-SHA256 under the secret's key, several space-separated entries
//! during a key rotation, the timestamp within five minutes of the receiver's clock.
//!
//! ```
//! use loop_contracts::delivery::{Deduplicator, DeliveryEvent, Envelope, Receiver, Signer, Verifier, WebhookSecret};
//! use loop_contracts::{catalog::MessageBounced, Event};
//!
//! let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
//!
//! // The sending side (the platform, or the sandbox).
//! let bounce = MessageBounced::from_json_slice(br#"{
//!     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
//!     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d",
//!     "channel": "email", "recipient": "ana@example.com", "bounceType": "hard"
//! }"#)?;
//! let signed = Signer::new(secret.clone()).sign_envelope(&Envelope::new(bounce), 1_779_192_000);
//!
//! // The receiving side: verify, parse, deduplicate.
//! let receiver = Receiver::new(Verifier::new(secret));
//! let seen = Deduplicator::new(100_000);
//! let now = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_779_192_001);
//! let status = match receiver.receive_at(&signed.headers, &signed.body, now) {
//!     Err(err) => err.http_status(),
//!     Ok(delivery) => match seen.claim(&delivery.webhook_id) {
//!         Err(duplicate) => duplicate.http_status(),
//!         Ok(claim) => {
//!             if let DeliveryEvent::MessageBounced(bounce) = &delivery.event {
//!                 assert_eq!(bounce.recipient, "ana@example.com"); // stop mailing this address
//!             }
//!             claim.done();
//!             204
//!         }
//!     },
//! };
//! assert_eq!(status, 204);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(feature = "axum")]
mod axum;
mod envelope;
mod receiver;
mod secret;
mod signature;
mod signer;
mod verifier;
mod webhook_id;

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use self::axum::DeliveryRejection;
pub use crate::inbound::Headers;
pub use envelope::{DeliveryEvent, Envelope};
pub use receiver::{Claim, Deduplicator, Delivery, Duplicate, Receiver};
pub use secret::{SecretError, WebhookSecret};
pub use signer::{SignedWebhook, Signer, WebhookHeaders};
pub use verifier::{VerifiedWebhook, Verifier};
pub use webhook_id::WebhookId;

use crate::validate::issue::{ErrorCode, ValidationError};

pub use crate::platform::RETRY_SCHEDULE;

/// The `webhook-id` header: the message id, the same on every retry.
pub const WEBHOOK_ID: &str = "webhook-id";
/// The `webhook-timestamp` header: integer Unix seconds of the attempt, signed.
pub const WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
/// The `webhook-signature` header: space-separated `v1,<base64>` entries.
pub const WEBHOOK_SIGNATURE: &str = "webhook-signature";

/// Why a delivery webhook was refused.
///
/// Messages name headers and reasons, never a secret or a signature. [`DeliveryError::http_status`]
/// is the status a receiving endpoint answers with: 401 when the request is not authenticated (no
/// signature, no matching signature, a timestamp outside the tolerance), 400 when it is malformed,
/// 422 when it is authentic but its event is unknown or invalid.
///
/// ```
/// use loop_contracts::delivery::DeliveryError;
///
/// let err = DeliveryError::InvalidSignature { v1_entries: 2 };
/// assert_eq!(err.to_string(), "no `v1` signature matches this request under a known secret (2 entries checked)");
/// assert_eq!(err.http_status(), 401);
/// let one = DeliveryError::InvalidSignature { v1_entries: 1 };
/// assert!(one.to_string().ends_with("(1 entry checked)"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeliveryError {
    /// A required header is absent (401 for `webhook-signature`, 400 for the others).
    #[error("missing header `{header}`")]
    MissingHeader {
        /// The header's name, lower case.
        header: &'static str,
    },
    /// A header's value is out of bounds or not of its form (400).
    #[error("malformed header `{header}`: {reason}")]
    MalformedHeader {
        /// The header's name, lower case.
        header: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// No `v1` entry matches: the request was forged or altered (a re-serialised body, a changed
    /// header), or signed with a secret this receiver does not hold (401).
    #[error(
        "no `v1` signature matches this request under a known secret ({v1_entries} {} checked)",
        if *.v1_entries == 1 { "entry" } else { "entries" }
    )]
    InvalidSignature {
        /// How many well-formed `v1` entries the header had.
        v1_entries: usize,
    },
    /// The signed timestamp is older than the tolerance: a replay, or a slow clock here (401).
    #[error("webhook timestamp is {age_secs} s old, beyond the tolerance of {tolerance_secs} s")]
    TimestampTooOld {
        /// How old, in whole seconds.
        age_secs: u64,
        /// The tolerance, in whole seconds.
        tolerance_secs: u64,
    },
    /// The signed timestamp is further ahead than the tolerance: a fast clock somewhere (401).
    #[error("webhook timestamp is {ahead_secs} s in the future, beyond the tolerance of {tolerance_secs} s")]
    TimestampTooNew {
        /// How far ahead, in whole seconds.
        ahead_secs: u64,
        /// The tolerance, in whole seconds.
        tolerance_secs: u64,
    },
    /// The body is not JSON (400), or its `data` is JSON this parser refuses: nested deeper than 128
    /// levels, a number beyond a double, a lone surrogate escape (the reason then starts with
    /// `` `data`: ``).
    #[error("the body is not JSON: {reason}")]
    NotJson {
        /// The parser's message.
        reason: String,
    },
    /// The body is JSON but not an envelope: a key missing or of the wrong type, a `timestamp` that
    /// is not a UTC datetime (400).
    #[error("the body is not a webhook envelope: {reason}")]
    MalformedEnvelope {
        /// What is wrong.
        reason: String,
    },
    /// The envelope's `type` is not a delivery event this version knows (422, `UNKNOWN_EVENT`).
    ///
    /// Only the platform can produce it once the signature verified: a newer event than this
    /// library knows. A host that would rather acknowledge such deliveries answers 2xx instead.
    #[error("unknown delivery event type {event_type:?}")]
    UnknownType {
        /// The `type`, cut to 200 characters.
        event_type: String,
    },
    /// The envelope's `data` is not a valid payload of its `type`: every issue, in Zod's order (422).
    #[error("invalid {event_type} payload: {}", error.message())]
    InvalidPayload {
        /// The event's name.
        event_type: &'static str,
        /// The engine's verdict, with its issues.
        error: ValidationError,
    },
}

impl DeliveryError {
    /// The platform's error code for this error (`docs/platform.md` §2.2): `UNAUTHORIZED`, `MALFORMED_REQUEST`,
    /// `UNKNOWN_EVENT` or `VALIDATION_ERROR`.
    ///
    /// ```
    /// use loop_contracts::delivery::DeliveryError;
    /// use loop_contracts::ErrorCode;
    ///
    /// assert_eq!(DeliveryError::MissingHeader { header: "webhook-signature" }.error_code(), ErrorCode::Unauthorized);
    /// assert_eq!(DeliveryError::MissingHeader { header: "webhook-id" }.error_code(), ErrorCode::MalformedRequest);
    /// ```
    pub fn error_code(&self) -> ErrorCode {
        match self {
            DeliveryError::MissingHeader { header } if *header == WEBHOOK_SIGNATURE => ErrorCode::Unauthorized,
            DeliveryError::InvalidSignature { .. }
            | DeliveryError::TimestampTooOld { .. }
            | DeliveryError::TimestampTooNew { .. } => ErrorCode::Unauthorized,
            DeliveryError::MissingHeader { .. }
            | DeliveryError::MalformedHeader { .. }
            | DeliveryError::NotJson { .. }
            | DeliveryError::MalformedEnvelope { .. } => ErrorCode::MalformedRequest,
            DeliveryError::UnknownType { .. } => ErrorCode::UnknownEvent,
            DeliveryError::InvalidPayload { .. } => ErrorCode::ValidationError,
        }
    }

    /// The HTTP status a receiving endpoint answers with: 401, 400 or 422.
    ///
    /// ```
    /// use loop_contracts::delivery::DeliveryError;
    ///
    /// assert_eq!(DeliveryError::TimestampTooOld { age_secs: 301, tolerance_secs: 300 }.http_status(), 401);
    /// assert_eq!(DeliveryError::NotJson { reason: "EOF".into() }.http_status(), 400);
    /// assert_eq!(DeliveryError::UnknownType { event_type: "message.complained.v1".into() }.http_status(), 422);
    /// ```
    pub fn http_status(&self) -> u16 {
        self.error_code().http_status()
    }

    /// The response body in the platform's error format (`{"ok": false, "error": {code, message,
    /// issues}}`), with the engine's issues for an invalid payload.
    ///
    /// ```
    /// use loop_contracts::delivery::DeliveryError;
    /// use serde_json::json;
    ///
    /// assert_eq!(DeliveryError::MissingHeader { header: "webhook-signature" }.to_response(), json!({
    ///     "ok": false,
    ///     "error": {"code": "UNAUTHORIZED", "message": "missing header `webhook-signature`", "issues": []},
    /// }));
    /// ```
    pub fn to_response(&self) -> serde_json::Value {
        match self {
            DeliveryError::InvalidPayload { error, .. } => error.to_response(),
            other => ValidationError::with_code(other.error_code(), other.to_string(), Vec::new()).to_response(),
        }
    }
}
