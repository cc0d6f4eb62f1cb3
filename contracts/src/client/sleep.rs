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
    fn sleep(&self, delay: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

/// Sleeps on tokio's timer (so `tokio::time::pause` applies to it).
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, delay: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(delay))
    }
}
