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
//!    10 min; 429 waits for `Retry-After` / `X-RateLimit-Reset` without spending a retry; 400,
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

mod body;
mod error;
mod outbox;
pub mod retry;
mod sleep;

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::header::{HeaderMap, HeaderName, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::platform::headers;
use crate::sync::lock;
use tracing::Instrument;
use uuid::Uuid;

pub use body::ResponseBody;
pub use error::{Attempt, AttemptOutcome, BuildError, SendError};
pub use outbox::{InMemoryOutbox, Outbox, OutboxEntry};
pub use retry::RetryPolicy;
pub use sleep::{Sleeper, TokioSleeper};

use crate::api_key::{ApiKey, Tier};
use crate::catalog::catalog;
use crate::event::Event;
use crate::issue::{ErrorCode, ErrorResponse, ValidationError};
use crate::schema::EventSchema;
use retry::{Decision, Failure};

/// The platform's base URL.
pub const DEFAULT_BASE_URL: &str = "https://comms.loop.health";
/// The default number of accepted eventIds remembered in memory.
pub const DEFAULT_ACCEPTED_CACHE: usize = 10_000;

/// The rate-limit figures of a response (`X-RateLimit-*`).
///
/// ```
/// use loop_contracts::client::RateLimit;
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
///
/// let accepted = client.send(&lead).await?;
/// let RateLimit { limit, remaining, reset } = accepted.rate_limit.expect("X-RateLimit-* headers");
/// assert_eq!(limit, 100); // the Standard tier: 100 requests per second,
/// assert_eq!(remaining, 199); // a burst of 200, one of them just spent
/// assert!(reset >= std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs());
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "sandbox"))]
/// # fn main() {}
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// `X-RateLimit-Limit`: the tier's requests per second.
    pub limit: u64,
    /// `X-RateLimit-Remaining`: requests that may still be sent at once.
    pub remaining: u64,
    /// `X-RateLimit-Reset`: Unix seconds at which the bucket is full again.
    pub reset: u64,
}

impl RateLimit {
    fn from_headers(headers: &HeaderMap) -> Option<RateLimit> {
        Some(RateLimit {
            limit: header_u64(headers, &X_RATELIMIT_LIMIT)?,
            remaining: header_u64(headers, &X_RATELIMIT_REMAINING)?,
            reset: header_u64(headers, &X_RATELIMIT_RESET)?,
        })
    }
}

/// An accepted event.
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
/// let first = client.send(&lead).await?;
/// assert_eq!((first.event.as_str(), first.attempts, first.cached), ("lead.captured.v1", 1, false));
/// assert_eq!(first.body["ok"], true);
/// let again = client.send(&lead).await?; // the same eventId: answered from memory
/// assert!(again.cached && again.event_id == first.event_id && again.body == first.body);
/// assert_eq!(sandbox.accepted().len(), 1);
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "sandbox"))]
/// # fn main() {}
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Accepted {
    /// The event name.
    pub event: String,
    /// The eventId (the Idempotency-Key).
    pub event_id: Uuid,
    /// The response body (`{"ok": true, …}`), parsed when first looked at.
    pub body: ResponseBody,
    /// The rate-limit figures of the accepting response.
    pub rate_limit: Option<RateLimit>,
    /// The platform answered `Idempotent-Replayed: true`: it had accepted this event before.
    pub replayed: bool,
    /// The attempts the send took (1 without retries).
    pub attempts: u32,
    /// Answered from this process's memory, without a request.
    pub cached: bool,
}

/// Builds a [`Client`].
///
/// ```
/// use std::time::Duration;
/// use loop_contracts::client::{Client, RetryPolicy};
/// # #[cfg(feature = "sandbox")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let sandbox = loop_contracts::sandbox::Sandbox::builder().start().await?;
/// # let lead: loop_contracts::catalog::LeadCaptured = loop_contracts::Event::from_json_value(&serde_json::json!({
/// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
/// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
/// #     "source": "quiz_completion", "attribution": {},
/// # }))?;
///
/// let client = Client::builder()
///     .key("lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?)
///     .base_url(sandbox.url()) // the platform by default; here an in-process sandbox
///     .timeout(Duration::from_secs(5))
///     .retry_policy(RetryPolicy::default().with_delays([Duration::from_millis(50); 3]))
///     .build()?;
/// assert_eq!(client.send(&lead).await?.body["ok"], true);
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "sandbox"))]
/// # fn main() {}
/// ```
pub struct ClientBuilder {
    key: Option<ApiKey>,
    base_url: String,
    tier: Tier,
    rate_limit: bool,
    timeout: Duration,
    connect_timeout: Duration,
    policy: RetryPolicy,
    user_agent: String,
    sleeper: Arc<dyn Sleeper>,
    outbox: Option<Arc<dyn Outbox>>,
    accepted_cache: usize,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("key", &self.key)
            .field("base_url", &shown_url(&self.base_url))
            .field("tier", &self.tier)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            key: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            tier: Tier::STANDARD,
            rate_limit: true,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            policy: RetryPolicy::default(),
            user_agent: concat!("loop-contracts/", env!("CARGO_PKG_VERSION")).to_owned(),
            sleeper: Arc::new(TokioSleeper),
            outbox: None,
            accepted_cache: DEFAULT_ACCEPTED_CACHE,
        }
    }
}

impl ClientBuilder {
    /// The API key (required).
    ///
    /// ```
    /// use loop_contracts::client::{BuildError, Client};
    ///
    /// assert_eq!(Client::builder().build().unwrap_err(), BuildError::MissingKey);
    /// let client = Client::builder().key("lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?).build()?;
    /// # let _ = client;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn key(mut self, key: ApiKey) -> Self {
        self.key = Some(key);
        self
    }

    /// The base URL (default [`DEFAULT_BASE_URL`]); plain `http://` only to loopback hosts.
    ///
    /// ```
    /// use loop_contracts::client::{BuildError, Client};
    ///
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// assert!(Client::builder().key(key.clone()).base_url("https://comms.staging.example.com").build().is_ok());
    /// assert!(Client::builder().key(key.clone()).base_url("http://localhost:8787").build().is_ok());
    /// let err = Client::builder().key(key).base_url("ftp://comms.example.com").build().unwrap_err();
    /// assert!(matches!(err, BuildError::InvalidBaseUrl { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The rate-limit tier the client keeps itself under (default Standard). When the server
    /// announces a lower rate (`X-RateLimit-Limit`), the client follows it, never going above the
    /// tier; the server does not announce its burst, so one second's worth is assumed below it.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use loop_contracts::api_key::Tier;
    /// use loop_contracts::client::Client;
    /// # #[cfg(feature = "sandbox")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sandbox = loop_contracts::sandbox::Sandbox::builder().start().await?;
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// # let lead = |i: u64| serde_json::json!({
    /// #     "eventId": format!("550e8400-e29b-41d4-a716-{i:012x}"), "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": format!("lead{i}@example.com"),
    /// #     "source": "quiz_completion", "attribution": {},
    /// # });
    ///
    /// let slow = Tier::new(20, 1).unwrap(); // 20 requests per second, one at a time
    /// let client = Client::builder().key(key).base_url(sandbox.url()).tier(slow).build()?;
    /// let started = Instant::now();
    /// for i in 0..3 {
    ///     client.send_json("lead.captured.v1", &lead(i)).await?;
    /// }
    /// assert!(started.elapsed() >= Duration::from_millis(100)); // the 2nd and 3rd waited 50 ms each
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sandbox"))]
    /// # fn main() {}
    /// ```
    pub fn tier(mut self, tier: Tier) -> Self {
        self.tier = tier;
        self
    }

    /// Turns the client-side rate limiter off (on by default).
    ///
    /// ```
    /// use loop_contracts::client::Client;
    ///
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// // Something in front already paces the requests; 429s are still waited out.
    /// let client = Client::builder().key(key).client_rate_limit(false).build()?;
    /// # let _ = client;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn client_rate_limit(mut self, on: bool) -> Self {
        self.rate_limit = on;
        self
    }

    /// The timeout of one attempt, response body included (default 30 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// use loop_contracts::client::{AttemptOutcome, Client, RetryPolicy};
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
    /// sandbox.set_faults(FaultConfig::seeded(1).with_latency(Duration::from_millis(500), Duration::ZERO))?;
    /// let client = Client::builder()
    ///     .key(key)
    ///     .base_url(sandbox.url())
    ///     .timeout(Duration::from_millis(50))
    ///     .retry_policy(RetryPolicy::no_retries())
    ///     .build()?;
    /// let err = client.send(&lead).await.unwrap_err();
    /// assert_eq!(err.attempts()[0].outcome, AttemptOutcome::Timeout);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sandbox"))]
    /// # fn main() {}
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The connect timeout (default 10 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// use loop_contracts::client::Client;
    ///
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// let client = Client::builder().key(key).connect_timeout(Duration::from_secs(2)).build()?;
    /// # let _ = client;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The retry policy (default: the platform's schedule).
    ///
    /// ```
    /// use std::time::Duration;
    /// use loop_contracts::client::{Client, RetryPolicy, SendError};
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
    /// let policy = RetryPolicy::default().with_delays([Duration::from_millis(10); 2]);
    /// let client = Client::builder().key(key).base_url(sandbox.url()).retry_policy(policy).build()?;
    /// let Err(SendError::Exhausted { attempts }) = client.send(&lead).await else { panic!("gave up") };
    /// assert_eq!(attempts.len(), 3); // the first attempt and two retries
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sandbox"))]
    /// # fn main() {}
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The `User-Agent` (default `loop-contracts/<version>`).
    ///
    /// ```
    /// use loop_contracts::client::Client;
    ///
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// let client = Client::builder().key(key).user_agent("checkout-service/2.3 loop-contracts").build()?;
    /// # let _ = client;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// What waits between attempts (default [`TokioSleeper`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use loop_contracts::client::Client;
    /// # #[derive(Clone, Default)]
    /// # struct Recorder(std::sync::Arc<std::sync::Mutex<Vec<Duration>>>);
    /// # impl loop_contracts::client::Sleeper for Recorder {
    /// #     fn sleep(&self, delay: Duration) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
    /// #         self.0.lock().unwrap().push(delay);
    /// #         Box::pin(async {})
    /// #     }
    /// # }
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
    /// let recorder = Recorder::default(); // a Sleeper that notes each wait and returns at once
    /// let client = Client::builder().key(key).base_url(sandbox.url()).sleeper(recorder.clone()).build()?;
    /// sandbox.set_faults(FaultConfig::seeded(1).with_error_rate(1.0))?; // every attempt: 500
    /// assert!(client.send(&lead).await.is_err()); // six attempts, no time spent waiting
    /// assert_eq!(*recorder.0.lock().unwrap(), [1, 5, 30, 120, 600].map(Duration::from_secs));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sandbox"))]
    /// # fn main() {}
    /// ```
    pub fn sleeper(mut self, sleeper: impl Sleeper) -> Self {
        self.sleeper = Arc::new(sleeper);
        self
    }

    /// An outbox that records pending sends.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use loop_contracts::client::{Client, InMemoryOutbox, Outbox};
    /// # #[cfg(feature = "sandbox")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sandbox = loop_contracts::sandbox::Sandbox::builder().start().await?;
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// # let lead: loop_contracts::catalog::LeadCaptured = loop_contracts::Event::from_json_value(&serde_json::json!({
    /// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    /// #     "source": "quiz_completion", "attribution": {},
    /// # }))?;
    ///
    /// let outbox = Arc::new(InMemoryOutbox::default()); // a durable store in a real host
    /// let client = Client::builder().key(key).base_url(sandbox.url()).outbox(outbox.clone()).build()?;
    /// client.send(&lead).await?;
    /// assert!(outbox.pending().is_empty()); // recorded before the first attempt, done once accepted
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sandbox"))]
    /// # fn main() {}
    /// ```
    pub fn outbox(mut self, outbox: Arc<dyn Outbox>) -> Self {
        self.outbox = Some(outbox);
        self
    }

    /// How many accepted eventIds are remembered in memory (default 10,000; 0 turns it off).
    ///
    /// ```
    /// use loop_contracts::client::Client;
    /// # #[cfg(feature = "sandbox")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sandbox = loop_contracts::sandbox::Sandbox::builder().start().await?;
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// # let lead: loop_contracts::catalog::LeadCaptured = loop_contracts::Event::from_json_value(&serde_json::json!({
    /// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    /// #     "source": "quiz_completion", "attribution": {},
    /// # }))?;
    ///
    /// let client = Client::builder().key(key).base_url(sandbox.url()).accepted_cache(0).build()?;
    /// let first = client.send(&lead).await?;
    /// let again = client.send(&lead).await?; // asks the platform again, which replays its answer
    /// assert!(!again.cached && again.replayed && again.event_id == first.event_id);
    /// assert_eq!(sandbox.accepted().len(), 1);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sandbox"))]
    /// # fn main() {}
    /// ```
    pub fn accepted_cache(mut self, entries: usize) -> Self {
        self.accepted_cache = entries;
        self
    }

    /// Builds the client. Nothing is connected yet.
    ///
    /// ```
    /// use loop_contracts::client::{BuildError, Client};
    ///
    /// let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse().unwrap();
    /// let err = Client::builder().key(key.clone()).base_url("http://comms.example.com").build().unwrap_err();
    /// assert!(matches!(err, BuildError::InsecureBaseUrl { .. }));
    /// assert!(Client::builder().key(key).base_url("http://127.0.0.1:8787").build().is_ok());
    /// ```
    ///
    /// # Errors
    ///
    /// [`BuildError`]: no key, a bad base URL, or plain `http://` to a host that is not loopback.
    pub fn build(self) -> Result<Client, BuildError> {
        let key = self.key.ok_or(BuildError::MissingKey)?;
        let base = self.base_url.trim_end_matches('/').to_owned();
        let invalid = |reason: &'static str| BuildError::InvalidBaseUrl { url: shown_url(&self.base_url), reason };
        // `localhost:8787` would parse, as the scheme `localhost`.
        if !base.contains("://") {
            return Err(invalid("it has no scheme: write https://host (or http:// to a loopback host)"));
        }
        let url = url::Url::parse(&base).map_err(|_| invalid("it does not parse as a URL"))?;
        // Credentials in the URL would travel beside the bearer key and show wherever it is logged.
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("it carries credentials: the API key is the only one sent"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("it has a query or fragment: the client appends /api/events to the base URL"));
        }
        if url.path().ends_with("/api/events") || url.path().ends_with("/api") {
            return Err(invalid("it names the API path: give the platform's root, the client appends /api/events"));
        }
        let Some(host) = url.host() else { return Err(invalid("it has no host")) };
        let loopback = match &host {
            // By name only `localhost` itself: `*.localhost` should resolve to loopback (RFC 6761)
            // but is looked up through DNS on many systems, where anyone may answer for it.
            url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
            url::Host::Ipv4(ip) => ip.is_loopback(),
            url::Host::Ipv6(ip) => ip.is_loopback(),
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => return Err(BuildError::InsecureBaseUrl { host: host.to_string() }),
            _ => return Err(invalid("its scheme is not http or https")),
        }
        let mut http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(self.user_agent)
            // A 3xx is a misconfiguration, answered as final; following it would re-send the event.
            .redirect(reqwest::redirect::Policy::none());
        if loopback {
            http = http.no_proxy();
        }
        // With `client-rustls-ring` alone, reqwest has no crypto provider of its own: ring becomes
        // the process default unless the host installed one first (then that one is kept).
        #[cfg(all(feature = "client-rustls-ring", not(feature = "client")))]
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = http.build().map_err(|e| BuildError::Http(e.to_string()))?;
        let events_url =
            reqwest::Url::parse(&format!("{base}/api/events")).map_err(|_| invalid("it does not parse as a URL"))?;
        let mut authorization = reqwest::header::HeaderValue::try_from(format!("Bearer {}", key.expose_secret()))
            .map_err(|e| BuildError::Http(e.to_string()))?;
        authorization.set_sensitive(true);
        let limiter = self.rate_limit.then(|| Mutex::new(Limiter::new(self.tier.per_second(), self.tier.burst())));
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                key,
                events_url,
                authorization,
                base,
                tier: self.tier,
                policy: self.policy,
                sleeper: self.sleeper,
                outbox: self.outbox,
                limiter,
                epoch: Instant::now(),
                hold_until: AtomicU64::new(0),
                state: Mutex::new(SendState {
                    flights: HashMap::new(),
                    accepted: AcceptedCache::new(self.accepted_cache),
                }),
                schemas: Mutex::new(HashMap::new()),
                jitter: std::collections::hash_map::RandomState::new(),
            }),
        })
    }
}

/// One send under way, shared by concurrent sends of its eventId.
type Flight = Arc<tokio::sync::OnceCell<Result<Accepted, SendError>>>;

struct Inner {
    http: reqwest::Client,
    key: ApiKey,
    base: String,
    /// `POST /api/events`, parsed once.
    events_url: reqwest::Url,
    /// `Bearer <key>`, built once and marked sensitive (left out of reqwest's `Debug`).
    authorization: reqwest::header::HeaderValue,
    tier: Tier,
    policy: RetryPolicy,
    sleeper: Arc<dyn Sleeper>,
    outbox: Option<Arc<dyn Outbox>>,
    limiter: Option<Mutex<Limiter>>,
    /// The base of `hold_until`.
    epoch: Instant,
    /// Nanoseconds after `epoch` until which every send waits (0: none); an atomic, because every
    /// send reads it.
    hold_until: AtomicU64,
    /// The sends under way and the accepted eventIds, under one lock taken twice per send.
    state: Mutex<SendState>,
    schemas: Mutex<HashMap<String, Arc<EventSchema>>>,
    jitter: std::collections::hash_map::RandomState,
}

/// The client-side limiter at its current rate: the tier's, or the server's when it announces a
/// lower one in `X-RateLimit-Limit`.
struct Limiter {
    per_second: u32,
    tier_per_second: u32,
    tier_burst: u32,
    bucket: Arc<DefaultDirectRateLimiter>,
}

impl Limiter {
    fn new(per_second: u32, burst: u32) -> Self {
        Limiter {
            per_second,
            tier_per_second: per_second,
            tier_burst: burst,
            bucket: Arc::new(Self::bucket(per_second, burst)),
        }
    }

    fn bucket(per_second: u32, burst: u32) -> DefaultDirectRateLimiter {
        let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        // Part of the burst is kept in reserve: requests released in step reach the server with
        // varying latency, and bunched arrivals must not overdraw its bucket. The reserve covers
        // a stall of 200 ms (a fifth of a second's requests), at least a tenth of the burst, at
        // most half of it.
        let reserve = (burst / 10).max(per_second / 5).min(burst / 2);
        let burst = NonZeroU32::new(burst - reserve).unwrap_or(NonZeroU32::MIN);
        RateLimiter::direct(Quota::per_second(rate).allow_burst(burst))
    }

    /// Follows the server's announced rate, never above the configured tier. The server does not
    /// announce its burst, so below the tier one second's worth of requests is assumed.
    fn follow(&mut self, announced: u64) {
        let target = u32::try_from(announced).unwrap_or(u32::MAX).clamp(1, self.tier_per_second);
        if target == self.per_second {
            return;
        }
        let burst = if target == self.tier_per_second { self.tier_burst } else { target.min(self.tier_burst) };
        tracing::info!(from = self.per_second, to = target, "following the server's rate limit");
        self.per_second = target;
        self.bucket = Arc::new(Self::bucket(target, burst));
    }
}

/// Takes a flight out of the map when the send that holds it is dropped (cancelled by its caller)
/// before the flight has a result and no other send waits on it; otherwise it would stay there for
/// good. A waiting send takes an abandoned flight over (`OnceCell` hands the initialization on).
struct ForgetIfAbandoned<'a> {
    state: &'a Mutex<SendState>,
    event_id: Uuid,
    flight: &'a Flight,
}

impl Drop for ForgetIfAbandoned<'_> {
    fn drop(&mut self) {
        if self.flight.initialized() {
            return;
        }
        let mut state = lock(self.state);
        let Some(in_flight) = state.flights.get_mut(&self.event_id) else { return };
        if Arc::ptr_eq(&in_flight.flight, self.flight) {
            // Counted under the lock, so sends dropped at the same moment see each other leave.
            in_flight.waiting -= 1;
            if in_flight.waiting == 0 {
                state.flights.remove(&self.event_id);
            }
        }
    }
}

/// A send under way as the map holds it.
struct InFlight {
    fingerprint: [u8; 32],
    flight: Flight,
    /// The sends waiting on it (only those that drop out before it has a result leave the count).
    waiting: usize,
}

/// What the sends of one client share.
struct SendState {
    flights: HashMap<Uuid, InFlight>,
    accepted: AcceptedCache,
}

/// An accepted event as the cache keeps it: the response body is the acceptance's own shared
/// buffer, so that remembering an acceptance copies nothing.
#[derive(Clone)]
struct Remembered {
    fingerprint: [u8; 32],
    event: String,
    body: Bytes,
    rate_limit: Option<RateLimit>,
    replayed: bool,
    attempts: u32,
}

impl Remembered {
    fn answer(&self, event_id: Uuid) -> Accepted {
        Accepted {
            event: self.event.clone(),
            event_id,
            body: ResponseBody::from(self.body.clone()),
            rate_limit: self.rate_limit,
            replayed: self.replayed,
            attempts: self.attempts,
            cached: true,
        }
    }
}

/// The accepted eventIds of this process, oldest dropped first.
struct AcceptedCache {
    capacity: usize,
    order: VecDeque<Uuid>,
    entries: HashMap<Uuid, Remembered>,
}

impl AcceptedCache {
    fn new(capacity: usize) -> Self {
        AcceptedCache { capacity, order: VecDeque::new(), entries: HashMap::new() }
    }

    fn insert(&mut self, fingerprint: [u8; 32], accepted: &Accepted) {
        if self.capacity == 0 || self.entries.contains_key(&accepted.event_id) {
            return;
        }
        while self.order.len() >= self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.entries.remove(&old);
            }
        }
        self.order.push_back(accepted.event_id);
        let remembered = Remembered {
            fingerprint,
            event: accepted.event.clone(),
            body: accepted.body.raw(),
            rate_limit: accepted.rate_limit,
            replayed: accepted.replayed,
            attempts: accepted.attempts,
        };
        self.entries.insert(accepted.event_id, remembered);
    }
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

// Header names as values: a lookup by `&str` parses the name on every call.
const X_RATELIMIT_LIMIT: HeaderName = HeaderName::from_static(headers::RATE_LIMIT_LIMIT);
const X_RATELIMIT_REMAINING: HeaderName = HeaderName::from_static(headers::RATE_LIMIT_REMAINING);
const X_RATELIMIT_RESET: HeaderName = HeaderName::from_static(headers::RATE_LIMIT_RESET);
const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static(headers::IDEMPOTENCY_KEY);
const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static(headers::IDEMPOTENT_REPLAYED);

fn header_u64(headers: &HeaderMap, name: &HeaderName) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// The most a response body may hold: the platform's answers are small (an acceptance, an error
/// with its issues, a discovery document); a server sending more is cut off, not buffered.
const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// Reads a response body up to [`MAX_RESPONSE_BYTES`] into a buffer of its own: a chunk as hyper
/// hands it over shares the connection's whole read buffer, which an acceptance kept in the
/// accepted cache would otherwise pin (8 KiB or more per remembered event).
async fn read_bounded(mut response: reqwest::Response) -> Result<Bytes, String> {
    async fn next(response: &mut reqwest::Response) -> Result<Option<Bytes>, String> {
        response.chunk().await.map_err(|e| e.without_url().to_string())
    }
    let too_long = || format!("the response body is over {MAX_RESPONSE_BYTES} bytes");
    let Some(first) = next(&mut response).await? else { return Ok(Bytes::new()) };
    if first.len() > MAX_RESPONSE_BYTES {
        return Err(too_long());
    }
    let Some(mut chunk) = next(&mut response).await? else { return Ok(Bytes::copy_from_slice(&first)) };
    let mut body = Vec::with_capacity(first.len() + chunk.len());
    body.extend_from_slice(&first);
    loop {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(too_long());
        }
        body.extend_from_slice(&chunk);
        match next(&mut response).await? {
            Some(more) => chunk = more,
            None => return Ok(body.into()),
        }
    }
}

/// Refuses a payload nested deeper than JSON text can be (the parser's limit): copying or
/// serializing a `Value` recurses, and one built in memory 10,000 levels deep would overflow the
/// stack.
fn refuse_deep(payload: &Value) -> Result<(), SendError> {
    // Recursion is safe here: it stops at the limit, long before the stack would run out.
    fn within(value: &Value, depth: usize) -> bool {
        let deeper = depth + 1;
        match value {
            Value::Array(items) => deeper <= MAX_DEPTH && items.iter().all(|child| within(child, deeper)),
            Value::Object(map) => deeper <= MAX_DEPTH && map.values().all(|child| within(child, deeper)),
            _ => true,
        }
    }
    const MAX_DEPTH: usize = crate::codec::MAX_RECORD_DEPTH;
    if within(payload, 0) {
        Ok(())
    } else {
        let message = format!("the payload is nested deeper than {} levels", crate::codec::MAX_RECORD_DEPTH);
        Err(SendError::Invalid(ValidationError::malformed(message)))
    }
}

/// A URL as it may be shown: everything between the scheme and the last `@` replaced, and so is
/// what follows a `?` or `#` after it (a query may carry a token as well as credentials may).
///
/// The text may not parse, and a password may hold `/`, `?` or `#`, so where the authority ends
/// cannot be known: any `@` may close credentials, and the last one is taken.
fn shown_url(url: &str) -> String {
    let (head, rest) = match url.rfind('@') {
        None => (String::new(), url),
        Some(at) => {
            let scheme_end = match url.find("://") {
                Some(i) if i < at => i + 3,
                _ => url
                    .find(':')
                    .filter(|&i| i < at && url[..i].bytes().all(|b| b.is_ascii_alphabetic()))
                    .map_or(0, |i| i + 1),
            };
            (format!("{}[REDACTED]@", &url[..scheme_end]), &url[at + 1..])
        }
    };
    match rest.find(['?', '#']) {
        Some(i) => format!("{head}{}{}[REDACTED]", &rest[..i], &rest[i..=i]),
        None => format!("{head}{rest}"),
    }
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The request body of `POST /api/events`, serialized from borrowed parts.
#[derive(serde::Serialize)]
struct RequestBody<'a> {
    event: &'a str,
    payload: &'a Value,
}

impl Client {
    /// A builder with the defaults.
    ///
    /// ```
    /// use loop_contracts::client::{Client, DEFAULT_BASE_URL};
    ///
    /// let client = Client::builder().key("lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?).build()?;
    /// assert_eq!(client.base_url(), DEFAULT_BASE_URL);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

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

    /// Sends a typed event: validates it against its schema, then posts it.
    ///
    /// # Errors
    ///
    /// See [`SendError`].
    ///
    /// ```
    /// use loop_contracts::catalog::LeadCaptured;
    /// use loop_contracts::Event;
    /// # #[cfg(feature = "sandbox")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sandbox = loop_contracts::sandbox::Sandbox::builder().start().await?;
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url()).build()?;
    ///
    /// let lead = LeadCaptured::from_json_value(&serde_json::json!({
    ///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    ///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    ///     "source": "quiz_completion", "attribution": {},
    /// }))?;
    /// let accepted = client.send(&lead).await?;
    /// assert_eq!(accepted.event_id, lead.event_id()); // also the Idempotency-Key
    /// assert_eq!(sandbox.accepted()[0].event, "lead.captured.v1");
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sandbox"))]
    /// # fn main() {}
    /// ```
    pub async fn send<E: Event>(&self, event: &E) -> Result<Accepted, SendError> {
        let payload = serde_json::to_value(event).map_err(|e| {
            SendError::Invalid(ValidationError::malformed(format!("the event does not serialize: {e}")))
        })?;
        refuse_deep(&payload)?;
        let validated = E::schema().validate_owned(payload).map_err(SendError::Invalid)?;
        self.send_checked(E::NAME, &validated, event.event_id()).await
    }

    /// Sends an event by name with a JSON payload. Names in the built-in catalog are validated
    /// against it; other names against the schema fetched with [`schema`](Self::schema).
    ///
    /// # Errors
    ///
    /// See [`SendError`]; an unknown name is [`SendError::Invalid`] with `UNKNOWN_EVENT`.
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
    /// # let lead = |i: u64| serde_json::json!({
    /// #     "eventId": format!("550e8400-e29b-41d4-a716-{i:012x}"), "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": format!("lead{i}@example.com"),
    /// #     "source": "quiz_completion", "attribution": {},
    /// # });
    /// # let mut payload = lead(1);
    ///
    /// let accepted = client.send_json("lead.captured.v1", &payload).await?; // payload: a serde_json::Value
    /// assert_eq!(accepted.body["ok"], true);
    /// payload["email"] = json!("not-an-email");
    /// let refused = client.send_json("lead.captured.v1", &payload).await.unwrap_err();
    /// assert!(matches!(refused, SendError::Invalid(_))); // refused locally: nothing was sent
    /// assert_eq!(sandbox.accepted().len(), 1);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sandbox"))]
    /// # fn main() {}
    /// ```
    pub async fn send_json(&self, name: &str, payload: &Value) -> Result<Accepted, SendError> {
        refuse_deep(payload)?;
        let validated = match catalog().get(name) {
            Some(schema) => schema.validate_cow(payload).map_err(SendError::Invalid)?,
            None => self.schema(name).await?.validate_cow(payload).map_err(SendError::Invalid)?,
        };
        let event_id = payload
            .get("eventId")
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| SendError::Invalid(ValidationError::malformed("payload.eventId is not a UUID")))?;
        self.send_checked(name, &validated, event_id).await
    }

    /// Sends again every event the outbox holds as pending (after a restart), in order.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use loop_contracts::client::{Client, InMemoryOutbox, Outbox, RetryPolicy};
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
    /// let outbox = Arc::new(InMemoryOutbox::default()); // a durable store in a real host
    /// let builder = || Client::builder().key(key.clone()).base_url(sandbox.url()).outbox(outbox.clone());
    /// sandbox.set_faults(FaultConfig::seeded(1).with_error_rate(1.0))?; // the platform is failing
    /// assert!(builder().retry_policy(RetryPolicy::no_retries()).build()?.send(&lead).await.is_err());
    /// assert_eq!(outbox.pending().len(), 1);
    /// sandbox.set_faults(FaultConfig::default())?;
    /// let results = builder().build()?.resend_pending().await; // e.g. at the next start-up
    /// assert!(results.len() == 1 && results[0].1.is_ok() && outbox.pending().is_empty());
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sandbox"))]
    /// # fn main() {}
    /// ```
    pub async fn resend_pending(&self) -> Vec<(Uuid, Result<Accepted, SendError>)> {
        let Some(outbox) = self.inner.outbox.clone() else { return Vec::new() };
        let mut results = Vec::new();
        for entry in outbox.pending() {
            let result = self.send_json(&entry.event, &entry.payload).await;
            results.push((entry.event_id, result));
        }
        results
    }

    /// The discovery document of an event, fetched from `GET /api/events/schema/<name>` (no
    /// Idempotency-Key) and cached for the client's lifetime.
    ///
    /// # Errors
    ///
    /// [`SendError::Invalid`] with `UNKNOWN_EVENT` when the platform does not know the name;
    /// [`SendError::Discovery`] when the request or the document fails.
    ///
    /// ```
    /// use loop_contracts::client::SendError;
    /// # #[cfg(feature = "sandbox")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sandbox = loop_contracts::sandbox::Sandbox::builder().start().await?;
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url()).build()?;
    ///
    /// let schema = client.schema("lead.captured.v1").await?; // GET /api/events/schema/lead.captured.v1
    /// assert_eq!(schema.name().as_str(), "lead.captured.v1");
    /// assert!(schema.validate(&serde_json::json!({"email": "not-an-email"})).is_err());
    /// let unknown = client.schema("no.such.event.v1").await;
    /// assert!(matches!(unknown, Err(SendError::Invalid(_))));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "sandbox"))]
    /// # fn main() {}
    /// ```
    pub async fn schema(&self, name: &str) -> Result<Arc<EventSchema>, SendError> {
        if let Some(schema) = lock(&self.inner.schemas).get(name) {
            return Ok(schema.clone());
        }
        let discovery = |reason: String| SendError::Discovery { name: name.to_owned(), reason };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)) {
            return Err(SendError::Invalid(ValidationError::unknown_event(name)));
        }
        self.throttle(false).await;
        let response = self
            .inner
            .http
            .get(format!("{}/api/events/schema/{name}", self.inner.base))
            .bearer_auth(self.inner.key.expose_secret())
            .send()
            .await
            .map_err(|e| discovery(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        self.adapt(RateLimit::from_headers(response.headers()));
        let bytes = read_bounded(response).await.map_err(discovery)?;
        match status {
            200 => {}
            404 | 422 => return Err(SendError::Invalid(ValidationError::unknown_event(name))),
            other => return Err(discovery(format!("HTTP {other}"))),
        }
        let schema = Arc::new(EventSchema::from_discovery_slice(&bytes).map_err(|e| discovery(e.to_string()))?);
        lock(&self.inner.schemas).insert(name.to_owned(), schema.clone());
        Ok(schema)
    }

    /// Dedupes in this process, then delivers.
    /// The fingerprint is of the validated payload (schema order, unknown keys stripped): key
    /// order and unknown keys do not make a conflict, as on the platform.
    async fn send_checked(&self, name: &str, payload: &Value, event_id: Uuid) -> Result<Accepted, SendError> {
        // The validated payload is what is sent (unknown keys stripped, as the platform would), and
        // the body is serialized once: its hash is the fingerprint, its bytes every attempt's body.
        let body = Bytes::from(serde_json::to_vec(&RequestBody { event: name, payload }).map_err(|e| {
            SendError::Invalid(ValidationError::malformed(format!("the payload does not serialize: {e}")))
        })?);
        let print: [u8; 32] = Sha256::digest(&body).into();
        loop {
            let mut flight = {
                let mut state = lock(&self.inner.state);
                if let Some(remembered) = state.accepted.entries.get(&event_id) {
                    if remembered.fingerprint != print {
                        return Err(SendError::Conflict { event_id });
                    }
                    let remembered = remembered.clone();
                    drop(state);
                    return Ok(remembered.answer(event_id));
                }
                let in_flight = state.flights.entry(event_id).or_insert_with(|| InFlight {
                    fingerprint: print,
                    flight: Flight::default(),
                    waiting: 0,
                });
                if in_flight.fingerprint != print {
                    return Err(SendError::Conflict { event_id });
                }
                in_flight.waiting += 1;
                in_flight.flight.clone()
            };
            let outcome = {
                let _abandoned = ForgetIfAbandoned { state: &self.inner.state, event_id, flight: &flight };
                flight.get_or_init(|| self.deliver(name, payload, &body, event_id)).await
            };
            let alone = {
                let mut state = lock(&self.inner.state);
                if let Ok(accepted) = outcome {
                    state.accepted.insert(print, accepted);
                }
                if state.flights.get(&event_id).is_some_and(|f| Arc::ptr_eq(&f.flight, &flight)) {
                    state.flights.remove(&event_id);
                }
                // Out of the map, the flight gains no new sharer: when none holds it now, its
                // result is this send's alone and is taken without a copy.
                Arc::strong_count(&flight) == 1
            };
            let result = match Arc::get_mut(&mut flight).filter(|_| alone) {
                Some(cell) => cell.take(),
                None => flight.get().cloned(),
            };
            // `get_or_init` has returned, so the flight holds a result; were it ever empty, the
            // send would start over, as a sharer of a cancelled flight does.
            if let Some(result) = result {
                return result;
            }
        }
    }

    /// Waits for the client-side limiter and for any hold the server's headers asked for (unless
    /// this send has just waited out its own 429).
    async fn throttle(&self, skip_hold: bool) {
        let hold = if skip_hold { 0 } else { self.inner.hold_until.load(Ordering::Relaxed) };
        if hold > 0 {
            let until = self.inner.epoch + Duration::from_nanos(hold);
            let now = Instant::now();
            if until > now {
                tokio::time::sleep(until - now).await;
            }
        }
        if let Some(limiter) = &self.inner.limiter {
            let bucket = lock(limiter).bucket.clone();
            while let Err(not_until) = bucket.check() {
                tokio::time::sleep(not_until.wait_time_from(DefaultClock::default().now())).await;
            }
        }
    }

    /// Adapts to a response's rate-limit figures: the client-side limiter follows a server limit
    /// lower than the configured tier, and an empty bucket holds every send of this client for
    /// one request's worth of refill. (A 429 holds them for its whole wait, in `wait`.)
    fn adapt(&self, rate: Option<RateLimit>) {
        if let (Some(limiter), Some(rate)) = (&self.inner.limiter, rate.filter(|r| r.limit > 0)) {
            lock(limiter).follow(rate.limit);
        }
        if let Some(rate) = rate.filter(|r| r.remaining == 0 && r.limit > 0) {
            self.hold_for(Duration::from_secs_f64(1.0 / rate.limit as f64));
        }
    }

    /// Holds every send of this client for this long (at most 10 min).
    fn hold_for(&self, wait: Duration) {
        if wait.is_zero() {
            return;
        }
        let until = Instant::now() + wait.min(Duration::from_secs(600));
        let nanos = u64::try_from(until.duration_since(self.inner.epoch).as_nanos()).unwrap_or(u64::MAX).max(1);
        self.inner.hold_until.fetch_max(nanos, Ordering::Relaxed);
    }

    fn jitter_unit(&self, event_id: Uuid, attempt: u32) -> f64 {
        use std::hash::BuildHasher;
        let bits = self.inner.jitter.hash_one((event_id, attempt));
        (bits >> 11) as f64 / (1u64 << 53) as f64
    }

    /// The retry loop of one event: one Idempotency-Key for every attempt.
    async fn deliver(&self, name: &str, payload: &Value, body: &Bytes, event_id: Uuid) -> Result<Accepted, SendError> {
        let span = tracing::info_span!("loop_contracts.send", event = name, event_id = %event_id);
        self.deliver_inner(name, payload, body, event_id).instrument(span).await
    }

    async fn deliver_inner(
        &self,
        name: &str,
        payload: &Value,
        body: &Bytes,
        event_id: Uuid,
    ) -> Result<Accepted, SendError> {
        if let Some(outbox) = &self.inner.outbox {
            let entry = OutboxEntry { event: name.to_owned(), event_id, payload: payload.clone() };
            outbox.record_pending(&entry).map_err(SendError::Outbox)?;
        }
        let done = || {
            if let Some(outbox) = &self.inner.outbox {
                outbox.mark_done(event_id);
            }
        };
        let idempotency_key =
            reqwest::header::HeaderValue::from_str(event_id.hyphenated().encode_lower(&mut Uuid::encode_buffer()))
                .map_err(|e| SendError::Invalid(ValidationError::malformed(e.to_string())))?;
        let mut attempts: Vec<Attempt> = Vec::new();
        let (mut retries, mut rate_waits) = (0u32, 0u32);
        loop {
            let skip_hold =
                attempts.last().is_some_and(|a| matches!(a.outcome, AttemptOutcome::Status { status: 429, .. }));
            self.throttle(skip_hold).await;
            let number = attempts.len() as u32 + 1;
            let result = self
                .inner
                .http
                .post(self.inner.events_url.clone())
                .header(AUTHORIZATION, self.inner.authorization.clone())
                .header(IDEMPOTENCY_KEY, idempotency_key.clone())
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone())
                .send()
                .instrument(tracing::debug_span!("attempt", attempt = number))
                .await;
            let (failure, outcome) = match result {
                Err(e) => {
                    let outcome = if e.is_timeout() {
                        AttemptOutcome::Timeout
                    } else {
                        AttemptOutcome::Network(e.without_url().to_string())
                    };
                    (Failure::Network, outcome)
                }
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers = response.headers();
                    let rate = RateLimit::from_headers(headers);
                    let retry_after = header_u64(headers, &RETRY_AFTER);
                    let replayed =
                        headers.get(IDEMPOTENT_REPLAYED).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
                    let bytes = match read_bounded(response).await {
                        Ok(bytes) => bytes,
                        Err(reason) => {
                            let outcome = AttemptOutcome::Network(reason);
                            tracing::debug!(attempt = number, status, "the response body was cut short");
                            let decision = self.inner.policy.decide(
                                Failure::Network,
                                retries,
                                rate_waits,
                                self.jitter_unit(event_id, number),
                            );
                            if !self.wait(decision, &mut attempts, number, outcome, &mut retries, &mut rate_waits).await
                            {
                                return Err(SendError::Exhausted { attempts });
                            }
                            continue;
                        }
                    };
                    let server_wait = retry_after.map(Duration::from_secs).or_else(|| {
                        (status == 429)
                            .then(|| rate.map(|r| Duration::from_secs(r.reset.saturating_sub(unix_now()))))?
                    });
                    self.adapt(rate);
                    tracing::debug!(attempt = number, status, "attempt answered");
                    if (200..300).contains(&status) {
                        done();
                        return Ok(Accepted {
                            event: name.to_owned(),
                            event_id,
                            body: ResponseBody::from(bytes),
                            rate_limit: rate,
                            replayed,
                            attempts: number,
                            cached: false,
                        });
                    }
                    let parsed: Option<Value> = serde_json::from_slice(&bytes).ok();
                    let code = parsed
                        .as_ref()
                        .and_then(|v| v.pointer("/error/code"))
                        .and_then(|c| ErrorCode::deserialize(c).ok());
                    let outcome = AttemptOutcome::Status { status, code };
                    match status {
                        409 if code == Some(ErrorCode::IdempotencyInProgress) => (Failure::InProgress, outcome),
                        409 => {
                            done();
                            return Err(SendError::Conflict { event_id });
                        }
                        429 | 408 | 500..=599 => (Failure::Status { status, server_wait }, outcome),
                        _ => {
                            done();
                            attempts.push(Attempt { number, outcome, wait_after: None });
                            let error = parsed
                                .and_then(|v| serde_json::from_value::<ErrorResponse>(v).ok())
                                .map(ValidationError::from)
                                .unwrap_or_else(|| {
                                    let code = match status {
                                        401 | 403 => ErrorCode::Unauthorized,
                                        422 => ErrorCode::ValidationError,
                                        _ => ErrorCode::MalformedRequest,
                                    };
                                    ValidationError::with_code(code, format!("HTTP {status}"), Vec::new())
                                });
                            return Err(SendError::Rejected { status, error, attempts });
                        }
                    }
                }
            };
            let decision = self.inner.policy.decide(failure, retries, rate_waits, self.jitter_unit(event_id, number));
            if !self.wait(decision, &mut attempts, number, outcome, &mut retries, &mut rate_waits).await {
                return Err(SendError::Exhausted { attempts });
            }
        }
    }

    /// Records an attempt and carries out the decision; `false` to stop.
    async fn wait(
        &self,
        decision: Decision,
        attempts: &mut Vec<Attempt>,
        number: u32,
        outcome: AttemptOutcome,
        retries: &mut u32,
        rate_waits: &mut u32,
    ) -> bool {
        match decision {
            Decision::Stop => {
                tracing::warn!(attempt = number, outcome = ?outcome, "giving up");
                attempts.push(Attempt { number, outcome, wait_after: None });
                false
            }
            Decision::Wait { delay, uses_retry } => {
                tracing::info!(attempt = number, outcome = ?outcome, delay_ms = delay.as_millis() as u64, "retrying");
                attempts.push(Attempt { number, outcome, wait_after: Some(delay) });
                if uses_retry {
                    *retries += 1;
                } else {
                    // A 429 holds every send of this client for as long as this one waits.
                    *rate_waits += 1;
                    self.hold_for(delay);
                }
                self.inner.sleeper.sleep(delay).await;
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A send cancelled by its caller leaves nothing behind in the in-flight map.
    #[tokio::test]
    async fn a_cancelled_send_forgets_its_flight() {
        // A server that accepts connections and never answers.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let silent = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        let key: ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse().unwrap();
        let client = Client::builder().key(key).base_url(url).build().unwrap();
        let lead = json!({
            "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
            "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
            "source": "other", "attribution": {},
        });
        let flights = || lock(&client.inner.state).flights.len();

        let send = client.send_json("lead.captured.v1", &lead);
        assert!(tokio::time::timeout(Duration::from_millis(100), send).await.is_err());
        assert_eq!(flights(), 0);

        // Two sends share a flight; cancelling one leaves it to the other.
        let (first, second) =
            (client.send_json("lead.captured.v1", &lead), client.send_json("lead.captured.v1", &lead));
        let mut second = Box::pin(second);
        tokio::select! {
            _ = first => unreachable!("the server never answers"),
            _ = &mut second => unreachable!("the server never answers"),
            () = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
        // `first` is dropped by now; `second` still waits on the flight.
        assert_eq!(flights(), 1);
        drop(second);
        assert_eq!(flights(), 0);
        silent.abort();
    }
}
