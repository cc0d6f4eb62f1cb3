//! Helpers shared by the tests that talk to a sandbox over HTTP (`tests/sandbox/`, `tests/client/`,
//! `tests/cli/`).

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use loop_contracts::api_key::{ApiKey, Tier};
use loop_contracts::sandbox::{Sandbox, SandboxBuilder, SandboxHandle};
use serde_json::{json, Value};
use tracing_subscriber::fmt::MakeWriter;

/// The suite's key (lk_test_, 28 characters after the prefix).
pub const KEY: &str = "lk_test_sandbox_suite_key_0000000001";
/// Another integration's key.
pub const OTHER_KEY: &str = "lk_dev_sandbox_suite_key_00000000002";
/// The brand of the test events.
pub const BRAND: &str = "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e";

/// A tier large enough that tests which are not about rate limits never meet one.
pub const UNLIMITED: Tier = match Tier::new(1_000_000, 1_000_000) {
    Some(tier) => tier,
    None => panic!("non-zero"),
};

/// Parses a key of the tests (panics when it is not one).
pub fn key(text: &str) -> ApiKey {
    text.parse().unwrap()
}

/// A builder whose keys never hit the rate limit.
pub fn builder() -> SandboxBuilder {
    Sandbox::builder().default_tier(UNLIMITED).anonymous_tier(UNLIMITED)
}

/// Starts a sandbox (panics when it cannot).
pub async fn start(builder: SandboxBuilder) -> SandboxHandle {
    builder.start().await.expect("the sandbox starts")
}

/// A client that talks straight to loopback (no proxy from the environment).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(30)).build().unwrap()
}

/// The eventId of the i-th test event: a valid v4-shaped UUID.
pub fn event_id(i: u64) -> String {
    format!("550e8400-e29b-41d4-a716-{i:012x}")
}

/// A valid `lead.captured.v1` payload.
pub fn lead(i: u64) -> Value {
    json!({
        "eventId": event_id(i),
        "occurredAt": "2026-05-19T12:00:00Z",
        "brandId": BRAND,
        "email": format!("lead{i}@example.com"),
        "source": "inbound_lead",
        "attribution": {"utm_source": "newsletter"},
        "personId": null,
    })
}

/// `{"event": "lead.captured.v1", "payload": lead(i)}`.
pub fn lead_request(i: u64) -> Value {
    json!({"event": "lead.captured.v1", "payload": lead(i)})
}

/// POSTs a body to `/api/events` with a bearer key.
pub async fn post_event(
    client: &reqwest::Client,
    sandbox: &SandboxHandle,
    key: &str,
    body: &Value,
) -> reqwest::Response {
    client.post(format!("{}/api/events", sandbox.url())).bearer_auth(key).json(body).send().await.expect("a response")
}

/// `POST /__sandbox/reset` as the operator sends it: with the key and a JSON content type.
pub async fn reset(client: &reqwest::Client, sandbox: &SandboxHandle) -> reqwest::Response {
    let request = client.post(format!("{}/__sandbox/reset", sandbox.url())).bearer_auth(KEY);
    request.header("content-type", "application/json").send().await.expect("a response")
}

/// The `X-RateLimit-*` headers as numbers (panics when one is missing).
pub fn rate_headers(response: &reqwest::Response) -> (u64, u64, u64) {
    let get = |name: &str| -> u64 {
        response
            .headers()
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing on a {}", response.status()))
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    (get("x-ratelimit-limit"), get("x-ratelimit-remaining"), get("x-ratelimit-reset"))
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// Status, headers and JSON body of a response.
pub async fn parts(response: reqwest::Response) -> (u16, reqwest::header::HeaderMap, Value) {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json::<Value>().await.expect("a JSON body");
    (status, headers, body)
}

/// A writer a test can read while something writes to it (a command's output, a log).
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// What was written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Captures this thread's tracing output (debug level, no colours) while the returned guards live.
///
/// The other tests of a binary are threads of the same process, going through the same callsites
/// with no subscriber. While a single dispatcher exists, tracing-core decides a callsite's
/// interest, once, from the default of whichever thread meets it first: a callsite another test
/// meets first would be cached as of interest to nobody, and its lines lost here. A second live
/// dispatcher makes it ask every registered one and then check each event against its own
/// thread's default, so the subscriber sees all of this thread's lines, and only them. It is this
/// thread's default, not a global subscriber: a current-thread runtime keeps the test's work on
/// this thread.
pub fn capture_traces() -> (Captured, TraceGuards) {
    use tracing_subscriber::util::SubscriberInitExt;

    let captured = Captured::default();
    let second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    let default = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish()
        .set_default();
    (captured, TraceGuards { _second: second, _default: default })
}

/// Keeps [`capture_traces`]'s subscriber installed.
pub struct TraceGuards {
    _second: tracing::Dispatch,
    _default: tracing::subscriber::DefaultGuard,
}

/// The tracing tests log into a `Captured`.
impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
