//! The durable outbox (`loop_contracts::outbox`): what it keeps under faults and dead relays, what
//! an enqueue adds to a host transaction, and how fast relays drain it.
//!
//! Parts (run one with `cargo bench --bench outbox -- PART`; all of them without an argument):
//!
//! - `chaos` (`chaos-sqlite`, `chaos-postgres`): 100,000 events through an in-process sandbox that
//!   answers 20% of requests 500, drops 5% after processing them (the event is accepted, the answer
//!   lost: the client retries and gets a replay) and answers 5% 429. A producer enqueues them in
//!   transactions of 1,000 while fewer than 2,000 are pending, as a host's business goes (a claim
//!   costs time in proportion to the due entries: see `benches/README.md`). SQLite: one relay,
//!   killed and restarted every 10 s, six times. PostgreSQL: three relays, one of them killed every
//!   10 s and restarted at once. A kill aborts the relay's tokio task (`JoinHandle::abort`): its run is
//!   dropped mid-send, its claims stay in flight under their 2 s lease, its pool and client are
//!   dropped, and a new relay opens a new pool and a new client, as a restarted process would.
//!   At the end: every eventId accepted exactly once by the sandbox, every entry `sent`, and the
//!   replays counted. The bench exits non-zero if an event is lost or accepted twice.
//! - `enqueue`: the median time of `begin; INSERT host row; enqueue_in; commit` against the same
//!   transaction without the enqueue, on SQLite (a file, WAL, `synchronous = FULL` as the store
//!   sets) and PostgreSQL: the tests' private cluster (fsync off), and, when
//!   `OUTBOX_BENCH_FSYNC_URL` names one, a server of one's own (fsync as it is configured there).
//! - `throughput`: events/s draining 10,000 events through a sandbox that spends 5 ms on each
//!   event (`FaultConfig::with_processing`, an unlimited tier), one relay against three relays on
//!   one PostgreSQL database (each relay its own pool and client, 4 sends at once each), with
//!   the client alone (the same sends in flight, no database) as the ceiling. Each relay's store
//!   is wrapped to count and time its claims, lease extensions and settlements.
//!
//! PostgreSQL is `suite::postgres::server()`: `LOOP_TEST_POSTGRES_URL`, or a private throwaway
//! cluster. Without `--bench` (`cargo test --benches`) each part runs once at a small size.
//! Sizes: `OUTBOX_BENCH_CHAOS_EVENTS`, `OUTBOX_BENCH_EVENTS` (throughput), `OUTBOX_BENCH_ROUNDS`,
//! `OUTBOX_BENCH_CONCURRENCY`, `OUTBOX_BENCH_PROCESSING_MS`, `OUTBOX_BENCH_ENQUEUES`.
//! Figures in `benches/README.md`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use loop_contracts::client::{Client, RetryPolicy};
use loop_contracts::outbox::{
    sqlx, Claimed, Enqueued, OutboxCounts, OutboxError, OutboxStore, Outcome, PostgresOutbox, Relay, RelayReport,
    SqliteOutbox, StoredEntry, ValidatedEvent,
};
use loop_contracts::sandbox::{FaultConfig, SandboxHandle};
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

const EVENT: &str = "lead.captured.v1";
/// The lease of the chaos relays: short, so that a dead relay's claims are taken over soon.
const CHAOS_LEASE: Duration = Duration::from_secs(2);
/// Sends at once per chaos relay.
const CHAOS_CONCURRENCY: usize = 16;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The i-th event: a valid `lead.captured.v1` whose eventId is `suite::sandbox::event_id(i)`.
fn event(i: u64) -> ValidatedEvent {
    ValidatedEvent::from_json(EVENT, &suite::sandbox::lead(i)).expect("a valid lead")
}

/// How much each part does.
struct Sizes {
    chaos_events: u64,
    sqlite_kill_every: Duration,
    sqlite_kills: usize,
    postgres_kill_every: Duration,
    postgres_kills: usize,
    enqueues: usize,
    events: u64,
    rounds: usize,
    concurrency: usize,
    processing: Duration,
}

impl Sizes {
    fn new(measuring: bool) -> Self {
        if measuring {
            Sizes {
                chaos_events: env_or("OUTBOX_BENCH_CHAOS_EVENTS", 100_000),
                sqlite_kill_every: Duration::from_secs(10),
                sqlite_kills: 6,
                postgres_kill_every: Duration::from_secs(10),
                postgres_kills: 100,
                enqueues: env_or("OUTBOX_BENCH_ENQUEUES", 2_000),
                events: env_or("OUTBOX_BENCH_EVENTS", 10_000),
                rounds: env_or("OUTBOX_BENCH_ROUNDS", 3),
                concurrency: env_or("OUTBOX_BENCH_CONCURRENCY", 4),
                processing: ms(env_or("OUTBOX_BENCH_PROCESSING_MS", 5)),
            }
        } else {
            Sizes {
                chaos_events: 400,
                sqlite_kill_every: ms(300),
                sqlite_kills: 2,
                postgres_kill_every: ms(300),
                postgres_kills: 2,
                enqueues: 20,
                events: 200,
                rounds: 1,
                concurrency: 4,
                processing: ms(1),
            }
        }
    }
}

/// Enqueues the events `ids` in transactions of 1,000 (the fill is not what is measured).
macro_rules! fill {
    ($store:expr, $ids:expr) => {{
        let ids: Vec<u64> = $ids.collect();
        for chunk in ids.chunks(1_000) {
            let mut tx = $store.pool().begin().await.expect("begin");
            for &i in chunk {
                let stored = $store.enqueue_in(&mut tx, &event(i)).await.expect("enqueue");
                assert_eq!(stored, Enqueued::Stored, "event {i} was stored before");
            }
            tx.commit().await.expect("commit");
        }
    }};
}

/// How many pending entries the chaos producer keeps at most: a host enqueues as its business
/// goes, it does not find 100,000 events due at once (see `benches/README.md` for what a backlog
/// of 100,000 does to a claim).
const BACKLOG: u64 = 2_000;

/// Enqueues events 1 to `$events` in transactions of 1,000 while fewer than [`BACKLOG`] are
/// pending; the task ends once all are enqueued.
macro_rules! producer {
    ($store:expr, $events:expr) => {{
        let store = $store.clone();
        let events: u64 = $events;
        tokio::spawn(async move {
            let mut next = 1;
            while next <= events {
                if store.counts().await.expect("counts").pending >= BACKLOG {
                    tokio::time::sleep(ms(100)).await;
                    continue;
                }
                let end = (next + 999).min(events);
                fill!(store, next..=end);
                next = end + 1;
            }
        })
    }};
}

/// A sandbox on `runtime` with an unlimited tier that keeps every accepted event and idempotency
/// key of the run.
fn start_sandbox(runtime: &Runtime, faults: FaultConfig, events: u64) -> SandboxHandle {
    let keep = usize::try_from(events).unwrap_or(usize::MAX).saturating_mul(2).max(10_000);
    runtime
        .block_on(
            suite::sandbox::builder()
                .retain_events(keep)
                .retain_bytes(1 << 31)
                .idempotency_window(Duration::from_secs(24 * 60 * 60), keep)
                .faults(faults)
                .start(),
        )
        .expect("the sandbox starts")
}

// ---------------------------------------------------------------------------------------------
// 1. Chaos

fn chaos_faults(seed: u64) -> FaultConfig {
    FaultConfig::seeded(seed)
        .with_error_rate(0.20)
        .with_drop_rate(0.05)
        .with_drop_after_processing(true)
        .with_rate_limit_rate(0.05)
}

/// A new client, as a restarted process has: retries after 1 to 50 ms, 429s waited out for 5 ms
/// (the sandbox's spurious 429s ask for 1 s).
fn chaos_client(sandbox: &SandboxHandle) -> Client {
    let policy = RetryPolicy::default().with_delays([1, 2, 5, 10, 20, 50].map(ms)).with_rate_limit_waits(1_000, ms(5));
    suite::client::client_builder(sandbox).retry_policy(policy).build().expect("a client")
}

fn chaos_relay<S: OutboxStore>(store: S, client: Client) -> Relay<S> {
    Relay::new(Arc::new(store), client)
        .concurrency(CHAOS_CONCURRENCY)
        .lease(CHAOS_LEASE)
        .idle_poll(ms(20))
        .backoff([ms(50)])
}

type RelayRun = JoinHandle<Result<RelayReport, OutboxError>>;

/// What the store says after a chaos run.
struct StoreFigures {
    counts: OutboxCounts,
    replayed: i64,
    claimed_again: i64,
    claims: i64,
}

macro_rules! store_figures {
    ($store:expr) => {{
        let pool = $store.pool();
        let replays =
            "SELECT COUNT(*) FROM loop_outbox WHERE state = 'sent' AND response LIKE '%\"idempotentReplayed\":true%'";
        StoreFigures {
            counts: $store.counts().await.expect("counts"),
            replayed: sqlx::query_scalar(replays).fetch_one(pool).await.expect("replays"),
            claimed_again: sqlx::query_scalar("SELECT COUNT(*) FROM loop_outbox WHERE attempts > 1")
                .fetch_one(pool)
                .await
                .expect("claimed again"),
            claims: sqlx::query_scalar("SELECT CAST(COALESCE(SUM(attempts), 0) AS BIGINT) FROM loop_outbox")
                .fetch_one(pool)
                .await
                .expect("claims"),
        }
    }};
}

/// Checks the sandbox's and the store's view of a chaos run, prints it, and records each failure.
fn chaos_verdict(
    label: &str,
    sandbox: &SandboxHandle,
    events: u64,
    store: &StoreFigures,
    reports: &[RelayReport],
    failures: &mut Vec<String>,
) {
    let accepted = sandbox.accepted();
    let mut seen: HashMap<String, u32> = HashMap::with_capacity(accepted.len());
    for a in &accepted {
        *seen.entry(a.event_id.clone()).or_default() += 1;
    }
    let lost = (1..=events).filter(|i| !seen.contains_key(&suite::sandbox::event_id(*i))).count();
    let twice = seen.values().filter(|n| **n > 1).count();
    let count = sandbox.accepted_count();
    let c = store.counts;
    println!(
        "  sandbox: {} accepted, {} distinct eventIds, accepted_count {count}; lost {lost}, accepted twice {twice}",
        accepted.len(),
        seen.len()
    );
    println!(
        "  store: sent {}, pending {}, in flight {}, failed {}; replays (entries whose acceptance was a replay) {}; \
         entries claimed more than once {}; claims in all {}",
        c.sent, c.pending, c.in_flight, c.failed, store.replayed, store.claimed_again, store.claims
    );
    for r in reports {
        println!(
            "  a relay that ran to the end: sent {} (replayed {}), retried {}, released {}, lost claims {}, failed {}",
            r.sent, r.replayed, r.retried, r.released, r.lost, r.failed
        );
    }
    let mut fail = |what: String| failures.push(format!("{label}: {what}"));
    if lost > 0 {
        fail(format!("{lost} events never accepted"));
    }
    if twice > 0 {
        fail(format!("{twice} eventIds accepted more than once"));
    }
    if count != events || accepted.len() as u64 != events {
        fail(format!("{count} acceptances ({} kept) for {events} events", accepted.len()));
    }
    if c.sent != events || c.pending + c.in_flight + c.failed != 0 {
        fail(format!("store counts {c:?}, not {events} sent"));
    }
    let verdict = if lost == 0 && twice == 0 && count == events { "PASS" } else { "FAIL" };
    println!("  {verdict}: 0 lost and 0 duplicated is {}", lost == 0 && twice == 0 && count == events);
}

async fn chaos_sqlite(sandbox: &SandboxHandle, dir: &Path, sizes: &Sizes, failures: &mut Vec<String>) {
    let path = dir.join("chaos.db");
    let store = SqliteOutbox::open(&path).await.expect("open");
    println!(
        "chaos, SQLite: {} events enqueued as they are sent (at most {BACKLOG} pending); one relay (concurrency \
         {CHAOS_CONCURRENCY}, lease {} s), killed every {:.1} s up to {} times (load average {})",
        sizes.chaos_events,
        CHAOS_LEASE.as_secs(),
        sizes.sqlite_kill_every.as_secs_f64(),
        sizes.sqlite_kills,
        suite::load_average()
    );
    let started = Instant::now();
    let producer = producer!(store, sizes.chaos_events);
    let mut kills = 0;
    let report = loop {
        // A relay that starts before the last event is enqueued may find the store empty and end.
        let after_producer = producer.is_finished();
        // A restarted process: a new pool on the file, a new client.
        let relay = chaos_relay(SqliteOutbox::open(&path).await.expect("open"), chaos_client(sandbox));
        let mut run: RelayRun = tokio::spawn(async move { relay.run_until_empty().await });
        let done = if kills < sizes.sqlite_kills {
            tokio::select! {
                done = &mut run => done,
                () = tokio::time::sleep(sizes.sqlite_kill_every) => {
                    run.abort();
                    let _ = run.await;
                    kills += 1;
                    println!("  {:5.1} s: relay killed ({kills}), restarted", started.elapsed().as_secs_f64());
                    continue;
                }
            }
        } else {
            run.await
        };
        if after_producer {
            break done;
        }
    };
    let elapsed = started.elapsed();
    let report = report.expect("the relay does not panic").expect("the relay runs");
    print_sent_in(elapsed, sizes.chaos_events, kills);
    let figures = store_figures!(store);
    chaos_verdict("chaos, SQLite", sandbox, sizes.chaos_events, &figures, &[report], failures);
}

/// The chaos run's time line.
fn print_sent_in(elapsed: Duration, events: u64, kills: usize) {
    println!(
        "  all sent in {:.1} s ({:.0} events/s), {kills} kills (load average {})",
        elapsed.as_secs_f64(),
        events as f64 / elapsed.as_secs_f64(),
        suite::load_average()
    );
}

fn spawn_postgres_relay(url: String, client: Client) -> RelayRun {
    tokio::spawn(async move {
        let store = PostgresOutbox::connect(&url).await?;
        chaos_relay(store, client).run_until_empty().await
    })
}

async fn chaos_postgres(sandbox: &SandboxHandle, url: &str, sizes: &Sizes, failures: &mut Vec<String>) {
    let store = PostgresOutbox::connect(url).await.expect("connect");
    println!(
        "chaos, PostgreSQL: {} events enqueued as they are sent (at most {BACKLOG} pending); three relays \
         (concurrency {CHAOS_CONCURRENCY} each, lease {} s), one killed every {:.1} s and restarted (load average {})",
        sizes.chaos_events,
        CHAOS_LEASE.as_secs(),
        sizes.postgres_kill_every.as_secs_f64(),
        suite::load_average()
    );
    let started = Instant::now();
    let producer = producer!(store, sizes.chaos_events);
    // Each relay, and whether it started after the last event was enqueued.
    let mut relays: Vec<(RelayRun, bool)> =
        (0..3).map(|_| (spawn_postgres_relay(url.to_owned(), chaos_client(sandbox)), false)).collect();
    let (mut kills, mut last_kill) = (0, Instant::now());
    loop {
        tokio::time::sleep(ms(50)).await;
        for relay in &mut relays {
            // Ended on an empty store before the producer was done: started again.
            if relay.0.is_finished() && !relay.1 {
                let after_producer = producer.is_finished();
                let old = std::mem::replace(
                    relay,
                    (spawn_postgres_relay(url.to_owned(), chaos_client(sandbox)), after_producer),
                );
                old.0.await.expect("the relay does not panic").expect("the relay runs");
            }
        }
        if relays.iter().all(|(run, after_producer)| run.is_finished() && *after_producer) {
            break;
        }
        if kills < sizes.postgres_kills && last_kill.elapsed() >= sizes.postgres_kill_every {
            let victim = kills % relays.len();
            last_kill = Instant::now();
            if relays[victim].0.is_finished() {
                continue;
            }
            relays[victim].0.abort();
            let after_producer = producer.is_finished();
            let old = std::mem::replace(
                &mut relays[victim],
                (spawn_postgres_relay(url.to_owned(), chaos_client(sandbox)), after_producer),
            );
            let _ = old.0.await;
            kills += 1;
            println!("  {:5.1} s: relay {victim} killed ({kills}), restarted", started.elapsed().as_secs_f64());
        }
    }
    let elapsed = started.elapsed();
    let mut reports = Vec::new();
    for (relay, _) in relays {
        reports.push(relay.await.expect("the relay does not panic").expect("the relay runs"));
    }
    print_sent_in(elapsed, sizes.chaos_events, kills);
    let figures = store_figures!(store);
    chaos_verdict("chaos, PostgreSQL", sandbox, sizes.chaos_events, &figures, &reports, failures);
}

// ---------------------------------------------------------------------------------------------
// 2. Enqueue cost inside a host transaction

/// Runs `events.len()` host transactions with and without the enqueue, alternating which goes
/// first; returns the times of each (µs).
macro_rules! host_transactions {
    ($store:expr, $insert:expr, $events:expr) => {{
        let events: &[ValidatedEvent] = $events;
        let mut host = Vec::with_capacity(events.len());
        let mut with = Vec::with_capacity(events.len());
        for (i, event) in events.iter().enumerate() {
            let order = if i % 2 == 0 { [false, true] } else { [true, false] };
            for enqueue in order {
                let customer = format!("customer-{i}-{enqueue}");
                let started = Instant::now();
                let mut tx = $store.pool().begin().await.expect("begin");
                sqlx::query($insert).bind(customer).bind(4_200_i64).execute(&mut *tx).await.expect("host insert");
                if enqueue {
                    $store.enqueue_in(&mut tx, event).await.expect("enqueue");
                }
                tx.commit().await.expect("commit");
                let micros = started.elapsed().as_secs_f64() * 1e6;
                if enqueue {
                    with.push(micros)
                } else {
                    host.push(micros)
                }
            }
        }
        (host, with)
    }};
}

fn print_enqueue_cost(label: &str, (mut host, mut with): (Vec<f64>, Vec<f64>)) {
    let n = host.len();
    let (h, w) = (suite::median(&mut host), suite::median(&mut with));
    println!(
        "  {label}: host transaction {h:.1} µs, with enqueue_in {w:.1} µs (medians of {n} each); \
         with/host {:.2}x, enqueue adds {:.1} µs (load average {})",
        w / h,
        w - h,
        suite::load_average()
    );
}

fn enqueue_events(from: u64, n: usize) -> Vec<ValidatedEvent> {
    (0..n as u64).map(|i| event(from + i)).collect()
}

async fn enqueue_sqlite(dir: &Path, sizes: &Sizes) {
    let store = SqliteOutbox::open(dir.join("enqueue.db")).await.expect("open");
    sqlx::query(
        "CREATE TABLE bench_orders (id INTEGER PRIMARY KEY, customer TEXT NOT NULL, total_cents INTEGER NOT NULL)",
    )
    .execute(store.pool())
    .await
    .expect("host table");
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(store.pool()).await.expect("pragma");
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(store.pool()).await.expect("pragma");
    const INSERT: &str = "INSERT INTO bench_orders (customer, total_cents) VALUES ($1, $2)";
    let _ = host_transactions!(store, INSERT, &enqueue_events(1_000_000, 50));
    let times = host_transactions!(store, INSERT, &enqueue_events(2_000_000, sizes.enqueues));
    print_enqueue_cost(&format!("SQLite (file in {}, journal_mode {mode}, synchronous {sync})", dir.display()), times);
}

async fn enqueue_postgres(label: &str, url: &str, sizes: &Sizes) {
    let store = PostgresOutbox::connect(url).await.expect("connect");
    let pool = store.pool();
    // A database of one's own may hold a previous run's entries.
    sqlx::query("TRUNCATE loop_outbox").execute(pool).await.expect("truncate");
    sqlx::query("DROP TABLE IF EXISTS bench_orders").execute(pool).await.expect("host table");
    sqlx::query(
        "CREATE TABLE bench_orders (id BIGSERIAL PRIMARY KEY, customer TEXT NOT NULL, total_cents BIGINT NOT NULL)",
    )
    .execute(pool)
    .await
    .expect("host table");
    let setting = |name: &'static str| async move {
        sqlx::query_scalar::<_, String>(&format!("SHOW {name}")).fetch_one(pool).await.expect("setting")
    };
    let settings = format!(
        "PostgreSQL {}, fsync {}, synchronous_commit {}, full_page_writes {}",
        setting("server_version").await,
        setting("fsync").await,
        setting("synchronous_commit").await,
        setting("full_page_writes").await
    );
    const INSERT: &str = "INSERT INTO bench_orders (customer, total_cents) VALUES ($1, $2)";
    let _ = host_transactions!(store, INSERT, &enqueue_events(1_000_000, 50));
    let times = host_transactions!(store, INSERT, &enqueue_events(2_000_000, sizes.enqueues));
    print_enqueue_cost(&format!("{label} ({settings})"), times);
}

// ---------------------------------------------------------------------------------------------
// 3. Relay throughput

/// Counts and times what relays ask of their store.
#[derive(Default)]
struct Stats {
    claims: AtomicU64,
    claimed: AtomicU64,
    empty_claims: AtomicU64,
    claim_ns: AtomicU64,
    extends: AtomicU64,
    extend_ns: AtomicU64,
    finishes: AtomicU64,
    finish_ns: AtomicU64,
    counts: AtomicU64,
    counts_ns: AtomicU64,
    /// When the last settlement ended, in ns since `epoch()`.
    last_finish: AtomicU64,
}

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn since_epoch() -> u64 {
    u64::try_from(epoch().elapsed().as_nanos()).unwrap_or(u64::MAX)
}

fn add(counter: &AtomicU64, started: Instant) {
    counter.fetch_add(u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX), Ordering::Relaxed);
}

/// A store that counts and times the calls a relay makes.
struct Timed<S> {
    inner: S,
    stats: Arc<Stats>,
}

impl<S: OutboxStore> OutboxStore for Timed<S> {
    async fn enqueue(&self, event: &ValidatedEvent) -> Result<Enqueued, OutboxError> {
        self.inner.enqueue(event).await
    }

    async fn claim(&self, now: SystemTime, lease: Duration, limit: usize) -> Result<Vec<Claimed>, OutboxError> {
        let started = Instant::now();
        let claimed = self.inner.claim(now, lease, limit).await;
        add(&self.stats.claim_ns, started);
        self.stats.claims.fetch_add(1, Ordering::Relaxed);
        if let Ok(claimed) = &claimed {
            self.stats.claimed.fetch_add(claimed.len() as u64, Ordering::Relaxed);
            if claimed.is_empty() {
                self.stats.empty_claims.fetch_add(1, Ordering::Relaxed);
            }
        }
        claimed
    }

    async fn claim_entry(
        &self,
        event_id: uuid::Uuid,
        now: SystemTime,
        lease: Duration,
    ) -> Result<Option<Claimed>, OutboxError> {
        self.inner.claim_entry(event_id, now, lease).await
    }

    async fn extend(&self, claim: &Claimed, until: SystemTime) -> Result<bool, OutboxError> {
        let started = Instant::now();
        let extended = self.inner.extend(claim, until).await;
        add(&self.stats.extend_ns, started);
        self.stats.extends.fetch_add(1, Ordering::Relaxed);
        extended
    }

    async fn finish(&self, claim: &Claimed, outcome: &Outcome, now: SystemTime) -> Result<bool, OutboxError> {
        let started = Instant::now();
        let finished = self.inner.finish(claim, outcome, now).await;
        add(&self.stats.finish_ns, started);
        self.stats.finishes.fetch_add(1, Ordering::Relaxed);
        self.stats.last_finish.fetch_max(since_epoch(), Ordering::Relaxed);
        finished
    }

    async fn counts(&self) -> Result<OutboxCounts, OutboxError> {
        let started = Instant::now();
        let counts = self.inner.counts().await;
        add(&self.stats.counts_ns, started);
        self.stats.counts.fetch_add(1, Ordering::Relaxed);
        counts
    }

    async fn prune_sent(&self, before: SystemTime) -> Result<u64, OutboxError> {
        self.inner.prune_sent(before).await
    }

    async fn entry(&self, event_id: uuid::Uuid) -> Result<Option<StoredEntry>, OutboxError> {
        self.inner.entry(event_id).await
    }
}

/// One measured drain: events/s, and what the relays asked of the database.
struct Drain {
    per_second: f64,
    to_last_settle: f64,
    line: String,
}

/// `relays` relays, each with its own pool and client, drain a fresh database of `sizes.events`.
async fn drain(sandbox: &SandboxHandle, url: &str, relays: usize, sizes: &Sizes) -> Drain {
    let store = PostgresOutbox::connect(url).await.expect("connect");
    fill!(store, 1..=sizes.events);
    let stats = Arc::new(Stats::default());
    let mut built = Vec::new();
    for _ in 0..relays {
        let inner = PostgresOutbox::connect(url).await.expect("connect");
        let client = suite::client::client_builder(sandbox).build().expect("a client");
        let store = Timed { inner, stats: stats.clone() };
        built.push(Relay::new(Arc::new(store), client).concurrency(sizes.concurrency));
    }
    let started = Instant::now();
    let start_ns = since_epoch();
    let runs: Vec<_> =
        built.into_iter().map(|relay| tokio::spawn(async move { relay.run_until_empty().await })).collect();
    let mut sent = 0;
    for run in runs {
        let report = run.await.expect("no panic").expect("the relay runs");
        assert_eq!((report.failed, report.replayed), (0, 0), "{report:?}");
        sent += report.sent;
    }
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(sent, sizes.events);
    assert_eq!(sandbox.accepted_count(), sizes.events, "each event accepted once");
    let to_last_settle = (stats.last_finish.load(Ordering::Relaxed).saturating_sub(start_ns)) as f64 / 1e9;
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let mean_ms = |ns: &AtomicU64, n: &AtomicU64| load(ns) as f64 / 1e6 / load(n).max(1) as f64;
    let line = format!(
        "{relays} relay(s): {:.0} events/s ({elapsed:.2} s; last entry settled at {to_last_settle:.2} s); \
         claims {} ({} rows, {} empty, mean {:.2} ms), settlements {} (mean {:.2} ms), extensions {}, counts {} \
         (mean {:.2} ms)",
        sizes.events as f64 / elapsed,
        load(&stats.claims),
        load(&stats.claimed),
        load(&stats.empty_claims),
        mean_ms(&stats.claim_ns, &stats.claims),
        load(&stats.finishes),
        mean_ms(&stats.finish_ns, &stats.finishes),
        load(&stats.extends),
        load(&stats.counts),
        mean_ms(&stats.counts_ns, &stats.counts),
    );
    Drain { per_second: sizes.events as f64 / elapsed, to_last_settle, line }
}

/// The ceiling: the same events through `clients` clients with `sizes.concurrency` sends each
/// in flight, no database.
async fn client_alone(sandbox: &SandboxHandle, clients: usize, sizes: &Sizes) -> f64 {
    let next = Arc::new(AtomicU64::new(1));
    let started = Instant::now();
    let mut senders = Vec::new();
    for _ in 0..clients {
        let client = suite::client::client_builder(sandbox).build().expect("a client");
        for _ in 0..sizes.concurrency {
            let (client, next, events) = (client.clone(), next.clone(), sizes.events);
            senders.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i > events {
                        break;
                    }
                    client.send_json(EVENT, &suite::sandbox::lead(i)).await.expect("accepted");
                }
            }));
        }
    }
    for sender in senders {
        sender.await.expect("no panic");
    }
    let per_second = sizes.events as f64 / started.elapsed().as_secs_f64();
    assert_eq!(sandbox.accepted_count(), sizes.events);
    per_second
}

fn throughput(main: &Runtime, sandbox_runtime: &Runtime, sizes: &Sizes) {
    let server = suite::postgres::server();
    println!(
        "throughput: {} events per drain, sandbox processing {} ms per event, concurrency {} per relay, \
         PostgreSQL {} (load average {})",
        sizes.events,
        sizes.processing.as_millis(),
        sizes.concurrency,
        if server.data_directory().is_some() { "private cluster (fsync off)" } else { "of LOOP_TEST_POSTGRES_URL" },
        suite::load_average()
    );
    let (mut one, mut three, mut ratios) = (vec![], vec![], vec![]);
    let (mut alone_one, mut alone_three) = (vec![], vec![]);
    let (mut settle_one, mut settle_three) = (vec![], vec![]);
    for round in 0..sizes.rounds {
        let order: [usize; 2] = if round % 2 == 0 { [1, 3] } else { [3, 1] };
        let mut figures = [0.0; 2];
        for relays in order {
            let faults = FaultConfig::seeded(1).with_processing(sizes.processing);
            let sandbox = start_sandbox(sandbox_runtime, faults, sizes.events);
            let ceiling = main.block_on(client_alone(&sandbox, relays, sizes));
            sandbox_runtime.block_on(async { drop(sandbox) });
            let sandbox = start_sandbox(sandbox_runtime, faults, sizes.events);
            let url = server.fresh_database();
            let drained = main.block_on(drain(&sandbox, &url, relays, sizes));
            sandbox_runtime.block_on(async { drop(sandbox) });
            println!(
                "  round {round}: {}; client alone, {} in flight: {ceiling:.0} events/s (load average {})",
                drained.line,
                relays * sizes.concurrency,
                suite::load_average()
            );
            let i = usize::from(relays == 3);
            figures[i] = drained.per_second;
            if relays == 1 {
                one.push(drained.per_second);
                alone_one.push(ceiling);
                settle_one.push(sizes.events as f64 / drained.to_last_settle);
            } else {
                three.push(drained.per_second);
                alone_three.push(ceiling);
                settle_three.push(sizes.events as f64 / drained.to_last_settle);
            }
        }
        ratios.push(figures[1] / figures[0]);
    }
    let (one, three, ratio) = (suite::median(&mut one), suite::median(&mut three), suite::median(&mut ratios));
    println!(
        "  medians over {} rounds: one relay {one:.0} events/s, three relays {three:.0} events/s, three/one {ratio:.2}x \
         (median of per-round ratios; target ≥ 2.5x: {}); to the last settlement: {:.0} and {:.0} events/s; \
         client alone: {:.0} and {:.0} events/s (load average {})",
        sizes.rounds,
        if ratio >= 2.5 { "met" } else { "NOT met" },
        suite::median(&mut settle_one),
        suite::median(&mut settle_three),
        suite::median(&mut alone_one),
        suite::median(&mut alone_three),
        suite::load_average()
    );
}

// ---------------------------------------------------------------------------------------------

fn runtime(name: &str) -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(name)
        .enable_all()
        .build()
        .expect("a runtime")
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("loop-outbox-bench-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    if has("--list") {
        return;
    }
    // As the other benches decide: `cargo bench` passes --bench; `cargo test --benches` does not.
    let measuring = has("--bench") && !has("--test");
    let part = args.iter().find(|a| !a.starts_with('-')).map(String::as_str);
    let runs = |name: &str| part.is_none_or(|p| name.starts_with(p));
    let sizes = Sizes::new(measuring);
    let main_runtime = runtime("relays");
    let sandbox_runtime = runtime("sandbox");
    let dir = temp_dir();
    let mut failures = Vec::new();
    println!("outbox bench, load average {} at the start", suite::load_average());

    if runs("chaos-sqlite") {
        let sandbox = start_sandbox(&sandbox_runtime, chaos_faults(11), sizes.chaos_events);
        main_runtime.block_on(chaos_sqlite(&sandbox, &dir, &sizes, &mut failures));
        sandbox_runtime.block_on(async { drop(sandbox) });
    }
    if runs("chaos-postgres") {
        let url = suite::postgres::server().fresh_database();
        let sandbox = start_sandbox(&sandbox_runtime, chaos_faults(12), sizes.chaos_events);
        main_runtime.block_on(chaos_postgres(&sandbox, &url, &sizes, &mut failures));
        sandbox_runtime.block_on(async { drop(sandbox) });
    }
    if runs("enqueue") {
        println!("enqueue cost inside a host transaction (load average {}):", suite::load_average());
        main_runtime.block_on(enqueue_sqlite(&dir, &sizes));
        let server = suite::postgres::server();
        let label = if server.data_directory().is_some() { "PostgreSQL, private cluster" } else { "PostgreSQL" };
        main_runtime.block_on(enqueue_postgres(label, &server.fresh_database(), &sizes));
        if let Ok(url) = std::env::var("OUTBOX_BENCH_FSYNC_URL") {
            main_runtime.block_on(enqueue_postgres("PostgreSQL, OUTBOX_BENCH_FSYNC_URL", &url, &sizes));
        }
    }
    if runs("throughput") {
        throughput(&main_runtime, &sandbox_runtime, &sizes);
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!("load average {} at the end", suite::load_average());
    if !failures.is_empty() {
        for failure in &failures {
            eprintln!("FAILED: {failure}");
        }
        std::process::exit(1);
    }
}
