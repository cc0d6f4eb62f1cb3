//! The platform layer in front of the platform's routes: authentication, rate limit, faults,
//! latency, rate-limit headers.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;

use super::auth::authenticate;
use super::body::drained;
use super::errors::{coded, rate_limited, unauthorized};
use super::server::{DropConnection, Peer};
use crate::platform::api_key::ApiKey;
use crate::sandbox::faults::Fault;
use crate::sandbox::limiter::{Caller, RateStatus};
use crate::sandbox::state::Shared;
use crate::validate::issue::ErrorCode;

/// What the platform layer learned about a request, for the handlers.
#[derive(Debug, Clone)]
pub(super) struct Authenticated {
    pub(super) key: Option<ApiKey>,
    /// Simulated processing time (see [`FaultConfig::processing`]).
    ///
    /// [`FaultConfig::processing`]: crate::sandbox::FaultConfig::processing
    pub(super) processing: Duration,
}

const FAULT: HeaderName = HeaderName::from_static("x-sandbox-fault");

/// A fault's name, as the `X-Sandbox-Fault` header and the trace show it.
fn fault_name(fault: Fault) -> &'static str {
    match fault {
        Fault::None => "none",
        Fault::InternalError => "internal-error",
        Fault::RateLimited => "rate-limited",
        Fault::DropConnection => "drop-connection",
    }
}

fn with_fault(mut response: Response, name: &'static str) -> Response {
    response.headers_mut().insert(FAULT, HeaderValue::from_static(name));
    response
}

pub(super) async fn platform_layer(State(shared): State<Arc<Shared>>, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<Peer>().map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |p| p.0.ip());
    let path = request.uri().path();
    let api = path.starts_with("/api/") || path == "/api";
    let key_required = api && request.method() == Method::POST;
    let auth = if api { authenticate(&shared, request.headers(), key_required) } else { Ok(None) };
    let (caller, auth) = match auth {
        Ok(Some(key)) => {
            // The scope's prefix only: the rest of the key is the secret.
            tracing::Span::current().record("key", key.scope().prefix());
            (Caller::Key(key), Ok(()))
        }
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
            if decision.fault != Fault::None {
                tracing::Span::current().record("fault", fault_name(decision.fault));
            }
            request.extensions_mut().insert(Authenticated { key, processing: decision.processing });
            let outcome = match decision.fault {
                Fault::None => (next.run(request).await, rate),
                Fault::InternalError => {
                    let message = "internal error (injected by the sandbox; retrying is safe)";
                    let response =
                        with_fault(coded(ErrorCode::InternalError, message), fault_name(Fault::InternalError));
                    (drained(&shared, request, response).await, rate)
                }
                Fault::RateLimited => {
                    let refusal = RateStatus::injected_refusal(rate.tier);
                    let response = with_fault(rate_limited(&refusal), fault_name(Fault::RateLimited));
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
