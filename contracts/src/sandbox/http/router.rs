//! The route table: which handler answers which route, behind which layers.

use std::sync::Arc;

use axum::middleware;
use axum::routing::{get, post};
use axum::Router;

use super::access::{host_layer, operator_layer, trace_layer};
use super::api::post_event;
use super::operator::{get_faults, list_deliveries, list_events, register_endpoint, reset, set_faults, status};
use super::platform::platform_layer;
use super::schemas::{get_schema, list_schemas};
use super::webhooks::{method_not_allowed, webhook_or_not_found};
use crate::sandbox::state::Shared;

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
        .route("/__sandbox/deliveries", get(list_deliveries).post(register_endpoint))
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), operator_layer));
    platform
        .merge(admin)
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), host_layer))
        .layer(middleware::from_fn(trace_layer))
        .with_state(shared)
}
