//! The outbox hook: where a host persists sends that are not finished yet.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde_json::Value;
use uuid::Uuid;

/// One event the client has started sending and not finished.
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
pub trait Outbox: Send + Sync + 'static {
    /// Records an event about to be sent.
    ///
    /// # Errors
    ///
    /// A message when the entry could not be stored; the client then does not send.
    fn record_pending(&self, entry: &OutboxEntry) -> Result<(), String>;
    /// Forgets an event: accepted, or refused for good.
    fn mark_done(&self, event_id: Uuid);
    /// The events still pending, oldest first where the store knows the order.
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
    entries: Mutex<BTreeMap<u64, OutboxEntry>>,
    next: Mutex<u64>,
}

impl Outbox for InMemoryOutbox {
    fn record_pending(&self, entry: &OutboxEntry) -> Result<(), String> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.values().any(|e| e.event_id == entry.event_id) {
            return Ok(());
        }
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        *next += 1;
        entries.insert(*next, entry.clone());
        Ok(())
    }

    fn mark_done(&self, event_id: Uuid) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).retain(|_, e| e.event_id != event_id);
    }

    fn pending(&self) -> Vec<OutboxEntry> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).values().cloned().collect()
    }
}
