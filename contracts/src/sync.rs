//! Locks that outlive a panic.
//!
//! A lock is poisoned when a thread panicked while holding it. Every lock here guards state that
//! each critical section leaves consistent before anything can panic (counters, maps, queues), so a
//! poisoned lock is taken as it is: one failed request must not turn every later one into a panic.

use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Locks `mutex`, poisoned or not.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Reads `lock`, poisoned or not.
#[cfg_attr(not(feature = "sandbox"), allow(dead_code))]
pub(crate) fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Writes `lock`, poisoned or not.
#[cfg_attr(not(feature = "sandbox"), allow(dead_code))]
pub(crate) fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|poisoned| poisoned.into_inner())
}
