//! The outbox in one SQLite file.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqliteConnection;

use super::error::OutboxError;
use super::sql::{sql_store, SCHEMA_VERSION};

/// The layout, one list of statements per version (index 0 brings a database to version 1).
const MIGRATIONS: [&[&str]; 1] = [&[
    "CREATE TABLE loop_outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        event TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'in_flight', 'sent', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        claim_token TEXT,
        lease_until INTEGER,
        last_error TEXT,
        response TEXT,
        enqueued_at INTEGER NOT NULL,
        finished_at INTEGER
        )",
    "CREATE INDEX loop_outbox_due ON loop_outbox (next_attempt_at, seq) WHERE state = 'pending'",
    "CREATE INDEX loop_outbox_leases ON loop_outbox (lease_until, seq) WHERE state = 'in_flight'",
    "CREATE INDEX loop_outbox_sent ON loop_outbox (finished_at) WHERE state = 'sent'",
]];

/// One statement claims: SQLite runs it under its single write lock, so two relays (threads or
/// processes) never claim one entry. Each kind of due entry is read through its own partial index,
/// in its order, so a claim stops after the rows it takes whatever the backlog (one `OR` of both
/// conditions sorted every due row on each claim). A dead relay's lapsed claims go first.
const CLAIM: &str = "UPDATE loop_outbox
    SET state = 'in_flight', claim_token = $1, lease_until = $2, attempts = attempts + 1
    WHERE seq IN (
        SELECT seq FROM (
            SELECT seq FROM (
                SELECT seq FROM loop_outbox WHERE state = 'in_flight' AND lease_until <= $3
                ORDER BY lease_until, seq LIMIT $4
            )
            UNION ALL
            SELECT seq FROM (
                SELECT seq FROM loop_outbox WHERE state = 'pending' AND next_attempt_at <= $3
                ORDER BY next_attempt_at, seq LIMIT $4
            )
        ) LIMIT $4
    )
    RETURNING seq, event_id, event, payload, attempts";

/// A durable [`OutboxStore`](super::OutboxStore) in one SQLite file (WAL journal, `synchronous
/// = FULL`: a committed enqueue survives a crash of the process and of the machine).
///
/// A host's own pool given to `from_pool` should set a busy timeout: every writer of one file waits
/// for the same lock.
///
/// ```
/// use loop_contracts::outbox::{sqlx, Enqueued, OutboxStore, SqliteOutbox, ValidatedEvent};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = std::env::temp_dir().join(format!("loop-outbox-doc-{}", uuid::Uuid::new_v4()));
/// # std::fs::create_dir_all(&dir)?;
/// let outbox = SqliteOutbox::open(dir.join("outbox.db")).await?; // created, migrated
/// let event = ValidatedEvent::from_json("lead.captured.v1", &serde_json::json!({
///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
///     "source": "quiz_completion", "attribution": {},
/// }))?;
///
/// // The host's business write and the event commit together, or neither does.
/// let mut tx = outbox.pool().begin().await?;
/// sqlx::query("CREATE TABLE IF NOT EXISTS leads (email TEXT)").execute(&mut *tx).await?;
/// sqlx::query("INSERT INTO leads VALUES ('user@example.com')").execute(&mut *tx).await?;
/// assert_eq!(outbox.enqueue_in(&mut tx, &event).await?, Enqueued::Stored);
/// tx.commit().await?;
/// assert_eq!(outbox.counts().await?.pending, 1);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SqliteOutbox {
    pool: SqlitePool,
}

impl SqliteOutbox {
    /// Opens (creating it if needed) the outbox in the SQLite file at `path`, and brings its
    /// layout up to date.
    ///
    /// # Errors
    ///
    /// [`OutboxError::Database`] when the file cannot be opened or is not a database;
    /// [`OutboxError::NewerSchema`] when a newer build wrote it.
    pub async fn open(path: impl AsRef<std::path::Path>) -> Result<Self, OutboxError> {
        let options = SqliteConnectOptions::new().filename(path).create_if_missing(true);
        Self::connect_with(options).await
    }

    /// Opens the outbox at a `sqlite:PATH` URL (the form the command line takes).
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open); [`OutboxError::UnsupportedUrl`] for a URL sqlx cannot read.
    pub async fn connect(url: &str) -> Result<Self, OutboxError> {
        // sqlx reads any text as a file name; only `sqlite:` URLs are this store's.
        if !url.get(..7).is_some_and(|scheme| scheme.eq_ignore_ascii_case("sqlite:")) {
            return Err(OutboxError::unsupported_url(url));
        }
        let options =
            SqliteConnectOptions::from_str(url).map_err(|_| OutboxError::unsupported_url(url))?.create_if_missing(true);
        Self::connect_with(options).await
    }

    async fn connect_with(options: SqliteConnectOptions) -> Result<Self, OutboxError> {
        let options = options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            // Writers queue for SQLite's one write lock instead of failing at once.
            .busy_timeout(Duration::from_secs(30));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(OutboxError::database("opening the SQLite file"))?;
        Self::from_pool(pool).await
    }
}

// `BEGIN IMMEDIATE` takes the write lock before the version is read, so two processes opening
// one new file do not both create the table.
sql_store!(SqliteOutbox, SqlitePool, SqliteConnection, CLAIM, MIGRATIONS, "BEGIN IMMEDIATE", None);

const _: () = assert!(MIGRATIONS.len() as i64 == SCHEMA_VERSION);
