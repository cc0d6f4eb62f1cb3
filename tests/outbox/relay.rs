//! Relays over real HTTP against a sandbox: drained, refused, unreachable, shut down, taken over.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use loop_contracts::client::RetryPolicy;
use loop_contracts::outbox::{EntryState, InMemoryStore, OutboxStore, PostgresOutbox, Relay, SqliteOutbox};
use loop_contracts::sandbox::FaultConfig;
use suite::client::client_builder;
use suite::sandbox::builder;

use crate::{event, temp_dir};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_drains_the_store_through_the_client() {
    let sandbox = builder().start().await.unwrap();
    let dir = temp_dir();
    let store = Arc::new(SqliteOutbox::open(dir.join("outbox.db")).await.unwrap());
    for i in 1..=20 {
        store.enqueue(&event(i)).await.unwrap();
    }
    let relay = Relay::new(store.clone(), client_builder(&sandbox).build().unwrap()).concurrency(4);
    let report = relay.run_until_empty().await.unwrap();
    assert_eq!((report.sent, report.replayed, report.failed, report.lost), (20, 0, 0, 0));
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.pending, counts.in_flight, counts.sent), (0, 0, 20));
    let mut ids: Vec<_> = sandbox.accepted().into_iter().map(|a| a.event_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20);
    let EntryState::Sent { acceptance } = store.entry(event(7).event_id()).await.unwrap().unwrap().state else {
        panic!("sent")
    };
    assert_eq!(acceptance["ok"], true);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_final_refusal_fails_its_entry_and_holds_up_no_other() {
    let sandbox = builder().start().await.unwrap();
    let client = client_builder(&sandbox).build().unwrap();
    // The platform already has event 3's eventId with another payload: its send is a 409.
    let mut other = suite::sandbox::lead(3);
    other["email"] = serde_json::json!("first.sender@example.com");
    client.send_json("lead.captured.v1", &other).await.unwrap();

    let store = Arc::new(InMemoryStore::default());
    for i in 1..=5 {
        store.enqueue(&event(i)).await.unwrap();
    }
    let report = Relay::new(store.clone(), client_builder(&sandbox).build().unwrap()).run_until_empty().await.unwrap();
    assert_eq!((report.sent, report.failed), (4, 1));
    let EntryState::Failed { response } = store.entry(event(3).event_id()).await.unwrap().unwrap().state else {
        panic!("failed")
    };
    assert_eq!(response["error"]["code"], "IDEMPOTENCY_CONFLICT");
    assert_eq!(sandbox.accepted().len(), 5, "the first sender's event and the four others");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_platform_leaves_entries_pending_on_the_schedule() {
    let sandbox = builder().faults(FaultConfig::seeded(7).with_error_rate(1.0)).start().await.unwrap();
    let store = Arc::new(InMemoryStore::default());
    for i in 1..=3 {
        store.enqueue(&event(i)).await.unwrap();
    }
    let client = || client_builder(&sandbox).retry_policy(RetryPolicy::no_retries()).build().unwrap();
    let relay = Relay::new(store.clone(), client()).backoff([Duration::from_secs(3600)]).idle_poll(ms(20));
    let report = relay.run_until(tokio::time::sleep(ms(600))).await.unwrap();
    assert_eq!((report.sent, report.retried), (0, 3), "each tried once, then due in an hour");
    let entry = store.entry(event(1).event_id()).await.unwrap().unwrap();
    assert_eq!((entry.state, entry.attempts), (EntryState::Pending, 1));
    assert!(entry.last_error.as_deref().is_some_and(|e| e.contains("gave up")), "{:?}", entry.last_error);
    let due_in = entry.next_attempt_at.duration_since(SystemTime::now()).unwrap();
    assert!(due_in > Duration::from_secs(3500), "{due_in:?}");

    sandbox.set_faults(FaultConfig::default()).unwrap();
    let relay = Relay::new(store.clone(), client()).backoff([]);
    assert!(relay.run_until(tokio::time::sleep(ms(300))).await.unwrap().sent == 0, "not due yet");
    // With no backoff, a failing platform's entries are due again at once.
    sandbox.set_faults(FaultConfig::seeded(7).with_error_rate(1.0)).unwrap();
    // Each entry is due an hour after its own send failed: a little later than the first one.
    let an_hour_on = entry.next_attempt_at + Duration::from_secs(60);
    let claims = store.claim(an_hour_on, Duration::from_secs(60), 10).await.unwrap();
    assert_eq!(claims.len(), 3);
    for claim in &claims {
        let retry = loop_contracts::outbox::Outcome::RetryAt { at: SystemTime::now(), error: "test".into() };
        assert!(store.finish(claim, &retry, SystemTime::now()).await.unwrap());
    }
    sandbox.set_faults(FaultConfig::default()).unwrap();
    assert_eq!(relay.run_until_empty().await.unwrap().sent, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_shutting_down_gives_back_its_claims() {
    let slow = FaultConfig::seeded(1).with_latency(Duration::from_secs(5), Duration::ZERO);
    let sandbox = builder().faults(slow).start().await.unwrap();
    let store = Arc::new(InMemoryStore::default());
    for i in 1..=3 {
        store.enqueue(&event(i)).await.unwrap();
    }
    let relay = Relay::new(store.clone(), client_builder(&sandbox).build().unwrap());
    let report = relay.run_until(tokio::time::sleep(ms(300))).await.unwrap();
    assert_eq!((report.released, report.sent), (3, 0));
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.pending, counts.in_flight), (3, 0));
    assert_eq!(store.entry(event(1).event_id()).await.unwrap().unwrap().attempts, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_of_a_dead_relay_are_sent_after_their_lease() {
    let sandbox = builder().start().await.unwrap();
    let store = Arc::new(InMemoryStore::default());
    for i in 1..=4 {
        store.enqueue(&event(i)).await.unwrap();
    }
    // A relay claimed two entries with a 1 s lease and died.
    let dead = store.claim(SystemTime::now(), Duration::from_secs(1), 2).await.unwrap();
    assert_eq!(dead.len(), 2);
    let started = std::time::Instant::now();
    let relay = Relay::new(store.clone(), client_builder(&sandbox).build().unwrap()).idle_poll(ms(50));
    let report = relay.run_until_empty().await.unwrap();
    assert_eq!(report.sent, 4);
    assert!(started.elapsed() >= ms(900), "the dead relay's claims wait for their lease");
    assert_eq!(store.entry(dead[0].event_id).await.unwrap().unwrap().attempts, 2);
    assert_eq!(sandbox.accepted().len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relays_of_many_replicas_send_each_event_once() {
    const EVENTS: u64 = 150;
    let sandbox = builder().start().await.unwrap();
    let url = suite::postgres::server().fresh_database();
    let store = PostgresOutbox::connect(&url).await.unwrap();
    for i in 1..=EVENTS {
        store.enqueue(&event(i)).await.unwrap();
    }
    let mut relays = Vec::new();
    for _ in 0..3 {
        // Each replica: its own pool, its own client.
        let store = Arc::new(PostgresOutbox::connect(&url).await.unwrap());
        let relay = Relay::new(store, client_builder(&sandbox).build().unwrap()).concurrency(4).idle_poll(ms(20));
        relays.push(tokio::spawn(async move { relay.run_until_empty().await.unwrap() }));
    }
    let mut sent = Vec::new();
    for relay in relays {
        let report = relay.await.unwrap();
        assert_eq!((report.replayed, report.lost, report.failed), (0, 0, 0), "{report:?}");
        sent.push(report.sent);
    }
    assert_eq!(sent.iter().sum::<u64>(), EVENTS);
    assert!(sent.iter().filter(|n| **n > 0).count() >= 2, "the replicas shared the work: {sent:?}");
    assert_eq!(sandbox.accepted_count(), EVENTS, "no event twice");
    assert_eq!(store.counts().await.unwrap().sent, EVENTS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_platform_loses_nothing_and_duplicates_nothing() {
    const EVENTS: u64 = 120;
    // 20% 500s, 10% answers lost after the event was accepted, 10% 429s.
    let faults = FaultConfig::seeded(11)
        .with_error_rate(0.2)
        .with_drop_rate(0.1)
        .with_drop_after_processing(true)
        .with_rate_limit_rate(0.1);
    let sandbox = builder().faults(faults).start().await.unwrap();
    let dir = temp_dir();
    let store = Arc::new(SqliteOutbox::open(dir.join("outbox.db")).await.unwrap());
    for i in 1..=EVENTS {
        store.enqueue(&event(i)).await.unwrap();
    }
    let quick = RetryPolicy::default().with_delays([ms(5), ms(10), ms(20)]).with_rate_limit_waits(20, ms(50));
    let client = client_builder(&sandbox).retry_policy(quick).build().unwrap();
    let relay = Relay::new(store.clone(), client).concurrency(6).backoff([ms(20)]).idle_poll(ms(10));
    let report = relay.run_until_empty().await.unwrap();
    assert_eq!(report.failed, 0, "{report:?}");
    assert!(report.replayed > 0, "lost answers came back as replays: {report:?}");

    // Every entry marked sent was accepted, and each event was accepted once.
    let mut accepted: Vec<String> = sandbox.accepted().into_iter().map(|a| a.event_id).collect();
    accepted.sort();
    let before = accepted.len();
    accepted.dedup();
    assert_eq!((before, accepted.len()), (EVENTS as usize, EVENTS as usize));
    for i in 1..=EVENTS {
        let entry = store.entry(event(i).event_id()).await.unwrap().unwrap();
        assert!(matches!(entry.state, EntryState::Sent { .. }), "{i}: {:?}", entry.state);
        assert!(accepted.binary_search(&event(i).event_id().to_string()).is_ok());
    }
    std::fs::remove_dir_all(dir).unwrap();
}
