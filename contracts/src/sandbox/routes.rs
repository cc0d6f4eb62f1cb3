//! The routes: the platform API, the webhook routes and the sandbox's own `/__sandbox/` routes.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Router};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::watch;

use super::dispatch::{self, Dispatcher};
use super::events::{AcceptedEvent, EventLog, Via};
use super::faults::{Fault, FaultConfig, FaultInjector};
use super::idempotency::{payload_hash, Claim, IdempotencyStore, Scope};
use super::limiter::{Caller, Limiter, RateStatus};
use super::server::{DropConnection, Peer};
use crate::api_key::{ApiKey, KeyScope};
use crate::catalog::Catalog;
use crate::inbound::{Intake, Route, Source};
use crate::issue::{ErrorCode, ValidationError};

/// Which API keys are accepted.
#[derive(Debug)]
pub(crate) enum KeyPolicy {
    AnyWellFormed,
    Only(HashSet<ApiKey>),
}

/// The state every handler shares.
pub(crate) struct Shared {
    pub(crate) catalog: Catalog,
    /// Each event's discovery document and JSON Schema, rendered once.
    pub(crate) discovery: HashMap<String, (String, String)>,
    pub(crate) listing: String,
    pub(crate) keys: KeyPolicy,
    pub(crate) limiter: Limiter,
    pub(crate) idempotency: IdempotencyStore,
    pub(crate) events: EventLog,
    pub(crate) faults: FaultInjector,
    pub(crate) intake: Intake,
    pub(crate) webhook_paths: HashSet<String>,
    pub(crate) body_limit: usize,
    /// How long a request body may take to arrive.
    pub(crate) body_timeout: Duration,
    /// The address the sandbox listens on, for the `Host` check.
    pub(crate) listen: std::net::SocketAddr,
    pub(crate) stop: watch::Receiver<bool>,
    pub(crate) deliveries: Dispatcher,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("events", &self.catalog.len())
            .field("keys", &self.keys)
            .field("limiter", &self.limiter)
            .field("webhook_paths", &self.webhook_paths)
            .field("body_limit", &self.body_limit)
            .finish_non_exhaustive()
    }
}

impl Shared {
    pub(crate) fn reset(&self) {
        self.events.clear();
        self.idempotency.clear();
        self.faults.set(FaultConfig::default());
        self.deliveries.reset();
    }
}

/// What the platform layer learned about a request, for the handlers.
#[derive(Debug, Clone)]
struct Authenticated {
    key: Option<ApiKey>,
    /// Simulated processing time (see [`FaultConfig::processing`]).
    processing: Duration,
}

const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static(crate::platform::headers::IDEMPOTENCY_KEY);
const REPLAYED: HeaderName = HeaderName::from_static(crate::platform::headers::IDEMPOTENT_REPLAYED);
const FAULT: HeaderName = HeaderName::from_static("x-sandbox-fault");
/// The longest Idempotency-Key accepted.
const MAX_IDEMPOTENCY_KEY: usize = 255;
/// The longest long poll of `GET /__sandbox/events`.
const MAX_WAIT: Duration = Duration::from_secs(30);

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let platform = Router::new()
        .route("/api/events", post(post_event))
        .route("/api/events/schema", get(list_schemas))
        .route("/api/events/schema/{name}", get(get_schema))
        .fallback(webhook_or_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), platform_layer));
    let admin = Router::new()
        .route("/__sandbox", get(status))
        .route("/__sandbox/events", get(list_events))
        .route("/__sandbox/faults", get(get_faults).post(set_faults))
        .route("/__sandbox/reset", post(reset))
        .route("/__sandbox/deliveries", get(dispatch::list).post(dispatch::register))
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), operator_layer));
    platform.merge(admin).layer(middleware::from_fn_with_state(Arc::clone(&shared), host_layer)).with_state(shared)
}

// ---------------------------------------------------------------------------------------------
// What a web page must not reach: the Host check on every route, a key and JSON on operator routes.

/// Refuses a request whose `Host` is not the sandbox's: a page that rebinds its own name to this
/// address (DNS rebinding) still sends that name. Accepted: `localhost`, a loopback address, the
/// listening address, or any address when listening on all of them (`0.0.0.0`, `::`); the port is
/// not checked, since a port may be forwarded.
async fn host_layer(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let host = request.headers().get(header::HOST).and_then(|v| v.to_str().ok()).or(request.uri().host());
    if host.is_some_and(|host| host_is_ours(host, shared.listen)) {
        return next.run(request).await;
    }
    let message = match host {
        None => "the request has no Host header".to_owned(),
        Some(host) => format!(
            "the Host {:?} does not name this sandbox: use localhost, a loopback address or {}",
            shown(host),
            shared.listen
        ),
    };
    drained(&shared, request, error(StatusCode::MISDIRECTED_REQUEST, "MISDIRECTED_REQUEST", &message)).await
}

/// Whether a `Host` value (`name`, `name:port`, `[v6]:port`) names this sandbox.
fn host_is_ours(host: &str, listen: std::net::SocketAddr) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host
            .rsplit_once(':')
            .map_or(host, |(name, port)| if port.bytes().all(|b| b.is_ascii_digit()) { name } else { host }),
    };
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match name.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback() || ip == listen.ip() || listen.ip().is_unspecified(),
        Err(_) => false,
    }
}

/// The operator routes (`/__sandbox/*`): a key the sandbox accepts, as on `POST /api/events`
/// (a page cannot send `Authorization` to another origin without a preflight this server never
/// answers), and JSON on every POST (a form or `text/plain` body is what a page can send freely).
async fn operator_layer(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    if let Err(refusal) = authenticate(&shared, request.headers(), true) {
        return drained(&shared, request, unauthorized(&refusal)).await;
    }
    if request.method() == Method::POST && !is_json(request.headers()) {
        let message = "operator routes take POST bodies as JSON: send `Content-Type: application/json`";
        let response = error(StatusCode::UNSUPPORTED_MEDIA_TYPE, ErrorCode::MalformedRequest.as_str(), message);
        return drained(&shared, request, response).await;
    }
    next.run(request).await
}

/// Whether the `Content-Type` is JSON (`application/json`, parameters allowed).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

// ---------------------------------------------------------------------------------------------
// Responses

pub(super) fn json(status: StatusCode, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

#[derive(Serialize)]
struct ErrorOut<'a> {
    ok: bool,
    error: ErrorOutBody<'a>,
}

#[derive(Serialize)]
struct ErrorOutBody<'a> {
    code: &'a str,
    message: &'a str,
    issues: [(); 0],
}

/// The platform's error body with any code (the sandbox's own codes included).
fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = ErrorOut { ok: false, error: ErrorOutBody { code, message, issues: [] } };
    json(status, serde_json::to_vec(&body).unwrap_or_default())
}

pub(super) fn coded(code: ErrorCode, message: &str) -> Response {
    let status = StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    error(status, code.as_str(), message)
}

fn rejected(e: &ValidationError) -> Response {
    let status = StatusCode::from_u16(e.code().http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
    json(status, e.to_response_json())
}

fn unauthorized(message: &str) -> Response {
    let mut response = coded(ErrorCode::Unauthorized, message);
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"loop-sandbox\""));
    response
}

fn rate_limited(status: &RateStatus) -> Response {
    let retry = status.retry_after.unwrap_or(1);
    let message = format!("rate limit exceeded ({}): retry after {retry} s", status.tier);
    coded(ErrorCode::RateLimited, &message)
}

/// Reads and drops the body of a request refused before its handler ran, up to the body limit,
/// then gives the response. An unread body makes the server close the connection after
/// answering, without `Connection: close`: a client that sent the next request on it (most
/// keep-alive clients) would see it fail.
async fn drained(shared: &Shared, request: Request, response: Response) -> Response {
    drain(shared, request.into_body()).await;
    response
}

/// Reads and drops a body nobody will look at, up to the body limit and the body timeout (see
/// [`drained`]); a body that is still arriving then is left, and hyper closes the connection.
async fn drain(shared: &Shared, body: Body) {
    let _ = tokio::time::timeout(shared.body_timeout, Limited::new(body, shared.body_limit).collect()).await;
}

fn with_fault(mut response: Response, name: &'static str) -> Response {
    response.headers_mut().insert(FAULT, HeaderValue::from_static(name));
    response
}

fn replay(body: Bytes) -> Response {
    let mut response = json(StatusCode::OK, body);
    response.headers_mut().insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

pub(super) fn shown(text: &str) -> String {
    crate::text::clip(text, crate::text::TOKEN_CHARS)
}

// ---------------------------------------------------------------------------------------------
// The platform layer: authentication, rate limit, faults, latency, rate-limit headers.

async fn platform_layer(State(shared): State<Arc<Shared>>, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<Peer>().map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |p| p.0.ip());
    let path = request.uri().path();
    let api = path.starts_with("/api/") || path == "/api";
    let key_required = api && request.method() == Method::POST;
    let auth = if api { authenticate(&shared, request.headers(), key_required) } else { Ok(None) };
    let (caller, auth) = match auth {
        Ok(Some(key)) => (Caller::Key(key), Ok(())),
        Ok(None) => (Caller::Address(peer), Ok(())),
        Err(refusal) => (Caller::Address(peer), Err(unauthorized(&refusal))),
    };
    let rate = shared.limiter.check(&caller);
    let (mut response, rate) = match auth {
        _ if !rate.allowed() => (drained(&shared, request, rate_limited(&rate)).await, rate),
        Err(refusal) => (drained(&shared, request, refusal).await, rate),
        Ok(_) => {
            let key = match caller {
                Caller::Key(key) => Some(key),
                Caller::Address(_) => None,
            };
            let decision = shared.faults.next();
            request.extensions_mut().insert(Authenticated { key, processing: decision.processing });
            let outcome = match decision.fault {
                Fault::None => (next.run(request).await, rate),
                Fault::InternalError => {
                    let message = "internal error (injected by the sandbox; retrying is safe)";
                    let response = with_fault(coded(ErrorCode::InternalError, message), "internal-error");
                    (drained(&shared, request, response).await, rate)
                }
                Fault::RateLimited => {
                    let refusal = RateStatus::injected_refusal(rate.tier);
                    let response = with_fault(rate_limited(&refusal), "rate-limited");
                    (drained(&shared, request, response).await, refusal)
                }
                Fault::DropConnection => {
                    if decision.drop_after_processing {
                        let _ = next.run(request).await;
                    }
                    if !decision.latency.is_zero() {
                        tokio::time::sleep(decision.latency).await;
                    }
                    let mut dropped = Response::new(Body::empty());
                    dropped.extensions_mut().insert(DropConnection);
                    return dropped;
                }
            };
            if !decision.latency.is_zero() {
                tokio::time::sleep(decision.latency).await;
            }
            outcome
        }
    };
    rate.write(response.headers_mut());
    response
}

const MISSING_KEY: &str = "missing API key: send `Authorization: Bearer <key>` with an lk_test_ or lk_dev_ key";

/// The request's API key: `Ok(None)` when there is none and none is required; otherwise why it
/// is refused (a message that never contains the key).
fn authenticate(shared: &Shared, headers: &HeaderMap, required: bool) -> Result<Option<ApiKey>, Cow<'static, str>> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return if required { Err(MISSING_KEY.into()) } else { Ok(None) };
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or("the Authorization header must be `Bearer <key>`")?;
    let key = ApiKey::parse(token).map_err(|e| format!("malformed API key: {e}"))?;
    if key.scope() == KeyScope::Live {
        return Err("live API keys (lk_live_) are not accepted by the sandbox, which never delivers messages: \
                    use an lk_test_ or lk_dev_ key"
            .into());
    }
    if let KeyPolicy::Only(keys) = &shared.keys
        && !keys.contains(&key)
    {
        return Err(format!("unknown API key {key}").into());
    }
    Ok(Some(key))
}

/// Reads the body, up to the limit (`413` beyond it) and within the body timeout (`408` after it:
/// a body trickled a byte at a time would otherwise hold its connection as long as the client likes).
pub(super) async fn read_body(shared: &Shared, headers: &HeaderMap, body: Body) -> Result<Bytes, Response> {
    let limit = shared.body_limit;
    let too_large = || {
        let message = format!("the request body is larger than the limit of {limit} bytes");
        error(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::MalformedRequest.as_str(), &message)
    };
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let Ok(read) = tokio::time::timeout(shared.body_timeout, Limited::new(body, limit).collect()).await else {
        let message = format!("the request body did not arrive within {} ms", shared.body_timeout.as_millis());
        let mut response = error(StatusCode::REQUEST_TIMEOUT, ErrorCode::MalformedRequest.as_str(), &message);
        // The rest of the body may still come: this connection cannot serve another request.
        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        return Err(response);
    };
    match read {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<LengthLimitError>() => Err(too_large()),
        Err(_) => Err(coded(ErrorCode::MalformedRequest, "the request body could not be read")),
    }
}

// ---------------------------------------------------------------------------------------------
// POST /api/events

#[derive(Deserialize)]
struct EventRequest {
    event: String,
    payload: Value,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AcceptedOut<'a> {
    ok: bool,
    event: &'a str,
    event_id: &'a str,
    sequence: u64,
    received_at: &'a str,
}

/// Records an accepted event and renders the response body.
/// Records an accepted event; `size` is the length of the request body that carried it, what the
/// event log counts against its byte budget.
fn accept(shared: &Shared, event: String, event_id: String, payload: Value, via: Via, size: usize) -> Bytes {
    let received_at = dispatch::time_text(chrono::Utc::now());
    let accepted = shared.events.push(AcceptedEvent { sequence: 0, event, event_id, received_at, via, payload }, size);
    shared.deliveries.dispatch(&accepted);
    let body = AcceptedOut {
        ok: true,
        event: &accepted.event,
        event_id: &accepted.event_id,
        sequence: accepted.sequence,
        received_at: &accepted.received_at,
    };
    Bytes::from(serde_json::to_vec(&body).unwrap_or_default())
}

/// The Idempotency-Key header: `Ok(None)` when absent, `Err(())` when malformed.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<&str>, ()> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else { return Ok(None) };
    match value.to_str().map(str::trim) {
        // Visible ASCII only, as the refusal says: a space or tab inside a key is a mistake.
        Ok(key) if !key.is_empty() && key.len() <= MAX_IDEMPOTENCY_KEY && key.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(key))
        }
        _ => Err(()),
    }
}

async fn post_event(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    let Some(Authenticated { key: Some(key), processing }) = parts.extensions.remove::<Authenticated>() else {
        return unauthorized(MISSING_KEY);
    };
    let headers = &parts.headers;
    let bytes = match read_body(&shared, headers, body).await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    let request: EventRequest = match crate::strict::from_slice(&bytes) {
        Ok(request) => request,
        Err(e) if e.is_data() => {
            let message = format!("the body must be {{\"event\": \"<name>\", \"payload\": {{...}}}}: {e}");
            return coded(ErrorCode::MalformedRequest, &message);
        }
        Err(e) => return coded(ErrorCode::MalformedRequest, &format!("malformed JSON: {e}")),
    };
    let Ok(header_key) = idempotency_key(headers) else {
        let message = "the Idempotency-Key header must be 1 to 255 visible ASCII characters";
        return coded(ErrorCode::MalformedRequest, message);
    };
    let Some(schema) = shared.catalog.get(&request.event) else {
        return rejected(&ValidationError::unknown_event(&request.event));
    };
    let payload = match schema.validate_owned(request.payload) {
        Ok(payload) => payload,
        Err(e) => return rejected(&e),
    };
    let event_id = payload.get("eventId").and_then(Value::as_str).unwrap_or_default().to_owned();
    let idempotency = header_key.or((!event_id.is_empty()).then_some(event_id.as_str()));
    // Messages name the key as the request gave it: the header, or the eventId standing in.
    let named = if header_key.is_some() { "the Idempotency-Key" } else { "the eventId (no Idempotency-Key was sent)" };
    let guard = match idempotency {
        None => None,
        Some(idempotency) => {
            let hash = payload_hash(&request.event, &payload);
            match shared.idempotency.begin(Scope::Key(&key), idempotency, hash).await {
                Claim::Fresh(guard) => Some(guard),
                Claim::Replay { body, same_payload: true } => return replay(body),
                Claim::Replay { same_payload: false, .. } | Claim::ConflictInProgress => {
                    let message = format!("{named} {:?} was already used with a different payload", shown(idempotency));
                    return error(StatusCode::CONFLICT, "IDEMPOTENCY_CONFLICT", &message);
                }
                Claim::StillInProgress => {
                    let message = format!(
                        "a request with {named} {:?} is still being processed: retry later",
                        shown(idempotency)
                    );
                    return error(StatusCode::CONFLICT, "IDEMPOTENCY_IN_PROGRESS", &message);
                }
            }
        }
    };
    if !processing.is_zero() {
        tokio::time::sleep(processing).await;
    }
    let via = Via::Api { key: key.to_string() };
    let body = accept(&shared, request.event, event_id, payload, via, bytes.len());
    if let Some(guard) = guard {
        guard.complete(body.clone());
    }
    json(StatusCode::OK, body)
}

// ---------------------------------------------------------------------------------------------
// Schemas

pub(crate) fn listing(catalog: &Catalog) -> String {
    #[derive(Serialize)]
    struct Item<'a> {
        name: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        description: Option<&'a str>,
        schema: String,
    }
    #[derive(Serialize)]
    struct Listing<'a> {
        events: Vec<Item<'a>>,
    }
    let events = catalog
        .iter()
        .map(|s| Item {
            name: s.name().as_str(),
            description: s.description(),
            schema: format!("/api/events/schema/{}", s.name().as_str()),
        })
        .collect();
    serde_json::to_string(&Listing { events }).unwrap_or_default()
}

async fn list_schemas(State(shared): State<Arc<Shared>>) -> Response {
    json(StatusCode::OK, shared.listing.clone())
}

async fn get_schema(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some((discovery, json_schema)) = shared.discovery.get(&name) else {
        let e = ValidationError::unknown_event(&name);
        return json(StatusCode::NOT_FOUND, e.to_response_json());
    };
    let wants_json_schema = query_pairs(query.as_deref()).any(|(k, v)| k == "format" && v == "json-schema");
    json(StatusCode::OK, if wants_json_schema { json_schema.clone() } else { discovery.clone() })
}

pub(super) fn query_pairs(query: Option<&str>) -> impl Iterator<Item = (&str, &str)> {
    query.unwrap_or_default().split('&').filter(|p| !p.is_empty()).map(|p| p.split_once('=').unwrap_or((p, "")))
}

// ---------------------------------------------------------------------------------------------
// Webhooks and everything else

/// How long a webhook's verification, transform and validation may take before the sandbox
/// answers 500 instead (the work itself is bounded by the transform's own budget).
pub(crate) const INTAKE_TIME_LIMIT: Duration = Duration::from_secs(10);

async fn webhook_or_not_found(
    State(shared): State<Arc<Shared>>,
    Extension(auth): Extension<Authenticated>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let path = uri.path();
    // Which transform, as owned data: the intake runs on another thread.
    let declared = shared.webhook_paths.contains(path);
    let built_in = path
        .strip_prefix("/webhooks/")
        .and_then(|name| name.parse::<Source>().ok())
        .filter(|source| *source != Source::Custom);
    if !declared && built_in.is_none() {
        drain(&shared, body).await;
        return error(StatusCode::NOT_FOUND, "NOT_FOUND", &format!("no route {:?}", shown(path)));
    };
    if method != Method::POST {
        drain(&shared, body).await;
        let mut response = error(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", "webhooks are POSTed");
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let bytes = match read_body(&shared, &headers, body).await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    // Verifying, transforming and validating is CPU work proportional to the body (and to a
    // declared query): it runs on the blocking pool, so a costly webhook never holds one of the
    // few reactor threads every other route (the health check included) is served from.
    let size = bytes.len();
    let intake = Arc::clone(&shared);
    let owned_path = path.to_owned();
    let work = tokio::task::spawn_blocking(move || {
        let route = match built_in {
            Some(source) if !declared => Route::BuiltIn { source, topic: None },
            _ => Route::Path(&owned_path),
        };
        intake.intake.receive(route, &headers, &bytes)
    });
    let event = match tokio::time::timeout(INTAKE_TIME_LIMIT, work).await {
        Ok(Ok(Ok(event))) => event,
        Ok(Ok(Err(e))) => {
            let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            return json(status, e.to_validation_error().to_response_json());
        }
        Ok(Err(_)) | Err(_) => {
            let message = format!("the webhook was not transformed within {} s", INTAKE_TIME_LIMIT.as_secs());
            return error(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", &message);
        }
    };
    let event_id = event.event_id.to_string();
    let hash = payload_hash(event.event.as_str(), &event.payload);
    // A vendor's retry (or the same object under another topic) carries the same derived eventId:
    // it is acknowledged with the first response and not recorded again.
    let guard = match shared.idempotency.begin(Scope::Webhooks, &event_id, hash).await {
        Claim::Fresh(guard) => guard,
        Claim::Replay { body, .. } => return replay(body),
        Claim::ConflictInProgress | Claim::StillInProgress => {
            let message = format!("the event {event_id} is still being processed: retry later");
            return error(StatusCode::CONFLICT, "IDEMPOTENCY_IN_PROGRESS", &message);
        }
    };
    if !auth.processing.is_zero() {
        tokio::time::sleep(auth.processing).await;
    }
    let via = Via::Webhook { route: path.to_owned() };
    let body = accept(&shared, event.event.as_str().to_owned(), event_id, event.payload, via, size);
    guard.complete(body.clone());
    json(StatusCode::OK, body)
}

async fn method_not_allowed(State(shared): State<Arc<Shared>>, method: Method, uri: Uri, body: Body) -> Response {
    drain(&shared, body).await;
    let allowed = if uri.path() == "/api/events" { "POST" } else { "GET" };
    let message = format!("{method} is not allowed on {}: use {allowed}", shown(uri.path()));
    let mut response = error(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED", &message);
    response.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allowed));
    response
}

// ---------------------------------------------------------------------------------------------
// /__sandbox/

async fn status(State(shared): State<Arc<Shared>>) -> Response {
    let keys = match &shared.keys {
        KeyPolicy::AnyWellFormed => Value::from("any well-formed lk_test_ or lk_dev_ key"),
        KeyPolicy::Only(keys) => Value::from(keys.iter().map(ToString::to_string).collect::<Vec<_>>()),
    };
    let body = serde_json::json!({
        "ok": true,
        "acceptedEvents": shared.events.latest(),
        "keptEvents": shared.events.len(),
        "idempotencyKeys": shared.idempotency.len(),
        "keys": keys,
        "bodyLimit": shared.body_limit,
        "faults": shared.faults.config(),
        "webhookPaths": shared.webhook_paths,
        "deliveries": shared.deliveries.stats(),
    });
    json(StatusCode::OK, body.to_string())
}

/// The paging parameters of an inspection listing.
pub(super) struct PageQuery {
    /// Entries after this sequence number (default 0: from the oldest kept).
    pub(super) after: u64,
    /// At most this many entries (1 to 10,000, default 1,000).
    pub(super) limit: usize,
    /// How long to wait for a first entry when there is none yet (milliseconds, at most `MAX_WAIT`).
    pub(super) wait: Duration,
}

impl PageQuery {
    /// Reads `after`, `limit` and `wait`; the message of the 400 when one is not a whole number.
    pub(super) fn parse(query: Option<&str>) -> Result<PageQuery, String> {
        let mut page = PageQuery { after: 0, limit: 1000, wait: Duration::ZERO };
        for (name, value) in query_pairs(query) {
            match (name, value.parse::<u64>().ok()) {
                ("after", Some(n)) => page.after = n,
                ("limit", Some(n)) => page.limit = usize::try_from(n).unwrap_or(usize::MAX).clamp(1, 10_000),
                ("wait", Some(ms)) => page.wait = Duration::from_millis(ms).min(MAX_WAIT),
                ("after" | "limit" | "wait", None) => {
                    return Err(format!("{name} must be a whole number, not {:?}", shown(value)));
                }
                _ => {}
            }
        }
        Ok(page)
    }
}

async fn list_events(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    let PageQuery { after, limit, wait } = match PageQuery::parse(query.as_deref()) {
        Ok(page) => page,
        Err(message) => return coded(ErrorCode::MalformedRequest, &message),
    };
    let page = shared.events.wait_after(after, limit, wait, shared.stop.clone()).await;
    json(StatusCode::OK, page.to_json())
}

async fn get_faults(State(shared): State<Arc<Shared>>) -> Response {
    json(StatusCode::OK, serde_json::to_vec(&shared.faults.config()).unwrap_or_default())
}

async fn set_faults(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> Response {
    let bytes = match read_body(&shared, &headers, body).await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    let config: FaultConfig = match crate::strict::from_slice(&bytes) {
        Ok(config) => config,
        Err(e) => return coded(ErrorCode::MalformedRequest, &format!("invalid fault configuration: {e}")),
    };
    if let Err(message) = config.validate() {
        return coded(ErrorCode::MalformedRequest, &format!("invalid fault configuration: {message}"));
    }
    shared.faults.set(config);
    json(StatusCode::OK, serde_json::to_vec(&config).unwrap_or_default())
}

async fn reset(State(shared): State<Arc<Shared>>) -> Response {
    shared.reset();
    json(StatusCode::OK, r#"{"ok":true}"#)
}
