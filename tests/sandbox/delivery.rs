//! The sandbox's delivery webhooks over real HTTP on loopback: a receiver built on the library's
//! `delivery::Receiver` and `Deduplicator` gets signed `message.sent.v1` and `message.delivered.v1`
//! webhooks for accepted events, retried on the configured schedule, each processed once; failures,
//! drops, resets and shutdowns are recorded, never silent.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use loop_contracts::delivery::{Deduplicator, Delivery, DeliveryEvent, Duplicate, Receiver, Verifier, WebhookSecret};
use loop_contracts::sandbox::{
    DeliveryConfig, DeliveryRecord, DeliveryState, SandboxError, SandboxHandle, DEFAULT_RETRY_SCHEDULE,
};
use serde_json::{json, Value};
use suite::sandbox::*;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

fn secret(text: &str) -> WebhookSecret {
    WebhookSecret::parse(text).unwrap()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
struct Arrival {
    at: Instant,
    webhook_id: String,
    webhook_timestamp: u64,
    body: Vec<u8>,
    /// What the receiver answered.
    status: u16,
    verified: bool,
}

/// How the test endpoint behaves.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Verifies, deduplicates and processes; answers 500 to the first `n` attempts of each webhook
    /// id even though it processed them (an answer lost after the work was committed).
    AnswerFailing(usize),
    /// Answers 500 to everything, without looking.
    AlwaysFailing,
    /// Holds every request for this long before answering 204.
    Slow(Duration),
}

#[derive(Default)]
struct Seen {
    arrivals: Vec<Arrival>,
    processed: Vec<Delivery>,
}

/// A delivery endpoint on loopback: the library's framework-free receiver behind a bare hyper server.
struct Endpoint {
    url: String,
    seen: Arc<Mutex<Seen>>,
    task: tokio::task::JoinHandle<()>,
}

impl Endpoint {
    async fn start(secret_text: &str, behaviour: Behaviour) -> Endpoint {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/webhooks/loop", listener.local_addr().unwrap());
        let receiver = Arc::new(Receiver::new(Verifier::new(secret(secret_text))));
        let dedup = Arc::new(Deduplicator::new(10_000));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let task = tokio::spawn({
            let seen = Arc::clone(&seen);
            async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else { continue };
                    let (receiver, dedup, seen) = (Arc::clone(&receiver), Arc::clone(&dedup), Arc::clone(&seen));
                    let service = service_fn(move |request: Request<Incoming>| {
                        let (receiver, dedup, seen) = (Arc::clone(&receiver), Arc::clone(&dedup), Arc::clone(&seen));
                        async move {
                            let status = handle(request, &receiver, &dedup, &seen, behaviour).await;
                            let mut response = Response::new(Full::new(Bytes::from(status.1)));
                            *response.status_mut() = hyper::StatusCode::from_u16(status.0).unwrap();
                            Ok::<_, Infallible>(response)
                        }
                    });
                    tokio::spawn(async move {
                        let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                    });
                }
            }
        });
        Endpoint { url, seen, task }
    }

    fn arrivals(&self) -> Vec<Arrival> {
        self.seen.lock().unwrap().arrivals.clone()
    }

    fn processed(&self) -> Vec<Delivery> {
        self.seen.lock().unwrap().processed.clone()
    }

    /// The arrivals grouped by webhook id.
    fn by_id(&self) -> BTreeMap<String, Vec<Arrival>> {
        let mut grouped: BTreeMap<String, Vec<Arrival>> = BTreeMap::new();
        for arrival in self.arrivals() {
            grouped.entry(arrival.webhook_id.clone()).or_default().push(arrival);
        }
        grouped
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Answers one delivery request: `(status, body)`.
async fn handle(
    request: Request<Incoming>,
    receiver: &Receiver,
    dedup: &Deduplicator,
    seen: &Mutex<Seen>,
    behaviour: Behaviour,
) -> (u16, String) {
    let at = Instant::now();
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes().to_vec()).unwrap_or_default();
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(header("content-type"), "application/json");
    let pairs: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap_or_default().to_owned()))
        .collect();
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let mut arrival = Arrival {
        at,
        webhook_id: header("webhook-id"),
        webhook_timestamp: header("webhook-timestamp").parse().unwrap_or(0),
        body: body.clone(),
        status: 0,
        verified: false,
    };
    let previous = seen.lock().unwrap().arrivals.iter().filter(|a| a.webhook_id == arrival.webhook_id).count();
    let (status, text) = match behaviour {
        Behaviour::AlwaysFailing => (500, "down for maintenance".to_owned()),
        Behaviour::Slow(delay) => {
            tokio::time::sleep(delay).await;
            (204, String::new())
        }
        Behaviour::AnswerFailing(failing) => match receiver.receive(&pairs, &body) {
            Err(e) => (e.http_status(), e.to_response().to_string()),
            Ok(delivery) => {
                arrival.verified = true;
                let answer = match dedup.claim(&delivery.webhook_id) {
                    Err(Duplicate::Processed) => 200,
                    Err(Duplicate::InFlight) => 409,
                    Ok(claim) => {
                        seen.lock().unwrap().processed.push(delivery);
                        claim.done();
                        204
                    }
                };
                if previous < failing {
                    (500, "the answer was lost".to_owned())
                } else {
                    (answer, String::new())
                }
            }
        },
    };
    arrival.status = status;
    seen.lock().unwrap().arrivals.push(arrival);
    (status, text)
}

fn deliveries(endpoint: &Endpoint, schedule: &[u64]) -> DeliveryConfig {
    DeliveryConfig::new(secret(SECRET))
        .endpoint(endpoint.url.as_str())
        .retry_schedule(schedule.iter().copied().map(ms))
        .attempt_timeout(Duration::from_secs(5))
}

async fn accept(client: &reqwest::Client, sandbox: &SandboxHandle, i: u64) {
    let response = post_event(client, sandbox, KEY, &lead_request(i)).await;
    assert_eq!(response.status(), 200);
}

async fn settle(sandbox: &SandboxHandle) {
    assert!(sandbox.wait_for_deliveries(Duration::from_secs(20)).await, "{:#?}", sandbox.deliveries());
}

fn attempt_times(record: &DeliveryRecord) -> Vec<chrono::DateTime<chrono::Utc>> {
    record.attempts.iter().map(|a| a.at.parse().unwrap()).collect()
}

async fn get_json(client: &reqwest::Client, url: String) -> Value {
    client.get(url).bearer_auth(KEY).send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn a_receiver_that_fails_twice_sees_each_delivery_once_verified() {
    let endpoint = Endpoint::start(SECRET, Behaviour::AnswerFailing(2)).await;
    let sandbox = start(builder().deliveries(deliveries(&endpoint, &[20, 40, 80]))).await;
    let client = client();
    for i in 1..=3 {
        accept(&client, &sandbox, i).await;
    }
    settle(&sandbox).await;

    // The sandbox: two deliveries per event, each accepted on its third attempt (the receiver
    // processed the first and acknowledged the repeats as duplicates).
    let records = sandbox.deliveries();
    assert_eq!(records.len(), 6);
    for record in &records {
        assert_eq!(record.state, DeliveryState::Delivered, "{record:#?}");
        let statuses: Vec<Option<u16>> = record.attempts.iter().map(|a| a.status).collect();
        assert_eq!(statuses, [Some(500), Some(500), Some(200)], "{record:#?}");
        assert_eq!(record.webhook_id, format!("msg_{}", record.event_id.replace('-', "")));
        assert_eq!(record.endpoint, endpoint.url);
        assert_eq!(record.body["type"], record.event.as_str());
        assert!(record.next_attempt_at.is_none() && record.error.is_none());
    }
    let names: Vec<&str> = records.iter().map(|r| r.event.as_str()).collect();
    assert_eq!(names, ["message.sent.v1", "message.delivered.v1"].repeat(3), "in order per event");
    let sources: Vec<String> = records.iter().map(|r| r.source.event_id.clone()).collect();
    assert_eq!(sources, [1, 1, 2, 2, 3, 3].map(event_id));

    // The receiver: three verified attempts per webhook id, the same bytes every time, each
    // processed once.
    let by_id = endpoint.by_id();
    assert_eq!(by_id.len(), 6);
    for (id, arrivals) in &by_id {
        assert_eq!(arrivals.len(), 3, "{id}");
        assert!(arrivals.iter().all(|a| a.verified), "{id}");
        assert!(arrivals.iter().all(|a| a.body == arrivals[0].body), "{id}: the body never changes");
        let now = unix_now();
        assert!(arrivals.iter().all(|a| a.webhook_timestamp + 5 >= now && a.webhook_timestamp <= now), "{id}");
        assert_eq!(arrivals.iter().map(|a| a.status).collect::<Vec<_>>(), [500, 500, 200], "{id}");
    }
    let processed = endpoint.processed();
    assert_eq!(processed.len(), 6, "each delivery once after deduplication");
    let mut ids: Vec<&str> = processed.iter().map(|d| d.webhook_id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, by_id.keys().map(String::as_str).collect::<Vec<_>>());

    // What the events say: the lead's address, one message per event, sent before delivered (the
    // deliveries of one event go in order; those of different events interleave), valid against
    // the catalog.
    for i in 1..=3 {
        let email = format!("lead{i}@example.com");
        let pair: Vec<&Delivery> = processed.iter().filter(|d| d.event.recipient() == email).collect();
        let [first, second] = pair[..] else { panic!("{pair:?}") };
        let (DeliveryEvent::MessageSent(sent), DeliveryEvent::MessageDelivered(delivered)) =
            (&first.event, &second.event)
        else {
            panic!("{pair:?}")
        };
        assert_eq!(sent.message_id, delivered.message_id);
        assert_eq!(sent.brand_id.to_string(), BRAND);
        for delivery in pair {
            loop_contracts::validate_event(delivery.event.name(), &delivery.event.to_payload()).unwrap();
        }
    }

    // The same over HTTP, with the counters.
    let listing = get_json(&client, format!("{}/__sandbox/deliveries", sandbox.url())).await;
    let listed: Vec<DeliveryRecord> = serde_json::from_value(listing["deliveries"].clone()).unwrap();
    assert_eq!(listed, records);
    assert_eq!(listing["next"], 6);
    let page = get_json(&client, format!("{}/__sandbox/deliveries?after=4&limit=1", sandbox.url())).await;
    assert_eq!(page["deliveries"].as_array().unwrap().len(), 1);
    assert_eq!((page["deliveries"][0]["id"].clone(), page["next"].clone()), (json!(5), json!(5)));
    let status = get_json(&client, format!("{}/__sandbox", sandbox.url())).await;
    let counters = &status["deliveries"];
    assert_eq!(counters["endpoint"], endpoint.url.as_str());
    assert_eq!(
        (&counters["delivered"], &counters["pending"], &counters["failed"], &counters["attempts"]),
        (&json!(6), &json!(0), &json!(0), &json!(18))
    );
    assert_eq!(counters["retryScheduleMs"], json!([20, 40, 80]));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn attempts_follow_the_configured_schedule_then_fail_on_record() {
    let endpoint = Endpoint::start(SECRET, Behaviour::AlwaysFailing).await;
    let schedule = [100, 200, 300];
    let sandbox = start(builder().deliveries(deliveries(&endpoint, &schedule))).await;
    accept(&client(), &sandbox, 1).await;
    settle(&sandbox).await;

    let records = sandbox.deliveries();
    assert_eq!(records.len(), 2);
    for record in &records {
        assert_eq!(record.state, DeliveryState::Failed);
        assert_eq!(record.attempts.len(), 4, "the first attempt and one per delay");
        assert!(record.attempts.iter().all(|a| a.status == Some(500)));
        assert_eq!(record.attempts[0].response.as_deref(), Some("down for maintenance"));
        let error = record.error.as_deref().unwrap();
        assert!(error.contains("gave up after 4 attempts") && error.contains("status 500"), "{error}");
        let times = attempt_times(record);
        for (gap, delay) in times.windows(2).map(|w| (w[1] - w[0]).num_milliseconds()).zip(schedule) {
            assert!(gap >= delay as i64, "recorded gap {gap} ms before a {delay} ms delay");
        }
    }
    // The receiver's own clock agrees, and the delays are not much longer than asked.
    for arrivals in endpoint.by_id().values() {
        assert_eq!(arrivals.len(), 4);
        for (pair, delay) in arrivals.windows(2).zip(schedule) {
            let gap = pair[1].at - pair[0].at;
            assert!(gap >= ms(delay) && gap < ms(delay + 500), "{gap:?} for {delay} ms");
        }
    }
    // The delivered event waited for the sent one to finish.
    assert!(attempt_times(&records[1])[0] >= *attempt_times(&records[0]).last().unwrap());
    let stats = sandbox.delivery_stats();
    assert_eq!((stats.failed, stats.delivered, stats.pending, stats.attempts), (2, 0, 0, 8));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_receiver_with_another_secret_rejects_every_attempt() {
    let endpoint = Endpoint::start(OTHER_SECRET, Behaviour::AnswerFailing(0)).await;
    let sandbox = start(builder().deliveries(deliveries(&endpoint, &[10, 10]))).await;
    accept(&client(), &sandbox, 1).await;
    settle(&sandbox).await;

    assert!(endpoint.processed().is_empty());
    let arrivals = endpoint.arrivals();
    assert_eq!(arrivals.len(), 6);
    assert!(arrivals.iter().all(|a| a.status == 401 && !a.verified));
    for record in sandbox.deliveries() {
        assert_eq!(record.state, DeliveryState::Failed);
        assert!(record.attempts.iter().all(|a| a.status == Some(401)));
        let response = record.attempts[0].response.as_deref().unwrap();
        assert!(response.contains("UNAUTHORIZED") && response.contains("no `v1` signature matches"), "{response}");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_idempotent_replay_is_not_dispatched_again() {
    let endpoint = Endpoint::start(SECRET, Behaviour::AnswerFailing(0)).await;
    let sandbox = start(builder().deliveries(deliveries(&endpoint, &[10]))).await;
    let client = client();
    accept(&client, &sandbox, 1).await;
    settle(&sandbox).await;
    for _ in 0..2 {
        let response = post_event(&client, &sandbox, KEY, &lead_request(1)).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["idempotent-replayed"], "true");
    }
    settle(&sandbox).await;
    tokio::time::sleep(ms(100)).await;
    assert_eq!(sandbox.deliveries().len(), 2);
    assert_eq!(endpoint.arrivals().len(), 2);
    assert_eq!(endpoint.processed().len(), 2);

    // After a reset the same event is accepted again and delivered again, under the same ids: the
    // receiver's deduplication drops the repeats.
    let ids: Vec<String> = sandbox.deliveries().into_iter().map(|d| d.webhook_id).collect();
    sandbox.reset();
    accept(&client, &sandbox, 1).await;
    settle(&sandbox).await;
    let again: Vec<String> = sandbox.deliveries().into_iter().map(|d| d.webhook_id).collect();
    assert_eq!(again, ids);
    assert_eq!(endpoint.arrivals().len(), 4);
    assert_eq!(endpoint.processed().len(), 2);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_receiver_that_is_down_gets_every_attempt_then_a_recorded_failure() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = closed.local_addr().unwrap();
    drop(closed);
    let config = DeliveryConfig::new(secret(SECRET))
        .endpoint(format!("http://{addr}/hooks"))
        .retry_schedule([ms(20), ms(40)])
        .attempt_timeout(Duration::from_secs(2));
    let sandbox = start(builder().deliveries(config)).await;
    accept(&client(), &sandbox, 1).await;
    settle(&sandbox).await;
    let records = sandbox.deliveries();
    assert_eq!(records.len(), 2);
    for record in &records {
        assert_eq!(record.state, DeliveryState::Failed);
        assert_eq!(record.attempts.len(), 3);
        for attempt in &record.attempts {
            assert_eq!(attempt.status, None);
            let error = attempt.error.as_deref().unwrap().to_lowercase();
            assert!(error.contains("connect"), "{error}");
        }
        assert!(record.error.as_deref().unwrap().starts_with("gave up after 3 attempts"));
    }
    assert_eq!(sandbox.delivery_stats().failed, 2);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_slow_receiver_times_out_without_slowing_the_intake() {
    let endpoint = Endpoint::start(SECRET, Behaviour::Slow(Duration::from_secs(3))).await;
    let config = deliveries(&endpoint, &[10]).attempt_timeout(ms(200));
    let sandbox = start(builder().deliveries(config)).await;
    let client = client();
    let started = Instant::now();
    for i in 1..=20 {
        accept(&client, &sandbox, i).await;
    }
    assert!(started.elapsed() < Duration::from_secs(2), "the intake waited: {:?}", started.elapsed());
    settle(&sandbox).await;
    let records = sandbox.deliveries();
    assert_eq!(records.len(), 40);
    for record in &records {
        assert_eq!(record.state, DeliveryState::Failed);
        assert_eq!(record.attempts.len(), 2);
        assert_eq!(record.attempts[0].error.as_deref(), Some("no answer within 200 ms"));
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_full_queue_is_counted_and_shutdown_does_not_wait_for_retries() {
    let endpoint = Endpoint::start(SECRET, Behaviour::AlwaysFailing).await;
    let config = DeliveryConfig::new(secret(SECRET)).endpoint(endpoint.url.as_str()).queue_capacity(3);
    let sandbox = start(builder().deliveries(config)).await;
    let client = client();
    accept(&client, &sandbox, 1).await;
    accept(&client, &sandbox, 2).await;
    let stats = sandbox.delivery_stats();
    assert_eq!((stats.pending, stats.dropped, stats.queue_capacity), (2, 2, 3));
    let records = sandbox.deliveries();
    assert_eq!(records.len(), 4, "dropped deliveries are listed too");
    for record in &records[2..] {
        assert_eq!(record.state, DeliveryState::Dropped);
        assert!(record.attempts.is_empty());
        assert!(record.error.as_deref().unwrap().contains("3 deliveries"), "{record:?}");
    }
    let status = get_json(&client, format!("{}/__sandbox", sandbox.url())).await;
    assert_eq!(status["deliveries"]["dropped"], 2);

    // The first delivery is waiting a second before its first retry; the platform's schedule would
    // keep it going for 13 minutes.
    tokio::time::timeout(Duration::from_secs(5), async {
        while sandbox.deliveries()[0].next_attempt_at.is_none() {
            tokio::time::sleep(ms(5)).await;
        }
    })
    .await
    .expect("a retry is scheduled");
    let started = Instant::now();
    sandbox.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(2), "shutdown waited {:?}", started.elapsed());
}

#[tokio::test]
async fn a_reset_cancels_pending_deliveries() {
    let endpoint = Endpoint::start(SECRET, Behaviour::AlwaysFailing).await;
    let sandbox = start(builder().deliveries(deliveries(&endpoint, &[60_000]))).await;
    let client = client();
    accept(&client, &sandbox, 1).await;
    assert_eq!(sandbox.delivery_stats().pending, 2);
    let response = reset(&client, &sandbox).await;
    assert_eq!(response.status(), 200);
    settle(&sandbox).await;
    assert!(sandbox.deliveries().is_empty());
    let stats = sandbox.delivery_stats();
    assert_eq!((stats.pending, stats.cancelled, stats.endpoint.as_deref()), (0, 2, Some(endpoint.url.as_str())));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_endpoint_registered_at_run_time_gets_later_events() {
    let endpoint = Endpoint::start(SECRET, Behaviour::AnswerFailing(0)).await;
    let sandbox = start(builder()).await;
    let client = client();
    let register = |body: Value| {
        client.post(format!("{}/__sandbox/deliveries", sandbox.url())).bearer_auth(KEY).json(&body).send()
    };

    accept(&client, &sandbox, 1).await;
    assert!(sandbox.deliveries().is_empty(), "no endpoint, no delivery");

    let (status, _, body) = parts(register(json!({"url": endpoint.url})).await.unwrap()).await;
    assert_eq!(status, 400);
    assert!(body["error"]["message"].as_str().unwrap().contains("needs its own \"secret\""), "{body}");
    let (status, _, body) =
        parts(register(json!({"url": "https://example.com/", "secret": SECRET})).await.unwrap()).await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("MALFORMED_REQUEST")));
    let (status, _, body) = parts(register(json!({"url": endpoint.url, "secret": "whsec_short"})).await.unwrap()).await;
    assert_eq!(status, 400, "{body}");
    assert!(!body.to_string().contains("whsec_short"), "{body}");
    let response = register(json!({"url": endpoint.url, "secret": SECRET})).await.unwrap();
    let (status, _, body) = parts(response).await;
    assert_eq!((status, body), (200, json!({"ok": true, "endpoint": endpoint.url})));

    accept(&client, &sandbox, 2).await;
    settle(&sandbox).await;
    let processed = endpoint.processed();
    assert_eq!(processed.len(), 2);
    assert_eq!(processed[0].event.recipient(), "lead2@example.com");

    // Removing the endpoint stops deliveries of later events; the handle can register it again
    // with the secret it already has.
    let (status, _, body) = parts(register(json!({"url": null})).await.unwrap()).await;
    assert_eq!((status, body), (200, json!({"ok": true, "endpoint": null})));
    accept(&client, &sandbox, 3).await;
    assert_eq!(sandbox.deliveries().len(), 2);
    let err = sandbox.deliver_to("ftp://127.0.0.1/", None).unwrap_err();
    assert!(matches!(err, SandboxError::Delivery(ref m) if m.contains("http://")), "{err}");
    sandbox.deliver_to(&endpoint.url, None).unwrap();
    accept(&client, &sandbox, 4).await;
    settle(&sandbox).await;
    assert_eq!(endpoint.processed().len(), 4);
    sandbox.stop_deliveries();
    assert_eq!(sandbox.delivery_stats().endpoint, None);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn events_without_an_address_are_skipped_and_delivery_events_are_relayed() {
    let endpoint = Endpoint::start(SECRET, Behaviour::AnswerFailing(0)).await;
    let sandbox = start(builder().deliveries(deliveries(&endpoint, &[10]))).await;
    let client = client();
    let bounce = json!({
        "eventId": event_id(9), "occurredAt": "2026-05-19T12:00:00Z", "brandId": BRAND,
        "messageId": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d", "channel": "email",
        "recipient": "lead1@example.com", "bounceType": "hard", "reason": "mailbox does not exist",
    });
    let response = post_event(&client, &sandbox, KEY, &json!({"event": "message.bounced.v1", "payload": bounce})).await;
    assert_eq!(response.status(), 200);
    let customer = json!({"eventId": event_id(10), "occurredAt": "2026-05-19T12:00:00Z", "brandId": BRAND,
        "platform": "shopify", "customerId": "42"});
    let response =
        post_event(&client, &sandbox, KEY, &json!({"event": "customer.created.v1", "payload": customer})).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    settle(&sandbox).await;

    let processed = endpoint.processed();
    assert_eq!(processed.len(), 1);
    let DeliveryEvent::MessageBounced(relayed) = &processed[0].event else { panic!("{processed:?}") };
    assert_eq!(relayed.reason.as_deref(), Some("mailbox does not exist"));
    assert_eq!(processed[0].webhook_id.as_str(), format!("msg_{}", event_id(9).replace('-', "")));
    assert_eq!(sandbox.delivery_stats().skipped_events, 1);
    sandbox.shutdown().await;
}

#[test]
fn the_default_schedule_is_the_seeds() {
    let seed: Vec<Duration> = [1, 5, 30, 2 * 60, 10 * 60].map(Duration::from_secs).to_vec();
    assert_eq!(DEFAULT_RETRY_SCHEDULE.to_vec(), seed);
    assert_eq!(DeliveryConfig::default().schedule(), seed.as_slice());
    assert_eq!(DeliveryConfig::new(secret(SECRET)).schedule(), seed.as_slice());
}

#[tokio::test]
async fn bad_delivery_configurations_do_not_start() {
    for (config, phrase) in [
        (DeliveryConfig::default().endpoint("http://127.0.0.1:9/"), "needs a secret"),
        (DeliveryConfig::new(secret(SECRET)).endpoint("https://example.com/"), "plain HTTP only"),
        (DeliveryConfig::new(secret(SECRET)).queue_capacity(0), "capacity"),
    ] {
        let err = builder().deliveries(config).start().await.unwrap_err();
        assert!(matches!(err, SandboxError::Delivery(ref m) if m.contains(phrase)), "{err}");
    }
}

// ---------------------------------------------------------------------------------------------
// The command line

fn run(args: &[&str]) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = loop_contracts_cli::run(args.iter().copied(), &mut std::io::empty(), &mut out, &mut err);
    (code, String::from_utf8_lossy(&out).into_owned(), String::from_utf8_lossy(&err).into_owned())
}

#[test]
fn delivery_options_are_checked_without_echoing_the_secret() {
    let (code, _, err) = run(&["loop-contracts", "sandbox", "--deliver-to", "http://127.0.0.1:9/"]);
    assert_eq!(code, 2);
    assert!(err.contains("--delivery-secret"), "{err}");
    let secret = "whsec_do_not_print_me";
    let (code, out, err) = run(&["loop-contracts", "sandbox", "--delivery-secret", secret]);
    assert_eq!(code, 2);
    assert!(!out.contains("do_not_print") && !err.contains("do_not_print"), "{err}");
    let args = ["loop-contracts", "sandbox", "--addr", "127.0.0.1:0", "--delivery-secret", SECRET, "--deliver-to"];
    let (code, out, err) = run(&[&args[..], &["https://example.com/hooks"]].concat());
    assert_eq!(code, 2);
    assert!(err.contains("plain HTTP only") && !out.contains(SECRET) && !err.contains(SECRET), "{err}");
}

#[cfg(unix)]
#[tokio::test]
// The lock is held on purpose across the whole test, awaits included (see below).
#[allow(clippy::await_holding_lock)]
async fn the_command_line_sandbox_delivers_to_its_endpoint() {
    // The SIGINT below goes to the whole test process: every in-process sandbox listening for it
    // would stop. Tests that signal the process, or change its environment, hold this lock, so
    // they run one at a time; the runtime of this test runs nothing else that takes it.
    let _process = suite::process::exclusive();
    let endpoint = Endpoint::start(SECRET, Behaviour::AnswerFailing(0)).await;
    let out = Arc::new(Mutex::new(Vec::<u8>::new()));
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let server = std::thread::spawn({
        let (out, url) = (Arc::clone(&out), endpoint.url.clone());
        move || {
            let mut err = Vec::new();
            let args = [
                "loop-contracts",
                "sandbox",
                "--addr",
                "127.0.0.1:0",
                "--deliver-to",
                &url,
                "--delivery-secret",
                SECRET,
            ];
            let code = loop_contracts_cli::run(args, &mut std::io::empty(), &mut Shared(out), &mut err);
            (code, String::from_utf8_lossy(&err).into_owned())
        }
    });
    let text = || String::from_utf8_lossy(&out.lock().unwrap()).into_owned();
    let started = Instant::now();
    let url = loop {
        let text = text();
        if text.contains("delivery webhooks to") {
            let first = text.lines().next().unwrap();
            break first.strip_prefix("loop-contracts sandbox listening on ").unwrap().to_owned();
        }
        assert!(started.elapsed() < Duration::from_secs(20), "not started: {text}");
        tokio::time::sleep(ms(20)).await;
    };
    assert!(text().contains(&format!("delivery webhooks to {}", endpoint.url)), "{}", text());
    assert!(!text().contains(SECRET));

    let client = client();
    let response =
        client.post(format!("{url}/api/events")).bearer_auth(KEY).json(&lead_request(1)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let started = Instant::now();
    while endpoint.processed().len() < 2 {
        assert!(started.elapsed() < Duration::from_secs(20), "{:?}", endpoint.arrivals());
        tokio::time::sleep(ms(20)).await;
    }
    let listing = get_json(&client, format!("{url}/__sandbox/deliveries")).await;
    let states: HashMap<String, String> = listing["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["event"].as_str().unwrap().to_owned(), d["state"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(states["message.sent.v1"], "delivered");

    let killed = std::process::Command::new("kill").args(["-INT", &std::process::id().to_string()]).status().unwrap();
    assert!(killed.success());
    let (code, err) = tokio::task::spawn_blocking(move || server.join().unwrap()).await.unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(text().ends_with("loop-contracts sandbox stopped\n"), "{}", text());
}

#[tokio::test]
async fn a_registration_over_http_never_borrows_the_configured_secret_nor_leaves_loopback() {
    let endpoint = Endpoint::start(SECRET, Behaviour::AnswerFailing(0)).await;
    let configured = WebhookSecret::parse(SECRET).unwrap();
    let sandbox = start(builder().deliveries(DeliveryConfig::new(configured.clone()))).await;
    let client = client();
    let register = |body: Value| {
        client.post(format!("{}/__sandbox/deliveries", sandbox.url())).bearer_auth(KEY).json(&body).send()
    };
    // Anyone with a test key could otherwise point the operator's signed deliveries anywhere.
    let (status, _, body) = parts(register(json!({"url": endpoint.url})).await.unwrap()).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("configured secret signs only"), "{body}");
    let remote = json!({"url": "http://hooks.example.com/loop", "secret": SECRET});
    let (status, _, body) = parts(register(remote.clone()).await.unwrap()).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("not on a loopback host"), "{body}");
    assert_eq!(sandbox.delivery_stats().endpoint, None);
    // The operator's own code may still use the configured secret, anywhere.
    sandbox.deliver_to(&endpoint.url, None).unwrap();
    sandbox.shutdown().await;

    // Allowed at start, other hosts may be registered (still with their own secret).
    let allowed = DeliveryConfig::new(configured).allow_remote_endpoints(true);
    let sandbox = start(builder().deliveries(allowed)).await;
    let response =
        client.post(format!("{}/__sandbox/deliveries", sandbox.url())).bearer_auth(KEY).json(&remote).send().await;
    let (status, _, body) = parts(response.unwrap()).await;
    assert_eq!((status, body), (200, json!({"ok": true, "endpoint": "http://hooks.example.com/loop"})));
    sandbox.shutdown().await;
}
