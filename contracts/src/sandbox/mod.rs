//! The sandbox: a local server that answers like the platform (`docs/platform.md` §4), with
//! inspection and seeded fault injection. Behind the `sandbox` cargo feature.
//!
//! It serves, on a loopback address:
//!
//! | route | what |
//! |---|---|
//! | `POST /api/events` | the platform's event intake: bearer API key, validation, rate limit, idempotency |
//! | `GET /api/events/schema` | the catalog: `{"events": [{"name", "description", "schema"}]}` |
//! | `GET /api/events/schema/<name>` | the discovery document (`?format=json-schema` for the JSON Schema) |
//! | `POST /webhooks/<source>` | built-in webhook transforms (`shopify`, `bigcommerce`, `typeform`, `calendly`) |
//! | `POST <webhookPath>` | declared webhook transforms, at their `webhookPath` |
//! | `GET /__sandbox/events` | the accepted events, in order, each once (`?after=<seq>&limit=<n>&wait=<ms>`) |
//! | `GET`, `POST /__sandbox/faults` | the fault configuration ([`FaultConfig`] as JSON) |
//! | `GET /__sandbox/deliveries` | the delivery webhooks sent, with their attempts (`?after=<id>&limit=<n>`) |
//! | `POST /__sandbox/deliveries` | registers, replaces or removes the delivery endpoint: `{"url", "secret"?}` |
//! | `POST /__sandbox/reset` | forgets accepted events and idempotency keys, turns faults off, cancels deliveries |
//! | `GET /__sandbox` | counters and settings, delivery counters under `deliveries` |
//!
//! ```
//! use loop_contracts::sandbox::Sandbox;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), loop_contracts::sandbox::SandboxError> {
//! let sandbox = Sandbox::builder().start().await?; // 127.0.0.1 on an ephemeral port
//! let url = format!("{}/api/events", sandbox.url()); // POST events here with an lk_test_ key
//! # assert!(url.starts_with("http://127.0.0.1:"));
//! assert!(sandbox.accepted().is_empty());
//! sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # Behaviour
//!
//! **Keys.** Any well-formed `lk_test_` or `lk_dev_` key is accepted, unless a list is configured
//! ([`SandboxBuilder::accept_key`]). `lk_live_` keys are refused with 401 and a message saying that
//! the sandbox does not accept live keys. Keys are never logged or echoed: responses and the
//! events list show the prefix and a fingerprint only. `POST` routes under `/api/` need a key; the
//! schema routes take one optionally.
//!
//! **Rate limits.** Each request with a valid key counts against that key at its tier (default
//! Standard: 100/s, burst 200); requests without a valid key (401s, anonymous schema reads,
//! webhooks) count against the caller's IP address at the anonymous tier (default Standard).
//! Every response of the platform's routes carries `X-RateLimit-Limit` (the tier's rate per
//! second), `X-RateLimit-Remaining` (requests that may still be sent at once) and
//! `X-RateLimit-Reset` (Unix seconds, rounded up, at which the bucket is full again); a 429 adds
//! `Retry-After` (whole seconds until one request is allowed, at least 1). The `/__sandbox/`
//! routes are the sandbox's own, not the platform's: they are neither limited nor faulted.
//!
//! **What a web page cannot reach.** The operator routes read every payload and change what the
//! sandbox does, so each needs `Authorization: Bearer` with a key the sandbox accepts (a page
//! cannot send that header to another origin without a preflight, which the sandbox never
//! answers), and each `POST` there needs `Content-Type: application/json` (415 otherwise). Every
//! route, the platform's included, answers 421 to a `Host` that does not name the sandbox
//! (`localhost`, a loopback address, or the listening address; any address when listening on all
//! of them): a page that rebinds its own name to this address still sends its name. An endpoint
//! registered with `POST /__sandbox/deliveries` is signed with the secret sent with it, never the
//! configured one, and must be on a loopback host unless [`DeliveryConfig::allow_remote_endpoints`]
//! was set. The sandbox is for one machine's tests and demos: serve it on loopback (the default),
//! never on a network others can reach.
//!
//! **Validation.** A body that is not JSON, or not `{"event": <string>, "payload": <any>}`, is
//! `400 MALFORMED_REQUEST`; an unknown event `422 UNKNOWN_EVENT`; an invalid payload
//! `422 VALIDATION_ERROR` with every issue, in the platform's error format. A body over the
//! limit (default 1 MiB) is `413` with code `MALFORMED_REQUEST`: 413 is what HTTP and the
//! platform's gateway say, and the code keeps the body within the platform's six codes.
//! Accepted: `200 {"ok": true, "event", "eventId", "sequence", "receivedAt"}`.
//!
//! **Idempotency.** The key is the `Idempotency-Key` header, or the payload's `eventId` when the
//! header is absent (the platform's integration guide tells clients to send the `eventId` as the
//! key, so both agree), scoped per API key. A key is claimed after validation and kept only when
//! the event is accepted: a request that is rejected or fails leaves no trace, so a corrected
//! payload can be sent under the same key. A repeat with the same event (same name and validated
//! payload; key order, spacing and unknown keys do not matter) gets the first response again, with
//! `Idempotent-Replayed: true`, and is not processed (no second entry in the events list). A repeat
//! with a different payload is `409 IDEMPOTENCY_CONFLICT`. A repeat that arrives while the first is
//! still being processed waits for the first's result (and replays it, or takes over if the first
//! was not accepted); if the first is still processing after the wait (default 10 s), it gets
//! `409 IDEMPOTENCY_IN_PROGRESS` (retry later). Keys are kept for a window (default 24 h) and at most a
//! number of them (default 100,000; the oldest go first), so memory stays bounded.
//!
//! **Webhooks.** `POST /webhooks/<source>` runs the source's built-in transform, the topic read from
//! where the vendor puts it; a declared transform answers at its `webhookPath` (declared paths win
//! over the built-in ones, and may not lie under `/api/` or `/__sandbox/`). Errors map to
//! [`InboundError::http_status`](crate::inbound::InboundError::http_status) with the platform's
//! error body. Accepted webhook events join the same events list; a webhook whose `eventId` was
//! already accepted (a vendor's retry) is answered with the first response and not recorded again.
//! Without a configured [`Intake`], signatures are not checked and no brand is set.
//!
//! **Faults** ([`FaultConfig`]) are drawn after authentication and the real rate limit, so an
//! injected fault never hides a 401 or a real 429; injected responses say so in
//! `X-Sandbox-Fault`.
//!
//! **Events list.** The newest accepted events are kept (default 10,000); sequence numbers go on
//! forever, and a poller that fell behind is told how many it missed (`dropped`).
//!
//! **Delivery webhooks.** With an endpoint registered ([`SandboxBuilder::deliveries`],
//! [`SandboxHandle::deliver_to`] or `POST /__sandbox/deliveries`), every accepted event (once: an
//! idempotent replay is not dispatched again) produces the delivery events the platform would
//! report, signed per Standard Webhooks and POSTed in the background with the platform's retry
//! schedule: an event with an `email` (or a `phone`) a `message.sent.v1` then a
//! `message.delivered.v1`, an accepted delivery event itself. Ids are derived from the accepted
//! event, so they are stable; each delivery keeps its `webhook-id` across attempts. Pending
//! deliveries are bounded; what does not fit is recorded as dropped. See [`DeliveryConfig`] and
//! [`DeliveryRecord`] for the details.

mod delivery;
mod events;
mod faults;
mod http;
mod idempotency;
mod limiter;
mod state;

use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use delivery::{
    DeliveryAttempt, DeliveryConfig, DeliveryRecord, DeliverySource, DeliveryState, DeliveryStats,
    DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_MAX_IN_FLIGHT, DEFAULT_QUEUE_CAPACITY, DEFAULT_RETAINED_DELIVERIES,
    DEFAULT_RETRY_SCHEDULE,
};
pub use events::{AcceptedEvent, Via};
pub use faults::{Fault, FaultConfig};

use crate::api_key::{ApiKey, KeyScope, Tier};
use crate::catalog::Catalog;
use crate::delivery::WebhookSecret;
use crate::inbound::{Intake, Source, TransformContext};

/// A time as the sandbox writes times: RFC 3339, UTC, milliseconds (`2026-05-19T12:00:00.000Z`).
pub(crate) fn time_text(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn shown(text: &str) -> String {
    crate::text::clip(text, crate::text::TOKEN_CHARS)
}

/// The address the command-line sandbox listens on by default.
pub const DEFAULT_ADDR: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 8787);
/// The default request body limit: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;
/// The default idempotency window: 24 hours.
pub const DEFAULT_IDEMPOTENCY_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);
/// The default number of idempotency keys kept per scope (each API key, and the webhook routes).
pub const DEFAULT_IDEMPOTENCY_CAPACITY: usize = 100_000;
/// The default number of accepted events kept for inspection.
pub const DEFAULT_RETAINED_EVENTS: usize = 10_000;
/// The default bytes of accepted events kept for inspection (counted as the request bodies that
/// carried them): 64 MiB.
pub const DEFAULT_RETAINED_BYTES: usize = 64 << 20;
/// The default time a request body may take to arrive: 10 s.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// The default number of connections served at once: 1,024 (more wait in the listen queue).
pub const DEFAULT_MAX_CONNECTIONS: usize = 1_024;

/// The entry point: [`Sandbox::builder`].
///
/// ```
/// use loop_contracts::sandbox::Sandbox;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
///
/// // As many as needed (one per test, say): each listens on its own ephemeral port.
/// let first = Sandbox::builder().start().await?;
/// let second = Sandbox::builder().start().await?;
/// assert_ne!(first.local_addr(), second.local_addr());
/// first.shutdown().await;
/// second.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Sandbox;

impl Sandbox {
    /// A builder with the defaults: `127.0.0.1:0` (an ephemeral port), any well-formed `lk_test_`
    /// or `lk_dev_` key at the Standard tier, 1 MiB bodies, idempotency keys kept 24 h (at most
    /// 100,000), the newest 10,000 accepted events kept, no faults, the built-in catalog, an
    /// intake that accepts unsigned webhooks from every source, and no delivery endpoint.
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    /// use loop_contracts::sandbox::Sandbox;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///
    /// let sandbox = Sandbox::builder().start().await?;
    /// assert_eq!(sandbox.local_addr().ip(), Ipv4Addr::LOCALHOST);
    /// assert_ne!(sandbox.local_addr().port(), 0); // an ephemeral port
    /// assert!(!sandbox.faults().is_active() && sandbox.delivery_stats().endpoint.is_none());
    /// sandbox.shutdown().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn builder() -> SandboxBuilder {
        let mut intake = Intake::new(TransformContext::default());
        for source in Source::ALL {
            intake = intake.accept_unsigned(source);
        }
        SandboxBuilder {
            addr: SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            default_tier: Tier::STANDARD,
            anonymous_tier: Tier::STANDARD,
            key_tiers: HashMap::new(),
            accepted_keys: None,
            body_limit: DEFAULT_BODY_LIMIT,
            idempotency_window: DEFAULT_IDEMPOTENCY_WINDOW,
            idempotency_capacity: DEFAULT_IDEMPOTENCY_CAPACITY,
            idempotency_wait: Duration::from_secs(10),
            retained_events: DEFAULT_RETAINED_EVENTS,
            retained_bytes: DEFAULT_RETAINED_BYTES,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            faults: FaultConfig::default(),
            intake,
            catalog: crate::catalog().clone(),
            shutdown_grace: Duration::from_secs(5),
            deliveries: DeliveryConfig::default(),
        }
    }
}

/// Configures and starts a sandbox; see [`Sandbox::builder`] for the defaults.
///
/// ```
/// use std::time::Duration;
/// use loop_contracts::api_key::{ApiKey, Tier};
/// use loop_contracts::sandbox::{FaultConfig, Sandbox};
///
/// let key: ApiKey = "lk_test_integration_suite_0001".parse().unwrap();
/// let builder = Sandbox::builder()
///     .addr(([127, 0, 0, 1], 0))
///     .accept_key(key.clone())
///     .tier_for(key, Tier::PREMIUM)
///     .body_limit(64 * 1024)
///     .idempotency_window(Duration::from_secs(600), 10_000)
///     .faults(FaultConfig::seeded(42).with_error_rate(0.1));
/// # let _ = builder;
/// ```
#[derive(Debug, Clone)]
pub struct SandboxBuilder {
    addr: SocketAddr,
    default_tier: Tier,
    anonymous_tier: Tier,
    key_tiers: HashMap<ApiKey, Tier>,
    accepted_keys: Option<HashSet<ApiKey>>,
    body_limit: usize,
    idempotency_window: Duration,
    idempotency_capacity: usize,
    idempotency_wait: Duration,
    retained_events: usize,
    retained_bytes: usize,
    body_timeout: Duration,
    max_connections: usize,
    faults: FaultConfig,
    intake: Intake,
    catalog: Catalog,
    shutdown_grace: Duration,
    deliveries: DeliveryConfig,
}

impl SandboxBuilder {
    /// The address to listen on (port 0: an ephemeral port, see [`SandboxHandle::local_addr`]).
    ///
    /// ```
    /// use loop_contracts::sandbox::Sandbox;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///
    /// let sandbox = Sandbox::builder().addr(([127, 0, 0, 1], 0)).start().await?; // or DEFAULT_ADDR
    /// assert!(sandbox.url().starts_with("http://127.0.0.1:"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn addr(mut self, addr: impl Into<SocketAddr>) -> Self {
        self.addr = addr.into();
        self
    }

    /// The tier of keys without a tier of their own (default Standard).
    ///
    /// ```
    /// use loop_contracts::api_key::Tier;
    /// use loop_contracts::sandbox::Sandbox;
    /// # #[cfg(feature = "client")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// # let lead: loop_contracts::catalog::LeadCaptured = loop_contracts::Event::from_json_value(&serde_json::json!({
    /// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    /// #     "source": "quiz_completion", "attribution": {},
    /// # }))?;
    ///
    /// let sandbox = Sandbox::builder().default_tier(Tier::PREMIUM).start().await?;
    /// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url()).build()?;
    /// let accepted = client.send(&lead).await?;
    /// assert_eq!(accepted.rate_limit.unwrap().limit, 1000); // X-RateLimit-Limit
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn default_tier(mut self, tier: Tier) -> Self {
        self.default_tier = tier;
        self
    }

    /// The tier of one key (it does not change which keys are accepted).
    ///
    /// ```
    /// use loop_contracts::api_key::{ApiKey, Tier};
    /// use loop_contracts::sandbox::Sandbox;
    /// # #[cfg(feature = "client")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let lead = |i: u64| serde_json::json!({
    /// #     "eventId": format!("550e8400-e29b-41d4-a716-{i:012x}"), "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": format!("lead{i}@example.com"),
    /// #     "source": "quiz_completion", "attribution": {},
    /// # });
    ///
    /// let premium: ApiKey = "lk_test_premium_integration_01".parse()?;
    /// let standard: ApiKey = "lk_test_standard_integration_02".parse()?;
    /// let sandbox = Sandbox::builder().tier_for(premium.clone(), Tier::PREMIUM).start().await?;
    /// # let client = |key| loop_contracts::client::Client::builder().key(key).base_url(sandbox.url()).build();
    /// let fast = client(premium)?.send_json("lead.captured.v1", &lead(1)).await?;
    /// let slow = client(standard)?.send_json("lead.captured.v1", &lead(2)).await?;
    /// assert_eq!((fast.rate_limit.unwrap().limit, slow.rate_limit.unwrap().limit), (1000, 100));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn tier_for(mut self, key: ApiKey, tier: Tier) -> Self {
        self.key_tiers.insert(key, tier);
        self
    }

    /// The tier of requests without a valid key, counted per IP address (default Standard).
    ///
    /// ```
    /// use loop_contracts::api_key::Tier;
    /// use loop_contracts::sandbox::Sandbox;
    /// # #[cfg(feature = "client")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///
    /// let sandbox = Sandbox::builder().anonymous_tier(Tier::new(10, 20).unwrap()).start().await?;
    /// # let http = reqwest::Client::builder().no_proxy().build()?;
    /// let listing = http.get(format!("{}/api/events/schema", sandbox.url())).send().await?; // no key
    /// assert_eq!(listing.headers()["x-ratelimit-limit"], "10");
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn anonymous_tier(mut self, tier: Tier) -> Self {
        self.anonymous_tier = tier;
        self
    }

    /// Accepts this key. Once any key is given, only the given keys are accepted; without any,
    /// every well-formed `lk_test_` and `lk_dev_` key is. An `lk_live_` key makes
    /// [`start`](Self::start) fail.
    ///
    /// ```
    /// use loop_contracts::sandbox::{Sandbox, SandboxError};
    /// use loop_contracts::ApiKey;
    /// # #[cfg(feature = "client")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use loop_contracts::client::{Client, SendError};
    /// # let lead: loop_contracts::catalog::LeadCaptured = loop_contracts::Event::from_json_value(&serde_json::json!({
    /// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    /// #     "source": "quiz_completion", "attribution": {},
    /// # }))?;
    ///
    /// let ours: ApiKey = "lk_test_integration_suite_0001".parse()?;
    /// let sandbox = Sandbox::builder().accept_key(ours).start().await?;
    /// let theirs: ApiKey = "lk_test_someone_elses_key_0002".parse()?;
    /// let stranger = Client::builder().key(theirs).base_url(sandbox.url()).build()?;
    /// assert!(matches!(stranger.send(&lead).await, Err(SendError::Rejected { status: 401, .. })));
    /// let live: ApiKey = "lk_live_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// assert!(matches!(Sandbox::builder().accept_key(live).start().await, Err(SandboxError::LiveKey)));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn accept_key(mut self, key: ApiKey) -> Self {
        self.accepted_keys.get_or_insert_with(HashSet::new).insert(key);
        self
    }

    /// The largest request body accepted, in bytes (default 1 MiB); larger ones get 413.
    ///
    /// ```
    /// use loop_contracts::sandbox::Sandbox;
    /// # #[cfg(feature = "client")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use loop_contracts::client::SendError;
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// # let lead: loop_contracts::catalog::LeadCaptured = loop_contracts::Event::from_json_value(&serde_json::json!({
    /// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    /// #     "source": "quiz_completion", "attribution": {},
    /// # }))?;
    ///
    /// let sandbox = Sandbox::builder().body_limit(128).start().await?;
    /// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url()).build()?;
    /// let refused = client.send(&lead).await.unwrap_err(); // its request body is over 128 bytes
    /// assert!(matches!(refused, SendError::Rejected { status: 413, .. }));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// How long idempotency keys are kept, and how many at most per scope (default 24 h, 100,000):
    /// each API key's keys, and the webhook routes', are bounded on their own, so that no caller
    /// can push out another's; all scopes together keep at most ten times `max_keys`. The oldest
    /// keys go first, but never one whose request is still being processed (a duplicate waiting
    /// for it would otherwise run again).
    ///
    /// ```
    /// use std::time::Duration;
    /// use loop_contracts::sandbox::Sandbox;
    /// # #[cfg(feature = "client")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use loop_contracts::client::Client;
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// # let lead = |i: u64| serde_json::json!({
    /// #     "eventId": format!("550e8400-e29b-41d4-a716-{i:012x}"), "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": format!("lead{i}@example.com"),
    /// #     "source": "quiz_completion", "attribution": {},
    /// # });
    ///
    /// // Keys are kept 10 minutes, one at most: a repeat of an older event is processed again.
    /// let sandbox = Sandbox::builder().idempotency_window(Duration::from_secs(600), 1).start().await?;
    /// let client = Client::builder().key(key).base_url(sandbox.url()).accepted_cache(0).build()?;
    /// for i in [1, 2, 1] {
    ///     client.send_json("lead.captured.v1", &lead(i)).await?;
    /// }
    /// assert_eq!(sandbox.accepted_count(), 3);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn idempotency_window(mut self, window: Duration, max_keys: usize) -> Self {
        self.idempotency_window = window;
        self.idempotency_capacity = max_keys;
        self
    }

    /// How long a duplicate waits for the first request with its key to finish (default 10 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// use loop_contracts::sandbox::{FaultConfig, Sandbox};
    /// use loop_contracts::ErrorCode;
    /// # #[cfg(feature = "client")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use loop_contracts::client::AttemptOutcome;
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// # let lead: loop_contracts::catalog::LeadCaptured = loop_contracts::Event::from_json_value(&serde_json::json!({
    /// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    /// #     "source": "quiz_completion", "attribution": {},
    /// # }))?;
    ///
    /// let slow = FaultConfig::seeded(1).with_processing(Duration::from_millis(500)); // each event takes 500 ms
    /// let sandbox = Sandbox::builder().idempotency_wait(Duration::from_millis(50)).faults(slow).start().await?;
    /// # let client = || loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url())
    /// #     .retry_policy(loop_contracts::client::RetryPolicy::no_retries()).build();
    /// let (one, other) = (client()?, client()?); // say, two processes sending the same event at once
    /// let (a, b) = tokio::join!(one.send(&lead), other.send(&lead));
    /// let waited = a.as_ref().err().or(b.as_ref().err()).expect("one of them waited too long");
    /// let in_progress = AttemptOutcome::Status { status: 409, code: Some(ErrorCode::IdempotencyInProgress) };
    /// assert_eq!(waited.attempts()[0].outcome, in_progress);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn idempotency_wait(mut self, wait: Duration) -> Self {
        self.idempotency_wait = wait;
        self
    }

    /// How many accepted events are kept for inspection (default 10,000; the oldest go first).
    ///
    /// ```
    /// use loop_contracts::sandbox::Sandbox;
    /// # #[cfg(feature = "client")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// # let lead = |i: u64| serde_json::json!({
    /// #     "eventId": format!("550e8400-e29b-41d4-a716-{i:012x}"), "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": format!("lead{i}@example.com"),
    /// #     "source": "quiz_completion", "attribution": {},
    /// # });
    ///
    /// let sandbox = Sandbox::builder().retain_events(2).start().await?;
    /// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url()).build()?;
    /// for i in 1..=3 {
    ///     client.send_json("lead.captured.v1", &lead(i)).await?;
    /// }
    /// let kept: Vec<u64> = sandbox.accepted().iter().map(|e| e.sequence).collect();
    /// assert_eq!(kept, [2, 3]); // the oldest went first
    /// assert_eq!(sandbox.accepted_count(), 3);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn retain_events(mut self, count: usize) -> Self {
        self.retained_events = count;
        self
    }

    /// How many bytes of accepted events are kept for inspection, counted as the request bodies
    /// that carried them (default [`DEFAULT_RETAINED_BYTES`]); the oldest go first, and the newest
    /// is always kept. A page of `GET /__sandbox/events` holds at most 4 MiB of events.
    ///
    /// ```
    /// use loop_contracts::sandbox::Sandbox;
    ///
    /// let builder = Sandbox::builder().retain_bytes(16 << 20);
    /// # let _ = builder;
    /// ```
    pub fn retain_bytes(mut self, bytes: usize) -> Self {
        self.retained_bytes = bytes;
        self
    }

    /// How long a request body may take to arrive before the request is answered 408 and its
    /// connection closed (default [`DEFAULT_BODY_TIMEOUT`]); the head has 30 s.
    ///
    /// ```
    /// use std::time::Duration;
    /// use loop_contracts::sandbox::Sandbox;
    ///
    /// let builder = Sandbox::builder().body_timeout(Duration::from_secs(2));
    /// # let _ = builder;
    /// ```
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// How many connections are served at once (default [`DEFAULT_MAX_CONNECTIONS`]); further ones
    /// wait in the listen queue until one closes, so held connections cannot exhaust the process's
    /// file descriptors.
    ///
    /// ```
    /// use loop_contracts::sandbox::Sandbox;
    ///
    /// let builder = Sandbox::builder().max_connections(256);
    /// # let _ = builder;
    /// ```
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections;
        self
    }

    /// The faults to inject from the start (default none).
    ///
    /// ```
    /// use loop_contracts::sandbox::{FaultConfig, Sandbox};
    /// use loop_contracts::ErrorCode;
    /// # #[cfg(feature = "client")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use loop_contracts::client::AttemptOutcome;
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// # let lead: loop_contracts::catalog::LeadCaptured = loop_contracts::Event::from_json_value(&serde_json::json!({
    /// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    /// #     "source": "quiz_completion", "attribution": {},
    /// # }))?;
    ///
    /// let sandbox = Sandbox::builder().faults(FaultConfig::seeded(7).with_error_rate(1.0)).start().await?;
    /// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url())
    /// #     .retry_policy(loop_contracts::client::RetryPolicy::no_retries()).build()?;
    /// let err = client.send(&lead).await.unwrap_err(); // a client without retries
    /// let internal = AttemptOutcome::Status { status: 500, code: Some(ErrorCode::InternalError) };
    /// assert_eq!(err.attempts()[0].outcome, internal);
    /// assert!(sandbox.accepted().is_empty()); // an injected 500 processes nothing
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn faults(mut self, faults: FaultConfig) -> Self {
        self.faults = faults;
        self
    }

    /// The webhook intake: its brand, signing secrets and declared transforms. Declared
    /// transforms answer at their `webhookPath`. It replaces the default intake, which accepts
    /// unsigned webhooks from every source and sets no brand.
    ///
    /// ```
    /// use std::time::SystemTime;
    /// use loop_contracts::inbound::{Intake, SignatureScheme, SigningSecret, Source, TransformContext};
    /// use loop_contracts::sandbox::Sandbox;
    /// # #[cfg(feature = "client")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///
    /// let (secret, brand) = (SigningSecret::from_text("shpss_example"), "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e");
    /// let context = TransformContext::for_brand(brand.parse()?);
    /// let intake = Intake::new(context).with_secret(Source::Shopify, secret.clone());
    /// let sandbox = Sandbox::builder().intake(intake).start().await?;
    /// let body = r#"{"id": 820982911946154508, "created_at": "2022-01-01T00:00:00Z", "email": "jon@example.com"}"#;
    /// let (name, signature) = SignatureScheme::Shopify.sign(&secret, body.as_bytes(), SystemTime::now());
    /// # let http = reqwest::Client::builder().no_proxy().build()?;
    /// let post = http.post(format!("{}/webhooks/shopify", sandbox.url())).header("X-Shopify-Topic", "orders/create");
    /// assert_eq!(post.try_clone().unwrap().body(body).send().await?.status(), 401); // unsigned: refused
    /// assert_eq!(post.header(name, signature).body(body).send().await?.status(), 200);
    /// assert_eq!(sandbox.accepted()[0].payload["brandId"], brand);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn intake(mut self, intake: Intake) -> Self {
        self.intake = intake;
        self
    }

    /// The catalog `POST /api/events` and the schema routes serve (default: the built-in one).
    /// The intake validates webhook events against its own catalog.
    ///
    /// ```
    /// use loop_contracts::catalog::{Catalog, LeadCaptured};
    /// use loop_contracts::sandbox::Sandbox;
    /// # #[cfg(feature = "client")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use loop_contracts::client::SendError;
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    ///
    /// let sandbox = Sandbox::builder().catalog(Catalog::new().with_event::<LeadCaptured>()).start().await?;
    /// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url()).build()?;
    /// assert!(client.schema("lead.captured.v1").await.is_ok());
    /// let missing = client.schema("order.completed.v1").await; // built in, but not in this catalog
    /// assert!(matches!(missing, Err(SendError::Invalid(_))));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn catalog(mut self, catalog: Catalog) -> Self {
        self.catalog = catalog;
        self
    }

    /// Delivery webhooks: the endpoint, the signing secret, the retry schedule and the bounds
    /// (default: no endpoint; one can be registered at run time).
    ///
    /// ```
    /// use loop_contracts::delivery::WebhookSecret;
    /// use loop_contracts::sandbox::{DeliveryConfig, Sandbox, SandboxError};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///
    /// let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    /// let config = DeliveryConfig::new(secret).endpoint("http://127.0.0.1:9000/webhooks/loop");
    /// let sandbox = Sandbox::builder().deliveries(config).start().await?;
    /// assert_eq!(sandbox.delivery_stats().endpoint.as_deref(), Some("http://127.0.0.1:9000/webhooks/loop"));
    /// let unsigned = DeliveryConfig::default().endpoint("http://127.0.0.1:9000/webhooks/loop"); // no secret
    /// assert!(matches!(Sandbox::builder().deliveries(unsigned).start().await, Err(SandboxError::Delivery(_))));
    /// # Ok(())
    /// # }
    /// ```
    pub fn deliveries(mut self, config: DeliveryConfig) -> Self {
        self.deliveries = config;
        self
    }

    /// How long [`SandboxHandle::shutdown`] lets requests in flight finish (default 5 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// use loop_contracts::sandbox::Sandbox;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///
    /// let sandbox = Sandbox::builder().shutdown_grace(Duration::from_millis(200)).start().await?;
    /// sandbox.shutdown().await; // requests still in flight 200 ms later are cut off
    /// # Ok(())
    /// # }
    /// ```
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// Binds the address and starts serving on the current tokio runtime.
    ///
    /// ```
    /// use loop_contracts::sandbox::{FaultConfig, Sandbox, SandboxError};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///
    /// let sandbox = Sandbox::builder().start().await?;
    /// assert!(sandbox.url().starts_with("http://127.0.0.1:"));
    /// let impossible = FaultConfig::seeded(1).with_error_rate(1.5);
    /// assert!(matches!(Sandbox::builder().faults(impossible).start().await, Err(SandboxError::Faults(_))));
    /// sandbox.shutdown().await;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start(self) -> Result<SandboxHandle, SandboxError> {
        self.faults.validate().map_err(SandboxError::Faults)?;
        if let Some(keys) = &self.accepted_keys
            && keys.iter().any(|k| k.scope() == KeyScope::Live)
        {
            return Err(SandboxError::LiveKey);
        }
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut webhook_paths = HashSet::new();
        for declaration in self.intake.declarations() {
            let path = declaration.webhook_path();
            if path.starts_with("/api/") || path == "/api" || path.starts_with("/__sandbox") {
                return Err(SandboxError::WebhookPath(crate::text::clip(path, crate::text::NAME_CHARS)));
            }
            webhook_paths.insert(path.to_owned());
        }
        let deliveries = delivery::Dispatcher::new(self.deliveries, stop_rx.clone()).map_err(SandboxError::Delivery)?;
        let listener = tokio::net::TcpListener::bind(self.addr).await.map_err(SandboxError::Bind)?;
        let local_addr = listener.local_addr().map_err(SandboxError::Bind)?;
        let shared = Arc::new(state::Shared {
            discovery: self
                .catalog
                .iter()
                .map(|s| (s.name().as_str().to_owned(), (s.to_discovery_json(), s.to_json_schema_string())))
                .collect(),
            listing: http::listing(&self.catalog),
            catalog: self.catalog,
            keys: match self.accepted_keys {
                Some(keys) => state::KeyPolicy::Only(keys),
                None => state::KeyPolicy::AnyWellFormed,
            },
            limiter: limiter::Limiter::new(self.default_tier, self.anonymous_tier, self.key_tiers),
            idempotency: idempotency::IdempotencyStore::new(
                self.idempotency_window,
                self.idempotency_capacity,
                self.idempotency_wait,
            ),
            events: events::EventLog::new(self.retained_events, self.retained_bytes),
            faults: faults::FaultInjector::new(self.faults),
            intake: self.intake,
            webhook_paths,
            body_limit: self.body_limit,
            body_timeout: self.body_timeout,
            listen: local_addr,
            stop: stop_rx.clone(),
            deliveries,
        });
        let router = http::router(Arc::clone(&shared));
        let task =
            tokio::spawn(http::serve(listener, router, stop_rx, self.shutdown_grace, self.max_connections.max(1)));
        Ok(SandboxHandle { local_addr, shared, stop: stop_tx, task: Some(task), grace: self.shutdown_grace })
    }
}

/// Why a sandbox did not start.
///
/// ```
/// use loop_contracts::sandbox::{Sandbox, SandboxError};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
///
/// let running = Sandbox::builder().start().await?;
/// let second = Sandbox::builder().addr(running.local_addr()).start().await; // the same port
/// let Err(err @ SandboxError::Bind(_)) = second else { panic!("the port is taken") };
/// assert!(err.to_string().starts_with("cannot listen"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The address could not be bound.
    #[error("cannot listen: {0}")]
    Bind(#[source] std::io::Error),
    /// The fault configuration is invalid.
    #[error("invalid fault configuration: {0}")]
    Faults(String),
    /// An `lk_live_` key was configured.
    #[error("live API keys (lk_live_) are not accepted by the sandbox: configure lk_test_ or lk_dev_ keys")]
    LiveKey,
    /// A declared `webhookPath` lies under a route of the platform API or of the sandbox.
    #[error("the webhookPath {0:?} lies under /api/ or /__sandbox/")]
    WebhookPath(String),
    /// The delivery configuration is invalid: an endpoint that is not an `http://` URL, an
    /// endpoint without a secret, a zero bound.
    #[error("invalid delivery configuration: {0}")]
    Delivery(String),
}

/// A running sandbox. Dropping it stops the server (without waiting); [`shutdown`](Self::shutdown)
/// stops it gracefully.
///
/// ```
/// use loop_contracts::sandbox::Sandbox;
/// # #[cfg(feature = "client")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
/// # let lead: loop_contracts::catalog::LeadCaptured = loop_contracts::Event::from_json_value(&serde_json::json!({
/// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
/// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
/// #     "source": "quiz_completion", "attribution": {},
/// # }))?;
///
/// let sandbox = Sandbox::builder().start().await?;
/// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url()).build()?;
/// client.send(&lead).await?; // a client pointed at sandbox.url()
/// assert_eq!(sandbox.accepted()[0].event, "lead.captured.v1");
/// sandbox.reset(); // e.g. between tests
/// assert!(sandbox.accepted().is_empty());
/// sandbox.shutdown().await;
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "client"))]
/// # fn main() {}
/// ```
#[derive(Debug)]
pub struct SandboxHandle {
    local_addr: SocketAddr,
    shared: Arc<state::Shared>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
    grace: Duration,
}

impl SandboxHandle {
    /// The address it listens on (with the actual port when started on port 0).
    ///
    /// ```
    /// use loop_contracts::sandbox::Sandbox;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///
    /// let sandbox = Sandbox::builder().start().await?; // port 0 by default
    /// let addr = sandbox.local_addr();
    /// assert!(addr.ip().is_loopback() && addr.port() != 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The base URL, e.g. `http://127.0.0.1:8787`.
    ///
    /// ```
    /// use loop_contracts::sandbox::Sandbox;
    /// # #[cfg(feature = "client")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use loop_contracts::client::Client;
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    ///
    /// let sandbox = Sandbox::builder().start().await?;
    /// assert_eq!(sandbox.url(), format!("http://{}", sandbox.local_addr()));
    /// let client = Client::builder().key(key).base_url(sandbox.url()).build()?;
    /// # let _ = client;
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// Every accepted event that is still kept, in order.
    ///
    /// ```
    /// use loop_contracts::sandbox::Via;
    /// # #[cfg(feature = "client")]
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
    /// client.send(&lead).await?;
    /// let events = sandbox.accepted();
    /// assert_eq!((events[0].sequence, events[0].event.as_str()), (1, "lead.captured.v1"));
    /// assert_eq!(events[0].payload["email"], "user@example.com");
    /// assert!(matches!(&events[0].via, Via::Api { key } if key.starts_with("lk_test_[REDACTED"))); // never the key
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn accepted(&self) -> Vec<AcceptedEvent> {
        self.shared.events.all()
    }

    /// The kept accepted events with a sequence number above `after`.
    ///
    /// ```
    /// # #[cfg(feature = "client")]
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
    /// for i in 1..=3 {
    ///     client.send_json("lead.captured.v1", &lead(i)).await?;
    /// }
    /// let newer: Vec<u64> = sandbox.accepted_after(1).iter().map(|e| e.sequence).collect();
    /// assert_eq!(newer, [2, 3]);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn accepted_after(&self, after: u64) -> Vec<AcceptedEvent> {
        self.shared.events.after(after, usize::MAX).events.iter().map(|e| AcceptedEvent::clone(e)).collect()
    }

    /// Waits up to `timeout` for events after `after` (returns at once if there are some).
    ///
    /// ```
    /// use std::time::Duration;
    /// # #[cfg(feature = "client")]
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
    /// let sender = client.clone();
    /// tokio::spawn(async move { sender.send(&lead).await }); // e.g. the service under test
    /// let events = sandbox.wait_for_accepted(0, Duration::from_secs(5)).await;
    /// assert_eq!(events.len(), 1);
    /// assert!(sandbox.wait_for_accepted(1, Duration::from_millis(10)).await.is_empty()); // nothing newer
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub async fn wait_for_accepted(&self, after: u64, timeout: Duration) -> Vec<AcceptedEvent> {
        let page = self.shared.events.wait_after(after, usize::MAX, timeout, self.shared.stop.clone()).await;
        page.events.iter().map(|e| AcceptedEvent::clone(e)).collect()
    }

    /// How many events were accepted since the start (the latest sequence number).
    ///
    /// ```
    /// # #[cfg(feature = "client")]
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
    /// for i in 1..=2 {
    ///     client.send_json("lead.captured.v1", &lead(i)).await?;
    /// }
    /// sandbox.reset();
    /// assert!(sandbox.accepted().is_empty());
    /// assert_eq!(sandbox.accepted_count(), 2); // a reset does not turn it back
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn accepted_count(&self) -> u64 {
        self.shared.events.latest()
    }

    /// Replaces the fault configuration (and restarts its seeded sequence).
    ///
    /// ```
    /// use loop_contracts::sandbox::{FaultConfig, SandboxError};
    /// # #[cfg(feature = "client")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sandbox = loop_contracts::sandbox::Sandbox::builder().start().await?;
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// # let lead: loop_contracts::catalog::LeadCaptured = loop_contracts::Event::from_json_value(&serde_json::json!({
    /// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    /// #     "source": "quiz_completion", "attribution": {},
    /// # }))?;
    /// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url())
    /// #     .retry_policy(loop_contracts::client::RetryPolicy::no_retries()).build()?;
    ///
    /// sandbox.set_faults(FaultConfig::seeded(1).with_error_rate(1.0))?;
    /// assert!(client.send(&lead).await.is_err()); // a client without retries
    /// sandbox.set_faults(FaultConfig::default())?;
    /// assert!(client.send(&lead).await.is_ok());
    /// let err = sandbox.set_faults(FaultConfig::seeded(1).with_error_rate(0.6).with_drop_rate(0.6)).unwrap_err();
    /// assert!(matches!(err, SandboxError::Faults(_))); // the shares add up to more than 1
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn set_faults(&self, faults: FaultConfig) -> Result<(), SandboxError> {
        faults.validate().map_err(SandboxError::Faults)?;
        self.shared.faults.set(faults);
        Ok(())
    }

    /// The current fault configuration.
    ///
    /// ```
    /// use std::time::Duration;
    /// use loop_contracts::sandbox::FaultConfig;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sandbox = loop_contracts::sandbox::Sandbox::builder().start().await?;
    ///
    /// let flaky = FaultConfig::seeded(7).with_error_rate(0.2).with_latency(Duration::from_millis(5), Duration::ZERO);
    /// sandbox.set_faults(flaky)?;
    /// assert_eq!(sandbox.faults(), flaky);
    /// sandbox.reset(); // turns faults off
    /// assert!(!sandbox.faults().is_active());
    /// # Ok(())
    /// # }
    /// ```
    pub fn faults(&self) -> FaultConfig {
        self.shared.faults.config()
    }

    /// Registers (or replaces) the delivery endpoint, an `http://` URL, as
    /// `POST /__sandbox/deliveries` does. `secret` replaces the signing secret; without one, the
    /// configured secret is kept (and there must be one). Events accepted from now on are
    /// delivered there; deliveries already made keep their endpoint.
    ///
    /// ```
    /// use std::time::Duration;
    /// use loop_contracts::delivery::WebhookSecret;
    /// use loop_contracts::sandbox::SandboxError;
    /// # #[cfg(feature = "client")]
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
    /// # let hooks = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let endpoint = format!("http://{}/webhooks/loop", hooks.local_addr()?);
    /// # tokio::spawn(async move {
    /// #     while let Ok((stream, _)) = hooks.accept().await {
    /// #         let ok = hyper::service::service_fn(|_| async {
    /// #             let empty = http_body_util::Empty::<hyper::body::Bytes>::new();
    /// #             Ok::<_, std::convert::Infallible>(hyper::Response::new(empty))
    /// #         });
    /// #         let io = hyper_util::rt::TokioIo::new(stream);
    /// #         tokio::spawn(hyper::server::conn::http1::Builder::new().serve_connection(io, ok));
    /// #     }
    /// # });
    ///
    /// let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    /// sandbox.deliver_to(&endpoint, Some(secret))?; // an http:// endpoint that answers 2xx
    /// client.send(&lead).await?; // a lead with an email: a message is sent, then delivered
    /// assert!(sandbox.wait_for_deliveries(Duration::from_secs(5)).await);
    /// let kinds: Vec<String> = sandbox.deliveries().into_iter().map(|d| d.event).collect();
    /// assert_eq!(kinds, ["message.sent.v1", "message.delivered.v1"]);
    /// assert!(matches!(sandbox.deliver_to("https://hooks.example.com", None), Err(SandboxError::Delivery(_))));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn deliver_to(&self, url: &str, secret: Option<WebhookSecret>) -> Result<(), SandboxError> {
        self.shared.deliveries.register(Some(url), secret).map_err(SandboxError::Delivery)
    }

    /// Removes the delivery endpoint: events accepted from now on are not delivered (pending
    /// deliveries go on). The secret is kept for a later [`deliver_to`](Self::deliver_to).
    ///
    /// ```
    /// # #[cfg(feature = "client")]
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
    /// # let secret = loop_contracts::delivery::WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    /// sandbox.deliver_to("http://127.0.0.1:9000/webhooks/loop", Some(secret))?;
    /// sandbox.stop_deliveries();
    /// client.send(&lead).await?;
    /// assert!(sandbox.deliveries().is_empty()); // accepted, not delivered
    /// assert_eq!(sandbox.delivery_stats().endpoint, None);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn stop_deliveries(&self) {
        // Removing never fails: only a URL can be invalid.
        let _ = self.shared.deliveries.register(None, None);
    }

    /// The kept delivery records, in order (the newest 10,000 by default).
    ///
    /// ```
    /// use std::time::Duration;
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
    /// # let closed = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?; // nothing listens there once dropped
    /// # let endpoint = format!("http://{closed}/webhooks/loop");
    ///
    /// // An endpoint that refuses connections, tried twice 10 ms apart.
    /// let config = DeliveryConfig::new(secret).endpoint(endpoint).retry_schedule([Duration::from_millis(10)]);
    /// let sandbox = Sandbox::builder().deliveries(config).start().await?;
    /// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url()).build()?;
    /// client.send(&lead).await?;
    /// assert!(sandbox.wait_for_deliveries(Duration::from_secs(5)).await);
    /// let records = sandbox.deliveries(); // message.sent.v1 and message.delivered.v1
    /// assert_eq!(records.len(), 2);
    /// for record in records {
    ///     assert_eq!((record.state, record.attempts.len()), (DeliveryState::Failed, 2));
    ///     assert_eq!(record.source.event_id, "550e8400-e29b-41d4-a716-446655440000");
    /// }
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        self.shared.deliveries.records(0, usize::MAX)
    }

    /// The delivery counters.
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
    /// # let hooks = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let endpoint = format!("http://{}/webhooks/loop", hooks.local_addr()?);
    /// # tokio::spawn(async move {
    /// #     while let Ok((stream, _)) = hooks.accept().await {
    /// #         let ok = hyper::service::service_fn(|_| async {
    /// #             let empty = http_body_util::Empty::<hyper::body::Bytes>::new();
    /// #             Ok::<_, std::convert::Infallible>(hyper::Response::new(empty))
    /// #         });
    /// #         let io = hyper_util::rt::TokioIo::new(stream);
    /// #         tokio::spawn(hyper::server::conn::http1::Builder::new().serve_connection(io, ok));
    /// #     }
    /// # });
    ///
    /// let sandbox = Sandbox::builder().deliveries(DeliveryConfig::new(secret).endpoint(&endpoint)).start().await?;
    /// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url()).build()?;
    /// client.send(&lead).await?; // a lead with an email: message.sent.v1, then message.delivered.v1
    /// assert!(sandbox.wait_for_deliveries(Duration::from_secs(5)).await);
    /// let stats = sandbox.delivery_stats();
    /// assert_eq!((stats.delivered, stats.attempts, stats.pending, stats.failed), (2, 2, 0, 0));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn delivery_stats(&self) -> DeliveryStats {
        self.shared.deliveries.stats()
    }

    /// Waits up to `timeout` until no delivery is pending (each delivered, failed or cancelled):
    /// whether none is.
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
    /// // An endpoint that refuses connections, retried after a minute.
    /// let config = DeliveryConfig::new(secret).endpoint(endpoint).retry_schedule([Duration::from_secs(60)]);
    /// let sandbox = Sandbox::builder().deliveries(config).start().await?;
    /// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url()).build()?;
    /// client.send(&lead).await?;
    /// assert!(!sandbox.wait_for_deliveries(Duration::from_millis(200)).await); // still pending
    /// assert_eq!(sandbox.delivery_stats().pending, 2);
    /// sandbox.shutdown().await; // cancels them
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub async fn wait_for_deliveries(&self, timeout: Duration) -> bool {
        self.shared.deliveries.wait_idle(timeout).await
    }

    /// Forgets the accepted events and idempotency keys, turns faults off, and cancels pending
    /// deliveries and forgets their records (as `POST /__sandbox/reset`); sequence numbers, delivery
    /// ids and counters go on, and the delivery endpoint stays registered. Rate-limit state is kept.
    ///
    /// ```
    /// # #[cfg(feature = "client")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let sandbox = loop_contracts::sandbox::Sandbox::builder().start().await?;
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// # let lead: loop_contracts::catalog::LeadCaptured = loop_contracts::Event::from_json_value(&serde_json::json!({
    /// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    /// #     "source": "quiz_completion", "attribution": {},
    /// # }))?;
    /// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url())
    /// #     .accepted_cache(0).build()?;
    /// client.send(&lead).await?; // a client without memory of its own (accepted_cache(0))
    /// sandbox.reset(); // e.g. between tests
    /// assert!(sandbox.accepted().is_empty());
    /// let again = client.send(&lead).await?; // the key is forgotten: processed again, not replayed
    /// assert!(!again.replayed);
    /// assert_eq!(sandbox.accepted()[0].sequence, 2); // sequence numbers go on
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Stops accepting connections, lets requests in flight finish (up to the grace period,
    /// long polls return at once), cancels pending deliveries without waiting for their retries,
    /// and waits for the server to stop.
    ///
    /// ```
    /// # #[cfg(feature = "client")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use loop_contracts::client::AttemptOutcome;
    /// # let sandbox = loop_contracts::sandbox::Sandbox::builder().start().await?;
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// # let lead: loop_contracts::catalog::LeadCaptured = loop_contracts::Event::from_json_value(&serde_json::json!({
    /// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    /// #     "source": "quiz_completion", "attribution": {},
    /// # }))?;
    /// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url())
    /// #     .retry_policy(loop_contracts::client::RetryPolicy::no_retries()).build()?;
    ///
    /// sandbox.shutdown().await;
    /// let err = client.send(&lead).await.unwrap_err(); // nothing listens any more
    /// assert!(matches!(err.attempts()[0].outcome, AttemptOutcome::Network(_)));
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.shared.deliveries.shutdown(self.grace).await;
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
