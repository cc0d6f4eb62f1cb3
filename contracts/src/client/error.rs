//! The client's errors and the record of each attempt.

use std::time::Duration;

use uuid::Uuid;

use crate::validate::issue::{ErrorCode, ValidationError};

/// How one attempt ended.
///
/// ```
/// use loop_contracts::client::{AttemptOutcome, Client, RetryPolicy};
/// use loop_contracts::ErrorCode;
/// # #[cfg(feature = "sandbox")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use loop_contracts::sandbox::{FaultConfig, Sandbox};
/// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
/// # let lead: loop_contracts::catalog::LeadCaptured = loop_contracts::Event::from_json_value(&serde_json::json!({
/// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
/// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
/// #     "source": "quiz_completion", "attribution": {},
/// # }))?;
///
/// let sandbox = Sandbox::builder().faults(FaultConfig::seeded(1).with_error_rate(1.0)).start().await?; // 500s
/// let once = RetryPolicy::no_retries();
/// let client = Client::builder().key(key.clone()).base_url(sandbox.url()).retry_policy(once.clone()).build()?;
/// let err = client.send(&lead).await.unwrap_err();
/// let internal = AttemptOutcome::Status { status: 500, code: Some(ErrorCode::InternalError) };
/// assert_eq!(err.attempts()[0].outcome, internal);
///
/// let url = sandbox.url();
/// sandbox.shutdown().await; // nothing listens there any more
/// let client = Client::builder().key(key).base_url(url).retry_policy(once).build()?;
/// let err = client.send(&lead).await.unwrap_err();
/// let AttemptOutcome::Network(reason) = &err.attempts()[0].outcome else { panic!("no connection") };
/// assert!(!reason.contains("lk_test_")); // never the key
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "sandbox"))]
/// # fn main() {}
/// ```
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
///
/// ```
/// use std::time::Duration;
/// use loop_contracts::client::{Client, RetryPolicy};
/// # #[cfg(feature = "sandbox")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use loop_contracts::sandbox::FaultConfig;
/// # let sandbox = loop_contracts::sandbox::Sandbox::builder().start().await?;
/// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
/// # let lead: loop_contracts::catalog::LeadCaptured = loop_contracts::Event::from_json_value(&serde_json::json!({
/// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
/// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
/// #     "source": "quiz_completion", "attribution": {},
/// # }))?;
///
/// sandbox.set_faults(FaultConfig::seeded(1).with_error_rate(1.0))?; // every attempt: 500
/// let ms = Duration::from_millis;
/// let policy = RetryPolicy::default().with_delays([ms(10), ms(20)]);
/// let client = Client::builder().key(key).base_url(sandbox.url()).retry_policy(policy).build()?;
/// let err = client.send(&lead).await.unwrap_err();
/// let steps: Vec<(u32, Option<Duration>)> = err.attempts().iter().map(|a| (a.number, a.wait_after)).collect();
/// assert_eq!(steps, [(1, Some(ms(10))), (2, Some(ms(20))), (3, None)]); // no wait after the last one
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "sandbox"))]
/// # fn main() {}
/// ```
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
///
/// ```
/// use loop_contracts::client::{BuildError, Client};
///
/// assert_eq!(Client::builder().build().unwrap_err(), BuildError::MissingKey);
/// let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse().unwrap();
/// let err = Client::builder().key(key).base_url("https://ops:hunter2@comms.example.com").build().unwrap_err();
/// let BuildError::InvalidBaseUrl { url, .. } = &err else { panic!("{err}") };
/// assert_eq!(url, "https://[REDACTED]@comms.example.com");
/// assert!(!err.to_string().contains("hunter2"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No API key was given.
    #[error("no API key was given")]
    MissingKey,
    /// The base URL does not parse, is not `http`/`https` with a host, carries credentials, a query
    /// or a fragment, or names the API path itself.
    #[error("the base URL {url:?} is refused: {reason}")]
    InvalidBaseUrl {
        /// The URL as given, anything between the scheme and the last `@`, and any query or fragment,
        /// replaced by `[REDACTED]`.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
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
///
/// ```
/// use loop_contracts::client::SendError;
/// use serde_json::json;
/// # #[cfg(feature = "sandbox")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let sandbox = loop_contracts::sandbox::Sandbox::builder().start().await?;
/// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
/// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url()).build()?;
/// # let mut payload = json!({
/// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
/// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
/// #     "source": "quiz_completion", "attribution": {},
/// # });
///
/// let accepted = client.send_json("lead.captured.v1", &payload).await?;
/// payload["email"] = json!("someone.else@example.com"); // the same eventId, another payload
/// let err = client.send_json("lead.captured.v1", &payload).await.unwrap_err();
/// assert_eq!(err, SendError::Conflict { event_id: accepted.event_id });
/// // What to do next: a host keeps an event for later only when the platform could not be reached.
/// let keep_for_later = |err: &SendError| matches!(err, SendError::Exhausted { .. } | SendError::Discovery { .. });
/// assert!(!keep_for_later(&err)); // a conflict is final
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "sandbox"))]
/// # fn main() {}
/// ```
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
    ///
    /// ```
    /// use loop_contracts::client::Client;
    /// use loop_contracts::ErrorCode;
    /// # #[cfg(feature = "sandbox")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use loop_contracts::sandbox::Sandbox;
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// # let lead: loop_contracts::catalog::LeadCaptured = loop_contracts::Event::from_json_value(&serde_json::json!({
    /// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    /// #     "source": "quiz_completion", "attribution": {},
    /// # }))?;
    /// # let mut payload = serde_json::to_value(&lead)?;
    ///
    /// // Refused locally, before any request: the issues say what to fix.
    /// payload["email"] = serde_json::json!("not-an-email");
    /// let client = Client::builder().key(key.clone()).build()?; // the platform, never reached here
    /// let err = client.send_json("lead.captured.v1", &payload).await.unwrap_err();
    /// assert_eq!(err.validation_error().map(|e| e.issues()[0].path.as_str()), Some("email"));
    ///
    /// // Refused by the platform: here a sandbox that accepts another key only.
    /// let sandbox = Sandbox::builder().accept_key("lk_test_integration_suite_0002".parse()?).start().await?;
    /// let client = Client::builder().key(key).base_url(sandbox.url()).build()?;
    /// let err = client.send(&lead).await.unwrap_err();
    /// assert_eq!(err.validation_error().map(|e| e.code()), Some(ErrorCode::Unauthorized));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sandbox"))]
    /// # fn main() {}
    /// ```
    pub fn validation_error(&self) -> Option<&ValidationError> {
        match self {
            SendError::Invalid(e) | SendError::Rejected { error: e, .. } => Some(e),
            _ => None,
        }
    }

    /// The attempts made, empty when nothing was sent.
    ///
    /// ```
    /// use loop_contracts::client::{AttemptOutcome, Client, SendError};
    /// # #[cfg(feature = "sandbox")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use loop_contracts::sandbox::Sandbox;
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// # let lead: loop_contracts::catalog::LeadCaptured = loop_contracts::Event::from_json_value(&serde_json::json!({
    /// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    /// #     "source": "quiz_completion", "attribution": {},
    /// # }))?;
    ///
    /// let sandbox = Sandbox::builder().accept_key("lk_test_integration_suite_0002".parse()?).start().await?;
    /// let client = Client::builder().key(key).base_url(sandbox.url()).build()?; // a key it does not accept
    /// let err = client.send(&lead).await.unwrap_err();
    /// assert!(matches!(err, SendError::Rejected { status: 401, .. }));
    /// assert_eq!(err.attempts().len(), 1); // final: never retried
    /// assert!(matches!(err.attempts()[0].outcome, AttemptOutcome::Status { status: 401, .. }));
    /// assert!(SendError::Conflict { event_id: uuid::Uuid::nil() }.attempts().is_empty());
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sandbox"))]
    /// # fn main() {}
    /// ```
    pub fn attempts(&self) -> &[Attempt] {
        match self {
            SendError::Rejected { attempts, .. } | SendError::Exhausted { attempts } => attempts,
            _ => &[],
        }
    }
}
