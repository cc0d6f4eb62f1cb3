//! The outbox in PostgreSQL, shared by the relays of many replicas.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::PgConnection;

use super::error::OutboxError;
use super::sql::{sql_store, SCHEMA_VERSION};

/// The layout, one list of statements per version (index 0 brings a database to version 1). The payload is
/// `text`, not `jsonb`: `jsonb` reorders keys, and the payload is kept byte for byte.
const MIGRATIONS: [&[&str]; 1] = [&[
    "CREATE TABLE loop_outbox (
        seq BIGSERIAL PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE,
        event TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'in_flight', 'sent', 'failed')),
        attempts BIGINT NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        claim_token TEXT,
        lease_until BIGINT,
        last_error TEXT,
        response TEXT,
        enqueued_at BIGINT NOT NULL,
        finished_at BIGINT
        )",
    "CREATE INDEX loop_outbox_due ON loop_outbox (next_attempt_at, seq) WHERE state = 'pending'",
    "CREATE INDEX loop_outbox_leases ON loop_outbox (lease_until, seq) WHERE state = 'in_flight'",
    "CREATE INDEX loop_outbox_sent ON loop_outbox (finished_at) WHERE state = 'sent'",
]];

const _: () = assert!(MIGRATIONS.len() as i64 == SCHEMA_VERSION);

/// Relays share the work through `FOR UPDATE SKIP LOCKED`: each claim locks the due rows it
/// takes and passes over the rows another relay is claiming at that moment, so no two relays
/// claim one entry and none waits for another. Each kind of due entry is read through its own
/// partial index, in its order, so a claim stops after the rows it takes whatever the backlog (one
/// `OR` of both conditions made PostgreSQL sort every due row on each claim: 16 ms at 20,000
/// pending against 0.3 ms; `benches/README.md`, "Outbox"). A dead relay's lapsed claims go first.
const CLAIM: &str = "WITH lapsed AS (
        SELECT seq FROM loop_outbox WHERE state = 'in_flight' AND lease_until <= $3
        ORDER BY lease_until, seq LIMIT $4 FOR UPDATE SKIP LOCKED
    ), due AS (
        SELECT seq FROM loop_outbox WHERE state = 'pending' AND next_attempt_at <= $3
        ORDER BY next_attempt_at, seq LIMIT $4 FOR UPDATE SKIP LOCKED
    )
    UPDATE loop_outbox AS o
    SET state = 'in_flight', claim_token = $1, lease_until = $2, attempts = o.attempts + 1
    WHERE o.seq IN (SELECT seq FROM (SELECT seq FROM lapsed UNION ALL SELECT seq FROM due) AS d LIMIT $4)
    RETURNING o.seq, o.event_id, o.event, o.payload, o.attempts";

/// A durable [`OutboxStore`](super::OutboxStore) in PostgreSQL: the store for a host service of
/// several replicas, each running a [relay](super::Relay) on the same database.
///
/// Use the host's pool ([`from_pool`](Self::from_pool)) to enqueue inside the host's own
/// transactions; TLS to the server is whatever the host's sqlx features provide.
///
/// ```no_run
/// use loop_contracts::outbox::{sqlx, OutboxStore, PostgresOutbox, ValidatedEvent};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let outbox = PostgresOutbox::connect("postgres://app@db.internal/app").await?; // migrated
/// let event = ValidatedEvent::from_json("lead.captured.v1", &serde_json::json!({
///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
///     "source": "quiz_completion", "attribution": {},
/// }))?;
/// let mut tx = outbox.pool().begin().await?;
/// sqlx::query("UPDATE accounts SET leads = leads + 1 WHERE id = 1").execute(&mut *tx).await?;
/// outbox.enqueue_in(&mut tx, &event).await?; // commits or rolls back with the update
/// tx.commit().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct PostgresOutbox {
    pool: PgPool,
}

impl PostgresOutbox {
    /// Connects to the database at `url` (`postgres://…`) and brings the outbox's layout up to
    /// date.
    ///
    /// # Errors
    ///
    /// [`OutboxError::UnsupportedUrl`] for a URL that does not parse; [`OutboxError::Database`];
    /// [`OutboxError::NewerSchema`].
    pub async fn connect(url: &str) -> Result<Self, OutboxError> {
        let options = PgConnectOptions::from_str(url).map_err(|_| OutboxError::unsupported_url(url))?;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(OutboxError::database("connecting to PostgreSQL"))?;
        Self::from_pool(pool).await
    }
}

// The advisory lock makes replicas starting together migrate one after the other.
sql_store!(
    PostgresOutbox,
    PgPool,
    PgConnection,
    CLAIM,
    MIGRATIONS,
    "BEGIN",
    Some("SELECT pg_advisory_xact_lock(7813586235366339956)")
);
