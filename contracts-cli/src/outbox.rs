//! `loop-contracts outbox` (features `outbox-sqlite`, `outbox-postgres`): events written down in a
//! durable outbox (`enqueue`), sent from it by a relay (`relay`, also feature `client`), and its
//! counts (`status`).
//!
//! `--db` takes `sqlite:PATH` or `postgres://…` (`postgresql://…`); the store creates and
//! migrates its tables on open. No message ever shows the URL: only its scheme, and the driver's
//! errors with any password the URL holds masked.

use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand};
use serde::Serialize;
use serde_json::Value;

use loop_contracts::outbox::{Enqueued, OutboxCounts, OutboxError, OutboxStore, ValidatedEvent};
use loop_contracts::{ErrorCode, ValidationError};

use crate::envelope;
use crate::exit::{usage, EXIT_OK, EXIT_REJECTED};
use crate::input::{for_each_line, open_input};
use crate::validate::malformed_json;

#[derive(Debug, Args)]
pub(crate) struct OutboxArgs {
    #[command(subcommand)]
    command: OutboxCommand,
}

#[derive(Debug, Subcommand)]
enum OutboxCommand {
    /// Store events in the outbox: one envelope (`{"event": "<name>", "payload": {...}}`, what
    /// `transform` prints) per line, each validated first; one result line per input line.
    Enqueue(EnqueueArgs),
    /// Send what the outbox holds to the platform, with the key in `LOOP_API_KEY` and the base URL
    /// in `LOOP_BASE_URL`, until Ctrl-C or SIGTERM (or, with --until-empty, until it is drained);
    /// prints what it did as one JSON line.
    #[cfg(feature = "client")]
    Relay(RelayArgs),
    #[cfg(not(feature = "client"))]
    #[command(hide = true, about = "Not in this build: install with `--features client`", long_about = None)]
    Relay(crate::cli::LeftOut),
    /// Print how many entries are pending, in flight, sent and failed, as one JSON object.
    Status(StatusArgs),
}

#[derive(Debug, Args)]
struct DbArg {
    /// The outbox database: `sqlite:PATH` (created if missing) or `postgres://USER:PASSWORD@HOST/DB`.
    #[arg(long, value_name = "URL")]
    db: String,
}

#[derive(Debug, Args)]
struct EnqueueArgs {
    #[command(flatten)]
    db: DbArg,
    /// The JSONL input (`-` or nothing for standard input).
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct StatusArgs {
    #[command(flatten)]
    db: DbArg,
}

#[cfg(feature = "client")]
#[derive(Debug, Args)]
struct RelayArgs {
    #[command(flatten)]
    db: DbArg,
    /// Stop once nothing is pending or in flight (entries due later are waited for).
    #[arg(long)]
    until_empty: bool,
    /// How many entries are sent at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    concurrency: u16,
    /// How long a claim lasts, in seconds, unless the relay extends it (it does while it sends);
    /// the claims of a relay that died are taken over after it.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    lease: u64,
}

/// Runs an `outbox` subcommand.
pub(crate) fn outbox(args: OutboxArgs, stdin: &mut dyn Read, stdout: &mut dyn Write) -> io::Result<u8> {
    match args.command {
        OutboxCommand::Enqueue(args) => enqueue(args, stdin, stdout),
        OutboxCommand::Status(args) => status(&args.db.db, stdout),
        #[cfg(feature = "client")]
        OutboxCommand::Relay(args) => relay(args, stdout),
        #[cfg(not(feature = "client"))]
        OutboxCommand::Relay(_) => Err(crate::cli::left_out("outbox relay", "client")),
    }
}

/// The store a `--db` URL names.
enum Store {
    #[cfg(feature = "outbox-sqlite")]
    Sqlite(Arc<loop_contracts::outbox::SqliteOutbox>),
    #[cfg(feature = "outbox-postgres")]
    Postgres(Arc<loop_contracts::outbox::PostgresOutbox>),
}

/// Calls `$body` with the store inside, whichever it is (`$store` is an `&Arc<impl OutboxStore>`).
macro_rules! with_store {
    ($value:expr, $store:ident => $body:expr) => {
        match $value {
            #[cfg(feature = "outbox-sqlite")]
            Store::Sqlite($store) => $body,
            #[cfg(feature = "outbox-postgres")]
            Store::Postgres($store) => $body,
        }
    };
}

/// The scheme of a URL, lower-cased, when the text has one (`mysql` of `mysql://u:pw@h/db`).
fn scheme(url: &str) -> Option<String> {
    let (scheme, _) = url.split_once(':')?;
    let well_formed = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (well_formed && scheme.len() <= 32).then(|| scheme.to_ascii_lowercase())
}

/// The password part of a URL's authority, to be masked in the driver's messages.
fn password(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let (userinfo, _) = authority.rsplit_once('@')?;
    let (_, password) = userinfo.split_once(':')?;
    (!password.is_empty()).then_some(password)
}

/// An outbox error as a usage error (exit 2), with the URL's password masked wherever the driver
/// may have repeated it.
fn failed(url: &str) -> impl Fn(OutboxError) -> io::Error + '_ {
    move |e| {
        let mut message = format!("outbox: {e}");
        if let Some(password) = password(url) {
            message = message.replace(password, "***");
        }
        io::Error::other(message)
    }
}

/// Opens the outbox at `url` in `runtime`: a usage error for a URL no store of this build takes.
fn open(url: &str, runtime: &tokio::runtime::Runtime) -> io::Result<Store> {
    let scheme = scheme(url);
    match scheme.as_deref() {
        Some("sqlite") => {
            #[cfg(feature = "outbox-sqlite")]
            {
                let store =
                    runtime.block_on(loop_contracts::outbox::SqliteOutbox::connect(url)).map_err(failed(url))?;
                Ok(Store::Sqlite(Arc::new(store)))
            }
            #[cfg(not(feature = "outbox-sqlite"))]
            {
                let _ = runtime;
                Err(usage(
                    "--db: this build has no SQLite outbox: install with `--features outbox-sqlite` \
                     (`cargo install loop-contracts-cli --features outbox-sqlite`)",
                ))
            }
        }
        Some("postgres" | "postgresql") => {
            #[cfg(feature = "outbox-postgres")]
            {
                let store =
                    runtime.block_on(loop_contracts::outbox::PostgresOutbox::connect(url)).map_err(failed(url))?;
                Ok(Store::Postgres(Arc::new(store)))
            }
            #[cfg(not(feature = "outbox-postgres"))]
            {
                let _ = runtime;
                Err(usage(
                    "--db: this build has no PostgreSQL outbox: install with `--features outbox-postgres` \
                     (`cargo install loop-contracts-cli --features outbox-postgres`)",
                ))
            }
        }
        Some(other) => Err(usage(format!("--db: {}", OutboxError::UnsupportedUrl(other.to_owned())))),
        None => Err(usage("--db: not a URL: expected sqlite:PATH or postgres://…")),
    }
}

fn runtime() -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()
}

/// `enqueue`'s line for a stored event.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Stored<'a> {
    ok: bool,
    event: &'a str,
    event_id: String,
    /// `false`: the same event was already in the outbox, and nothing changed.
    stored: bool,
}

/// Validates and stores each line's event; prints one line per input line. Exit 1 when a line was
/// refused (invalid, not an envelope, or its eventId already stored with another payload).
fn enqueue(args: EnqueueArgs, stdin: &mut dyn Read, stdout: &mut dyn Write) -> io::Result<u8> {
    let url = args.db.db.as_str();
    let input = open_input(args.file.as_deref(), stdin)?;
    let runtime = runtime()?;
    let store = open(url, &runtime)?;
    let mut out = BufWriter::new(stdout);
    let mut all_ok = true;
    let result = for_each_line(input, |number, bytes| {
        let event = match event_of_line(bytes, number) {
            Ok(event) => event,
            Err(refusal) => {
                all_ok = false;
                return writeln!(out, "{}", refusal.to_response_json());
            }
        };
        match with_store!(&store, s => runtime.block_on(s.enqueue(&event))) {
            Ok(enqueued) => {
                let line = Stored {
                    ok: true,
                    event: event.name(),
                    event_id: event.event_id().to_string(),
                    stored: enqueued == Enqueued::Stored,
                };
                serde_json::to_writer(&mut out, &line)?;
                out.write_all(b"\n")
            }
            Err(OutboxError::Conflict { event_id }) => {
                all_ok = false;
                let message = format!("eventId {event_id} is already in the outbox with a different event or payload");
                let refusal = ValidationError::with_code(ErrorCode::IdempotencyConflict, message, Vec::new());
                writeln!(out, "{}", refusal.to_response_json())
            }
            Err(e) => Err(failed(url)(e)),
        }
    });
    // The lines of the inputs before a database or read error were written, as `validate` does.
    out.flush()?;
    result?;
    Ok(if all_ok { EXIT_OK } else { EXIT_REJECTED })
}

/// The validated event of one input line, or the error response that refuses it.
fn event_of_line(bytes: &[u8], number: u64) -> Result<ValidatedEvent, ValidationError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| malformed_json(&e, bytes, Some(number)))?;
    let envelope::Document { event, payload } = envelope::open(value);
    let Some(event) = event else {
        return Err(ValidationError::malformed(format!(
            "input line {number} is not an envelope {{\"event\": \"<name>\", \"payload\": {{...}}}} as `transform` prints"
        )));
    };
    ValidatedEvent::from_json(&event, &payload)
}

/// Prints the outbox's counts.
fn status(url: &str, stdout: &mut dyn Write) -> io::Result<u8> {
    let runtime = runtime()?;
    let store = open(url, &runtime)?;
    let counts: OutboxCounts = with_store!(&store, s => runtime.block_on(s.counts())).map_err(failed(url))?;
    writeln!(stdout, "{}", serde_json::to_string(&counts)?)?;
    Ok(EXIT_OK)
}

/// Runs a relay until a signal (or, with --until-empty, until the outbox is drained), then prints
/// its report. Exit 1 when an entry was refused for good during the run, or a signal stopped an
/// --until-empty run before the outbox was drained.
#[cfg(feature = "client")]
fn relay(args: RelayArgs, stdout: &mut dyn Write) -> io::Result<u8> {
    use std::time::Duration;

    use loop_contracts::outbox::Relay;

    let url = args.db.db.as_str();
    let client = crate::send::client_from_env()?.build().map_err(|e| usage(e.to_string()))?;
    let runtime = runtime()?;
    let store = open(url, &runtime)?;
    let (report, interrupted) = runtime.block_on(async {
        let signal = crate::signal::stop_signal()?;
        let interrupted = std::sync::atomic::AtomicBool::new(false);
        let report = with_store!(&store, s => {
            let relay = Relay::new(s.clone(), client)
                .concurrency(usize::from(args.concurrency))
                .lease(Duration::from_secs(args.lease));
            // Draining is watched here rather than by `run_until_empty`, so that a signal still
            // stops the run gracefully (its claims given back) in that mode too.
            let drained = async {
                if !args.until_empty {
                    return std::future::pending().await;
                }
                // A failing count is not drained: the relay meets the same error at its next
                // claim, and reports it.
                while !s.counts().await.is_ok_and(|counts| counts.is_drained()) {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            };
            let stop = async {
                tokio::select! {
                    () = drained => {}
                    () = signal => interrupted.store(true, std::sync::atomic::Ordering::Relaxed),
                }
            };
            relay.run_until(stop).await
        });
        Ok::<_, io::Error>((report.map_err(failed(url))?, interrupted.into_inner()))
    })?;
    writeln!(stdout, "{}", serde_json::to_string(&report)?)?;
    let unfinished = args.until_empty && interrupted;
    Ok(if report.failed > 0 || unfinished { EXIT_REJECTED } else { EXIT_OK })
}

#[cfg(test)]
mod tests {
    use super::{password, scheme};

    #[test]
    fn only_the_scheme_of_a_url_is_read_and_the_password_is_found_for_masking() {
        assert_eq!(scheme("mysql://u:pw@h/db").as_deref(), Some("mysql"));
        assert_eq!(scheme("SQLite:/tmp/x.db").as_deref(), Some("sqlite"));
        assert_eq!(scheme("postgresql://h/db").as_deref(), Some("postgresql"));
        assert_eq!(scheme("/tmp/outbox.db"), None);
        assert_eq!(scheme("user pw@host:5432"), None);
        assert_eq!(password("postgres://app:s3cr%40t@db:5432/app?sslmode=require"), Some("s3cr%40t"));
        assert_eq!(password("postgres://app@db/app"), None);
        assert_eq!(password("sqlite:/tmp/x.db"), None);
    }
}
