//! The PostgreSQL store on a real server: transactional, shared by replicas, versioned.

use loop_contracts::outbox::{sqlx, Enqueued, OutboxError, OutboxStore, PostgresOutbox};

use crate::event;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enqueue_commits_and_rolls_back_with_the_host_transaction() {
    let outbox = PostgresOutbox::connect(&suite::postgres::server().fresh_database()).await.unwrap();
    sqlx::query("CREATE TABLE orders (id BIGINT)").execute(outbox.pool()).await.unwrap();

    let mut tx = outbox.pool().begin().await.unwrap();
    sqlx::query("INSERT INTO orders VALUES (1)").execute(&mut *tx).await.unwrap();
    assert_eq!(outbox.enqueue_in(&mut tx, &event(1)).await.unwrap(), Enqueued::Stored);
    tx.rollback().await.unwrap();
    assert_eq!(outbox.counts().await.unwrap().pending, 0, "rolled back with the order");

    let mut tx = outbox.pool().begin().await.unwrap();
    sqlx::query("INSERT INTO orders VALUES (2)").execute(&mut *tx).await.unwrap();
    outbox.enqueue_in(&mut tx, &event(2)).await.unwrap();
    tx.commit().await.unwrap();
    let orders: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders").fetch_one(outbox.pool()).await.unwrap();
    assert_eq!((orders, outbox.counts().await.unwrap().pending), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_starting_together_migrate_once() {
    let url = suite::postgres::server().fresh_database();
    let opens: Vec<_> = (0..6)
        .map(|_| {
            tokio::spawn({
                let url = url.clone();
                async move { PostgresOutbox::connect(&url).await }
            })
        })
        .collect();
    let mut stores = Vec::new();
    for open in opens {
        stores.push(open.await.unwrap().unwrap());
    }
    stores[0].enqueue(&event(1)).await.unwrap();
    assert_eq!(stores[5].counts().await.unwrap().pending, 1);
    let version: i64 =
        sqlx::query_scalar("SELECT version FROM loop_outbox_schema").fetch_one(stores[0].pool()).await.unwrap();
    let records: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM loop_outbox_schema").fetch_one(stores[0].pool()).await.unwrap();
    assert_eq!((version, records), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_of_a_newer_layout_is_refused_unchanged() {
    let url = suite::postgres::server().fresh_database();
    let outbox = PostgresOutbox::connect(&url).await.unwrap();
    outbox.enqueue(&event(1)).await.unwrap();
    sqlx::query("UPDATE loop_outbox_schema SET version = 7").execute(outbox.pool()).await.unwrap();
    let err = PostgresOutbox::connect(&url).await.unwrap_err();
    assert!(matches!(err, OutboxError::NewerSchema { found: 7, supported: 1 }), "{err:?}");
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM loop_outbox").fetch_one(outbox.pool()).await.unwrap();
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn bad_urls_and_unreachable_servers_are_typed_errors() {
    let err = PostgresOutbox::connect("postgres://user:s3cret-pw@[::1").await.unwrap_err();
    assert!(matches!(err, OutboxError::UnsupportedUrl(_)), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("s3cret-pw"));
    // Nothing listens on port 1.
    let err = PostgresOutbox::connect("postgres://user:s3cret-pw@127.0.0.1:1/db?connect_timeout=2").await.unwrap_err();
    assert!(matches!(err, OutboxError::Database { .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("s3cret-pw"));
}
