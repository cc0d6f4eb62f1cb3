//! What the platform's answers carry: an acceptance ([`Accepted`]), the rate-limit figures
//! ([`RateLimit`]), the header names they are read from, and the bounded reading of a body.

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName};
use uuid::Uuid;

use super::ResponseBody;
use crate::platform::headers;

/// The rate-limit figures of a response (`X-RateLimit-*`).
///
/// ```
/// use loop_contracts::client::RateLimit;
/// # #[cfg(feature = "sandbox")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let sandbox = loop_contracts::sandbox::Sandbox::builder().start().await?;
/// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
/// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url()).build()?;
/// # let lead: loop_contracts::catalog::LeadCaptured = loop_contracts::Event::from_json_value(&serde_json::json!({
/// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
/// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
/// #     "source": "quiz_completion", "attribution": {},
/// # }))?;
///
/// let accepted = client.send(&lead).await?;
/// let RateLimit { limit, remaining, reset } = accepted.rate_limit.expect("X-RateLimit-* headers");
/// assert_eq!(limit, 100); // the Standard tier: 100 requests per second,
/// assert_eq!(remaining, 199); // a burst of 200, one of them just spent
/// assert!(reset >= std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs());
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "sandbox"))]
/// # fn main() {}
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// `X-RateLimit-Limit`: the tier's requests per second.
    pub limit: u64,
    /// `X-RateLimit-Remaining`: requests that may still be sent at once.
    pub remaining: u64,
    /// `X-RateLimit-Reset`: Unix seconds at which the bucket is full again.
    pub reset: u64,
}

impl RateLimit {
    pub(super) fn from_headers(headers: &HeaderMap) -> Option<RateLimit> {
        Some(RateLimit {
            limit: header_u64(headers, &X_RATELIMIT_LIMIT)?,
            remaining: header_u64(headers, &X_RATELIMIT_REMAINING)?,
            reset: header_u64(headers, &X_RATELIMIT_RESET)?,
        })
    }
}

/// An accepted event.
///
/// ```
/// # #[cfg(feature = "sandbox")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let sandbox = loop_contracts::sandbox::Sandbox::builder().start().await?;
/// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
/// # let client = loop_contracts::client::Client::builder().key(key.clone()).base_url(sandbox.url()).build()?;
/// # let lead: loop_contracts::catalog::LeadCaptured = loop_contracts::Event::from_json_value(&serde_json::json!({
/// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
/// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
/// #     "source": "quiz_completion", "attribution": {},
/// # }))?;
/// let first = client.send(&lead).await?;
/// assert_eq!((first.event.as_str(), first.attempts, first.cached), ("lead.captured.v1", 1, false));
/// assert_eq!(first.body["ok"], true);
/// let again = client.send(&lead).await?; // the same eventId: answered from memory
/// assert!(again.cached && again.event_id == first.event_id && again.body == first.body);
/// assert_eq!(sandbox.accepted().len(), 1);
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "sandbox"))]
/// # fn main() {}
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Accepted {
    /// The event name.
    pub event: String,
    /// The eventId (the Idempotency-Key).
    pub event_id: Uuid,
    /// The response body (`{"ok": true, …}`), parsed when first looked at.
    pub body: ResponseBody,
    /// The rate-limit figures of the accepting response.
    pub rate_limit: Option<RateLimit>,
    /// The platform answered `Idempotent-Replayed: true`: it had accepted this event before.
    pub replayed: bool,
    /// The attempts the send took (1 without retries).
    pub attempts: u32,
    /// Answered from this process's memory, without a request.
    pub cached: bool,
}

// Header names as values: a lookup by `&str` parses the name on every call.
const X_RATELIMIT_LIMIT: HeaderName = HeaderName::from_static(headers::RATE_LIMIT_LIMIT);
const X_RATELIMIT_REMAINING: HeaderName = HeaderName::from_static(headers::RATE_LIMIT_REMAINING);
const X_RATELIMIT_RESET: HeaderName = HeaderName::from_static(headers::RATE_LIMIT_RESET);
pub(super) const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static(headers::IDEMPOTENCY_KEY);
pub(super) const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static(headers::IDEMPOTENT_REPLAYED);

pub(super) fn header_u64(headers: &HeaderMap, name: &HeaderName) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// The most a response body may hold: the platform's answers are small (an acceptance, an error
/// with its issues, a discovery document); a server sending more is cut off, not buffered.
const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// Reads a response body up to [`MAX_RESPONSE_BYTES`] into a buffer of its own: a chunk as hyper
/// hands it over shares the connection's whole read buffer, which an acceptance kept in the
/// accepted cache would otherwise pin (8 KiB or more per remembered event).
pub(super) async fn read_bounded(mut response: reqwest::Response) -> Result<Bytes, String> {
    async fn next(response: &mut reqwest::Response) -> Result<Option<Bytes>, String> {
        response.chunk().await.map_err(|e| e.without_url().to_string())
    }
    let too_long = || format!("the response body is over {MAX_RESPONSE_BYTES} bytes");
    let Some(first) = next(&mut response).await? else { return Ok(Bytes::new()) };
    if first.len() > MAX_RESPONSE_BYTES {
        return Err(too_long());
    }
    let Some(mut chunk) = next(&mut response).await? else { return Ok(Bytes::copy_from_slice(&first)) };
    let mut body = Vec::with_capacity(first.len() + chunk.len());
    body.extend_from_slice(&first);
    loop {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(too_long());
        }
        body.extend_from_slice(&chunk);
        match next(&mut response).await? {
            Some(more) => chunk = more,
            None => return Ok(body.into()),
        }
    }
}
