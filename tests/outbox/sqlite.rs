//! The SQLite store on real files: durable, transactional, and clear about files it cannot use.

use loop_contracts::outbox::{sqlx, Enqueued, OutboxError, OutboxStore, SqliteOutbox};

use crate::{event, temp_dir};

#[tokio::test]
async fn entries_outlive_the_store_that_wrote_them() {
    let dir = temp_dir();
    let path = dir.join("outbox.db");
    let outbox = SqliteOutbox::open(&path).await.unwrap();
    outbox.enqueue(&event(1)).await.unwrap();
    outbox.pool().close().await;
    let reopened = SqliteOutbox::open(&path).await.unwrap();
    assert_eq!(reopened.counts().await.unwrap().pending, 1);
    assert_eq!(reopened.enqueue(&event(1)).await.unwrap(), Enqueued::AlreadyStored);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn enqueue_commits_and_rolls_back_with_the_host_transaction() {
    let dir = temp_dir();
    enqueue_follows_the_host_transaction!(SqliteOutbox::open(dir.join("outbox.db")).await.unwrap());
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_database_of_a_newer_layout_is_refused_unchanged() {
    let dir = temp_dir();
    let path = dir.join("outbox.db");
    let outbox = SqliteOutbox::open(&path).await.unwrap();
    outbox.enqueue(&event(1)).await.unwrap();
    sqlx::query("UPDATE loop_outbox_schema SET version = 99").execute(outbox.pool()).await.unwrap();
    outbox.pool().close().await;

    let err = SqliteOutbox::open(&path).await.unwrap_err();
    assert!(matches!(err, OutboxError::NewerSchema { found: 99, supported: 1 }), "{err:?}");
    assert!(err.to_string().contains("upgrade"), "{err}");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", path.display())).await.unwrap();
    let version: i64 = sqlx::query_scalar("SELECT version FROM loop_outbox_schema").fetch_one(&pool).await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM loop_outbox").fetch_one(&pool).await.unwrap();
    assert_eq!((version, rows), (99, 1));
    pool.close().await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn files_that_are_not_databases_are_typed_errors() {
    let dir = temp_dir();
    let garbage = dir.join("garbage.db");
    std::fs::write(&garbage, vec![0x5a_u8; 64 * 1024]).unwrap();
    let err = SqliteOutbox::open(&garbage).await.unwrap_err();
    assert!(matches!(err, OutboxError::Database { .. }), "{err:?}");
    assert!(err.to_string().contains("not a database"), "{err}");

    // A SQLite file whose header is intact but whose pages were overwritten.
    let torn = dir.join("torn.db");
    let outbox = SqliteOutbox::open(&torn).await.unwrap();
    for i in 1..=50 {
        outbox.enqueue(&event(i)).await.unwrap();
    }
    // Everything into the main file, so that the pages overwritten below are the only copy.
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(outbox.pool()).await.unwrap();
    outbox.pool().close().await;
    for journal in ["torn.db-wal", "torn.db-shm"] {
        let _ = std::fs::remove_file(dir.join(journal));
    }
    let mut bytes = std::fs::read(&torn).unwrap();
    for byte in bytes.iter_mut().skip(100) {
        *byte = 0xff;
    }
    std::fs::write(&torn, bytes).unwrap();
    let result = async { SqliteOutbox::open(&torn).await?.counts().await }.await;
    assert!(matches!(result, Err(OutboxError::Database { .. })), "{result:?}");

    let err = SqliteOutbox::open(&dir).await.unwrap_err(); // a directory
    assert!(matches!(err, OutboxError::Database { .. }), "{err:?}");
    let err = SqliteOutbox::connect("mysql://nope").await.unwrap_err();
    assert!(matches!(err, OutboxError::UnsupportedUrl(_)), "{err:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_full_database_refuses_the_enqueue_and_keeps_what_it_holds() {
    let dir = temp_dir();
    let path = dir.join("outbox.db");
    SqliteOutbox::open(&path).await.unwrap().pool().close().await;
    // A disk that fills up: SQLite's page cap gives the same SQLITE_FULL as a full device.
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&path).pragma("max_page_count", "12");
    let pool = sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect_with(options).await.unwrap();
    let outbox = SqliteOutbox::from_pool(pool).await.unwrap();
    let mut stored = 0;
    let err = loop {
        match outbox.enqueue(&event(stored + 1)).await {
            Ok(_) => stored += 1,
            Err(err) => break err,
        }
        assert!(stored < 10_000, "the cap never bit");
    };
    assert!(matches!(err, OutboxError::Database { .. }), "{err:?}");
    assert!(err.to_string().contains("full"), "{err}");
    assert!(stored > 0);
    assert_eq!(outbox.counts().await.unwrap().pending, stored, "what was stored is intact");
    assert!(outbox.entry(event(stored + 1).event_id()).await.unwrap().is_none(), "the refused one is not");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_foreign_table_of_the_same_name_is_refused_and_left_alone() {
    let dir = temp_dir();
    let path = dir.join("other-app.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}?mode=rwc", path.display())).await.unwrap();
    sqlx::query("CREATE TABLE loop_outbox (id INTEGER PRIMARY KEY, body BLOB)").execute(&pool).await.unwrap();
    sqlx::query("INSERT INTO loop_outbox (body) VALUES (x'00ff')").execute(&pool).await.unwrap();
    pool.close().await;

    let err = SqliteOutbox::open(&path).await.unwrap_err();
    assert!(matches!(err, OutboxError::Database { operation: "migrating", .. }), "{err:?}");
    assert!(err.to_string().contains("already exists"), "{err}");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", path.display())).await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM loop_outbox").fetch_one(&pool).await.unwrap();
    let versions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'loop_outbox_schema'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((rows, versions), (1, 0), "the failed migration rolled back whole");
    pool.close().await;
    std::fs::remove_dir_all(dir).unwrap();
}
