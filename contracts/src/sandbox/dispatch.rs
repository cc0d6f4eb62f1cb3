//! Delivery dispatch: the sandbox calling the integrator's endpoint with signed delivery webhooks.
//!
//! For every accepted event (once: an idempotent replay is not accepted again), the sandbox
//! produces the delivery events the platform would report about the message that event triggers,
//! signs each with the Standard Webhooks scheme ([`Signer`]) and POSTs it to the registered
//! endpoint, retrying on the platform's schedule. Each delivery is one `webhook-id`, the same on every
//! attempt; every attempt is signed anew with its own timestamp.
//!
//! # What is delivered
//!
//! - An event that carries an address (`email`, else `phone`) triggers one message to it: a
//!   `message.sent.v1`, then a `message.delivered.v1` (channel `email` or `sms`, provider
//!   `loop-sandbox`, the event's `brandId` and `personId`, `occurredAt` the time the sandbox
//!   accepted the event). An event without an address triggers no message and is counted as
//!   skipped.
//! - An accepted delivery event (`message.bounced.v1`, `message.clicked.v1`, ...) is delivered as it
//!   is: posting one to the sandbox is how a bounce, a click or a failure is simulated.
//!
//! The ids are derived from the accepted event, never drawn at random, so the same event always
//! produces the same deliveries: the `messageId` is the UUID v5 (URL namespace) of
//! `urn:loop-contracts:sandbox:<event>:<eventId>:message`, each delivery event's `eventId` that of
//! `urn:loop-contracts:sandbox:<event>:<eventId>:<delivery event name>`, and the `webhook-id` is
//! [`WebhookId::for_event`] of that `eventId`. An event sent again after a reset is delivered again
//! under the same ids, which a receiver's deduplication drops.
//!
//! # How it is delivered
//!
//! The deliveries of one accepted event are sent in order (the `sent` before the `delivered`), each
//! retried to its end before the next; deliveries of different events run concurrently, at most
//! [`DeliveryConfig::max_in_flight`] requests at once. A 2xx answer is success; any other status, a
//! connection error or no answer within the attempt timeout is a failure, retried after the next
//! delay of the schedule (from the end of the failed attempt, without jitter, so tests can observe
//! it). After the last attempt the delivery is recorded as failed. Deliveries are bound to the
//! endpoint registered when their event was accepted.
//!
//! Pending deliveries are bounded ([`DeliveryConfig::queue_capacity`]): the deliveries of an event
//! that would exceed the bound are recorded as dropped and counted, never silently lost. The event
//! itself is accepted either way: dispatch never delays or fails the intake. A reset cancels pending
//! deliveries; a shutdown cancels them too, without waiting for their retries.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{header, Uri};
use chrono::{DateTime, Utc};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use uuid::Uuid;

use super::events::AcceptedEvent;
use super::shown;
use crate::delivery::{DeliveryEvent, Envelope, Signer, WebhookId, WebhookSecret};
use crate::sync::lock;

/// The platform's retry schedule, [`crate::platform::RETRY_SCHEDULE`]: 1 s, 5 s, 30 s, 2 min,
/// 10 min.
pub const DEFAULT_RETRY_SCHEDULE: [Duration; 5] = crate::platform::RETRY_SCHEDULE;
/// The default time one attempt may take, connection included: 15 s.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);
/// The default number of pending deliveries (waiting, being sent, or between retries).
pub const DEFAULT_QUEUE_CAPACITY: usize = 10_000;
/// The default number of delivery records kept for inspection.
pub const DEFAULT_RETAINED_DELIVERIES: usize = 10_000;
/// The default number of delivery requests in flight at once.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 16;

/// The `provider` the sandbox's delivery events name.
const PROVIDER: &str = "loop-sandbox";
const USER_AGENT: &str = concat!("loop-contracts-sandbox/", env!("CARGO_PKG_VERSION"));
/// How much of an endpoint's answer is kept, in characters.
const RESPONSE_SHOWN: usize = 200;
/// How much of an endpoint's answer is read, in bytes.
const RESPONSE_READ: usize = 4096;
const STOPPED: &str = "the sandbox stopped before the delivery completed";
const RESET: &str = "the sandbox was reset before the delivery completed";

/// Where and how the sandbox delivers webhooks ([`SandboxBuilder::deliveries`](super::SandboxBuilder::deliveries)).
///
/// Without an endpoint nothing is delivered until one is registered at run time
/// ([`SandboxHandle::deliver_to`](super::SandboxHandle::deliver_to) or
/// `POST /__sandbox/deliveries`); without a secret, that registration must bring one.
///
/// ```
/// use std::time::Duration;
/// use loop_contracts::delivery::WebhookSecret;
/// use loop_contracts::sandbox::{DeliveryConfig, Sandbox};
///
/// let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// let deliveries = DeliveryConfig::new(secret)
///     .endpoint("http://127.0.0.1:9000/webhooks/loop")
///     .retry_schedule([Duration::from_millis(100), Duration::from_millis(200)])
///     .attempt_timeout(Duration::from_secs(2))
///     .queue_capacity(1_000);
/// assert_eq!(deliveries.schedule().len(), 2);
/// let builder = Sandbox::builder().deliveries(deliveries);
/// # let _ = builder;
/// # Ok::<(), loop_contracts::delivery::SecretError>(())
/// ```
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    endpoint: Option<String>,
    secret: Option<WebhookSecret>,
    schedule: Vec<Duration>,
    attempt_timeout: Duration,
    queue_capacity: usize,
    retained: usize,
    max_in_flight: usize,
    remote_endpoints: bool,
}

impl Default for DeliveryConfig {
    /// No endpoint and no secret; the platform's schedule, 15 s per attempt, 10,000 pending deliveries,
    /// 10,000 records kept, 16 requests in flight.
    fn default() -> Self {
        DeliveryConfig {
            endpoint: None,
            secret: None,
            schedule: DEFAULT_RETRY_SCHEDULE.to_vec(),
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            retained: DEFAULT_RETAINED_DELIVERIES,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            remote_endpoints: false,
        }
    }
}

impl DeliveryConfig {
    /// Signs deliveries with `secret`, otherwise the defaults (see [`DeliveryConfig::default`]).
    ///
    /// ```
    /// use loop_contracts::delivery::WebhookSecret;
    /// use loop_contracts::sandbox::{DeliveryConfig, Sandbox, DEFAULT_RETRY_SCHEDULE};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///
    /// let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    /// let config = DeliveryConfig::new(secret);
    /// assert_eq!(config.schedule(), DEFAULT_RETRY_SCHEDULE);
    /// let sandbox = Sandbox::builder().deliveries(config).start().await?;
    /// sandbox.deliver_to("http://127.0.0.1:9000/webhooks/loop", None)?; // signed with the secret given here
    /// let unsigned = Sandbox::builder().start().await?; // DeliveryConfig::default(): no secret
    /// assert!(unsigned.deliver_to("http://127.0.0.1:9000/webhooks/loop", None).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(secret: WebhookSecret) -> Self {
        DeliveryConfig { secret: Some(secret), ..DeliveryConfig::default() }
    }

    /// The endpoint: an `http://` URL (the sandbox speaks plain HTTP only), checked when the
    /// sandbox starts.
    ///
    /// ```
    /// use loop_contracts::sandbox::{DeliveryConfig, Sandbox, SandboxError};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let secret = loop_contracts::delivery::WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    ///
    /// let config = DeliveryConfig::new(secret.clone()).endpoint("http://127.0.0.1:9000/webhooks/loop");
    /// let sandbox = Sandbox::builder().deliveries(config).start().await?;
    /// assert_eq!(sandbox.delivery_stats().endpoint.as_deref(), Some("http://127.0.0.1:9000/webhooks/loop"));
    /// let tls = DeliveryConfig::new(secret).endpoint("https://hooks.example.com/loop");
    /// assert!(matches!(Sandbox::builder().deliveries(tls).start().await, Err(SandboxError::Delivery(_))));
    /// # Ok(())
    /// # }
    /// ```
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// The delays between attempts: after the n-th failed attempt, wait the n-th delay; after the
    /// last, give up. An empty schedule makes one attempt.
    ///
    /// ```
    /// use std::time::Duration;
    /// use loop_contracts::sandbox::DeliveryConfig;
    /// # use loop_contracts::delivery::WebhookSecret;
    /// # let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    ///
    /// let config = DeliveryConfig::new(secret).retry_schedule([Duration::from_millis(100), Duration::from_secs(1)]);
    /// assert_eq!(config.schedule(), [Duration::from_millis(100), Duration::from_secs(1)]); // three attempts at most
    /// assert!(config.retry_schedule([]).schedule().is_empty()); // one attempt, never retried
    /// ```
    pub fn retry_schedule(mut self, delays: impl IntoIterator<Item = Duration>) -> Self {
        self.schedule = delays.into_iter().collect();
        self
    }

    /// The longest one attempt may take, from connecting to reading the answer (default 15 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// use loop_contracts::sandbox::{DeliveryConfig, Sandbox, SandboxError};
    /// # #[cfg(feature = "client")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// # let lead: loop_contracts::catalog::LeadCaptured = loop_contracts::Event::from_json_value(&serde_json::json!({
    /// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    /// #     "source": "quiz_completion", "attribution": {},
    /// # }))?;
    /// # let secret = loop_contracts::delivery::WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    /// # let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let endpoint = format!("http://{}/webhooks/loop", silent.local_addr()?);
    /// # tokio::spawn(async move {
    /// #     let mut held = Vec::new(); // connections taken and never answered
    /// #     while let Ok((stream, _)) = silent.accept().await {
    /// #         held.push(stream);
    /// #     }
    /// # });
    ///
    /// // An endpoint that takes the connection and never answers; one attempt per delivery.
    /// let config = DeliveryConfig::new(secret.clone()).endpoint(endpoint).retry_schedule([]);
    /// let sandbox = Sandbox::builder().deliveries(config.attempt_timeout(Duration::from_millis(100))).start().await?;
    /// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url()).build()?;
    /// client.send(&lead).await?;
    /// assert!(sandbox.wait_for_deliveries(Duration::from_secs(5)).await);
    /// let attempt = &sandbox.deliveries()[0].attempts[0];
    /// assert_eq!(attempt.error.as_deref(), Some("no answer within 100 ms"));
    /// let zero = DeliveryConfig::new(secret).attempt_timeout(Duration::ZERO);
    /// assert!(matches!(Sandbox::builder().deliveries(zero).start().await, Err(SandboxError::Delivery(_))));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// How many deliveries may be pending at once (default 10,000); the deliveries of an event
    /// beyond that are recorded as dropped.
    ///
    /// ```
    /// use loop_contracts::sandbox::{DeliveryConfig, DeliveryState, Sandbox};
    /// # #[cfg(feature = "client")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// # let lead: loop_contracts::catalog::LeadCaptured = loop_contracts::Event::from_json_value(&serde_json::json!({
    /// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    /// #     "source": "quiz_completion", "attribution": {},
    /// # }))?;
    /// # let secret = loop_contracts::delivery::WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    ///
    /// let config = DeliveryConfig::new(secret).endpoint("http://127.0.0.1:9000/webhooks/loop").queue_capacity(1);
    /// let sandbox = Sandbox::builder().deliveries(config).start().await?;
    /// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url()).build()?;
    /// client.send(&lead).await?; // a lead with an email: two deliveries, more than fit
    /// assert!(sandbox.deliveries().iter().all(|d| d.state == DeliveryState::Dropped));
    /// let stats = sandbox.delivery_stats();
    /// assert_eq!((stats.dropped, stats.attempts, stats.queue_capacity), (2, 0, 1));
    /// assert_eq!(sandbox.accepted().len(), 1); // the event itself is accepted
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.queue_capacity = capacity;
        self
    }

    /// How many delivery records are kept for inspection, the newest (default 10,000; never fewer
    /// than the queue capacity, so a pending delivery is always listed).
    ///
    /// ```
    /// use std::time::Duration;
    /// use loop_contracts::sandbox::{DeliveryConfig, Sandbox};
    /// # #[cfg(feature = "client")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// # let lead = |i: u64| serde_json::json!({
    /// #     "eventId": format!("550e8400-e29b-41d4-a716-{i:012x}"), "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": format!("lead{i}@example.com"),
    /// #     "source": "quiz_completion", "attribution": {},
    /// # });
    /// # let secret = loop_contracts::delivery::WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    /// # let closed = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?; // nothing listens there once dropped
    /// # let endpoint = format!("http://{closed}/webhooks/loop");
    ///
    /// let config = DeliveryConfig::new(secret).endpoint(endpoint).retry_schedule([]).queue_capacity(2).retain(2);
    /// let sandbox = Sandbox::builder().deliveries(config).start().await?;
    /// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url()).build()?;
    /// for i in 0..2 {
    ///     client.send_json("lead.captured.v1", &lead(i)).await?; // two deliveries each
    ///     assert!(sandbox.wait_for_deliveries(Duration::from_secs(5)).await);
    /// }
    /// let kept: Vec<u64> = sandbox.deliveries().iter().map(|d| d.id).collect();
    /// assert_eq!(kept, [3, 4]); // the newest two of four
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn retain(mut self, count: usize) -> Self {
        self.retained = count;
        self
    }

    /// How many delivery requests may be in flight at once (default 16).
    ///
    /// ```
    /// use loop_contracts::sandbox::{DeliveryConfig, Sandbox, SandboxError};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let secret = loop_contracts::delivery::WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    ///
    /// let config = DeliveryConfig::new(secret.clone()).max_in_flight(4); // at most 4 requests at once
    /// let sandbox = Sandbox::builder().deliveries(config).start().await?;
    /// # let _ = sandbox;
    /// let none = DeliveryConfig::new(secret).max_in_flight(0);
    /// assert!(matches!(Sandbox::builder().deliveries(none).start().await, Err(SandboxError::Delivery(_))));
    /// # Ok(())
    /// # }
    /// ```
    pub fn max_in_flight(mut self, requests: usize) -> Self {
        self.max_in_flight = requests;
        self
    }

    /// Lets `POST /__sandbox/deliveries` register endpoints on other hosts than loopback ones (off by
    /// default). An endpoint registered there is always signed with the secret sent with it, never
    /// with this configuration's; the endpoint given here, and [`SandboxHandle::deliver_to`]'s, may
    /// be anywhere.
    ///
    /// [`SandboxHandle::deliver_to`]: crate::sandbox::SandboxHandle::deliver_to
    ///
    /// ```
    /// use loop_contracts::sandbox::DeliveryConfig;
    ///
    /// let config = DeliveryConfig::default().allow_remote_endpoints(true);
    /// # let _ = config;
    /// ```
    pub fn allow_remote_endpoints(mut self, allow: bool) -> Self {
        self.remote_endpoints = allow;
        self
    }

    /// The retry schedule.
    ///
    /// ```
    /// use loop_contracts::sandbox::{DeliveryConfig, DEFAULT_RETRY_SCHEDULE};
    ///
    /// assert_eq!(DeliveryConfig::default().schedule(), DEFAULT_RETRY_SCHEDULE); // 1 s, 5 s, 30 s, 2 min, 10 min
    /// ```
    pub fn schedule(&self) -> &[Duration] {
        &self.schedule
    }
}

/// Where a delivery stands.
///
/// ```
/// use loop_contracts::sandbox::DeliveryState;
///
/// assert_eq!(serde_json::to_value(DeliveryState::Dropped)?, "dropped"); // as GET /__sandbox/deliveries shows it
/// let state: DeliveryState = serde_json::from_str(r#""pending""#)?;
/// assert_eq!(state, DeliveryState::Pending);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum DeliveryState {
    /// Waiting for its turn, being sent, or waiting to be retried.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Every attempt of the schedule failed.
    Failed,
    /// Never attempted: the queue of pending deliveries was full.
    Dropped,
    /// Stopped before it completed, by a reset or a shutdown.
    Cancelled,
}

/// One attempt of a delivery.
///
/// ```
/// use std::time::Duration;
/// use loop_contracts::sandbox::{DeliveryConfig, Sandbox};
/// # #[cfg(feature = "client")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
/// # let lead: loop_contracts::catalog::LeadCaptured = loop_contracts::Event::from_json_value(&serde_json::json!({
/// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
/// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
/// #     "source": "quiz_completion", "attribution": {},
/// # }))?;
/// # let secret = loop_contracts::delivery::WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// # let closed = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?; // nothing listens there once dropped
/// # let endpoint = format!("http://{closed}/webhooks/loop");
///
/// let config = DeliveryConfig::new(secret).endpoint(endpoint).retry_schedule([]); // refuses connections
/// let sandbox = Sandbox::builder().deliveries(config).start().await?;
/// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url()).build()?;
/// client.send(&lead).await?;
/// assert!(sandbox.wait_for_deliveries(Duration::from_secs(5)).await);
/// let attempt = &sandbox.deliveries()[0].attempts[0];
/// assert_eq!(attempt.status, None); // no answer: the error says why
/// assert!(attempt.error.is_some() && attempt.response.is_none());
/// assert!(attempt.at.ends_with('Z')); // UTC
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "client"))]
/// # fn main() {}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryAttempt {
    /// When the attempt started (UTC, RFC 3339 with milliseconds).
    pub at: String,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
    /// The endpoint's status, when it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Why there was no answer: a connection error or a timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The start of the endpoint's answer (200 characters at most), when it sent a text one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
}

/// The accepted event a delivery reports on.
///
/// ```
/// use loop_contracts::sandbox::{DeliveryConfig, DeliverySource, Sandbox};
/// # #[cfg(feature = "client")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
/// # let lead: loop_contracts::catalog::LeadCaptured = loop_contracts::Event::from_json_value(&serde_json::json!({
/// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
/// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
/// #     "source": "quiz_completion", "attribution": {},
/// # }))?;
/// # let secret = loop_contracts::delivery::WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// # let closed = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?; // nothing listens there once dropped
/// # let endpoint = format!("http://{closed}/webhooks/loop");
///
/// let config = DeliveryConfig::new(secret).endpoint(endpoint);
/// let sandbox = Sandbox::builder().deliveries(config).start().await?;
/// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url()).build()?;
/// client.send(&lead).await?;
/// let accepted = &sandbox.accepted()[0];
/// let source = DeliverySource {
///     sequence: accepted.sequence,
///     event: accepted.event.clone(),
///     event_id: accepted.event_id.clone(),
/// };
/// let deliveries = sandbox.deliveries(); // message.sent.v1 and message.delivered.v1
/// assert!(deliveries.len() == 2 && deliveries.iter().all(|d| d.source == source));
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "client"))]
/// # fn main() {}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliverySource {
    /// Its sequence number in the events list.
    pub sequence: u64,
    /// Its name.
    pub event: String,
    /// Its `eventId`.
    pub event_id: String,
}

/// A delivery webhook the sandbox sent (or tried to), as `GET /__sandbox/deliveries` lists it.
///
/// ```
/// use loop_contracts::sandbox::{DeliveryRecord, DeliveryState};
///
/// let listed = r#"{"id": 1, "webhookId": "msg_0b0cb0c5a3b35a7f8d3f4c3c8e7a6b5d", "event": "message.sent.v1",
///   "eventId": "0b0cb0c5-a3b3-5a7f-8d3f-4c3c8e7a6b5d", "endpoint": "http://127.0.0.1:9000/hooks",
///   "source": {"sequence": 1, "event": "lead.captured.v1", "eventId": "550e8400-e29b-41d4-a716-446655440000"},
///   "state": "delivered", "attempts": [{"at": "2026-05-19T12:00:00.120Z", "durationMs": 3, "status": 204}],
///   "body": {"type": "message.sent.v1"}}"#;
/// let record: DeliveryRecord = serde_json::from_str(listed).unwrap();
/// assert_eq!(record.state, DeliveryState::Delivered);
/// assert_eq!(record.attempts[0].status, Some(204));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryRecord {
    /// Position in the order the deliveries were created, from 1; never reused.
    pub id: u64,
    /// The `webhook-id`: the same on every attempt.
    pub webhook_id: String,
    /// The delivery event's name (the envelope's `type`).
    pub event: String,
    /// The delivery event's `eventId`.
    pub event_id: String,
    /// The endpoint it goes to.
    pub endpoint: String,
    /// The accepted event it reports on.
    pub source: DeliverySource,
    /// Where it stands.
    pub state: DeliveryState,
    /// Every attempt so far, in order.
    pub attempts: Vec<DeliveryAttempt>,
    /// When the next attempt is due (pending deliveries between attempts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
    /// Why it failed, was dropped or was cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The body sent, byte for byte the same on every attempt: the envelope
    /// `{"type", "timestamp", "data"}`.
    pub body: Value,
}

/// Delivery counters since the start (a reset does not zero them), as `GET /__sandbox` shows them
/// under `deliveries`.
///
/// ```
/// use loop_contracts::sandbox::Sandbox;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
///
/// let sandbox = Sandbox::builder().start().await?;
/// let stats = sandbox.delivery_stats();
/// assert_eq!((stats.endpoint, stats.pending, stats.delivered, stats.attempts), (None, 0, 0, 0));
/// assert_eq!(stats.queue_capacity, 10_000);
/// assert_eq!(stats.retry_schedule_ms, [1_000, 5_000, 30_000, 120_000, 600_000]);
/// let shown = serde_json::to_value(sandbox.delivery_stats())?;
/// assert_eq!(shown["skippedEvents"], 0);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryStats {
    /// The registered endpoint, if any.
    pub endpoint: Option<String>,
    /// Deliveries waiting, being sent, or between retries.
    pub pending: u64,
    /// Deliveries the endpoint accepted.
    pub delivered: u64,
    /// Deliveries that failed every attempt.
    pub failed: u64,
    /// Deliveries not attempted because the queue was full.
    pub dropped: u64,
    /// Deliveries cancelled by a reset (or a shutdown).
    pub cancelled: u64,
    /// Attempts made.
    pub attempts: u64,
    /// Accepted events that triggered no delivery: no address to send a message to.
    pub skipped_events: u64,
    /// The bound on pending deliveries.
    pub queue_capacity: u64,
    /// The retry schedule, in milliseconds.
    pub retry_schedule_ms: Vec<u64>,
}

/// How long to wait before the next attempt after `attempts` attempts, the last of which
/// `succeeded` or not: `None` to stop (it succeeded, or the schedule is spent).
pub(crate) fn retry_delay(schedule: &[Duration], attempts: usize, succeeded: bool) -> Option<Duration> {
    if succeeded || attempts == 0 {
        return None;
    }
    schedule.get(attempts - 1).copied()
}

/// The delivery events the platform reports for an accepted event (see the module documentation).
pub(crate) fn plan(event: &AcceptedEvent) -> Vec<DeliveryEvent> {
    if DeliveryEvent::NAMES.contains(&event.event.as_str()) {
        return DeliveryEvent::from_json_value(&event.event, &event.payload).into_iter().collect();
    }
    let text = |key: &str| event.payload.get(key).and_then(Value::as_str).filter(|s| !s.is_empty());
    let Some((channel, recipient)) =
        text("email").map(|email| ("email", email)).or_else(|| text("phone").map(|phone| ("sms", phone)))
    else {
        return Vec::new();
    };
    let identity = if event.event_id.is_empty() {
        format!("{}:#{}", event.event, event.sequence)
    } else {
        format!("{}:{}", event.event, event.event_id)
    };
    let derive = |part: &str| {
        Uuid::new_v5(&Uuid::NAMESPACE_URL, format!("urn:loop-contracts:sandbox:{identity}:{part}").as_bytes())
    };
    let brand_id = text("brandId").and_then(crate::format::parse_uuid).unwrap_or_else(Uuid::nil);
    let person_id = text("personId").and_then(crate::format::parse_uuid);
    let message = |name: &str| {
        let mut payload = json!({
            "eventId": derive(name).to_string(),
            "occurredAt": event.received_at,
            "brandId": brand_id.to_string(),
            "messageId": derive("message").to_string(),
            "channel": channel,
            "recipient": recipient,
            "provider": PROVIDER,
        });
        if let Some(person_id) = person_id {
            payload["personId"] = Value::from(person_id.to_string());
        }
        DeliveryEvent::from_json_value(name, &payload).ok()
    };
    ["message.sent.v1", "message.delivered.v1"].into_iter().filter_map(message).collect()
}

/// A registered endpoint.
#[derive(Debug)]
struct Endpoint {
    url: Arc<str>,
    uri: Uri,
    signer: Signer,
}

/// Checks an endpoint URL: `http://`, with a host. The error says why, with the URL cut short.
fn parse_endpoint(text: &str) -> Result<(Arc<str>, Uri), String> {
    let url = url::Url::parse(text.trim()).map_err(|e| format!("the endpoint {:?} is not a URL: {e}", shown(text)))?;
    if url.scheme() != "http" {
        return Err(format!(
            "the endpoint {:?} is not an http:// URL: the sandbox delivers over plain HTTP only",
            shown(text)
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("the endpoint {:?} has no host", shown(text)));
    }
    let uri: Uri = url.as_str().parse().map_err(|e| format!("the endpoint {:?} is not a URI: {e}", shown(text)))?;
    Ok((url.as_str().into(), uri))
}

/// The registered endpoint and the secret a run-time registration signs with.
#[derive(Debug, Default)]
struct Target {
    secret: Option<WebhookSecret>,
    endpoint: Option<Arc<Endpoint>>,
}

/// A delivery as the dispatcher keeps it.
#[derive(Debug)]
struct Record {
    id: u64,
    webhook_id: WebhookId,
    event: &'static str,
    event_id: Uuid,
    endpoint: Arc<str>,
    source: Arc<DeliverySource>,
    body: Bytes,
    state: DeliveryState,
    attempts: Vec<DeliveryAttempt>,
    next_attempt_at: Option<String>,
    error: Option<String>,
}

impl Record {
    fn to_public(&self) -> DeliveryRecord {
        DeliveryRecord {
            id: self.id,
            webhook_id: self.webhook_id.to_string(),
            event: self.event.to_owned(),
            event_id: self.event_id.to_string(),
            endpoint: self.endpoint.to_string(),
            source: DeliverySource::clone(&self.source),
            state: self.state,
            attempts: self.attempts.clone(),
            next_attempt_at: self.next_attempt_at.clone(),
            error: self.error.clone(),
            body: serde_json::from_slice(&self.body).unwrap_or(Value::Null),
        }
    }
}

type RecordRef = Arc<Mutex<Record>>;

#[derive(Debug, Default)]
struct Records {
    kept: VecDeque<RecordRef>,
    last_id: u64,
}

#[derive(Debug, Default)]
struct Counters {
    delivered: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
    cancelled: AtomicU64,
    attempts: AtomicU64,
    skipped_events: AtomicU64,
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// The state the dispatch tasks share.
#[derive(Debug)]
struct Inner {
    schedule: Vec<Duration>,
    attempt_timeout: Duration,
    capacity: usize,
    retained: usize,
    /// Whether run-time registrations may name hosts other than loopback ones.
    remote_endpoints: bool,
    client: HttpClient,
    target: RwLock<Target>,
    records: Mutex<Records>,
    /// Pending deliveries; watched by [`Dispatcher::wait_idle`].
    pending: watch::Sender<usize>,
    counters: Counters,
    in_flight: Semaphore,
    /// The server's stop signal.
    stop: watch::Receiver<bool>,
    /// Turned true (and replaced) by a reset: cancels the deliveries made before it.
    generation: Mutex<watch::Sender<bool>>,
}

/// Creates, sends, retries and records deliveries.
#[derive(Debug)]
pub(crate) struct Dispatcher {
    inner: Arc<Inner>,
    tasks: Mutex<JoinSet<()>>,
}

/// A time as the sandbox writes times: RFC 3339, UTC, milliseconds (`2026-05-19T12:00:00.000Z`).
pub(crate) fn time_text(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn now_text() -> String {
    time_text(Utc::now())
}

impl Dispatcher {
    /// Checks the configuration; `stop` is the server's stop signal.
    pub(crate) fn new(config: DeliveryConfig, stop: watch::Receiver<bool>) -> Result<Self, String> {
        if config.queue_capacity == 0 {
            return Err("the delivery queue capacity must be at least 1".to_owned());
        }
        if config.max_in_flight == 0 {
            return Err("at least one delivery request must be allowed in flight".to_owned());
        }
        if config.attempt_timeout.is_zero() {
            return Err("the delivery attempt timeout must be above zero".to_owned());
        }
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(config.attempt_timeout));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new()).build(connector);
        let inner = Inner {
            schedule: config.schedule,
            attempt_timeout: config.attempt_timeout,
            capacity: config.queue_capacity,
            retained: config.retained.max(config.queue_capacity),
            remote_endpoints: config.remote_endpoints,
            client,
            target: RwLock::new(Target { secret: None, endpoint: None }),
            records: Mutex::default(),
            pending: watch::channel(0).0,
            counters: Counters::default(),
            in_flight: Semaphore::new(config.max_in_flight),
            stop,
            generation: Mutex::new(watch::channel(false).0),
        };
        let dispatcher = Dispatcher { inner: Arc::new(inner), tasks: Mutex::default() };
        dispatcher.register(config.endpoint.as_deref(), config.secret)?;
        Ok(dispatcher)
    }

    /// Registers (or replaces, or with `None` removes) the endpoint; `secret` replaces the secret
    /// when given. Deliveries already made keep their endpoint.
    pub(crate) fn register(&self, url: Option<&str>, secret: Option<WebhookSecret>) -> Result<(), String> {
        let parsed = url.map(parse_endpoint).transpose()?;
        let mut target = crate::sync::write(&self.inner.target);
        let secret = match secret {
            Some(secret) => Some(secret),
            None => target.secret.clone(),
        };
        let endpoint = match parsed {
            None => None,
            Some((url, uri)) => {
                let Some(secret) = secret.clone() else {
                    return Err(
                        "no delivery secret is configured: a delivery endpoint needs a secret to sign with".to_owned()
                    );
                };
                Some(Arc::new(Endpoint { url, uri, signer: Signer::new(secret) }))
            }
        };
        *target = Target { secret, endpoint };
        Ok(())
    }

    /// Registers an endpoint for a request to `POST /__sandbox/deliveries`, which anyone holding a
    /// test key can send: the endpoint is signed with the secret sent with it (the configured one
    /// signs only what the operator configured), and names a loopback host unless the operator
    /// allowed others at start.
    pub(crate) fn register_requested(&self, url: Option<&str>, secret: Option<WebhookSecret>) -> Result<(), String> {
        let Some(url) = url else { return self.register(None, secret) };
        let Some(secret) = secret else {
            return Err("a registered endpoint needs its own \"secret\": the configured secret signs only the \
                        endpoint configured at start"
                .to_owned());
        };
        if !self.inner.remote_endpoints {
            let parsed =
                url::Url::parse(url.trim()).map_err(|e| format!("the endpoint {:?} is not a URL: {e}", shown(url)))?;
            let loopback = match parsed.host() {
                Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            if !loopback {
                return Err(format!(
                    "the endpoint {:?} is not on a loopback host: the sandbox was not started with remote \
                     endpoints allowed",
                    shown(url)
                ));
            }
        }
        self.register(Some(url), Some(secret))
    }

    fn endpoint(&self) -> Option<Arc<Endpoint>> {
        crate::sync::read(&self.inner.target).endpoint.clone()
    }

    /// Creates the deliveries of a newly accepted event and starts sending them in the background.
    pub(crate) fn dispatch(&self, event: &AcceptedEvent) {
        let Some(endpoint) = self.endpoint() else { return };
        let planned = plan(event);
        if planned.is_empty() {
            self.inner.counters.skipped_events.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let count = planned.len();
        let reserved = self.inner.pending.send_if_modified(|pending| {
            let fits = *pending + count <= self.inner.capacity;
            if fits {
                *pending += count;
            }
            fits
        });
        let source = Arc::new(DeliverySource {
            sequence: event.sequence,
            event: event.event.clone(),
            event_id: event.event_id.clone(),
        });
        let (state, error) = if reserved {
            (DeliveryState::Pending, None)
        } else {
            self.inner.counters.dropped.fetch_add(count as u64, Ordering::Relaxed);
            let message = format!("dropped: {} deliveries were already pending (the capacity)", self.inner.capacity);
            (DeliveryState::Dropped, Some(message))
        };
        // Subscribed before the records exist, so a reset in between cancels them too.
        let cancel = lock(&self.inner.generation).subscribe();
        // Built (and their envelopes serialized) before the lock; under it they only get their ids.
        let built: Vec<Record> = planned
            .into_iter()
            .map(|delivery| {
                let (event, event_id) = (delivery.name(), delivery.event_id());
                Record {
                    id: 0,
                    webhook_id: WebhookId::for_event(event_id),
                    event,
                    event_id,
                    endpoint: Arc::clone(&endpoint.url),
                    source: Arc::clone(&source),
                    body: Bytes::from(Envelope::new(delivery).to_vec()),
                    state,
                    attempts: Vec::new(),
                    next_attempt_at: None,
                    error: error.clone(),
                }
            })
            .collect();
        let records: Vec<RecordRef> = {
            let mut records = lock(&self.inner.records);
            let made: Vec<RecordRef> = built
                .into_iter()
                .map(|mut record| {
                    records.last_id += 1;
                    record.id = records.last_id;
                    Arc::new(Mutex::new(record))
                })
                .collect();
            records.kept.extend(made.iter().cloned());
            let excess = records.kept.len().saturating_sub(self.inner.retained);
            records.kept.drain(..excess);
            made
        };
        if !reserved {
            return;
        }
        let inner = Arc::clone(&self.inner);
        let mut tasks = lock(&self.tasks);
        while tasks.try_join_next().is_some() {}
        tasks.spawn(inner.run(endpoint, records, cancel));
    }

    /// Cancels pending deliveries and forgets every record (counters go on).
    pub(crate) fn reset(&self) {
        {
            let mut generation = lock(&self.inner.generation);
            let _ = generation.send(true);
            *generation = watch::channel(false).0;
        }
        lock(&self.inner.records).kept.clear();
    }

    /// Waits for the dispatch tasks to end (they end at once on the stop signal), up to `grace`.
    pub(crate) async fn shutdown(&self, grace: Duration) {
        let mut tasks = std::mem::take(&mut *lock(&self.tasks));
        let drained = tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            tasks.abort_all();
        }
    }

    /// Waits until no delivery is pending, up to `timeout`: whether none is.
    pub(crate) async fn wait_idle(&self, timeout: Duration) -> bool {
        let mut pending = self.inner.pending.subscribe();
        tokio::time::timeout(timeout, pending.wait_for(|n| *n == 0)).await.is_ok_and(|r| r.is_ok())
    }

    /// The kept records with an id above `after`, at most `limit`, in order.
    pub(crate) fn records(&self, after: u64, limit: usize) -> Vec<DeliveryRecord> {
        let kept: Vec<RecordRef> = {
            let records = lock(&self.inner.records);
            let start = records.kept.partition_point(|r| lock(r).id <= after);
            records.kept.iter().skip(start).take(limit).cloned().collect()
        };
        kept.iter().map(|r| lock(r).to_public()).collect()
    }

    pub(crate) fn stats(&self) -> DeliveryStats {
        let counters = &self.inner.counters;
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        DeliveryStats {
            endpoint: self.endpoint().map(|e| e.url.to_string()),
            pending: *self.inner.pending.borrow() as u64,
            delivered: get(&counters.delivered),
            failed: get(&counters.failed),
            dropped: get(&counters.dropped),
            cancelled: get(&counters.cancelled),
            attempts: get(&counters.attempts),
            skipped_events: get(&counters.skipped_events),
            queue_capacity: self.inner.capacity as u64,
            retry_schedule_ms: self.inner.schedule.iter().map(|d| d.as_millis() as u64).collect(),
        }
    }
}

/// What one attempt observed.
#[derive(Debug)]
struct Outcome {
    status: Option<u16>,
    error: Option<String>,
    response: Option<String>,
}

impl Outcome {
    fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// An error and its causes, `: `-separated (the client's own message alone says little).
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Resolves when the server stops or a reset cancels this generation of deliveries: why.
async fn cancelled(stop: &mut watch::Receiver<bool>, generation: &mut watch::Receiver<bool>) -> &'static str {
    tokio::select! {
        _ = stop.wait_for(|stop| *stop) => STOPPED,
        _ = generation.wait_for(|reset| *reset) => RESET,
    }
}

impl Inner {
    /// Sends the deliveries of one event, in order.
    async fn run(
        self: Arc<Self>,
        endpoint: Arc<Endpoint>,
        records: Vec<RecordRef>,
        mut generation: watch::Receiver<bool>,
    ) {
        let mut stop = self.stop.clone();
        let mut records = records.into_iter();
        while let Some(record) = records.next() {
            if let Err(why) = self.deliver(&endpoint, &record, &mut stop, &mut generation).await {
                for record in std::iter::once(record).chain(records) {
                    self.finish(&record, DeliveryState::Cancelled, Some(why.to_owned()));
                }
                return;
            }
        }
    }

    /// Attempts one delivery until it succeeds or the schedule is spent; `Err` when cancelled.
    async fn deliver(
        &self,
        endpoint: &Endpoint,
        record: &RecordRef,
        stop: &mut watch::Receiver<bool>,
        generation: &mut watch::Receiver<bool>,
    ) -> Result<(), &'static str> {
        let (webhook_id, body) = {
            let record = lock(record);
            (record.webhook_id.clone(), record.body.clone())
        };
        let mut attempts = 0;
        loop {
            let permit = tokio::select! {
                biased;
                why = cancelled(stop, generation) => return Err(why),
                permit = self.in_flight.acquire() => permit,
            };
            let at = now_text();
            let started = Instant::now();
            let headers = endpoint.signer.sign_now(&webhook_id, &body);
            let outcome = tokio::select! {
                biased;
                why = cancelled(stop, generation) => return Err(why),
                outcome = self.attempt(&endpoint.uri, &headers, body.clone()) => outcome,
            };
            drop(permit);
            attempts += 1;
            self.counters.attempts.fetch_add(1, Ordering::Relaxed);
            let succeeded = outcome.succeeded();
            let delay = retry_delay(&self.schedule, attempts, succeeded);
            // Described only when this attempt is the last of a failed delivery.
            let gave_up = (delay.is_none() && !succeeded).then(|| match (&outcome.status, &outcome.error) {
                (Some(status), _) => format!("gave up after {attempts} attempts; the last: status {status}"),
                (None, Some(error)) => format!("gave up after {attempts} attempts; the last: {error}"),
                (None, None) => format!("gave up after {attempts} attempts"),
            });
            {
                let mut record = lock(record);
                record.attempts.push(DeliveryAttempt {
                    at,
                    duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                    status: outcome.status,
                    error: outcome.error,
                    response: outcome.response,
                });
                record.next_attempt_at = delay
                    .and_then(|delay| Utc::now().checked_add_signed(chrono::TimeDelta::from_std(delay).ok()?))
                    .map(time_text);
            }
            let Some(delay) = delay else {
                match gave_up {
                    None => self.finish(record, DeliveryState::Delivered, None),
                    Some(error) => self.finish(record, DeliveryState::Failed, Some(error)),
                }
                return Ok(());
            };
            tokio::select! {
                biased;
                why = cancelled(stop, generation) => return Err(why),
                () = tokio::time::sleep(delay) => {}
            }
        }
    }

    /// One POST of the signed body, within the attempt timeout.
    async fn attempt(&self, uri: &Uri, headers: &crate::delivery::WebhookHeaders, body: Bytes) -> Outcome {
        let mut request = hyper::Request::post(uri.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::USER_AGENT, USER_AGENT);
        for (name, value) in headers.iter() {
            request = request.header(name, value);
        }
        let request = match request.body(Full::new(body)) {
            Ok(request) => request,
            Err(e) => return Outcome { status: None, error: Some(describe(&e)), response: None },
        };
        let exchange = async {
            let response = self.client.request(request).await?;
            let status = response.status().as_u16();
            // The answer is read (so the connection can be reused) but only its start is kept.
            let text = Limited::new(response.into_body(), RESPONSE_READ)
                .collect()
                .await
                .ok()
                .and_then(|body| String::from_utf8(body.to_bytes().to_vec()).ok())
                .filter(|text| !text.is_empty())
                .map(|text| crate::text::clip(&text, RESPONSE_SHOWN));
            Ok::<_, hyper_util::client::legacy::Error>((status, text))
        };
        match tokio::time::timeout(self.attempt_timeout, exchange).await {
            Ok(Ok((status, response))) => Outcome { status: Some(status), error: None, response },
            Ok(Err(e)) => Outcome { status: None, error: Some(describe(&e)), response: None },
            Err(_) => Outcome {
                status: None,
                error: Some(format!("no answer within {} ms", self.attempt_timeout.as_millis())),
                response: None,
            },
        }
    }

    /// Records a final state and releases the delivery's place in the queue.
    fn finish(&self, record: &RecordRef, state: DeliveryState, error: Option<String>) {
        {
            let mut record = lock(record);
            record.state = state;
            record.next_attempt_at = None;
            record.error = error;
        }
        let counter = match state {
            DeliveryState::Delivered => &self.counters.delivered,
            DeliveryState::Failed => &self.counters.failed,
            DeliveryState::Dropped => &self.counters.dropped,
            DeliveryState::Cancelled | DeliveryState::Pending => &self.counters.cancelled,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        self.pending.send_modify(|pending| *pending = pending.saturating_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::Via;

    fn accepted(event: &str, payload: Value) -> AcceptedEvent {
        AcceptedEvent {
            sequence: 7,
            event: event.into(),
            event_id: payload["eventId"].as_str().unwrap_or_default().into(),
            received_at: "2026-05-19T12:00:00.120Z".into(),
            via: Via::Api { key: "lk_test_[REDACTED 00000000]".into() },
            payload,
        }
    }

    fn lead() -> Value {
        json!({
            "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
            "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "ana@example.com",
            "source": "inbound_lead", "attribution": {}, "personId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d",
        })
    }

    #[test]
    fn the_default_schedule_is_the_seeds() {
        let secs: Vec<u64> = DeliveryConfig::default().schedule().iter().map(Duration::as_secs).collect();
        assert_eq!(secs, [1, 5, 30, 120, 600]);
        assert_eq!(DEFAULT_RETRY_SCHEDULE.map(|d| d.as_secs()), [1, 5, 30, 2 * 60, 10 * 60]);
    }

    #[test]
    fn retries_follow_the_schedule_then_stop() {
        let schedule = DEFAULT_RETRY_SCHEDULE;
        let delays: Vec<Option<Duration>> = (1..=6).map(|n| retry_delay(&schedule, n, false)).collect();
        let expected: Vec<Option<Duration>> = schedule.iter().copied().map(Some).chain([None]).collect();
        assert_eq!(delays, expected, "six attempts: the first and five retries");
        assert_eq!(retry_delay(&schedule, 1, true), None);
        assert_eq!(retry_delay(&schedule, 0, false), None);
        assert_eq!(retry_delay(&[], 1, false), None, "an empty schedule makes one attempt");
    }

    #[test]
    fn an_event_with_an_address_is_sent_then_delivered_with_stable_valid_events() {
        let planned = plan(&accepted("lead.captured.v1", lead()));
        let names: Vec<&str> = planned.iter().map(DeliveryEvent::name).collect();
        assert_eq!(names, ["message.sent.v1", "message.delivered.v1"]);
        for delivery in &planned {
            crate::catalog().validate(delivery.name(), &delivery.to_payload()).unwrap();
            assert_eq!(delivery.recipient(), "ana@example.com");
            assert_eq!(delivery.channel(), "email");
            assert_eq!(delivery.brand_id().to_string(), "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e");
            assert_eq!(delivery.person_id().unwrap().to_string(), "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d");
            assert_eq!(crate::format::format_datetime(&delivery.occurred_at()), "2026-05-19T12:00:00.120Z");
        }
        assert_eq!(planned[0].message_id(), planned[1].message_id());
        assert_ne!(planned[0].event_id(), planned[1].event_id());
        let expected = Uuid::new_v5(
            &Uuid::NAMESPACE_URL,
            b"urn:loop-contracts:sandbox:lead.captured.v1:550e8400-e29b-41d4-a716-446655440000:message.sent.v1",
        );
        assert_eq!(planned[0].event_id(), expected);
        assert_eq!(plan(&accepted("lead.captured.v1", lead())), planned, "the same event, the same deliveries");

        let mut other = lead();
        other["eventId"] = json!("550e8400-e29b-41d4-a716-446655440001");
        let again = plan(&accepted("lead.captured.v1", other));
        assert_ne!(again[0].event_id(), planned[0].event_id());
        assert_ne!(again[0].message_id(), planned[0].message_id());
    }

    #[test]
    fn a_phone_is_an_sms_and_no_address_is_no_message() {
        let payload = json!({"eventId": "550e8400-e29b-41d4-a716-446655440000", "phone": "+15555550100"});
        let planned = plan(&accepted("customer.created.v1", payload));
        assert_eq!(planned.len(), 2);
        assert_eq!((planned[0].channel(), planned[0].recipient()), ("sms", "+15555550100"));
        assert_eq!(planned[0].brand_id(), Uuid::nil(), "a catalog without brandId still gets valid events");
        assert!(plan(&accepted("customer.created.v1", json!({"eventId": "x", "email": ""}))).is_empty());
    }

    #[test]
    fn a_delivery_event_is_delivered_as_it_is() {
        let bounce = json!({
            "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
            "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d",
            "channel": "email", "recipient": "ana@example.com", "bounceType": "hard",
        });
        let planned = plan(&accepted("message.bounced.v1", bounce.clone()));
        assert_eq!(planned.len(), 1);
        assert_eq!(planned[0].to_payload(), bounce);
        assert_eq!(WebhookId::for_event(planned[0].event_id()).as_str(), "msg_550e8400e29b41d4a716446655440000");
    }

    #[test]
    fn endpoints_are_plain_http_urls() {
        assert_eq!(&*parse_endpoint("http://127.0.0.1:9000/hooks").unwrap().0, "http://127.0.0.1:9000/hooks");
        assert_eq!(&*parse_endpoint(" http://localhost ").unwrap().0, "http://localhost/");
        for (bad, phrase) in [
            ("https://example.com/hooks", "plain HTTP only"),
            ("127.0.0.1:9000", "not a URL"),
            ("localhost:9000", "not an http:// URL"),
            ("not a url", "not a URL"),
            ("http://", "not a URL"),
        ] {
            let err = parse_endpoint(bad).unwrap_err();
            assert!(err.contains(phrase), "{bad}: {err}");
        }
    }

    #[test]
    fn the_configuration_is_checked() {
        let (_tx, stop) = watch::channel(false);
        let secret = WebhookSecret::from_bytes([7; 32]).unwrap();
        let err = Dispatcher::new(DeliveryConfig::default().endpoint("http://127.0.0.1:1/"), stop.clone()).unwrap_err();
        assert!(err.contains("needs a secret"), "{err}");
        let err = Dispatcher::new(DeliveryConfig::new(secret.clone()).queue_capacity(0), stop.clone()).unwrap_err();
        assert!(err.contains("capacity"), "{err}");
        let dispatcher = Dispatcher::new(DeliveryConfig::default(), stop).unwrap();
        let err = dispatcher.register(Some("http://127.0.0.1:1/"), None).unwrap_err();
        assert!(err.contains("no delivery secret"), "{err}");
        dispatcher.register(Some("http://127.0.0.1:1/"), Some(secret)).unwrap();
        assert_eq!(dispatcher.stats().endpoint.as_deref(), Some("http://127.0.0.1:1/"));
        dispatcher.register(None, None).unwrap();
        assert_eq!(dispatcher.stats().endpoint, None);
        dispatcher.register(Some("http://127.0.0.1:2/"), None).unwrap();
        assert_eq!(dispatcher.stats().endpoint.as_deref(), Some("http://127.0.0.1:2/"), "the secret is kept");
    }
}
