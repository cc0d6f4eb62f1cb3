//! In-process idempotency: concurrent sends of one eventId share a request, accepted eventIds are
//! answered from memory, a reused eventId with another payload is refused, and the outbox.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use loop_contracts::client::{AttemptOutcome, InMemoryOutbox, Outbox, RetryPolicy, SendError};
use loop_contracts::sandbox::FaultConfig;
use serde_json::json;
use suite::client::*;

#[tokio::test]
async fn concurrent_sends_of_one_event_share_one_request() {
    let faults = FaultConfig::seeded(1).with_processing(Duration::from_millis(200));
    let sandbox = start(builder().faults(faults)).await;
    let client = client_builder(&sandbox).build().unwrap();
    let sends: Vec<_> = (0..10)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.send_json("lead.captured.v1", &lead(1)).await })
        })
        .collect();
    for send in sends {
        let accepted = send.await.unwrap().unwrap();
        assert!(!accepted.replayed, "a second request would have been replayed by the platform");
        assert_eq!(accepted.attempts, 1);
    }
    assert_eq!(sandbox.accepted().len(), 1);
}

#[tokio::test]
async fn an_accepted_event_is_answered_from_memory_without_a_request() {
    let sandbox = start(builder()).await;
    let recorder = Recorder::default();
    let client = client_builder(&sandbox).sleeper(recorder.clone()).build().unwrap();
    let first = client.send_json("lead.captured.v1", &lead(2)).await.unwrap();
    // Every request would now fail: the answer can only come from memory.
    sandbox.set_faults(FaultConfig::seeded(1).with_error_rate(1.0)).unwrap();
    let again = client.send_json("lead.captured.v1", &lead(2)).await.unwrap();
    assert!(again.cached && !first.cached);
    assert_eq!(again.body, first.body);
    assert!(recorder.delays().is_empty());
    assert_eq!(sandbox.accepted().len(), 1);
}

#[tokio::test]
async fn a_reused_event_id_with_another_payload_is_a_conflict() {
    let sandbox = start(builder()).await;
    let client = client_builder(&sandbox).build().unwrap();
    client.send_json("lead.captured.v1", &lead(3)).await.unwrap();
    let mut other = lead(3);
    other["email"] = json!("someone.else@example.com");
    let err = client.send_json("lead.captured.v1", &other).await.unwrap_err();
    assert_eq!(err, SendError::Conflict { event_id: event_id(3).parse().unwrap() });
    // Another client (no memory of it) hears the same from the platform's 409.
    let fresh = client_builder(&sandbox).build().unwrap();
    let err = fresh.send_json("lead.captured.v1", &other).await.unwrap_err();
    assert!(matches!(err, SendError::Conflict { .. }), "{err:?}");
    assert_eq!(sandbox.accepted().len(), 1);
}

#[tokio::test]
async fn unknown_keys_do_not_make_a_conflict() {
    let sandbox = start(builder()).await;
    let client = client_builder(&sandbox).build().unwrap();
    client.send_json("lead.captured.v1", &lead(20)).await.unwrap();
    let mut extra = lead(20);
    extra["notInTheSchema"] = json!(true);
    assert!(client.send_json("lead.captured.v1", &extra).await.unwrap().cached);
    assert_eq!(sandbox.accepted().len(), 1);
}

#[tokio::test]
async fn the_accepted_cache_is_bounded() {
    let sandbox = start(builder()).await;
    let client = client_builder(&sandbox).accepted_cache(2).build().unwrap();
    for i in 10..13 {
        client.send_json("lead.captured.v1", &lead(i)).await.unwrap();
    }
    assert!(client.send_json("lead.captured.v1", &lead(12)).await.unwrap().cached);
    // The oldest was forgotten: the platform replays it instead.
    let oldest = client.send_json("lead.captured.v1", &lead(10)).await.unwrap();
    assert!(!oldest.cached && oldest.replayed);
    assert_eq!(sandbox.accepted().len(), 3);
}

#[tokio::test]
async fn the_outbox_keeps_unfinished_sends_for_a_restart() {
    let sandbox = start(builder().faults(FaultConfig::seeded(1).with_error_rate(1.0))).await;
    let outbox = Arc::new(InMemoryOutbox::default());
    let client = client_builder(&sandbox)
        .sleeper(Recorder::default())
        .retry_policy(RetryPolicy::no_retries())
        .outbox(outbox.clone())
        .build()
        .unwrap();
    assert!(matches!(client.send_json("lead.captured.v1", &lead(4)).await, Err(SendError::Exhausted { .. })));
    let mut bad = lead(5);
    bad["email"] = json!("nope");
    assert!(matches!(client.send_json("lead.captured.v1", &bad).await, Err(SendError::Invalid(_))));
    let pending = outbox.pending();
    assert_eq!(pending.len(), 1, "invalid events are never recorded");
    assert_eq!(pending[0].event_id.to_string(), event_id(4));

    // "Restart": a new client over the same outbox, the platform healthy again.
    sandbox.set_faults(FaultConfig::default()).unwrap();
    let restarted = client_builder(&sandbox).outbox(outbox.clone()).build().unwrap();
    let results = restarted.resend_pending().await;
    assert_eq!(results.len(), 1);
    assert!(results[0].1.is_ok());
    assert!(outbox.pending().is_empty());
    assert_eq!(sandbox.accepted().len(), 1);
}

/// The reliability figure at CI size: 1,000 events sent concurrently through 20% 500s, 5%
/// dropped connections (after processing) and 5% 429s: each accepted exactly once, none lost,
/// every wait on the schedule.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_events_through_faults_are_each_accepted_exactly_once() {
    const N: u64 = 1_000;
    let faults = FaultConfig::seeded(2026)
        .with_error_rate(0.2)
        .with_drop_rate(0.05)
        .with_rate_limit_rate(0.05)
        .with_drop_after_processing(true);
    let sandbox = start(builder().faults(faults)).await;
    let recorder = Recorder::default();
    let client = client_builder(&sandbox).sleeper(recorder.clone()).build().unwrap();
    let sends: Vec<_> = (0..N)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move { (i, client.send_json("lead.captured.v1", &lead(1_000 + i)).await) })
        })
        .collect();
    let (mut retried, mut exhausted) = (0, Vec::new());
    for send in sends {
        match send.await.unwrap() {
            (_, Ok(accepted)) if accepted.attempts > 1 => retried += 1,
            (_, Ok(_)) => {}
            // Six failures in a row (about 0.25^6 per event) spend the schedule: the host sends
            // again later (what an outbox does), under the same eventId.
            (i, Err(SendError::Exhausted { attempts })) => {
                let spent =
                    attempts.iter().filter(|a| !matches!(a.outcome, AttemptOutcome::Status { status: 429, .. }));
                assert_eq!(spent.count(), 6, "429s spend no retry");
                exhausted.push(i);
            }
            (_, Err(other)) => panic!("{other:?}"),
        }
    }
    for i in exhausted {
        let mut result = client.send_json("lead.captured.v1", &lead(1_000 + i)).await;
        while let Err(SendError::Exhausted { .. }) = result {
            result = client.send_json("lead.captured.v1", &lead(1_000 + i)).await;
        }
        result.unwrap();
    }
    assert!(retried > 100, "the faults were met: {retried}");
    let events = sandbox.accepted();
    assert_eq!(events.len() as u64, N, "none lost, none duplicated");
    let ids: HashSet<_> = events.iter().map(|e| e.event_id.clone()).collect();
    assert_eq!(ids.len() as u64, N);
    let allowed: HashSet<Duration> = schedule().into_iter().chain([secs(1)]).collect();
    let delays = recorder.delays();
    assert!(delays.iter().all(|d| allowed.contains(d)), "every wait is on the schedule or a Retry-After");
}
