//! Retries over real HTTP against the sandbox's fault injection, with a recording sleeper so the
//! schedule is checked exactly and at once.

use std::sync::Arc;

use loop_contracts::client::{AttemptOutcome, RetryPolicy, SendError};
use loop_contracts::sandbox::FaultConfig;
use loop_contracts::ErrorCode;
use suite::client::*;

fn all_500s() -> FaultConfig {
    FaultConfig::seeded(1).with_error_rate(1.0)
}

#[tokio::test]
async fn five_hundreds_are_retried_on_the_schedule_then_every_attempt_is_reported() {
    let sandbox = start(builder().faults(all_500s())).await;
    let recorder = Recorder::default();
    let client = client_builder(&sandbox).sleeper(recorder.clone()).build().unwrap();
    let err = client.send_json("lead.captured.v1", &lead(1)).await.unwrap_err();
    let SendError::Exhausted { attempts } = &err else { panic!("{err:?}") };
    assert_eq!(attempts.len(), 6);
    for (i, attempt) in attempts.iter().enumerate() {
        assert_eq!(attempt.number as usize, i + 1);
        assert_eq!(attempt.outcome, AttemptOutcome::Status { status: 500, code: Some(ErrorCode::InternalError) });
        assert_eq!(attempt.wait_after, schedule().get(i).copied());
    }
    assert_eq!(recorder.delays(), schedule());
    assert!(sandbox.accepted().is_empty());
}

#[tokio::test]
async fn a_retry_that_succeeds_is_accepted_once() {
    let sandbox = Arc::new(start(builder().faults(all_500s())).await);
    let handle = sandbox.clone();
    let recorder = Recorder::with_hook(move |waits| {
        if waits == 2 {
            handle.set_faults(FaultConfig::default()).unwrap();
        }
    });
    let client = client_builder(&sandbox).sleeper(recorder.clone()).build().unwrap();
    let accepted = client.send_json("lead.captured.v1", &lead(2)).await.unwrap();
    assert_eq!(accepted.attempts, 3);
    assert_eq!(recorder.delays(), [secs(1), secs(5)]);
    assert_eq!(sandbox.accepted().len(), 1);
}

#[tokio::test]
async fn dropped_connections_are_retried_with_the_same_idempotency_key() {
    // The sandbox processes the event, then drops the connection: only the same key on the
    // retry keeps the event from being accepted twice.
    let faults = FaultConfig::seeded(3).with_drop_rate(1.0).with_drop_after_processing(true);
    let sandbox = Arc::new(start(builder().faults(faults)).await);
    let handle = sandbox.clone();
    let recorder = Recorder::with_hook(move |waits| {
        if waits == 1 {
            handle.set_faults(FaultConfig::default()).unwrap();
        }
    });
    let client = client_builder(&sandbox).sleeper(recorder.clone()).build().unwrap();
    let accepted = client.send_json("lead.captured.v1", &lead(3)).await.unwrap();
    assert_eq!(accepted.attempts, 2);
    assert!(accepted.replayed, "the platform replayed the first attempt's acceptance");
    assert_eq!(recorder.delays(), [secs(1)]);
    assert_eq!(sandbox.accepted().len(), 1);
}

#[tokio::test]
async fn dropped_connections_exhaust_the_schedule_as_network_errors() {
    let sandbox = start(builder().faults(FaultConfig::seeded(4).with_drop_rate(1.0))).await;
    let recorder = Recorder::default();
    let client = client_builder(&sandbox).sleeper(recorder.clone()).build().unwrap();
    let err = client.send_json("lead.captured.v1", &lead(4)).await.unwrap_err();
    assert_eq!(err.attempts().len(), 6);
    assert!(err.attempts().iter().all(|a| matches!(a.outcome, AttemptOutcome::Network(_))), "{err:?}");
    assert_eq!(recorder.delays(), schedule());
}

#[tokio::test]
async fn rate_limits_wait_for_the_server_without_spending_retries() {
    // Three 429s, then five 500s, then success: the 429s wait Retry-After (1 s) and all five
    // scheduled retries remain for the 500s.
    let sandbox = Arc::new(start(builder().faults(FaultConfig::seeded(5).with_rate_limit_rate(1.0))).await);
    let handle = sandbox.clone();
    let recorder = Recorder::with_hook(move |waits| match waits {
        3 => handle.set_faults(all_500s()).unwrap(),
        8 => handle.set_faults(FaultConfig::default()).unwrap(),
        _ => {}
    });
    let client = client_builder(&sandbox).sleeper(recorder.clone()).build().unwrap();
    let accepted = client.send_json("lead.captured.v1", &lead(5)).await.unwrap();
    assert_eq!(accepted.attempts, 9);
    let mut expected = vec![secs(1); 3];
    expected.extend(schedule());
    assert_eq!(recorder.delays(), expected);
    assert_eq!(sandbox.accepted().len(), 1);
}

#[tokio::test]
async fn a_custom_schedule_with_jitter_never_waits_less() {
    let sandbox = start(builder().faults(all_500s())).await;
    let recorder = Recorder::default();
    let policy = RetryPolicy::default().with_delays([secs(2), secs(4)]).with_jitter(0.5);
    let client = client_builder(&sandbox).sleeper(recorder.clone()).retry_policy(policy).build().unwrap();
    let err = client.send_json("lead.captured.v1", &lead(6)).await.unwrap_err();
    assert_eq!(err.attempts().len(), 3);
    let delays = recorder.delays();
    assert_eq!(delays.len(), 2);
    assert!(delays[0] >= secs(2) && delays[0] <= secs(3), "{delays:?}");
    assert!(delays[1] >= secs(4) && delays[1] <= secs(6), "{delays:?}");
}

#[tokio::test]
async fn validation_failures_on_the_platform_are_never_retried() {
    // The platform's catalog requires what the built-in one does not know: simulate by sending a
    // payload valid locally to a sandbox whose catalog has a stricter definition.
    loop_contracts::event! {
        /// Stricter.
        #[event("lead.captured.v1")]
        pub struct StrictLead { email: email, mustHave: string }
    }
    let sandbox = start(builder().catalog(loop_contracts::Catalog::new().with_event::<StrictLead>())).await;
    let recorder = Recorder::default();
    let client = client_builder(&sandbox).sleeper(recorder.clone()).build().unwrap();
    let err = client.send_json("lead.captured.v1", &lead(7)).await.unwrap_err();
    let SendError::Rejected { status: 422, error, attempts } = &err else { panic!("{err:?}") };
    assert_eq!(error.code(), loop_contracts::ErrorCode::ValidationError);
    assert_eq!(error.issues()[0].path, "mustHave");
    assert_eq!(attempts.len(), 1);
    assert!(recorder.delays().is_empty());
}
