//! The sandbox's own routes, `/__sandbox/*`: its status, the events list, the faults, the reset
//! and the delivery endpoint. The operator layer ([`super::access`]) guards them.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::body::read_body;
use super::errors::coded;
use super::query::PageQuery;
use super::response::json;
use crate::delivery::WebhookSecret;
use crate::sandbox::faults::FaultConfig;
use crate::sandbox::state::{KeyPolicy, Shared};
use crate::validate::issue::ErrorCode;

pub(super) async fn status(State(shared): State<Arc<Shared>>) -> Response {
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

pub(super) async fn list_events(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    let PageQuery { after, limit, wait } = match PageQuery::parse(query.as_deref()) {
        Ok(page) => page,
        Err(message) => return coded(ErrorCode::MalformedRequest, &message),
    };
    let page = shared.events.wait_after(after, limit, wait, shared.stop.clone()).await;
    json(StatusCode::OK, page.to_json())
}

pub(super) async fn get_faults(State(shared): State<Arc<Shared>>) -> Response {
    json(StatusCode::OK, serde_json::to_vec(&shared.faults.config()).unwrap_or_default())
}

pub(super) async fn set_faults(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> Response {
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

pub(super) async fn reset(State(shared): State<Arc<Shared>>) -> Response {
    shared.reset();
    json(StatusCode::OK, r#"{"ok":true}"#)
}

// ---------------------------------------------------------------------------------------------
// /__sandbox/deliveries

/// `GET /__sandbox/deliveries?after=<id>&limit=<n>`: `{"stats", "deliveries", "next"}`.
pub(super) async fn list_deliveries(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    // `wait` is read and not used: deliveries are listed as they stand.
    let PageQuery { after, limit, .. } = match PageQuery::parse(query.as_deref()) {
        Ok(page) => page,
        Err(message) => return coded(ErrorCode::MalformedRequest, &message),
    };
    let deliveries = shared.deliveries.records(after, limit);
    let next = deliveries.last().map_or(after, |d| d.id);
    let body = json!({"stats": shared.deliveries.stats(), "deliveries": deliveries, "next": next});
    json(StatusCode::OK, body.to_string())
}

/// `POST /__sandbox/deliveries` with `{"url": "http://..." | null, "secret"?: "whsec_..."}`:
/// registers, replaces or removes the endpoint. The secret is never echoed.
pub(super) async fn register_endpoint(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> Response {
    let bytes = match read_body(&shared, &headers, body).await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    const SHAPE: &str = r#"the body must be {"url": "http://..." or null, "secret": "whsec_..." (optional)}"#;
    let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(&bytes) else {
        return coded(ErrorCode::MalformedRequest, SHAPE);
    };
    let url = match request.get("url") {
        Some(Value::String(url)) => Some(url.as_str()),
        Some(Value::Null) => None,
        _ => return coded(ErrorCode::MalformedRequest, SHAPE),
    };
    let secret = match request.get("secret") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => match WebhookSecret::parse(text) {
            Ok(secret) => Some(secret),
            Err(e) => return coded(ErrorCode::MalformedRequest, &format!("invalid secret: {e}")),
        },
        Some(_) => return coded(ErrorCode::MalformedRequest, SHAPE),
    };
    if let Err(message) = shared.deliveries.register_requested(url, secret) {
        return coded(ErrorCode::MalformedRequest, &message);
    }
    let mut response =
        json(StatusCode::OK, json!({"ok": true, "endpoint": shared.deliveries.stats().endpoint}).to_string());
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
