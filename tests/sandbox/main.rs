//! The sandbox over real HTTP on loopback: the platform API, idempotency, rate limits, faults,
//! inspection, inbound webhooks and outbound deliveries.

// `POST /api/events` and the schema routes: every status, API keys, the body limit.
mod api;
// Idempotency: replay, conflict, scope, concurrent duplicates, the bounded window.
mod idempotency;
// Rate limits: the Standard tier's burst, sustained rates, Retry-After.
mod rate_limit;
// Fault injection: 500s, dropped connections, 429s, latency, seeds.
mod faults;
// Inspection: accepted events, polling, retention, reset, graceful shutdown.
mod inspection;
// The webhook routes: built-in sources with their signatures, declared transforms.
mod webhooks;
// Delivery webhooks to a receiver built on the library, retried and recorded.
mod delivery;
// Hostile requests with the exact answer of each, leaving no trace.
mod hostile_requests;
// Whole-run scenarios of each builder setting and handle method.
mod scenarios;
// What the sandbox and the intake write to a tracing subscriber, and what they never write.
mod tracing_output;
// A host's own intake route (axum, `VendorEvent`), the service of `examples/shopify_intake.rs`.
mod axum_intake;
