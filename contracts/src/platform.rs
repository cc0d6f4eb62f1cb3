//! Facts of the platform that more than one part of the crate keeps to.

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
