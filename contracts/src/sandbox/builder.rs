//! Configuring and starting a sandbox: [`Sandbox::builder`], [`SandboxBuilder`] and the defaults.

use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::{delivery, events, faults, http, idempotency, limiter, state};
use super::{DeliveryConfig, FaultConfig, SandboxError, SandboxHandle};
use crate::catalog::Catalog;
use crate::inbound::{Intake, Source, TransformContext};
use crate::platform::api_key::{ApiKey, KeyScope, Tier};

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
    pub fn addr(mut self, addr: impl Into<SocketAddr>) -> Self {
        self.addr = addr.into();
        self
    }

    /// The tier of keys without a tier of their own (default Standard).
    pub fn default_tier(mut self, tier: Tier) -> Self {
        self.default_tier = tier;
        self
    }

    /// The tier of one key (it does not change which keys are accepted).
    pub fn tier_for(mut self, key: ApiKey, tier: Tier) -> Self {
        self.key_tiers.insert(key, tier);
        self
    }

    /// The tier of requests without a valid key, counted per IP address (default Standard).
    pub fn anonymous_tier(mut self, tier: Tier) -> Self {
        self.anonymous_tier = tier;
        self
    }

    /// Accepts this key. Once any key is given, only the given keys are accepted; without any,
    /// every well-formed `lk_test_` and `lk_dev_` key is. An `lk_live_` key makes
    /// [`start`](Self::start) fail.
    pub fn accept_key(mut self, key: ApiKey) -> Self {
        self.accepted_keys.get_or_insert_with(HashSet::new).insert(key);
        self
    }

    /// The largest request body accepted, in bytes (default 1 MiB); larger ones get 413.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// How long idempotency keys are kept, and how many at most per scope (default 24 h, 100,000):
    /// each API key's keys, and the webhook routes', are bounded on their own, so that no caller
    /// can push out another's; all scopes together keep at most ten times `max_keys`. The oldest
    /// keys go first, but never one whose request is still being processed (a duplicate waiting
    /// for it would otherwise run again).
    pub fn idempotency_window(mut self, window: Duration, max_keys: usize) -> Self {
        self.idempotency_window = window;
        self.idempotency_capacity = max_keys;
        self
    }

    /// How long a duplicate waits for the first request with its key to finish (default 10 s).
    pub fn idempotency_wait(mut self, wait: Duration) -> Self {
        self.idempotency_wait = wait;
        self
    }

    /// How many accepted events are kept for inspection (default 10,000; the oldest go first).
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
    pub fn faults(mut self, faults: FaultConfig) -> Self {
        self.faults = faults;
        self
    }

    /// The webhook intake: its brand, signing secrets and declared transforms. Declared
    /// transforms answer at their `webhookPath`. It replaces the default intake, which accepts
    /// unsigned webhooks from every source and sets no brand.
    pub fn intake(mut self, intake: Intake) -> Self {
        self.intake = intake;
        self
    }

    /// The catalog `POST /api/events` and the schema routes serve (default: the built-in one).
    /// The intake validates webhook events against its own catalog.
    pub fn catalog(mut self, catalog: Catalog) -> Self {
        self.catalog = catalog;
        self
    }

    /// Delivery webhooks: the endpoint, the signing secret, the retry schedule and the bounds
    /// (default: no endpoint; one can be registered at run time).
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
