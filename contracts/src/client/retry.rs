//! The retry decision as a pure function: what happened on an attempt, how many retries were
//! already spent → stop, or wait this long (`docs/platform.md` §5.1 in the repository).

use std::time::Duration;

/// What one attempt ended with, as far as the retry decision is concerned.
///
/// ```
/// use std::time::Duration;
/// use loop_contracts::client::retry::{Decision, Failure, RetryPolicy};
///
/// let policy = RetryPolicy::default();
/// let wait = |secs| Decision::Wait { delay: Duration::from_secs(secs), uses_retry: true };
/// // A 503 that asks for 20 s waits longer than the schedule's first step (1 s).
/// let busy = Failure::Status { status: 503, server_wait: Some(Duration::from_secs(20)) };
/// assert_eq!(policy.decide(busy, 0, 0, 0.0), wait(20));
/// // No response, or the same key still in progress: the schedule's next step.
/// assert_eq!(policy.decide(Failure::Network, 1, 0, 0.0), wait(5));
/// assert_eq!(policy.decide(Failure::InProgress, 2, 0, 0.0), wait(30));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The server answered with this status. `server_wait` is the wait the server asked for, if
    /// any: `Retry-After` as delay-seconds, or as an HTTP-date (`Fri, 31 Dec 1999 23:59:59 GMT`,
    /// also the obsolete RFC 850 and asctime forms) minus now, zero for a date already past; else
    /// on a 429 `X-RateLimit-Reset` minus now. A `Retry-After` in neither form is ignored.
    Status {
        /// The HTTP status.
        status: u16,
        /// The wait the server asked for.
        server_wait: Option<Duration>,
    },
    /// No response: the connection failed, was closed, or the attempt timed out. The request may
    /// or may not have been processed; the same `Idempotency-Key` makes a retry safe.
    Network,
    /// `409 IDEMPOTENCY_IN_PROGRESS`: an earlier attempt with the same key is still being
    /// processed; retried on the schedule like a 5xx.
    InProgress,
}

/// The decision after a failed attempt.
///
/// ```
/// use std::time::Duration;
/// use loop_contracts::client::retry::{Decision, Failure, RetryPolicy};
///
/// let limited = Failure::Status { status: 429, server_wait: None };
/// match RetryPolicy::default().decide(limited, 0, 0, 0.0) {
///     Decision::Wait { delay, uses_retry } => {
///         assert_eq!(delay, Duration::from_secs(1)); // no wait named by the server: 1 s
///         assert!(!uses_retry); // waiting out a 429 spends no retry
///     }
///     Decision::Stop => unreachable!("a 429 is waited out"),
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Give up: the failure is final, or the retries are spent.
    Stop,
    /// Wait, then send again. `uses_retry` tells whether this wait spends one of the schedule's
    /// retries (5xx, network errors) or not (429, which only waits for the reset).
    Wait {
        /// How long to wait.
        delay: Duration,
        /// Whether a retry slot is spent.
        uses_retry: bool,
    },
}

/// When to retry: the schedule of waits for 5xx and network errors, jitter, and the bounds on
/// waiting out 429s.
///
/// ```
/// use std::time::Duration;
/// use loop_contracts::client::retry::{Decision, Failure, RetryPolicy};
///
/// let policy = RetryPolicy::default();
/// let five_hundred = Failure::Status { status: 500, server_wait: None };
/// assert_eq!(
///     policy.decide(five_hundred, 0, 0, 0.0),
///     Decision::Wait { delay: Duration::from_secs(1), uses_retry: true }
/// );
/// assert_eq!(policy.decide(five_hundred, 5, 0, 0.0), Decision::Stop); // all five spent
/// let limited = Failure::Status { status: 429, server_wait: Some(Duration::from_secs(3)) };
/// assert_eq!(
///     policy.decide(limited, 5, 0, 0.0),
///     Decision::Wait { delay: Duration::from_secs(3), uses_retry: false }
/// );
/// assert_eq!(policy.decide(Failure::Status { status: 422, server_wait: None }, 0, 0, 0.0), Decision::Stop);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    delays: Vec<Duration>,
    jitter: f64,
    max_rate_limit_waits: u32,
    max_rate_limit_wait: Duration,
    default_rate_limit_wait: Duration,
}

impl Default for RetryPolicy {
    /// The platform's schedule: 1 s, 5 s, 30 s, 2 min, 10 min; no jitter; up to 100 waits on 429,
    /// each at most 10 min (1 s when the server names no wait).
    fn default() -> Self {
        RetryPolicy {
            delays: crate::platform::RETRY_SCHEDULE.to_vec(),
            jitter: 0.0,
            max_rate_limit_waits: 100,
            max_rate_limit_wait: Duration::from_secs(600),
            default_rate_limit_wait: Duration::from_secs(1),
        }
    }
}

impl RetryPolicy {
    /// The default schedule (see [`Default`]).
    ///
    /// ```
    /// use loop_contracts::client::RetryPolicy;
    ///
    /// let policy = RetryPolicy::new();
    /// assert_eq!(policy, RetryPolicy::default());
    /// assert_eq!(policy.delays().len(), 5); // up to five retries after the first attempt
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Never retry 5xx or network errors (429s are still waited out).
    ///
    /// ```
    /// use std::time::Duration;
    /// use loop_contracts::client::retry::{Decision, Failure, RetryPolicy};
    ///
    /// let policy = RetryPolicy::no_retries();
    /// assert_eq!(policy.decide(Failure::Network, 0, 0, 0.0), Decision::Stop);
    /// let limited = Failure::Status { status: 429, server_wait: Some(Duration::from_secs(2)) };
    /// let waited_out = Decision::Wait { delay: Duration::from_secs(2), uses_retry: false };
    /// assert_eq!(policy.decide(limited, 0, 0, 0.0), waited_out);
    /// ```
    pub fn no_retries() -> Self {
        Self::default().with_delays([])
    }

    /// Replaces the schedule of waits before each retry of a 5xx or network error; its length is
    /// the number of retries.
    ///
    /// ```
    /// use std::time::Duration;
    /// use loop_contracts::client::retry::{Decision, Failure, RetryPolicy};
    ///
    /// let policy = RetryPolicy::default().with_delays([Duration::from_millis(100), Duration::from_millis(400)]);
    /// let wait = |ms| Decision::Wait { delay: Duration::from_millis(ms), uses_retry: true };
    /// let decisions: Vec<_> = (0..3).map(|used| policy.decide(Failure::Network, used, 0, 0.0)).collect();
    /// assert_eq!(decisions, [wait(100), wait(400), Decision::Stop]); // two retries, then give up
    /// ```
    pub fn with_delays(mut self, delays: impl IntoIterator<Item = Duration>) -> Self {
        self.delays = delays.into_iter().collect();
        self
    }

    /// Adds up to `fraction` (0 to 1) of each wait, drawn at random. Jitter only ever lengthens a
    /// wait, so it never undercuts a wait the server asked for.
    ///
    /// ```
    /// use std::time::Duration;
    /// use loop_contracts::client::retry::{Decision, Failure, RetryPolicy};
    ///
    /// let policy = RetryPolicy::default().with_jitter(0.5);
    /// let wait = |ms| Decision::Wait { delay: Duration::from_millis(ms), uses_retry: true };
    /// // The first step (1 s) plus up to half of it: jitter_unit 0.5 draws a quarter.
    /// assert_eq!(policy.decide(Failure::Network, 0, 0, 0.0), wait(1_000));
    /// assert_eq!(policy.decide(Failure::Network, 0, 0, 0.5), wait(1_250));
    /// assert_eq!(RetryPolicy::default().with_jitter(3.0).jitter(), 1.0); // clamped to 0..=1
    /// ```
    pub fn with_jitter(mut self, fraction: f64) -> Self {
        self.jitter = if fraction.is_finite() { fraction.clamp(0.0, 1.0) } else { 0.0 };
        self
    }

    /// Bounds waiting out 429s: at most `count` waits per send, each at most `longest`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use loop_contracts::client::retry::{Decision, Failure, RetryPolicy};
    ///
    /// let policy = RetryPolicy::default().with_rate_limit_waits(2, Duration::from_secs(5));
    /// let limited = Failure::Status { status: 429, server_wait: Some(Duration::from_secs(60)) };
    /// let capped = Decision::Wait { delay: Duration::from_secs(5), uses_retry: false };
    /// assert_eq!(policy.decide(limited, 0, 1, 0.0), capped); // 60 s asked, 5 s at most
    /// assert_eq!(policy.decide(limited, 0, 2, 0.0), Decision::Stop); // both waits spent
    /// ```
    pub fn with_rate_limit_waits(mut self, count: u32, longest: Duration) -> Self {
        self.max_rate_limit_waits = count;
        self.max_rate_limit_wait = longest;
        self
    }

    /// The schedule of waits.
    ///
    /// ```
    /// use std::time::Duration;
    /// use loop_contracts::client::RetryPolicy;
    ///
    /// assert_eq!(RetryPolicy::default().delays(), [1, 5, 30, 120, 600].map(Duration::from_secs));
    /// assert!(RetryPolicy::no_retries().delays().is_empty());
    /// ```
    pub fn delays(&self) -> &[Duration] {
        &self.delays
    }

    /// The jitter fraction.
    ///
    /// ```
    /// use loop_contracts::client::RetryPolicy;
    ///
    /// assert_eq!(RetryPolicy::default().jitter(), 0.0);
    /// assert_eq!(RetryPolicy::default().with_jitter(0.2).jitter(), 0.2);
    /// assert_eq!(RetryPolicy::default().with_jitter(f64::NAN).jitter(), 0.0); // not a fraction: none
    /// ```
    pub fn jitter(&self) -> f64 {
        self.jitter
    }

    /// The decision after a failed attempt.
    ///
    /// `retries_used` counts the retries of 5xx and network errors already spent and
    /// `rate_limit_waits` the 429 waits; `jitter_unit` is a number in `[0, 1)` (random in the
    /// client, fixed in tests) scaled by the jitter fraction.
    ///
    /// - 400, 401, 403, 404, 409 (other than in-progress), 413 and 422 are final: [`Decision::Stop`].
    /// - 429 waits for the server's `Retry-After` / `X-RateLimit-Reset` (capped at 10 min by
    ///   default, whether the server named seconds or a date) without spending a retry, up to the
    ///   bound on 429 waits.
    /// - 5xx, 408 and network errors wait for the next step of the schedule (or longer, if the
    ///   server asked for longer), then stop when it is spent.
    ///
    /// ```
    /// use std::time::Duration;
    /// use loop_contracts::client::retry::{Decision, Failure, RetryPolicy};
    ///
    /// let policy = RetryPolicy::default();
    /// let five_hundred = Failure::Status { status: 500, server_wait: None };
    /// let decisions: Vec<_> = (0..6).map(|used| policy.decide(five_hundred, used, 0, 0.0)).collect();
    /// let wait = |secs| Decision::Wait { delay: Duration::from_secs(secs), uses_retry: true };
    /// assert_eq!(decisions, [wait(1), wait(5), wait(30), wait(120), wait(600), Decision::Stop]);
    /// let invalid = Failure::Status { status: 422, server_wait: None };
    /// assert_eq!(policy.decide(invalid, 0, 0, 0.0), Decision::Stop); // final: never retried
    /// ```
    pub fn decide(&self, failure: Failure, retries_used: u32, rate_limit_waits: u32, jitter_unit: f64) -> Decision {
        // Saturating: an extreme schedule step plus its jitter must not overflow `Duration`.
        let jitter = |delay: Duration| {
            let extra = Duration::try_from_secs_f64(delay.as_secs_f64() * self.jitter * jitter_unit.clamp(0.0, 1.0))
                .unwrap_or(Duration::MAX);
            delay.saturating_add(extra)
        };
        match failure {
            Failure::Status { status: 429, server_wait } => {
                if rate_limit_waits >= self.max_rate_limit_waits {
                    return Decision::Stop;
                }
                let wait = server_wait.unwrap_or(self.default_rate_limit_wait).min(self.max_rate_limit_wait);
                Decision::Wait { delay: jitter(wait), uses_retry: false }
            }
            Failure::Status { status, server_wait } if status >= 500 || status == 408 => {
                match self.delays.get(retries_used as usize) {
                    Some(&step) => {
                        let wait = server_wait.map_or(step, |asked| step.max(asked.min(self.max_rate_limit_wait)));
                        Decision::Wait { delay: jitter(wait), uses_retry: true }
                    }
                    None => Decision::Stop,
                }
            }
            Failure::Status { .. } => Decision::Stop,
            Failure::Network | Failure::InProgress => match self.delays.get(retries_used as usize) {
                Some(&step) => Decision::Wait { delay: jitter(step), uses_retry: true },
                None => Decision::Stop,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn status(status: u16) -> Failure {
        Failure::Status { status, server_wait: None }
    }

    #[test]
    fn five_hundreds_follow_the_schedule_then_stop() {
        let policy = RetryPolicy::default();
        let waits: Vec<_> = (0..6).map(|used| policy.decide(status(500), used, 0, 0.0)).collect();
        let expected: Vec<_> = [1, 5, 30, 120, 600]
            .into_iter()
            .map(|s| Decision::Wait { delay: secs(s), uses_retry: true })
            .chain([Decision::Stop])
            .collect();
        assert_eq!(waits, expected);
        for s in [502, 503, 504, 599] {
            assert_eq!(policy.decide(status(s), 2, 0, 0.0), Decision::Wait { delay: secs(30), uses_retry: true });
        }
    }

    #[test]
    fn network_errors_follow_the_same_schedule() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.decide(Failure::Network, 3, 7, 0.0), Decision::Wait { delay: secs(120), uses_retry: true });
        assert_eq!(policy.decide(Failure::Network, 5, 0, 0.0), Decision::Stop);
    }

    #[test]
    fn final_statuses_are_never_retried() {
        let policy = RetryPolicy::default();
        for s in [400, 401, 403, 404, 409, 413, 422] {
            assert_eq!(policy.decide(status(s), 0, 0, 0.0), Decision::Stop, "{s}");
        }
    }

    #[test]
    fn rate_limits_wait_for_the_server_and_spend_no_retry() {
        let policy = RetryPolicy::default();
        let asked = Failure::Status { status: 429, server_wait: Some(secs(7)) };
        assert_eq!(policy.decide(asked, 5, 0, 0.0), Decision::Wait { delay: secs(7), uses_retry: false });
        assert_eq!(policy.decide(status(429), 0, 0, 0.0), Decision::Wait { delay: secs(1), uses_retry: false });
        let huge = Failure::Status { status: 429, server_wait: Some(secs(86_400)) };
        assert_eq!(policy.decide(huge, 0, 0, 0.0), Decision::Wait { delay: secs(600), uses_retry: false });
        assert_eq!(policy.decide(asked, 0, 100, 0.0), Decision::Stop);
    }

    #[test]
    fn a_longer_server_wait_on_a_5xx_wins_over_the_schedule() {
        let policy = RetryPolicy::default();
        let asked = Failure::Status { status: 503, server_wait: Some(secs(20)) };
        assert_eq!(policy.decide(asked, 0, 0, 0.0), Decision::Wait { delay: secs(20), uses_retry: true });
        assert_eq!(policy.decide(asked, 2, 0, 0.0), Decision::Wait { delay: secs(30), uses_retry: true });
    }

    #[test]
    fn jitter_only_lengthens_waits() {
        let policy = RetryPolicy::default().with_jitter(0.5);
        let asked = Failure::Status { status: 429, server_wait: Some(secs(10)) };
        for unit in [0.0, 0.25, 0.999] {
            let Decision::Wait { delay, .. } = policy.decide(asked, 0, 0, unit) else { panic!("waits") };
            assert!(delay >= secs(10) && delay <= secs(15), "{delay:?}");
            let Decision::Wait { delay, .. } = policy.decide(status(500), 1, 0, unit) else { panic!("waits") };
            assert!(delay >= secs(5) && delay <= Duration::from_millis(7_500), "{delay:?}");
        }
        assert_eq!(RetryPolicy::default().with_jitter(f64::NAN).jitter(), 0.0);
        assert_eq!(RetryPolicy::default().with_jitter(7.0).jitter(), 1.0);
    }

    #[test]
    fn a_custom_schedule_sets_the_number_of_retries() {
        let policy = RetryPolicy::default().with_delays([secs(2)]);
        assert_eq!(policy.decide(status(500), 0, 0, 0.0), Decision::Wait { delay: secs(2), uses_retry: true });
        assert_eq!(policy.decide(status(500), 1, 0, 0.0), Decision::Stop);
        assert_eq!(RetryPolicy::no_retries().decide(Failure::Network, 0, 0, 0.0), Decision::Stop);
    }

    #[test]
    fn extreme_steps_and_jitter_saturate_instead_of_overflowing() {
        let policy = RetryPolicy::default().with_delays([Duration::MAX]).with_jitter(1.0);
        let decision = policy.decide(Failure::Network, 0, 0, 0.999);
        assert!(matches!(decision, Decision::Wait { delay, .. } if delay == Duration::MAX), "{decision:?}");
    }
}
