//! The outbox hook: where a host persists sends that are not finished yet.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use serde_json::Value;
use uuid::Uuid;

/// One event the client has started sending and not finished.
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
/// let outbox = Arc::new(InMemoryOutbox::default());
/// let client = Client::builder().key(key).base_url(sandbox.url()).outbox(outbox.clone());
/// let client = client.retry_policy(RetryPolicy::no_retries()).build()?;
/// sandbox.set_faults(FaultConfig::seeded(1).with_error_rate(1.0))?; // the send fails: its entry stays
/// assert!(client.send(&lead).await.is_err());
/// let entry = &outbox.pending()[0];
/// assert_eq!(entry.event, "lead.captured.v1");
/// assert_eq!(entry.event_id.to_string(), "550e8400-e29b-41d4-a716-446655440000");
/// assert_eq!(entry.payload["email"], "user@example.com"); // the payload as it is sent
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "sandbox"))]
/// # fn main() {}
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    /// The event name.
    pub event: String,
    /// The eventId (the Idempotency-Key).
    pub event_id: Uuid,
    /// The payload, as it is sent.
    pub payload: Value,
}

/// A store of pending sends. The client calls [`record_pending`](Self::record_pending) after
/// local validation and before the first attempt (a refusal aborts the send), and
/// [`mark_done`](Self::mark_done) once the platform accepted the event or refused it for good
/// (400/401/409/422). An event whose retries ran out stays pending. After a restart, the host
/// hands [`pending`](Self::pending) to [`Client::resend_pending`](super::Client::resend_pending):
/// the same eventId is the same Idempotency-Key, so an event the platform already accepted is
/// replayed, not processed twice (within the platform's idempotency window, 24 h).
///
/// A real implementation writes to durable storage (a table in the host's database, ideally in
/// the same transaction as the business change that produced the event).
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use loop_contracts::client::{Client, Outbox, OutboxEntry, SendError};
/// use uuid::Uuid;
///
/// /// Stands for a table of the host's database; this one holds a single row at most.
/// #[derive(Default)]
/// struct Table(Mutex<Vec<OutboxEntry>>);
///
/// impl Outbox for Table {
///     fn record_pending(&self, entry: &OutboxEntry) -> Result<(), String> {
///         let mut rows = self.0.lock().unwrap();
///         if rows.iter().any(|row| row.event_id == entry.event_id) {
///             return Ok(()); // already pending (a resend records it again)
///         }
///         if !rows.is_empty() {
///             return Err("the outbox table is full".into());
///         }
///         rows.push(entry.clone());
///         Ok(())
///     }
///
///     fn mark_done(&self, event_id: Uuid) {
///         self.0.lock().unwrap().retain(|row| row.event_id != event_id);
///     }
///
///     fn pending(&self) -> Vec<OutboxEntry> {
///         self.0.lock().unwrap().clone()
///     }
/// }
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
/// let table = Arc::new(Table::default());
/// let client = Client::builder().key(key).base_url(sandbox.url()).outbox(table.clone()).build()?;
/// client.send(&lead).await?;
/// assert!(table.pending().is_empty()); // recorded, then done once accepted
/// let stuck = OutboxEntry { event: "lead.captured.v1".into(), event_id: Uuid::nil(), payload: serde_json::json!({}) };
/// table.record_pending(&stuck)?; // the table is full now
/// let mut other = serde_json::to_value(&lead)?;
/// other["eventId"] = serde_json::json!("550e8400-e29b-41d4-a716-446655440001");
/// let err = client.send_json("lead.captured.v1", &other).await.unwrap_err();
/// assert!(matches!(err, SendError::Outbox(_))); // not recorded: not sent
/// assert_eq!(sandbox.accepted().len(), 1);
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "sandbox"))]
/// # fn main() {}
/// ```
pub trait Outbox: Send + Sync + 'static {
    /// Records an event about to be sent.
    ///
    /// ```
    /// use loop_contracts::client::{InMemoryOutbox, Outbox, OutboxEntry};
    /// use serde_json::json;
    ///
    /// let outbox = InMemoryOutbox::default();
    /// let entry = OutboxEntry { event: "lead.captured.v1".into(), event_id: uuid::Uuid::nil(), payload: json!({}) };
    /// outbox.record_pending(&entry)?;
    /// outbox.record_pending(&entry)?; // a resend records a pending entry again: it stays one entry
    /// assert_eq!(outbox.pending(), [entry]);
    /// # Ok::<(), String>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A message when the entry could not be stored; the client then does not send.
    fn record_pending(&self, entry: &OutboxEntry) -> Result<(), String>;
    /// Forgets an event: accepted, or refused for good.
    ///
    /// ```
    /// use loop_contracts::client::{InMemoryOutbox, Outbox, OutboxEntry};
    /// use serde_json::json;
    /// use uuid::Uuid;
    ///
    /// let outbox = InMemoryOutbox::default();
    /// let entry = OutboxEntry { event: "lead.captured.v1".into(), event_id: Uuid::nil(), payload: json!({}) };
    /// outbox.record_pending(&entry)?;
    /// outbox.mark_done(Uuid::from_u128(7)); // an eventId it does not hold: nothing happens
    /// assert_eq!(outbox.pending().len(), 1);
    /// outbox.mark_done(entry.event_id);
    /// assert!(outbox.pending().is_empty());
    /// # Ok::<(), String>(())
    /// ```
    fn mark_done(&self, event_id: Uuid);
    /// The events still pending, oldest first where the store knows the order.
    ///
    /// ```
    /// use loop_contracts::client::{InMemoryOutbox, Outbox, OutboxEntry};
    /// use serde_json::json;
    /// use uuid::Uuid;
    ///
    /// let outbox = InMemoryOutbox::default();
    /// for n in [3, 1, 2] {
    ///     let event_id = Uuid::from_u128(n);
    ///     outbox.record_pending(&OutboxEntry { event: "lead.captured.v1".into(), event_id, payload: json!({}) })?;
    /// }
    /// outbox.mark_done(Uuid::from_u128(1));
    /// let order: Vec<u128> = outbox.pending().iter().map(|e| e.event_id.as_u128()).collect();
    /// assert_eq!(order, [3, 2]); // oldest first
    /// # Ok::<(), String>(())
    /// ```
    fn pending(&self) -> Vec<OutboxEntry>;
}

/// An in-memory [`Outbox`]: survives nothing, but shows the contract and serves tests.
///
/// ```
/// use loop_contracts::client::{InMemoryOutbox, Outbox, OutboxEntry};
///
/// let outbox = InMemoryOutbox::default();
/// let id = uuid::Uuid::nil();
/// outbox.record_pending(&OutboxEntry { event: "lead.captured.v1".into(), event_id: id, payload: serde_json::json!({}) }).unwrap();
/// assert_eq!(outbox.pending().len(), 1);
/// outbox.mark_done(id);
/// assert!(outbox.pending().is_empty());
/// ```
#[derive(Debug, Default)]
pub struct InMemoryOutbox {
    state: Mutex<MemoryState>,
}

/// The pending entries in the order they were recorded, and where each eventId's entry is.
#[derive(Debug, Default)]
struct MemoryState {
    entries: BTreeMap<u64, OutboxEntry>,
    index: HashMap<Uuid, u64>,
    next: u64,
}

impl InMemoryOutbox {
    /// Whether an entry for this eventId is pending.
    ///
    /// ```
    /// use loop_contracts::client::{InMemoryOutbox, Outbox, OutboxEntry};
    ///
    /// let outbox = InMemoryOutbox::default();
    /// let id = uuid::Uuid::nil();
    /// assert!(!outbox.is_pending(id));
    /// outbox.record_pending(&OutboxEntry { event: "lead.captured.v1".into(), event_id: id, payload: serde_json::json!({}) }).unwrap();
    /// assert!(outbox.is_pending(id));
    /// ```
    pub fn is_pending(&self, event_id: Uuid) -> bool {
        self.state().index.contains_key(&event_id)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        crate::sync::lock(&self.state)
    }
}

impl Outbox for InMemoryOutbox {
    fn record_pending(&self, entry: &OutboxEntry) -> Result<(), String> {
        let mut state = self.state();
        if state.index.contains_key(&entry.event_id) {
            return Ok(());
        }
        state.next += 1;
        let at = state.next;
        state.index.insert(entry.event_id, at);
        state.entries.insert(at, entry.clone());
        Ok(())
    }

    fn mark_done(&self, event_id: Uuid) {
        let mut state = self.state();
        if let Some(at) = state.index.remove(&event_id) {
            state.entries.remove(&at);
        }
    }

    fn pending(&self) -> Vec<OutboxEntry> {
        self.state().entries.values().cloned().collect()
    }
}
