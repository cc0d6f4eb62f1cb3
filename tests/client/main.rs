//! The client over real HTTP against the sandbox: sending, retries, idempotency, client-side rate
//! limiting, tracing, and hostile input of its own.

// Local validation first, the request's shape, acceptance, final refusals, build-time safety.
mod send;
// Retries against the sandbox's fault injection, on a recorded schedule.
mod retries;
// In-process idempotency and the outbox.
mod idempotency;
// Client-side rate limiting: a burst on the sandbox's own tier meets no 429; `Retry-After` dates.
mod rate_limit;
// The spans and events a send logs, never with the API key.
mod tracing_spans;
// Deep payloads, endless bodies, credentials in the base URL, bad keys, plain HTTP, redirects.
mod hostile;
// No secret shows in `Debug`, `Display`, an error, a sandbox answer or the client's report.
mod redaction;
// A bare HTTP server with canned answers, for what the sandbox never answers.
mod stub;
