//! The client's errors and the record of each attempt.

use std::time::Duration;

use uuid::Uuid;

use crate::issue::{ErrorCode, ValidationError};

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptOutcome {
    /// The server answered with this status; `code` is the error body's `error.code`, if any.
    Status {
        /// The HTTP status.
        status: u16,
        /// The platform's error code (`INTERNAL_ERROR`, `RATE_LIMITED`, …), when the body has one
        /// this crate knows; `None` for a body without a code, not JSON, or with a code newer
        /// than this crate (the status alone then decides what happens next).
        code: Option<ErrorCode>,
    },
    /// No response within the timeout.
    Timeout,
    /// No response: the connection failed or was closed. The text never contains the key.
    Network(String),
}

/// One attempt of a send: its number (from 1), how it ended, and the wait that followed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// 1 for the first attempt.
    pub number: u32,
    /// How it ended.
    pub outcome: AttemptOutcome,
    /// The wait before the next attempt, if there was one.
    pub wait_after: Option<Duration>,
}

/// Why a client could not be built. No variant carries the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No API key was given.
    #[error("no API key was given")]
    MissingKey,
    /// The base URL does not parse, is not `http`/`https` with a host, or carries credentials.
    #[error("the base URL {url:?} is not an http(s) URL with a host and without credentials")]
    InvalidBaseUrl {
        /// The URL as given, any `user:password@` replaced by `[REDACTED]@`.
        url: String,
    },
    /// The key would travel in clear text: plain `http://` to a host that is not loopback.
    #[error("refusing to send an API key over plain http:// to {host}, which is not a loopback host; use https://")]
    InsecureBaseUrl {
        /// The host.
        host: String,
    },
    /// The HTTP stack could not be set up (TLS, user agent).
    #[error("the HTTP client could not be built: {0}")]
    Http(String),
}

/// Why a send failed. Cheap to clone: concurrent sends of one event share one result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// Local validation failed; nothing was sent. The issues are the platform's.
    #[error("the event is invalid and was not sent: {0}")]
    Invalid(ValidationError),
    /// The platform refused the event for good (400, 401, 422, or another final 4xx); never
    /// retried. A 422 body is parsed into the same [`ValidationError`] as local validation.
    #[error("the platform refused the event ({status}): {error}")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The platform's error, issues included.
        error: ValidationError,
        /// Every attempt (the last one is the refusal).
        attempts: Vec<Attempt>,
    },
    /// This eventId was already used with a different event or payload (in this process, or as
    /// the platform's `409 IDEMPOTENCY_CONFLICT` says).
    #[error("eventId {event_id} was already sent with a different payload")]
    Conflict {
        /// The eventId.
        event_id: Uuid,
    },
    /// Every retry was spent (or 429s outlasted their bound); carries every attempt's outcome.
    #[error("gave up after {} attempts; the last: {:?}", attempts.len(), attempts.last().map(|a| &a.outcome))]
    Exhausted {
        /// Every attempt, in order.
        attempts: Vec<Attempt>,
    },
    /// The schema of an event outside the built-in catalog could not be fetched.
    #[error("could not fetch the schema of {name}: {reason}")]
    Discovery {
        /// The event name.
        name: String,
        /// What went wrong.
        reason: String,
    },
    /// The outbox refused to record the pending event; nothing was sent.
    #[error("the outbox could not record the event, nothing was sent: {0}")]
    Outbox(String),
}

impl SendError {
    /// The platform's (or local validation's) error, for [`Invalid`](Self::Invalid) and
    /// [`Rejected`](Self::Rejected).
    pub fn validation_error(&self) -> Option<&ValidationError> {
        match self {
            SendError::Invalid(e) | SendError::Rejected { error: e, .. } => Some(e),
            _ => None,
        }
    }

    /// The attempts made, empty when nothing was sent.
    pub fn attempts(&self) -> &[Attempt] {
        match self {
            SendError::Rejected { attempts, .. } | SendError::Exhausted { attempts } => attempts,
            _ => &[],
        }
    }
}
