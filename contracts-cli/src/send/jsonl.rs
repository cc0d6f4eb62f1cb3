//! `loop-contracts send --jsonl`: one event per input line, sent several at once through one
//! client (its tier's rate limit, its 429 waits and retries), one result line per input line in
//! input order, and with `--journal` a record of every send in a SQLite outbox, so that a run
//! killed at any point and started again sends only what was not accepted yet.

use std::collections::{HashSet, VecDeque};
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use loop_contracts::catalog;
use loop_contracts::client::{Accepted, Client, SendError};
use loop_contracts::outbox::{EntryState, OutboxError, OutboxStore, Outcome, SqliteOutbox, ValidatedEvent};
use loop_contracts::{ErrorCode, ValidationError};

use crate::envelope;
use crate::exit::{EXIT_OK, EXIT_REJECTED};
use crate::input::{open_input, place};
use crate::validate::malformed_json;

/// How long a journal entry stays claimed by this run unless extended; extended every third of
/// it while its send runs. A run killed mid-send leaves claims that the next run takes over once
/// this has passed since their last extension.
const LEASE: Duration = Duration::from_secs(10);

/// How often a line whose journal entry another claim holds looks again (a duplicate eventId
/// earlier in the same input, or a killed run's lease not lapsed yet).
const POLL: Duration = Duration::from_millis(100);

/// How many results may wait for an earlier line's to be written, per concurrent send: reading
/// stops there until the oldest line is done, so memory stays bounded whatever the input's length.
const READ_AHEAD_PER_SEND: usize = 64;

/// What the command line asked for.
pub(crate) struct Options {
    /// The `EVENT` argument: each line's event when given (a line's envelope must agree).
    pub(crate) event: Option<String>,
    /// The input file, `-` for standard input.
    pub(crate) input: PathBuf,
    /// The input stood where EVENT goes: when it cannot be opened, say why it was not an event.
    pub(crate) demoted: bool,
    /// `--journal PATH`.
    pub(crate) journal: Option<PathBuf>,
    /// `--concurrency N`.
    pub(crate) concurrency: usize,
}

/// How a line ended, for the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Accepted by the platform now, for the first time.
    Sent,
    /// Accepted before: the platform's replay (`Idempotent-Replayed`), the client's memory (the
    /// same event earlier in the input), or the journal's stored acceptance.
    Replayed,
    /// An error line.
    Failed,
}

/// One line's result line and how it ended.
struct Done {
    line: String,
    kind: Kind,
}

impl Done {
    fn failed(error: &ValidationError) -> Done {
        Done { line: error.to_response_json(), kind: Kind::Failed }
    }
}

/// A line's place in the output: its result, or the send that will make it.
enum Slot {
    Ready(Done),
    Running(JoinHandle<io::Result<Done>>),
}

/// Sends every line of the input; writes one result line per input line in input order, and the
/// summary (always) and a progress line (on a terminal) on stderr. Exit 0 when every line was
/// accepted, 1 when any was not; a usage error (a line that names no event, or another one than
/// EVENT) or a failing journal ends the run after the lines before it were written.
pub(crate) fn send_jsonl(
    client: Client,
    options: Options,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> io::Result<u8> {
    let started = Instant::now();
    let reader = match open_input(Some(&options.input), stdin) {
        Ok(reader) => reader,
        Err(e) if options.demoted => return Err(envelope::not_an_event_hint(e, &options.input)),
        Err(e) => return Err(e),
    };
    // Worker threads run the sends; this thread reads the input and writes the results, so a slow
    // producer upstream never holds up the sends already started.
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let mut run = Run {
        client,
        journal: None,
        event: options.event,
        input: options.input,
        permits: Arc::new(Semaphore::new(options.concurrency)),
        window: options.concurrency.saturating_mul(READ_AHEAD_PER_SEND),
        slots: VecDeque::new(),
        seen: HashSet::new(),
        out: BufWriter::with_capacity(1 << 16, stdout),
        tally: Tally::default(),
        progress: Progress::new(),
    };
    let result = runtime.block_on(async {
        if let Some(path) = &options.journal {
            let store = SqliteOutbox::open(path).await.map_err(|e| journal_error(path, e))?;
            run.journal = Some(Arc::new(store));
        }
        run.all(BufReader::with_capacity(1 << 16, reader)).await
    });
    run.progress.clear();
    let Tally { sent, replayed, failed } = run.tally;
    let seconds = started.elapsed().as_secs_f64();
    let rate = if seconds > 0.0 { (sent + replayed + failed) as f64 / seconds } else { 0.0 };
    writeln!(
        stderr,
        "loop-contracts: sent {sent}, replayed {replayed}, failed {failed} in {seconds:.1} s ({rate:.1} events/s)"
    )?;
    result?;
    Ok(if failed == 0 { EXIT_OK } else { EXIT_REJECTED })
}

/// The lines counted by how they ended.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    sent: u64,
    replayed: u64,
    failed: u64,
}

/// One run's state: the sends under way and the results not written yet.
struct Run<'a> {
    client: Client,
    journal: Option<Arc<SqliteOutbox>>,
    event: Option<String>,
    input: PathBuf,
    permits: Arc<Semaphore>,
    window: usize,
    slots: VecDeque<Slot>,
    /// The eventIds of the lines started so far.
    seen: HashSet<String>,
    out: BufWriter<&'a mut dyn Write>,
    tally: Tally,
    progress: Progress,
}

impl Run<'_> {
    /// Reads, sends and writes every line, then waits for the last sends.
    async fn all(&mut self, mut reader: impl BufRead) -> io::Result<()> {
        let mut line = Vec::with_capacity(4096);
        let mut number = 0u64;
        let outcome = loop {
            number += 1;
            line.clear();
            if reader.read_until(b'\n', &mut line)? == 0 {
                break Ok(());
            }
            let mut bytes = line.as_slice();
            bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
            bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
            let slot = match self.start(bytes, number).await {
                Ok(slot) => slot,
                Err(e) => break Err(e),
            };
            self.slots.push_back(slot);
            self.write_finished(self.window).await?;
        };
        // The lines before a usage error are sent and written, as `validate --jsonl` writes them.
        self.write_finished(0).await?;
        self.out.flush()?;
        outcome
    }

    /// Starts one line: its result at once when it is not JSON, else its task, which sends once
    /// fewer than `--concurrency` sends run.
    async fn start(&mut self, bytes: &[u8], number: u64) -> io::Result<Slot> {
        let value: Value = match serde_json::from_slice(bytes) {
            Ok(value) => value,
            Err(e) => return Ok(Slot::Ready(Done::failed(&malformed_json(&e, bytes, Some(number))))),
        };
        let envelope::Document { event: enveloped, payload } = envelope::open(value);
        let event = envelope::event_of(self.event.as_deref(), enveloped.as_deref(), &payload, || {
            place(&self.input, Some(number))
        })?
        .to_owned();
        // An eventId met before in this input is accepted before, whatever the client answers: a
        // send of it still under way is joined, not made again.
        let repeat = match payload.get("eventId").and_then(Value::as_str) {
            Some(id) => !self.seen.insert(id.to_owned()),
            None => false,
        };
        let (client, journal, permits) = (self.client.clone(), self.journal.clone(), self.permits.clone());
        Ok(Slot::Running(tokio::spawn(async move {
            let done = match journal {
                Some(journal) => send_journaled(&client, &journal, &permits, &event, payload).await,
                None => match permits.acquire().await {
                    Ok(_permit) => Ok(send_one(&client, &event, &payload).await),
                    Err(closed) => Err(io::Error::other(closed)),
                },
            };
            done.map(|mut done| {
                if repeat && done.kind == Kind::Sent {
                    done.kind = Kind::Replayed;
                }
                done
            })
        })))
    }

    /// Writes the results at the head of the output that are done, and waits for the oldest
    /// ones until at most `keep` lines are left waiting.
    async fn write_finished(&mut self, keep: usize) -> io::Result<()> {
        let mut wrote = false;
        while let Some(slot) = self.slots.pop_front() {
            let done = match slot {
                Slot::Ready(done) => done,
                Slot::Running(handle) if handle.is_finished() => handle.await.map_err(io::Error::other)??,
                Slot::Running(handle) if self.slots.len() >= keep => {
                    // Results appear as they are known, not when the buffer fills: what is written
                    // goes out before waiting for the next.
                    if wrote {
                        self.out.flush()?;
                    }
                    handle.await.map_err(io::Error::other)??
                }
                running @ Slot::Running(_) => {
                    self.slots.push_front(running);
                    break;
                }
            };
            self.out.write_all(done.line.as_bytes())?;
            self.out.write_all(b"\n")?;
            match done.kind {
                Kind::Sent => self.tally.sent += 1,
                Kind::Replayed => self.tally.replayed += 1,
                Kind::Failed => self.tally.failed += 1,
            }
            wrote = true;
            self.progress.show(self.tally, self.slots.len());
        }
        if wrote {
            self.out.flush()?;
        }
        Ok(())
    }
}

/// Sends one line's event without a journal.
async fn send_one(client: &Client, event: &str, payload: &Value) -> Done {
    match client.send_json(event, payload).await {
        Ok(accepted) => accepted_line(&accepted),
        Err(e) => Done::failed(&error_of(&e)),
    }
}

/// The result line of an acceptance: the platform's body, as `send` prints it, with
/// `"idempotentReplayed": true` when the platform had accepted the event before (the header is
/// not part of the body). The journal stores the same, as the outbox's relays do.
fn acceptance(accepted: &Accepted) -> Value {
    let mut body = accepted.body.json().clone();
    if accepted.replayed
        && let Value::Object(map) = &mut body
    {
        map.insert("idempotentReplayed".into(), Value::Bool(true));
    }
    body
}

fn accepted_line(accepted: &Accepted) -> Done {
    let kind = if accepted.replayed || accepted.cached { Kind::Replayed } else { Kind::Sent };
    Done { line: acceptance(accepted).to_string(), kind }
}

/// The error line of a failed send: the platform's (or local validation's) error response; for a
/// send that got no verdict (retries spent, the schema of an event outside the catalog not
/// fetched), the last answer's code (`INTERNAL_ERROR` when there was none) and what happened.
fn error_of(error: &SendError) -> ValidationError {
    match error {
        SendError::Invalid(error) | SendError::Rejected { error, .. } => error.clone(),
        SendError::Conflict { .. } => {
            ValidationError::with_code(ErrorCode::IdempotencyConflict, error.to_string(), Vec::new())
        }
        other => {
            let code = other
                .attempts()
                .last()
                .and_then(|attempt| match attempt.outcome {
                    loop_contracts::client::AttemptOutcome::Status { code, .. } => code,
                    _ => None,
                })
                .unwrap_or(ErrorCode::InternalError);
            ValidationError::with_code(code, other.to_string(), Vec::new())
        }
    }
}

/// Whether a failed send is final (the event refused for good) rather than a send that got no
/// verdict, which the journal keeps pending for the next run.
fn is_final(error: &SendError) -> bool {
    matches!(error, SendError::Invalid(_) | SendError::Rejected { .. } | SendError::Conflict { .. })
}

/// Sends one line's event through the journal: enqueued (found there when a run before enqueued
/// it), claimed by its eventId, sent while the claim is extended, and settled with the outcome.
/// An entry the journal already holds as sent or failed is answered from there without a request,
/// marked `"fromJournal": true`.
///
/// A send holds one of the `permits` from its claim until it is settled; a line waiting for
/// another claim's lease to lapse holds none, so it never holds up the lines after it.
async fn send_journaled(
    client: &Client,
    journal: &SqliteOutbox,
    permits: &Semaphore,
    event: &str,
    payload: Value,
) -> io::Result<Done> {
    let validated = match catalog().get(event) {
        Some(schema) => ValidatedEvent::with_schema(schema, payload),
        None => match client.schema(event).await {
            Ok(schema) => ValidatedEvent::with_schema(&schema, payload),
            Err(e) => return Ok(Done::failed(&error_of(&e))),
        },
    };
    let validated = match validated {
        Ok(validated) => validated,
        Err(error) => return Ok(Done::failed(&error)),
    };
    let id = validated.event_id();
    let failed =
        |operation: &str, e: OutboxError| io::Error::other(format!("the journal failed while {operation}: {e}"));
    match journal.enqueue(&validated).await {
        Ok(_) => {}
        Err(OutboxError::Conflict { event_id }) => {
            let message = format!("eventId {event_id} is already in the journal with a different event or payload");
            return Ok(Done::failed(&ValidationError::with_code(ErrorCode::IdempotencyConflict, message, Vec::new())));
        }
        Err(e) => return Err(failed("enqueuing", e)),
    }
    let (claim, _permit) = loop {
        let permit = permits.acquire().await.map_err(io::Error::other)?;
        if let Some(claim) =
            journal.claim_entry(id, SystemTime::now(), LEASE).await.map_err(|e| failed("claiming", e))?
        {
            break (claim, permit);
        }
        drop(permit);
        match journal.entry(id).await.map_err(|e| failed("reading an entry", e))?.map(|entry| entry.state) {
            Some(EntryState::Sent { acceptance }) => return Ok(from_journal(acceptance, Kind::Replayed)),
            Some(EntryState::Failed { response }) => return Ok(from_journal(response, Kind::Failed)),
            // Held by another claim: a duplicate line of this run, or a killed run's until its lease lapses.
            Some(EntryState::InFlight { lease_until }) => {
                let left = lease_until.duration_since(SystemTime::now()).unwrap_or_default();
                tokio::time::sleep(left.clamp(Duration::from_millis(1), POLL)).await;
            }
            Some(_) => {}
            None => {
                return Err(io::Error::other(format!("the journal lost the entry of eventId {id} while sending it")))
            }
        }
    };
    let send = client.send_json(&claim.event, validated.payload());
    let heartbeat = async {
        loop {
            tokio::time::sleep(LEASE / 3).await;
            // A lost claim (the lease lapsed and another run took the entry) is sent on: the
            // Idempotency-Key makes the other's send a replay. Recording it fails below, harmlessly.
            if !journal.extend(&claim, SystemTime::now() + LEASE).await.unwrap_or(true) {
                std::future::pending::<()>().await;
            }
        }
    };
    let result = tokio::select! {
        result = send => result,
        () = heartbeat => unreachable!("the heartbeat never ends"),
    };
    let (outcome, done) = match result {
        Ok(accepted) => (Outcome::Sent { acceptance: acceptance(&accepted) }, accepted_line(&accepted)),
        Err(e) => {
            let error = error_of(&e);
            let outcome = if is_final(&e) {
                Outcome::Failed { response: error.to_response() }
            } else {
                // No verdict: pending again, due at once, for the next run.
                Outcome::RetryAt { at: SystemTime::now(), error: e.to_string() }
            };
            (outcome, Done::failed(&error))
        }
    };
    journal.finish(&claim, &outcome, SystemTime::now()).await.map_err(|e| failed("recording a send", e))?;
    Ok(done)
}

/// A result answered from the journal: the stored acceptance or error response, marked.
fn from_journal(mut stored: Value, kind: Kind) -> Done {
    if let Value::Object(map) = &mut stored {
        map.insert("fromJournal".into(), Value::Bool(true));
    }
    Done { line: stored.to_string(), kind }
}

fn journal_error(path: &std::path::Path, error: OutboxError) -> io::Error {
    io::Error::other(format!("--journal {}: {error}", path.display()))
}

/// The in-place progress line, drawn on the process's stderr only when that is a terminal (the
/// command's own stderr may be a file or a test's buffer), at most ten times a second.
struct Progress {
    terminal: Option<io::Stderr>,
    last: Option<Instant>,
}

impl Progress {
    fn new() -> Progress {
        let stderr = io::stderr();
        Progress { terminal: stderr.is_terminal().then_some(stderr), last: None }
    }

    fn show(&mut self, tally: Tally, waiting: usize) {
        let Some(terminal) = &self.terminal else { return };
        if self.last.is_some_and(|at| at.elapsed() < Duration::from_millis(100)) {
            return;
        }
        self.last = Some(Instant::now());
        let Tally { sent, replayed, failed } = tally;
        let _ = write!(
            terminal.lock(),
            "\r\x1b[Kloop-contracts: {} done (sent {sent}, replayed {replayed}, failed {failed}), {waiting} under way",
            sent + replayed + failed
        );
    }

    /// Erases the line before the summary is written.
    fn clear(&mut self) {
        if let (Some(terminal), Some(_)) = (&self.terminal, self.last) {
            let _ = write!(terminal.lock(), "\r\x1b[K");
        }
    }
}
