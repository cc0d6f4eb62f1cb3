//! What the sandbox and the intake write to a tracing subscriber: a span per request (method,
//! path, the key's prefix, any fault injected) with its status, a span per webhook with its
//! verdict; never a key, a signing secret, a signature or a payload value.

use std::time::SystemTime;

use loop_contracts::inbound::SignatureScheme;
use loop_contracts::sandbox::FaultConfig;
use serde_json::json;
use suite::sandbox::*;

use crate::webhooks::{deliver, fixture, intake};

#[tokio::test(flavor = "current_thread")]
async fn requests_and_webhooks_are_traced_without_secrets_or_payload_values() {
    let (captured, _traces) = capture_traces();

    let (intake, shopify_secret, typeform_secret) = intake();
    let sandbox = start(builder().intake(intake)).await;
    let http = client();

    // An accepted event, an invalid one, an injected fault.
    let accepted = post_event(&http, &sandbox, KEY, &lead_request(1)).await;
    assert_eq!(accepted.status(), 200);
    let mut invalid = lead_request(2);
    invalid["payload"]["source"] = json!("billboard-private-value");
    assert_eq!(post_event(&http, &sandbox, KEY, &invalid).await.status(), 422);
    sandbox.set_faults(FaultConfig::seeded(1).with_error_rate(1.0)).unwrap();
    assert_eq!(post_event(&http, &sandbox, KEY, &lead_request(3)).await.status(), 500);
    sandbox.set_faults(FaultConfig::default()).unwrap();

    // A signed Shopify webhook, then a forged one.
    let body = fixture("shopify/orders-create.json");
    let (header, signature) = SignatureScheme::Shopify.sign(&shopify_secret, &body, SystemTime::now());
    let signed = [(header, signature.as_str()), ("X-Shopify-Topic", "orders/create")];
    assert_eq!(deliver(&sandbox, "/webhooks/shopify", &signed, &body).await.status(), 200);
    let forged = [(header, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), ("X-Shopify-Topic", "orders/create")];
    assert_eq!(deliver(&sandbox, "/webhooks/shopify", &forged, &body).await.status(), 401);

    let text = captured.text();
    let lines: Vec<&str> = text.lines().collect();
    let find = |needles: &[&str]| lines.iter().any(|l| needles.iter().all(|n| l.contains(n)));
    let request = r#"loop_contracts.sandbox{method=POST path="/api/events" key="lk_test_"}"#;
    assert!(find(&[request, "answered", "status=200"]), "{text}");
    assert!(find(&[request, "answered", "status=422"]), "{text}");
    let faulted = r#"loop_contracts.sandbox{method=POST path="/api/events" key="lk_test_" fault="internal-error"}"#;
    assert!(find(&[faulted, "answered", "status=500"]), "{text}");
    let webhook = r#"loop_contracts.sandbox{method=POST path="/webhooks/shopify"}:loop_contracts.intake{source="shopify" topic=None}"#;
    assert!(find(&[webhook, "accepted", "event=\"order.completed.v1\"", "event_id="]), "{text}");
    assert!(find(&[webhook, "refused", "kind=\"signature\"", "status=401"]), "{text}");

    for secret in [KEY, &KEY[8..], "shpss_sandbox_webhook_test", "typeform_sandbox_webhook_test", signature.as_str()] {
        assert!(!text.contains(secret), "{secret:?} is in the trace:\n{text}");
    }
    let _ = typeform_secret;
    for value in ["@example.com", "billboard-private-value", "820982911946154508", "jon"] {
        assert!(!text.contains(value), "the payload value {value:?} is in the trace:\n{text}");
    }
}
