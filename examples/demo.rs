//! The whole path on embedded defaults, with nothing else to start: a sandbox that behaves like
//! the platform runs in this process; a real Shopify `orders/create` webhook is verified,
//! transformed and validated; the event is sent through the idempotency-aware client; the
//! sandbox's accepted events and an idempotent replay are shown. Then the contracts themselves:
//! the platform's own example and its 422, every issue at once, a typed event, and a schema
//! read at run time.
//!
//! Run: `cargo run --example demo` (optionally with the path of another Shopify order webhook).

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

use loop_contracts::api_key::Tier;
use loop_contracts::catalog::{order_completed::CommercePlatform, OrderCompleted};
use loop_contracts::client::{Client, SendError};
use loop_contracts::delivery::{Deduplicator, Receiver, Verifier, WebhookSecret};
use loop_contracts::inbound::{Intake, Route, SignatureScheme, SigningSecret, Source, TransformContext};
use loop_contracts::sandbox::{DeliveryConfig, Sandbox, Via};
use loop_contracts::schema::EventSchema;
use loop_contracts::{catalog, validate_event, ApiKey, Event};
use serde_json::json;

type Error = Box<dyn std::error::Error>;

/// The brand this integration sends for.
const BRAND: &str = "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e";
/// A test key: the sandbox takes any well-formed `lk_test_` or `lk_dev_` key.
const KEY: &str = "lk_test_demo_4f9c2a7e1b3d5f60a8c4e2d1";
/// The secret the shop signs its webhooks with (as configured in the shop's admin).
const SHOP_SECRET: &str = "shpss_demo_5f1e0c2b9a8d7e6f";
/// The secret the platform signs its delivery webhooks with (shown when the endpoint is registered).
const DELIVERY_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn main() -> Result<(), Error> {
    let fixture = std::env::args().nth(1).map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/webhooks/shopify/orders-create.json"),
        Into::into,
    );
    let body =
        std::fs::read(&fixture).map_err(|e| format!("reading the Shopify fixture {}: {e}", fixture.display()))?;
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(whole_path(&body))?;
    contracts();
    Ok(())
}

/// Sandbox, webhook, transform, validation, client, replay.
async fn whole_path(webhook_body: &[u8]) -> Result<(), Error> {
    heading("1. A sandbox that answers like the platform, in this process");
    let endpoint = DeliveryEndpoint::start(WebhookSecret::parse(DELIVERY_SECRET)?).await?;
    let deliveries = DeliveryConfig::new(WebhookSecret::parse(DELIVERY_SECRET)?).endpoint(endpoint.url.clone());
    let sandbox = Sandbox::builder().deliveries(deliveries).start().await?;
    println!(
        "listening on {} (POST /api/events, GET /api/events/schema/<name>, GET /__sandbox/events)\n",
        sandbox.url()
    );

    heading("2. A real Shopify orders/create webhook: signature first, then transform and validate");
    let secret = SigningSecret::from_text(SHOP_SECRET);
    // What the shop sends: the raw body, its HMAC and the topic.
    let (signature_header, signature) = SignatureScheme::Shopify.sign(&secret, webhook_body, SystemTime::now());
    let headers = [
        (signature_header, signature.as_str()),
        ("X-Shopify-Topic", "orders/create"),
        ("X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"),
    ];
    let intake = Intake::new(TransformContext::for_brand(BRAND.parse()?)).with_secret(Source::Shopify, secret);
    let route = Route::BuiltIn { source: Source::Shopify, topic: None };

    let forged = [(signature_header, "jllmVUkIzASEDQl1q01YcGQ7Fkn4XnJn9rcyp6C+84M="), headers[1], headers[2]];
    let refused = intake.receive(route, &forged, webhook_body).expect_err("a forged signature is refused");
    println!("forged signature: {} {}", refused.http_status(), refused);

    let event = intake.receive(route, &headers, webhook_body)?;
    println!("{} bytes of webhook became a valid {}:", webhook_body.len(), event.event);
    println!("{}\n", serde_json::to_string_pretty(&event.payload)?);

    heading("3. Sent through the client: validated again locally, Idempotency-Key = eventId");
    let key: ApiKey = KEY.parse()?;
    let client = Client::builder().key(key.clone()).base_url(sandbox.url()).tier(Tier::STANDARD).build()?;
    println!("{client:?}");
    let accepted = client.send_json(event.event.as_str(), &event.payload).await?;
    println!("accepted after {} attempt(s): {}", accepted.attempts, accepted.body);
    if let Some(rate) = accepted.rate_limit {
        println!("rate limit: {} of {}/s left, full again at {}", rate.remaining, rate.limit, rate.reset);
    }

    let mut broken = event.payload.clone();
    broken["email"] = json!("jon@");
    broken["eventId"] = json!("9a0b2c4e-6f81-4a3b-8c5d-7e9f0a1b2c3d");
    match client.send_json(event.event.as_str(), &broken).await {
        Err(SendError::Invalid(error)) => {
            println!("an invalid order never leaves the process: {}", error.to_response_json())
        }
        other => return Err(format!("expected a local refusal, got {other:?}").into()),
    }
    println!();

    heading("4. Sending again is safe");
    let again = client.send_json(event.event.as_str(), &event.payload).await?;
    println!("same client, same event: answered from memory = {}, no request", again.cached);
    // A new client knows nothing of the first send, as after a restart: the platform's
    // idempotency answers with the first response and does not process the event again.
    let restarted = Client::builder().key(key).base_url(sandbox.url()).build()?;
    let replay = restarted.send_json(event.event.as_str(), &event.payload).await?;
    println!(
        "new client, same event: Idempotent-Replayed = {}, same response = {}",
        replay.replayed,
        replay.body == accepted.body
    );
    // The shop retries its webhook: the eventId comes from the order's identity, so it is the
    // same event again.
    let retried = intake.receive(route, &headers, webhook_body)?;
    println!("the shop's retry maps to the same eventId: {}\n", retried.event_id == event.event_id);

    heading("5. What the sandbox accepted (GET /__sandbox/events): each event once");
    for accepted in sandbox.accepted() {
        let via = match &accepted.via {
            Via::Api { key } => format!("api, key {key}"),
            Via::Webhook { route } => format!("webhook {route}"),
        };
        println!(
            "#{} {} {} at {} via {via}",
            accepted.sequence, accepted.event, accepted.event_id, accepted.received_at
        );
    }
    println!();

    heading("6. The platform calls back: signed delivery webhooks, verified, typed, deduplicated");
    // The endpoint answers its first request 503 (as while deploying): the sandbox retries on the
    // platform's schedule (1 s first), with the same webhook-id.
    if !sandbox.wait_for_deliveries(Duration::from_secs(15)).await {
        return Err("the deliveries did not finish in 15 s".into());
    }
    for line in endpoint.log.lock().map_err(|_| "log")?.iter() {
        println!("endpoint: {line}");
    }
    for record in sandbox.deliveries() {
        println!(
            "sandbox: {} {} {:?} after {} attempt(s)",
            record.webhook_id,
            record.event,
            record.state,
            record.attempts.len()
        );
    }
    println!();
    sandbox.shutdown().await;
    Ok(())
}

/// An endpoint receiving the platform's delivery webhooks: the library's `Receiver` (signature on
/// the raw body, then a typed event) and `Deduplicator` (each webhook-id processed once).
struct DeliveryEndpoint {
    url: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl DeliveryEndpoint {
    async fn start(secret: WebhookSecret) -> Result<DeliveryEndpoint, Error> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/webhooks/loop", listener.local_addr()?);
        let receiver = Arc::new(Receiver::new(Verifier::new(secret)));
        let seen = Arc::new(Deduplicator::new(10_000));
        let log = Arc::new(Mutex::new(Vec::new()));
        let requests = Arc::new(AtomicUsize::new(0));
        let shared_log = log.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (receiver, seen, log, requests) =
                    (receiver.clone(), seen.clone(), shared_log.clone(), requests.clone());
                let service = service_fn(move |request: Request<Incoming>| {
                    let (receiver, seen, log, requests) =
                        (receiver.clone(), seen.clone(), log.clone(), requests.clone());
                    async move {
                        let (parts, body) = request.into_parts();
                        let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                        let headers: Vec<(String, String)> = parts
                            .headers
                            .iter()
                            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                            .collect();
                        let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                        let status = if requests.fetch_add(1, Ordering::SeqCst) == 0 {
                            log.push("503 to the first request (deploying)".to_owned());
                            503
                        } else {
                            match receiver.receive(&headers, &body) {
                                Err(err) => {
                                    log.push(format!("refused {}: {err}", err.http_status()));
                                    err.http_status()
                                }
                                Ok(delivery) => match seen.claim(&delivery.webhook_id) {
                                    Err(duplicate) => {
                                        log.push(format!("{} {duplicate}", delivery.webhook_id));
                                        duplicate.http_status()
                                    }
                                    Ok(claim) => {
                                        log.push(format!(
                                            "verified {} {} to {}",
                                            delivery.webhook_id,
                                            delivery.event.name(),
                                            delivery.event.recipient()
                                        ));
                                        claim.done();
                                        204
                                    }
                                },
                            }
                        };
                        let mut response = Response::new(Full::new(Bytes::new()));
                        *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or_default();
                        Ok::<_, Infallible>(response)
                    }
                });
                tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
            }
        });
        Ok(DeliveryEndpoint { url, log })
    }
}

/// The contracts on their own: the catalog, the platform's example, typed events, discovery.
fn contracts() {
    heading(&format!("7. The built-in catalog ({} events)", catalog().len()));
    for schema in catalog().iter() {
        println!("  {:<24} {}", schema.name(), schema.description().unwrap_or_default());
    }
    println!();

    // The integration guide's own `validateEvent` example: its brandId is a placeholder.
    let seed_example = json!({
        "eventId": "550e8400-e29b-41d4-a716-446655440000",
        "occurredAt": "2026-05-19T12:00:00Z",
        "brandId": "brand-uuid",
        "email": "user@example.com",
        "source": "inbound_lead",
        "attribution": {},
        "personId": null,
    });
    match validate_event("lead.captured.v1", &seed_example) {
        Ok(data) => show("Accepted:", &data),
        Err(err) => show_error("The guide's example, as the platform answers it (422):", &err),
    }

    let mut fixed = seed_example.clone();
    fixed["brandId"] = json!(BRAND);
    fixed["utm"] = json!("unknown keys are stripped");
    match validate_event("lead.captured.v1", &fixed) {
        Ok(data) => show("With a real brandId, accepted; the validated payload:", &data),
        Err(err) => show_error("Rejected:", &err),
    }

    let several = json!({"eventId": "{550E8400-E29B-41D4-A716-446655440000}", "occurredAt": "2026-05-19T12:00:00+02:00",
        "email": "user@localhost", "source": "Inbound_Lead", "attribution": []});
    if let Err(err) = validate_event("lead.captured.v1", &several) {
        println!("Every issue at once, in the platform's order:");
        for issue in err.issues() {
            println!("  {issue}");
        }
        println!();
    }

    let order = OrderCompleted::from_json_slice(
        br#"{"eventId": "2b0c8f4e-5d1a-4c3b-9e7f-1a2b3c4d5e6f", "occurredAt": "2022-01-01T00:00:00Z",
            "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "platform": "shopify",
            "orderId": "820982911946154508", "email": "jon@example.com", "currency": "USD", "totalPrice": "404.95",
            "lineItems": [{"title": "IPod Nano - 8GB", "quantity": 1.0, "price": "199.00"}]}"#,
    )
    .expect("a valid order");
    assert_eq!(order.platform, Some(CommercePlatform::Shopify));
    println!(
        "Typed {}: order {} for {} with {} line item(s), total {} {}\n",
        OrderCompleted::NAME,
        order.order_id.as_deref().unwrap_or("?"),
        order.email,
        order.line_items.as_ref().map_or(0, Vec::len),
        order.total_price.as_deref().unwrap_or("?"),
        order.currency.as_deref().unwrap_or("")
    );

    // A schema this binary was not compiled with, as `GET /api/events/schema/<name>` returns it.
    let discovered = EventSchema::from_discovery_str(
        r#"{"name": "review.posted.v1", "fields": {
            "eventId": {"type": "uuid", "required": true},
            "occurredAt": {"type": "datetime", "required": true},
            "brandId": {"type": "uuid", "required": true},
            "rating": {"type": "integer", "required": true},
            "text": {"type": "string", "maxLength": 10, "required": false}}}"#,
    )
    .expect("a well-formed discovery document");
    let review = json!({"eventId": "2b0c8f4e-5d1a-4c3b-9e7f-1a2b3c4d5e6f", "occurredAt": "2026-11-27T10:00Z",
        "brandId": BRAND, "rating": 4.5, "text": "Lovely staff, slow delivery"});
    if let Err(err) = discovered.validate(&review) {
        show_error("review.posted.v1, validated against a discovery document read at run time:", &err);
    }

    let schema = catalog().get("lead.captured.v1").expect("built in");
    println!("The discovery document of lead.captured.v1:\n{}", schema.to_discovery_json());
}

fn heading(title: &str) {
    println!("== {title}\n");
}

fn show(title: &str, value: &impl serde::Serialize) {
    println!("{title}\n{}\n", serde_json::to_string_pretty(value).unwrap_or_default());
}

/// Prints an error response with its keys in the platform's order.
fn show_error(title: &str, err: &loop_contracts::ValidationError) {
    let text = serde_json::to_string_pretty(&loop_contracts::ErrorResponse::from(err)).unwrap_or_default();
    println!("{title}\n{text}\n");
}
