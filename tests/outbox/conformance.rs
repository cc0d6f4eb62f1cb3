//! One suite every store passes: the in-memory store, SQLite and PostgreSQL behave alike.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use loop_contracts::outbox::{
    Enqueued, EntryState, InMemoryStore, OutboxError, OutboxStore, Outcome, PostgresOutbox, SqliteOutbox,
    ValidatedEvent,
};
use serde_json::json;

use crate::{event, temp_dir};

const LEASE: Duration = Duration::from_secs(60);

/// Runs every case on a fresh store from `open`.
async fn conformance<S: OutboxStore, F: std::future::Future<Output = S>>(open: impl Fn() -> F) {
    enqueue_is_idempotent_and_refuses_conflicts(open().await).await;
    claims_are_leased_oldest_first(open().await).await;
    a_lapsed_lease_moves_to_the_next_claim(open().await).await;
    lapsed_claims_go_before_pending_entries(open().await).await;
    extending_keeps_a_claim(open().await).await;
    outcomes_settle_entries(open().await).await;
    sent_entries_are_pruned_by_age(open().await).await;
    payloads_are_kept_byte_for_byte(open().await).await;
    concurrent_claims_never_share_an_entry(Arc::new(open().await)).await;
    one_entry_is_claimed_by_its_event_id(open().await).await;
    concurrent_claims_of_one_entry_lease_it_once(Arc::new(open().await)).await;
}

async fn enqueue_is_idempotent_and_refuses_conflicts(store: impl OutboxStore) {
    assert_eq!(store.enqueue(&event(1)).await.unwrap(), Enqueued::Stored);
    assert_eq!(store.enqueue(&event(1)).await.unwrap(), Enqueued::AlreadyStored);
    let mut other = suite::sandbox::lead(1);
    other["email"] = json!("someone.else@example.com");
    let other = ValidatedEvent::from_json("lead.captured.v1", &other).unwrap();
    let err = store.enqueue(&other).await.unwrap_err();
    assert!(matches!(err, OutboxError::Conflict { event_id } if event_id == other.event_id()), "{err}");
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.pending, counts.in_flight, counts.sent, counts.failed), (1, 0, 0, 0));
    let entry = store.entry(event(1).event_id()).await.unwrap().unwrap();
    assert_eq!(entry.state, EntryState::Pending);
    assert_eq!(entry.payload, *event(1).payload(), "the first payload stays");
    assert_eq!(entry.attempts, 0);
    assert!(store.entry(event(2).event_id()).await.unwrap().is_none());
}

async fn claims_are_leased_oldest_first(store: impl OutboxStore) {
    for i in 1..=5 {
        store.enqueue(&event(i)).await.unwrap();
    }
    let now = SystemTime::now() + Duration::from_secs(1);
    let first = store.claim(now, LEASE, 2).await.unwrap();
    let ids: Vec<_> = first.iter().map(|c| c.event_id).collect();
    assert_eq!(ids, [event(1).event_id(), event(2).event_id()]);
    assert!(first.iter().all(|c| c.attempts == 1 && c.event == "lead.captured.v1"));
    let rest = store.claim(now, LEASE, 10).await.unwrap();
    assert_eq!(rest.len(), 3, "the leased two are not claimed again");
    assert!(store.claim(now, LEASE, 10).await.unwrap().is_empty());
    assert_eq!(store.counts().await.unwrap().in_flight, 5);
    let EntryState::InFlight { lease_until } = store.entry(ids[0]).await.unwrap().unwrap().state else {
        panic!("in flight")
    };
    let expected = now + LEASE;
    let off = lease_until.duration_since(expected).unwrap_or_else(|e| e.duration());
    assert!(off < Duration::from_millis(2), "lease ends at now + lease");
}

async fn a_lapsed_lease_moves_to_the_next_claim(store: impl OutboxStore) {
    store.enqueue(&event(1)).await.unwrap();
    let now = SystemTime::now() + Duration::from_secs(1);
    let dead = store.claim(now, LEASE, 1).await.unwrap().remove(0);
    assert!(store.claim(now + LEASE - Duration::from_millis(1), LEASE, 1).await.unwrap().is_empty());
    let later = now + LEASE;
    let alive = store.claim(later, LEASE, 1).await.unwrap().remove(0);
    assert_eq!((alive.event_id, alive.attempts), (dead.event_id, 2));
    assert_ne!(alive.token, dead.token);
    let sent = Outcome::Sent { acceptance: json!({"ok": true}) };
    assert!(!store.finish(&dead, &sent, later).await.unwrap(), "the lapsed claim cannot settle");
    assert!(!store.extend(&dead, later + LEASE).await.unwrap());
    assert!(store.finish(&alive, &sent, later).await.unwrap());
    assert!(!store.finish(&alive, &sent, later).await.unwrap(), "settled once");
}

async fn lapsed_claims_go_before_pending_entries(store: impl OutboxStore) {
    for i in 1..=3 {
        store.enqueue(&event(i)).await.unwrap();
    }
    let now = SystemTime::now() + Duration::from_secs(1);
    let claims = store.claim(now, LEASE, 2).await.unwrap();
    // Event 1 is pending again, due since long ago; event 2's claim lapses; event 3 never moved.
    let long_ago = SystemTime::UNIX_EPOCH + Duration::from_secs(1);
    let retry = Outcome::RetryAt { at: long_ago, error: "no verdict".into() };
    assert!(store.finish(&claims[0], &retry, now).await.unwrap());
    let later = now + LEASE;
    let first = store.claim(later, LEASE, 1).await.unwrap();
    assert_eq!(first.iter().map(|c| c.event_id).collect::<Vec<_>>(), [event(2).event_id()], "the dead relay's first");
    let rest: Vec<_> = store.claim(later, LEASE, 5).await.unwrap().iter().map(|c| c.event_id).collect();
    assert_eq!(rest, [event(1).event_id(), event(3).event_id()], "then the pending ones, oldest due first");
}

async fn extending_keeps_a_claim(store: impl OutboxStore) {
    store.enqueue(&event(1)).await.unwrap();
    let now = SystemTime::now() + Duration::from_secs(1);
    let claim = store.claim(now, LEASE, 1).await.unwrap().remove(0);
    assert!(store.extend(&claim, now + 3 * LEASE).await.unwrap());
    assert!(store.claim(now + 2 * LEASE, LEASE, 1).await.unwrap().is_empty(), "extended");
    assert_eq!(store.claim(now + 3 * LEASE, LEASE, 1).await.unwrap().len(), 1);
}

async fn outcomes_settle_entries(store: impl OutboxStore) {
    for i in 1..=4 {
        store.enqueue(&event(i)).await.unwrap();
    }
    let now = SystemTime::now() + Duration::from_secs(1);
    let claims = store.claim(now, LEASE, 4).await.unwrap();
    let acceptance = json!({"ok": true, "sequence": 7});
    let refusal = json!({"ok": false, "error": {"code": "UNAUTHORIZED", "message": "no", "issues": []}});
    let retry_at = now + Duration::from_secs(30);
    let outcomes = [
        Outcome::Sent { acceptance: acceptance.clone() },
        Outcome::Failed { response: refusal.clone() },
        Outcome::RetryAt { at: retry_at, error: "gave up after 6 attempts".into() },
        Outcome::Released,
    ];
    for (claim, outcome) in claims.iter().zip(&outcomes) {
        assert!(store.finish(claim, outcome, now).await.unwrap());
    }
    let entry = |i| store.entry(event(i).event_id());
    assert_eq!(entry(1).await.unwrap().unwrap().state, EntryState::Sent { acceptance });
    assert_eq!(entry(2).await.unwrap().unwrap().state, EntryState::Failed { response: refusal });
    let retried = entry(3).await.unwrap().unwrap();
    assert_eq!((retried.state, retried.attempts), (EntryState::Pending, 1));
    assert_eq!(retried.last_error.as_deref(), Some("gave up after 6 attempts"));
    assert!(
        retried.next_attempt_at.duration_since(retry_at).unwrap_or_else(|e| e.duration()) < Duration::from_millis(2)
    );
    let released = entry(4).await.unwrap().unwrap();
    assert_eq!((released.state, released.attempts), (EntryState::Pending, 0), "a release is not an attempt");
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.pending, counts.in_flight, counts.sent, counts.failed), (2, 0, 1, 1));

    // Only the released one is due now; the retried one at its time; sent and failed never.
    let due: Vec<_> = store.claim(now, LEASE, 10).await.unwrap().iter().map(|c| c.event_id).collect();
    assert_eq!(due, [event(4).event_id()]);
    let due: Vec<_> = store.claim(retry_at, LEASE, 10).await.unwrap().iter().map(|c| c.event_id).collect();
    assert_eq!(due, [event(3).event_id()]);
    assert!(store.claim(retry_at + 10 * LEASE, LEASE, 10).await.unwrap().len() == 2, "only the two claimed, lapsed");
}

async fn sent_entries_are_pruned_by_age(store: impl OutboxStore) {
    for i in 1..=3 {
        store.enqueue(&event(i)).await.unwrap();
    }
    let now = SystemTime::now() + Duration::from_secs(1);
    let claims = store.claim(now, LEASE, 3).await.unwrap();
    let sent = Outcome::Sent { acceptance: json!({"ok": true}) };
    store.finish(&claims[0], &sent, now).await.unwrap();
    store.finish(&claims[1], &sent, now + Duration::from_secs(10)).await.unwrap();
    store.finish(&claims[2], &Outcome::Failed { response: json!({"ok": false}) }, now).await.unwrap();
    assert_eq!(store.prune_sent(now + Duration::from_secs(5)).await.unwrap(), 1);
    assert!(store.entry(event(1).event_id()).await.unwrap().is_none());
    assert!(store.entry(event(2).event_id()).await.unwrap().is_some(), "younger");
    assert!(store.entry(event(3).event_id()).await.unwrap().is_some(), "failed entries are kept");
    assert_eq!(store.prune_sent(now + Duration::from_secs(60)).await.unwrap(), 1);
}

async fn payloads_are_kept_byte_for_byte(store: impl OutboxStore) {
    let mut payload = suite::sandbox::lead(1);
    payload["attribution"] = json!({"utm_source": "nöwsletter ✉ \u{1F600}", "zeta": "1", "alpha": "2"});
    let event = ValidatedEvent::from_json("lead.captured.v1", &payload).unwrap();
    store.enqueue(&event).await.unwrap();
    let claim = store.claim(SystemTime::now() + Duration::from_secs(1), LEASE, 1).await.unwrap().remove(0);
    assert_eq!(claim.payload, event.payload().to_string());
    assert_eq!(store.entry(event.event_id()).await.unwrap().unwrap().payload, *event.payload());
}

async fn concurrent_claims_never_share_an_entry<S: OutboxStore>(store: Arc<S>) {
    const ENTRIES: u64 = 120;
    for i in 1..=ENTRIES {
        store.enqueue(&event(i)).await.unwrap();
    }
    let now = SystemTime::now() + Duration::from_secs(1);
    let claimers: Vec<_> = (0..6)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let claims = store.claim(now, LEASE, 7).await.unwrap();
                    if claims.is_empty() {
                        return mine;
                    }
                    mine.extend(claims.into_iter().map(|c| c.event_id));
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for claimer in claimers {
        all.extend(claimer.await.unwrap());
    }
    let claimed = all.len();
    all.sort();
    all.dedup();
    assert_eq!((claimed, all.len()), (ENTRIES as usize, ENTRIES as usize), "each entry claimed exactly once");
}

async fn one_entry_is_claimed_by_its_event_id(store: impl OutboxStore) {
    for i in 1..=3 {
        store.enqueue(&event(i)).await.unwrap();
    }
    let now = SystemTime::now() + Duration::from_secs(1);
    assert!(store.claim_entry(event(9).event_id(), now, LEASE).await.unwrap().is_none(), "not stored");
    // The newest entry, not the oldest due one: the one asked for.
    let claim = store.claim_entry(event(3).event_id(), now, LEASE).await.unwrap().unwrap();
    assert_eq!((claim.event_id, claim.attempts, claim.event.as_str()), (event(3).event_id(), 1, "lead.captured.v1"));
    assert_eq!(serde_json::from_str::<serde_json::Value>(&claim.payload).unwrap(), *event(3).payload());
    let EntryState::InFlight { lease_until } = store.entry(event(3).event_id()).await.unwrap().unwrap().state else {
        panic!("in flight")
    };
    let off = lease_until.duration_since(now + LEASE).unwrap_or_else(|e| e.duration());
    assert!(off < Duration::from_millis(2), "lease ends at now + lease");
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.pending, counts.in_flight), (2, 1), "the others untouched");
    // Leased: neither claim takes it until the lease lapses; then it moves, as with `claim`.
    assert!(store
        .claim_entry(event(3).event_id(), now + LEASE - Duration::from_millis(1), LEASE)
        .await
        .unwrap()
        .is_none());
    let due: Vec<_> = store.claim(now, LEASE, 10).await.unwrap().iter().map(|c| c.event_id).collect();
    assert_eq!(due, [event(1).event_id(), event(2).event_id()]);
    let later = now + LEASE;
    let again = store.claim_entry(event(3).event_id(), later, LEASE).await.unwrap().unwrap();
    assert_eq!(again.attempts, 2);
    assert_ne!(again.token, claim.token);
    let sent = Outcome::Sent { acceptance: json!({"ok": true}) };
    assert!(!store.finish(&claim, &sent, later).await.unwrap(), "the lapsed claim cannot settle");
    assert!(store.finish(&again, &sent, later).await.unwrap());
    assert!(store.claim_entry(event(3).event_id(), later + 10 * LEASE, LEASE).await.unwrap().is_none(), "sent");

    // A pending entry is claimed by name even before it is due; a failed one never.
    store.enqueue(&event(4)).await.unwrap();
    let first = store.claim_entry(event(4).event_id(), later, LEASE).await.unwrap().unwrap();
    let retry = Outcome::RetryAt { at: later + 100 * LEASE, error: "unreachable".into() };
    assert!(store.finish(&first, &retry, later).await.unwrap());
    let due: Vec<_> = store.claim(later, LEASE, 10).await.unwrap().iter().map(|c| c.event_id).collect();
    assert!(!due.contains(&event(4).event_id()), "not due for `claim`");
    let second = store.claim_entry(event(4).event_id(), later, LEASE).await.unwrap().unwrap();
    let refusal = json!({"ok": false, "error": {"code": "UNAUTHORIZED", "message": "no", "issues": []}});
    assert!(store.finish(&second, &Outcome::Failed { response: refusal }, later).await.unwrap());
    assert!(store.claim_entry(event(4).event_id(), later + 200 * LEASE, LEASE).await.unwrap().is_none(), "failed");
}

async fn concurrent_claims_of_one_entry_lease_it_once<S: OutboxStore>(store: Arc<S>) {
    store.enqueue(&event(1)).await.unwrap();
    let now = SystemTime::now() + Duration::from_secs(1);
    let claims = (0..8).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { store.claim_entry(event(1).event_id(), now, LEASE).await.unwrap() })
    });
    let mut won = 0;
    for claim in claims {
        won += usize::from(claim.await.unwrap().is_some());
    }
    assert_eq!(won, 1, "one claim leases the entry");
}

#[tokio::test]
async fn the_in_memory_store_conforms() {
    conformance(|| async { InMemoryStore::default() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_store_conforms() {
    let dir = temp_dir();
    let counter = std::sync::atomic::AtomicU32::new(0);
    conformance(|| {
        let path = dir.join(format!("{}.db", counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed)));
        async move { SqliteOutbox::open(path).await.unwrap() }
    })
    .await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postgres_store_conforms() {
    conformance(|| async { PostgresOutbox::connect(&suite::postgres::server().fresh_database()).await.unwrap() }).await;
}
