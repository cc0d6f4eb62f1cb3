//! The waits between attempts, injectable so tests check the schedule exactly without waiting.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// Waits between attempts (retries and 429 waits). The default is [`TokioSleeper`]; tests pass
/// one that records the delays and returns at once.
///
/// ```
/// use std::{future::Future, pin::Pin, sync::{Arc, Mutex}, time::Duration};
/// use loop_contracts::client::Sleeper;
///
/// #[derive(Default)]
/// struct Recorder(Mutex<Vec<Duration>>);
///
/// impl Sleeper for Recorder {
///     fn sleep(&self, delay: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
///         self.0.lock().unwrap().push(delay);
///         Box::pin(async {})
///     }
/// }
/// ```
pub trait Sleeper: Send + Sync + 'static {
    /// A future that completes after `delay`.
    ///
    /// ```
    /// use std::{future::Future, pin::Pin, time::{Duration, Instant}};
    /// use loop_contracts::client::{Sleeper, TokioSleeper};
    ///
    /// /// Waits 10 ms at most, whatever the schedule says (a quick local run against a sandbox).
    /// struct Capped;
    ///
    /// impl Sleeper for Capped {
    ///     fn sleep(&self, delay: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    ///         TokioSleeper.sleep(delay.min(Duration::from_millis(10)))
    ///     }
    /// }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    ///
    /// let started = Instant::now();
    /// Capped.sleep(Duration::from_secs(600)).await; // the schedule's 10-minute step
    /// assert!(started.elapsed() < Duration::from_secs(1));
    /// # }
    /// ```
    fn sleep(&self, delay: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

/// Sleeps on tokio's timer (so `tokio::time::pause` applies to it).
///
/// ```
/// use std::time::{Duration, Instant};
/// use loop_contracts::client::{Sleeper, TokioSleeper};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
///
/// let started = Instant::now();
/// TokioSleeper.sleep(Duration::from_millis(20)).await; // what a client waits with by default
/// assert!(started.elapsed() >= Duration::from_millis(20));
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, delay: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(delay))
    }
}
