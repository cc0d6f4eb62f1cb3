//! The idempotency store: accepted results by (scope, key), bounded in time and in entries.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::api_key::ApiKey;

/// Whose keys these are: one API key's, or the webhook routes' (keyed by event id).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scope<'a> {
    Key(&'a ApiKey),
    Webhooks,
}

/// Entries are found by a digest of the scope and the key: fixed-size, so an entry costs no
/// allocation for its key, and the store never holds API keys.
type EntryKey = [u8; 32];

fn entry_key(scope: Scope<'_>, key: &str) -> EntryKey {
    let mut hasher = Sha256::new();
    match scope {
        Scope::Key(api_key) => {
            hasher.update(b"k");
            hasher.update(api_key.expose_secret().as_bytes());
        }
        Scope::Webhooks => hasher.update(b"w"),
    }
    hasher.update([0]);
    hasher.update(key.as_bytes());
    hasher.finalize().into()
}

/// A digest of the validated event (name and payload), to tell a replay from a conflict.
pub(crate) type PayloadHash = [u8; 32];

/// The digest of an event: its name and its validated payload as compact JSON. The engine builds
/// the validated payload in a fixed key order with unknown keys stripped, so key order, spacing
/// and unknown keys of the request do not matter.
pub(crate) fn payload_hash(event: &str, payload: &serde_json::Value) -> PayloadHash {
    struct Writer(Sha256);
    impl std::io::Write for Writer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut writer = Writer(Sha256::new());
    writer.0.update(event.as_bytes());
    writer.0.update([0]);
    // Writing into a hasher cannot fail, and a `Value` always serializes.
    let _ = serde_json::to_writer(&mut writer, payload);
    writer.0.finalize().into()
}

#[derive(Debug)]
enum State {
    /// Being processed. The first waiter creates the channel; waiters wake when the sender is
    /// dropped (the holder completed, gave up, or the entry was evicted).
    InProgress(Option<watch::Sender<()>>),
    /// The body of the first accepted response.
    Done(Bytes),
}

#[derive(Debug)]
struct Entry {
    id: u64,
    hash: PayloadHash,
    at: Instant,
    state: State,
}

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<EntryKey, Entry>,
    /// Insertion order, for expiry and the entry bound (may hold ids of entries already gone).
    order: VecDeque<(Instant, u64, EntryKey)>,
    next_id: u64,
}

/// The store; cheap to clone (shared).
#[derive(Debug, Clone)]
pub(crate) struct IdempotencyStore {
    inner: Arc<Mutex<Inner>>,
    window: Duration,
    capacity: usize,
    wait: Duration,
}

/// The answer to [`IdempotencyStore::begin`].
#[derive(Debug)]
pub(crate) enum Claim {
    /// The caller processes the request and then calls [`ClaimGuard::complete`] (or drops the
    /// guard, which releases the key for a later attempt).
    Fresh(ClaimGuard),
    /// The key was already used: its first response body, and whether this request carries the
    /// same event.
    Replay { body: Bytes, same_payload: bool },
    /// The key is being processed by another request with a different payload.
    ConflictInProgress,
    /// The key is still being processed after the wait.
    StillInProgress,
}

impl IdempotencyStore {
    pub(crate) fn new(window: Duration, capacity: usize, wait: Duration) -> Self {
        IdempotencyStore { inner: Arc::default(), window, capacity: capacity.max(1), wait }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The number of kept keys (in progress or done).
    pub(crate) fn len(&self) -> usize {
        self.lock().map.len()
    }

    pub(crate) fn clear(&self) {
        let mut inner = self.lock();
        inner.map.clear();
        inner.order.clear();
    }

    /// Claims a key, or returns its result. When another request with the same payload holds it,
    /// waits (up to the configured wait) for that request to finish: its result is replayed, or,
    /// if it was not accepted, this request claims the key in turn.
    pub(crate) async fn begin(&self, scope: Scope<'_>, key: &str, hash: PayloadHash) -> Claim {
        let deadline = deadline_after(self.wait);
        let entry_key = entry_key(scope, key);
        loop {
            let mut waiter = {
                let mut inner = self.lock();
                let now = Instant::now();
                self.evict(&mut inner, now);
                match inner.map.get_mut(&entry_key) {
                    Some(entry) if now.duration_since(entry.at) < self.window => match &mut entry.state {
                        State::Done(body) => {
                            return Claim::Replay { body: body.clone(), same_payload: entry.hash == hash };
                        }
                        State::InProgress(_) if entry.hash != hash => return Claim::ConflictInProgress,
                        State::InProgress(sender) => sender.get_or_insert_with(|| watch::channel(()).0).subscribe(),
                    },
                    _ => {
                        let id = inner.next_id;
                        inner.next_id += 1;
                        inner.map.insert(entry_key, Entry { id, hash, at: now, state: State::InProgress(None) });
                        inner.order.push_back((now, id, entry_key));
                        self.evict(&mut inner, now);
                        return Claim::Fresh(ClaimGuard { store: self.clone(), key: Some(entry_key), id });
                    }
                }
            };
            // Wakes when the holder completes, gives up or is evicted (the sender is dropped).
            match tokio::time::timeout_at(deadline, waiter.changed()).await {
                Ok(_) => continue,
                Err(_) => return Claim::StillInProgress,
            }
        }
    }

    /// Drops expired entries and, past the capacity, the oldest ones.
    fn evict(&self, inner: &mut Inner, now: Instant) {
        while let Some((at, _, _)) = inner.order.front() {
            if now.duration_since(*at) < self.window && inner.order.len() <= self.capacity {
                break;
            }
            if let Some((_, id, key)) = inner.order.pop_front()
                && inner.map.get(&key).is_some_and(|e| e.id == id)
            {
                inner.map.remove(&key);
            }
        }
    }
}

/// `wait` from now, or a year from now when `wait` is too large to add.
pub(crate) fn deadline_after(wait: Duration) -> tokio::time::Instant {
    let now = tokio::time::Instant::now();
    now.checked_add(wait).unwrap_or_else(|| now + Duration::from_secs(365 * 24 * 60 * 60))
}

/// Holds a claimed key until the request's result is known.
#[derive(Debug)]
pub(crate) struct ClaimGuard {
    store: IdempotencyStore,
    key: Option<EntryKey>,
    id: u64,
}

impl ClaimGuard {
    /// Keeps the accepted result for replay and wakes waiters.
    pub(crate) fn complete(mut self, body: Bytes) {
        if let Some(key) = self.key.take() {
            let mut inner = self.store.lock();
            if let Some(entry) = inner.map.get_mut(&key)
                && entry.id == self.id
            {
                entry.state = State::Done(body);
            }
        }
    }
}

impl Drop for ClaimGuard {
    /// Not completed (rejected, failed or cancelled): the key is released and waiters wake.
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let mut inner = self.store.lock();
            if inner.map.get(&key).is_some_and(|e| e.id == self.id) {
                inner.map.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static KEY: std::sync::LazyLock<ApiKey> =
        std::sync::LazyLock::new(|| ApiKey::parse("lk_test_0123456789abcdef").unwrap());

    fn key() -> Scope<'static> {
        Scope::Key(&KEY)
    }

    #[tokio::test]
    async fn replay_conflict_and_release() {
        let store = IdempotencyStore::new(Duration::from_secs(60), 10, Duration::from_secs(1));
        let Claim::Fresh(guard) = store.begin(key(), "k1", [1; 32]).await else { panic!("fresh") };
        guard.complete(Bytes::from_static(b"first"));
        match store.begin(key(), "k1", [1; 32]).await {
            Claim::Replay { body, same_payload: true } => assert_eq!(body, "first"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(store.begin(key(), "k1", [2; 32]).await, Claim::Replay { same_payload: false, .. }));
        // Scopes are separate.
        assert!(matches!(store.begin(Scope::Webhooks, "k1", [1; 32]).await, Claim::Fresh(_)));
        // A dropped guard releases its key.
        let Claim::Fresh(guard) = store.begin(key(), "k2", [1; 32]).await else { panic!("fresh") };
        drop(guard);
        assert!(matches!(store.begin(key(), "k2", [3; 32]).await, Claim::Fresh(_)));
    }

    #[tokio::test]
    async fn waiters_get_the_first_result() {
        let store = IdempotencyStore::new(Duration::from_secs(60), 10, Duration::from_secs(5));
        let Claim::Fresh(guard) = store.begin(key(), "k", [1; 32]).await else { panic!("fresh") };
        let waiter = tokio::spawn({
            let store = store.clone();
            async move { store.begin(key(), "k", [1; 32]).await }
        });
        assert!(matches!(store.begin(key(), "k", [9; 32]).await, Claim::ConflictInProgress));
        tokio::time::sleep(Duration::from_millis(20)).await;
        guard.complete(Bytes::from_static(b"done"));
        match waiter.await.unwrap() {
            Claim::Replay { body, same_payload: true } => assert_eq!(body, "done"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_waiter_takes_over_when_the_first_gives_up_and_times_out_otherwise() {
        let store = IdempotencyStore::new(Duration::from_secs(60), 10, Duration::from_millis(100));
        let Claim::Fresh(guard) = store.begin(key(), "k", [1; 32]).await else { panic!("fresh") };
        let waiter = tokio::spawn({
            let store = store.clone();
            async move { matches!(store.begin(key(), "k", [1; 32]).await, Claim::Fresh(_)) }
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        drop(guard);
        assert!(waiter.await.unwrap());
        let Claim::Fresh(_held) = store.begin(key(), "slow", [1; 32]).await else { panic!("fresh") };
        assert!(matches!(store.begin(key(), "slow", [1; 32]).await, Claim::StillInProgress));
    }

    #[tokio::test]
    async fn bounded_in_entries_and_time() {
        let store = IdempotencyStore::new(Duration::from_millis(50), 100, Duration::from_secs(1));
        for i in 0..1000 {
            let Claim::Fresh(guard) = store.begin(key(), &i.to_string(), [0; 32]).await else { panic!("fresh") };
            guard.complete(Bytes::new());
        }
        assert_eq!(store.len(), 100);
        assert!(store.lock().order.len() <= 100);
        // The newest are kept, the oldest forgotten.
        assert!(matches!(store.begin(key(), "999", [0; 32]).await, Claim::Replay { .. }));
        assert!(matches!(store.begin(key(), "0", [0; 32]).await, Claim::Fresh(_)));
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(matches!(store.begin(key(), "999", [0; 32]).await, Claim::Fresh(_)));
        assert!(store.len() <= 2);
    }

    #[test]
    fn hash_ignores_nothing_but_formatting() {
        let a = payload_hash("e.v1", &serde_json::json!({"a": 1, "b": [1, 2]}));
        let b = payload_hash("e.v1", &serde_json::from_str(r#"{ "b": [1,2], "a": 1 }"#).unwrap());
        assert_eq!(a, b);
        assert_ne!(a, payload_hash("e.v2", &serde_json::json!({"a": 1, "b": [1, 2]})));
        assert_ne!(a, payload_hash("e.v1", &serde_json::json!({"a": 2, "b": [1, 2]})));
    }
}
