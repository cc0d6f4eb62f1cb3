//! `loop-contracts send [EVENT] [FILE|-]` against a sandbox, driven in-process: payloads, and the
//! envelopes `transform` prints.

use loop_contracts_cli::{run, EXIT_OK, EXIT_REJECTED, EXIT_USAGE};
use serde_json::{json, Value};
use suite::client::*;

fn run_cli(args: &[&str], stdin: &str) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let argv = ["loop-contracts"].iter().chain(args).copied();
    let code = run(argv, &mut stdin.as_bytes(), &mut out, &mut err);
    (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
}

fn send(args: &[&str], stdin: &str) -> (u8, String, String) {
    run_cli(&[&["send"], args].concat(), stdin)
}

#[test]
fn send_posts_one_event_and_prints_the_answer() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // This binary's tests share one process: the changes to the environment below are made under
    // the process-wide lock, which the tests that signal the process hold too. No other test of
    // this binary reads LOOP_BASE_URL or LOOP_API_KEY, nor resolves a host name.
    let _process = suite::process::exclusive();
    let sandbox = runtime.block_on(start(builder()));
    // One test sets the environment, so no other test of this binary races it.
    // SAFETY (for each change below): Rust's own readers (std::env, as `send` reads it) share
    // std's environment lock; nothing else in this process reads the environment meanwhile: the
    // runtime's workers do not, the client is built without system proxies, and every address is
    // an IP literal, so no resolver (getaddrinfo) runs.
    unsafe { std::env::set_var("LOOP_BASE_URL", sandbox.url()) };
    unsafe { std::env::remove_var("LOOP_API_KEY") };
    let (code, _, err) = send(&["lead.captured.v1", "-"], &lead(1).to_string());
    assert_eq!(code, EXIT_USAGE);
    assert!(err.contains("LOOP_API_KEY"), "{err}");

    unsafe { std::env::set_var("LOOP_API_KEY", KEY) };
    let (code, out, _) = send(&["lead.captured.v1"], &lead(1).to_string());
    assert_eq!(code, EXIT_OK, "{out}");
    let body: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(body["ok"], true);
    assert_eq!(body["eventId"], event_id(1));

    let mut bad = lead(2);
    bad["email"] = json!("nope");
    let (code, out, _) = send(&["lead.captured.v1", "-"], &bad.to_string());
    assert_eq!(code, EXIT_REJECTED);
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["error"]["code"], "VALIDATION_ERROR");
    let (code, out, _) = send(&["lead.captured.v1"], "{not json");
    assert_eq!(code, EXIT_REJECTED);
    assert!(out.contains("MALFORMED_REQUEST"));
    assert_eq!(sandbox.accepted().len(), 1);

    // The same eventId with another payload: the platform's 409, printed like every other refusal.
    let mut changed = lead(1);
    changed["email"] = json!("someone.else@example.com");
    let (code, out, err) = send(&["lead.captured.v1"], &changed.to_string());
    assert_eq!((code, err.as_str()), (EXIT_REJECTED, ""), "{out}");
    let refusal: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        refusal,
        json!({"ok": false, "error": {
            "code": "IDEMPOTENCY_CONFLICT",
            "message": format!("eventId {} was already sent with a different payload", event_id(1)),
            "issues": [],
        }})
    );
    assert_eq!(out.lines().count(), 1);
    assert_eq!(sandbox.accepted().len(), 1);

    // A failed attempt: the wait before the retry is announced on stderr, then the send succeeds.
    use loop_contracts::sandbox::{Fault, FaultConfig};
    let fails_then_passes = |seed: &u64| {
        let config = FaultConfig::seeded(*seed).with_error_rate(0.5);
        let mut plan = config.plan();
        matches!((plan.next(), plan.next()), (Some((Fault::InternalError, _)), Some((Fault::None, _))))
    };
    let seed = (0..1_000).find(fails_then_passes).unwrap();
    sandbox.set_faults(FaultConfig::seeded(seed).with_error_rate(0.5)).unwrap();
    let (code, out, err) = send(&["lead.captured.v1"], &lead(4).to_string());
    assert_eq!(code, EXIT_OK, "{out} {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("loop-contracts: waiting 1.0 s before the next attempt"), "{err}");
    assert_eq!(sandbox.accepted().len(), 2);
    sandbox.set_faults(FaultConfig::default()).unwrap();

    // `transform ... | send`: the envelope names the event.
    let envelope = run_cli(
        &[
            "transform",
            "shopify",
            "orders/create",
            suite::fixture("webhooks/shopify/orders-create.json").to_str().unwrap(),
            "--brand-id",
            BRAND,
        ],
        "",
    );
    assert_eq!(envelope.0, EXIT_OK, "{}", envelope.2);
    let (code, out, err) = send(&[], &envelope.1);
    assert_eq!(code, EXIT_OK, "{out} {err}");
    let body: Value = serde_json::from_str(&out).unwrap();
    let order_id = sandbox.accepted().last().unwrap().payload["orderId"].clone();
    assert_eq!((&body["event"], &order_id), (&json!("order.completed.v1"), &json!("820982911946154508")), "{out}");
    // From a file too, and with the event named as well; the same event again is replayed, not sent twice.
    let dir = std::env::temp_dir().join(format!("loop-contracts-send-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("order.json");
    std::fs::write(&file, &envelope.1).unwrap();
    let (code, out, _) = send(&["order.completed.v1", file.to_str().unwrap()], "");
    assert_eq!(code, EXIT_OK, "{out}");
    let (code, out, _) = send(&[file.to_str().unwrap()], "");
    assert_eq!(code, EXIT_OK, "{out}");
    assert_eq!(sandbox.accepted().len(), 3);
    std::fs::remove_dir_all(&dir).unwrap();
    // Told two events, or none: usage errors, nothing sent.
    let (code, out, err) = send(&["lead.captured.v1"], &envelope.1);
    assert_eq!((code, out.as_str()), (EXIT_USAGE, ""));
    assert!(err.contains("the envelope's event is order.completed.v1, not lead.captured.v1"), "{err}");
    let (code, _, err) = send(&["-"], &lead(5).to_string());
    assert_eq!(code, EXIT_USAGE);
    assert!(err.contains("standard input: no event name"), "{err}");
    assert_eq!(sandbox.accepted().len(), 3);

    unsafe { std::env::set_var("LOOP_BASE_URL", "http://comms.example.com") };
    let (code, _, err) = send(&["lead.captured.v1"], &lead(3).to_string());
    assert_eq!(code, EXIT_USAGE);
    assert!(err.contains("plain http") && !err.contains(&KEY[8..]), "{err}");
    runtime.block_on(sandbox.shutdown());
}
