//! Per-caller rate limiting at the caller's tier (governor's GCRA, one keyed limiter per tier).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};

use crate::platform::api_key::{ApiKey, Tier};

/// Who a request counts against: its API key, or (without a valid key) its address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Caller {
    Key(ApiKey),
    Address(IpAddr),
}

type Keyed = RateLimiter<Caller, HashMapStateStore<Caller>, DefaultClock, StateInformationMiddleware>;

/// How often (in checks) idle callers' state is purged, so that a stream of distinct keys cannot
/// grow the limiter without bound (a purged caller had a full bucket: forgetting it changes nothing).
const PURGE_EVERY: u64 = 1 << 16;

pub(crate) struct Limiter {
    buckets: HashMap<Tier, Keyed>,
    key_tiers: HashMap<ApiKey, Tier>,
    default_tier: Tier,
    anonymous_tier: Tier,
    checks: AtomicU64,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("default_tier", &self.default_tier)
            .field("anonymous_tier", &self.anonymous_tier)
            .field("keys_with_tiers", &self.key_tiers.len())
            .finish_non_exhaustive()
    }
}

/// The outcome of one check, as the `X-RateLimit-*` headers report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateStatus {
    pub(crate) tier: Tier,
    /// Requests that may still be sent at once.
    pub(crate) remaining: u32,
    /// Unix seconds (rounded up) at which the bucket is full again.
    pub(crate) reset: u64,
    /// Set when the request is refused: whole seconds (at least 1) until one request is allowed.
    pub(crate) retry_after: Option<u64>,
}

pub(crate) const LIMIT: HeaderName = HeaderName::from_static(crate::platform::headers::RATE_LIMIT_LIMIT);
pub(crate) const REMAINING: HeaderName = HeaderName::from_static(crate::platform::headers::RATE_LIMIT_REMAINING);
pub(crate) const RESET: HeaderName = HeaderName::from_static(crate::platform::headers::RATE_LIMIT_RESET);

impl RateStatus {
    pub(crate) fn allowed(&self) -> bool {
        self.retry_after.is_none()
    }

    /// A refusal that the real limiter did not make (an injected 429): nothing left, retry in a second.
    pub(crate) fn injected_refusal(tier: Tier) -> Self {
        RateStatus { tier, remaining: 0, reset: unix_ceil(Duration::from_secs(1)), retry_after: Some(1) }
    }

    /// Writes `X-RateLimit-Limit`, `-Remaining`, `-Reset` (and `Retry-After` on a refusal).
    pub(crate) fn write(&self, headers: &mut HeaderMap) {
        headers.insert(LIMIT, HeaderValue::from(self.tier.per_second()));
        headers.insert(REMAINING, HeaderValue::from(self.remaining));
        headers.insert(RESET, HeaderValue::from(self.reset));
        if let Some(secs) = self.retry_after {
            headers.insert(axum::http::header::RETRY_AFTER, HeaderValue::from(secs));
        }
    }
}

impl Limiter {
    pub(crate) fn new(default_tier: Tier, anonymous_tier: Tier, key_tiers: HashMap<ApiKey, Tier>) -> Self {
        let mut buckets = HashMap::new();
        for tier in key_tiers.values().copied().chain([default_tier, anonymous_tier]) {
            buckets.entry(tier).or_insert_with(|| {
                let quota = Quota::per_second(tier_rate(tier)).allow_burst(tier_burst(tier));
                RateLimiter::hashmap(quota).with_middleware::<StateInformationMiddleware>()
            });
        }
        Limiter { buckets, key_tiers, default_tier, anonymous_tier, checks: AtomicU64::new(0) }
    }

    pub(crate) fn tier_of(&self, caller: &Caller) -> Tier {
        match caller {
            Caller::Key(key) => self.key_tiers.get(key).copied().unwrap_or(self.default_tier),
            Caller::Address(_) => self.anonymous_tier,
        }
    }

    /// Counts one request against the caller.
    pub(crate) fn check(&self, caller: &Caller) -> RateStatus {
        if self.checks.fetch_add(1, Ordering::Relaxed) % PURGE_EVERY == PURGE_EVERY - 1 {
            for bucket in self.buckets.values() {
                bucket.retain_recent();
            }
        }
        let tier = self.tier_of(caller);
        let Some(bucket) = self.buckets.get(&tier) else {
            // Every tier got a bucket in `new`; answer as an untouched bucket rather than panic.
            return RateStatus { tier, remaining: tier.burst(), reset: unix_ceil(Duration::ZERO), retry_after: None };
        };
        let interval = Duration::from_secs(1) / tier.per_second();
        match bucket.check_key(caller) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity().min(tier.burst());
                let to_full = interval * (tier.burst() - remaining);
                RateStatus { tier, remaining, reset: unix_ceil(to_full), retry_after: None }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(bucket.clock().now());
                let to_full = wait + interval * (tier.burst() - 1);
                let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                RateStatus { tier, remaining: 0, reset: unix_ceil(to_full), retry_after: Some(retry_after.max(1)) }
            }
        }
    }
}

fn tier_rate(tier: Tier) -> std::num::NonZeroU32 {
    std::num::NonZeroU32::new(tier.per_second()).unwrap_or(std::num::NonZeroU32::MIN)
}

fn tier_burst(tier: Tier) -> std::num::NonZeroU32 {
    std::num::NonZeroU32::new(tier.burst()).unwrap_or(std::num::NonZeroU32::MIN)
}

/// Unix seconds, rounded up, `after` from now.
fn unix_ceil(after: Duration) -> u64 {
    let at = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default() + after;
    at.as_secs() + u64::from(at.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refusal_with_headers() {
        let tier = Tier::new(1, 3).unwrap();
        let key = ApiKey::parse("lk_test_0123456789abcdef").unwrap();
        let limiter = Limiter::new(Tier::STANDARD, Tier::STANDARD, [(key.clone(), tier)].into_iter().collect());
        let caller = Caller::Key(key);
        let remaining: Vec<u32> = (0..3).map(|_| limiter.check(&caller).remaining).collect();
        assert_eq!(remaining, [2, 1, 0]);
        let refused = limiter.check(&caller);
        assert!(!refused.allowed());
        assert_eq!(refused.retry_after, Some(1));
        let now = unix_ceil(Duration::ZERO);
        assert!(refused.reset >= now + 2 && refused.reset <= now + 4, "{refused:?}");
        let mut headers = HeaderMap::new();
        refused.write(&mut headers);
        assert_eq!(headers[&LIMIT], "1");
        assert_eq!(headers[&REMAINING], "0");
        assert_eq!(headers["retry-after"], "1");
    }

    #[test]
    fn callers_are_counted_apart() {
        let limiter = Limiter::new(Tier::new(1, 1).unwrap(), Tier::new(1, 2).unwrap(), HashMap::new());
        let a = Caller::Key(ApiKey::parse("lk_dev_aaaaaaaaaaaaaaaa").unwrap());
        let b = Caller::Key(ApiKey::parse("lk_dev_bbbbbbbbbbbbbbbb").unwrap());
        let ip = Caller::Address(IpAddr::from([127, 0, 0, 1]));
        assert!(limiter.check(&a).allowed());
        assert!(!limiter.check(&a).allowed());
        assert!(limiter.check(&b).allowed());
        assert_eq!(limiter.check(&ip).remaining, 1);
    }
}
