//! A running sandbox: [`SandboxHandle`], to inspect it, change it at run time and stop it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::state;
use super::{AcceptedEvent, DeliveryRecord, DeliveryStats, FaultConfig, SandboxError};
use crate::delivery::WebhookSecret;

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
    pub(super) local_addr: SocketAddr,
    pub(super) shared: Arc<state::Shared>,
    pub(super) stop: watch::Sender<bool>,
    pub(super) task: Option<JoinHandle<()>>,
    pub(super) grace: Duration,
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
