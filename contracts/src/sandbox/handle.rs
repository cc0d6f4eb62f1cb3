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
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The base URL, e.g. `http://127.0.0.1:8787`.
    pub fn url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// Every accepted event that is still kept, in order.
    pub fn accepted(&self) -> Vec<AcceptedEvent> {
        self.shared.events.all()
    }

    /// The kept accepted events with a sequence number above `after`.
    pub fn accepted_after(&self, after: u64) -> Vec<AcceptedEvent> {
        self.shared.events.after(after, usize::MAX).events.iter().map(|e| AcceptedEvent::clone(e)).collect()
    }

    /// Waits up to `timeout` for events after `after` (returns at once if there are some).
    pub async fn wait_for_accepted(&self, after: u64, timeout: Duration) -> Vec<AcceptedEvent> {
        let page = self.shared.events.wait_after(after, usize::MAX, timeout, self.shared.stop.clone()).await;
        page.events.iter().map(|e| AcceptedEvent::clone(e)).collect()
    }

    /// How many events were accepted since the start (the latest sequence number).
    pub fn accepted_count(&self) -> u64 {
        self.shared.events.latest()
    }

    /// Replaces the fault configuration (and restarts its seeded sequence).
    pub fn set_faults(&self, faults: FaultConfig) -> Result<(), SandboxError> {
        faults.validate().map_err(SandboxError::Faults)?;
        self.shared.faults.set(faults);
        Ok(())
    }

    /// The current fault configuration.
    pub fn faults(&self) -> FaultConfig {
        self.shared.faults.config()
    }

    /// Registers (or replaces) the delivery endpoint, an `http://` URL, as
    /// `POST /__sandbox/deliveries` does. `secret` replaces the signing secret; without one, the
    /// configured secret is kept (and there must be one). Events accepted from now on are
    /// delivered there; deliveries already made keep their endpoint.
    pub fn deliver_to(&self, url: &str, secret: Option<WebhookSecret>) -> Result<(), SandboxError> {
        self.shared.deliveries.register(Some(url), secret).map_err(SandboxError::Delivery)
    }

    /// Removes the delivery endpoint: events accepted from now on are not delivered (pending
    /// deliveries go on). The secret is kept for a later [`deliver_to`](Self::deliver_to).
    pub fn stop_deliveries(&self) {
        // Removing never fails: only a URL can be invalid.
        let _ = self.shared.deliveries.register(None, None);
    }

    /// The kept delivery records, in order (the newest 10,000 by default).
    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        self.shared.deliveries.records(0, usize::MAX)
    }

    /// The delivery counters.
    pub fn delivery_stats(&self) -> DeliveryStats {
        self.shared.deliveries.stats()
    }

    /// Waits up to `timeout` until no delivery is pending (each delivered, failed or cancelled):
    /// whether none is.
    pub async fn wait_for_deliveries(&self, timeout: Duration) -> bool {
        self.shared.deliveries.wait_idle(timeout).await
    }

    /// Forgets the accepted events and idempotency keys, turns faults off, and cancels pending
    /// deliveries and forgets their records (as `POST /__sandbox/reset`); sequence numbers, delivery
    /// ids and counters go on, and the delivery endpoint stays registered. Rate-limit state is kept.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Stops accepting connections, lets requests in flight finish (up to the grace period,
    /// long polls return at once), cancels pending deliveries without waiting for their retries,
    /// and waits for the server to stop.
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
