//! The outbox in memory: for tests, and the reference the database stores are held to.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use uuid::Uuid;

use super::error::OutboxError;
use super::event::ValidatedEvent;
use super::store::{from_millis, state_from_row, to_millis};
use super::store::{lease_end, Claimed, Enqueued, OutboxCounts, OutboxStore, Outcome, StoredEntry};
use crate::sync::lock;

/// An [`OutboxStore`] in this process's memory: nothing survives the process. Use it in tests,
/// or where losing unsent events at a crash is acceptable; it behaves as the database stores do.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use loop_contracts::outbox::{Enqueued, InMemoryStore, Outcome, OutboxStore, ValidatedEvent};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let event = ValidatedEvent::from_json("lead.captured.v1", &serde_json::json!({
///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
///     "source": "quiz_completion", "attribution": {},
/// }))?;
/// let store = InMemoryStore::default();
/// assert_eq!(store.enqueue(&event).await?, Enqueued::Stored);
/// assert_eq!(store.enqueue(&event).await?, Enqueued::AlreadyStored);
///
/// let now = SystemTime::now();
/// let claims = store.claim(now, Duration::from_secs(60), 10).await?;
/// assert_eq!(claims.len(), 1);
/// assert!(store.claim(now, Duration::from_secs(60), 10).await?.is_empty()); // leased
/// let accepted = Outcome::Sent { acceptance: serde_json::json!({"ok": true}) };
/// assert!(store.finish(&claims[0], &accepted, now).await?);
/// assert_eq!(store.counts().await?.sent, 1);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Default)]
pub struct InMemoryStore {
    rows: Mutex<Rows>,
}

#[derive(Debug, Default)]
struct Rows {
    /// The insertion order: claims take the oldest due entries first.
    next_seq: u64,
    by_seq: BTreeMap<u64, Row>,
    seq_of: BTreeMap<Uuid, u64>,
}

#[derive(Debug, Clone)]
struct Row {
    event: String,
    event_id: Uuid,
    payload: String,
    state: &'static str,
    attempts: u32,
    next_attempt_at: i64,
    token: Option<Uuid>,
    lease_until: Option<i64>,
    last_error: Option<String>,
    response: Option<String>,
    enqueued_at: i64,
    finished_at: Option<i64>,
}

impl Row {
    fn is_due(&self, now: i64) -> bool {
        match self.state {
            "pending" => self.next_attempt_at <= now,
            "in_flight" => self.lease_until.is_some_and(|until| until <= now),
            _ => false,
        }
    }

    /// Leases the row to the claim `token` until `until` (milliseconds), counting an attempt.
    fn take_claim(&mut self, token: Uuid, until: i64) -> Claimed {
        self.state = "in_flight";
        self.token = Some(token);
        self.lease_until = Some(until);
        self.attempts += 1;
        Claimed {
            event: self.event.clone(),
            event_id: self.event_id,
            payload: self.payload.clone(),
            attempts: self.attempts,
            token,
        }
    }

    fn held_by(&self, claim: &Claimed) -> bool {
        self.state == "in_flight" && self.token == Some(claim.token)
    }
}

impl Rows {
    fn row_mut(&mut self, event_id: Uuid) -> Option<&mut Row> {
        let seq = self.seq_of.get(&event_id)?;
        self.by_seq.get_mut(seq)
    }
}

impl OutboxStore for InMemoryStore {
    fn enqueue(&self, event: &ValidatedEvent) -> impl Future<Output = Result<Enqueued, OutboxError>> + Send {
        let result = (|| {
            let mut rows = lock(&self.rows);
            let payload = event.payload_text();
            if let Some(existing) = rows.row_mut(event.event_id()) {
                return if existing.event == event.name() && existing.payload == payload {
                    Ok(Enqueued::AlreadyStored)
                } else {
                    Err(OutboxError::Conflict { event_id: event.event_id() })
                };
            }
            let now = to_millis(SystemTime::now());
            let seq = rows.next_seq;
            rows.next_seq += 1;
            rows.seq_of.insert(event.event_id(), seq);
            rows.by_seq.insert(
                seq,
                Row {
                    event: event.name().to_owned(),
                    event_id: event.event_id(),
                    payload,
                    state: "pending",
                    attempts: 0,
                    next_attempt_at: now,
                    token: None,
                    lease_until: None,
                    last_error: None,
                    response: None,
                    enqueued_at: now,
                    finished_at: None,
                },
            );
            Ok(Enqueued::Stored)
        })();
        std::future::ready(result)
    }

    fn claim(
        &self,
        now: SystemTime,
        lease: Duration,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Claimed>, OutboxError>> + Send {
        let mut rows = lock(&self.rows);
        let (now_ms, until) = (to_millis(now), lease_end(now, lease));
        let token = Uuid::new_v4();
        // As the SQL stores choose: lapsed claims first (by lease end), then pending entries by
        // due time, each oldest first; returned in the order they were enqueued.
        let mut due: Vec<(bool, i64, u64)> = rows
            .by_seq
            .iter()
            .filter(|(_, row)| row.is_due(now_ms))
            .map(|(seq, row)| match row.state {
                "in_flight" => (false, row.lease_until.unwrap_or(0), *seq),
                _ => (true, row.next_attempt_at, *seq),
            })
            .collect();
        due.sort_unstable();
        let mut chosen: Vec<u64> = due.into_iter().take(limit).map(|(_, _, seq)| seq).collect();
        chosen.sort_unstable();
        let claims =
            chosen.into_iter().filter_map(|seq| Some(rows.by_seq.get_mut(&seq)?.take_claim(token, until))).collect();
        std::future::ready(Ok(claims))
    }

    fn claim_entry(
        &self,
        event_id: Uuid,
        now: SystemTime,
        lease: Duration,
    ) -> impl Future<Output = Result<Option<Claimed>, OutboxError>> + Send {
        let mut rows = lock(&self.rows);
        let (now_ms, until) = (to_millis(now), lease_end(now, lease));
        let claimed = match rows.row_mut(event_id) {
            Some(row) if row.state == "pending" || row.is_due(now_ms) => Some(row.take_claim(Uuid::new_v4(), until)),
            _ => None,
        };
        std::future::ready(Ok(claimed))
    }

    fn extend(&self, claim: &Claimed, until: SystemTime) -> impl Future<Output = Result<bool, OutboxError>> + Send {
        let mut rows = lock(&self.rows);
        let extended = match rows.row_mut(claim.event_id) {
            Some(row) if row.held_by(claim) => {
                row.lease_until = Some(to_millis(until));
                true
            }
            _ => false,
        };
        std::future::ready(Ok(extended))
    }

    fn finish(
        &self,
        claim: &Claimed,
        outcome: &Outcome,
        now: SystemTime,
    ) -> impl Future<Output = Result<bool, OutboxError>> + Send {
        let mut rows = lock(&self.rows);
        let finished = match rows.row_mut(claim.event_id) {
            Some(row) if row.held_by(claim) => {
                row.token = None;
                row.lease_until = None;
                match outcome {
                    Outcome::Sent { acceptance } => {
                        row.state = "sent";
                        row.response = Some(acceptance.to_string());
                        row.finished_at = Some(to_millis(now));
                    }
                    Outcome::Failed { response } => {
                        row.state = "failed";
                        row.response = Some(response.to_string());
                        row.finished_at = Some(to_millis(now));
                    }
                    Outcome::RetryAt { at, error } => {
                        row.state = "pending";
                        row.next_attempt_at = to_millis(*at);
                        row.last_error = Some(error.clone());
                    }
                    Outcome::Released => {
                        row.state = "pending";
                        row.attempts = row.attempts.saturating_sub(1);
                    }
                }
                true
            }
            _ => false,
        };
        std::future::ready(Ok(finished))
    }

    fn counts(&self) -> impl Future<Output = Result<OutboxCounts, OutboxError>> + Send {
        let rows = lock(&self.rows);
        let mut counts = OutboxCounts::default();
        for row in rows.by_seq.values() {
            match row.state {
                "pending" => counts.pending += 1,
                "in_flight" => counts.in_flight += 1,
                "sent" => counts.sent += 1,
                _ => counts.failed += 1,
            }
        }
        std::future::ready(Ok(counts))
    }

    fn prune_sent(&self, before: SystemTime) -> impl Future<Output = Result<u64, OutboxError>> + Send {
        let mut rows = lock(&self.rows);
        let before = to_millis(before);
        let old: Vec<(u64, Uuid)> = rows
            .by_seq
            .iter()
            .filter(|(_, row)| row.state == "sent" && row.finished_at.is_some_and(|at| at < before))
            .map(|(seq, row)| (*seq, row.event_id))
            .collect();
        for (seq, event_id) in &old {
            rows.by_seq.remove(seq);
            rows.seq_of.remove(event_id);
        }
        std::future::ready(Ok(old.len() as u64))
    }

    fn entry(&self, event_id: Uuid) -> impl Future<Output = Result<Option<StoredEntry>, OutboxError>> + Send {
        let mut rows = lock(&self.rows);
        let entry = rows.row_mut(event_id).map(|row| -> Result<StoredEntry, OutboxError> {
            Ok(StoredEntry {
                event: row.event.clone(),
                event_id: row.event_id,
                payload: serde_json::from_str(&row.payload).unwrap_or_default(),
                state: state_from_row(row.state, row.lease_until, row.response.as_deref())?,
                attempts: row.attempts,
                next_attempt_at: from_millis(row.next_attempt_at),
                last_error: row.last_error.clone(),
                enqueued_at: from_millis(row.enqueued_at),
            })
        });
        std::future::ready(entry.transpose())
    }
}
