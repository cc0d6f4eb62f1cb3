//! The outbox's errors.

use uuid::Uuid;

use crate::validate::issue::ValidationError;

/// Why an outbox operation failed. No variant carries a password or a payload value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutboxError {
    /// The event is invalid and was not stored; the issues are the platform's.
    #[error("the event is invalid and was not stored: {0}")]
    Invalid(#[from] ValidationError),
    /// This eventId is already stored with another event name or payload; the new one was not
    /// stored (the platform would refuse it with `409 IDEMPOTENCY_CONFLICT`).
    #[error("eventId {event_id} is already in the outbox with a different event or payload")]
    Conflict {
        /// The eventId.
        event_id: Uuid,
    },
    /// The database holds an outbox of a newer layout than this build knows; nothing was changed.
    #[error(
        "the outbox database has schema version {found}, newer than the {supported} this build of \
         loop-contracts knows: upgrade it (nothing was changed)"
    )]
    NewerSchema {
        /// The version the database records.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// The database answered with something no version of the outbox writes.
    #[error("the outbox database is corrupt: {0}")]
    Corrupt(String),
    /// The database URL names no store this build has, or does not parse. Only its scheme is
    /// kept: the rest may hold a password.
    #[error("unsupported outbox database URL (scheme {0:?}): expected sqlite:PATH or postgres://…")]
    UnsupportedUrl(String),
    /// The database failed (unreachable, locked for too long, not a database, …).
    #[cfg(feature = "__outbox")]
    #[error("the outbox database failed while {operation}: {source}")]
    Database {
        /// What the store was doing.
        operation: &'static str,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
}

impl OutboxError {
    /// [`UnsupportedUrl`](Self::UnsupportedUrl) with the URL's scheme alone.
    pub(crate) fn unsupported_url(url: &str) -> OutboxError {
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        OutboxError::UnsupportedUrl(crate::text::clip(scheme, crate::text::TOKEN_CHARS))
    }

    #[cfg(feature = "__outbox")]
    /// A closure that wraps a driver error with what the store was doing.
    pub(crate) fn database(operation: &'static str) -> impl FnOnce(sqlx::Error) -> OutboxError {
        move |source| OutboxError::Database { operation, source }
    }
}
