//! The client's tracing output: a span per send and per attempt with the event name, attempt
//! number, status and delay, and never the API key.

use std::sync::Arc;

use loop_contracts::sandbox::FaultConfig;
use suite::client::*;

#[tokio::test(flavor = "current_thread")]
async fn sends_and_attempts_are_traced_without_the_key() {
    let (captured, _traces) = capture_traces();

    // Two 500s, then accepted: attempts 1 and 2 wait 1 s and 5 s, attempt 3 is answered 200.
    let sandbox = Arc::new(start(builder().faults(FaultConfig::seeded(1).with_error_rate(1.0))).await);
    let handle = sandbox.clone();
    let recorder = Recorder::with_hook(move |waits| {
        if waits == 2 {
            handle.set_faults(FaultConfig::default()).unwrap();
        }
    });
    let client = client_builder(&sandbox).sleeper(recorder).build().unwrap();
    let payload = lead(7);
    let event_id = payload["eventId"].as_str().unwrap().to_owned();
    client.send_json("lead.captured.v1", &payload).await.unwrap();

    let text = captured.text();
    // The sandbox serves on this thread too, and traces its requests in spans of its own.
    let lines: Vec<&str> = text.lines().filter(|l| !l.contains(" loop_contracts::sandbox::")).collect();
    let send_span = format!("loop_contracts.send{{event=\"lead.captured.v1\" event_id={event_id}}}");
    assert!(lines.iter().all(|l| l.contains(&send_span)), "every line is inside the send span:\n{text}");
    let find = |needles: &[&str]| lines.iter().any(|l| needles.iter().all(|n| l.contains(n)));
    assert!(find(&["attempt{attempt=1}"]), "a span per attempt:\n{text}");
    assert!(find(&["attempt{attempt=3}"]), "a span per attempt:\n{text}");
    assert!(find(&["retrying", "attempt=1", "status: 500", "delay_ms=1000"]), "{text}");
    assert!(find(&["retrying", "attempt=2", "status: 500", "delay_ms=5000"]), "{text}");
    assert!(find(&["attempt answered", "attempt=3", "status=200"]), "{text}");
    assert!(!text.contains(KEY) && !text.contains(&KEY[8..]), "the key never appears:\n{text}");
}
