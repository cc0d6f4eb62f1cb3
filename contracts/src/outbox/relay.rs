//! Relays: drain an outbox through the client, any number at once on one database.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::error::OutboxError;
use super::store::{Claimed, OutboxStore, Outcome};
use crate::client::{Client, SendError};
use crate::platform::RETRY_SCHEDULE;
use crate::validate::issue::{ErrorCode, ValidationError};

/// Drains an [`OutboxStore`]: claims due entries, sends each through the [`Client`] (its local
/// validation, retries, 429 waits; the eventId as Idempotency-Key), and settles them: sent with
/// the acceptance, failed with the error response on a final refusal (a 4xx other than 429, which
/// never holds up the others), or pending again on the retry schedule when the platform could not
/// be reached.
///
/// Any number of relays may run on one database (in one process or in many): each claim is
/// leased, and a relay extends its leases while it sends. A relay that dies (SIGKILL, a lost
/// machine) leaves claims whose lease lapses; another relay claims them and sends them again
/// under the same Idempotency-Key, so the platform accepts each event once.
///
/// ```
/// use std::sync::Arc;
/// use loop_contracts::client::Client;
/// use loop_contracts::outbox::{InMemoryStore, OutboxStore, Relay, ValidatedEvent};
/// # #[cfg(feature = "sandbox")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let sandbox = loop_contracts::sandbox::Sandbox::builder().start().await?;
/// # let key: loop_contracts::ApiKey = "lk_test_4f9c2a7e1b3d5f60a8c4e2d1".parse()?;
/// let store = Arc::new(InMemoryStore::default()); // SqliteOutbox or PostgresOutbox in a real host
/// store.enqueue(&ValidatedEvent::from_json("lead.captured.v1", &serde_json::json!({
///     "eventId": "550e8400-e29b-41d4-a716-446655440000", "occurredAt": "2026-05-19T12:00:00Z",
///     "brandId": "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e", "email": "user@example.com",
///     "source": "quiz_completion", "attribution": {},
/// }))?).await?;
///
/// let client = Client::builder().key(key).base_url(sandbox.url()).build()?;
/// let report = Relay::new(store.clone(), client).run_until_empty().await?;
/// assert_eq!(report.sent, 1);
/// assert_eq!(store.counts().await?.sent, 1);
/// assert_eq!(sandbox.accepted().len(), 1);
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "sandbox"))]
/// # fn main() {}
/// ```
#[derive(Debug)]
pub struct Relay<S> {
    store: Arc<S>,
    client: Client,
    concurrency: usize,
    lease: Duration,
    idle_poll: Duration,
    prune_sent_after: Option<Duration>,
    backoff: Vec<Duration>,
}

/// How many store errors in a row a relay takes (retrying after 2, 4, 8, 16 times its idle poll,
/// 10 s at most; 15 s in all by default) before it ends its run with the last one.
const STORE_ATTEMPTS: u32 = 5;

/// What a relay's run did, counted per entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RelayReport {
    /// Entries the platform accepted (replays included).
    pub sent: u64,
    /// Of those, the platform had accepted before (`Idempotent-Replayed`): a send repeated after
    /// a relay died, or an event enqueued twice under one eventId.
    pub replayed: u64,
    /// Entries refused for good.
    pub failed: u64,
    /// Claims that ended without a verdict, pending again on the retry schedule.
    pub retried: u64,
    /// Claims given back unsent at shutdown.
    pub released: u64,
    /// Claims this relay lost (its lease lapsed and another relay took the entry).
    pub lost: u64,
    /// Sent entries pruned.
    pub pruned: u64,
}

/// How one claim ended, for the report.
enum Settled {
    Sent { replayed: bool },
    Failed,
    Retried,
    Released,
    Lost,
}

impl<S: OutboxStore> Relay<S> {
    /// A relay with 4 concurrent sends, 60 s leases, a 500 ms poll when idle, sent entries pruned
    /// after 7 days, and the platform's retry schedule between claims of an unreachable event.
    pub fn new(store: Arc<S>, client: Client) -> Self {
        Relay {
            store,
            client,
            concurrency: 4,
            lease: Duration::from_secs(60),
            idle_poll: Duration::from_millis(500),
            prune_sent_after: Some(Duration::from_secs(7 * 24 * 60 * 60)),
            backoff: RETRY_SCHEDULE.to_vec(),
        }
    }

    /// How many entries it sends at once (at least 1).
    pub fn concurrency(mut self, sends: usize) -> Self {
        self.concurrency = sends.max(1);
        self
    }

    /// How long a claim lasts unless extended (at least 1 s). The relay extends its claims every
    /// third of it while it sends; a dead relay's claims are taken over after it.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(Duration::from_secs(1));
        self
    }

    /// How long it waits before looking again when nothing is due.
    pub fn idle_poll(mut self, every: Duration) -> Self {
        self.idle_poll = every;
        self
    }

    /// How long sent entries are kept (`None`: kept for ever).
    pub fn prune_sent_after(mut self, age: Option<Duration>) -> Self {
        self.prune_sent_after = age;
        self
    }

    /// The waits before an entry whose claim ended without a verdict is due again: the first
    /// after the first such claim, the last one repeated after that. Empty: due at once.
    pub fn backoff(mut self, delays: impl IntoIterator<Item = Duration>) -> Self {
        self.backoff = delays.into_iter().collect();
        self
    }

    /// Runs until nothing is pending or in flight (entries due later are waited for).
    ///
    /// # Errors
    ///
    /// The store's error, when it cannot claim or count several times in a row (a lost connection
    /// is retried); claims in progress are released first.
    pub async fn run_until_empty(&self) -> Result<RelayReport, OutboxError> {
        self.run(true, std::future::pending()).await
    }

    /// Runs until `shutdown` completes, then lets no new claim start, gives back the claims whose
    /// sends are still running (to be sent again, under the same Idempotency-Key, by whichever
    /// relay claims them next) and returns.
    ///
    /// # Errors
    ///
    /// The store's error, when it cannot claim several times in a row (a lost connection is
    /// retried); claims in progress are released first.
    pub async fn run_until(&self, shutdown: impl Future<Output = ()>) -> Result<RelayReport, OutboxError> {
        self.run(false, shutdown).await
    }

    async fn run(&self, until_empty: bool, shutdown: impl Future<Output = ()>) -> Result<RelayReport, OutboxError> {
        let mut shutdown = std::pin::pin!(shutdown);
        let (stop, stopped) = watch::channel(false);
        let mut tasks: JoinSet<Settled> = JoinSet::new();
        let mut report = RelayReport::default();
        let mut last_prune: Option<Instant> = None;
        let mut failure = None;
        // Consecutive store errors: a lost connection or a failover is retried (the pool
        // reconnects), a database gone for good ends the run with its error.
        let mut store_errors = 0u32;
        loop {
            if !*stop.borrow() {
                if let Err(e) = self.prune_if_due(&mut last_prune, &mut report).await {
                    tracing::warn!(error = %e, "outbox relay: pruning sent entries failed");
                }
                // Claims go in batches: only when half the slots (or all) are free, so that one
                // round trip takes several entries instead of one per finished send.
                let free = self.concurrency.saturating_sub(tasks.len());
                let mut polled = if free == 0 || (!tasks.is_empty() && free < self.concurrency.div_ceil(2)) {
                    Ok(())
                } else {
                    self.store.claim(SystemTime::now(), self.lease, free).await.map(|claims| {
                        for claim in claims {
                            tasks.spawn(self.settle(claim, stopped.clone()));
                        }
                    })
                };
                if polled.is_ok() && until_empty && tasks.is_empty() {
                    match self.store.counts().await {
                        Ok(counts) if counts.is_drained() => break,
                        Ok(_) => {}
                        Err(e) => polled = Err(e),
                    }
                }
                match polled {
                    Ok(()) => store_errors = 0,
                    Err(e) if store_errors + 1 >= STORE_ATTEMPTS => {
                        // Stop claiming, give back what runs, and report the store's error.
                        failure = Some(e);
                        let _ = stop.send(true);
                    }
                    Err(e) => {
                        store_errors += 1;
                        let wait = self.idle_poll.max(Duration::from_millis(100)) * 2u32.pow(store_errors);
                        tracing::warn!(error = %e, attempt = store_errors, "outbox relay: the store failed; retrying");
                        tokio::select! {
                            () = tokio::time::sleep(wait.min(Duration::from_secs(10))) => {}
                            () = &mut shutdown => { let _ = stop.send(true); }
                        }
                        continue;
                    }
                }
            }
            if *stop.borrow() && tasks.is_empty() {
                break;
            }
            tokio::select! {
                Some(joined) = tasks.join_next() => match joined {
                    Ok(settled) => tally(&mut report, settled),
                    // A panicking send leaves its claim to lapse: another claim sends it again.
                    Err(_) => report.lost += 1,
                },
                () = tokio::time::sleep(self.idle_poll) => {}
                () = &mut shutdown, if !*stop.borrow() => { let _ = stop.send(true); }
            }
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(report),
        }
    }

    async fn prune_if_due(&self, last: &mut Option<Instant>, report: &mut RelayReport) -> Result<(), OutboxError> {
        let Some(age) = self.prune_sent_after else { return Ok(()) };
        // Once a minute at most: a prune is a scan of the sent index.
        if last.is_some_and(|at| at.elapsed() < Duration::from_secs(60)) {
            return Ok(());
        }
        *last = Some(Instant::now());
        let before = SystemTime::now().checked_sub(age).unwrap_or(SystemTime::UNIX_EPOCH);
        report.pruned += self.store.prune_sent(before).await?;
        Ok(())
    }

    /// Sends one claimed entry while extending its lease, and settles it.
    fn settle(
        &self,
        claim: Claimed,
        mut stopped: watch::Receiver<bool>,
    ) -> impl Future<Output = Settled> + Send + 'static {
        let (store, client, lease) = (self.store.clone(), self.client.clone(), self.lease);
        let backoff = self.backoff.clone();
        async move {
            let outcome = match serde_json::from_str::<Value>(&claim.payload) {
                Ok(payload) => {
                    let send = client.send_json(&claim.event, &payload);
                    let heartbeat = async {
                        loop {
                            tokio::time::sleep(lease / 3).await;
                            match store.extend(&claim, SystemTime::now() + lease).await {
                                Ok(true) => {}
                                Ok(false) => return,
                                // The database is unreachable: keep sending; if the lease lapses,
                                // a second send under the same key is a replay.
                                Err(e) => tracing::warn!(error = %e, "outbox relay: extending a lease failed"),
                            }
                        }
                    };
                    tokio::select! {
                        result = send => outcome_of(result, claim.attempts, &backoff),
                        () = heartbeat => return Settled::Lost,
                        _ = stopped.wait_for(|stop| *stop) => Outcome::Released,
                    }
                }
                Err(_) => Outcome::Failed {
                    response: ValidationError::malformed("the stored payload is not JSON").to_response(),
                },
            };
            let settled = match &outcome {
                Outcome::Sent { acceptance } => Settled::Sent { replayed: is_replay(acceptance) },
                Outcome::Failed { .. } => Settled::Failed,
                Outcome::RetryAt { .. } => Settled::Retried,
                Outcome::Released => Settled::Released,
            };
            match store.finish(&claim, &outcome, SystemTime::now()).await {
                Ok(true) => settled,
                Ok(false) => Settled::Lost,
                Err(e) => {
                    // Not settled: the lease lapses and the entry is sent again, as a replay.
                    tracing::warn!(error = %e, event_id = %claim.event_id, "outbox relay: settling failed");
                    Settled::Lost
                }
            }
        }
    }
}

/// The acceptance body as stored, with the replay marked (the header is not part of the body).
fn acceptance(accepted: &crate::client::Accepted) -> Value {
    let mut body = accepted.body.json().clone();
    if accepted.replayed
        && let Value::Object(map) = &mut body
    {
        map.insert("idempotentReplayed".into(), Value::Bool(true));
    }
    body
}

fn is_replay(acceptance: &Value) -> bool {
    acceptance.get("idempotentReplayed") == Some(&Value::Bool(true))
}

/// What a send's result makes of the entry.
fn outcome_of(result: Result<crate::client::Accepted, SendError>, attempts: u32, backoff: &[Duration]) -> Outcome {
    match result {
        Ok(accepted) => Outcome::Sent { acceptance: acceptance(&accepted) },
        Err(SendError::Invalid(error) | SendError::Rejected { error, .. }) => {
            Outcome::Failed { response: error.to_response() }
        }
        Err(SendError::Conflict { event_id }) => Outcome::Failed {
            response: ValidationError::with_code(
                ErrorCode::IdempotencyConflict,
                format!("eventId {event_id} was already sent with a different payload"),
                Vec::new(),
            )
            .to_response(),
        },
        Err(other) => {
            let index = usize::try_from(attempts.saturating_sub(1)).unwrap_or(usize::MAX);
            let wait = backoff.get(index).or(backoff.last()).copied().unwrap_or_default();
            Outcome::RetryAt { at: SystemTime::now() + wait, error: other.to_string() }
        }
    }
}

fn tally(report: &mut RelayReport, settled: Settled) {
    match settled {
        Settled::Sent { replayed } => {
            report.sent += 1;
            report.replayed += u64::from(replayed);
        }
        Settled::Failed => report.failed += 1,
        Settled::Retried => report.retried += 1,
        Settled::Released => report.released += 1,
        Settled::Lost => report.lost += 1,
    }
}
