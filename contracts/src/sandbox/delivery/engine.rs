//! The delivery engine: the dispatcher that creates, sends, retries, cancels and records
//! deliveries in the background.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{header, Uri};
use chrono::Utc;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use uuid::Uuid;

use super::config::DeliveryConfig;
use super::planner::{plan, retry_delay};
use super::records::{DeliveryAttempt, DeliveryRecord, DeliverySource, DeliveryState, DeliveryStats};
use crate::delivery::{Envelope, Signer, WebhookId, WebhookSecret};
use crate::sandbox::events::AcceptedEvent;
use crate::sandbox::{shown, time_text};
use crate::sync::lock;

const USER_AGENT: &str = concat!("loop-contracts-sandbox/", env!("CARGO_PKG_VERSION"));
/// How much of an endpoint's answer is kept, in characters.
const RESPONSE_SHOWN: usize = 200;
/// How much of an endpoint's answer is read, in bytes.
const RESPONSE_READ: usize = 4096;
const STOPPED: &str = "the sandbox stopped before the delivery completed";
const RESET: &str = "the sandbox was reset before the delivery completed";

/// A registered endpoint.
#[derive(Debug)]
struct Endpoint {
    url: Arc<str>,
    uri: Uri,
    signer: Signer,
}

/// Checks an endpoint URL: `http://`, with a host. The error says why, with the URL cut short.
fn parse_endpoint(text: &str) -> Result<(Arc<str>, Uri), String> {
    let url = url::Url::parse(text.trim()).map_err(|e| format!("the endpoint {:?} is not a URL: {e}", shown(text)))?;
    if url.scheme() != "http" {
        return Err(format!(
            "the endpoint {:?} is not an http:// URL: the sandbox delivers over plain HTTP only",
            shown(text)
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("the endpoint {:?} has no host", shown(text)));
    }
    let uri: Uri = url.as_str().parse().map_err(|e| format!("the endpoint {:?} is not a URI: {e}", shown(text)))?;
    Ok((url.as_str().into(), uri))
}

/// The registered endpoint and the secret a run-time registration signs with.
#[derive(Debug, Default)]
struct Target {
    secret: Option<WebhookSecret>,
    endpoint: Option<Arc<Endpoint>>,
}

/// A delivery as the dispatcher keeps it.
#[derive(Debug)]
struct Record {
    id: u64,
    webhook_id: WebhookId,
    event: &'static str,
    event_id: Uuid,
    endpoint: Arc<str>,
    source: Arc<DeliverySource>,
    body: Bytes,
    state: DeliveryState,
    attempts: Vec<DeliveryAttempt>,
    next_attempt_at: Option<String>,
    error: Option<String>,
}

impl Record {
    fn to_public(&self) -> DeliveryRecord {
        DeliveryRecord {
            id: self.id,
            webhook_id: self.webhook_id.to_string(),
            event: self.event.to_owned(),
            event_id: self.event_id.to_string(),
            endpoint: self.endpoint.to_string(),
            source: DeliverySource::clone(&self.source),
            state: self.state,
            attempts: self.attempts.clone(),
            next_attempt_at: self.next_attempt_at.clone(),
            error: self.error.clone(),
            body: serde_json::from_slice(&self.body).unwrap_or(Value::Null),
        }
    }
}

type RecordRef = Arc<Mutex<Record>>;

#[derive(Debug, Default)]
struct Records {
    kept: VecDeque<RecordRef>,
    last_id: u64,
}

#[derive(Debug, Default)]
struct Counters {
    delivered: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
    cancelled: AtomicU64,
    attempts: AtomicU64,
    skipped_events: AtomicU64,
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// The state the dispatch tasks share.
#[derive(Debug)]
struct Inner {
    schedule: Vec<Duration>,
    attempt_timeout: Duration,
    capacity: usize,
    retained: usize,
    /// Whether run-time registrations may name hosts other than loopback ones.
    remote_endpoints: bool,
    client: HttpClient,
    target: RwLock<Target>,
    records: Mutex<Records>,
    /// Pending deliveries; watched by [`Dispatcher::wait_idle`].
    pending: watch::Sender<usize>,
    counters: Counters,
    in_flight: Semaphore,
    /// The server's stop signal.
    stop: watch::Receiver<bool>,
    /// Turned true (and replaced) by a reset: cancels the deliveries made before it.
    generation: Mutex<watch::Sender<bool>>,
}

/// Creates, sends, retries and records deliveries.
#[derive(Debug)]
pub(crate) struct Dispatcher {
    inner: Arc<Inner>,
    tasks: Mutex<JoinSet<()>>,
}

fn now_text() -> String {
    time_text(Utc::now())
}

impl Dispatcher {
    /// Checks the configuration; `stop` is the server's stop signal.
    pub(crate) fn new(config: DeliveryConfig, stop: watch::Receiver<bool>) -> Result<Self, String> {
        if config.queue_capacity == 0 {
            return Err("the delivery queue capacity must be at least 1".to_owned());
        }
        if config.max_in_flight == 0 {
            return Err("at least one delivery request must be allowed in flight".to_owned());
        }
        if config.attempt_timeout.is_zero() {
            return Err("the delivery attempt timeout must be above zero".to_owned());
        }
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(config.attempt_timeout));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new()).build(connector);
        let inner = Inner {
            schedule: config.schedule,
            attempt_timeout: config.attempt_timeout,
            capacity: config.queue_capacity,
            retained: config.retained.max(config.queue_capacity),
            remote_endpoints: config.remote_endpoints,
            client,
            target: RwLock::new(Target { secret: None, endpoint: None }),
            records: Mutex::default(),
            pending: watch::channel(0).0,
            counters: Counters::default(),
            in_flight: Semaphore::new(config.max_in_flight),
            stop,
            generation: Mutex::new(watch::channel(false).0),
        };
        let dispatcher = Dispatcher { inner: Arc::new(inner), tasks: Mutex::default() };
        dispatcher.register(config.endpoint.as_deref(), config.secret)?;
        Ok(dispatcher)
    }

    /// Registers (or replaces, or with `None` removes) the endpoint; `secret` replaces the secret
    /// when given. Deliveries already made keep their endpoint.
    pub(crate) fn register(&self, url: Option<&str>, secret: Option<WebhookSecret>) -> Result<(), String> {
        let parsed = url.map(parse_endpoint).transpose()?;
        let mut target = crate::sync::write(&self.inner.target);
        let secret = match secret {
            Some(secret) => Some(secret),
            None => target.secret.clone(),
        };
        let endpoint = match parsed {
            None => None,
            Some((url, uri)) => {
                let Some(secret) = secret.clone() else {
                    return Err(
                        "no delivery secret is configured: a delivery endpoint needs a secret to sign with".to_owned()
                    );
                };
                Some(Arc::new(Endpoint { url, uri, signer: Signer::new(secret) }))
            }
        };
        *target = Target { secret, endpoint };
        Ok(())
    }

    /// Registers an endpoint for a request to `POST /__sandbox/deliveries`, which anyone holding a
    /// test key can send: the endpoint is signed with the secret sent with it (the configured one
    /// signs only what the operator configured), and names a loopback host unless the operator
    /// allowed others at start.
    pub(crate) fn register_requested(&self, url: Option<&str>, secret: Option<WebhookSecret>) -> Result<(), String> {
        let Some(url) = url else { return self.register(None, secret) };
        let Some(secret) = secret else {
            return Err("a registered endpoint needs its own \"secret\": the configured secret signs only the \
                        endpoint configured at start"
                .to_owned());
        };
        if !self.inner.remote_endpoints {
            let parsed =
                url::Url::parse(url.trim()).map_err(|e| format!("the endpoint {:?} is not a URL: {e}", shown(url)))?;
            let loopback = match parsed.host() {
                Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            if !loopback {
                return Err(format!(
                    "the endpoint {:?} is not on a loopback host: the sandbox was not started with remote \
                     endpoints allowed",
                    shown(url)
                ));
            }
        }
        self.register(Some(url), Some(secret))
    }

    fn endpoint(&self) -> Option<Arc<Endpoint>> {
        crate::sync::read(&self.inner.target).endpoint.clone()
    }

    /// Creates the deliveries of a newly accepted event and starts sending them in the background.
    pub(crate) fn dispatch(&self, event: &AcceptedEvent) {
        let Some(endpoint) = self.endpoint() else { return };
        let planned = plan(event);
        if planned.is_empty() {
            self.inner.counters.skipped_events.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let count = planned.len();
        let reserved = self.inner.pending.send_if_modified(|pending| {
            let fits = *pending + count <= self.inner.capacity;
            if fits {
                *pending += count;
            }
            fits
        });
        let source = Arc::new(DeliverySource {
            sequence: event.sequence,
            event: event.event.clone(),
            event_id: event.event_id.clone(),
        });
        let (state, error) = if reserved {
            (DeliveryState::Pending, None)
        } else {
            self.inner.counters.dropped.fetch_add(count as u64, Ordering::Relaxed);
            let message = format!("dropped: {} deliveries were already pending (the capacity)", self.inner.capacity);
            (DeliveryState::Dropped, Some(message))
        };
        // Subscribed before the records exist, so a reset in between cancels them too.
        let cancel = lock(&self.inner.generation).subscribe();
        // Built (and their envelopes serialized) before the lock; under it they only get their ids.
        let built: Vec<Record> = planned
            .into_iter()
            .map(|delivery| {
                let (event, event_id) = (delivery.name(), delivery.event_id());
                Record {
                    id: 0,
                    webhook_id: WebhookId::for_event(event_id),
                    event,
                    event_id,
                    endpoint: Arc::clone(&endpoint.url),
                    source: Arc::clone(&source),
                    body: Bytes::from(Envelope::new(delivery).to_vec()),
                    state,
                    attempts: Vec::new(),
                    next_attempt_at: None,
                    error: error.clone(),
                }
            })
            .collect();
        let records: Vec<RecordRef> = {
            let mut records = lock(&self.inner.records);
            let made: Vec<RecordRef> = built
                .into_iter()
                .map(|mut record| {
                    records.last_id += 1;
                    record.id = records.last_id;
                    Arc::new(Mutex::new(record))
                })
                .collect();
            records.kept.extend(made.iter().cloned());
            let excess = records.kept.len().saturating_sub(self.inner.retained);
            records.kept.drain(..excess);
            made
        };
        if !reserved {
            return;
        }
        let inner = Arc::clone(&self.inner);
        let mut tasks = lock(&self.tasks);
        while tasks.try_join_next().is_some() {}
        tasks.spawn(inner.run(endpoint, records, cancel));
    }

    /// Cancels pending deliveries and forgets every record (counters go on).
    pub(crate) fn reset(&self) {
        {
            let mut generation = lock(&self.inner.generation);
            let _ = generation.send(true);
            *generation = watch::channel(false).0;
        }
        lock(&self.inner.records).kept.clear();
    }

    /// Waits for the dispatch tasks to end (they end at once on the stop signal), up to `grace`.
    pub(crate) async fn shutdown(&self, grace: Duration) {
        let mut tasks = std::mem::take(&mut *lock(&self.tasks));
        let drained = tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            tasks.abort_all();
        }
    }

    /// Waits until no delivery is pending, up to `timeout`: whether none is.
    pub(crate) async fn wait_idle(&self, timeout: Duration) -> bool {
        let mut pending = self.inner.pending.subscribe();
        tokio::time::timeout(timeout, pending.wait_for(|n| *n == 0)).await.is_ok_and(|r| r.is_ok())
    }

    /// The kept records with an id above `after`, at most `limit`, in order.
    pub(crate) fn records(&self, after: u64, limit: usize) -> Vec<DeliveryRecord> {
        let kept: Vec<RecordRef> = {
            let records = lock(&self.inner.records);
            let start = records.kept.partition_point(|r| lock(r).id <= after);
            records.kept.iter().skip(start).take(limit).cloned().collect()
        };
        kept.iter().map(|r| lock(r).to_public()).collect()
    }

    pub(crate) fn stats(&self) -> DeliveryStats {
        let counters = &self.inner.counters;
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        DeliveryStats {
            endpoint: self.endpoint().map(|e| e.url.to_string()),
            pending: *self.inner.pending.borrow() as u64,
            delivered: get(&counters.delivered),
            failed: get(&counters.failed),
            dropped: get(&counters.dropped),
            cancelled: get(&counters.cancelled),
            attempts: get(&counters.attempts),
            skipped_events: get(&counters.skipped_events),
            queue_capacity: self.inner.capacity as u64,
            retry_schedule_ms: self.inner.schedule.iter().map(|d| d.as_millis() as u64).collect(),
        }
    }
}

/// What one attempt observed.
#[derive(Debug)]
struct Outcome {
    status: Option<u16>,
    error: Option<String>,
    response: Option<String>,
}

impl Outcome {
    fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// An error and its causes, `: `-separated (the client's own message alone says little).
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Resolves when the server stops or a reset cancels this generation of deliveries: why.
async fn cancelled(stop: &mut watch::Receiver<bool>, generation: &mut watch::Receiver<bool>) -> &'static str {
    tokio::select! {
        _ = stop.wait_for(|stop| *stop) => STOPPED,
        _ = generation.wait_for(|reset| *reset) => RESET,
    }
}

impl Inner {
    /// Sends the deliveries of one event, in order.
    async fn run(
        self: Arc<Self>,
        endpoint: Arc<Endpoint>,
        records: Vec<RecordRef>,
        mut generation: watch::Receiver<bool>,
    ) {
        let mut stop = self.stop.clone();
        let mut records = records.into_iter();
        while let Some(record) = records.next() {
            if let Err(why) = self.deliver(&endpoint, &record, &mut stop, &mut generation).await {
                for record in std::iter::once(record).chain(records) {
                    self.finish(&record, DeliveryState::Cancelled, Some(why.to_owned()));
                }
                return;
            }
        }
    }

    /// Attempts one delivery until it succeeds or the schedule is spent; `Err` when cancelled.
    async fn deliver(
        &self,
        endpoint: &Endpoint,
        record: &RecordRef,
        stop: &mut watch::Receiver<bool>,
        generation: &mut watch::Receiver<bool>,
    ) -> Result<(), &'static str> {
        let (webhook_id, body) = {
            let record = lock(record);
            (record.webhook_id.clone(), record.body.clone())
        };
        let mut attempts = 0;
        loop {
            let permit = tokio::select! {
                biased;
                why = cancelled(stop, generation) => return Err(why),
                permit = self.in_flight.acquire() => permit,
            };
            let at = now_text();
            let started = Instant::now();
            let headers = endpoint.signer.sign_now(&webhook_id, &body);
            let outcome = tokio::select! {
                biased;
                why = cancelled(stop, generation) => return Err(why),
                outcome = self.attempt(&endpoint.uri, &headers, body.clone()) => outcome,
            };
            drop(permit);
            attempts += 1;
            self.counters.attempts.fetch_add(1, Ordering::Relaxed);
            let succeeded = outcome.succeeded();
            let delay = retry_delay(&self.schedule, attempts, succeeded);
            // Described only when this attempt is the last of a failed delivery.
            let gave_up = (delay.is_none() && !succeeded).then(|| match (&outcome.status, &outcome.error) {
                (Some(status), _) => format!("gave up after {attempts} attempts; the last: status {status}"),
                (None, Some(error)) => format!("gave up after {attempts} attempts; the last: {error}"),
                (None, None) => format!("gave up after {attempts} attempts"),
            });
            {
                let mut record = lock(record);
                record.attempts.push(DeliveryAttempt {
                    at,
                    duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                    status: outcome.status,
                    error: outcome.error,
                    response: outcome.response,
                });
                record.next_attempt_at = delay
                    .and_then(|delay| Utc::now().checked_add_signed(chrono::TimeDelta::from_std(delay).ok()?))
                    .map(time_text);
            }
            let Some(delay) = delay else {
                match gave_up {
                    None => self.finish(record, DeliveryState::Delivered, None),
                    Some(error) => self.finish(record, DeliveryState::Failed, Some(error)),
                }
                return Ok(());
            };
            tokio::select! {
                biased;
                why = cancelled(stop, generation) => return Err(why),
                () = tokio::time::sleep(delay) => {}
            }
        }
    }

    /// One POST of the signed body, within the attempt timeout.
    async fn attempt(&self, uri: &Uri, headers: &crate::delivery::WebhookHeaders, body: Bytes) -> Outcome {
        let mut request = hyper::Request::post(uri.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::USER_AGENT, USER_AGENT);
        for (name, value) in headers.iter() {
            request = request.header(name, value);
        }
        let request = match request.body(Full::new(body)) {
            Ok(request) => request,
            Err(e) => return Outcome { status: None, error: Some(describe(&e)), response: None },
        };
        let exchange = async {
            let response = self.client.request(request).await?;
            let status = response.status().as_u16();
            // The answer is read (so the connection can be reused) but only its start is kept.
            let text = Limited::new(response.into_body(), RESPONSE_READ)
                .collect()
                .await
                .ok()
                .and_then(|body| String::from_utf8(body.to_bytes().to_vec()).ok())
                .filter(|text| !text.is_empty())
                .map(|text| crate::text::clip(&text, RESPONSE_SHOWN));
            Ok::<_, hyper_util::client::legacy::Error>((status, text))
        };
        match tokio::time::timeout(self.attempt_timeout, exchange).await {
            Ok(Ok((status, response))) => Outcome { status: Some(status), error: None, response },
            Ok(Err(e)) => Outcome { status: None, error: Some(describe(&e)), response: None },
            Err(_) => Outcome {
                status: None,
                error: Some(format!("no answer within {} ms", self.attempt_timeout.as_millis())),
                response: None,
            },
        }
    }

    /// Records a final state and releases the delivery's place in the queue.
    fn finish(&self, record: &RecordRef, state: DeliveryState, error: Option<String>) {
        {
            let mut record = lock(record);
            record.state = state;
            record.next_attempt_at = None;
            record.error = error;
        }
        let counter = match state {
            DeliveryState::Delivered => &self.counters.delivered,
            DeliveryState::Failed => &self.counters.failed,
            DeliveryState::Dropped => &self.counters.dropped,
            DeliveryState::Cancelled | DeliveryState::Pending => &self.counters.cancelled,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        self.pending.send_modify(|pending| *pending = pending.saturating_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_plain_http_urls() {
        assert_eq!(&*parse_endpoint("http://127.0.0.1:9000/hooks").unwrap().0, "http://127.0.0.1:9000/hooks");
        assert_eq!(&*parse_endpoint(" http://localhost ").unwrap().0, "http://localhost/");
        for (bad, phrase) in [
            ("https://example.com/hooks", "plain HTTP only"),
            ("127.0.0.1:9000", "not a URL"),
            ("localhost:9000", "not an http:// URL"),
            ("not a url", "not a URL"),
            ("http://", "not a URL"),
        ] {
            let err = parse_endpoint(bad).unwrap_err();
            assert!(err.contains(phrase), "{bad}: {err}");
        }
    }

    #[test]
    fn the_configuration_is_checked() {
        let (_tx, stop) = watch::channel(false);
        let secret = WebhookSecret::from_bytes([7; 32]).unwrap();
        let err = Dispatcher::new(DeliveryConfig::default().endpoint("http://127.0.0.1:1/"), stop.clone()).unwrap_err();
        assert!(err.contains("needs a secret"), "{err}");
        let err = Dispatcher::new(DeliveryConfig::new(secret.clone()).queue_capacity(0), stop.clone()).unwrap_err();
        assert!(err.contains("capacity"), "{err}");
        let dispatcher = Dispatcher::new(DeliveryConfig::default(), stop).unwrap();
        let err = dispatcher.register(Some("http://127.0.0.1:1/"), None).unwrap_err();
        assert!(err.contains("no delivery secret"), "{err}");
        dispatcher.register(Some("http://127.0.0.1:1/"), Some(secret)).unwrap();
        assert_eq!(dispatcher.stats().endpoint.as_deref(), Some("http://127.0.0.1:1/"));
        dispatcher.register(None, None).unwrap();
        assert_eq!(dispatcher.stats().endpoint, None);
        dispatcher.register(Some("http://127.0.0.1:2/"), None).unwrap();
        assert_eq!(dispatcher.stats().endpoint.as_deref(), Some("http://127.0.0.1:2/"), "the secret is kept");
    }
}
