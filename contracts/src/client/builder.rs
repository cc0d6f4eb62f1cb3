//! [`ClientBuilder`]: the client's settings, their defaults, and the checks `build` makes before a
//! client exists (the key, the base URL and its scheme).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::dedupe::Dedupe;
use super::throttle::Throttle;
use super::{BuildError, Client, Inner, Outbox, RetryPolicy, Sleeper, TokioSleeper};
use crate::platform::api_key::{ApiKey, Tier};

/// The platform's base URL.
pub const DEFAULT_BASE_URL: &str = "https://comms.loop.health";
/// The default number of accepted eventIds remembered in memory.
pub const DEFAULT_ACCEPTED_CACHE: usize = 10_000;

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
        // One allocation of the final size, which the header takes over without a copy: a
        // `format!` growing as it writes would free partial copies of the key unzeroed.
        let mut bearer = String::with_capacity("Bearer ".len() + key.expose_secret().len());
        bearer.push_str("Bearer ");
        bearer.push_str(key.expose_secret());
        let mut authorization =
            reqwest::header::HeaderValue::try_from(bearer).map_err(|e| BuildError::Http(e.to_string()))?;
        authorization.set_sensitive(true);
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
                throttle: Throttle::new(self.tier, self.rate_limit),
                dedupe: Dedupe::new(self.accepted_cache),
                schemas: Mutex::new(HashMap::new()),
                jitter: std::collections::hash_map::RandomState::new(),
            }),
        })
    }
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
