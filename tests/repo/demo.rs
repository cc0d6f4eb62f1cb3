//! The README's main command, `cargo run --example demo`, runs the whole path on a fresh checkout:
//! sandbox, webhook, transform, client, replay. The outbox's example runs too.

use std::process::Command;

fn built_example(name: &str) -> std::path::PathBuf {
    suite::build::built("example", name)
}

#[test]
fn the_demo_runs_the_whole_path() {
    let output =
        Command::new(built_example("demo")).current_dir(env!("CARGO_MANIFEST_DIR")).output().expect("the demo runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "demo failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    for expected in [
        "forged signature: 401",
        "became a valid order.completed.v1",
        "accepted after 1 attempt(s)",
        "an invalid order never leaves the process",
        "answered from memory = true",
        "Idempotent-Replayed = true, same response = true",
        "the shop's retry maps to the same eventId: true",
        "#1 order.completed.v1",
        "endpoint: 503 to the first request",
        "message.sent.v1 to jon@example.com",
        "message.delivered.v1 to jon@example.com",
    ] {
        assert!(stdout.contains(expected), "missing {expected:?} in:\n{stdout}");
    }
    assert!(!stdout.contains("#2 "), "the event was accepted once:\n{stdout}");
    assert!(!stdout.contains("demo_4f9c2a7e1b3d5f60a8c4e2d1"), "the key is never shown");
}

#[test]
fn the_outbox_example_loses_nothing_when_its_relay_dies() {
    let output = Command::new(built_example("outbox")).output().expect("the example runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "outbox failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    for expected in [
        "refused at enqueue: payload.lineItems.0.quantity",
        r#"stored: {"pending":20,"inFlight":0,"sent":0,"failed":0}"#,
        "the first relay died after",
        r#"stored: {"pending":0,"inFlight":0,"sent":20,"failed":0}"#,
        "the platform accepted 20 orders, each once",
    ] {
        assert!(stdout.contains(expected), "missing {expected:?} in:\n{stdout}");
    }
}
