//! The client-side throttle: the rate limiter (the tier's rate and burst, or the server's lower
//! announced rate) and the hold every send of a client waits out after an empty bucket or a 429.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use super::RateLimit;
use crate::platform::api_key::Tier;
use crate::sync::lock;

/// What every send of one client (and of its clones) passes before its request: the client-side
/// limiter, if on, and the hold the server's headers or a 429 asked for.
pub(super) struct Throttle {
    limiter: Option<Mutex<Limiter>>,
    /// The base of `hold_until`.
    epoch: Instant,
    /// Nanoseconds after `epoch` until which every send waits (0: none); an atomic, because every
    /// send reads it.
    hold_until: AtomicU64,
}

/// The client-side limiter at its current rate: the tier's, or the server's when it announces a
/// lower one in `X-RateLimit-Limit`.
struct Limiter {
    per_second: u32,
    tier_per_second: u32,
    tier_burst: u32,
    bucket: Arc<DefaultDirectRateLimiter>,
}

impl Limiter {
    fn new(per_second: u32, burst: u32) -> Self {
        Limiter {
            per_second,
            tier_per_second: per_second,
            tier_burst: burst,
            bucket: Arc::new(Self::bucket(per_second, burst)),
        }
    }

    fn bucket(per_second: u32, burst: u32) -> DefaultDirectRateLimiter {
        let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        // Part of the burst is kept in reserve: requests released in step reach the server with
        // varying latency, and bunched arrivals must not overdraw its bucket. The reserve covers
        // a stall of 200 ms (a fifth of a second's requests), at least a tenth of the burst, at
        // most half of it.
        let reserve = (burst / 10).max(per_second / 5).min(burst / 2);
        let burst = NonZeroU32::new(burst - reserve).unwrap_or(NonZeroU32::MIN);
        RateLimiter::direct(Quota::per_second(rate).allow_burst(burst))
    }

    /// Follows the server's announced rate, never above the configured tier. The server does not
    /// announce its burst, so below the tier one second's worth of requests is assumed.
    fn follow(&mut self, announced: u64) {
        let target = u32::try_from(announced).unwrap_or(u32::MAX).clamp(1, self.tier_per_second);
        if target == self.per_second {
            return;
        }
        let burst = if target == self.tier_per_second { self.tier_burst } else { target.min(self.tier_burst) };
        tracing::info!(from = self.per_second, to = target, "following the server's rate limit");
        self.per_second = target;
        self.bucket = Arc::new(Self::bucket(target, burst));
    }
}

impl Throttle {
    /// The throttle of a client: the tier's limiter when `limit` is on (none otherwise), no hold.
    pub(super) fn new(tier: Tier, limit: bool) -> Self {
        Throttle {
            limiter: limit.then(|| Mutex::new(Limiter::new(tier.per_second(), tier.burst()))),
            epoch: Instant::now(),
            hold_until: AtomicU64::new(0),
        }
    }

    /// Waits for the client-side limiter and for any hold the server's headers asked for (unless
    /// this send has just waited out its own 429).
    pub(super) async fn wait_turn(&self, skip_hold: bool) {
        let hold = if skip_hold { 0 } else { self.hold_until.load(Ordering::Relaxed) };
        if hold > 0 {
            let until = self.epoch + Duration::from_nanos(hold);
            let now = Instant::now();
            if until > now {
                tokio::time::sleep(until - now).await;
            }
        }
        if let Some(limiter) = &self.limiter {
            let bucket = lock(limiter).bucket.clone();
            while let Err(not_until) = bucket.check() {
                tokio::time::sleep(not_until.wait_time_from(DefaultClock::default().now())).await;
            }
        }
    }

    /// Adapts to a response's rate-limit figures: the client-side limiter follows a server limit
    /// lower than the configured tier, and an empty bucket holds every send of this client for
    /// one request's worth of refill. (A 429 holds them for its whole wait, in `wait`.)
    pub(super) fn adapt(&self, rate: Option<RateLimit>) {
        if let (Some(limiter), Some(rate)) = (&self.limiter, rate.filter(|r| r.limit > 0)) {
            lock(limiter).follow(rate.limit);
        }
        if let Some(rate) = rate.filter(|r| r.remaining == 0 && r.limit > 0) {
            self.hold_for(Duration::from_secs_f64(1.0 / rate.limit as f64));
        }
    }

    /// Holds every send of this client for this long (at most 10 min).
    pub(super) fn hold_for(&self, wait: Duration) {
        if wait.is_zero() {
            return;
        }
        let until = Instant::now() + wait.min(Duration::from_secs(600));
        let nanos = u64::try_from(until.duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX).max(1);
        self.hold_until.fetch_max(nanos, Ordering::Relaxed);
    }
}
