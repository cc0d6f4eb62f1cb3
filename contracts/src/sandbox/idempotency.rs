//! The idempotency store: accepted results by (scope, key), bounded in time and in entries.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::platform::api_key::ApiKey;

/// Whose keys these are: one API key's, or the webhook routes' (keyed by event id).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scope<'a> {
    Key(&'a ApiKey),
    Webhooks,
}

/// A scope, as the store knows it: a digest, so the store never holds API keys.
type ScopeId = [u8; 32];

/// Entries are found by a digest of the scope and the key: fixed-size, so an entry costs no
/// allocation for its key.
type EntryKey = [u8; 32];

fn scope_id(scope: Scope<'_>) -> ScopeId {
    let mut hasher = Sha256::new();
    match scope {
        Scope::Key(api_key) => {
            hasher.update(b"k");
            hasher.update(api_key.expose_secret().as_bytes());
        }
        Scope::Webhooks => hasher.update(b"w"),
    }
    hasher.finalize().into()
}

fn entry_key(scope: &ScopeId, key: &str) -> EntryKey {
    let mut hasher = Sha256::new();
    hasher.update(scope);
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
    scope: ScopeId,
    hash: PayloadHash,
    at: Instant,
    state: State,
}

/// Insertion order: (when, entry id, key). A queue may hold ids of entries already gone; they are
/// skipped, and the queue compacted when they outnumber the live ones.
type Order = VecDeque<(Instant, u64, EntryKey)>;

/// One scope's entries, bounded on their own so that no scope can push out another's.
#[derive(Debug, Default)]
struct Partition {
    order: Order,
    live: usize,
}

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<EntryKey, Entry>,
    scopes: HashMap<ScopeId, Partition>,
    /// Every entry in insertion order, for expiry and the bound on all scopes together.
    order: Order,
    next_id: u64,
}

impl Inner {
    /// Whether the entry (key, id) is still there, and whether it is in progress.
    fn live(&self, key: &EntryKey, id: u64) -> Option<bool> {
        self.map.get(key).filter(|e| e.id == id).map(|e| matches!(e.state, State::InProgress(_)))
    }

    /// Removes the entry (key, id) if it is still there.
    fn remove(&mut self, key: &EntryKey, id: u64) {
        if self.live(key, id).is_none() {
            return;
        }
        if let Some(entry) = self.map.remove(key)
            && let Some(partition) = self.scopes.get_mut(&entry.scope)
        {
            partition.live -= 1;
            if partition.live == 0 {
                self.scopes.remove(&entry.scope);
            }
        }
    }
}

/// The store; cheap to clone (shared).
#[derive(Debug, Clone)]
pub(crate) struct IdempotencyStore {
    inner: Arc<Mutex<Inner>>,
    window: Duration,
    /// Entries per scope (each API key, and the webhook routes).
    capacity: usize,
    /// Entries of all scopes together: [`TOTAL_CAPACITY_FACTOR`] times `capacity`.
    total_capacity: usize,
    wait: Duration,
}

/// All scopes together keep at most this many times one scope's bound: a memory bound for callers
/// that mint keys (a configured key list, `SandboxBuilder::accept_key`, keeps them out).
pub(crate) const TOTAL_CAPACITY_FACTOR: usize = 10;

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
        let capacity = capacity.max(1);
        let total_capacity = capacity.saturating_mul(TOTAL_CAPACITY_FACTOR);
        IdempotencyStore { inner: Arc::default(), window, capacity, total_capacity, wait }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        crate::sync::lock(&self.inner)
    }

    /// The number of kept keys (in progress or done).
    pub(crate) fn len(&self) -> usize {
        self.lock().map.len()
    }

    pub(crate) fn clear(&self) {
        let mut inner = self.lock();
        inner.map.clear();
        inner.scopes.clear();
        inner.order.clear();
    }

    /// Claims a key, or returns its result. When another request with the same payload holds it,
    /// waits (up to the configured wait) for that request to finish: its result is replayed, or,
    /// if it was not accepted, this request claims the key in turn.
    pub(crate) async fn begin(&self, scope: Scope<'_>, key: &str, hash: PayloadHash) -> Claim {
        let deadline = deadline_after(self.wait);
        let scope = scope_id(scope);
        let entry_key = entry_key(&scope, key);
        loop {
            let mut waiter = {
                let mut inner = self.lock();
                let now = Instant::now();
                self.evict(&mut inner, now, None);
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
                        // An expired entry under this key goes first (it is counted in its scope).
                        if let Some(old) = inner.map.get(&entry_key).map(|e| e.id) {
                            inner.remove(&entry_key, old);
                        }
                        let entry = Entry { id, scope, hash, at: now, state: State::InProgress(None) };
                        inner.map.insert(entry_key, entry);
                        inner.order.push_back((now, id, entry_key));
                        let partition = inner.scopes.entry(scope).or_default();
                        partition.order.push_back((now, id, entry_key));
                        partition.live += 1;
                        self.evict(&mut inner, now, Some(scope));
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

    /// Drops expired entries, the oldest ones past the bound on all scopes, and past its own bound
    /// the oldest of `scope`. An entry in progress is never dropped (a duplicate waiting for it
    /// would otherwise run again): it goes to the back of its queue instead.
    fn evict(&self, inner: &mut Inner, now: Instant, scope: Option<ScopeId>) {
        let window = self.window;
        let total = self.total_capacity;
        // Each queue is looked at most once around, so entries all in progress cannot loop it.
        let mut budget = inner.order.len();
        while budget > 0 {
            budget -= 1;
            let Some(&(at, id, key)) = inner.order.front() else { break };
            let Some(in_progress) = inner.live(&key, id) else {
                inner.order.pop_front();
                continue;
            };
            if now.duration_since(at) < window && inner.map.len() <= total {
                break;
            }
            inner.order.pop_front();
            if in_progress {
                inner.order.push_back((at, id, key));
            } else {
                inner.remove(&key, id);
            }
        }
        if let Some(scope) = scope {
            let mut budget = inner.scopes.get(&scope).map_or(0, |p| p.order.len());
            while budget > 0 {
                budget -= 1;
                let Some(partition) = inner.scopes.get_mut(&scope) else { break };
                if partition.live <= self.capacity {
                    break;
                }
                let Some((at, id, key)) = partition.order.pop_front() else { break };
                match inner.live(&key, id) {
                    None => {}
                    Some(true) => {
                        if let Some(partition) = inner.scopes.get_mut(&scope) {
                            partition.order.push_back((at, id, key));
                        }
                    }
                    Some(false) => inner.remove(&key, id),
                }
            }
        }
        // Queues keep ids of entries removed through another queue: compact when those dominate.
        if inner.order.len() > 2 * inner.map.len() + 16 {
            let Inner { order, map, .. } = inner;
            order.retain(|(_, id, key)| map.get(key).is_some_and(|e| e.id == *id));
        }
        if let Some(scope) = scope
            && let Some(partition) = inner.scopes.get_mut(&scope)
            && partition.order.len() > 2 * partition.live + 16
        {
            let map = &inner.map;
            partition.order.retain(|(_, id, key)| map.get(key).is_some_and(|e| e.id == *id));
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
            self.store.lock().remove(&key, self.id);
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
        assert!(store.lock().order.len() <= 2 * 100 + 16, "compacted");
        // The newest are kept, the oldest forgotten.
        assert!(matches!(store.begin(key(), "999", [0; 32]).await, Claim::Replay { .. }));
        assert!(matches!(store.begin(key(), "0", [0; 32]).await, Claim::Fresh(_)));
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(matches!(store.begin(key(), "999", [0; 32]).await, Claim::Fresh(_)));
        assert!(store.len() <= 2);
    }

    #[tokio::test]
    async fn one_scope_cannot_push_out_anothers_keys() {
        let store = IdempotencyStore::new(Duration::from_secs(60), 3, Duration::from_secs(1));
        let Claim::Fresh(guard) = store.begin(Scope::Webhooks, "order-1", [1; 32]).await else { panic!("fresh") };
        guard.complete(Bytes::from_static(b"webhook"));
        // Another tenant floods its own keys: only its own oldest go.
        for i in 0..100 {
            let Claim::Fresh(guard) = store.begin(key(), &i.to_string(), [0; 32]).await else { panic!("fresh") };
            guard.complete(Bytes::new());
        }
        assert_eq!(store.len(), 1 + 3);
        assert!(matches!(store.begin(Scope::Webhooks, "order-1", [1; 32]).await, Claim::Replay { .. }));
        assert!(matches!(store.begin(key(), "99", [0; 32]).await, Claim::Replay { .. }));
        assert!(matches!(store.begin(key(), "0", [0; 32]).await, Claim::Fresh(_)));
    }

    #[tokio::test]
    async fn an_entry_in_progress_is_never_evicted() {
        let store = IdempotencyStore::new(Duration::from_secs(60), 1, Duration::from_millis(50));
        let Claim::Fresh(_held) = store.begin(key(), "slow", [1; 32]).await else { panic!("fresh") };
        for i in 0..5 {
            let Claim::Fresh(guard) = store.begin(key(), &i.to_string(), [0; 32]).await else { panic!("fresh") };
            guard.complete(Bytes::new());
        }
        // A duplicate still waits for the first (and does not run twice); another payload conflicts.
        assert!(matches!(store.begin(key(), "slow", [1; 32]).await, Claim::StillInProgress));
        assert!(matches!(store.begin(key(), "slow", [2; 32]).await, Claim::ConflictInProgress));
    }

    #[tokio::test]
    async fn all_scopes_together_are_bounded() {
        let store = IdempotencyStore::new(Duration::from_secs(60), 2, Duration::from_secs(1));
        let keys: Vec<ApiKey> =
            (0..50).map(|i| ApiKey::parse(&format!("lk_test_minted_key_{i:08}")).unwrap()).collect();
        for key in &keys {
            let Claim::Fresh(guard) = store.begin(Scope::Key(key), "k", [0; 32]).await else { panic!("fresh") };
            guard.complete(Bytes::new());
        }
        assert_eq!(store.len(), 2 * TOTAL_CAPACITY_FACTOR);
        assert!(store.lock().scopes.len() <= 2 * TOTAL_CAPACITY_FACTOR);
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
