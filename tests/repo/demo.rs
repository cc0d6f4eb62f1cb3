//! The README's main command, `cargo run --example demo`, runs the whole path on a fresh checkout:
//! sandbox, webhook, transform, client, replay.

use std::process::Command;

#[test]
fn the_demo_runs_the_whole_path() {
    let output = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--example", "demo"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
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
