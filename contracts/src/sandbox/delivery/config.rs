//! The delivery configuration: where and how the sandbox delivers webhooks, and its defaults.

use std::time::Duration;

use crate::delivery::WebhookSecret;

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

/// Where and how the sandbox delivers webhooks ([`SandboxBuilder::deliveries`]).
///
/// Without an endpoint nothing is delivered until one is registered at run time
/// ([`SandboxHandle::deliver_to`] or `POST /__sandbox/deliveries`); without a secret, that
/// registration must bring one.
///
/// [`SandboxBuilder::deliveries`]: crate::sandbox::SandboxBuilder::deliveries
/// [`SandboxHandle::deliver_to`]: crate::sandbox::SandboxHandle::deliver_to
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
    pub(super) endpoint: Option<String>,
    pub(super) secret: Option<WebhookSecret>,
    pub(super) schedule: Vec<Duration>,
    pub(super) attempt_timeout: Duration,
    pub(super) queue_capacity: usize,
    pub(super) retained: usize,
    pub(super) max_in_flight: usize,
    pub(super) remote_endpoints: bool,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_schedule_is_the_seeds() {
        let secs: Vec<u64> = DeliveryConfig::default().schedule().iter().map(Duration::as_secs).collect();
        assert_eq!(secs, [1, 5, 30, 120, 600]);
        assert_eq!(DEFAULT_RETRY_SCHEDULE.map(|d| d.as_secs()), [1, 5, 30, 2 * 60, 10 * 60]);
    }
}
