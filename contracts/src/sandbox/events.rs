//! The accepted-events log: every accepted event once, in order, the newest kept.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::watch;

/// An event the sandbox accepted, as `GET /__sandbox/events` lists it.
///
/// ```
/// use loop_contracts::sandbox::{AcceptedEvent, Via};
///
/// let listed = r#"{"sequence": 1, "event": "lead.captured.v1", "eventId": "550e8400-e29b-41d4-a716-446655440000",
///   "receivedAt": "2026-05-19T12:00:00.120Z", "via": "api", "key": "lk_test_[REDACTED 1a2b3c4d]", "payload": {}}"#;
/// let event: AcceptedEvent = serde_json::from_str(listed).unwrap();
/// assert_eq!(event.via, Via::Api { key: "lk_test_[REDACTED 1a2b3c4d]".into() });
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AcceptedEvent {
    /// Position in the order of acceptance, from 1; never reused (not even after a reset).
    pub sequence: u64,
    /// The event name.
    pub event: String,
    /// The payload's `eventId`.
    pub event_id: String,
    /// When it was accepted (UTC, RFC 3339).
    pub received_at: String,
    /// How it arrived.
    #[serde(flatten)]
    pub via: Via,
    /// The validated payload (unknown keys stripped).
    pub payload: Value,
}

/// How an accepted event arrived.
///
/// ```
/// use loop_contracts::sandbox::Via;
/// use serde_json::json;
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
/// client.send(&lead).await?; // POST /api/events
/// let Via::Api { key: shown } = &sandbox.accepted()[0].via else { panic!("sent with a key") };
/// assert_eq!(shown, &key.to_string()); // the prefix and a fingerprint,
/// assert!(!shown.contains(key.expose_secret())); // never the key
/// // Listed flat in the event: `via` names the way, next to its detail.
/// let webhook = Via::Webhook { route: "/webhooks/shopify".into() };
/// assert_eq!(serde_json::to_value(&webhook)?, json!({"via": "webhook", "route": "/webhooks/shopify"}));
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "client"))]
/// # fn main() {}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "via", rename_all = "camelCase")]
pub enum Via {
    /// `POST /api/events`.
    Api {
        /// The API key that sent it, redacted (its `Display`: prefix and fingerprint).
        key: String,
    },
    /// A webhook route.
    Webhook {
        /// The route's path, e.g. `/webhooks/shopify`.
        route: String,
    },
}

/// One page of `GET /__sandbox/events`.
#[derive(Debug, Clone)]
pub(crate) struct Page {
    pub(crate) events: Vec<Arc<AcceptedEvent>>,
    /// The `after` to send next.
    pub(crate) next: u64,
    /// The latest sequence accepted so far.
    pub(crate) latest: u64,
    /// Events after the requested position that are no longer kept.
    pub(crate) dropped: u64,
}

impl Page {
    /// `{"events": [...], "next": n, "latest": n, "dropped": n}`.
    pub(crate) fn to_json(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct Out<'a> {
            events: Vec<&'a AcceptedEvent>,
            next: u64,
            latest: u64,
            dropped: u64,
        }
        let out = Out {
            events: self.events.iter().map(|e| &**e).collect(),
            next: self.next,
            latest: self.latest,
            dropped: self.dropped,
        };
        serde_json::to_vec(&out).unwrap_or_default()
    }
}

/// The most bytes of events one page of `GET /__sandbox/events` holds (at least one event): a page
/// is built whole in memory before it is sent.
pub(crate) const PAGE_BYTES: usize = 4 << 20;

#[derive(Debug)]
struct Inner {
    /// The kept events, each with the size it counts for.
    events: VecDeque<(Arc<AcceptedEvent>, usize)>,
    /// The sum of the kept events' sizes.
    bytes: usize,
    latest: u64,
}

#[derive(Debug)]
pub(crate) struct EventLog {
    inner: Mutex<Inner>,
    capacity: usize,
    byte_budget: usize,
    notify: watch::Sender<u64>,
}

impl EventLog {
    /// Keeps at most `capacity` events and `byte_budget` bytes of them (the newest, and always the
    /// newest one).
    pub(crate) fn new(capacity: usize, byte_budget: usize) -> Self {
        EventLog {
            inner: Mutex::new(Inner { events: VecDeque::new(), bytes: 0, latest: 0 }),
            capacity: capacity.max(1),
            byte_budget,
            notify: watch::channel(0).0,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        crate::sync::lock(&self.inner)
    }

    /// Appends an event of `size` bytes, giving it the next sequence number; the oldest go while
    /// the count or the bytes are over their bounds.
    pub(crate) fn push(&self, mut event: AcceptedEvent, size: usize) -> Arc<AcceptedEvent> {
        let (event, evicted) = {
            let mut inner = self.lock();
            inner.latest += 1;
            event.sequence = inner.latest;
            let mut evicted = Vec::new();
            while !inner.events.is_empty()
                && (inner.events.len() >= self.capacity || inner.bytes.saturating_add(size) > self.byte_budget)
            {
                if let Some((old, old_size)) = inner.events.pop_front() {
                    inner.bytes -= old_size;
                    evicted.push(old);
                }
            }
            let event = Arc::new(event);
            inner.events.push_back((Arc::clone(&event), size));
            inner.bytes += size;
            (event, evicted)
        };
        // The evicted events are freed outside the lock.
        drop(evicted);
        self.notify.send_replace(event.sequence);
        event
    }

    /// The kept events after `after`, at most `limit` of them and [`PAGE_BYTES`] of them (but at
    /// least one).
    pub(crate) fn after(&self, after: u64, limit: usize) -> Page {
        let inner = self.lock();
        let oldest = inner.events.front().map_or(inner.latest + 1, |(e, _)| e.sequence);
        let dropped = oldest.saturating_sub(after.saturating_add(1));
        let skip = usize::try_from(after.saturating_add(1).saturating_sub(oldest)).unwrap_or(usize::MAX);
        let mut bytes = 0usize;
        let events: Vec<_> = inner
            .events
            .iter()
            .skip(skip)
            .take(limit)
            .take_while(|(_, size)| {
                let first = bytes == 0;
                bytes = bytes.saturating_add((*size).max(1));
                first || bytes <= PAGE_BYTES
            })
            .map(|(e, _)| Arc::clone(e))
            .collect();
        let next = events.last().map_or(after.max(oldest.saturating_sub(1)).min(inner.latest), |e| e.sequence);
        Page { events, next, latest: inner.latest, dropped }
    }

    /// Like [`after`](Self::after), but when nothing is there yet, waits up to `wait` for an
    /// event (or for `stop` to turn true).
    pub(crate) async fn wait_after(
        &self,
        after: u64,
        limit: usize,
        wait: Duration,
        mut stop: watch::Receiver<bool>,
    ) -> Page {
        let deadline = super::idempotency::deadline_after(wait);
        let mut changes = self.notify.subscribe();
        loop {
            let page = self.after(after, limit);
            if !page.events.is_empty() || wait.is_zero() || *stop.borrow() {
                return page;
            }
            tokio::select! {
                changed = changes.changed() => if changed.is_err() { return page },
                _ = stop.changed() => return self.after(after, limit),
                _ = tokio::time::sleep_until(deadline) => return page,
            }
        }
    }

    /// Every kept event.
    pub(crate) fn all(&self) -> Vec<AcceptedEvent> {
        self.lock().events.iter().map(|(e, _)| AcceptedEvent::clone(e)).collect()
    }

    /// Forgets the kept events (sequence numbers go on).
    pub(crate) fn clear(&self) {
        let mut inner = self.lock();
        inner.events.clear();
        inner.bytes = 0;
    }

    pub(crate) fn latest(&self) -> u64 {
        self.lock().latest
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().events.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str) -> AcceptedEvent {
        AcceptedEvent {
            sequence: 0,
            event: "lead.captured.v1".into(),
            event_id: id.into(),
            received_at: String::new(),
            via: Via::Webhook { route: "/webhooks/shopify".into() },
            payload: Value::Null,
        }
    }

    #[test]
    fn pages_in_order_and_bounded() {
        let log = EventLog::new(3, usize::MAX);
        for i in 1..=5 {
            assert_eq!(log.push(event(&i.to_string()), 100).sequence, i);
        }
        assert_eq!(log.len(), 3);
        let page = log.after(0, 10);
        assert_eq!(page.events.iter().map(|e| e.sequence).collect::<Vec<_>>(), [3, 4, 5]);
        assert_eq!((page.next, page.latest, page.dropped), (5, 5, 2));
        let page = log.after(3, 1);
        assert_eq!(page.events.iter().map(|e| e.sequence).collect::<Vec<_>>(), [4]);
        assert_eq!((page.next, page.dropped), (4, 0));
        let page = log.after(5, 10);
        assert!(page.events.is_empty());
        assert_eq!(page.next, 5);
        log.clear();
        let page = log.after(0, 10);
        assert_eq!((page.next, page.latest, page.dropped), (5, 5, 5));
        assert_eq!(log.push(event("6"), 100).sequence, 6);
    }

    #[test]
    fn the_log_and_its_pages_are_bounded_by_bytes_too() {
        // 10 MB of payloads would be kept whole under the count alone.
        let log = EventLog::new(1_000, 3_000_000);
        for i in 1..=10 {
            log.push(event(&i.to_string()), 1_000_000);
        }
        assert_eq!(log.len(), 3, "3 MB kept");
        let page = log.after(0, 100);
        assert_eq!(page.events.iter().map(|e| e.sequence).collect::<Vec<_>>(), [8, 9, 10]);
        assert_eq!(page.dropped, 7);
        // An event larger than the whole budget replaces everything, and is kept.
        log.push(event("big"), 5_000_000);
        assert_eq!(log.len(), 1);
        // Pages stop at PAGE_BYTES (but hold at least one event).
        let log = EventLog::new(1_000, usize::MAX);
        for i in 1..=10 {
            log.push(event(&i.to_string()), PAGE_BYTES / 4);
        }
        let page = log.after(0, 100);
        assert_eq!(page.events.len(), 4);
        assert_eq!(log.after(page.next, 100).events.len(), 4);
        let log = EventLog::new(10, usize::MAX);
        log.push(event("huge"), PAGE_BYTES * 2);
        assert_eq!(log.after(0, 100).events.len(), 1);
    }

    #[tokio::test]
    async fn long_poll_wakes_on_push() {
        let log = Arc::new(EventLog::new(10, usize::MAX));
        let (_stop_tx, stop) = watch::channel(false);
        let poll = tokio::spawn({
            let log = Arc::clone(&log);
            async move { log.wait_after(0, 10, Duration::from_secs(5), stop).await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        log.push(event("a"), 100);
        let page = poll.await.unwrap();
        assert_eq!(page.events.len(), 1);
        let (_stop_tx, stop) = watch::channel(false);
        let started = std::time::Instant::now();
        let page = log.wait_after(1, 10, Duration::from_millis(50), stop).await;
        assert!(page.events.is_empty() && started.elapsed() >= Duration::from_millis(50));
    }
}
