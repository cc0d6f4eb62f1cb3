//! What the platform's answers carry: an acceptance ([`Accepted`]), the rate-limit figures
//! ([`RateLimit`]), the header names they are read from, and the bounded reading of a body.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, RETRY_AFTER};
use uuid::Uuid;

use serde::Deserialize;

use super::ResponseBody;
use crate::platform::headers;
use crate::validate::issue::ErrorCode;

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

/// The `error.code` of a platform error body, when it is one this crate knows.
pub(super) fn error_code(body: &serde_json::Value) -> Option<ErrorCode> {
    body.pointer("/error/code").and_then(|code| ErrorCode::deserialize(code).ok())
}

pub(super) fn header_u64(headers: &HeaderMap, name: &HeaderName) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// The wait a `Retry-After` header asks for at `now` (RFC 9110 §10.2.3): delay-seconds, or an
/// HTTP-date (IMF-fixdate, or the obsolete RFC 850 and asctime forms) less `now`. A date already
/// past asks for no wait, as `Retry-After: 0` would; the policy caps a far one like a large number
/// of seconds. Anything else is ignored (`None`), as is a header that is not there.
pub(super) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    parse_retry_after(headers.get(RETRY_AFTER)?.to_str().ok()?, now)
}

fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
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

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

    use super::{parse_retry_after, retry_after};

    /// `Fri, 31 Dec 1999 23:59:59 GMT`, RFC 9110's example.
    const DATE: u64 = 946_684_799;

    fn at(unix: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(unix)
    }

    #[test]
    fn delay_seconds_are_read_as_before() {
        let now = at(DATE);
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("86400", now), Some(Duration::from_secs(86_400)));
    }

    #[test]
    fn an_imf_fixdate_is_the_wait_until_that_date() {
        let two_minutes_before = at(DATE - 120);
        let wait = parse_retry_after("Fri, 31 Dec 1999 23:59:59 GMT", two_minutes_before);
        assert_eq!(wait, Some(Duration::from_secs(120)));
        // Sub-second precision from the clock: the date names a whole second.
        let a_little_later = two_minutes_before + Duration::from_millis(250);
        let wait = parse_retry_after("Fri, 31 Dec 1999 23:59:59 GMT", a_little_later);
        assert_eq!(wait, Some(Duration::from_millis(119_750)));
    }

    #[test]
    fn the_obsolete_rfc_850_and_asctime_forms_are_read_too() {
        let now = at(DATE - 30);
        assert_eq!(parse_retry_after("Friday, 31-Dec-99 23:59:59 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Fri Dec 31 23:59:59 1999", now), Some(Duration::from_secs(30)));
    }

    #[test]
    fn a_date_in_the_past_asks_for_no_wait() {
        let now = at(DATE + 3_600);
        assert_eq!(parse_retry_after("Fri, 31 Dec 1999 23:59:59 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("Fri, 31 Dec 1999 23:59:59 GMT", at(DATE)), Some(Duration::ZERO));
    }

    #[test]
    fn a_far_date_is_read_in_full_for_the_policy_to_cap() {
        let wait = parse_retry_after("Sat, 01 Jan 2000 23:59:59 GMT", at(DATE));
        assert_eq!(wait, Some(Duration::from_secs(86_400)));
    }

    #[test]
    fn anything_else_is_ignored() {
        let now = at(DATE);
        for garbage in [
            "",
            "soon",
            "-5",
            "1.5",
            "Fri, 31 Dec 1999 23:59:59 UTC",
            "Fri, 31 Dec 1999 25:00:00 GMT",
            "31 Dec 1999 23:59:59 GMT",
            "2000-01-01T00:00:00Z",
        ] {
            assert_eq!(parse_retry_after(garbage, now), None, "{garbage:?}");
        }
    }

    #[test]
    fn the_header_is_read_from_the_map() {
        let now = at(DATE - 10);
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers, now), None);
        // Both forms of RFC 9110 §10.2.3: delay-seconds, and an HTTP-date (by `httpdate`).
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(7)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("Fri, 31 Dec 1999 23:59:59 GMT"));
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(10)));
        headers.insert(RETRY_AFTER, HeaderValue::from_bytes(b"\xff5").unwrap());
        assert_eq!(retry_after(&headers, now), None); // not visible ASCII
    }
}
