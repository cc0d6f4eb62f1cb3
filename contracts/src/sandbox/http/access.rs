//! What a web page must not reach: the Host check on every route, a key and JSON on operator routes.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use super::auth::authenticate;
use super::body::drained;
use super::errors::{error, misdirected, unauthorized};
use crate::sandbox::shown;
use crate::sandbox::state::Shared;
use crate::validate::issue::ErrorCode;

/// Traces each request: a `loop_contracts.sandbox` span (method, path; the layers below record the
/// caller's key prefix and any fault injected) and one event with the status and the time taken.
/// The path is clipped and shown escaped; no query string, header or body is recorded.
pub(super) async fn trace_layer(request: Request, next: Next) -> Response {
    let span = tracing::info_span!(
        "loop_contracts.sandbox",
        method = %request.method(),
        path = ?shown(request.uri().path()),
        key = tracing::field::Empty,
        fault = tracing::field::Empty,
    );
    let started = std::time::Instant::now();
    let response = next.run(request).instrument(span.clone()).await;
    let elapsed_ms = started.elapsed().as_millis() as u64;
    span.in_scope(|| tracing::info!(status = response.status().as_u16(), elapsed_ms, "answered"));
    response
}

/// Refuses a request whose `Host` is not the sandbox's: a page that rebinds its own name to this
/// address (DNS rebinding) still sends that name. Accepted: `localhost`, a loopback address, the
/// listening address, or any address when listening on all of them (`0.0.0.0`, `::`); the port is
/// not checked, since a port may be forwarded.
pub(super) async fn host_layer(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
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
    drained(&shared, request, misdirected(&message)).await
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
pub(super) async fn operator_layer(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    if let Err(refusal) = authenticate(&shared, request.headers(), true) {
        return drained(&shared, request, unauthorized(&refusal)).await;
    }
    if request.method() == Method::POST && !is_json(request.headers()) {
        let message = "operator routes take POST bodies as JSON: send `Content-Type: application/json`";
        let response = error(StatusCode::UNSUPPORTED_MEDIA_TYPE, ErrorCode::MalformedRequest, message);
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
