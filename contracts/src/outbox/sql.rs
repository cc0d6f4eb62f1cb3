//! What the SQLite and PostgreSQL stores share: the table, the statements (`$N` parameters, which
//! both databases read), and the one implementation of [`OutboxStore`] over sqlx, written once
//! as a macro because sqlx's generic bounds over a database would be longer than the code.
//!
//! Layout (version 1): one row per eventId; times are integer milliseconds since the Unix epoch;
//! the payload and the platform's answer are JSON text, kept byte for byte.

/// The schema version this build writes; a database recording a higher one is refused.
pub(crate) const SCHEMA_VERSION: i64 = 1;

/// Reads the recorded version (`None` before the first migration).
pub(crate) const READ_VERSION: &str = "SELECT version FROM loop_outbox_schema";
/// Records the version after migrating.
pub(crate) const WRITE_VERSION: &str = "UPDATE loop_outbox_schema SET version = $1";
/// The first version record.
pub(crate) const INSERT_VERSION: &str = "INSERT INTO loop_outbox_schema (version) VALUES (0)";

pub(crate) const INSERT: &str = "INSERT INTO loop_outbox \
    (event_id, event, payload, state, attempts, next_attempt_at, enqueued_at) \
    VALUES ($1, $2, $3, 'pending', 0, $4, $4) ON CONFLICT (event_id) DO NOTHING";
pub(crate) const SELECT_IDENTITY: &str = "SELECT event, payload FROM loop_outbox WHERE event_id = $1";
/// Claims one entry by eventId (`$1` token, `$2` lease end, `$3` now, `$4` eventId): pending, or
/// in flight under a lapsed lease. One statement in both databases: SQLite runs it under its write
/// lock; PostgreSQL re-reads the row after waiting for a concurrent claim's lock, and then finds it
/// leased.
pub(crate) const CLAIM_ENTRY: &str = "UPDATE loop_outbox \
    SET state = 'in_flight', claim_token = $1, lease_until = $2, attempts = attempts + 1 \
    WHERE event_id = $4 AND (state = 'pending' OR (state = 'in_flight' AND lease_until <= $3)) \
    RETURNING event, payload, attempts";
pub(crate) const EXTEND: &str = "UPDATE loop_outbox SET lease_until = $1 \
    WHERE event_id = $2 AND claim_token = $3 AND state = 'in_flight'";
pub(crate) const FINISH_SENT: &str = "UPDATE loop_outbox \
    SET state = 'sent', response = $1, finished_at = $2, claim_token = NULL, lease_until = NULL \
    WHERE event_id = $3 AND claim_token = $4 AND state = 'in_flight'";
pub(crate) const FINISH_FAILED: &str = "UPDATE loop_outbox \
    SET state = 'failed', response = $1, finished_at = $2, claim_token = NULL, lease_until = NULL \
    WHERE event_id = $3 AND claim_token = $4 AND state = 'in_flight'";
pub(crate) const RETRY_AT: &str = "UPDATE loop_outbox \
    SET state = 'pending', next_attempt_at = $1, last_error = $2, claim_token = NULL, lease_until = NULL \
    WHERE event_id = $3 AND claim_token = $4 AND state = 'in_flight'";
pub(crate) const RELEASE: &str = "UPDATE loop_outbox \
    SET state = 'pending', attempts = attempts - 1, claim_token = NULL, lease_until = NULL \
    WHERE event_id = $1 AND claim_token = $2 AND state = 'in_flight'";
pub(crate) const COUNTS: &str = "SELECT state, COUNT(*) AS n FROM loop_outbox GROUP BY state";
pub(crate) const PRUNE_SENT: &str = "DELETE FROM loop_outbox WHERE state = 'sent' AND finished_at < $1";
pub(crate) const ENTRY: &str = "SELECT event, event_id, payload, state, attempts, next_attempt_at, lease_until, \
    last_error, response, enqueued_at FROM loop_outbox WHERE event_id = $1";

/// Implements [`OutboxStore`](super::store::OutboxStore), `from_pool`, `pool`, `enqueue_in` and
/// `migrate` for a store type with a `pool` field, over one sqlx pool and connection type. The
/// dialect gives its claiming statement (`$1` token, `$2` lease end, `$3` now, `$4` limit; returning seq, event_id, event,
/// payload, attempts), its migration scripts (index 0 brings a database to version 1), the
/// statement opening the migration's transaction, and a statement locking out other migrators
/// inside it, if the transaction alone does not.
macro_rules! sql_store {
    ($store:ident, $pool:ty, $connection:ty, $claim:expr, $migrations:expr, $begin:literal, $lock:expr) => {
        impl $store {
            /// Uses the host's own pool (so that `enqueue_in` can join the host's transactions),
            /// bringing the outbox's layout up to date.
            ///
            /// # Errors
            ///
            /// [`OutboxError::Database`](crate::outbox::OutboxError::Database);
            /// [`OutboxError::NewerSchema`](crate::outbox::OutboxError::NewerSchema) when a newer
            /// build wrote it.
            pub async fn from_pool(pool: $pool) -> Result<Self, crate::outbox::OutboxError> {
                let mut connection =
                    pool.acquire().await.map_err(crate::outbox::OutboxError::database("connecting"))?;
                Self::migrate(&mut connection).await?;
                drop(connection);
                Ok($store { pool })
            }

            /// The pool, for the host's own transactions.
            pub fn pool(&self) -> &$pool {
                &self.pool
            }

            /// Brings the layout to [`SCHEMA_VERSION`](crate::outbox::sql::SCHEMA_VERSION) in one
            /// transaction; refuses a database of a newer version without changing it.
            async fn migrate(connection: &mut $connection) -> Result<(), crate::outbox::OutboxError> {
                use crate::outbox::sql::{INSERT_VERSION, READ_VERSION, SCHEMA_VERSION, WRITE_VERSION};
                use crate::outbox::OutboxError;
                use sqlx::Connection;
                let failed = OutboxError::database;
                let mut tx = connection.begin_with($begin).await.map_err(failed("locking the layout"))?;
                let lock: Option<&'static str> = $lock;
                if let Some(lock) = lock {
                    sqlx::query(lock).execute(&mut *tx).await.map_err(failed("locking the layout"))?;
                }
                sqlx::query("CREATE TABLE IF NOT EXISTS loop_outbox_schema (version BIGINT NOT NULL)")
                    .execute(&mut *tx)
                    .await
                    .map_err(failed("reading the layout version"))?;
                let found: Option<i64> = sqlx::query_scalar(READ_VERSION)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(failed("reading the layout version"))?;
                let found = match found {
                    Some(version) => version,
                    None => {
                        sqlx::query(INSERT_VERSION).execute(&mut *tx).await.map_err(failed("migrating"))?;
                        0
                    }
                };
                if found > SCHEMA_VERSION {
                    return Err(OutboxError::NewerSchema { found, supported: SCHEMA_VERSION });
                }
                let start = usize::try_from(found)
                    .map_err(|_| OutboxError::Corrupt(format!("the layout version is {found}")))?;
                // One statement at a time, from a collected list: `sqlx::raw_sql` (a whole script)
                // or an iterator of closures held across an await make this future not `Send`
                // for every lifetime in rustc's eyes, and a `connect` could not be spawned.
                let statements: Vec<&'static str> =
                    $migrations[start..].iter().flat_map(|version| version.iter().copied()).collect();
                for statement in statements {
                    sqlx::query(statement).execute(&mut *tx).await.map_err(failed("migrating"))?;
                }
                sqlx::query(WRITE_VERSION).bind(SCHEMA_VERSION).execute(&mut *tx).await.map_err(failed("migrating"))?;
                tx.commit().await.map_err(failed("migrating"))
            }

            /// Enqueues a validated event on `connection`: pass `&mut *transaction` to make the
            /// event part of the host's own transaction, so that the business change and the event
            /// commit or roll back together. The same event again is
            /// [`Enqueued::AlreadyStored`](crate::outbox::Enqueued::AlreadyStored).
            ///
            /// # Errors
            ///
            /// [`OutboxError::Conflict`](crate::outbox::OutboxError::Conflict) for a known eventId
            /// with another name or payload; [`OutboxError::Database`](crate::outbox::OutboxError::Database).
            pub async fn enqueue_in(
                &self,
                connection: &mut $connection,
                event: &crate::outbox::ValidatedEvent,
            ) -> Result<crate::outbox::Enqueued, crate::outbox::OutboxError> {
                use crate::outbox::{Enqueued, OutboxError};
                let payload = event.payload_text();
                let id = event.event_id().to_string();
                let now = crate::outbox::store::to_millis(std::time::SystemTime::now());
                let inserted = sqlx::query(crate::outbox::sql::INSERT)
                    .bind(&id)
                    .bind(event.name())
                    .bind(&payload)
                    .bind(now)
                    .execute(&mut *connection)
                    .await
                    .map_err(OutboxError::database("enqueuing"))?;
                if inserted.rows_affected() == 1 {
                    return Ok(Enqueued::Stored);
                }
                let (name, stored): (String, String) = sqlx::query_as(crate::outbox::sql::SELECT_IDENTITY)
                    .bind(&id)
                    .fetch_one(&mut *connection)
                    .await
                    .map_err(OutboxError::database("reading the stored entry of a repeated eventId"))?;
                if name == event.name() && stored == payload {
                    Ok(Enqueued::AlreadyStored)
                } else {
                    Err(OutboxError::Conflict { event_id: event.event_id() })
                }
            }

            async fn settle(
                &self,
                claim: &crate::outbox::Claimed,
                outcome: &crate::outbox::Outcome,
                now: std::time::SystemTime,
            ) -> Result<bool, crate::outbox::OutboxError> {
                use crate::outbox::sql::{FINISH_FAILED, FINISH_SENT, RELEASE, RETRY_AT};
                use crate::outbox::store::to_millis;
                use crate::outbox::{OutboxError, Outcome};
                let (id, token) = (claim.event_id.to_string(), claim.token.to_string());
                let query = match outcome {
                    Outcome::Sent { acceptance } => {
                        sqlx::query(FINISH_SENT).bind(acceptance.to_string()).bind(to_millis(now))
                    }
                    Outcome::Failed { response } => {
                        sqlx::query(FINISH_FAILED).bind(response.to_string()).bind(to_millis(now))
                    }
                    Outcome::RetryAt { at, error } => {
                        sqlx::query(RETRY_AT).bind(to_millis(*at)).bind(crate::text::clip(error, 2000))
                    }
                    Outcome::Released => sqlx::query(RELEASE),
                };
                let done = query
                    .bind(id)
                    .bind(token)
                    .execute(&self.pool)
                    .await
                    .map_err(OutboxError::database("settling a claim"))?;
                Ok(done.rows_affected() == 1)
            }
        }

        impl crate::outbox::OutboxStore for $store {
            async fn enqueue(
                &self,
                event: &crate::outbox::ValidatedEvent,
            ) -> Result<crate::outbox::Enqueued, crate::outbox::OutboxError> {
                let mut connection =
                    self.pool.acquire().await.map_err(crate::outbox::OutboxError::database("connecting"))?;
                self.enqueue_in(&mut connection, event).await
            }

            async fn claim(
                &self,
                now: std::time::SystemTime,
                lease: std::time::Duration,
                limit: usize,
            ) -> Result<Vec<crate::outbox::Claimed>, crate::outbox::OutboxError> {
                use crate::outbox::store::{lease_end, to_millis};
                use crate::outbox::{Claimed, OutboxError};
                let token = uuid::Uuid::new_v4();
                let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as($claim)
                    .bind(token.to_string())
                    .bind(lease_end(now, lease))
                    .bind(to_millis(now))
                    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(OutboxError::database("claiming entries"))?;
                let mut rows = rows;
                rows.sort_unstable_by_key(|row| row.0); // RETURNING has no order of its own
                rows.into_iter()
                    .map(|(_, id, event, payload, attempts)| {
                        let event_id = uuid::Uuid::parse_str(&id)
                            .map_err(|_| OutboxError::Corrupt(format!("an entry has the eventId {id:?}")))?;
                        let attempts = u32::try_from(attempts).unwrap_or(u32::MAX);
                        Ok(Claimed { event, event_id, payload, attempts, token })
                    })
                    .collect()
            }

            async fn claim_entry(
                &self,
                event_id: uuid::Uuid,
                now: std::time::SystemTime,
                lease: std::time::Duration,
            ) -> Result<Option<crate::outbox::Claimed>, crate::outbox::OutboxError> {
                use crate::outbox::store::{lease_end, to_millis};
                use crate::outbox::{Claimed, OutboxError};
                let token = uuid::Uuid::new_v4();
                let row: Option<(String, String, i64)> = sqlx::query_as(crate::outbox::sql::CLAIM_ENTRY)
                    .bind(token.to_string())
                    .bind(lease_end(now, lease))
                    .bind(to_millis(now))
                    .bind(event_id.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(OutboxError::database("claiming an entry"))?;
                Ok(row.map(|(event, payload, attempts)| Claimed {
                    event,
                    event_id,
                    payload,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                    token,
                }))
            }

            async fn extend(
                &self,
                claim: &crate::outbox::Claimed,
                until: std::time::SystemTime,
            ) -> Result<bool, crate::outbox::OutboxError> {
                let done = sqlx::query(crate::outbox::sql::EXTEND)
                    .bind(crate::outbox::store::to_millis(until))
                    .bind(claim.event_id.to_string())
                    .bind(claim.token.to_string())
                    .execute(&self.pool)
                    .await
                    .map_err(crate::outbox::OutboxError::database("extending a lease"))?;
                Ok(done.rows_affected() == 1)
            }

            async fn finish(
                &self,
                claim: &crate::outbox::Claimed,
                outcome: &crate::outbox::Outcome,
                now: std::time::SystemTime,
            ) -> Result<bool, crate::outbox::OutboxError> {
                self.settle(claim, outcome, now).await
            }

            async fn counts(&self) -> Result<crate::outbox::OutboxCounts, crate::outbox::OutboxError> {
                let rows: Vec<(String, i64)> = sqlx::query_as(crate::outbox::sql::COUNTS)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(crate::outbox::OutboxError::database("counting entries"))?;
                let mut counts = crate::outbox::OutboxCounts::default();
                for (state, n) in rows {
                    let n = u64::try_from(n).unwrap_or(0);
                    match state.as_str() {
                        "pending" => counts.pending = n,
                        "in_flight" => counts.in_flight = n,
                        "sent" => counts.sent = n,
                        "failed" => counts.failed = n,
                        other => {
                            return Err(crate::outbox::OutboxError::Corrupt(format!(
                                "entries have the unknown state {other:?}"
                            )));
                        }
                    }
                }
                Ok(counts)
            }

            async fn prune_sent(&self, before: std::time::SystemTime) -> Result<u64, crate::outbox::OutboxError> {
                let done = sqlx::query(crate::outbox::sql::PRUNE_SENT)
                    .bind(crate::outbox::store::to_millis(before))
                    .execute(&self.pool)
                    .await
                    .map_err(crate::outbox::OutboxError::database("pruning sent entries"))?;
                Ok(done.rows_affected())
            }

            async fn entry(
                &self,
                event_id: uuid::Uuid,
            ) -> Result<Option<crate::outbox::StoredEntry>, crate::outbox::OutboxError> {
                use crate::outbox::store::{from_millis, state_from_row};
                use crate::outbox::{OutboxError, StoredEntry};
                type Row = (String, String, String, String, i64, i64, Option<i64>, Option<String>, Option<String>, i64);
                let row: Option<Row> = sqlx::query_as(crate::outbox::sql::ENTRY)
                    .bind(event_id.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(OutboxError::database("reading an entry"))?;
                let Some((event, _, payload, state, attempts, next, lease, last_error, response, enqueued)) = row
                else {
                    return Ok(None);
                };
                let payload = serde_json::from_str(&payload)
                    .map_err(|_| OutboxError::Corrupt(format!("the payload of {event_id} is not JSON")))?;
                Ok(Some(StoredEntry {
                    event,
                    event_id,
                    payload,
                    state: state_from_row(&state, lease, response.as_deref())?,
                    attempts: u32::try_from(attempts).unwrap_or(0),
                    next_attempt_at: from_millis(next),
                    last_error,
                    enqueued_at: from_millis(enqueued),
                }))
            }
        }
    };
}

pub(crate) use sql_store;
