//! Whole-run scenarios of the sandbox's builder and handle: one per setting and per handle method,
//! each starting a sandbox and driving it through the public API (a client, a plain HTTP request,
//! a delivery endpoint). They were the doc examples of `SandboxBuilder` and `SandboxHandle`; the
//! short examples that teach the API stay there.

use std::net::Ipv4Addr;
use std::time::{Duration, SystemTime};

use loop_contracts::api_key::{ApiKey, Tier};
use loop_contracts::catalog::{Catalog, LeadCaptured};
use loop_contracts::client::{AttemptOutcome, Client, RetryPolicy, SendError};
use loop_contracts::delivery::WebhookSecret;
use loop_contracts::inbound::{Intake, SignatureScheme, SigningSecret, Source, TransformContext};
use loop_contracts::sandbox::{DeliveryConfig, DeliveryState, FaultConfig, Sandbox, SandboxError, SandboxHandle, Via};
use loop_contracts::{ErrorCode, Event};
use serde_json::{json, Value};

type Outcome = Result<(), Box<dyn std::error::Error>>;

const KEY: &str = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1";
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const LEAD_ID: &str = "550e8400-e29b-41d4-a716-446655440000";

fn key() -> ApiKey {
    KEY.parse().unwrap()
}

fn secret() -> WebhookSecret {
    WebhookSecret::parse(SECRET).unwrap()
}

/// A lead with an email: accepted, it triggers a message (sent, then delivered).
fn lead() -> LeadCaptured {
    LeadCaptured::from_json_value(&json!({
        "eventId": LEAD_ID, "occurredAt": "2026-05-19T12:00:00Z",
        "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
        "source": "quiz_completion", "attribution": {},
    }))
    .unwrap()
}

/// The `i`-th of distinct leads, as JSON for `Client::send_json`.
fn numbered_lead(i: u64) -> Value {
    json!({
        "eventId": format!("550e8400-e29b-41d4-a716-{i:012x}"), "occurredAt": "2026-05-19T12:00:00Z",
        "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": format!("lead{i}@example.com"),
        "source": "quiz_completion", "attribution": {},
    })
}

fn client_with(key: ApiKey, sandbox: &SandboxHandle) -> Client {
    Client::builder().key(key).base_url(sandbox.url()).build().unwrap()
}

fn client(sandbox: &SandboxHandle) -> Client {
    client_with(key(), sandbox)
}

fn client_without_retries(sandbox: &SandboxHandle) -> Client {
    Client::builder().key(key()).base_url(sandbox.url()).retry_policy(RetryPolicy::no_retries()).build().unwrap()
}

/// A client without memory of its own: every send reaches the sandbox.
fn client_without_cache(sandbox: &SandboxHandle) -> Client {
    Client::builder().key(key()).base_url(sandbox.url()).accepted_cache(0).build().unwrap()
}

/// A delivery endpoint on loopback that answers every request 200 with an empty body.
async fn endpoint_answering_2xx() -> String {
    let hooks = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}/webhooks/loop", hooks.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((stream, _)) = hooks.accept().await {
            let ok = hyper::service::service_fn(|_| async {
                let empty = http_body_util::Empty::<hyper::body::Bytes>::new();
                Ok::<_, std::convert::Infallible>(hyper::Response::new(empty))
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            tokio::spawn(hyper::server::conn::http1::Builder::new().serve_connection(io, ok));
        }
    });
    endpoint
}

/// A delivery endpoint that refuses connections: nothing listens there once the listener is dropped.
fn endpoint_refusing_connections() -> String {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    format!("http://{closed}/webhooks/loop")
}

// ---------------------------------------------------------------------------------------------
// Sandbox::builder and the builder's settings

#[tokio::test]
async fn the_defaults_are_a_loopback_ephemeral_port_without_faults_or_deliveries() -> Outcome {
    let sandbox = Sandbox::builder().start().await?;
    assert_eq!(sandbox.local_addr().ip(), Ipv4Addr::LOCALHOST);
    assert_ne!(sandbox.local_addr().port(), 0); // an ephemeral port
    assert!(!sandbox.faults().is_active() && sandbox.delivery_stats().endpoint.is_none());
    sandbox.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn addr_is_the_address_listened_on() -> Outcome {
    let sandbox = Sandbox::builder().addr(([127, 0, 0, 1], 0)).start().await?; // or DEFAULT_ADDR
    assert!(sandbox.url().starts_with("http://127.0.0.1:"));
    Ok(())
}

#[tokio::test]
async fn default_tier_is_the_tier_of_keys_without_their_own() -> Outcome {
    let sandbox = Sandbox::builder().default_tier(Tier::PREMIUM).start().await?;
    let accepted = client(&sandbox).send(&lead()).await?;
    assert_eq!(accepted.rate_limit.unwrap().limit, 1000); // X-RateLimit-Limit
    Ok(())
}

#[tokio::test]
async fn tier_for_sets_the_tier_of_one_key() -> Outcome {
    let premium: ApiKey = "lk_test_premium_integration_01".parse()?;
    let standard: ApiKey = "lk_test_standard_integration_02".parse()?;
    let sandbox = Sandbox::builder().tier_for(premium.clone(), Tier::PREMIUM).start().await?;
    let fast = client_with(premium, &sandbox).send_json("lead.captured.v1", &numbered_lead(1)).await?;
    let slow = client_with(standard, &sandbox).send_json("lead.captured.v1", &numbered_lead(2)).await?;
    assert_eq!((fast.rate_limit.unwrap().limit, slow.rate_limit.unwrap().limit), (1000, 100));
    Ok(())
}

#[tokio::test]
async fn anonymous_tier_limits_requests_without_a_key() -> Outcome {
    let sandbox = Sandbox::builder().anonymous_tier(Tier::new(10, 20).unwrap()).start().await?;
    let http = reqwest::Client::builder().no_proxy().build()?;
    let listing = http.get(format!("{}/api/events/schema", sandbox.url())).send().await?; // no key
    assert_eq!(listing.headers()["x-ratelimit-limit"], "10");
    Ok(())
}

#[tokio::test]
async fn accept_key_accepts_only_the_keys_given_and_never_a_live_one() -> Outcome {
    let ours: ApiKey = "lk_test_integration_suite_0001".parse()?;
    let sandbox = Sandbox::builder().accept_key(ours).start().await?;
    let theirs: ApiKey = "lk_test_someone_elses_key_0002".parse()?;
    let stranger = Client::builder().key(theirs).base_url(sandbox.url()).build()?;
    assert!(matches!(stranger.send(&lead()).await, Err(SendError::Rejected { status: 401, .. })));
    let live: ApiKey = "lk_live_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    assert!(matches!(Sandbox::builder().accept_key(live).start().await, Err(SandboxError::LiveKey)));
    Ok(())
}

#[tokio::test]
async fn body_limit_refuses_larger_bodies_with_413() -> Outcome {
    let sandbox = Sandbox::builder().body_limit(128).start().await?;
    let refused = client(&sandbox).send(&lead()).await.unwrap_err(); // its request body is over 128 bytes
    assert!(matches!(refused, SendError::Rejected { status: 413, .. }));
    Ok(())
}

#[tokio::test]
async fn idempotency_window_bounds_the_keys_kept() -> Outcome {
    // Keys are kept 10 minutes, one at most: a repeat of an older event is processed again.
    let sandbox = Sandbox::builder().idempotency_window(Duration::from_secs(600), 1).start().await?;
    let client = client_without_cache(&sandbox);
    for i in [1, 2, 1] {
        client.send_json("lead.captured.v1", &numbered_lead(i)).await?;
    }
    assert_eq!(sandbox.accepted_count(), 3);
    Ok(())
}

#[tokio::test]
async fn idempotency_wait_bounds_how_long_a_duplicate_waits() -> Outcome {
    let slow = FaultConfig::seeded(1).with_processing(Duration::from_millis(500)); // each event takes 500 ms
    let sandbox = Sandbox::builder().idempotency_wait(Duration::from_millis(50)).faults(slow).start().await?;
    // Say, two processes sending the same event at once.
    let (one, other) = (client_without_retries(&sandbox), client_without_retries(&sandbox));
    let lead = lead();
    let (a, b) = tokio::join!(one.send(&lead), other.send(&lead));
    let waited = a.as_ref().err().or(b.as_ref().err()).expect("one of them waited too long");
    let in_progress = AttemptOutcome::Status { status: 409, code: Some(ErrorCode::IdempotencyInProgress) };
    assert_eq!(waited.attempts()[0].outcome, in_progress);
    Ok(())
}

#[tokio::test]
async fn retain_events_keeps_the_newest() -> Outcome {
    let sandbox = Sandbox::builder().retain_events(2).start().await?;
    let client = client(&sandbox);
    for i in 1..=3 {
        client.send_json("lead.captured.v1", &numbered_lead(i)).await?;
    }
    let kept: Vec<u64> = sandbox.accepted().iter().map(|e| e.sequence).collect();
    assert_eq!(kept, [2, 3]); // the oldest went first
    assert_eq!(sandbox.accepted_count(), 3);
    Ok(())
}

#[tokio::test]
async fn faults_from_the_start_are_injected() -> Outcome {
    let sandbox = Sandbox::builder().faults(FaultConfig::seeded(7).with_error_rate(1.0)).start().await?;
    let err = client_without_retries(&sandbox).send(&lead()).await.unwrap_err();
    let internal = AttemptOutcome::Status { status: 500, code: Some(ErrorCode::InternalError) };
    assert_eq!(err.attempts()[0].outcome, internal);
    assert!(sandbox.accepted().is_empty()); // an injected 500 processes nothing
    Ok(())
}

#[tokio::test]
async fn intake_checks_signatures_and_sets_the_brand() -> Outcome {
    let (secret, brand) = (SigningSecret::from_text("shpss_example"), "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e");
    let context = TransformContext::for_brand(brand.parse()?);
    let intake = Intake::new(context).with_secret(Source::Shopify, secret.clone());
    let sandbox = Sandbox::builder().intake(intake).start().await?;
    let body = r#"{"id": 820982911946154508, "created_at": "2022-01-01T00:00:00Z", "email": "jon@example.com"}"#;
    let (name, signature) = SignatureScheme::Shopify.sign(&secret, body.as_bytes(), SystemTime::now());
    let http = reqwest::Client::builder().no_proxy().build()?;
    let post = http.post(format!("{}/webhooks/shopify", sandbox.url())).header("X-Shopify-Topic", "orders/create");
    assert_eq!(post.try_clone().unwrap().body(body).send().await?.status(), 401); // unsigned: refused
    assert_eq!(post.header(name, signature).body(body).send().await?.status(), 200);
    assert_eq!(sandbox.accepted()[0].payload["brandId"], brand);
    Ok(())
}

#[tokio::test]
async fn catalog_is_the_catalog_served() -> Outcome {
    let sandbox = Sandbox::builder().catalog(Catalog::new().with_event::<LeadCaptured>()).start().await?;
    let client = client(&sandbox);
    assert!(client.schema("lead.captured.v1").await.is_ok());
    let missing = client.schema("order.completed.v1").await; // built in, but not in this catalog
    assert!(matches!(missing, Err(SendError::Invalid(_))));
    Ok(())
}

#[tokio::test]
async fn deliveries_configure_the_endpoint_which_needs_a_secret() -> Outcome {
    let config = DeliveryConfig::new(secret()).endpoint("http://127.0.0.1:9000/webhooks/loop");
    let sandbox = Sandbox::builder().deliveries(config).start().await?;
    assert_eq!(sandbox.delivery_stats().endpoint.as_deref(), Some("http://127.0.0.1:9000/webhooks/loop"));
    let unsigned = DeliveryConfig::default().endpoint("http://127.0.0.1:9000/webhooks/loop"); // no secret
    assert!(matches!(Sandbox::builder().deliveries(unsigned).start().await, Err(SandboxError::Delivery(_))));
    Ok(())
}

#[tokio::test]
async fn start_serves_or_refuses_an_invalid_configuration() -> Outcome {
    let sandbox = Sandbox::builder().start().await?;
    assert!(sandbox.url().starts_with("http://127.0.0.1:"));
    let impossible = FaultConfig::seeded(1).with_error_rate(1.5);
    assert!(matches!(Sandbox::builder().faults(impossible).start().await, Err(SandboxError::Faults(_))));
    sandbox.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_port_already_taken_is_a_bind_error() -> Outcome {
    let running = Sandbox::builder().start().await?;
    let second = Sandbox::builder().addr(running.local_addr()).start().await; // the same port
    let Err(err @ SandboxError::Bind(_)) = second else { panic!("the port is taken") };
    assert!(err.to_string().starts_with("cannot listen"));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// SandboxHandle: inspection

#[tokio::test]
async fn local_addr_has_the_actual_port() -> Outcome {
    let sandbox = Sandbox::builder().start().await?; // port 0 by default
    let addr = sandbox.local_addr();
    assert!(addr.ip().is_loopback() && addr.port() != 0);
    Ok(())
}

#[tokio::test]
async fn url_is_the_base_url_for_a_client() -> Outcome {
    let sandbox = Sandbox::builder().start().await?;
    assert_eq!(sandbox.url(), format!("http://{}", sandbox.local_addr()));
    let client = Client::builder().key(key()).base_url(sandbox.url()).build()?;
    let _ = client;
    Ok(())
}

#[tokio::test]
async fn accepted_lists_the_events_in_order_never_with_the_key() -> Outcome {
    let sandbox = Sandbox::builder().start().await?;
    client(&sandbox).send(&lead()).await?;
    let events = sandbox.accepted();
    assert_eq!((events[0].sequence, events[0].event.as_str()), (1, "lead.captured.v1"));
    assert_eq!(events[0].payload["email"], "user@example.com");
    assert!(matches!(&events[0].via, Via::Api { key } if key.starts_with("lk_test_[REDACTED"))); // never the key
    Ok(())
}

#[tokio::test]
async fn accepted_after_lists_the_newer_events() -> Outcome {
    let sandbox = Sandbox::builder().start().await?;
    let client = client(&sandbox);
    for i in 1..=3 {
        client.send_json("lead.captured.v1", &numbered_lead(i)).await?;
    }
    let newer: Vec<u64> = sandbox.accepted_after(1).iter().map(|e| e.sequence).collect();
    assert_eq!(newer, [2, 3]);
    Ok(())
}

#[tokio::test]
async fn wait_for_accepted_returns_once_an_event_arrives() -> Outcome {
    let sandbox = Sandbox::builder().start().await?;
    let (sender, lead) = (client(&sandbox), lead());
    tokio::spawn(async move { sender.send(&lead).await }); // e.g. the service under test
    let events = sandbox.wait_for_accepted(0, Duration::from_secs(5)).await;
    assert_eq!(events.len(), 1);
    assert!(sandbox.wait_for_accepted(1, Duration::from_millis(10)).await.is_empty()); // nothing newer
    Ok(())
}

#[tokio::test]
async fn accepted_count_goes_on_after_a_reset() -> Outcome {
    let sandbox = Sandbox::builder().start().await?;
    let client = client(&sandbox);
    for i in 1..=2 {
        client.send_json("lead.captured.v1", &numbered_lead(i)).await?;
    }
    sandbox.reset();
    assert!(sandbox.accepted().is_empty());
    assert_eq!(sandbox.accepted_count(), 2); // a reset does not turn it back
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// SandboxHandle: faults

#[tokio::test]
async fn set_faults_replaces_the_configuration_and_checks_it() -> Outcome {
    let sandbox = Sandbox::builder().start().await?;
    let client = client_without_retries(&sandbox);
    sandbox.set_faults(FaultConfig::seeded(1).with_error_rate(1.0))?;
    assert!(client.send(&lead()).await.is_err());
    sandbox.set_faults(FaultConfig::default())?;
    assert!(client.send(&lead()).await.is_ok());
    let err = sandbox.set_faults(FaultConfig::seeded(1).with_error_rate(0.6).with_drop_rate(0.6)).unwrap_err();
    assert!(matches!(err, SandboxError::Faults(_))); // the shares add up to more than 1
    Ok(())
}

#[tokio::test]
async fn faults_is_the_current_configuration_until_a_reset() -> Outcome {
    let sandbox = Sandbox::builder().start().await?;
    let flaky = FaultConfig::seeded(7).with_error_rate(0.2).with_latency(Duration::from_millis(5), Duration::ZERO);
    sandbox.set_faults(flaky)?;
    assert_eq!(sandbox.faults(), flaky);
    sandbox.reset(); // turns faults off
    assert!(!sandbox.faults().is_active());
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// SandboxHandle: delivery webhooks

#[tokio::test]
async fn deliver_to_registers_an_endpoint_that_gets_sent_then_delivered() -> Outcome {
    let sandbox = Sandbox::builder().start().await?;
    let endpoint = endpoint_answering_2xx().await;
    sandbox.deliver_to(&endpoint, Some(secret()))?; // an http:// endpoint that answers 2xx
    client(&sandbox).send(&lead()).await?; // a lead with an email: a message is sent, then delivered
    assert!(sandbox.wait_for_deliveries(Duration::from_secs(5)).await);
    let kinds: Vec<String> = sandbox.deliveries().into_iter().map(|d| d.event).collect();
    assert_eq!(kinds, ["message.sent.v1", "message.delivered.v1"]);
    assert!(matches!(sandbox.deliver_to("https://hooks.example.com", None), Err(SandboxError::Delivery(_))));
    Ok(())
}

#[tokio::test]
async fn stop_deliveries_removes_the_endpoint() -> Outcome {
    let sandbox = Sandbox::builder().start().await?;
    sandbox.deliver_to("http://127.0.0.1:9000/webhooks/loop", Some(secret()))?;
    sandbox.stop_deliveries();
    client(&sandbox).send(&lead()).await?;
    assert!(sandbox.deliveries().is_empty()); // accepted, not delivered
    assert_eq!(sandbox.delivery_stats().endpoint, None);
    Ok(())
}

#[tokio::test]
async fn deliveries_records_every_attempt_of_a_failed_delivery() -> Outcome {
    // An endpoint that refuses connections, tried twice 10 ms apart.
    let config = DeliveryConfig::new(secret())
        .endpoint(endpoint_refusing_connections())
        .retry_schedule([Duration::from_millis(10)]);
    let sandbox = Sandbox::builder().deliveries(config).start().await?;
    client(&sandbox).send(&lead()).await?;
    assert!(sandbox.wait_for_deliveries(Duration::from_secs(5)).await);
    let records = sandbox.deliveries(); // message.sent.v1 and message.delivered.v1
    assert_eq!(records.len(), 2);
    for record in records {
        assert_eq!((record.state, record.attempts.len()), (DeliveryState::Failed, 2));
        assert_eq!(record.source.event_id, LEAD_ID);
    }
    Ok(())
}

#[tokio::test]
async fn delivery_stats_count_what_was_delivered() -> Outcome {
    let endpoint = endpoint_answering_2xx().await;
    let sandbox = Sandbox::builder().deliveries(DeliveryConfig::new(secret()).endpoint(&endpoint)).start().await?;
    client(&sandbox).send(&lead()).await?; // a lead with an email: message.sent.v1, then message.delivered.v1
    assert!(sandbox.wait_for_deliveries(Duration::from_secs(5)).await);
    let stats = sandbox.delivery_stats();
    assert_eq!((stats.delivered, stats.attempts, stats.pending, stats.failed), (2, 2, 0, 0));
    Ok(())
}

#[tokio::test]
async fn wait_for_deliveries_tells_whether_none_is_pending() -> Outcome {
    // An endpoint that refuses connections, retried after a minute.
    let config = DeliveryConfig::new(secret())
        .endpoint(endpoint_refusing_connections())
        .retry_schedule([Duration::from_secs(60)]);
    let sandbox = Sandbox::builder().deliveries(config).start().await?;
    client(&sandbox).send(&lead()).await?;
    assert!(!sandbox.wait_for_deliveries(Duration::from_millis(200)).await); // still pending
    assert_eq!(sandbox.delivery_stats().pending, 2);
    sandbox.shutdown().await; // cancels them
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// SandboxHandle: reset and shutdown

#[tokio::test]
async fn reset_forgets_events_and_keys_but_sequence_numbers_go_on() -> Outcome {
    let sandbox = Sandbox::builder().start().await?;
    let client = client_without_cache(&sandbox);
    client.send(&lead()).await?;
    sandbox.reset(); // e.g. between tests
    assert!(sandbox.accepted().is_empty());
    let again = client.send(&lead()).await?; // the key is forgotten: processed again, not replayed
    assert!(!again.replayed);
    assert_eq!(sandbox.accepted()[0].sequence, 2); // sequence numbers go on
    Ok(())
}

#[tokio::test]
async fn after_shutdown_nothing_listens() -> Outcome {
    let sandbox = Sandbox::builder().start().await?;
    let client = client_without_retries(&sandbox);
    sandbox.shutdown().await;
    let err = client.send(&lead()).await.unwrap_err(); // nothing listens any more
    assert!(matches!(err.attempts()[0].outcome, AttemptOutcome::Network(_)));
    Ok(())
}
