//! The idempotency-aware HTTP client of the platform API (`docs/platform.md` §4, §5.1). Behind the `client`
//! cargo feature (reqwest with rustls, tokio, governor).
//!
//! ```no_run
//! use loop_contracts::client::Client;
//! use loop_contracts::catalog::LeadCaptured;
//! use loop_contracts::Event;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder().key("lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?).build()?;
//! let lead = LeadCaptured::from_json_slice(br#"{
//!     "eventId": "550e8400-e29b-41d4-a716-446655440000",
//!     "occurredAt": "2026-05-19T12:00:00Z",
//!     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e",
//!     "email": "user@example.com", "source": "quiz_completion", "attribution": {}
//! }"#)?;
//! let accepted = client.send(&lead).await?;
//! println!("accepted {} (remaining {:?})", accepted.event_id, accepted.rate_limit.map(|r| r.remaining));
//! # Ok(())
//! # }
//! ```
//!
//! # What a send does
//!
//! 1. Validates the payload locally (the built-in catalog, the typed event's schema, or a schema
//!    fetched from `GET /api/events/schema/<name>` and cached): an invalid event never leaves the
//!    process and fails with [`SendError::Invalid`], carrying the platform's issues.
//! 2. Looks the eventId up in this process: an event already accepted returns its earlier
//!    [`Accepted`] without a request; a send of the same eventId already under way is joined
//!    (one request for both); the same eventId with another payload is [`SendError::Conflict`].
//! 3. Records the event in the [`Outbox`], if one is set.
//! 4. Posts `{"event", "payload"}` (the validated payload: unknown keys stripped, as the platform
//!    would strip them) with `Authorization: Bearer <key>` and
//!    `Idempotency-Key: <eventId>` (the same on every attempt), after the client-side rate
//!    limiter (the tier's rate and burst, via `governor`) lets it through.
//! 5. Retries per the [`RetryPolicy`]: 5xx and network errors after 1 s, 5 s, 30 s, 2 min,
//!    10 min; 429 waits for `Retry-After` (delay-seconds or an HTTP-date, RFC 9110 §10.2.3) /
//!    `X-RateLimit-Reset` without spending a retry, at most 10 min a wait; 400,
//!    401 and 422 are final ([`SendError::Rejected`], the 422 issues parsed). When the retries
//!    run out, [`SendError::Exhausted`] carries every attempt.
//!
//! # Idempotency guarantees
//!
//! - **In one process**: one eventId is sent at most once at a time, and once accepted it is
//!   answered from memory (a bounded cache, default 10,000 eventIds; older ones fall back to the
//!   platform's own replay).
//! - **Across restarts**: the in-memory state is gone. What makes a resend safe is the
//!   platform's idempotency (the same `Idempotency-Key` with the same payload is replayed, not
//!   processed again) within its window (24 h). An event whose send was cut short by a crash is
//!   lost unless the host recorded it: set an [`Outbox`] and call
//!   [`Client::resend_pending`] at start-up. Re-creating an event after a restart with a *new*
//!   eventId is not safe: it is a different event to the platform.

// The files, in the order a send passes them: `builder` (the settings and the checks of `build`),
// `send` (the public calls, validating locally; `discovery` fetches the schemas of names outside
// the catalog), `dedupe` (one flight per eventId, the accepted cache), `throttle` (the limiter and
// the hold), `deliver` (the send loop: attempts, answers, waits), `retry` (its decisions) and
// `sleep` (its waits). `response`, `body` and `error` are what a send returns; `outbox` is what it
// records. The files that add to `Client` use this one; this one uses the others only through
// `pub use` and the types of `Inner`'s fields.
mod body;
mod builder;
mod dedupe;
mod deliver;
mod discovery;
mod error;
mod outbox;
mod response;
pub mod retry;
mod send;
mod sleep;
mod throttle;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

pub use body::ResponseBody;
pub use builder::{ClientBuilder, DEFAULT_ACCEPTED_CACHE, DEFAULT_BASE_URL};
pub use error::{Attempt, AttemptOutcome, BuildError, SendError};
pub use outbox::{InMemoryOutbox, Outbox, OutboxEntry};
pub use response::{Accepted, RateLimit};
pub use retry::RetryPolicy;
pub use sleep::{Sleeper, TokioSleeper};

use crate::platform::api_key::{ApiKey, Tier};
use crate::schema::EventSchema;
use dedupe::Dedupe;
use throttle::Throttle;

/// What the clones of one client share.
struct Inner {
    http: reqwest::Client,
    key: ApiKey,
    base: String,
    /// `POST /api/events`, parsed once.
    events_url: reqwest::Url,
    /// `Bearer <key>`, built once and marked sensitive (left out of reqwest's `Debug`), and shared
    /// by every request (a clone is a reference to the same buffer). It is not zeroed on drop:
    /// a `HeaderValue` is immutable `Bytes`, and reqwest takes no other form of header.
    authorization: reqwest::header::HeaderValue,
    tier: Tier,
    policy: RetryPolicy,
    sleeper: Arc<dyn Sleeper>,
    outbox: Option<Arc<dyn Outbox>>,
    /// The client-side limiter and the hold every send waits out.
    throttle: Throttle,
    /// The sends under way and the accepted eventIds.
    dedupe: Dedupe,
    /// The discovery documents fetched so far, by event name.
    schemas: Mutex<HashMap<String, Arc<EventSchema>>>,
    /// The random key the retry delays' jitter is drawn with, one per client.
    jitter: std::collections::hash_map::RandomState,
}

/// The platform API client: cheap to clone (an `Arc` inside), `Send + Sync`, for any async host
/// service. See the [module documentation](self).
///
/// ```
/// # #[cfg(feature = "sandbox")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let sandbox = loop_contracts::sandbox::Sandbox::builder().start().await?;
/// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
/// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url()).build()?;
/// # let lead: loop_contracts::catalog::LeadCaptured = loop_contracts::Event::from_json_value(&serde_json::json!({
/// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
/// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
/// #     "source": "quiz_completion", "attribution": {},
/// # }))?;
/// let other = client.clone(); // the same connections, rate limiter and memory
/// let (a, b) = tokio::join!(client.send(&lead), other.send(&lead));
/// assert_eq!(a?.event_id, b?.event_id);
/// assert_eq!(sandbox.accepted().len(), 1); // one eventId, one event
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "sandbox"))]
/// # fn main() {}
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("key", &self.inner.key)
            .field("base_url", &self.inner.base)
            .field("tier", &self.inner.tier)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// The base URL.
    ///
    /// ```
    /// use loop_contracts::client::Client;
    ///
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// let client = Client::builder().key(key).base_url("https://comms.staging.example.com/").build()?;
    /// assert_eq!(client.base_url(), "https://comms.staging.example.com"); // without the trailing slash
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }
}
