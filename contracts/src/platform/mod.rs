//! Facts of the platform that more than one part of the crate keeps to.

#[cfg(any(feature = "webhooks", feature = "__client"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "webhooks", feature = "client"))))]
pub mod api_key;

/// The platform's retry schedule (the integration guide's): after a failed attempt, wait 1 s,
/// 5 s, 30 s, 2 min, then 10 min, six attempts in all. Delivery webhooks are retried on it, and the
/// client retries its sends on it by default.
///
/// ```
/// assert_eq!(loop_contracts::platform::RETRY_SCHEDULE.iter().map(|d| d.as_secs()).sum::<u64>(), 756);
/// ```
pub const RETRY_SCHEDULE: [std::time::Duration; 5] = [
    std::time::Duration::from_secs(1),
    std::time::Duration::from_secs(5),
    std::time::Duration::from_secs(30),
    std::time::Duration::from_secs(2 * 60),
    std::time::Duration::from_secs(10 * 60),
];

/// The HTTP headers of the platform's API, as lower-case names (HTTP header names are
/// case-insensitive; `http::HeaderName::from_static` takes them as they are).
///
/// ```
/// use loop_contracts::platform::headers;
///
/// assert_eq!(headers::IDEMPOTENCY_KEY, "idempotency-key");
/// assert!(headers::ALL.iter().all(|name| name.bytes().all(|b| !b.is_ascii_uppercase())));
/// ```
pub mod headers {
    /// `Idempotency-Key`: the eventId a send is deduplicated by.
    pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
    /// `Idempotent-Replayed: true` on an answer replayed for a repeated key.
    pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";
    /// `X-RateLimit-Limit`: the tier's rate per second.
    pub const RATE_LIMIT_LIMIT: &str = "x-ratelimit-limit";
    /// `X-RateLimit-Remaining`: the requests that may still be sent at once.
    pub const RATE_LIMIT_REMAINING: &str = "x-ratelimit-remaining";
    /// `X-RateLimit-Reset`: Unix seconds at which the bucket is full again.
    pub const RATE_LIMIT_RESET: &str = "x-ratelimit-reset";
    /// Every header above.
    pub const ALL: [&str; 5] =
        [IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED, RATE_LIMIT_LIMIT, RATE_LIMIT_REMAINING, RATE_LIMIT_RESET];
}
