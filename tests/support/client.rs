//! Helpers of the client's tests (`tests/client/`, `tests/cli/send.rs`): a recording sleeper, a
//! client on a sandbox.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use loop_contracts::client::{Client, ClientBuilder, Sleeper};
use loop_contracts::sandbox::SandboxHandle;

pub use crate::sandbox::*;

type Hook = Box<dyn Fn(usize) + Send + Sync>;

/// A sleeper that records every wait, returns at once, and runs a hook with the number of waits
/// so far (to change the sandbox's faults mid-send).
#[derive(Clone, Default)]
pub struct Recorder {
    delays: Arc<Mutex<Vec<Duration>>>,
    hook: Option<Arc<Hook>>,
}

impl Recorder {
    /// A recorder that runs `hook` with the number of waits so far, at each wait.
    pub fn with_hook(hook: impl Fn(usize) + Send + Sync + 'static) -> Self {
        Recorder { delays: Arc::default(), hook: Some(Arc::new(Box::new(hook))) }
    }

    /// Every wait asked for so far, in order.
    pub fn delays(&self) -> Vec<Duration> {
        self.delays.lock().unwrap().clone()
    }
}

impl Sleeper for Recorder {
    fn sleep(&self, delay: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let count = {
            let mut delays = self.delays.lock().unwrap();
            delays.push(delay);
            delays.len()
        };
        if let Some(hook) = &self.hook {
            hook(count);
        }
        Box::pin(async {})
    }
}

/// `s` seconds.
pub fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// The platform's schedule.
pub fn schedule() -> Vec<Duration> {
    [1, 5, 30, 120, 600].map(secs).to_vec()
}

/// A client builder for this sandbox, with the suite's key and an unlimited tier.
pub fn client_builder(sandbox: &SandboxHandle) -> ClientBuilder {
    Client::builder().key(key(KEY)).base_url(sandbox.url()).tier(UNLIMITED).timeout(secs(10))
}
