//! Webhooks and everything else: the built-in and declared webhook routes, and the platform's
//! answers to an unknown route or a method a route does not take.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Extension;

use super::api::accept;
use super::body::{drain, read_body};
use super::errors::coded;
use super::platform::Authenticated;
use super::response::{json, replay};
use crate::inbound::{Route, Source};
use crate::sandbox::events::Via;
use crate::sandbox::idempotency::{payload_hash, Claim, Scope};
use crate::sandbox::shown;
use crate::sandbox::state::Shared;
use crate::validate::issue::ErrorCode;

/// How long a webhook's verification, transform and validation may take before the sandbox
/// answers 500 instead (the work itself is bounded by the transform's own budget).
pub(crate) const INTAKE_TIME_LIMIT: Duration = Duration::from_secs(10);

pub(super) async fn webhook_or_not_found(
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
        return coded(ErrorCode::NotFound, &format!("no route {:?}", shown(path)));
    };
    if method != Method::POST {
        drain(&shared, body).await;
        let mut response = coded(ErrorCode::MethodNotAllowed, "webhooks are POSTed");
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
    // The blocking thread carries on this request's trace: its subscriber and span.
    let (dispatch, span) = (tracing::dispatcher::get_default(Clone::clone), tracing::Span::current());
    let work = tokio::task::spawn_blocking(move || {
        let route = match built_in {
            Some(source) if !declared => Route::BuiltIn { source, topic: None },
            _ => Route::Path(&owned_path),
        };
        tracing::dispatcher::with_default(&dispatch, || {
            span.in_scope(|| intake.intake.receive(route, &headers, &bytes))
        })
    });
    let event = match tokio::time::timeout(INTAKE_TIME_LIMIT, work).await {
        Ok(Ok(Ok(event))) => event,
        Ok(Ok(Err(e))) => return e.into_response(),
        Ok(Err(_)) | Err(_) => {
            let message = format!("the webhook was not transformed within {} s", INTAKE_TIME_LIMIT.as_secs());
            return coded(ErrorCode::InternalError, &message);
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
            return coded(ErrorCode::IdempotencyInProgress, &message);
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

pub(super) async fn method_not_allowed(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    body: Body,
) -> Response {
    drain(&shared, body).await;
    let allowed = if uri.path() == "/api/events" { "POST" } else { "GET" };
    let message = format!("{method} is not allowed on {}: use {allowed}", shown(uri.path()));
    let mut response = coded(ErrorCode::MethodNotAllowed, &message);
    response.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allowed));
    response
}
