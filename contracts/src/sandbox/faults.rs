//! Seeded, reproducible fault injection.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// What the sandbox does to one request instead of (or besides) answering it normally.
///
/// ```
/// use loop_contracts::sandbox::{Fault, FaultConfig};
///
/// let faults = FaultConfig::seeded(3).with_drop_rate(0.5).with_rate_limit_rate(0.5);
/// let drawn: Vec<Fault> = faults.plan().take(1_000).map(|(fault, _)| fault).collect();
/// assert!(drawn.contains(&Fault::DropConnection) && drawn.contains(&Fault::RateLimited));
/// assert!(!drawn.contains(&Fault::None)); // the shares add up to 1: every request is faulted
/// assert!(FaultConfig::default().plan().take(100).all(|(fault, _)| fault == Fault::None));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Nothing: the request is handled normally.
    None,
    /// A `500 INTERNAL_ERROR` (retry safe: the request is not processed).
    InternalError,
    /// The connection is closed without a response. The request is not processed, unless
    /// [`FaultConfig::drop_after_processing`] is set.
    DropConnection,
    /// A `429 RATE_LIMITED` with `Retry-After: 1`, whatever the real limiter says.
    RateLimited,
}

/// The faults a sandbox injects: shares of requests that fail each way, and added latency.
///
/// Each request to a platform route (`/api/…` and webhook routes; not `/__sandbox/…`) that passes
/// authentication and the real rate limit draws one [`Fault`] and one latency from a random
/// number generator seeded with [`seed`](Self::seed) (`StdRng::seed_from_u64`): the *n*-th such
/// request always gets the *n*-th decision of [`plan`](Self::plan). Sequential clients therefore
/// see exactly the same faults on every run; concurrent ones see the same sequence, dealt in
/// arrival order. Setting a configuration (at start, with
/// [`SandboxHandle::set_faults`](super::SandboxHandle::set_faults) or `POST /__sandbox/faults`)
/// restarts the sequence from its seed.
///
/// On the wire (the admin endpoint) it is camelCase JSON with durations in milliseconds; every
/// field is optional and defaults to zero / off:
/// `{"seed": 7, "errorRate": 0.3, "dropRate": 0.05, "rateLimitRate": 0.05, "latencyMs": 20,
/// "latencyJitterMs": 10, "processingMs": 0, "dropAfterProcessing": false}`.
///
/// ```
/// use std::time::Duration;
/// use loop_contracts::sandbox::{Fault, FaultConfig};
///
/// let faults = FaultConfig::seeded(7).with_error_rate(0.3).with_latency(Duration::from_millis(5), Duration::ZERO);
/// assert!(faults.validate().is_ok());
/// let errors = faults.plan().take(10_000).filter(|(fault, _)| *fault == Fault::InternalError).count();
/// assert!((2_700..3_300).contains(&errors));
/// // The same seed, the same sequence.
/// assert!(faults.plan().take(100).eq(faults.plan().take(100)));
/// assert!(faults.plan().take(100).all(|(_, latency)| latency == Duration::from_millis(5)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct FaultConfig {
    /// The random number generator's seed.
    pub seed: u64,
    /// Share of requests answered `500 INTERNAL_ERROR` (0 to 1).
    pub error_rate: f64,
    /// Share of requests whose connection is closed without a response (0 to 1).
    pub drop_rate: f64,
    /// Share of requests answered `429 RATE_LIMITED` although under the limit (0 to 1).
    pub rate_limit_rate: f64,
    /// Latency added to every drawn request before it is answered (or dropped).
    #[serde(rename = "latencyMs", with = "millis")]
    pub latency: Duration,
    /// Up to this much more latency, uniformly drawn.
    #[serde(rename = "latencyJitterMs", with = "millis")]
    pub latency_jitter: Duration,
    /// Simulated processing time of an accepted `POST /api/events` or webhook, spent while its
    /// idempotency key is held (so concurrent duplicates overlap); not random.
    #[serde(rename = "processingMs", with = "millis")]
    pub processing: Duration,
    /// Dropped connections are dropped *after* the request is processed (the event is accepted and
    /// its response kept for idempotent replay, but never sent): the failure a client's retry with
    /// the same Idempotency-Key must survive.
    pub drop_after_processing: bool,
}

impl FaultConfig {
    /// No faults, with this seed (add faults with the `with_` methods).
    ///
    /// ```
    /// use loop_contracts::sandbox::FaultConfig;
    ///
    /// let faults = FaultConfig::seeded(42);
    /// assert_eq!(faults, FaultConfig { seed: 42, ..FaultConfig::default() });
    /// assert!(!faults.is_active());
    /// ```
    pub fn seeded(seed: u64) -> Self {
        FaultConfig { seed, ..FaultConfig::default() }
    }

    /// Reads a configuration from the JSON of `POST /__sandbox/faults`: an object, unknown keys
    /// refused.
    ///
    /// ```
    /// use loop_contracts::sandbox::FaultConfig;
    ///
    /// let faults = FaultConfig::from_json(r#"{"seed": 7, "errorRate": 0.1}"#).unwrap();
    /// assert_eq!(faults, FaultConfig::seeded(7).with_error_rate(0.1));
    /// assert!(FaultConfig::from_json(r#"[7, 0.1]"#).is_err());
    /// ```
    pub fn from_json(text: &str) -> serde_json::Result<FaultConfig> {
        crate::strict::from_str(text)
    }

    /// Sets the share of `500`s.
    ///
    /// ```
    /// use loop_contracts::sandbox::{Fault, FaultConfig};
    ///
    /// let faults = FaultConfig::seeded(1).with_error_rate(1.0); // every request
    /// assert!(faults.plan().take(100).all(|(fault, _)| fault == Fault::InternalError));
    /// ```
    pub fn with_error_rate(mut self, share: f64) -> Self {
        self.error_rate = share;
        self
    }

    /// Sets the share of dropped connections.
    ///
    /// ```
    /// use loop_contracts::sandbox::{Fault, FaultConfig};
    ///
    /// let faults = FaultConfig::seeded(1).with_drop_rate(1.0); // every request
    /// assert!(faults.plan().take(100).all(|(fault, _)| fault == Fault::DropConnection));
    /// ```
    pub fn with_drop_rate(mut self, share: f64) -> Self {
        self.drop_rate = share;
        self
    }

    /// Sets the share of spurious `429`s.
    ///
    /// ```
    /// use loop_contracts::sandbox::{Fault, FaultConfig};
    ///
    /// let faults = FaultConfig::seeded(1).with_rate_limit_rate(1.0); // every request
    /// assert!(faults.plan().take(100).all(|(fault, _)| fault == Fault::RateLimited));
    /// ```
    pub fn with_rate_limit_rate(mut self, share: f64) -> Self {
        self.rate_limit_rate = share;
        self
    }

    /// Sets the added latency: `fixed` plus up to `jitter`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use loop_contracts::sandbox::FaultConfig;
    ///
    /// let ms = Duration::from_millis;
    /// let faults = FaultConfig::seeded(1).with_latency(ms(20), ms(10));
    /// assert!(faults.plan().take(1_000).all(|(_, latency)| (ms(20)..=ms(30)).contains(&latency)));
    /// ```
    pub fn with_latency(mut self, fixed: Duration, jitter: Duration) -> Self {
        self.latency = fixed;
        self.latency_jitter = jitter;
        self
    }

    /// Sets the simulated processing time (see [`processing`](Self::processing)).
    ///
    /// ```
    /// use std::time::Duration;
    /// use loop_contracts::sandbox::FaultConfig;
    ///
    /// let faults = FaultConfig::seeded(1).with_processing(Duration::from_millis(50));
    /// assert_eq!(faults.processing, Duration::from_millis(50));
    /// assert!(!faults.is_active()); // not a fault: every accepted event takes that long, none fails
    /// ```
    pub fn with_processing(mut self, time: Duration) -> Self {
        self.processing = time;
        self
    }

    /// Drops connections after processing (see [`drop_after_processing`](Self::drop_after_processing)).
    ///
    /// ```
    /// use loop_contracts::sandbox::FaultConfig;
    /// # #[cfg(feature = "client")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use loop_contracts::client::{Client, RetryPolicy};
    /// # let sandbox = loop_contracts::sandbox::Sandbox::builder().start().await?;
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// # let lead: loop_contracts::catalog::LeadCaptured = loop_contracts::Event::from_json_value(&serde_json::json!({
    /// #     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
    /// #     "source": "quiz_completion", "attribution": {},
    /// # }))?;
    ///
    /// // Every response is lost, after the event was accepted.
    /// sandbox.set_faults(FaultConfig::seeded(1).with_drop_rate(1.0).with_drop_after_processing(true))?;
    /// let once = RetryPolicy::no_retries();
    /// let client = Client::builder().key(key).base_url(sandbox.url()).retry_policy(once).build()?;
    /// assert!(client.send(&lead).await.is_err()); // no answer,
    /// assert_eq!(sandbox.accepted().len(), 1); // yet accepted
    /// sandbox.set_faults(FaultConfig::default())?;
    /// let again = client.send(&lead).await?; // a retry with the same Idempotency-Key
    /// assert!(again.replayed); // answered with the first response, not processed twice
    /// assert_eq!(sandbox.accepted().len(), 1);
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn with_drop_after_processing(mut self, yes: bool) -> Self {
        self.drop_after_processing = yes;
        self
    }

    /// Whether any fault or latency is configured.
    ///
    /// ```
    /// use std::time::Duration;
    /// use loop_contracts::sandbox::FaultConfig;
    ///
    /// assert!(!FaultConfig::default().is_active());
    /// assert!(FaultConfig::seeded(1).with_rate_limit_rate(0.01).is_active());
    /// assert!(FaultConfig::seeded(1).with_latency(Duration::ZERO, Duration::from_millis(5)).is_active());
    /// ```
    pub fn is_active(&self) -> bool {
        self.error_rate > 0.0
            || self.drop_rate > 0.0
            || self.rate_limit_rate > 0.0
            || !self.latency.is_zero()
            || !self.latency_jitter.is_zero()
    }

    /// Checks that each share is within 0 to 1 and that they add up to at most 1, and that the
    /// durations are at most a minute.
    ///
    /// ```
    /// use std::time::Duration;
    /// use loop_contracts::sandbox::FaultConfig;
    ///
    /// assert!(FaultConfig::seeded(1).with_error_rate(0.5).with_drop_rate(0.5).validate().is_ok());
    /// let too_much = FaultConfig::seeded(1).with_error_rate(0.6).with_drop_rate(0.6);
    /// assert_eq!(too_much.validate().unwrap_err(), "errorRate + dropRate + rateLimitRate must be at most 1, not 1.2");
    /// let too_slow = FaultConfig::seeded(1).with_latency(Duration::from_secs(61), Duration::ZERO);
    /// assert_eq!(too_slow.validate().unwrap_err(), "latencyMs must be at most 60000");
    /// ```
    pub fn validate(&self) -> Result<(), String> {
        for (name, share) in
            [("errorRate", self.error_rate), ("dropRate", self.drop_rate), ("rateLimitRate", self.rate_limit_rate)]
        {
            if !(0.0..=1.0).contains(&share) {
                return Err(format!("{name} must be between 0 and 1, not {share}"));
            }
        }
        let total = self.error_rate + self.drop_rate + self.rate_limit_rate;
        if total > 1.0 + 1e-9 {
            return Err(format!("errorRate + dropRate + rateLimitRate must be at most 1, not {total}"));
        }
        for (name, d) in
            [("latencyMs", self.latency), ("latencyJitterMs", self.latency_jitter), ("processingMs", self.processing)]
        {
            if d > Duration::from_secs(60) {
                return Err(format!("{name} must be at most 60000"));
            }
        }
        Ok(())
    }

    /// The sequence of decisions the sandbox deals from this configuration's seed: for each
    /// drawn request, its fault and its added latency.
    ///
    /// ```
    /// use loop_contracts::sandbox::{Fault, FaultConfig, Sandbox};
    /// # #[cfg(feature = "client")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use loop_contracts::client::{Client, RetryPolicy};
    /// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
    /// # let lead = |i: u64| serde_json::json!({
    /// #     "eventId": format!("550e8400-e29b-41d4-a716-{i:012x}"), "occurredAt": "2026-05-19T12:00:00Z",
    /// #     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": format!("lead{i}@example.com"),
    /// #     "source": "quiz_completion", "attribution": {},
    /// # });
    ///
    /// let faults = FaultConfig::seeded(7).with_error_rate(0.5);
    /// let expected: Vec<bool> = faults.plan().take(20).map(|(fault, _)| fault == Fault::None).collect();
    /// let sandbox = Sandbox::builder().faults(faults).start().await?;
    /// let once = RetryPolicy::no_retries();
    /// let client = Client::builder().key(key).base_url(sandbox.url()).retry_policy(once).build()?;
    /// let mut answered = Vec::new();
    /// for i in 0..20 {
    ///     answered.push(client.send_json("lead.captured.v1", &lead(i)).await.is_ok());
    /// }
    /// assert_eq!(answered, expected); // the n-th request got the n-th decision
    /// # Ok(())
    /// # }
    /// # #[cfg(not(feature = "client"))]
    /// # fn main() {}
    /// ```
    pub fn plan(&self) -> impl Iterator<Item = (Fault, Duration)> + '_ {
        let mut rng = StdRng::seed_from_u64(self.seed);
        std::iter::from_fn(move || Some(self.decide(&mut rng)))
    }

    /// One decision; always draws exactly two numbers, so the sequence of faults of a seed does
    /// not depend on the latency settings and vice versa.
    fn decide(&self, rng: &mut StdRng) -> (Fault, Duration) {
        let roll: f64 = rng.random();
        let jitter: f64 = rng.random();
        let fault = if roll < self.drop_rate {
            Fault::DropConnection
        } else if roll < self.drop_rate + self.error_rate {
            Fault::InternalError
        } else if roll < self.drop_rate + self.error_rate + self.rate_limit_rate {
            Fault::RateLimited
        } else {
            Fault::None
        };
        (fault, self.latency + self.latency_jitter.mul_f64(jitter))
    }
}

/// The live fault state of a running sandbox.
#[derive(Debug)]
pub(crate) struct FaultInjector {
    active: AtomicBool,
    processing_nanos: AtomicU64,
    state: Mutex<(FaultConfig, StdRng)>,
}

impl FaultInjector {
    pub(crate) fn new(config: FaultConfig) -> Self {
        FaultInjector {
            active: AtomicBool::new(config.is_active()),
            processing_nanos: AtomicU64::new(nanos(config.processing)),
            state: Mutex::new((config, StdRng::seed_from_u64(config.seed))),
        }
    }

    /// Replaces the configuration and restarts its sequence.
    pub(crate) fn set(&self, config: FaultConfig) {
        let mut state = crate::sync::lock(&self.state);
        *state = (config, StdRng::seed_from_u64(config.seed));
        self.active.store(config.is_active(), Ordering::Release);
        self.processing_nanos.store(nanos(config.processing), Ordering::Release);
    }

    pub(crate) fn config(&self) -> FaultConfig {
        crate::sync::lock(&self.state).0
    }

    /// The next decision, plus the processing time and whether drops come after processing.
    pub(crate) fn next(&self) -> Decision {
        if !self.active.load(Ordering::Acquire) {
            // No draw while nothing is configured: the sequence starts with the first fault.
            let processing = Duration::from_nanos(self.processing_nanos.load(Ordering::Acquire));
            return Decision { fault: Fault::None, latency: Duration::ZERO, processing, drop_after_processing: false };
        }
        let mut state = crate::sync::lock(&self.state);
        let (config, rng) = &mut *state;
        let (fault, latency) = config.decide(rng);
        Decision { fault, latency, processing: config.processing, drop_after_processing: config.drop_after_processing }
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// What happens to one request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decision {
    pub(crate) fault: Fault,
    pub(crate) latency: Duration,
    pub(crate) processing: Duration,
    pub(crate) drop_after_processing: bool,
}

/// `Duration` as whole milliseconds on the wire.
mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_partition_the_roll() {
        let config = FaultConfig::seeded(42).with_error_rate(0.2).with_drop_rate(0.1).with_rate_limit_rate(0.3);
        let mut counts = std::collections::HashMap::new();
        for (fault, _) in config.plan().take(100_000) {
            *counts.entry(fault).or_insert(0u32) += 1;
        }
        let share = |f| f64::from(counts.get(&f).copied().unwrap_or(0)) / 100_000.0;
        assert!((share(Fault::InternalError) - 0.2).abs() < 0.01);
        assert!((share(Fault::DropConnection) - 0.1).abs() < 0.01);
        assert!((share(Fault::RateLimited) - 0.3).abs() < 0.01);
        assert!((share(Fault::None) - 0.4).abs() < 0.01);
    }

    #[test]
    fn seeds_differ_and_repeat() {
        let a = FaultConfig::seeded(1).with_error_rate(0.5);
        let b = FaultConfig::seeded(2).with_error_rate(0.5);
        let faults = |c: &FaultConfig| c.plan().take(64).map(|(f, _)| f).collect::<Vec<_>>();
        assert_eq!(faults(&a), faults(&a));
        assert_ne!(faults(&a), faults(&b));
        // The injector deals the plan, and restarts it when set again.
        let injector = FaultInjector::new(a);
        let dealt: Vec<_> = (0..64).map(|_| injector.next().fault).collect();
        assert_eq!(dealt, faults(&a));
        injector.set(a);
        assert_eq!(injector.next().fault, faults(&a)[0]);
    }

    #[test]
    fn latency_is_within_jitter() {
        let config = FaultConfig::seeded(3).with_latency(Duration::from_millis(10), Duration::from_millis(5));
        for (_, latency) in config.plan().take(1000) {
            assert!(latency >= Duration::from_millis(10) && latency <= Duration::from_millis(15));
        }
    }

    #[test]
    fn validation_and_wire_form() {
        assert!(FaultConfig::seeded(0).with_error_rate(1.5).validate().is_err());
        assert!(FaultConfig::seeded(0).with_error_rate(0.6).with_drop_rate(0.6).validate().is_err());
        assert!(FaultConfig::seeded(0).with_error_rate(f64::NAN).validate().is_err());
        let parsed: FaultConfig =
            serde_json::from_str(r#"{"seed": 9, "errorRate": 0.25, "latencyMs": 12, "dropAfterProcessing": true}"#)
                .unwrap();
        assert_eq!(parsed.seed, 9);
        assert_eq!(parsed.latency, Duration::from_millis(12));
        assert!(parsed.drop_after_processing);
        assert!(serde_json::from_str::<FaultConfig>(r#"{"errorrate": 0.25}"#).is_err());
        let back = serde_json::to_value(parsed).unwrap();
        assert_eq!(back["latencyMs"], 12);
        assert_eq!(back["errorRate"], 0.25);
    }
}
