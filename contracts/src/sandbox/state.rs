//! The state every handler shares: the catalog, the key policy, the limiter, the idempotency
//! store, the events list, the faults and the delivery engine.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use tokio::sync::watch;

use super::delivery::Dispatcher;
use super::events::EventLog;
use super::faults::{FaultConfig, FaultInjector};
use super::idempotency::IdempotencyStore;
use super::limiter::Limiter;
use crate::catalog::Catalog;
use crate::inbound::Intake;
use crate::platform::api_key::ApiKey;

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
