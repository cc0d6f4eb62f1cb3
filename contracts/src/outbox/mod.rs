//! A durable outbox: events kept in the host's database until the platform has them.
//!
//! A host that acknowledges a vendor's webhook and then crashes before the platform accepted the
//! event loses it, unless the event was written down first. Here the host writes it down in the
//! same database transaction as its own change ([`SqliteOutbox::enqueue_in`],
//! [`PostgresOutbox::enqueue_in`]), and [relays](Relay) send what is written, on any number of
//! replicas, until the platform has each event once:
//!
//! - only [validated](ValidatedEvent) events are stored: an invalid one is refused at enqueue;
//! - an entry is pending, in flight under a relay's lease, sent (with the platform's acceptance)
//!   or failed (with the platform's error response); see [`EntryState`];
//! - every send of an entry carries its eventId as the Idempotency-Key, so a relay that dies
//!   mid-send costs a replay, never a second event;
//! - the stores create and migrate their tables on open, and refuse a database written by a newer
//!   build ([`OutboxError::NewerSchema`]).
//!
//! | Store | Feature | For |
//! |---|---|---|
//! | [`SqliteOutbox`] | `outbox-sqlite` | one process (or a few on one machine), one file |
//! | [`PostgresOutbox`] | `outbox-postgres` | many replicas sharing the work |
//! | [`InMemoryStore`] | either | tests; nothing survives the process |
//!
//! The [`Relay`] also needs a client feature (`client`, `client-rustls-ring` or
//! `client-native-tls`). From the command line: `loop-contracts outbox enqueue|relay|status`.

mod error;
mod event;
mod memory;
#[cfg(feature = "__client")]
mod relay;
pub(crate) mod sql;
pub(crate) mod store;

#[cfg(feature = "outbox-postgres")]
mod postgres;
#[cfg(feature = "outbox-sqlite")]
mod sqlite;

/// The sqlx this crate's stores are built on (0.8), for the host's own queries and transactions
/// on the stores' pools.
pub use sqlx;

pub use error::OutboxError;
pub use event::ValidatedEvent;
pub use memory::InMemoryStore;
#[cfg(feature = "outbox-postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "outbox-postgres")))]
pub use postgres::PostgresOutbox;
#[cfg(feature = "__client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub use relay::{Relay, RelayReport};
#[cfg(feature = "outbox-sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "outbox-sqlite")))]
pub use sqlite::SqliteOutbox;
pub use store::{Claimed, Enqueued, EntryState, OutboxCounts, OutboxStore, Outcome, StoredEntry};
