//! What the sandbox tells about its deliveries: each delivery's record and attempts, and the counters.

use serde::{Deserialize, Serialize};
use serde_json::Value;

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
