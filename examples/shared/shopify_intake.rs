//! The service of `examples/shopify_intake.rs`, shared with its test over HTTP
//! (`tests/sandbox/axum_intake.rs`): one route that takes a vendor's webhook, stores its event in
//! the outbox and answers the vendor; a relay sends the stored events to the platform.

use std::sync::Arc;

use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use loop_contracts::inbound::{Intake, VendorEvent};
use loop_contracts::outbox::{OutboxStore, SqliteOutbox, ValidatedEvent};
use loop_contracts::{ErrorBody, ErrorCode, ErrorResponse};

/// What the handlers share: the extractor takes the intake, the handler the outbox.
#[derive(Clone)]
pub struct Service {
    /// Verifies, transforms and validates the vendors' webhooks.
    pub intake: Arc<Intake>,
    /// Where accepted events wait for the relay.
    pub outbox: Arc<SqliteOutbox>,
}

impl FromRef<Service> for Arc<Intake> {
    fn from_ref(service: &Service) -> Self {
        service.intake.clone()
    }
}

impl FromRef<Service> for Arc<SqliteOutbox> {
    fn from_ref(service: &Service) -> Self {
        service.outbox.clone()
    }
}

/// `POST /webhooks/{source}`: `shopify` (or any other built-in source the intake has a secret for).
pub fn router(service: Service) -> Router {
    Router::new().route("/webhooks/{source}", post(webhook)).with_state(service)
}

/// A verified, valid event is committed to the outbox before the vendor hears 200: once it has, a
/// crash loses nothing, and the vendor need not wait for the platform. A redelivery of the same
/// notification carries the same derived eventId, and the outbox stores it once.
async fn webhook(State(outbox): State<Arc<SqliteOutbox>>, VendorEvent(event): VendorEvent) -> Response {
    // The intake validated the payload against the catalog; the outbox stores only validated events.
    let stored = match ValidatedEvent::from_json(event.event.as_str(), &event.payload) {
        Ok(validated) => outbox.enqueue(&validated).await,
        Err(invalid) => return invalid.into_response(),
    };
    match stored {
        Ok(_) => StatusCode::OK.into_response(),
        // Not stored: a 500 makes the vendor deliver it again later.
        Err(e) => {
            let error = ErrorBody { code: ErrorCode::InternalError, message: e.to_string(), issues: Vec::new() };
            ErrorResponse { ok: false, error }.into_response()
        }
    }
}
