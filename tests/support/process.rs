//! One lock for the tests that change what the whole test process shares.
//!
//! An integration-test binary runs all its tests as threads of one process. A test that changes
//! the environment (`std::env::set_var`), or that sends SIGINT to its own process to stop an
//! in-process `loop-contracts sandbox`, was safe while it had a binary to itself; beside other
//! tests it would change the environment under them, or stop their sandboxes too (every
//! `tokio::signal` listener in the process hears the one signal). Such tests hold [`exclusive`](crate::process::exclusive)
//! for their whole run, so that they run one at a time.

use std::sync::{Mutex, MutexGuard};

static PROCESS: Mutex<()> = Mutex::new(());

/// Waits until no other test holds the process-wide lock, then holds it until the guard drops.
/// A test that failed while holding it does not fail the next one: the lock is taken even when
/// poisoned, since `()` holds nothing that a panic could leave half-changed.
pub fn exclusive() -> MutexGuard<'static, ()> {
    PROCESS.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
