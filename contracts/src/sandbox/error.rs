//! Why a sandbox did not start, or refused a new configuration: [`SandboxError`].

/// Why a sandbox did not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The address could not be bound.
    #[error("cannot listen: {0}")]
    Bind(#[source] std::io::Error),
    /// The fault configuration is invalid.
    #[error("invalid fault configuration: {0}")]
    Faults(String),
    /// An `lk_live_` key was configured.
    #[error("live API keys (lk_live_) are not accepted by the sandbox: configure lk_test_ or lk_dev_ keys")]
    LiveKey,
    /// A declared `webhookPath` lies under a route of the platform API or of the sandbox.
    #[error("the webhookPath {0:?} lies under /api/ or /__sandbox/")]
    WebhookPath(String),
    /// The delivery configuration is invalid: an endpoint that is not an `http://` URL, an
    /// endpoint without a secret, a zero bound.
    #[error("invalid delivery configuration: {0}")]
    Delivery(String),
}
