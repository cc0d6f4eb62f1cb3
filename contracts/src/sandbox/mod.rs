//! The sandbox: a local server that answers like the platform (`docs/platform.md` §4), with
//! inspection and seeded fault injection. Behind the `sandbox` cargo feature.
//!
//! It serves, on a loopback address:
//!
//! | route | what |
//! |---|---|
//! | `POST /api/events` | the platform's event intake: bearer API key, validation, rate limit, idempotency |
//! | `GET /api/events/schema` | the catalog: `{"events": [{"name", "description", "schema"}]}` |
//! | `GET /api/events/schema/<name>` | the discovery document (`?format=json-schema` for the JSON Schema) |
//! | `POST /webhooks/<source>` | built-in webhook transforms (`shopify`, `bigcommerce`, `typeform`, `calendly`) |
//! | `POST <webhookPath>` | declared webhook transforms, at their `webhookPath` |
//! | `GET /__sandbox/events` | the accepted events, in order, each once (`?after=<seq>&limit=<n>&wait=<ms>`) |
//! | `GET`, `POST /__sandbox/faults` | the fault configuration ([`FaultConfig`] as JSON) |
//! | `GET /__sandbox/deliveries` | the delivery webhooks sent, with their attempts (`?after=<id>&limit=<n>`) |
//! | `POST /__sandbox/deliveries` | registers, replaces or removes the delivery endpoint: `{"url", "secret"?}` |
//! | `POST /__sandbox/reset` | forgets accepted events and idempotency keys, turns faults off, cancels deliveries |
//! | `GET /__sandbox` | counters and settings, delivery counters under `deliveries` |
//!
//! ```
//! use loop_contracts::sandbox::Sandbox;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), loop_contracts::sandbox::SandboxError> {
//! let sandbox = Sandbox::builder().start().await?; // 127.0.0.1 on an ephemeral port
//! let url = format!("{}/api/events", sandbox.url()); // POST events here with an lk_test_ key
//! # assert!(url.starts_with("http://127.0.0.1:"));
//! assert!(sandbox.accepted().is_empty());
//! sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # Behaviour
//!
//! **Keys.** Any well-formed `lk_test_` or `lk_dev_` key is accepted, unless a list is configured
//! ([`SandboxBuilder::accept_key`]). `lk_live_` keys are refused with 401 and a message saying that
//! the sandbox does not accept live keys. Keys are never logged or echoed: responses and the
//! events list show the prefix and a fingerprint only. `POST` routes under `/api/` need a key; the
//! schema routes take one optionally.
//!
//! **Rate limits.** Each request with a valid key counts against that key at its tier (default
//! Standard: 100/s, burst 200); requests without a valid key (401s, anonymous schema reads,
//! webhooks) count against the caller's IP address at the anonymous tier (default Standard).
//! Every response of the platform's routes carries `X-RateLimit-Limit` (the tier's rate per
//! second), `X-RateLimit-Remaining` (requests that may still be sent at once) and
//! `X-RateLimit-Reset` (Unix seconds, rounded up, at which the bucket is full again); a 429 adds
//! `Retry-After` (whole seconds until one request is allowed, at least 1). The `/__sandbox/`
//! routes are the sandbox's own, not the platform's: they are neither limited nor faulted.
//!
//! **What a web page cannot reach.** The operator routes read every payload and change what the
//! sandbox does, so each needs `Authorization: Bearer` with a key the sandbox accepts (a page
//! cannot send that header to another origin without a preflight, which the sandbox never
//! answers), and each `POST` there needs `Content-Type: application/json` (415 otherwise). Every
//! route, the platform's included, answers 421 to a `Host` that does not name the sandbox
//! (`localhost`, a loopback address, or the listening address; any address when listening on all
//! of them): a page that rebinds its own name to this address still sends its name. An endpoint
//! registered with `POST /__sandbox/deliveries` is signed with the secret sent with it, never the
//! configured one, and must be on a loopback host unless [`DeliveryConfig::allow_remote_endpoints`]
//! was set. The sandbox is for one machine's tests and demos: serve it on loopback (the default),
//! never on a network others can reach.
//!
//! **Validation.** A body that is not JSON, or not `{"event": <string>, "payload": <any>}`, is
//! `400 MALFORMED_REQUEST`; an unknown event `422 UNKNOWN_EVENT`; an invalid payload
//! `422 VALIDATION_ERROR` with every issue, in the platform's error format. A body over the
//! limit (default 1 MiB) is `413` with code `MALFORMED_REQUEST`: 413 is what HTTP and the
//! platform's gateway say, and the code keeps the body within the platform's six codes.
//! Accepted: `200 {"ok": true, "event", "eventId", "sequence", "receivedAt"}`.
//!
//! **Idempotency.** The key is the `Idempotency-Key` header, or the payload's `eventId` when the
//! header is absent (the platform's integration guide tells clients to send the `eventId` as the
//! key, so both agree), scoped per API key. A key is claimed after validation and kept only when
//! the event is accepted: a request that is rejected or fails leaves no trace, so a corrected
//! payload can be sent under the same key. A repeat with the same event (same name and validated
//! payload; key order, spacing and unknown keys do not matter) gets the first response again, with
//! `Idempotent-Replayed: true`, and is not processed (no second entry in the events list). A repeat
//! with a different payload is `409 IDEMPOTENCY_CONFLICT`. A repeat that arrives while the first is
//! still being processed waits for the first's result (and replays it, or takes over if the first
//! was not accepted); if the first is still processing after the wait (default 10 s), it gets
//! `409 IDEMPOTENCY_IN_PROGRESS` (retry later). Keys are kept for a window (default 24 h) and at most a
//! number of them (default 100,000; the oldest go first), so memory stays bounded.
//!
//! **Webhooks.** `POST /webhooks/<source>` runs the source's built-in transform, the topic read from
//! where the vendor puts it; a declared transform answers at its `webhookPath` (declared paths win
//! over the built-in ones, and may not lie under `/api/` or `/__sandbox/`). Errors map to
//! [`InboundError::http_status`](crate::inbound::InboundError::http_status) with the platform's
//! error body. Accepted webhook events join the same events list; a webhook whose `eventId` was
//! already accepted (a vendor's retry) is answered with the first response and not recorded again.
//! Without a configured [`Intake`], signatures are not checked and no brand is set.
//!
//! **Faults** ([`FaultConfig`]) are drawn after authentication and the real rate limit, so an
//! injected fault never hides a 401 or a real 429; injected responses say so in
//! `X-Sandbox-Fault`.
//!
//! **Events list.** The newest accepted events are kept (default 10,000); sequence numbers go on
//! forever, and a poller that fell behind is told how many it missed (`dropped`).
//!
//! **Delivery webhooks.** With an endpoint registered ([`SandboxBuilder::deliveries`],
//! [`SandboxHandle::deliver_to`] or `POST /__sandbox/deliveries`), every accepted event (once: an
//! idempotent replay is not dispatched again) produces the delivery events the platform would
//! report, signed per Standard Webhooks and POSTed in the background with the platform's retry
//! schedule: an event with an `email` (or a `phone`) a `message.sent.v1` then a
//! `message.delivered.v1`, an accepted delivery event itself. Ids are derived from the accepted
//! event, so they are stable; each delivery keeps its `webhook-id` across attempts. Pending
//! deliveries are bounded; what does not fit is recorded as dropped. See [`DeliveryConfig`] and
//! [`DeliveryRecord`] for the details.
//!
//! [`Intake`]: crate::inbound::Intake

mod builder;
mod delivery;
mod error;
mod events;
mod faults;
mod handle;
mod http;
mod idempotency;
mod limiter;
mod state;

use chrono::{DateTime, Utc};

pub use builder::{
    Sandbox, SandboxBuilder, DEFAULT_ADDR, DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT, DEFAULT_IDEMPOTENCY_CAPACITY,
    DEFAULT_IDEMPOTENCY_WINDOW, DEFAULT_MAX_CONNECTIONS, DEFAULT_RETAINED_BYTES, DEFAULT_RETAINED_EVENTS,
};
pub use delivery::{
    DeliveryAttempt, DeliveryConfig, DeliveryRecord, DeliverySource, DeliveryState, DeliveryStats,
    DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_MAX_IN_FLIGHT, DEFAULT_QUEUE_CAPACITY, DEFAULT_RETAINED_DELIVERIES,
    DEFAULT_RETRY_SCHEDULE,
};
pub use error::SandboxError;
pub use events::{AcceptedEvent, Via};
pub use faults::{Fault, FaultConfig};
pub use handle::SandboxHandle;

/// A time as the sandbox writes times: RFC 3339, UTC, milliseconds (`2026-05-19T12:00:00.000Z`).
pub(crate) fn time_text(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Untrusted text (a path, a header, a URL) as an error message quotes it: clipped, so that a
/// hostile request cannot make its answer as large as itself.
fn shown(text: &str) -> String {
    crate::text::clip(text, crate::text::TOKEN_CHARS)
}
