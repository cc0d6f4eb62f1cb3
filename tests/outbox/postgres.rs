//! The PostgreSQL store on a real server: transactional, shared by replicas, versioned.

use loop_contracts::outbox::{sqlx, OutboxError, OutboxStore, PostgresOutbox};

use crate::event;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enqueue_commits_and_rolls_back_with_the_host_transaction() {
    let url = suite::postgres::server().fresh_database();
    enqueue_follows_the_host_transaction!(PostgresOutbox::connect(&url).await.unwrap());
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_survives_its_connections_being_cut() {
    use std::sync::Arc;
    use std::time::Duration;

    use loop_contracts::outbox::Relay;
    use loop_contracts::sandbox::FaultConfig;

    const EVENTS: u64 = 40;
    let slow = FaultConfig::seeded(3).with_latency(Duration::from_millis(30), Duration::ZERO);
    let sandbox = suite::sandbox::builder().faults(slow).start().await.unwrap();
    let server = suite::postgres::server();
    let url = server.fresh_database();
    let store = Arc::new(PostgresOutbox::connect(&url).await.unwrap());
    for i in 1..=EVENTS {
        store.enqueue(&event(i)).await.unwrap();
    }
    let relay = Relay::new(store.clone(), suite::client::client_builder(&sandbox).build().unwrap())
        .concurrency(2)
        .lease(Duration::from_secs(2)) // a settle cut off leaves its claim to lapse soon
        .idle_poll(Duration::from_millis(20));
    let run = tokio::spawn(async move { relay.run_until_empty().await });
    while sandbox.accepted_count() < 5 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let away_at = sandbox.accepted_count();
    // Mid-drain, the database turns connections away and drops the open ones (a restart, a
    // failover) for a second: the relay's claims fail, it retries, and goes on once it is back.
    let database = url.rsplit('/').next().unwrap().split('?').next().unwrap().to_owned();
    server.psql(server.url(), &format!("ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS false"));
    let cut = server.psql(
        server.url(),
        &format!("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '{database}'"),
    );
    assert!(cut.trim().parse::<u32>().unwrap() > 0, "connections were cut: {cut}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(store.counts().await.is_err(), "the database is away");
    server.psql(server.url(), &format!("ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS true"));
    let report = tokio::time::timeout(Duration::from_secs(60), run).await.unwrap().unwrap().unwrap();
    assert!(report.sent >= EVENTS - report.lost, "{report:?}");
    assert_eq!(store.counts().await.unwrap().sent, EVENTS);
    assert_eq!(sandbox.accepted_count(), EVENTS, "each event accepted once");
    assert!(away_at < EVENTS, "the cut came mid-drain");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_is_not_postgresql_is_a_typed_error_in_bounded_time() {
    // An HTTP server where PostgreSQL was expected.
    let sandbox = suite::sandbox::builder().start().await.unwrap();
    let addr = sandbox.local_addr();
    let started = std::time::Instant::now();
    let err = PostgresOutbox::connect(&format!("postgres://app:pw@{addr}/app")).await.unwrap_err();
    assert!(matches!(err, OutboxError::Database { .. }), "{err:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "{:?}", started.elapsed());
}
