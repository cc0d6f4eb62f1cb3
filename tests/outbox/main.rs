//! The durable outbox: one conformance suite for every store, each store on its real database,
//! the relays over real HTTP against a sandbox.

mod conformance;
mod postgres;
mod relay;
mod sqlite;

use loop_contracts::outbox::ValidatedEvent;

/// The i-th test event: a valid `lead.captured.v1`.
pub fn event(i: u64) -> ValidatedEvent {
    ValidatedEvent::from_json("lead.captured.v1", &suite::sandbox::lead(i)).unwrap()
}

/// A fresh directory for one test's SQLite files.
pub fn temp_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("loop-outbox-test-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
