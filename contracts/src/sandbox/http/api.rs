//! `POST /api/events`: the platform's event intake, and the recording of every accepted event.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::auth::MISSING_KEY;
use super::body::read_body;
use super::errors::{coded, unauthorized};
use super::platform::Authenticated;
use super::response::{json, replay};
use crate::sandbox::events::{AcceptedEvent, Via};
use crate::sandbox::idempotency::{payload_hash, Claim, Scope};
use crate::sandbox::shown;
use crate::sandbox::state::Shared;
use crate::sandbox::time_text;
use crate::validate::document::{read_overflowing, JsonDocument};
use crate::validate::issue::{ErrorCode, ValidationError};

const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static(crate::platform::headers::IDEMPOTENCY_KEY);

/// The longest Idempotency-Key accepted.
const MAX_IDEMPOTENCY_KEY: usize = 255;

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
pub(super) fn accept(shared: &Shared, event: String, event_id: String, payload: Value, via: Via, size: usize) -> Bytes {
    let received_at = time_text(chrono::Utc::now());
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

/// The request's event and payload, the payload read as the platform's `JSON.parse` reads it: a
/// number literal beyond a double is an infinity (which Zod accepts in a `number` field and the
/// platform stores as `null`), not a malformed body. `Err` holds the message of the
/// `MALFORMED_REQUEST` refusal.
fn read_request(bytes: &[u8]) -> Result<(String, JsonDocument), String> {
    let shape = |e: serde_json::Error| format!("the body must be {{\"event\": \"<name>\", \"payload\": {{...}}}}: {e}");
    let malformed = |e: serde_json::Error| format!("malformed JSON: {e}");
    match crate::strict::from_slice::<EventRequest>(bytes) {
        Ok(request) => Ok((request.event, JsonDocument::from(request.payload))),
        Err(e) if e.is_data() => Err(shape(e)),
        Err(e) => {
            // The copy holds a finite stand-in at each such literal: the request's shape is judged
            // on it, with the same messages at the same places as for any finite body.
            let (mut document, copy) = read_overflowing(bytes, e).map_err(malformed)?;
            let request = match crate::strict::from_slice::<EventRequest>(&copy) {
                Ok(request) => request,
                Err(e) if e.is_data() => return Err(shape(e)),
                Err(e) => return Err(malformed(e)),
            };
            // `payload` is there exactly once (serde refuses a duplicate field), so this is it.
            let payload = document.take("payload").unwrap_or_else(|| JsonDocument::from(request.payload));
            Ok((request.event, payload))
        }
    }
}

pub(super) async fn post_event(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    let Some(Authenticated { key: Some(key), processing }) = parts.extensions.remove::<Authenticated>() else {
        return unauthorized(MISSING_KEY);
    };
    let headers = &parts.headers;
    let bytes = match read_body(&shared, headers, body).await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    let (event, payload) = match read_request(&bytes) {
        Ok(request) => request,
        Err(message) => return coded(ErrorCode::MalformedRequest, &message),
    };
    let Ok(header_key) = idempotency_key(headers) else {
        let message = "the Idempotency-Key header must be 1 to 255 visible ASCII characters";
        return coded(ErrorCode::MalformedRequest, message);
    };
    let Some(schema) = shared.catalog.get(&event) else {
        return ValidationError::unknown_event(&event).into_response();
    };
    let payload = match schema.validate_document(payload) {
        Ok(payload) => payload,
        Err(e) => return e.into_response(),
    };
    let event_id = payload.get("eventId").and_then(Value::as_str).unwrap_or_default().to_owned();
    let idempotency = header_key.or((!event_id.is_empty()).then_some(event_id.as_str()));
    // Messages name the key as the request gave it: the header, or the eventId standing in.
    let named = if header_key.is_some() { "the Idempotency-Key" } else { "the eventId (no Idempotency-Key was sent)" };
    let guard = match idempotency {
        None => None,
        Some(idempotency) => {
            let hash = payload_hash(&event, &payload);
            match shared.idempotency.begin(Scope::Key(&key), idempotency, hash).await {
                Claim::Fresh(guard) => Some(guard),
                Claim::Replay { body, same_payload: true } => return replay(body),
                Claim::Replay { same_payload: false, .. } | Claim::ConflictInProgress => {
                    let message = format!("{named} {:?} was already used with a different payload", shown(idempotency));
                    return coded(ErrorCode::IdempotencyConflict, &message);
                }
                Claim::StillInProgress => {
                    let message = format!(
                        "a request with {named} {:?} is still being processed: retry later",
                        shown(idempotency)
                    );
                    return coded(ErrorCode::IdempotencyInProgress, &message);
                }
            }
        }
    };
    if !processing.is_zero() {
        tokio::time::sleep(processing).await;
    }
    let via = Via::Api { key: key.to_string() };
    let body = accept(&shared, event, event_id, payload, via, bytes.len());
    if let Some(guard) = guard {
        guard.complete(body.clone());
    }
    json(StatusCode::OK, body)
}
