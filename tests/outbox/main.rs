//! The durable outbox: one conformance suite for every store, each store on its real database,
//! the relays over real HTTP against a sandbox.

/// The host-transaction case both SQL stores pass: an enqueue rolls back and commits with the
/// host's own row. A macro, since the two pools' transactions are different types.
macro_rules! enqueue_follows_the_host_transaction {
    ($outbox:expr) => {{
        use loop_contracts::outbox::{sqlx, Enqueued, OutboxStore};
        let outbox = $outbox;
        sqlx::query("CREATE TABLE orders (id BIGINT)").execute(outbox.pool()).await.unwrap();

        let mut tx = outbox.pool().begin().await.unwrap();
        sqlx::query("INSERT INTO orders VALUES (1)").execute(&mut *tx).await.unwrap();
        assert_eq!(outbox.enqueue_in(&mut tx, &crate::event(1)).await.unwrap(), Enqueued::Stored);
        tx.rollback().await.unwrap();
        assert_eq!(outbox.counts().await.unwrap().pending, 0, "rolled back with the order");

        let mut tx = outbox.pool().begin().await.unwrap();
        sqlx::query("INSERT INTO orders VALUES (2)").execute(&mut *tx).await.unwrap();
        outbox.enqueue_in(&mut tx, &crate::event(2)).await.unwrap();
        tx.commit().await.unwrap();
        let orders: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders").fetch_one(outbox.pool()).await.unwrap();
        assert_eq!((orders, outbox.counts().await.unwrap().pending), (1, 1));
        assert!(outbox.entry(crate::event(2).event_id()).await.unwrap().is_some());
    }};
}

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
