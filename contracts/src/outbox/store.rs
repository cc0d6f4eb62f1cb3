//! What every outbox store does: the trait, an entry's life, and the figures a store reports.

use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::error::OutboxError;
use super::event::ValidatedEvent;

/// Where an entry is in its life.
///
/// ```text
///            claim                    accepted (2xx)
/// Pending ─────────────▶ InFlight ─────────────────────▶ Sent ──(prune)──▶ gone
///    ▲                      │  │   refused for good (4xx but 429)
///    │  retry later,        │  └─────────────────────────▶ Failed
///    └──release, lease expiry┘
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EntryState {
    /// Waiting for a relay; due at the entry's `next_attempt_at`.
    Pending,
    /// Claimed by a relay until `lease_until`; another relay may claim it after that.
    InFlight {
        /// When the claim lapses unless its relay extends it.
        lease_until: SystemTime,
    },
    /// Accepted by the platform.
    Sent {
        /// The platform's acceptance body (`{"ok": true, …}`).
        acceptance: Value,
    },
    /// Refused by the platform for good (a 4xx other than 429), or found unusable; never retried.
    Failed {
        /// The platform's error response (`{"ok": false, "error": {…}}`).
        response: Value,
    },
}

/// One entry of an outbox, as [`OutboxStore::entry`] reads it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StoredEntry {
    /// The event name.
    pub event: String,
    /// The eventId (the Idempotency-Key of every send).
    pub event_id: Uuid,
    /// The payload as it is sent.
    pub payload: Value,
    /// Where it is in its life.
    pub state: EntryState,
    /// The claims made so far (each claim is one send, with the client's own retries inside it).
    pub attempts: u32,
    /// When a relay may claim it next (pending entries).
    pub next_attempt_at: SystemTime,
    /// Why the last claim did not end in a verdict (the platform unreachable, retries spent).
    pub last_error: Option<String>,
    /// When it was enqueued.
    pub enqueued_at: SystemTime,
}

/// What [`OutboxStore::enqueue`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// The event is stored.
    Stored,
    /// The same event (same name, eventId and payload) was already stored: nothing changed. A
    /// vendor's redelivery of one notification ends here.
    AlreadyStored,
}

/// An entry a relay claimed: it owns it until the lease lapses.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Claimed {
    /// The event name.
    pub event: String,
    /// The eventId.
    pub event_id: Uuid,
    /// The payload as JSON text, as stored.
    pub payload: String,
    /// The claims made so far, this one included.
    pub attempts: u32,
    /// The claim's token: finishing or extending it takes the token, so a relay whose lease
    /// lapsed (and whose entry another relay claimed) cannot overwrite the other's verdict.
    pub token: Uuid,
}

/// How a claim ends.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Outcome {
    /// Accepted: the entry is sent, with the acceptance body.
    Sent {
        /// The platform's acceptance body.
        acceptance: Value,
    },
    /// Refused for good: the entry is failed, with the error response.
    Failed {
        /// The platform's (or local validation's) error response.
        response: Value,
    },
    /// No verdict (the platform unreachable, retries spent): pending again, due at `at`.
    RetryAt {
        /// When it is due again.
        at: SystemTime,
        /// Why there was no verdict, kept as the entry's `last_error`.
        error: String,
    },
    /// Given back unsent (a relay shutting down): pending again, due at once, the claim not
    /// counted as an attempt.
    Released,
}

/// How many entries are in each state; `outbox status` prints it.
///
/// ```
/// let counts = loop_contracts::outbox::OutboxCounts { pending: 2, in_flight: 1, sent: 7, failed: 0 };
/// assert_eq!(serde_json::to_string(&counts)?, r#"{"pending":2,"inFlight":1,"sent":7,"failed":0}"#);
/// assert!(!counts.is_drained());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxCounts {
    /// Waiting for a relay (due now or later).
    pub pending: u64,
    /// Claimed by a relay.
    pub in_flight: u64,
    /// Accepted by the platform, not pruned yet.
    pub sent: u64,
    /// Refused for good.
    pub failed: u64,
}

impl OutboxCounts {
    /// Nothing pending and nothing in flight: a relay run `--until-empty` is done.
    ///
    /// ```
    /// let counts = loop_contracts::outbox::OutboxCounts { sent: 3, failed: 1, ..Default::default() };
    /// assert!(counts.is_drained());
    /// ```
    pub fn is_drained(&self) -> bool {
        self.pending == 0 && self.in_flight == 0
    }
}

/// A durable store of events on their way to the platform: the host enqueues validated events
/// (inside its own database transaction where the store allows it), and [relays](super::Relay)
/// claim, send and settle them. Every store behaves the same: [`InMemoryStore`](super::InMemoryStore),
/// [`SqliteOutbox`](super::SqliteOutbox) and [`PostgresOutbox`](super::PostgresOutbox) pass one
/// conformance suite.
///
/// Times are the caller's clock, in milliseconds since the Unix epoch underneath: every relay of
/// one database should run on clocks in step (NTP), since leases compare across relays.
pub trait OutboxStore: Send + Sync + 'static {
    /// Stores a validated event as pending, due at once. The same event again is
    /// [`Enqueued::AlreadyStored`]; the same eventId with another name or payload is
    /// [`OutboxError::Conflict`] (the platform would refuse it with `409 IDEMPOTENCY_CONFLICT`).
    fn enqueue(&self, event: &ValidatedEvent) -> impl Future<Output = Result<Enqueued, OutboxError>> + Send;

    /// Claims up to `limit` entries due at `now`, leased until `now + lease`: in-flight ones whose
    /// lease lapsed first (a dead relay's work, by lease end), then pending ones whose time has
    /// come (by due time, oldest first); returned in the order they were enqueued. Two relays
    /// never claim one entry under the same lease.
    fn claim(
        &self,
        now: SystemTime,
        lease: Duration,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Claimed>, OutboxError>> + Send;

    /// Claims the entry of `event_id` alone, leased until `now + lease`, when it is pending (due
    /// or not: the caller asks for this entry by name) or in flight under a lease that lapsed by
    /// `now`. `None` when the store has no such entry, or it is sent, failed, or leased to another
    /// claim; [`entry`](Self::entry) tells which. Two callers never claim one entry under the same
    /// lease, as with [`claim`](Self::claim).
    ///
    /// For a caller that sends given events itself and records each one's outcome (`loop-contracts
    /// send --jsonl --journal`), rather than draining whatever is due.
    fn claim_entry(
        &self,
        event_id: Uuid,
        now: SystemTime,
        lease: Duration,
    ) -> impl Future<Output = Result<Option<Claimed>, OutboxError>> + Send;

    /// Extends a claim's lease to `until`; `false` when the claim is no longer this relay's.
    fn extend(&self, claim: &Claimed, until: SystemTime) -> impl Future<Output = Result<bool, OutboxError>> + Send;

    /// Settles a claim; `false` (and nothing changed) when the claim is no longer this relay's.
    fn finish(
        &self,
        claim: &Claimed,
        outcome: &Outcome,
        now: SystemTime,
    ) -> impl Future<Output = Result<bool, OutboxError>> + Send;

    /// The number of entries in each state.
    fn counts(&self) -> impl Future<Output = Result<OutboxCounts, OutboxError>> + Send;

    /// Deletes sent entries settled before `before`; returns how many.
    fn prune_sent(&self, before: SystemTime) -> impl Future<Output = Result<u64, OutboxError>> + Send;

    /// The entry of an eventId, if the store holds it.
    fn entry(&self, event_id: Uuid) -> impl Future<Output = Result<Option<StoredEntry>, OutboxError>> + Send;
}

/// Milliseconds since the Unix epoch, the stores' column type (times before 1970 are 0).
pub(crate) fn to_millis(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The time `millis` after the Unix epoch (negative values are the epoch).
pub(crate) fn from_millis(millis: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(millis).unwrap_or(0))
}

/// `now + lease` in milliseconds, saturating.
pub(crate) fn lease_end(now: SystemTime, lease: Duration) -> i64 {
    to_millis(now).saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX))
}

/// The row's state column, read back into an [`EntryState`].
pub(crate) fn state_from_row(
    state: &str,
    lease_until: Option<i64>,
    response: Option<&str>,
) -> Result<EntryState, OutboxError> {
    let response = || response.and_then(|text| serde_json::from_str(text).ok()).unwrap_or(Value::Null);
    Ok(match state {
        "pending" => EntryState::Pending,
        "in_flight" => EntryState::InFlight { lease_until: from_millis(lease_until.unwrap_or(0)) },
        "sent" => EntryState::Sent { acceptance: response() },
        "failed" => EntryState::Failed { response: response() },
        other => return Err(OutboxError::Corrupt(format!("an entry has the unknown state {other:?}"))),
    })
}
